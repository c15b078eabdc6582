// Package workerapp builds the worker: the provider clients from configuration, the
// Activities over them, and a Temporal worker with everything registered. The worker binary
// and the end-to-end tests both use it, so there is one way to wire the engine.
package workerapp

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/automation"
	"github.com/merchantflow/onboarding/internal/callback"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/providers/creditro"
	"github.com/merchantflow/onboarding/providers/deepidv"
	"github.com/merchantflow/onboarding/providers/idv"
	"github.com/merchantflow/onboarding/providers/openbanking"
	"github.com/merchantflow/onboarding/providers/quickr"
	"github.com/merchantflow/onboarding/workflows"
)

// Providers is where the providers and the app are, and how to authenticate (ONBOARDING_*).
// Credentials and addresses have no default in production; under ONBOARDING_PROFILE=local
// an unset one takes the value that reaches the sandbox and gateway `make run` starts (see
// LocalDefaults). The sandbox's credentials are published and unlock nothing else.
type Providers struct {
	QuickrBaseURL     string `envconfig:"QUICKR_BASE_URL" desc:"Quickr API base, up to /v2 (required; local profile: the sandbox's)"`
	QuickrAccountID   string `envconfig:"QUICKR_ACCOUNT_ID" desc:"Quickr account id, TQ... test or PQ... live (required; local profile: the sandbox's)"`
	QuickrAPIKey      string `envconfig:"QUICKR_API_KEY" desc:"Quickr API key (secret; required; local profile: the sandbox's)"`
	QuickrCallbackURL string `envconfig:"QUICKR_CALLBACK_URL" desc:"the gateway's Quickr webhook route, e.g. https://gateway.example/webhooks/quickr: each case's callback_url is it + /<token> naming the onboarding (required; local profile: 127.0.0.1:8081)"`

	CreditroBaseURL string `envconfig:"CREDITRO_BASE_URL" desc:"Creditro API base (required; local profile: the sandbox's)"`
	CreditroToken   string `envconfig:"CREDITRO_TOKEN" desc:"Creditro API token, a JWT (secret; required; local profile: the sandbox's)"`

	IDVBaseURL     string `envconfig:"IDV_BASE_URL" desc:"identity verification API base, before /api/v1 (required; local profile: the sandbox's)"`
	IDVPublicKey   string `envconfig:"IDV_PUBLIC_KEY" desc:"IDV public key (required; local profile: the sandbox's)"`
	IDVSecret      string `envconfig:"IDV_SECRET" desc:"IDV secret (secret; required; local profile: the sandbox's)"`
	IDVCallbackURL string `envconfig:"IDV_CALLBACK_URL" desc:"the gateway's IDV webhook route, e.g. https://gateway.example/webhooks/idv: each session's callback_url is it + /<token> (required; local profile: 127.0.0.1:8081)"`

	// CallbackSecrets mint the tokens of the callback URLs; the gateway verifies them with the
	// same list.
	CallbackSecrets []string `envconfig:"CALLBACK_SECRETS" desc:"SECRET callback URL secrets, comma-separated, newest first: the first mints, the gateway's same list verifies; 1 to 4 of at least 16 bytes (required; local profile: a published dev secret)"`

	DeepIDVBaseURL string `envconfig:"DEEPIDV_BASE_URL" desc:"DeepIDV credit terms API base (required; local profile: the sandbox's)"`
	DeepIDVAPIKey  string `envconfig:"DEEPIDV_API_KEY" desc:"DeepIDV API key (secret; required; local profile: the sandbox's)"`

	OpenBankingBaseURL      string `envconfig:"OPENBANKING_BASE_URL" desc:"open-banking credit analysis API base (required; local profile: the sandbox's)"`
	OpenBankingClientID     string `envconfig:"OPENBANKING_CLIENT_ID" desc:"open-banking client id (required; local profile: the sandbox's)"`
	OpenBankingClientSecret string `envconfig:"OPENBANKING_CLIENT_SECRET" desc:"open-banking client secret (secret; required; local profile: the sandbox's)"`

	NotifyURL    string `envconfig:"NOTIFY_URL" desc:"where the app receives notifications; set it empty to turn them off (required; local profile: the sandbox's inbox)"`
	NotifySecret string `envconfig:"NOTIFY_SECRET" desc:"signs notifications (secret; required unless ONBOARDING_NOTIFY_URL is empty; local profile: the sandbox's)"`

	RulesFile       string        `envconfig:"RULES_FILE" desc:"approval rules (Quickr automation JSON); default: the shipped automation/rules/default.json"`
	ProviderTimeout time.Duration `envconfig:"PROVIDER_TIMEOUT" default:"30s" desc:"timeout of one provider HTTP call"`
}

