package config_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/config"
)

type spec struct {
	config.Temporal
	config.Logging
	PollEvery time.Duration `envconfig:"POLL_EVERY" default:"5s"`
}

func (s spec) Validate() error {
	if err := s.Temporal.Validate(); err != nil {
		return err
	}
	return s.Logging.Validate()
}

func TestLoad(t *testing.T) {
	// config checks only that keys are configured; package codec parses them.
	t.Setenv("ONBOARDING_PAYLOAD_KEYS", "k1=unparsed-here")
	t.Run("payload keys are required", func(t *testing.T) {
		t.Setenv("ONBOARDING_PAYLOAD_KEYS", "")
		var s spec
		require.ErrorContains(t, config.Load(&s), "ONBOARDING_PAYLOAD_KEYS")
	})
	t.Run("a TLS certificate needs its key", func(t *testing.T) {
		t.Setenv("ONBOARDING_TEMPORAL_TLS_CERT", "/etc/cert.pem")
		var s spec
		require.ErrorContains(t, config.Load(&s), "ONBOARDING_TEMPORAL_TLS_KEY")
	})
	t.Run("defaults", func(t *testing.T) {
		var s spec
		require.NoError(t, config.Load(&s))
		require.Equal(t, "127.0.0.1:7233", s.TemporalAddress)
		require.Equal(t, "default", s.TemporalNamespace)
		require.Equal(t, 5*time.Second, s.PollEvery)
	})
	t.Run("falls back to TEMPORAL_ADDRESS", func(t *testing.T) {
		t.Setenv("TEMPORAL_ADDRESS", "temporal.internal:7233")
		var s spec
		require.NoError(t, config.Load(&s))
		require.Equal(t, "temporal.internal:7233", s.TemporalAddress)
	})
	t.Run("prefixed wins over fallback", func(t *testing.T) {
		t.Setenv("TEMPORAL_ADDRESS", "a:1")
		t.Setenv("ONBOARDING_TEMPORAL_ADDRESS", "b:2")
		var s spec
		require.NoError(t, config.Load(&s))
		require.Equal(t, "b:2", s.TemporalAddress)
	})
	t.Run("bad duration names the variable", func(t *testing.T) {
		t.Setenv("ONBOARDING_POLL_EVERY", "soon")
		var s spec
		err := config.Load(&s)
		require.ErrorContains(t, err, "ONBOARDING_POLL_EVERY")
	})
	t.Run("bad level names the variable", func(t *testing.T) {
		t.Setenv("ONBOARDING_LOG_LEVEL", "loud")
		var s spec
		require.ErrorContains(t, config.Load(&s), "ONBOARDING_LOG_LEVEL")
	})
	t.Run("address without port", func(t *testing.T) {
		t.Setenv("ONBOARDING_TEMPORAL_ADDRESS", "localhost")
		var s spec
		require.ErrorContains(t, config.Load(&s), "TEMPORAL_ADDRESS")
	})
}

func TestPayloadValidate(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{name: "keys", env: map[string]string{"ONBOARDING_PAYLOAD_KEYS": "k1=abc"}},
		{name: "file", env: map[string]string{"ONBOARDING_PAYLOAD_KEYS_FILE": "/run/secrets/payload-keys"}},
		{name: "neither", wantErr: "set ONBOARDING_PAYLOAD_KEYS or ONBOARDING_PAYLOAD_KEYS_FILE"},
		{name: "blank", env: map[string]string{"ONBOARDING_PAYLOAD_KEYS": "  "}, wantErr: "set ONBOARDING_PAYLOAD_KEYS or ONBOARDING_PAYLOAD_KEYS_FILE"},
		{
			name:    "both",
			env:     map[string]string{"ONBOARDING_PAYLOAD_KEYS": "k1=abc", "ONBOARDING_PAYLOAD_KEYS_FILE": "/run/secrets/payload-keys"},
			wantErr: "set only one of ONBOARDING_PAYLOAD_KEYS and ONBOARDING_PAYLOAD_KEYS_FILE",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var p config.Payload
			err := config.Load(&p)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			require.NotContains(t, err.Error(), "k1=abc", "the keys are never echoed")
		})
	}
}
