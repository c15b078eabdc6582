package quickr

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
)

// Agent decisions and notes.

var agentStatuses = map[string]bool{
	"ACTIVE": true, "ARCHIVED": true, "DECLINED": true, "READY_FOR_REVIEW": true, "REVIEW_IN_PROGRESS": true,
	"SUSPENDED": true, "WAITING_FOR_DETAILS": true, "FORM_NOT_STARTED": true, "FORM_IN_PROGRESS": true,
}

var riskLevels = map[string]bool{"LOW": true, "MEDIUM": true, "HIGH": true}

// agentDecision: POST /cases/{cid}/agent-decisions {determined_status?, determined_risk_level?}
func (s *Sim) agentDecision(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status string `json:"determined_status"`
		Risk   string `json:"determined_risk_level"`
	}
	if err := core.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "body is not valid JSON: "+err.Error())
		return
	}
	switch {
	case in.Status == "" && in.Risk == "":
		writeError(w, http.StatusBadRequest, "validation_error", "determined_status or determined_risk_level is required")
		return
	case in.Status != "" && !agentStatuses[in.Status]:
		writeError(w, http.StatusBadRequest, "validation_error", "unknown determined_status "+in.Status)
		return
	case in.Risk != "" && !riskLevels[in.Risk]:
		writeError(w, http.StatusBadRequest, "validation_error", "determined_risk_level must be LOW, MEDIUM or HIGH")
		return
	}
	var doc map[string]any
	err := s.change(func(fx *qFx, now time.Time) (*qCase, error) {
		c := s.cases[r.PathValue("cid")]
		if c == nil {
			return nil, qNotFound("case_not_found", "no case with id "+r.PathValue("cid"))
		}
		if c.Status == qArchived && in.Status != "" && in.Status != qArchived {
			return nil, qConflict("case_archived", "case "+c.ID+" is archived")
		}
		s.sweepLocked(c, fx, now)
		if in.Risk != "" {
			c.AgentRisk = in.Risk
		}
		s.core.Counters().Add(c.Reference, CountDecisions)
		if in.Status != "" {
			c.AgentStatus = in.Status
			if s.setStatusLocked(c, fx, in.Status, "agent_decision") && in.Status == qArchived {
				s.core.Counters().Add(c.Reference, CountArchived)
			}
			if in.Status == qDeclined || in.Status == qArchived {
				s.closeLocked(c, fx, now)
			}
		}
		c.UpdatedAt = now
		doc = c.doc(now)
		return c, nil
	})
	writeDoc(w, doc, err)
}

var noteSections = map[string]bool{
	"all_sections": true, "case_approved": true, "case_declined": true, "credit_score": true, "agreement": true,
	"bank_account": true, "company": true, "form_submitter": true, "payment_information": true,
	"politically_exposed_person": true, "product_service": true, "signatory": true,
	"ultimate_beneficial_ownership": true, "agent-edits": true, "adverse-media": true, "automation": true,
}

// createNote: POST /cases/{cid}/notes {body, section?, attachments?, automation_action_changeset?}
func (s *Sim) createNote(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body        *string          `json:"body"`
		Section     string           `json:"section"`
		Attachments []map[string]any `json:"attachments"`
		Changeset   []map[string]any `json:"automation_action_changeset"`
	}
	if err := core.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "body is not valid JSON: "+err.Error())
		return
	}
	if in.Body == nil || strings.TrimSpace(*in.Body) == "" {
		writeError(w, http.StatusBadRequest, "validation_error", "body is required")
		return
	}
	if in.Section == "" {
		in.Section = "all_sections"
	}
	if !noteSections[in.Section] {
		writeError(w, http.StatusBadRequest, "validation_error", "unknown note section "+in.Section)
		return
	}
	if in.Attachments != nil && len(in.Attachments) == 0 {
		writeError(w, http.StatusBadRequest, "validation_error", "attachments must be non-empty when given")
		return
	}
	now := s.core.Now().Format(time.RFC3339Nano)
	s.mu.Lock()
	c := s.cases[r.PathValue("cid")]
	if c == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "case_not_found", "no case with id "+r.PathValue("cid"))
		return
	}
	s.noteSeq++
	note := map[string]any{
		"object":                      "note",
		"id":                          fmt.Sprintf("%s.note.%d", s.cfg.AccountID, 1_000_000_000+s.noteSeq),
		"account_id":                  s.cfg.AccountID,
		"created_by":                  "api.SANDBOX",
		"created_at":                  now,
		"updated_by":                  "api.SANDBOX",
		"updated_at":                  now,
		"body":                        *in.Body,
		"section":                     in.Section,
		"attachments":                 core.NonNil(in.Attachments),
		"agent_edits_changeset":       []any{},
		"automation_action_changeset": core.NonNil(in.Changeset),
	}
	c.Notes = append(c.Notes, note)
	ref := c.Reference
	s.mu.Unlock()
	s.core.Counters().Add(ref, CountNotes)
	core.WriteJSON(w, http.StatusOK, note)
}

// listNotes: GET /cases/{cid}/notes, oldest first, paginated.
func (s *Sim) listNotes(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c := s.cases[r.PathValue("cid")]
	var notes []map[string]any
	if c != nil {
		notes = append(notes, c.Notes...)
	}
	s.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "case_not_found", "no case with id "+r.PathValue("cid"))
		return
	}
	page, cursor, ok := pageOf(w, r, notes, func(n map[string]any) string { return n["id"].(string) })
	if !ok {
		return
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"data": page, "pagination": map[string]any{"cursor": cursor}})
}