// Where `make run` puts the sandbox and the gateway by default; the local profile's addresses.
const (
	localSandboxURL = "http://127.0.0.1:8090"
	localGatewayURL = "http://127.0.0.1:8081"
)

// Sandbox credentials: the published test credentials of providers/sandbox (a test keeps
// them equal to sandbox.DefaultCredentials). They unlock nothing but the sandbox.
const (
	sandboxQuickrAccountID = "TQ1234567"
	sandboxQuickrAPIKey    = "sandbox-quickr-api-key"
	// sandboxCreditroToken is the sandbox's token for its default customer.
	sandboxCreditroToken     = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjdXN0b21lciI6ImN1c3Qtc2FuZGJveC0xIiwibmFtZSI6InNhbmRib3gifQ.gk7FbtWxEzyAfavn8TB6wBmp3MJ4Huuae5VcClwtWDc"
	sandboxIDVPublicKey      = "public-key-sandbox"
	sandboxIDVSecret         = "secret-sandbox"
	sandboxDeepIDVAPIKey     = "sandbox-deepidv-key"
	sandboxOpenBankingID     = "sandbox-client"
	sandboxOpenBankingSecret = "sandbox-client-secret"
	sandboxNotifySecret      = "sandbox-notify-secret"
)

// LocalDefaults declares every credential and address as required, and under the local
// profile fills the unset ones with the sandbox's and make run's (see config.Defaulter).
func (p *Providers) LocalDefaults(d *config.Defaults) {
	d.Sandbox(&p.QuickrBaseURL, "QUICKR_BASE_URL", localSandboxURL+"/quickr/v2")
	d.Sandbox(&p.QuickrAccountID, "QUICKR_ACCOUNT_ID", sandboxQuickrAccountID)
	d.Sandbox(&p.QuickrAPIKey, "QUICKR_API_KEY", sandboxQuickrAPIKey)
	d.Sandbox(&p.QuickrCallbackURL, "QUICKR_CALLBACK_URL", localGatewayURL+"/webhooks/quickr")
	d.Sandbox(&p.CreditroBaseURL, "CREDITRO_BASE_URL", localSandboxURL+"/creditro")
	d.Sandbox(&p.CreditroToken, "CREDITRO_TOKEN", sandboxCreditroToken)
	d.Sandbox(&p.IDVBaseURL, "IDV_BASE_URL", localSandboxURL+"/idv")
	d.Sandbox(&p.IDVPublicKey, "IDV_PUBLIC_KEY", sandboxIDVPublicKey)
	d.Sandbox(&p.IDVSecret, "IDV_SECRET", sandboxIDVSecret)
	d.Sandbox(&p.IDVCallbackURL, "IDV_CALLBACK_URL", localGatewayURL+"/webhooks/idv")
	d.Sandbox(&p.DeepIDVBaseURL, "DEEPIDV_BASE_URL", localSandboxURL+"/deepidv")
	d.Sandbox(&p.DeepIDVAPIKey, "DEEPIDV_API_KEY", sandboxDeepIDVAPIKey)
	d.Sandbox(&p.OpenBankingBaseURL, "OPENBANKING_BASE_URL", localSandboxURL+"/openbanking")
	d.Sandbox(&p.OpenBankingClientID, "OPENBANKING_CLIENT_ID", sandboxOpenBankingID)
	d.Sandbox(&p.OpenBankingClientSecret, "OPENBANKING_CLIENT_SECRET", sandboxOpenBankingSecret)
	d.SandboxList(&p.CallbackSecrets, "CALLBACK_SECRETS", callback.DevSecret)
	d.Sandbox(&p.NotifyURL, "NOTIFY_URL", localSandboxURL+"/app/inbox")
	// An empty NOTIFY_URL turns notifications off; then nothing needs signing.
	if p.NotifyURL != "" || !d.IsSet("NOTIFY_URL") {
		d.Sandbox(&p.NotifySecret, "NOTIFY_SECRET", sandboxNotifySecret)
	}
}

