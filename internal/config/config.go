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
}

// Logging configures zap.
type Logging struct {
	LogLevel  string `envconfig:"LOG_LEVEL" default:"info" desc:"debug, info, warn or error"`
	LogFormat string `envconfig:"LOG_FORMAT" default:"console" desc:"console or json"`
}

// LoggingSettings returns the logging settings; every binary's config gets it by embedding.
func (l Logging) LoggingSettings() Logging { return l }

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
