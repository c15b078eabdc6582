// Package config holds the configuration pieces the binaries share and the one function that
// reads them from the environment. Each binary has its own Config struct (in its main package)
// that embeds these; nothing else in the project reads the environment.
package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kelseyhightower/envconfig"
)

// Prefix is the environment prefix of every setting: ONBOARDING_<NAME>.
const Prefix = "ONBOARDING"

// Temporal is how a binary reaches Temporal. ONBOARDING_TEMPORAL_ADDRESS falls back to
// TEMPORAL_ADDRESS (and likewise for the namespace), so the CLI's own variables work.
type Temporal struct {
	TemporalAddress   string `envconfig:"TEMPORAL_ADDRESS" default:"127.0.0.1:7233" desc:"Temporal frontend host:port"`
	TemporalNamespace string `envconfig:"TEMPORAL_NAMESPACE" default:"default" desc:"Temporal namespace"`
	TaskQueue         string `envconfig:"TASK_QUEUE" default:"onboarding" desc:"task queue of the onboarding workflows and activities"`
	// A real cluster or Temporal Cloud: mTLS with a client certificate, or an API key (which
	// implies TLS). The dev server needs none of them.
	TemporalTLS        bool   `envconfig:"TEMPORAL_TLS" desc:"connect with TLS (implied by a client certificate or an API key)"`
	TemporalTLSCert    string `envconfig:"TEMPORAL_TLS_CERT" desc:"client certificate file (PEM) for mTLS"`
	TemporalTLSKey     string `envconfig:"TEMPORAL_TLS_KEY" desc:"client key file (PEM) for mTLS (secret)"`
	TemporalTLSCA      string `envconfig:"TEMPORAL_TLS_CA" desc:"CA bundle (PEM) to verify the server; default: the system's"`
	TemporalServerName string `envconfig:"TEMPORAL_TLS_SERVER_NAME" desc:"TLS server name, when it differs from the address's host"`
	TemporalAPIKey     string `envconfig:"TEMPORAL_API_KEY" desc:"Temporal Cloud API key (secret)"`
	// Payload encryption: every binary that talks to Temporal encrypts and decrypts the same way.
	Payload
}

// Logging configures zap.
type Logging struct {
	LogLevel  string `envconfig:"LOG_LEVEL" default:"info" desc:"debug, info, warn or error"`
	LogFormat string `envconfig:"LOG_FORMAT" default:"console" desc:"console or json"`
}

// LoggingSettings returns the logging settings; every binary's config gets it by embedding.
func (l Logging) LoggingSettings() Logging { return l }

// Payload says where the payload encryption keys are: in ONBOARDING_PAYLOAD_KEYS itself or in
// the file named by ONBOARDING_PAYLOAD_KEYS_FILE, exactly one of the two. Both hold the same
// format (package codec parses it): entries "id=base64key" separated by commas or newlines,
// the first entry being the key that encrypts; '#' starts a comment. Like every setting with
// an explicit name, each also falls back to its unprefixed variable (PAYLOAD_KEYS, ...).
type Payload struct {
	PayloadKeys     string `envconfig:"PAYLOAD_KEYS" desc:"SECRET payload encryption keys: id=base64key entries (32-byte AES-256 keys) separated by commas or newlines; the first encrypts, all decrypt"`
	PayloadKeysFile string `envconfig:"PAYLOAD_KEYS_FILE" desc:"file holding the payload encryption keys instead: one id=base64key per line, # comments allowed"`
}

// Validate checks that exactly one source of payload keys is set.
func (p Payload) Validate() error {
	keys, file := strings.TrimSpace(p.PayloadKeys) != "", strings.TrimSpace(p.PayloadKeysFile) != ""
	switch {
	case !keys && !file:
		return fmt.Errorf("config: set %s_PAYLOAD_KEYS or %s_PAYLOAD_KEYS_FILE (payload encryption keys)", Prefix, Prefix)
	case keys && file:
		return fmt.Errorf("config: set only one of %s_PAYLOAD_KEYS and %s_PAYLOAD_KEYS_FILE", Prefix, Prefix)
	}
	return nil
}

// Validator is implemented by configs that check their values after loading.
type Validator interface{ Validate() error }

// Load fills spec from the environment. Errors name the variable at fault.
func Load(spec any) error {
	if err := envconfig.Process(Prefix, spec); err != nil {
		var pe *envconfig.ParseError
		if errors.As(err, &pe) {
			return fmt.Errorf("config: %s=%q is not a valid %s", pe.KeyName, pe.Value, pe.TypeName)
		}
		return fmt.Errorf("config: %w", err)
	}
	if v, ok := spec.(Validator); ok {
		return v.Validate()
	}
	return nil
}

// Validate checks the Temporal settings.
func (t Temporal) Validate() error {
	if !strings.Contains(t.TemporalAddress, ":") {
		return fmt.Errorf("config: %s_TEMPORAL_ADDRESS (or TEMPORAL_ADDRESS) must be host:port, got %q", Prefix, t.TemporalAddress)
	}
	if t.TaskQueue == "" {
		return fmt.Errorf("config: %s_TASK_QUEUE must not be empty", Prefix)
	}
	if (t.TemporalTLSCert == "") != (t.TemporalTLSKey == "") {
		return fmt.Errorf("config: %s_TEMPORAL_TLS_CERT and %s_TEMPORAL_TLS_KEY go together", Prefix, Prefix)
	}
	if err := t.Payload.Validate(); err != nil {
		return err
	}
	return nil
}

// Validate checks the logging settings.
func (l Logging) Validate() error {
	switch l.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: %s_LOG_LEVEL must be debug, info, warn or error, got %q", Prefix, l.LogLevel)
	}
	if l.LogFormat != "console" && l.LogFormat != "json" {
		return fmt.Errorf("config: %s_LOG_FORMAT must be console or json, got %q", Prefix, l.LogFormat)
	}
	return nil
}

// Usage prints every variable of spec with its default and description, for -help.
func Usage(spec any) string {
	var b strings.Builder
	_ = envconfig.Usagef(Prefix, spec, &b, "{{range .}}{{usage_key .}}\t{{usage_default .}}\t{{usage_description .}}\n{{end}}")
	return b.String()
}
