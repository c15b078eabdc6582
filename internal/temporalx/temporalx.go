// Package temporalx dials Temporal the same way for the worker, the gateway, the starter and
// the tests, so connection settings (and later the payload codec) live in one place.
package temporalx

import (
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/logging"
)

// Options returns client options for cfg.
func Options(cfg config.Temporal, z *zap.Logger) client.Options {
	return client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    logging.SDK(z),
	}
}

// Dial connects to Temporal.
func Dial(cfg config.Temporal, z *zap.Logger) (client.Client, error) {
	return client.Dial(Options(cfg, z))
}
