package core

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// inbox stands in for the platform's app: the engine POSTs its notifications here, people and
// tests list what arrived, and subscribers (the app player) react to them.
type inbox struct {
	mu     sync.Mutex
	events []InboxEvent
	subs   []func(body []byte)
}

// InboxEvent is one notification as received.
type InboxEvent struct {
	ReceivedAt time.Time       `json:"receivedAt"`
	Signature  string          `json:"signature,omitempty"`
	Body       json.RawMessage `json:"body"`
}

func (in *inbox) subscribe(f func(body []byte)) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.subs = append(in.subs, f)
}

// serveInboxPost: POST /app/inbox
func (c *Core) serveInboxPost(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || !json.Valid(b) {
		WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON"})
		return
	}
	c.inbox.mu.Lock()
	c.inbox.events = append(c.inbox.events, InboxEvent{ReceivedAt: c.clock.Now(), Signature: r.Header.Get("X-Signature"), Body: b})
	if len(c.inbox.events) > maxDeliveries {
		c.inbox.events = c.inbox.events[len(c.inbox.events)-maxDeliveries:]
	}
	subs := c.inbox.subs
	c.inbox.mu.Unlock()
	for _, f := range subs {
		f(b)
	}
	w.WriteHeader(http.StatusNoContent)
}

// serveInboxList: GET /control/inbox
func (c *Core) serveInboxList(w http.ResponseWriter, _ *http.Request) {
	c.inbox.mu.Lock()
	out := append([]InboxEvent{}, c.inbox.events...)
	c.inbox.mu.Unlock()
	WriteJSON(w, http.StatusOK, map[string]any{"events": out})
}
