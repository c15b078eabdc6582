package quickr

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
)

// Declarations, statuses and events (with their webhooks).

func (c *qCase) declarationDoc() map[string]any {
	return map[string]any{"publisher": publisher(), "prefills": core.NonNil(c.Prefills), "sections": sectionList(c.Sections), "declarations": core.NonNil(c.Declarations), "attachments": []any{}}
}

func publisher() map[string]any {
	return map[string]any{"name": "Merchantflow sandbox", "support_email": "support@example.test", "language": "en"}
}

func (s *Sim) getDeclaration(w http.ResponseWriter, r *http.Request) {
	doc := core.Locked(&s.mu, func() map[string]any {
		if c, ok := s.cases[r.PathValue("cid")]; ok && c.DeclarationID == r.PathValue("did") {
			return c.declarationDoc()
		}
		return nil
	})
	core.WriteFound(w, doc, func(w http.ResponseWriter) {
		writeError(w, http.StatusNotFound, "declaration_not_found", "no such case or declaration")
	})
}

func (s *Sim) putDeclaration(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Intent       string     `json:"intent"`
		Declarations []typeData `json:"declarations"`
	}
	if err := core.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "body is not valid JSON: "+err.Error())
		return
	}
	// The seed's diagram spells the intent declarations_finished; accept both.
	finish := in.Intent == "declarations_finish" || in.Intent == "declarations_finished"
	if !finish && in.Intent != "declarations_update" {
		writeError(w, http.StatusBadRequest, "validation_error", "intent must be declarations_update or declarations_finish")
		return
	}
	if in.Declarations == nil {
		writeError(w, http.StatusBadRequest, "validation_error", "declarations is required")
		return
	}
	for _, d := range in.Declarations {
		if strings.TrimSpace(d.Type) == "" {
			writeError(w, http.StatusBadRequest, "validation_error", "every declaration needs a type")
			return
		}
	}
	s.mu.Lock()
	c, ok := s.cases[r.PathValue("cid")]
	if !ok || c.DeclarationID != r.PathValue("did") {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "declaration_not_found", "no such case or declaration")
		return
	}
	id := c.ID
	s.mu.Unlock()
	if err := s.applyDeclaration(id, in.Declarations, finish); err != nil {
		writeQErr(w, err)
		return
	}
	s.mu.Lock()
	out := c.declarationDoc()
	s.mu.Unlock()
	core.WriteJSON(w, http.StatusOK, out)
}

// applyDeclaration merges declarations into the case; finish submits the form.
func (s *Sim) applyDeclaration(caseID string, decls []typeData, finish bool) error {
	return s.change(func(fx *qFx, now time.Time) (*qCase, error) {
		c := s.cases[caseID]
		if c.Status == qArchived {
			return nil, qConflict("case_archived", "case "+caseID+" is archived")
		}
		if finish && !c.DeclaredAt.IsZero() {
			return nil, qConflict("declaration_finished", fmt.Sprintf("the declaration of case %s is already finished", caseID))
		}
		for _, d := range decls {
			c.setDeclaration(d)
		}
		c.UpdatedAt = now
		if finish {
			c.DeclaredAt = now
			for _, d := range c.Declarations {
				if d.Type == "form_submitter" && len(d.Data) > 0 {
					c.FormSubmitter = d.Data[0]
				}
			}
			s.emitLocked(c, fx, "CASE_DECLARED", "", nil)
			s.setStatusLocked(c, fx, qProcessingDetails, "case_declared")
			if !c.hasCheck("signatory") || s.newContractLocked(c, fx, now) == nil {
				s.startChecksLocked(c, fx, now)
			}
		} else if c.Status == qFormNotStarted {
			s.setStatusLocked(c, fx, qFormInProgress, "declaration_updated")
		}
		return c, nil
	})
}

