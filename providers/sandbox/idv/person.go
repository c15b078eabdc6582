package idv

import (
	"fmt"
	"net/http"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
)

// The person's side of a session: opening it with the token the app was given.

// Open is the person opening the session whose token they were given: it starts at once
// and completes (verified as the expected person) after Config.Delay.
func (s *Sim) Open(token string) error {
	id, ok := s.byToken(token)
	if !ok {
		return fmt.Errorf("no session with this token")
	}
	if s.cfg.Delay > 0 {
		if err := s.transition(id, "IN_PROGRESS", nil); err != nil {
			return err
		}
	}
	s.core.After(s.cfg.Delay, func() { _ = s.finish(id, "COMPLETED", true, nil) })
	return nil
}

// byToken finds the session a token opens, and marks it opened (counted once).
func (s *Sim) byToken(token string) (int64, bool) {
	s.mu.Lock()
	var found *session
	for _, ss := range s.sessions {
		if ss.Token == token && token != "" {
			found = ss
			break
		}
	}
	first := found != nil && !found.Opened
	if first {
		found.Opened = true
	}
	s.mu.Unlock()
	if found == nil {
		return 0, false
	}
	if first {
		s.core.Counters().Add(found.Reference, CountOpened)
	}
	return found.ID, true
}

// personComplete: POST /idv/person/{token}/complete [{"match": false}], the person
// finishing the verification with the session's token (the provider's front-end, which
// the seed leaves out): COMPLETED at once, as the expected person unless match is false.
func (s *Sim) personComplete(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Match *bool `json:"match"`
	}
	if err := core.ReadJSON(r, &in); err != nil {
		core.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be empty or {\"match\": bool}"})
		return
	}
	id, ok := s.byToken(r.PathValue("token"))
	if !ok {
		core.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no session with this token"})
		return
	}
	if err := s.finish(id, "COMPLETED", in.Match == nil || *in.Match, nil); err != nil {
		core.WriteJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
