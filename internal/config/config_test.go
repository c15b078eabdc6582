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
	t.Run("defaults", func(t *testing.T) {
		var s spec
		require.NoError(t, config.Load(&s))
		require.Equal(t, "127.0.0.1:7233", s.TemporalAddress)
		require.Equal(t, "default", s.TemporalNamespace)
		require.Equal(t, 5*time.Second, s.PollEvery)
		require.Equal(t, "none", s.TemporalCompression, "encrypted payloads do not compress")
	})
	for _, tt := range []struct {
		name     string
		env      map[string]string
		wantAddr string // the Temporal address loaded; "" when an error is wanted
		wantErr  string // a substring of the error, which names the variable at fault
	}{
		{name: "falls back to TEMPORAL_ADDRESS", env: map[string]string{"TEMPORAL_ADDRESS": "temporal.internal:7233"}, wantAddr: "temporal.internal:7233"},
		{name: "prefixed wins over fallback", env: map[string]string{"TEMPORAL_ADDRESS": "a:1", "ONBOARDING_TEMPORAL_ADDRESS": "b:2"}, wantAddr: "b:2"},
		{name: "payload keys are required", env: map[string]string{"ONBOARDING_PAYLOAD_KEYS": ""}, wantErr: "ONBOARDING_PAYLOAD_KEYS"},
		{name: "a TLS certificate needs its key", env: map[string]string{"ONBOARDING_TEMPORAL_TLS_CERT": "/etc/cert.pem"}, wantErr: "ONBOARDING_TEMPORAL_TLS_KEY"},
		{name: "bad duration names the variable", env: map[string]string{"ONBOARDING_POLL_EVERY": "soon"}, wantErr: "ONBOARDING_POLL_EVERY"},
		{name: "bad level names the variable", env: map[string]string{"ONBOARDING_LOG_LEVEL": "loud"}, wantErr: "ONBOARDING_LOG_LEVEL"},
		{name: "gzip can be asked for", env: map[string]string{"ONBOARDING_TEMPORAL_GRPC_COMPRESSION": "gzip"}, wantAddr: "127.0.0.1:7233"},
		{name: "unknown compression names the variable", env: map[string]string{"ONBOARDING_TEMPORAL_GRPC_COMPRESSION": "zstd"}, wantErr: "ONBOARDING_TEMPORAL_GRPC_COMPRESSION must be none or gzip"},
		{name: "address without port", env: map[string]string{"ONBOARDING_TEMPORAL_ADDRESS": "localhost"}, wantErr: "TEMPORAL_ADDRESS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setenv(t, tt.env)
			var s spec
			err := config.Load(&s)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantAddr, s.TemporalAddress)
		})
	}
}

