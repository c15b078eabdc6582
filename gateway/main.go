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
	config.Temporal
	config.Logging
	Addr             string        `envconfig:"GATEWAY_ADDR" default:"127.0.0.1:8081" desc:"listen address"`
	WebhookSecrets   []string      `envconfig:"WEBHOOK_SECRETS" default:"sandbox-webhook-secret" desc:"comma-separated webhook signing secrets, newest first (secret)"`
	WebhookTolerance time.Duration `envconfig:"WEBHOOK_TOLERANCE" default:"5m" desc:"allowed clock difference of a webhook timestamp"`
	APITokens        string        `envconfig:"API_TOKENS" desc:"API bearer tokens, role:name=secret separated by commas; role app or agent (secret, required)"`
	CodecTokens      []string      `envconfig:"CODEC_TOKENS" desc:"tokens of the codec server for the Temporal UI, comma-separated (secret); empty turns the codec server off"`
	CodecOrigins     []string      `envconfig:"CODEC_ORIGINS" default:"http://127.0.0.1:8233,http://localhost:8233" desc:"browser origins (the Temporal UI) allowed to call the codec server"`

	tokens []gateway.Token
}

// Validate checks values envconfig cannot.
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
	if len(c.WebhookSecrets) == 0 {
		return fmt.Errorf("config: %s_WEBHOOK_SECRETS must name at least one secret", config.Prefix)
	}
	for _, s := range c.WebhookSecrets {
		if strings.TrimSpace(s) == "" {
			return fmt.Errorf("config: %s_WEBHOOK_SECRETS has an empty entry", config.Prefix)
		}
	}
	tokens, err := gateway.ParseTokens(c.APITokens)
	if err != nil {
		return fmt.Errorf("config: %s_API_TOKENS: %w", config.Prefix, err)
	}
	if len(tokens) == 0 {
		return fmt.Errorf("config: %s_API_TOKENS must name at least one token (role:name=secret); `make run` makes some in .run/secrets.env", config.Prefix)
	}
	c.tokens = tokens
	for _, t := range c.CodecTokens {
		if len(strings.TrimSpace(t)) < 16 {
			return fmt.Errorf("config: %s_CODEC_TOKENS: every token must be at least 16 characters", config.Prefix)
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
	eng := engine.New(tc, cfg.TemporalNamespace, cfg.TaskQueue)
	gwCfg := gateway.Config{
		WebhookSecrets:   secrets,
		WebhookTolerance: cfg.WebhookTolerance,
		APITokens:        cfg.tokens,
	}
	if len(cfg.CodecTokens) > 0 {
		keys, err := codec.FromConfig(cfg.Payload)
		if err != nil {
			return err
		}
		gwCfg.Codec = codec.Handler(keys, codec.HandlerOptions{AllowedOrigins: cfg.CodecOrigins, Tokens: cfg.CodecTokens})
		log.Info("codec server on /codec/", zap.Strings("origins", cfg.CodecOrigins), zap.Strings("keyIds", keys.IDs()))
	}
	gw := gateway.New(gwCfg, tc, eng, log)
	return process.ServeHTTP(cfg.Addr, "GATEWAY_ADDR", gw.Handler(), log)
}
