package core

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Fault is what the sandbox does wrong on purpose for one provider. Rates are 0..1 and drawn
// from the seeded source, so a run with the same seed fails the same way.
type Fault struct {
	ErrorRate   float64       `json:"errorRate"`   // share of calls answered with ErrorStatus
	ErrorStatus int           `json:"errorStatus"` // default 503
	RateLimit   float64       `json:"rateLimit"`   // share of calls answered 429
	RetryAfter  time.Duration `json:"retryAfter"`  // Retry-After on those 429s (default 1s)
	Latency     time.Duration `json:"latency"`     // added to every call
	SpikeRate   float64       `json:"spikeRate"`   // share of calls that get Spike extra
	Spike       time.Duration `json:"spike"`
	// Webhooks sent by this provider.
	DropWebhooks      float64       `json:"dropWebhooks"`      // share never delivered
	DuplicateWebhooks float64       `json:"duplicateWebhooks"` // share delivered twice
	WebhookJitter     time.Duration `json:"webhookJitter"`     // random delay, reorders deliveries
}

type faultSet struct {
	mu sync.Mutex
	m  map[string]Fault
}

func newFaultSet(initial map[string]Fault) *faultSet {
	m := maps.Clone(initial)
	if m == nil {
		m = map[string]Fault{}
	}
	return &faultSet{m: m}
}

func (f *faultSet) get(provider string) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.m[provider]
}

func (f *faultSet) set(provider string, v Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v == (Fault{}) {
		delete(f.m, provider)
		return
	}
	f.m[provider] = v
}

func (f *faultSet) all() map[string]Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.m)
}

// wrap applies provider's faults before h runs. Injected failures happen before any state
// changes, like a gateway in front of the real provider would fail.
func (f *faultSet) wrap(c *Core, p Provider, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ft := f.get(p.Name())
		if ft == (Fault{}) {
			h(w, r)
			return
		}
		delay := ft.Latency
		if ft.SpikeRate > 0 && c.Float() < ft.SpikeRate {
			delay += ft.Spike
		}
		if delay > 0 {
			// Real time on purpose: latency is felt by the caller's HTTP client, not by the
			// sandbox's own clock.
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if ft.RateLimit > 0 && c.Float() < ft.RateLimit {
			ra := ft.RetryAfter
			if ra <= 0 {
				ra = time.Second
			}
			w.Header().Set("Retry-After", strconv.Itoa(int((ra+time.Second-1)/time.Second)))
			p.WriteError(w, http.StatusTooManyRequests, "rate_limited", "injected rate limit")
			return
		}
		if ft.ErrorRate > 0 && c.Float() < ft.ErrorRate {
			status := ft.ErrorStatus
			if status == 0 {
				status = http.StatusServiceUnavailable
			}
			p.WriteError(w, status, "injected_fault", "injected failure")
			return
		}
		h(w, r)
	})
}
