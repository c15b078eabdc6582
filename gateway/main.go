// Command gateway serves the engine's HTTP API: apps and agents use /v1 (see
// /v1/openapi.json), provider webhooks become workflow signals.
package main

import (
	"fmt"
	"net"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/bankdata"
	"github.com/merchantflow/onboarding/internal/callback"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/gateway"
	"github.com/merchantflow/onboarding/internal/process"
	"github.com/merchantflow/onboarding/internal/temporalx"
	"github.com/merchantflow/onboarding/internal/webhooksig"
)

// Config is the gateway's whole configuration (ONBOARDING_*).
type Config struct {
	config.Profile
	config.Temporal
	config.Logging
	config.BankData
	Addr                 string        `envconfig:"GATEWAY_ADDR" default:"127.0.0.1:8081" desc:"listen address"`
	CallbackSecrets      []string      `envconfig:"CALLBACK_SECRETS" desc:"SECRET callback URL secrets, comma-separated, newest first: the worker's same list; every one verifies the tokens of /webhooks/{quickr,idv}/<token>; 1 to 4 of at least 16 bytes (required; local profile: a published dev secret)"`
	WebhookSecrets       []string      `envconfig:"WEBHOOK_SECRETS" desc:"comma-separated webhook signing secrets of the signed routes POST /webhooks/quickr and /webhooks/idv, newest first, at most 4 (secret; required unless both per-provider lists are set; local profile: the sandbox's)"`
	QuickrWebhookSecrets []string      `envconfig:"QUICKR_WEBHOOK_SECRETS" desc:"signing secrets of POST /webhooks/quickr only, replacing ONBOARDING_WEBHOOK_SECRETS for it (secret)"`
	IDVWebhookSecrets    []string      `envconfig:"IDV_WEBHOOK_SECRETS" desc:"signing secrets of POST /webhooks/idv only, replacing ONBOARDING_WEBHOOK_SECRETS for it (secret)"`
	WebhookTolerance     time.Duration `envconfig:"WEBHOOK_TOLERANCE" default:"5m" desc:"allowed clock difference of a webhook timestamp"`
	DedupeBytes          int           `envconfig:"WEBHOOK_DEDUPE_BYTES" default:"4194304" desc:"memory for the ids of recently relayed webhooks, in bytes; the oldest are forgotten first"`
	APITokens            string        `envconfig:"API_TOKENS" desc:"API bearer tokens, role:name=secret separated by commas; role app or agent; the name is the caller's identity (secret, required)"`
	CodecTokens          string        `envconfig:"CODEC_TOKENS" desc:"tokens of the codec server for the Temporal UI, comma-separated, the first handed out (secret); empty turns the codec server off"`
	CodecOrigins         []string      `envconfig:"CODEC_ORIGINS" default:"http://127.0.0.1:8233,http://localhost:8233" desc:"browser origins (the Temporal UI) allowed to call the codec server"`

	tokens      []gateway.Token
	webhook     [][]byte
	perProvider map[string][][]byte
	callbacks   [][]byte
	codecTokens []string
}

// sandboxWebhookSecret is the sandbox's published signing secret (providers/sandbox), the
// local profile's default.
const sandboxWebhookSecret = "sandbox-webhook-secret"

// LocalDefaults declares the payload keys, the API tokens (required under every profile),
// the webhook secrets (the sandbox's under ONBOARDING_PROFILE=local; not needed when both
// providers have their own) and the callback secrets (the local profile's dev secret, which
// the worker's local profile mints with).
func (c *Config) LocalDefaults(d *config.Defaults) {
	c.Temporal.LocalDefaults(d)
	if !d.IsSet("QUICKR_WEBHOOK_SECRETS") || !d.IsSet("IDV_WEBHOOK_SECRETS") {
		d.SandboxList(&c.WebhookSecrets, "WEBHOOK_SECRETS", sandboxWebhookSecret)
	}
	d.SandboxList(&c.CallbackSecrets, "CALLBACK_SECRETS", callback.DevSecret)
	d.Require("API_TOKENS")
	c.BankData.LocalDefaults(d)
}

// Validate checks values envconfig cannot, and parses the secrets once: what is checked is
// what authenticates. No error shows a secret.
func (c *Config) Validate() error {
	if err := c.Temporal.Validate(); err != nil {
		return err
	}
	if err := c.Logging.Validate(); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("config: %s_GATEWAY_ADDR must be host:port, got %q", config.Prefix, c.Addr)
	}
	var err error
	c.perProvider = map[string][][]byte{}
	for _, l := range []struct {
		provider, name string
		entries        []string
	}{{callback.Quickr, "QUICKR_WEBHOOK_SECRETS", c.QuickrWebhookSecrets}, {callback.IDV, "IDV_WEBHOOK_SECRETS", c.IDVWebhookSecrets}} {
		if l.entries == nil {
			continue // unset: the shared list
		}
		if c.perProvider[l.provider], err = webhookSecrets(l.name, l.entries); err != nil {
			return err
		}
	}
	c.webhook = nil
	if len(c.perProvider) < 2 || c.WebhookSecrets != nil {
		if c.webhook, err = webhookSecrets("WEBHOOK_SECRETS", c.WebhookSecrets); err != nil {
			return err
		}
	}
	if c.callbacks, err = callback.ParseSecrets(c.CallbackSecrets); err != nil {
		return fmt.Errorf("config: %s_CALLBACK_SECRETS: %w", config.Prefix, err)
	}
	if c.DedupeBytes < 64<<10 {
		return fmt.Errorf("config: %s_WEBHOOK_DEDUPE_BYTES must be at least 65536, got %d", config.Prefix, c.DedupeBytes)
	}
	tokens, err := gateway.ParseTokens(c.APITokens)
	if err != nil {
		return fmt.Errorf("config: %s_API_TOKENS: %w", config.Prefix, err)
	}
	if len(tokens) == 0 {
		return fmt.Errorf("config: %s_API_TOKENS must name at least one token (role:name=secret); `make run` makes some in .run/secrets.env", config.Prefix)
	}
	c.tokens = tokens
	if c.codecTokens, err = codec.ParseTokens(c.CodecTokens); err != nil {
		return fmt.Errorf("config: %s_CODEC_TOKENS: %w", config.Prefix, err)
	}
	return c.checkSecretsDistinct()
}

