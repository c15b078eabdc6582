package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
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
	// AppAPIURL and AppToken let the sandbox's app (app.go) call the gateway's API in
	// automatic mode: the base URL (http://host:port) and an app token. Empty: it does not.
	AppAPIURL, AppToken string
	// Logf, when set, receives one line per notable event (webhook failures, faults).
	Logf func(format string, args ...any)
}

// Server is the sandbox. Create it with New; serve Handler().
type Server struct {
	cfg      Config
	clock    Clock
	mux      *http.ServeMux
	faults   *faultSet
	counters *Counters
	hooks    *webhookSender

	rndMu sync.Mutex
	rnd   *rand.Rand

	mu          sync.Mutex // guards every provider's state below
	closed      bool
	cancels     []func()
	quickr      *quickrState
	creditro    *creditroState
	idv         *idvState
	deepidv     *deepidvState
	openbanking *obState
	inbox       *appInbox
	app         *appState
}

// New builds a sandbox with every provider mounted.
func New(cfg Config) *Server {
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	if cfg.Credentials == (Credentials{}) {
		cfg.Credentials = DefaultCredentials()
	}
	if cfg.ContractTTL == 0 {
		cfg.ContractTTL = 30 * 24 * time.Hour
	}
	if cfg.IDVSessionTTL == 0 {
		cfg.IDVSessionTTL = 24 * time.Hour
	}
	if cfg.WebhookAttempts == 0 {
		cfg.WebhookAttempts = 6
	}
	if cfg.WebhookBackoff == 0 {
		cfg.WebhookBackoff = time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	s := &Server{
		cfg:      cfg,
		clock:    cfg.Clock,
		mux:      http.NewServeMux(),
		counters: newCounters(),
		rnd:      rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed)),
	}
	s.faults = newFaultSet(cfg.Faults)
	s.hooks = newWebhookSender(s)
	s.inbox = newAppInbox()
	s.app = &appState{profiles: map[string]string{}}

	// One line per provider: each mount registers its routes and control endpoints.
	s.mountQuickr()
	s.mountCreditro()
	s.mountIDV()
	s.mountDeepIDV()
	s.mountOpenBanking()
	s.mountControl()
	return s
}

// Handler serves every provider and the control endpoints.
func (s *Server) Handler() http.Handler { return s.mux }

// Counters exposes side-effect counts to in-process tests.
func (s *Server) Counters() *Counters { return s.counters }

// Close stops pending automatic steps and webhook retries.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	cancels := s.cancels
	s.cancels = nil
	s.mu.Unlock()
	for _, c := range cancels {
		c()
	}
	s.hooks.close()
}

// after runs f on its own goroutine after d on the sandbox clock (at once when d <= 0),
// unless the server is closed. f runs without s.mu held. Webhook deliveries use it, so an API
// call never waits on a receiver.
func (s *Server) after(d time.Duration, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if d <= 0 {
		go f()
		return
	}
	s.cancels = append(s.cancels, s.clock.AfterFunc(d, f))
}

// step runs a state change f after d, or right now (in the caller) when d <= 0, so a
// manual-mode test sees the result of a control call as soon as the call returns.
// Call it without s.mu held.
func (s *Server) step(d time.Duration, f func()) {
	if d <= 0 {
		f()
		return
	}
	s.after(d, f)
}

// float returns a uniform number in [0,1) from the seeded source.
func (s *Server) float() float64 {
	s.rndMu.Lock()
	defer s.rndMu.Unlock()
	return s.rnd.Float64()
}

// token returns n characters of [0-9A-Z] from the seeded source. Case ids use it, so a
// restarted sandbox (with another seed) never hands out an id an earlier run used.
func (s *Server) token(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[s.intn(len(alphabet))]
	}
	return string(b)
}

// intn returns a number in [0,n) from the seeded source.
func (s *Server) intn(n int) int {
	s.rndMu.Lock()
	defer s.rndMu.Unlock()
	return s.rnd.IntN(n)
}

// handle registers a provider route behind that provider's fault injection.
func (s *Server) handle(provider, pattern string, h http.HandlerFunc) {
	route := provider + " " + pattern
	faulty := s.faults.wrap(s, provider, h)
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.counters.Request(route)
		faulty.ServeHTTP(w, r)
	}))
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// errBodyTooLarge is returned by readJSON for bodies over 1 MiB.
var errBodyTooLarge = errors.New("request body too large")

// readJSON decodes a JSON body into v. An empty body leaves v untouched.
func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if err != nil {
		return err
	}
	if len(b) > 1<<20 {
		return errBodyTooLarge
	}
	if strings.TrimSpace(string(b)) == "" {
		return nil
	}
	return json.Unmarshal(b, v)
}

// bearer returns the token of an "Authorization: Bearer x" header.
func bearer(r *http.Request) string {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(tok)
}
