// Command sandbox serves the imitation of all five providers on loopback, for `make run`,
// demos, benchmarks and chaos runs. See the README's sandbox section for its endpoints.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/logging"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// Config is the sandbox's whole configuration (ONBOARDING_SANDBOX_*).
type Config struct {
	config.Logging
	Addr      string `envconfig:"SANDBOX_ADDR" default:"127.0.0.1:8090" desc:"listen address"`
	PublicURL string `envconfig:"SANDBOX_PUBLIC_URL" desc:"base of the links it hands out; default http://<addr>"`
	Auto      bool   `envconfig:"SANDBOX_AUTO" default:"false" desc:"drive human steps (declare, sign, ...) by itself after the delays"`
	Seed      uint64 `envconfig:"SANDBOX_SEED" desc:"seed of fault injection and ids; default: from the clock, so a restart never reuses a case id"`

	DeclareDelay     time.Duration `envconfig:"SANDBOX_DECLARE_DELAY" default:"10s" desc:"auto mode: case created -> declaration submitted"`
	SignDelay        time.Duration `envconfig:"SANDBOX_SIGN_DELAY" default:"10s" desc:"auto mode: contract created -> signed"`
	IDVDelay         time.Duration `envconfig:"SANDBOX_IDV_DELAY" default:"5s" desc:"auto mode: IDV session created -> completed"`
	AnalysisDelay    time.Duration `envconfig:"SANDBOX_ANALYSIS_DELAY" default:"5s" desc:"auto mode: credit analysis created -> completed"`
	CreditTermsDelay time.Duration `envconfig:"SANDBOX_CREDIT_TERMS_DELAY" default:"5s" desc:"auto mode: credit terms created -> completed"`
	ChecksDelay      time.Duration `envconfig:"SANDBOX_CHECKS_DELAY" default:"2s" desc:"Quickr's check run after the last data arrives (both modes)"`
	ContractTTL      time.Duration `envconfig:"SANDBOX_CONTRACT_TTL" default:"720h" desc:"how long a contract stays signable"`
	WebhookSecret    string        `envconfig:"SANDBOX_WEBHOOK_SECRET" default:"sandbox-webhook-secret" desc:"webhook signing secret (secret)"`
}

// Validate checks values envconfig cannot.
func (c Config) Validate() error {
	if err := c.Logging.Validate(); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("config: %s_SANDBOX_ADDR must be host:port, got %q", config.Prefix, c.Addr)
	}
	if c.WebhookSecret == "" {
		return fmt.Errorf("config: %s_SANDBOX_WEBHOOK_SECRET must not be empty", config.Prefix)
	}
	return nil
}

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "-h" || os.Args[1] == "-help" || os.Args[1] == "--help") {
		fmt.Print("sandbox: the five providers imitated on loopback.\n\nEnvironment:\n" + config.Usage(&Config{}))
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
		log.Fatal("sandbox stopped", zap.Error(err))
	}
}

func run(cfg Config, log *zap.Logger) error {
	creds := sandbox.DefaultCredentials()
	creds.WebhookSigningSecret = cfg.WebhookSecret
	public := cfg.PublicURL
	if public == "" {
		public = "http://" + cfg.Addr
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	sb := sandbox.New(sandbox.Config{
		PublicURL: public,
		Auto:      cfg.Auto,
		Delays: sandbox.Delays{
			Declare: cfg.DeclareDelay, Sign: cfg.SignDelay, IDV: cfg.IDVDelay,
			Analysis: cfg.AnalysisDelay, CreditTerms: cfg.CreditTermsDelay,
		},
		ChecksDelay: cfg.ChecksDelay,
		ContractTTL: cfg.ContractTTL,
		Credentials: creds,
		Seed:        seed,
		Logf:        func(f string, args ...any) { log.Sugar().Infof(f, args...) },
	})
	defer sb.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (ONBOARDING_SANDBOX_ADDR): %w", cfg.Addr, err)
	}
	srv := &http.Server{Handler: sb.Handler(), ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("sandbox listening", zap.String("addr", public), zap.Bool("auto", cfg.Auto), zap.Uint64("seed", seed))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
