package temporalx_test

import (
	"crypto/rand"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/temporalx"
)

// The connection compresses only when asked to: payloads are encrypted and do not compress.
func TestOptionsCompression(t *testing.T) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	cfg := config.Temporal{TemporalAddress: "127.0.0.1:7233", Payload: config.Payload{PayloadKeys: "k1=" + base64.StdEncoding.EncodeToString(key)}}
	for setting, want := range map[string]client.GrpcCompression{
		"": &client.GrpcCompressionNone{}, "none": &client.GrpcCompressionNone{}, "gzip": &client.GrpcCompressionGzip{},
	} {
		cfg.TemporalCompression = setting
		opts, err := temporalx.Options(cfg, zap.NewNop())
		require.NoError(t, err, setting)
		require.IsType(t, want, opts.ConnectionOptions.GrpcCompression, setting)
	}
	cfg.TemporalCompression = "brotli"
	_, err := temporalx.Options(cfg, zap.NewNop())
	require.ErrorContains(t, err, "ONBOARDING_TEMPORAL_GRPC_COMPRESSION")
}
