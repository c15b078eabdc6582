// Package core is what every simulator of the sandbox shares: the clock, the seeded
// randomness, fault injection, webhook delivery, counters, the app's inbox, the control
// endpoints that are no provider's, and the HTTP mux they all hang on. It knows no provider:
// a simulator plugs in with Register and gets its routes through Routes.
package core

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config is the core's share of the sandbox's configuration.
type Config struct {
	// PublicURL is the base of links the simulators hand out; empty means the host of the
	// request that created them.
	PublicURL string
	// Auto: the simulators drive the human steps by themselves (see each one's delays).
	Auto bool
	// SignWebhooks signs every webhook with WebhookSecret (package webhooksig).
	SignWebhooks  bool
	WebhookSecret string
	// WebhookAttempts per delivery (default 6) and the first retry delay (default 1 s,
	// doubling).
	WebhookAttempts int
	WebhookBackoff  time.Duration
	// WebhookFailover lists base URLs that serve the same webhook routes: a delivery whose URL
	// starts with one of them goes to the next one on each retry.
	WebhookFailover []string
	// Faults per provider name, as PUT /control/faults sets them.
	Faults map[string]Fault
	Seed   uint64
	Clock  Clock // nil: the wall clock
	// HTTPClient sends webhooks and the app's calls; nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	Logf       func(format string, args ...any)
}

// Simulator is one part of the sandbox: it mounts its routes and keeps its own state.
type Simulator interface {
	// Name is the simulator's key: its control prefix (/control/<name>/), and for a Provider
	// its fault key and the first word of its request counters.
	Name() string
	Mount(r *Routes)
}

// Provider is a simulator with API routes: those can be faulted, and an injected fault
// answers in the provider's own error body.
type Provider interface {
	Simulator
	WriteError(w http.ResponseWriter, status int, code, msg string)
}

// Core is the shared machinery of one sandbox. Build it with New, Register the simulators,
// then serve Handler().
type Core struct {
	cfg      Config
	clock    Clock
	mux      *http.ServeMux
	faults   *faultSet
	counters *Counters
	hooks    *webhookSender
	inbox    *inbox

	rndMu sync.Mutex
	rnd   *rand.Rand

	mu      sync.Mutex // guards closed and cancels
	closed  bool
	cancels []func()

	// Filled by Register before anything is served, read-only afterwards.
	providers map[string]Provider
}

// New builds the core with its own control endpoints mounted.
func New(cfg Config) *Core {
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
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
	c := &Core{
		cfg:       cfg,
		clock:     cfg.Clock,
		mux:       http.NewServeMux(),
		faults:    newFaultSet(cfg.Faults),
		counters:  newCounters(),
		inbox:     &inbox{},
		rnd:       rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5eed)),
		providers: map[string]Provider{},
	}
	c.hooks = newWebhookSender(c)
	c.mountControl()
	return c
}

// Register mounts a simulator. Call it before serving.
func (c *Core) Register(s Simulator) {
	if p, ok := s.(Provider); ok {
		c.providers[s.Name()] = p
	}
	s.Mount(&Routes{core: c, sim: s})
}

// Handler serves every simulator and the control endpoints.
func (c *Core) Handler() http.Handler { return c.mux }

// Counters are the side-effect and request counts.
func (c *Core) Counters() *Counters { return c.counters }

// Close stops pending steps and webhook retries.
func (c *Core) Close() {
	c.mu.Lock()
	c.closed = true
	cancels := c.cancels
	c.cancels = nil
	c.mu.Unlock()
	for _, f := range cancels {
		f()
	}
	c.hooks.close()
}

// Now is the sandbox clock's time.
func (c *Core) Now() time.Time { return c.clock.Now() }

// Auto reports automatic mode.
func (c *Core) Auto() bool { return c.cfg.Auto }

// Logf logs one notable event.
func (c *Core) Logf(format string, args ...any) { c.cfg.Logf(format, args...) }

// HTTPClient is the client for the sandbox's own outgoing calls.
func (c *Core) HTTPClient() *http.Client { return c.cfg.HTTPClient }

// Failover is Config.WebhookFailover: gateways that serve the same routes.
func (c *Core) Failover() []string { return c.cfg.WebhookFailover }

// PublicURL is the base URL links are built on: Config.PublicURL, else the request's host.
func (c *Core) PublicURL(r *http.Request) string {
	if c.cfg.PublicURL != "" {
		return strings.TrimRight(c.cfg.PublicURL, "/")
	}
	return "http://" + r.Host
}

// After runs f on its own goroutine after d on the sandbox clock (at once when d <= 0),
// unless the sandbox is closed. Webhook deliveries use it, so an API call never waits on a
// receiver. Call it without a simulator's lock held.
func (c *Core) After(d time.Duration, f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if d <= 0 {
		go f()
		return
	}
	c.cancels = append(c.cancels, c.clock.AfterFunc(d, f))
}

// Step runs a state change f after d, or right now (in the caller) when d <= 0, so a
// manual-mode test sees the result of a control call as soon as the call returns.
func (c *Core) Step(d time.Duration, f func()) {
	if d <= 0 {
		f()
		return
	}
	c.After(d, f)
}

// Float returns a uniform number in [0,1) from the seeded source.
func (c *Core) Float() float64 {
	c.rndMu.Lock()
	defer c.rndMu.Unlock()
	return c.rnd.Float64()
}

// Intn returns a number in [0,n) from the seeded source.
func (c *Core) Intn(n int) int {
	c.rndMu.Lock()
	defer c.rndMu.Unlock()
	return c.rnd.IntN(n)
}

// Token returns n characters of [0-9A-Z] from the seeded source, so a restarted sandbox
// (with another seed) never hands out an id an earlier run used.
func (c *Core) Token(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[c.Intn(len(alphabet))]
	}
	return string(b)
}

// Webhook delivers payload to url for the named provider: see webhookSender.send.
func (c *Core) Webhook(provider, url, reference, typ string, payload any) {
	c.hooks.send(provider, url, reference, typ, payload)
}

// OnNotification subscribes f to every notification the app's inbox receives.
func (c *Core) OnNotification(f func(body []byte)) { c.inbox.subscribe(f) }

// Routes registers one simulator's routes.
type Routes struct {
	core *Core
	sim  Simulator
}

// API registers a provider route ("METHOD /path"): counted per request as
// "<name> <pattern>" and behind the provider's fault injection.
func (r *Routes) API(pattern string, h http.HandlerFunc) {
	p, ok := r.sim.(Provider)
	if !ok {
		panic("sandbox: " + r.sim.Name() + " has API routes but no error body")
	}
	route := p.Name() + " " + pattern
	faulty := r.core.faults.wrap(r.core, p, h)
	r.core.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.core.counters.Request(route)
		faulty.ServeHTTP(w, req)
	}))
}

// Control registers a control endpoint under /control/<name>: method "POST", path
// "/cases/{ref}/sign" is "POST /control/<name>/cases/{ref}/sign". Never faulted or counted.
func (r *Routes) Control(method, path string, h http.HandlerFunc) {
	r.core.mux.HandleFunc(method+" /control/"+r.sim.Name()+path, h)
}

// Page registers a route people use (a sign link, an applicant's page): never faulted or
// counted, as no API client calls it.
func (r *Routes) Page(pattern string, h http.HandlerFunc) { r.core.mux.HandleFunc(pattern, h) }