// setenv sets env for the rest of the test.
func setenv(t *testing.T, env map[string]string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func TestPayloadValidate(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{name: "keys", env: map[string]string{"ONBOARDING_PAYLOAD_KEYS": "k1=abc"}},
		{name: "file", env: map[string]string{"ONBOARDING_PAYLOAD_KEYS_FILE": "/run/secrets/payload-keys"}},
		{name: "neither", wantErr: "missing ONBOARDING_PAYLOAD_KEYS (or ONBOARDING_PAYLOAD_KEYS_FILE)"},
		{name: "blank", env: map[string]string{"ONBOARDING_PAYLOAD_KEYS": "  "}, wantErr: "set ONBOARDING_PAYLOAD_KEYS or ONBOARDING_PAYLOAD_KEYS_FILE"},
		{
			name:    "both",
			env:     map[string]string{"ONBOARDING_PAYLOAD_KEYS": "k1=abc", "ONBOARDING_PAYLOAD_KEYS_FILE": "/run/secrets/payload-keys"},
			wantErr: "set only one of ONBOARDING_PAYLOAD_KEYS and ONBOARDING_PAYLOAD_KEYS_FILE",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setenv(t, tt.env)
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

// secrets is a config with local defaults, as the worker's and the gateway's are.
type secrets struct {
	config.Profile
	config.Logging
	APIKey    string   `envconfig:"TEST_API_KEY"`
	BaseURL   string   `envconfig:"TEST_BASE_URL"`
	Hooks     []string `envconfig:"TEST_HOOK_SECRETS"`
	Tokens    string   `envconfig:"TEST_TOKENS"`
	NotifyURL string   `envconfig:"TEST_NOTIFY_URL"`
}

func (s *secrets) LocalDefaults(d *config.Defaults) {
	d.Sandbox(&s.APIKey, "TEST_API_KEY", "sandbox-api-key")
	d.Sandbox(&s.BaseURL, "TEST_BASE_URL", "http://127.0.0.1:8090/test")
	d.SandboxList(&s.Hooks, "TEST_HOOK_SECRETS", "sandbox-hook-secret")
	d.Require("TEST_TOKENS")
	d.Sandbox(&s.NotifyURL, "TEST_NOTIFY_URL", "http://127.0.0.1:8090/inbox")
}

func TestProfile(t *testing.T) {
	t.Run("production names every missing setting at once", func(t *testing.T) {
		var s secrets
		err := config.Load(&s)
		require.EqualError(t, err, "config: missing ONBOARDING_TEST_API_KEY, ONBOARDING_TEST_BASE_URL, ONBOARDING_TEST_HOOK_SECRETS, "+
			"ONBOARDING_TEST_TOKENS, ONBOARDING_TEST_NOTIFY_URL; outside ONBOARDING_PROFILE=local (make run, tests) nothing falls back to the sandbox's credentials or addresses")
	})
	t.Run("production said out loud is production", func(t *testing.T) {
		t.Setenv("ONBOARDING_PROFILE", "production")
		var s secrets
		require.ErrorContains(t, config.Load(&s), "missing ONBOARDING_TEST_API_KEY")
	})
	t.Run("production with everything set", func(t *testing.T) {
		setenv(t, map[string]string{
			"ONBOARDING_TEST_API_KEY": "live-key", "ONBOARDING_TEST_BASE_URL": "https://api.example", "ONBOARDING_TEST_HOOK_SECRETS": "live-hook",
			"ONBOARDING_TEST_TOKENS": "t", "ONBOARDING_TEST_NOTIFY_URL": "",
		})
		var s secrets
		require.NoError(t, config.Load(&s))
		require.False(t, s.IsLocal())
		require.Equal(t, "live-key", s.APIKey)
		require.Equal(t, []string{"live-hook"}, s.Hooks)
		require.Empty(t, s.NotifyURL, "set but empty stays empty (it turns a feature off)")
	})
	t.Run("the unprefixed fallback counts as set", func(t *testing.T) {
		t.Setenv("TEST_API_KEY", "live-key")
		var s secrets
		err := config.Load(&s)
		require.ErrorContains(t, err, "missing ONBOARDING_TEST_BASE_URL")
		require.NotContains(t, err.Error(), "TEST_API_KEY")
		require.Equal(t, "live-key", s.APIKey)
	})
	t.Run("local takes the sandbox's for what is unset", func(t *testing.T) {
		t.Setenv("ONBOARDING_PROFILE", "local")
		t.Setenv("ONBOARDING_TEST_TOKENS", "t")
		t.Setenv("ONBOARDING_TEST_BASE_URL", "http://127.0.0.1:9999/test")
		t.Setenv("ONBOARDING_TEST_NOTIFY_URL", "")
		var s secrets
		require.NoError(t, config.Load(&s))
		require.True(t, s.IsLocal())
		require.Equal(t, "sandbox-api-key", s.APIKey)
		require.Equal(t, []string{"sandbox-hook-secret"}, s.Hooks)
		require.Equal(t, "http://127.0.0.1:9999/test", s.BaseURL, "what is set wins")
		require.Empty(t, s.NotifyURL, "set but empty is not unset")
	})
	t.Run("local still needs what the sandbox has no value for", func(t *testing.T) {
		t.Setenv("ONBOARDING_PROFILE", "local")
		var s secrets
		require.EqualError(t, config.Load(&s), "config: missing ONBOARDING_TEST_TOKENS")
	})
	t.Run("an unknown profile names the variable", func(t *testing.T) {
		t.Setenv("ONBOARDING_PROFILE", "dev")
		var s secrets
		require.ErrorContains(t, config.Load(&s), `ONBOARDING_PROFILE must be local or production (unset: production), got "dev"`)
	})
	t.Run("PROFILE alone is not the profile", func(t *testing.T) {
		t.Setenv("PROFILE", "local")
		var s secrets
		require.ErrorContains(t, config.Load(&s), "missing ONBOARDING_TEST_API_KEY")
		require.False(t, s.IsLocal())
	})
	t.Run("-help lists the profile", func(t *testing.T) {
		require.Contains(t, config.Usage(&secrets{}), "ONBOARDING_PROFILE\t")
	})
}

// twoDefaulters embeds two configs with local defaults and forgets to call them.
type twoDefaulters struct {
	config.Temporal
	secrets
}

func TestEmbeddedDefaultsCannotBeSkipped(t *testing.T) {
	var s twoDefaulters
	require.ErrorContains(t, config.Load(&s), "does not call its LocalDefaults")
}
