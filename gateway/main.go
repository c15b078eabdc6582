// Command gateway serves the engine's HTTP API: provider webhooks become workflow signals.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/gateway"
	"github.com/merchantflow/onboarding/internal/logging"
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
	if len(os.Args) > 1 && (os.Args[1] == "-h" || os.Args[1] == "-help" || os.Args[1] == "--help") {
		fmt.Print("gateway: HTTP for apps and provider webhooks.\n\nEnvironment:\n" + config.Usage(&Config{}))
		return
	}
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	log, err := logging.New(cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer log.Sync() //nolint:errcheck
	if err := run(cfg, log); err != nil {
		log.Fatal("gateway stopped", zap.Error(err))
	}
}

func run(cfg Config, log *zap.Logger) error {
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
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           gw.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (ONBOARDING_GATEWAY_ADDR): %w", cfg.Addr, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("gateway listening", zap.String("addr", "http://"+cfg.Addr))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
