// Package workerapp builds the worker: the provider clients from configuration, the
// Activities over them, and a Temporal worker with everything registered. The worker binary
// and the end-to-end tests both use it, so there is one way to wire the engine.
package workerapp

import (
	"fmt"
	"net/url"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/automation"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/providers/creditro"
	"github.com/merchantflow/onboarding/providers/deepidv"
	"github.com/merchantflow/onboarding/providers/idv"
	"github.com/merchantflow/onboarding/providers/openbanking"
	"github.com/merchantflow/onboarding/providers/quickr"
	"github.com/merchantflow/onboarding/workflows"
)

// sandboxCreditroToken is the sandbox's token for its default customer; it unlocks nothing else.
const sandboxCreditroToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjdXN0b21lciI6ImN1c3Qtc2FuZGJveC0xIiwibmFtZSI6InNhbmRib3gifQ.gk7FbtWxEzyAfavn8TB6wBmp3MJ4Huuae5VcClwtWDc"

// Providers is where the providers and the app are, and how to authenticate (ONBOARDING_*).
// The defaults reach the sandbox and gateway that `make run` starts; the sandbox credentials
// unlock nothing else.
type Providers struct {
	QuickrBaseURL     string `envconfig:"QUICKR_BASE_URL" default:"http://127.0.0.1:8090/quickr/v2" desc:"Quickr API base, up to /v2"`
	QuickrAccountID   string `envconfig:"QUICKR_ACCOUNT_ID" default:"TQ1234567" desc:"Quickr account id (TQ... test, PQ... live)"`
	QuickrAPIKey      string `envconfig:"QUICKR_API_KEY" default:"sandbox-quickr-api-key" desc:"Quickr API key (secret)"`
	QuickrCallbackURL string `envconfig:"QUICKR_CALLBACK_URL" default:"http://127.0.0.1:8081/webhooks/quickr" desc:"the gateway's Quickr webhook URL, given to Quickr per case"`

	CreditroBaseURL string `envconfig:"CREDITRO_BASE_URL" default:"http://127.0.0.1:8090/creditro" desc:"Creditro API base"`
	CreditroToken   string `envconfig:"CREDITRO_TOKEN" desc:"Creditro API token, a JWT (secret); default: the sandbox's"`

	IDVBaseURL     string `envconfig:"IDV_BASE_URL" default:"http://127.0.0.1:8090/idv" desc:"identity verification API base (before /api/v1)"`
	IDVPublicKey   string `envconfig:"IDV_PUBLIC_KEY" default:"public-key-sandbox" desc:"IDV public key"`
	IDVSecret      string `envconfig:"IDV_SECRET" default:"secret-sandbox" desc:"IDV secret (secret)"`
	IDVCallbackURL string `envconfig:"IDV_CALLBACK_URL" default:"http://127.0.0.1:8081/webhooks/idv" desc:"the gateway's IDV webhook URL"`

	DeepIDVBaseURL string `envconfig:"DEEPIDV_BASE_URL" default:"http://127.0.0.1:8090/deepidv" desc:"DeepIDV credit terms API base"`
	DeepIDVAPIKey  string `envconfig:"DEEPIDV_API_KEY" default:"sandbox-deepidv-key" desc:"DeepIDV API key (secret)"`

	OpenBankingBaseURL      string `envconfig:"OPENBANKING_BASE_URL" default:"http://127.0.0.1:8090/openbanking" desc:"open-banking credit analysis API base"`
	OpenBankingClientID     string `envconfig:"OPENBANKING_CLIENT_ID" default:"sandbox-client" desc:"open-banking client id"`
	OpenBankingClientSecret string `envconfig:"OPENBANKING_CLIENT_SECRET" default:"sandbox-client-secret" desc:"open-banking client secret (secret)"`

	NotifyURL    string `envconfig:"NOTIFY_URL" default:"http://127.0.0.1:8090/app/inbox" desc:"where the app receives notifications; empty turns them off"`
	NotifySecret string `envconfig:"NOTIFY_SECRET" default:"sandbox-notify-secret" desc:"signs notifications (secret)"`

	RulesFile       string        `envconfig:"RULES_FILE" desc:"approval rules (Quickr automation JSON); default: the shipped automation/rules/default.json"`
	ProviderTimeout time.Duration `envconfig:"PROVIDER_TIMEOUT" default:"30s" desc:"timeout of one provider HTTP call"`
}