// Validate checks the settings, naming every variable at fault (never a value of a secret).
func (p Providers) Validate() error {
	urls := []struct{ name, v string }{
		{"QUICKR_BASE_URL", p.QuickrBaseURL}, {"QUICKR_CALLBACK_URL", p.QuickrCallbackURL},
		{"CREDITRO_BASE_URL", p.CreditroBaseURL}, {"IDV_BASE_URL", p.IDVBaseURL}, {"IDV_CALLBACK_URL", p.IDVCallbackURL},
		{"DEEPIDV_BASE_URL", p.DeepIDVBaseURL}, {"OPENBANKING_BASE_URL", p.OpenBankingBaseURL},
	}
	if p.NotifyURL != "" {
		urls = append(urls, struct{ name, v string }{"NOTIFY_URL", p.NotifyURL})
	}
	var errs []error
	for _, u := range urls {
		parsed, err := url.Parse(u.v)
		if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
			errs = append(errs, fmt.Errorf("config: %s_%s must be an http(s) URL, got %q", config.Prefix, u.name, u.v))
		}
	}
	nonEmpty := []struct{ name, v string }{
		{"QUICKR_ACCOUNT_ID", p.QuickrAccountID}, {"QUICKR_API_KEY", p.QuickrAPIKey}, {"CREDITRO_TOKEN", p.CreditroToken},
		{"IDV_PUBLIC_KEY", p.IDVPublicKey}, {"IDV_SECRET", p.IDVSecret}, {"DEEPIDV_API_KEY", p.DeepIDVAPIKey},
		{"OPENBANKING_CLIENT_ID", p.OpenBankingClientID}, {"OPENBANKING_CLIENT_SECRET", p.OpenBankingClientSecret},
	}
	if p.NotifyURL != "" {
		nonEmpty = append(nonEmpty, struct{ name, v string }{"NOTIFY_SECRET", p.NotifySecret})
	}
	for _, s := range nonEmpty {
		if strings.TrimSpace(s.v) == "" {
			errs = append(errs, fmt.Errorf("config: %s_%s must not be empty", config.Prefix, s.name))
		}
	}
	if _, err := callback.ParseSecrets(p.CallbackSecrets); err != nil {
		errs = append(errs, fmt.Errorf("config: %s_CALLBACK_SECRETS: %w", config.Prefix, err))
	}
	if p.ProviderTimeout <= 0 {
		errs = append(errs, fmt.Errorf("config: %s_PROVIDER_TIMEOUT must be positive", config.Prefix))
	}
	return errors.Join(errs...)
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
	secrets, err := callback.ParseSecrets(p.CallbackSecrets)
	if err != nil {
		return nil, fmt.Errorf("config: %s_CALLBACK_SECRETS: %w", config.Prefix, err)
	}
	callbacks, err := callback.New(secrets)
	if err != nil {
		return nil, fmt.Errorf("config: %s_CALLBACK_SECRETS: %w", config.Prefix, err)
	}
	t := p.ProviderTimeout
	return &activities.Activities{
		Quickr:   quickr.New(quickr.Config{BaseURL: p.QuickrBaseURL, AccountID: p.QuickrAccountID, APIKey: p.QuickrAPIKey, Timeout: t}, nil),
		Creditro: creditro.New(creditro.Config{BaseURL: p.CreditroBaseURL, APIToken: p.CreditroToken, Timeout: t}, nil),
		// The IDV provider documents a 60 s request timeout; the client applies it by default.
		IDV:               idv.New(idv.Config{BaseURL: p.IDVBaseURL, PublicKey: p.IDVPublicKey, Secret: p.IDVSecret}, nil),
		CreditTerms:       deepidv.New(deepidv.Config{BaseURL: p.DeepIDVBaseURL, APIKey: p.DeepIDVAPIKey, Timeout: t}, nil),
		OpenBanking:       openbanking.New(openbanking.Config{BaseURL: p.OpenBankingBaseURL, ClientID: p.OpenBankingClientID, ClientSecret: p.OpenBankingClientSecret, Timeout: t}, nil),
		QuickrCallbackURL: p.QuickrCallbackURL,
		IDVCallbackURL:    p.IDVCallbackURL,
		Callbacks:         callbacks,
		Rules:             rules,
		NotifyURL:         p.NotifyURL,
		NotifySecret:      []byte(p.NotifySecret),
	}, nil
}

// New returns a worker on taskQueue with the onboarding workflows and acts registered, then
// each of extra (the bench's floor), and the interceptor that counts failed provider calls
// (activities.ProviderErrorMetrics) added to opts. Metrics go to c's MetricsHandler. acts
// without a Temporal client get c, for the reconciler's sweep.
func New(c client.Client, taskQueue string, acts *activities.Activities, opts worker.Options, extra ...func(workflows.Registry)) worker.Worker {
	if acts != nil && acts.Temporal == nil {
		acts.Temporal = c
	}
	opts.Interceptors = append(append([]interceptor.WorkerInterceptor(nil), opts.Interceptors...), activities.ProviderErrorMetrics())
	w := worker.New(c, taskQueue, opts)
	workflows.Register(w, acts)
	for _, register := range extra {
		register(w)
	}
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
