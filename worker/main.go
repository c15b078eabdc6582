// Command worker runs the onboarding workflows and activities: it parses its config once,
// builds the provider clients, registers everything with Register and polls the task queue
// until interrupted.
package main

import (
	"fmt"
	"net/url"
	"os"
	"time"

	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/logging"
	"github.com/merchantflow/onboarding/internal/temporalx"
	"github.com/merchantflow/onboarding/providers/quickr"
	"github.com/merchantflow/onboarding/workflows"
)

// Config is the worker's whole configuration (ONBOARDING_*). The defaults reach the sandbox
// that `make run` starts; the sandbox key unlocks nothing else.
type Config struct {
	config.Temporal
	config.Logging
	QuickrBaseURL     string        `envconfig:"QUICKR_BASE_URL" default:"http://127.0.0.1:8090/quickr/v2" desc:"Quickr API base, up to /v2"`
	QuickrAccountID   string        `envconfig:"QUICKR_ACCOUNT_ID" default:"TQ1234567" desc:"Quickr account id (TQ... test, PQ... live)"`
	QuickrAPIKey      string        `envconfig:"QUICKR_API_KEY" default:"sandbox-quickr-api-key" desc:"Quickr API key (secret)"`
	QuickrCallbackURL string        `envconfig:"QUICKR_CALLBACK_URL" default:"http://127.0.0.1:8081/webhooks/quickr" desc:"the gateway's Quickr webhook URL, given to Quickr per case"`
	ProviderTimeout   time.Duration `envconfig:"PROVIDER_TIMEOUT" default:"30s" desc:"timeout of one provider HTTP call"`
}

// Validate checks values envconfig cannot.
func (c Config) Validate() error {
	if err := c.Temporal.Validate(); err != nil {
		return err
	}
	if err := c.Logging.Validate(); err != nil {
		return err
	}
	for name, v := range map[string]string{"QUICKR_BASE_URL": c.QuickrBaseURL, "QUICKR_CALLBACK_URL": c.QuickrCallbackURL} {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: %s_%s must be an http(s) URL, got %q", config.Prefix, name, v)
		}
	}
	if c.QuickrAPIKey == "" {
		return fmt.Errorf("config: %s_QUICKR_API_KEY must not be empty", config.Prefix)
	}
	if c.ProviderTimeout <= 0 {
		return fmt.Errorf("config: %s_PROVIDER_TIMEOUT must be positive", config.Prefix)
	}
	return nil
}

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "-h" || os.Args[1] == "-help" || os.Args[1] == "--help") {
		fmt.Print("worker: runs onboarding workflows and activities.\n\nEnvironment:\n" + config.Usage(&Config{}))
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
		log.Fatal("worker stopped", zap.Error(err))
	}
}

func run(cfg Config, log *zap.Logger) error {
	tc, err := temporalx.Dial(cfg.Temporal, log)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer tc.Close()

	acts := &activities.Activities{
		Quickr: quickr.New(quickr.Config{
			BaseURL: cfg.QuickrBaseURL, AccountID: cfg.QuickrAccountID, APIKey: cfg.QuickrAPIKey, Timeout: cfg.ProviderTimeout,
		}, nil),
		QuickrCallbackURL: cfg.QuickrCallbackURL,
	}
	w := worker.New(tc, cfg.TaskQueue, worker.Options{})
	workflows.Register(w, acts)
	log.Info("worker polling", zap.String("temporal", cfg.TemporalAddress), zap.String("namespace", cfg.TemporalNamespace), zap.String("taskQueue", cfg.TaskQueue))
	return w.Run(worker.InterruptCh())
}
