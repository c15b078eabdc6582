package sandbox

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/app"
	"github.com/merchantflow/onboarding/providers/sandbox/core"
	"github.com/merchantflow/onboarding/providers/sandbox/creditro"
	"github.com/merchantflow/onboarding/providers/sandbox/deepidv"
	"github.com/merchantflow/onboarding/providers/sandbox/idv"
	"github.com/merchantflow/onboarding/providers/sandbox/openbanking"
	"github.com/merchantflow/onboarding/providers/sandbox/quickr"
	"github.com/merchantflow/onboarding/providers/sandbox/seeddata"
)

// Credentials are what the imitated providers accept. The defaults are also the engine's
// defaults, so `make run` needs no secrets.
type Credentials struct {
	QuickrAccountID      string `json:"quickrAccountId"`
	QuickrAPIKey         string `json:"-"`
	CreditroCustomerID   string `json:"creditroCustomerId"`
	IDVPublicKey         string `json:"idvPublicKey"`
	IDVSecret            string `json:"-"`
	DeepIDVAPIKey        string `json:"-"`
	OpenBankingClientID  string `json:"openBankingClientId"`
	OpenBankingSecret    string `json:"-"`
	WebhookSigningSecret string `json:"-"`
}

// DefaultCredentials are the sandbox's well-known test credentials. They only ever unlock
// the sandbox.
func DefaultCredentials() Credentials {
	return Credentials{
		QuickrAccountID:      "TQ1234567",
		QuickrAPIKey:         "sandbox-quickr-api-key",
		CreditroCustomerID:   "cust-sandbox-1",
		IDVPublicKey:         "public-key-sandbox",
		IDVSecret:            "secret-sandbox",
		DeepIDVAPIKey:        "sandbox-deepidv-key",
		OpenBankingClientID:  "sandbox-client",
		OpenBankingSecret:    "sandbox-client-secret",
		WebhookSigningSecret: "sandbox-webhook-secret",
	}
}

// Delays drive the human steps in automatic mode. A zero delay means "at once".
type Delays struct {
	Declare     time.Duration `json:"declare"`     // case created -> declaration finished
	Sign        time.Duration `json:"sign"`        // contract created -> every signatory signed
	Checks      time.Duration `json:"checks"`      // all data in -> READY_FOR_REVIEW ("a few seconds")
	IDV         time.Duration `json:"idv"`         // IDV session created -> COMPLETED
	Analysis    time.Duration `json:"analysis"`    // analysis created -> COMPLETED
	CreditTerms time.Duration `json:"creditTerms"` // credit terms created -> COMPLETED
}

// Config configures a Server.
type Config struct {
	// PublicURL is the base of links the sandbox hands out (declaration URLs); empty means the
	// host of the request that created them.
	PublicURL string
	// Auto drives human steps by itself after Delays; otherwise only control endpoints do.
	Auto   bool
	Delays Delays
	// ChecksDelay applies in both modes: Quickr runs checks "a few seconds" after the last
	// data arrives. Manual-mode tests usually keep it 0.
	ChecksDelay time.Duration
	// ContractTTL is how long a contract stays signable (Quickr reminds for a month).
	ContractTTL time.Duration
	// IDVSessionTTL is how long an IDV session can be completed.
	IDVSessionTTL time.Duration
	Credentials   Credentials
	// SignWebhooks signs every webhook (package webhooksig, with
	// Credentials.WebhookSigningSecret). Off by default, as neither Quickr nor the IDV
	// provider documents a signature; on, the sandbox stands in for a provider that signs.
	SignWebhooks bool
	// Webhooks: attempts per delivery and the first retry delay (doubling).
	WebhookAttempts int
	WebhookBackoff  time.Duration
	// WebhookFailover lists base URLs that serve the same webhook routes, as several
	// gateways behind one load-balanced address would: a delivery whose URL starts with one
	// of them goes to the next one on each retry, so a dead gateway costs one failed attempt
	// and a backoff, not the delivery.
	WebhookFailover []string
	// Faults per provider name ("quickr", "creditro", "idv", "deepidv", "openbanking").
	Faults map[string]Fault
	Seed   uint64
	Clock  Clock
	// HTTPClient sends webhooks; nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	// AppAPIURL and AppToken let the sandbox's app (package app) call the gateway's API in
	// automatic mode: the base URL (http://host:port) and an app token. Empty: it does not.
	AppAPIURL, AppToken string
	// Logf, when set, receives one line per notable event (webhook failures, faults).
	Logf func(format string, args ...any)
}

// Server is the sandbox: the core with every simulator registered. Create it with New;
// serve Handler().
type Server struct {
	core *core.Core
}

