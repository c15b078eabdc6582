package metricstest

import (
	"maps"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
)

// Handler is a client.MetricsHandler that keeps every recording. Handlers made by WithTags
// share their parent's recordings. It is safe for concurrent use.
type Handler struct {
	rec  *recordings
	tags map[string]string
}

type recordings struct {
	mu     sync.Mutex
	counts []recording
	timers []recording
}

type recording struct {
	name  string
	tags  map[string]string
	delta int64
	d     time.Duration
}

var _ client.MetricsHandler = (*Handler)(nil)

// New returns an empty Handler.
func New() *Handler {
	return &Handler{rec: &recordings{}, tags: map[string]string{}}
}

// WithTags returns a handler whose recordings carry tags on top of h's.
func (h *Handler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := maps.Clone(h.tags)
	maps.Copy(merged, tags)
	return &Handler{rec: h.rec, tags: merged}
}

// Counter records every increment of name.
func (h *Handler) Counter(name string) client.MetricsCounter {
	return counterFunc(func(delta int64) {
		h.rec.mu.Lock()
		defer h.rec.mu.Unlock()
		h.rec.counts = append(h.rec.counts, recording{name: name, tags: h.tags, delta: delta})
	})
}

// Gauge ignores gauges; no test asks for them.
func (h *Handler) Gauge(string) client.MetricsGauge { return client.MetricsNopHandler.Gauge("") }

// Timer records every duration of name.
func (h *Handler) Timer(name string) client.MetricsTimer {
	return timerFunc(func(d time.Duration) {
		h.rec.mu.Lock()
		defer h.rec.mu.Unlock()
		h.rec.timers = append(h.rec.timers, recording{name: name, tags: h.tags, d: d})
	})
}

// Count is the sum of counter name over the recordings whose tags include tags (nil: all).
func (h *Handler) Count(name string, tags map[string]string) int64 {
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	var n int64
	for _, r := range h.rec.counts {
		if r.name == name && includes(r.tags, tags) {
			n += r.delta
		}
	}
	return n
}

// Durations are the durations of timer name whose tags include tags, in recording order.
func (h *Handler) Durations(name string, tags map[string]string) []time.Duration {
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	var out []time.Duration
	for _, r := range h.rec.timers {
		if r.name == name && includes(r.tags, tags) {
			out = append(out, r.d)
		}
	}
	return out
}

// TagValues are the distinct values of tag key on counter or timer name, in first-seen order.
func (h *Handler) TagValues(name, key string) []string {
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, rs := range [][]recording{h.rec.counts, h.rec.timers} {
		for _, r := range rs {
			if v, ok := r.tags[key]; ok && r.name == name && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}

func includes(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

type counterFunc func(int64)

func (f counterFunc) Inc(delta int64) { f(delta) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }
