// Package config holds the configuration pieces the binaries share and the one function that
// reads them from the environment. Each binary has its own Config struct (in its main package)
// that embeds these; nothing else in the project reads the environment.
//
// Credentials and provider addresses have no default: a config declares them in its
// LocalDefaults (see Defaulter), and only under ONBOARDING_PROFILE=local do they fall back to
// the sandbox's published values. Under any other profile Load refuses to start while one of
// them is unset, naming every one at once.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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
	// Payloads are encrypted, so they do not compress: gzip on the connection costs CPU at
	// both ends (a tenth of the worker's under a burst) to shrink little but the framing.
	TemporalCompression string `envconfig:"TEMPORAL_GRPC_COMPRESSION" default:"none" desc:"none or gzip: compression of requests to Temporal"`
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

// LocalDefaults requires a source of payload keys under every profile: there are no sandbox
// keys.
func (p *Payload) LocalDefaults(d *Defaults) { d.Require("PAYLOAD_KEYS", "PAYLOAD_KEYS_FILE") }

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

// Load fills spec from the environment: the variables, then, if spec is a Defaulter, its
// LocalDefaults under the profile ONBOARDING_PROFILE names, then Validate. Errors name the
// variable at fault; a missing setting is reported with every other missing one.
func Load(spec any) error {
	if err := envconfig.Process(Prefix, spec); err != nil {
		var pe *envconfig.ParseError
		if errors.As(err, &pe) {
			return fmt.Errorf("config: %s=%q is not a valid %s", pe.KeyName, pe.Value, pe.TypeName)
		}
		return fmt.Errorf("config: %w", err)
	}
	profile, err := profileFromEnv()
	if err != nil {
		return err
	}
	if err := checkDefaulterReached(spec); err != nil {
		return err
	}
	if d, ok := spec.(Defaulter); ok {
		defs := &Defaults{local: profile == ProfileLocal}
		d.LocalDefaults(defs)
		if err := defs.Err(); err != nil {
			return err
		}
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
	switch t.TemporalCompression {
	case "", "none", "gzip":
	default:
		return fmt.Errorf("config: %s_TEMPORAL_GRPC_COMPRESSION must be none or gzip, got %q", Prefix, t.TemporalCompression)
	}
	if err := t.Payload.Validate(); err != nil {
		return err
	}
	return nil
}

// LocalDefaults declares the payload keys (required under every profile).
func (t *Temporal) LocalDefaults(d *Defaults) { t.Payload.LocalDefaults(d) }

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

// Profiles (ONBOARDING_PROFILE).
const (
	// ProfileProduction, also the profile when the variable is unset: every credential and
	// provider address must be given.
	ProfileProduction = "production"
	// ProfileLocal lets an unset credential or provider address take the sandbox's published
	// value, for make run, the tests, bench and chaos.
	ProfileLocal = "local"
)

// profileVar is the profile's variable. Unlike the others it has no unprefixed fallback: a
// stray PROFILE=local in a shell must not hand a production binary the sandbox's credentials.
const profileVar = Prefix + "_PROFILE"

// Profile is embedded by the configs that have local defaults, so -help lists the variable
// and the binary can say which profile it runs. Load reads the same variable.
type Profile struct {
	// No envconfig tag: the key is ONBOARDING_PROFILE with no fallback (see profileVar).
	Profile string `desc:"local: unset credentials and provider addresses take the sandbox's (make run, tests, bench, chaos); unset or production: they are required"`
}

// IsLocal reports whether the binary runs under the local profile.
func (p Profile) IsLocal() bool { return p.Profile == ProfileLocal }

func profileFromEnv() (string, error) {
	v, _ := os.LookupEnv(profileVar)
	switch v {
	case "", ProfileProduction:
		return ProfileProduction, nil
	case ProfileLocal:
		return ProfileLocal, nil
	}
	return "", fmt.Errorf("config: %s must be %s or %s (unset: %s), got %q", profileVar, ProfileLocal, ProfileProduction, ProfileProduction, v)
}

// Defaulter is a config with settings that must be given in production and, under the local
// profile, default to the sandbox's: credentials, provider and callback addresses. Load calls
// LocalDefaults under every profile, after reading the environment: under local it fills the
// unset ones, under any other it records them as missing. A config that embeds Defaulters
// and has settings of its own implements LocalDefaults itself and calls theirs, as it does
// for Validate.
type Defaulter interface{ LocalDefaults(d *Defaults) }

// Defaults is what LocalDefaults gets: the profile and which variables the environment sets.
// Names are without the ONBOARDING_ prefix, as in the envconfig tags; a variable counts as
// set when it or its unprefixed fallback is present, even empty (Validate judges the value).
type Defaults struct {
	local   bool
	missing []string
	hint    bool // something missing would have had a local default
}

// Sandbox declares *field (variable name) as required unless the profile is local, where an
// unset variable takes value, the sandbox's.
func (d *Defaults) Sandbox(field *string, name, value string) {
	if d.sandbox(name) {
		*field = value
	}
}

// SandboxList is Sandbox for a comma-separated list.
func (d *Defaults) SandboxList(field *[]string, name string, values ...string) {
	if d.sandbox(name) {
		*field = append([]string(nil), values...)
	}
}

// sandbox reports whether the variable name takes the sandbox's value: it is unset and the
// profile is local. Unset under any other profile, it is recorded as missing.
func (d *Defaults) sandbox(name string) bool {
	switch {
	case d.IsSet(name):
		return false
	case d.local:
		return true
	}
	d.missing, d.hint = append(d.missing, Prefix+"_"+name), true
	return false
}

// Require declares a setting that is required under every profile: one of names must be set
// (usually one name; more are alternatives, such as a value or the file holding it).
func (d *Defaults) Require(names ...string) {
	for _, n := range names {
		if d.IsSet(n) {
			return
		}
	}
	alts := make([]string, len(names))
	for i, n := range names {
		alts[i] = Prefix + "_" + n
	}
	what := alts[0]
	if len(alts) > 1 {
		what += " (or " + strings.Join(alts[1:], " or ") + ")"
	}
	d.missing = append(d.missing, what)
}

// IsSet reports whether the environment sets the variable ONBOARDING_<name> or its
// unprefixed fallback <name>, as envconfig reads them.
func (d *Defaults) IsSet(name string) bool {
	if _, ok := os.LookupEnv(Prefix + "_" + name); ok {
		return true
	}
	_, ok := os.LookupEnv(name)
	return ok
}

// IsLocal reports whether the profile is local.
func (d *Defaults) IsLocal() bool { return d.local }

// Err names every missing setting at once, or is nil. It never shows a value.
func (d *Defaults) Err() error {
	if len(d.missing) == 0 {
		return nil
	}
	msg := "config: missing " + strings.Join(d.missing, ", ")
	if d.hint {
		msg += "; outside " + profileVar + "=" + ProfileLocal + " (make run, tests) nothing falls back to the sandbox's credentials or addresses"
	}
	return errors.New(msg)
}

// checkDefaulterReached refuses a spec that embeds a Defaulter without being one itself:
// two embedded Defaulters cancel each other's promoted method, and their requirements would
// silently be skipped. The spec must then implement LocalDefaults and call theirs.
func checkDefaulterReached(spec any) error {
	if _, ok := spec.(Defaulter); ok {
		return nil
	}
	v := reflect.ValueOf(spec)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	v = v.Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.Anonymous || !f.IsExported() || f.Type.Kind() != reflect.Struct {
			continue
		}
		if _, ok := v.Field(i).Addr().Interface().(Defaulter); ok {
			return fmt.Errorf("config: %s embeds %s, which has local defaults, but does not call its LocalDefaults; give %s a LocalDefaults method", v.Type(), f.Type, v.Type())
		}
	}
	return nil
}

// BankData says where the merchants' uploaded bank data is kept (internal/bankdata): a
// directory the gateway writes and the workers read, so on several hosts a shared mount.
type BankData struct {
	BankDataDir string `envconfig:"BANK_DATA_DIR" desc:"directory of the merchants' uploaded bank data, shared by the gateways and the workers; files are encrypted with the payload keys (required; local profile: onboarding-bank-data in the temporary directory)"`
}

// LocalDefaults requires the directory, and under the local profile puts it in the
// temporary directory.
func (b *BankData) LocalDefaults(d *Defaults) {
	d.Sandbox(&b.BankDataDir, "BANK_DATA_DIR", filepath.Join(os.TempDir(), "onboarding-bank-data"))
}
