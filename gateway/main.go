// Command gateway serves the engine's HTTP API: provider webhooks become workflow signals.
package main

import (
	"fmt"
	"net"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/gateway"
	"github.com/merchantflow/onboarding/internal/process"
	"github.com/merchantflow/onboarding/internal/temporalx"
)

// Config is the gateway's whole configuration (ONBOARDING_*).
type Config struct {
	config.Temporal
	config.Logging
	Addr             string        `envconfig:"GATEWAY_ADDR" default:"127.0.0.1:8081" desc:"listen address"`
	WebhookSecrets   []string      `envconfig:"WEBHOOK_SECRETS" default:"sandbox-webhook-secret" desc:"comma-separated webhook signing secrets, newest first (secret)"`
	WebhookTolerance time.Duration `envconfig:"WEBHOOK_TOLERANCE" default:"5m" desc:"allowed clock difference of a webhook timestamp"`
}

// Validate checks values envconfig cannot.
func (c Config) Validate() error {
	if err := c.Temporal.Validate(); err != nil {
		return err
	}
	if err := c.Logging.Validate(); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("config: %s_GATEWAY_ADDR must be host:port, got %q", config.Prefix, c.Addr)
	}
	if len(c.WebhookSecrets) == 0 {
		return fmt.Errorf("config: %s_WEBHOOK_SECRETS must name at least one secret", config.Prefix)
	}
	for _, s := range c.WebhookSecrets {
		if strings.TrimSpace(s) == "" {
			return fmt.Errorf("config: %s_WEBHOOK_SECRETS has an empty entry", config.Prefix)
		}
	}
	return nil
}

func main() {
	process.Main("gateway", "HTTP for apps and provider webhooks.", &Config{}, run)
}

func run(cfg *Config, log *zap.Logger) error {
	tc, err := temporalx.Dial(cfg.Temporal, log)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer tc.Close()
	secrets := make([][]byte, 0, len(cfg.WebhookSecrets))
	for _, s := range cfg.WebhookSecrets {
		secrets = append(secrets, []byte(strings.TrimSpace(s)))
	}
	gw := gateway.New(gateway.Config{WebhookSecrets: secrets, WebhookTolerance: cfg.WebhookTolerance}, tc, log)
	return process.ServeHTTP(cfg.Addr, "GATEWAY_ADDR", gw.Handler(), log)
}