// Validate checks the settings, naming the variable at fault.
func (p Providers) Validate() error {
	urls := []struct{ name, v string }{
		{"QUICKR_BASE_URL", p.QuickrBaseURL}, {"QUICKR_CALLBACK_URL", p.QuickrCallbackURL},
		{"CREDITRO_BASE_URL", p.CreditroBaseURL}, {"IDV_BASE_URL", p.IDVBaseURL}, {"IDV_CALLBACK_URL", p.IDVCallbackURL},
		{"DEEPIDV_BASE_URL", p.DeepIDVBaseURL}, {"OPENBANKING_BASE_URL", p.OpenBankingBaseURL},
	}
	if p.NotifyURL != "" {
		urls = append(urls, struct{ name, v string }{"NOTIFY_URL", p.NotifyURL})
	}
	for _, u := range urls {
		parsed, err := url.Parse(u.v)
		if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
			return fmt.Errorf("config: %s_%s must be an http(s) URL, got %q", config.Prefix, u.name, u.v)
		}
	}
	for _, s := range []struct{ name, v string }{
		{"QUICKR_API_KEY", p.QuickrAPIKey}, {"IDV_SECRET", p.IDVSecret}, {"DEEPIDV_API_KEY", p.DeepIDVAPIKey},
		{"OPENBANKING_CLIENT_SECRET", p.OpenBankingClientSecret},
	} {
		if s.v == "" {
			return fmt.Errorf("config: %s_%s must not be empty", config.Prefix, s.name)
		}
	}
	if p.ProviderTimeout <= 0 {
		return fmt.Errorf("config: %s_PROVIDER_TIMEOUT must be positive", config.Prefix)
	}
	return nil
}

// Activities builds the provider clients and the activities over them.
func (p Providers) Activities() (*activities.Activities, error) {
	rules, err := automation.DefaultRules()
	if p.RulesFile != "" {
		rules, err = automation.Load(p.RulesFile)
	}
	if err != nil {
		return nil, fmt.Errorf("config: %s_RULES_FILE: %w", config.Prefix, err)
	}
	token := p.CreditroToken
	if token == "" {
		token = sandboxCreditroToken
	}
	t := p.ProviderTimeout
	return &activities.Activities{
		Quickr:   quickr.New(quickr.Config{BaseURL: p.QuickrBaseURL, AccountID: p.QuickrAccountID, APIKey: p.QuickrAPIKey, Timeout: t}, nil),
		Creditro: creditro.New(creditro.Config{BaseURL: p.CreditroBaseURL, APIToken: token, Timeout: t}, nil),
		// The IDV provider documents a 60 s request timeout; the client applies it by default.
		IDV:               idv.New(idv.Config{BaseURL: p.IDVBaseURL, PublicKey: p.IDVPublicKey, Secret: p.IDVSecret}, nil),
		CreditTerms:       deepidv.New(deepidv.Config{BaseURL: p.DeepIDVBaseURL, APIKey: p.DeepIDVAPIKey, Timeout: t}, nil),
		OpenBanking:       openbanking.New(openbanking.Config{BaseURL: p.OpenBankingBaseURL, ClientID: p.OpenBankingClientID, ClientSecret: p.OpenBankingClientSecret, Timeout: t}, nil),
		QuickrCallbackURL: p.QuickrCallbackURL,
		IDVCallbackURL:    p.IDVCallbackURL,
		Rules:             rules,
		NotifyURL:         p.NotifyURL,
		NotifySecret:      []byte(p.NotifySecret),
	}, nil
}

// New returns a worker on taskQueue with the onboarding workflows and acts registered, and
// the interceptor that counts failed provider calls (activities.ProviderErrorMetrics) added
// to opts. Metrics go to c's MetricsHandler.
func New(c client.Client, taskQueue string, acts *activities.Activities, opts worker.Options) worker.Worker {
	opts.Interceptors = append(append([]interceptor.WorkerInterceptor(nil), opts.Interceptors...), activities.ProviderErrorMetrics())
	w := worker.New(c, taskQueue, opts)
	workflows.Register(w, acts)
	return w
}

// Local points every provider at one sandbox and the callbacks at one gateway, as make run
// and the tests wire them (sandboxURL and gatewayURL are http://host:port).
func (p *Providers) Local(sandboxURL, gatewayURL string) {
	p.QuickrBaseURL = sandboxURL + "/quickr/v2"
	p.CreditroBaseURL = sandboxURL + "/creditro"
	p.IDVBaseURL = sandboxURL + "/idv"
	p.DeepIDVBaseURL = sandboxURL + "/deepidv"
	p.OpenBankingBaseURL = sandboxURL + "/openbanking"
	p.NotifyURL = sandboxURL + "/app/inbox"
	p.QuickrCallbackURL = gatewayURL + "/webhooks/quickr"
	p.IDVCallbackURL = gatewayURL + "/webhooks/idv"
}
