package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// appInbox stands in for the platform's app: the engine POSTs its notifications here, and
// people and tests list what arrived.
type appInbox struct {
	mu     sync.Mutex
	events []InboxEvent
}

// InboxEvent is one notification as received.
type InboxEvent struct {
	ReceivedAt time.Time       `json:"receivedAt"`
	Signature  string          `json:"signature,omitempty"`
	Body       json.RawMessage `json:"body"`
}

func newAppInbox() *appInbox { return &appInbox{} }

// serveInboxPost: POST /app/inbox
func (s *Server) serveInboxPost(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || !json.Valid(b) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON"})
		return
	}
	s.inbox.mu.Lock()
	s.inbox.events = append(s.inbox.events, InboxEvent{ReceivedAt: s.clock.Now(), Signature: r.Header.Get("X-Signature"), Body: b})
	if len(s.inbox.events) > maxDeliveries {
		s.inbox.events = s.inbox.events[len(s.inbox.events)-maxDeliveries:]
	}
	s.inbox.mu.Unlock()
	s.appOnNotification(b)
	w.WriteHeader(http.StatusNoContent)
}

// serveInboxList: GET /control/inbox
func (s *Server) serveInboxList(w http.ResponseWriter, _ *http.Request) {
	s.inbox.mu.Lock()
	out := append([]InboxEvent{}, s.inbox.events...)
	s.inbox.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"events": out})
}
