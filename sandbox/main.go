// Command sandbox serves the imitation of all five providers on loopback, for `make run`,
// demos, benchmarks and chaos runs. See the README's sandbox section for its endpoints.
//
// The sandbox is local by nature, so it needs no ONBOARDING_PROFILE=local: its defaults are
// its own published test credentials, which unlock nothing but the sandbox, and it holds no
// real secret nor calls a real provider. The profile guards the binaries that do (worker,
// gateway) from falling back to these credentials; the sandbox only ever serves them.
package main

import (
	"fmt"
	"net"
	"time"

	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/process"
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
	SignWebhooks     bool          `envconfig:"SANDBOX_SIGN_WEBHOOKS" default:"false" desc:"sign webhooks (Webhook-Signature), as a provider that signs would; Quickr and the IDV provider document no signature"`
	AppAPIURL        string        `envconfig:"SANDBOX_APP_API_URL" desc:"auto mode: the gateway (http://host:port) the sandbox's app uploads the merchants' bank data to; empty: it does not"`
	AppToken         string        `envconfig:"SANDBOX_APP_TOKEN" desc:"auto mode: the app token it uploads with (secret)"`
	WebhookSecret    string        `envconfig:"SANDBOX_WEBHOOK_SECRET" default:"sandbox-webhook-secret" desc:"webhook signing secret when ONBOARDING_SANDBOX_SIGN_WEBHOOKS is on (secret)"`
	WebhookFailover  []string      `envconfig:"SANDBOX_WEBHOOK_FAILOVER" desc:"base URLs of gateways that serve the same webhook routes, comma-separated: a failed delivery to one is retried at the next (several gateways behind one address)"`
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
	process.Main("sandbox", "the five providers imitated on loopback.", &Config{}, run)
}

func run(cfg *Config, log *zap.Logger) error {
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
		ChecksDelay:     cfg.ChecksDelay,
		ContractTTL:     cfg.ContractTTL,
		Credentials:     creds,
		SignWebhooks:    cfg.SignWebhooks,
		WebhookFailover: cfg.WebhookFailover,
		AppAPIURL:       cfg.AppAPIURL,
		AppToken:        cfg.AppToken,
		Seed:            seed,
		Logf:            func(f string, args ...any) { log.Sugar().Infof(f, args...) },
	})
	defer sb.Close()
	return process.ServeHTTP(cfg.Addr, "SANDBOX_ADDR", sb.Handler(), log)
}
