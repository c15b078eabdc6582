// Command gateway serves the engine's HTTP API: apps and agents use /v1 (see
// /v1/openapi.json), provider webhooks become workflow signals.
package main

import (
	"fmt"
	"net"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/gateway"
	"github.com/merchantflow/onboarding/internal/process"
	"github.com/merchantflow/onboarding/internal/temporalx"
)

// Config is the gateway's whole configuration (ONBOARDING_*).
type Config struct {
	config.Profile
	config.Temporal
	config.Logging
	Addr             string        `envconfig:"GATEWAY_ADDR" default:"127.0.0.1:8081" desc:"listen address"`
	WebhookSecrets   []string      `envconfig:"WEBHOOK_SECRETS" desc:"comma-separated webhook signing secrets, newest first (secret; required; local profile: the sandbox's)"`
	WebhookTolerance time.Duration `envconfig:"WEBHOOK_TOLERANCE" default:"5m" desc:"allowed clock difference of a webhook timestamp"`
	APITokens        string        `envconfig:"API_TOKENS" desc:"API bearer tokens, role:name=secret separated by commas; role app or agent; the name is the caller's identity (secret, required)"`
	CodecTokens      string        `envconfig:"CODEC_TOKENS" desc:"tokens of the codec server for the Temporal UI, comma-separated, the first handed out (secret); empty turns the codec server off"`
	CodecOrigins     []string      `envconfig:"CODEC_ORIGINS" default:"http://127.0.0.1:8233,http://localhost:8233" desc:"browser origins (the Temporal UI) allowed to call the codec server"`

	tokens      []gateway.Token
	webhook     [][]byte
	codecTokens []string
}

// sandboxWebhookSecret is the sandbox's published signing secret (providers/sandbox), the
// local profile's default.
const sandboxWebhookSecret = "sandbox-webhook-secret"

// LocalDefaults declares the payload keys, the API tokens (required under every profile) and
// the webhook secrets (the sandbox's under ONBOARDING_PROFILE=local).
func (c *Config) LocalDefaults(d *config.Defaults) {
	c.Temporal.LocalDefaults(d)
	d.SandboxList(&c.WebhookSecrets, "WEBHOOK_SECRETS", sandboxWebhookSecret)
	d.Require("API_TOKENS")
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
	c.webhook = nil
	for i, s := range c.WebhookSecrets {
		s = strings.TrimSpace(s)
		if s == "" {
			return fmt.Errorf("config: %s_WEBHOOK_SECRETS: entry %d is empty", config.Prefix, i+1)
		}
		c.webhook = append(c.webhook, []byte(s))
	}
	if len(c.webhook) == 0 {
		return fmt.Errorf("config: %s_WEBHOOK_SECRETS must name at least one secret", config.Prefix)
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
// call the API as that token; a codec token is handed to every UI user. Errors name the
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
	for i, s := range c.webhook {
		if err := add(string(s), fmt.Sprintf("%s_WEBHOOK_SECRETS entry %d", config.Prefix, i+1)); err != nil {
			return err
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

func main() {
	process.Main("gateway", "HTTP for apps and provider webhooks.", &Config{}, run)
}

func run(cfg *Config, log *zap.Logger) error {
	if cfg.IsLocal() {
		log.Warn("local profile: an unset webhook secret is the sandbox's", zap.String("profile", cfg.Profile.Profile))
	}
	tc, err := temporalx.Dial(cfg.Temporal, log)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer tc.Close()
	eng := engine.New(tc, cfg.TemporalNamespace, cfg.TaskQueue)
	gwCfg := gateway.Config{
		WebhookSecrets:   cfg.webhook,
		WebhookTolerance: cfg.WebhookTolerance,
		APITokens:        cfg.tokens,
	}
	if len(cfg.codecTokens) > 0 {
		keys, err := codec.FromConfig(cfg.Payload)
		if err != nil {
			return err
		}
		gwCfg.Codec = codec.Handler(keys, codec.HandlerOptions{AllowedOrigins: cfg.CodecOrigins, Tokens: cfg.codecTokens})
		log.Info("codec server on /codec/", zap.Strings("origins", cfg.CodecOrigins), zap.Strings("keyIds", keys.IDs()))
	}
	gw := gateway.New(gwCfg, tc, eng, log)
	return process.ServeHTTP(cfg.Addr, "GATEWAY_ADDR", gw.Handler(), log)
}