// New builds a sandbox with every provider mounted.
func New(cfg Config) *Server {
	if cfg.Credentials == (Credentials{}) {
		cfg.Credentials = DefaultCredentials()
	}
	if cfg.ContractTTL == 0 {
		cfg.ContractTTL = 30 * 24 * time.Hour
	}
	if cfg.IDVSessionTTL == 0 {
		cfg.IDVSessionTTL = 24 * time.Hour
	}
	cr := cfg.Credentials
	c := core.New(core.Config{
		PublicURL:       cfg.PublicURL,
		Auto:            cfg.Auto,
		SignWebhooks:    cfg.SignWebhooks,
		WebhookSecret:   cr.WebhookSigningSecret,
		WebhookAttempts: cfg.WebhookAttempts,
		WebhookBackoff:  cfg.WebhookBackoff,
		WebhookFailover: cfg.WebhookFailover,
		Faults:          cfg.Faults,
		Seed:            cfg.Seed,
		Clock:           cfg.Clock,
		HTTPClient:      cfg.HTTPClient,
		Logf:            cfg.Logf,
	})
	identity := idv.New(c, idv.Config{PublicKey: cr.IDVPublicKey, Secret: cr.IDVSecret, SessionTTL: cfg.IDVSessionTTL, Delay: cfg.Delays.IDV})
	for _, sim := range []core.Simulator{
		quickr.New(c, quickr.Config{
			AccountID: cr.QuickrAccountID, APIKey: cr.QuickrAPIKey, ChecksDelay: cfg.ChecksDelay,
			ContractTTL: cfg.ContractTTL, DeclareDelay: cfg.Delays.Declare, SignDelay: cfg.Delays.Sign,
		}),
		creditro.New(c, creditro.Config{CustomerID: cr.CreditroCustomerID}),
		identity,
		deepidv.New(c, deepidv.Config{APIKey: cr.DeepIDVAPIKey, Delay: cfg.Delays.CreditTerms}),
		openbanking.New(c, openbanking.Config{ClientID: cr.OpenBankingClientID, Secret: cr.OpenBankingSecret, Delay: cfg.Delays.Analysis}),
		app.New(c, app.Config{APIURL: cfg.AppAPIURL, Token: cfg.AppToken}, identity),
	} {
		c.Register(sim)
	}
	return &Server{core: c}
}

// Handler serves every provider and the control endpoints.
func (s *Server) Handler() http.Handler { return s.core.Handler() }

// Counters exposes side-effect counts to in-process tests.
func (s *Server) Counters() *Counters { return s.core.Counters() }

// Close stops pending automatic steps and webhook retries.
func (s *Server) Close() { s.core.Close() }

// The names the engine's tests, the bench and the chaos suite use, so they need not know
// which simulator or core file holds each.

// Time, faults, counters and the delivery log (package core).
type (
	Clock       = core.Clock
	ManualClock = core.ManualClock
	Fault       = core.Fault
	Counters    = core.Counters
	Delivery    = core.Delivery
)

// NewManualClock starts a manual clock at t.
func NewManualClock(t time.Time) *ManualClock { return core.NewManualClock(t) }

// Side-effect kinds counted per reference, by the simulator that counts them.
const (
	CountCases           = quickr.CountCases
	CountContractsReopen = quickr.CountContractsReopen
	CountContractsNew    = quickr.CountContractsNew
	CountDecisions       = quickr.CountDecisions
	CountNotes           = quickr.CountNotes
	CountArchived        = quickr.CountArchived
	CountIDVSessions     = idv.CountSessions
	// CountIDVOpened counts the sessions a person opened with their token (each once).
	CountIDVOpened   = idv.CountOpened
	CountCustomers   = openbanking.CountCustomers
	CountAnalyses    = openbanking.CountAnalyses
	CountCreditTerms = deepidv.CountCreditTerms
)

// Provider API requests are counted by route: the provider's name and the route pattern.
// RequestQuickrListCases is the case list the reconciler sweeps; RequestQuickrGetCase one
// read of one case.
const (
	RequestQuickrListCases = quickr.RequestListCases
	RequestQuickrGetCase   = quickr.RequestGetCase
)

// CreditroToken mints a sandbox Creditro API token for customerID (zero exp: never expires).
func CreditroToken(customerID string, exp time.Time) string { return creditro.Token(customerID, exp) }

// SampleBankData is one of the app's shipped datasets ("good" or "risky") with its dates
// moved so that its asOf day is the day of now.
func SampleBankData(profile string, now time.Time) (json.RawMessage, error) {
	return app.SampleBankData(profile, now)
}

// TestCompanies are the seed's test companies by organisation number (package seeddata).
var TestCompanies = seeddata.TestCompanies

// TestCompany and TestPerson are the seed's test companies and their people.
type (
	TestCompany = seeddata.TestCompany
	TestPerson  = seeddata.TestPerson
)
