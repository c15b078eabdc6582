package core

import (
	"maps"
	"net/http"
	"sort"
	"sync"
)

// Counters counts side effects per reference (the engine uses the workflow ID), so tests
// and the chaos suite can prove nothing was created twice, and every provider API request by
// route (including those answered by an injected fault), so benches can report provider
// requests per second.
type Counters struct {
	mu       sync.Mutex
	m        map[string]map[string]int
	requests map[string]int
}

func newCounters() *Counters {
	return &Counters{m: map[string]map[string]int{}, requests: map[string]int{}}
}

// Request counts one API request on route ("<provider> <METHOD> <pattern>").
func (c *Counters) Request(route string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests[route]++
}

// Requests returns a copy of the request counts by route.
func (c *Counters) Requests() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.requests)
}

// Add counts one side effect of kind for ref.
func (c *Counters) Add(ref, kind string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[ref] == nil {
		c.m[ref] = map[string]int{}
	}
	c.m[ref][kind]++
}

// Get returns the count of kind for ref.
func (c *Counters) Get(ref, kind string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[ref][kind]
}

// For returns a copy of every count for ref.
func (c *Counters) For(ref string) map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := maps.Clone(c.m[ref])
	if out == nil {
		out = map[string]int{}
	}
	return out
}

// All returns a copy of every count.
func (c *Counters) All() map[string]map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]map[string]int, len(c.m))
	for ref, kinds := range c.m {
		out[ref] = maps.Clone(kinds)
	}
	return out
}

// Totals sums every kind over all references.
func (c *Counters) Totals() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for _, kinds := range c.m {
		for k, v := range kinds {
			out[k] += v
		}
	}
	return out
}

// serveCounters: GET /control/counters[?reference=R]. Without a reference the answer also
// carries "requests", the API requests by route.
func (c *Core) serveCounters(w http.ResponseWriter, r *http.Request) {
	if ref := r.URL.Query().Get("reference"); ref != "" {
		WriteJSON(w, http.StatusOK, map[string]any{"reference": ref, "counts": c.counters.For(ref)})
		return
	}
	all := c.counters.All()
	refs := make([]string, 0, len(all))
	for ref := range all {
		refs = append(refs, ref)
	}
	sort.Strings(refs)
	WriteJSON(w, http.StatusOK, map[string]any{"references": all, "totals": c.counters.Totals(), "count": len(refs), "requests": c.counters.Requests()})
}