// startChecksLocked marks the checks as running and has them finish after ChecksDelay.
func (s *Sim) startChecksLocked(c *qCase, fx *qFx, now time.Time) {
	c.setChecksStatus("IN_PROGRESS", now)
	id := c.ID
	fx.later = append(fx.later, func() { s.core.Step(s.cfg.ChecksDelay, func() { s.checksDone(id) }) })
}

// checksDone runs the checks and moves the case to READY_FOR_REVIEW.
func (s *Sim) checksDone(caseID string) {
	_ = s.change(func(fx *qFx, now time.Time) (*qCase, error) {
		c := s.cases[caseID]
		if c == nil || c.Status != qProcessingDetails {
			return nil, nil
		}
		s.runChecksLocked(c, now)
		s.emitLocked(c, fx, "CASE_CHECKS_COMPLETED", "", nil)
		s.setStatusLocked(c, fx, qReadyForReview, "checks_completed")
		return c, nil
	})
}

// setStatusLocked changes the status and records CASE_STATUS_UPDATED; it reports
// whether the status changed.
func (s *Sim) setStatusLocked(c *qCase, fx *qFx, status, reason string) bool {
	if c.Status == status {
		return false
	}
	now := s.core.Now()
	c.Status, c.StatusUpdatedReason, c.StatusUpdatedAt, c.UpdatedAt = status, reason, now, now
	s.emitLocked(c, fx, "CASE_STATUS_UPDATED", status, nil)
	return true
}

// emitLocked records an event on the case and, unless it is CASE_CREATED or fx is
// nil, queues it as a webhook.
func (s *Sim) emitLocked(c *qCase, fx *qFx, typ, sub string, contract map[string]any) qEvent {
	s.eventSeq++
	ev := qEvent{
		ID:           fmt.Sprintf("%s.event.%d", s.cfg.AccountID, 1_000_000_000+s.eventSeq),
		Type:         typ,
		SubEventType: sub,
		CreatedAt:    s.core.Now().Format(time.RFC3339Nano),
		CreatedBy:    "api.SANDBOX",
		Case:         c.summary(),
		Contract:     contract,
	}
	c.Events = append(c.Events, ev)
	if fx != nil && typ != "CASE_CREATED" {
		fx.hooks = append(fx.hooks, ev)
	}
	return ev
}

// flush sends the queued webhooks, then runs the follow-up work. Call without s.mu.
func (s *Sim) flush(c *qCase, fx *qFx) {
	for i := range fx.hooks {
		s.notify(c, &fx.hooks[i])
	}
	for _, f := range fx.later {
		f()
	}
}

// notify sends the event to the case's callback URL.
func (s *Sim) notify(c *qCase, ev *qEvent) {
	if ev == nil || c.CallbackURL == "" {
		return
	}
	s.core.Webhook("quickr", c.CallbackURL, c.Reference, ev.Type, ev)
}

// listEvents: GET /cases/{cid}/events, oldest first, type filter (repeated, like every
// array parameter of the seed; type[] is a 400), paginated.
func (s *Sim) listEvents(w http.ResponseWriter, r *http.Request) {
	now := s.core.Now()
	s.mu.Lock()
	c, ok := s.cases[r.PathValue("cid")]
	var events []qEvent
	fx := &qFx{}
	if ok {
		s.sweepLocked(c, fx, now)
		events = append(events, c.Events...)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "case_not_found", "no case with id "+r.PathValue("cid"))
		return
	}
	s.flush(c, fx)
	if _, ok := r.URL.Query()["type[]"]; ok {
		writeError(w, http.StatusBadRequest, "validation_error", "type is an array parameter: repeat it (type=A&type=B), no []")
		return
	}
	if types := r.URL.Query()["type"]; len(types) > 0 {
		var kept []qEvent
		for _, e := range events {
			if slices.Contains(types, e.Type) {
				kept = append(kept, e)
			}
		}
		events = kept
	}
	page, cursor, ok := pageOf(w, r, events, func(e qEvent) string { return e.ID })
	if !ok {
		return
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"data": page, "pagination": map[string]any{"cursor": cursor}})
}