// checkSecretsDistinct refuses a secret that serves two purposes or is listed twice: a webhook
// secret is shared with the providers, so one that is also an API token would let a provider
// call the API as that token, and one that is also a callback secret would let it mint the
// callback URL of any onboarding (one shared by both providers lets each forge the other's
// webhooks); a codec token is handed to every UI user. Errors name the
// entries, never the secret.
func (c *Config) checkSecretsDistinct() error {
	owner := map[string]string{}
	add := func(secret, who string) error {
		if first, dup := owner[secret]; dup {
			return fmt.Errorf("config: %s and %s are the same secret; give each its own", first, who)
		}
		owner[secret] = who
		return nil
	}
	for _, l := range []struct {
		name string
		list [][]byte
	}{{"WEBHOOK_SECRETS", c.webhook}, {"QUICKR_WEBHOOK_SECRETS", c.perProvider[callback.Quickr]},
		{"IDV_WEBHOOK_SECRETS", c.perProvider[callback.IDV]}, {"CALLBACK_SECRETS", c.callbacks}} {
		for i, s := range l.list {
			if err := add(string(s), fmt.Sprintf("%s_%s entry %d", config.Prefix, l.name, i+1)); err != nil {
				return err
			}
		}
	}
	for _, t := range c.tokens {
		if err := add(t.Secret, fmt.Sprintf("the secret of %s_API_TOKENS %s", config.Prefix, t)); err != nil {
			return err
		}
	}
	for i, t := range c.codecTokens {
		if err := add(t, fmt.Sprintf("%s_CODEC_TOKENS entry %d", config.Prefix, i+1)); err != nil {
			return err
		}
	}
	return nil
}

// webhookSecrets parses one list of signing secrets: trimmed, none empty, 1 to
// webhooksig.MaxSecrets of them (each costs a MAC per webhook).
func webhookSecrets(name string, entries []string) ([][]byte, error) {
	var out [][]byte
	for i, s := range entries {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, fmt.Errorf("config: %s_%s: entry %d is empty", config.Prefix, name, i+1)
		}
		out = append(out, []byte(s))
	}
	switch {
	case len(out) == 0:
		return nil, fmt.Errorf("config: %s_%s must name at least one secret", config.Prefix, name)
	case len(out) > webhooksig.MaxSecrets:
		return nil, fmt.Errorf("config: %s_%s names %d secrets; at most %d", config.Prefix, name, len(out), webhooksig.MaxSecrets)
	}
	return out, nil
}

func main() {
	process.Main("gateway", "HTTP for apps and provider webhooks.", &Config{}, run)
}

func run(cfg *Config, log *zap.Logger) error {
	if cfg.IsLocal() {
		log.Warn("local profile: an unset webhook secret is the sandbox's, an unset callback secret the published dev one", zap.String("profile", cfg.Profile.Profile))
	}
	callbacks, err := callback.New(cfg.callbacks)
	if err != nil {
		return fmt.Errorf("config: %s_CALLBACK_SECRETS: %w", config.Prefix, err)
	}
	tc, err := temporalx.Dial(cfg.Temporal, log)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer tc.Close()
	eng := engine.New(tc, cfg.TemporalNamespace, cfg.TaskQueue)
	// The console reads the notes written to Quickr from histories: decode them as the client does.
	if opts, err := temporalx.Options(cfg.Temporal, log); err == nil {
		eng.Converter = opts.DataConverter
	}
	gwCfg := gateway.Config{
		Callbacks:              callbacks,
		WebhookSecrets:         cfg.webhook,
		ProviderWebhookSecrets: cfg.perProvider,
		WebhookTolerance:       cfg.WebhookTolerance,
		DedupeBytes:            cfg.DedupeBytes,
		APITokens:              cfg.tokens,
	}
	keys, err := codec.FromConfig(cfg.Payload)
	if err != nil {
		return err
	}
	if gwCfg.BankData, err = bankdata.NewStore(cfg.BankDataDir, keys); err != nil {
		return fmt.Errorf("config: %s_BANK_DATA_DIR: %w", config.Prefix, err)
	}
	if len(cfg.codecTokens) > 0 {
		gwCfg.Codec = codec.Handler(keys, codec.HandlerOptions{AllowedOrigins: cfg.CodecOrigins, Tokens: cfg.codecTokens})
		log.Info("codec server on /codec/", zap.Strings("origins", cfg.CodecOrigins), zap.Strings("keyIds", keys.IDs()))
	}
	gw := gateway.New(gwCfg, tc, eng, log)
	return process.ServeHTTP(cfg.Addr, "GATEWAY_ADDR", gw.Handler(), log)
}
