package core

import (
	"net/http"
	"sync"
	"time"
)

// Tokens are a provider's access tokens, each valid until its expiry on the sandbox clock.
type Tokens struct {
	core *Core
	ttl  time.Duration

	mu  sync.Mutex
	exp map[string]time.Time
}

// NewTokens keeps tokens that live ttl.
func (c *Core) NewTokens(ttl time.Duration) *Tokens {
	return &Tokens{core: c, ttl: ttl, exp: map[string]time.Time{}}
}

// Issue records tok as issued now and returns its lifetime in seconds (expires_in).
func (t *Tokens) Issue(tok string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.exp[tok] = t.core.Now().Add(t.ttl)
	return int(t.ttl / time.Second)
}

// Valid reports whether the request's bearer token is one issued and not yet expired.
func (t *Tokens) Valid(r *http.Request) bool {
	t.mu.Lock()
	exp, ok := t.exp[Bearer(r)]
	t.mu.Unlock()
	return ok && t.core.Now().Before(exp)
}

// Locked returns f's result computed with mu held.
func Locked[T any](mu *sync.Mutex, f func() T) T {
	mu.Lock()
	defer mu.Unlock()
	return f()
}

// WriteFound answers doc, or, when there is none (nil), lets notFound answer.
func WriteFound(w http.ResponseWriter, doc map[string]any, notFound func(w http.ResponseWriter)) {
	if doc == nil {
		notFound(w)
		return
	}
	WriteJSON(w, http.StatusOK, doc)
}

// Newest is the last of keys (oldest first) that match accepts.
func Newest[K any](keys []K, match func(K) bool) (K, bool) {
	for i := len(keys) - 1; i >= 0; i-- {
		if match(keys[i]) {
			return keys[i], true
		}
	}
	var zero K
	return zero, false
}

// IDOrNewest resolves a control endpoint's {ref} among a simulator's items: id when items
// has it, else the newest key of order (oldest first) whose item match accepts. Call it with
// the simulator's lock held.
func IDOrNewest[K comparable, V any](items map[K]V, order []K, id K, match func(V) bool) (K, bool) {
	if _, ok := items[id]; ok {
		return id, true
	}
	return Newest(order, func(k K) bool { return match(items[k]) })
}
