package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Quickr agent decisions, notes and automations.

var agentStatuses = map[string]bool{
	"ACTIVE": true, "ARCHIVED": true, "DECLINED": true, "READY_FOR_REVIEW": true, "REVIEW_IN_PROGRESS": true,
	"SUSPENDED": true, "WAITING_FOR_DETAILS": true, "FORM_NOT_STARTED": true, "FORM_IN_PROGRESS": true,
}

var riskLevels = map[string]bool{"LOW": true, "MEDIUM": true, "HIGH": true}

// quickrAgentDecision: POST /cases/{cid}/agent-decisions {determined_status?, determined_risk_level?}
func (s *Server) quickrAgentDecision(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Status string `json:"determined_status"`
		Risk   string `json:"determined_risk_level"`
	}
	if err := readJSON(r, &in); err != nil {
		writeQuickrError(w, http.StatusBadRequest, "invalid_request", "body is not valid JSON: "+err.Error())
		return
	}
	switch {
	case in.Status == "" && in.Risk == "":
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "determined_status or determined_risk_level is required")
		return
	case in.Status != "" && !agentStatuses[in.Status]:
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "unknown determined_status "+in.Status)
		return
	case in.Risk != "" && !riskLevels[in.Risk]:
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "determined_risk_level must be LOW, MEDIUM or HIGH")
		return
	}
	now := s.clock.Now()
	fx := &qFx{}
	s.mu.Lock()
	c := s.quickr.cases[r.PathValue("cid")]
	var doc map[string]any
	archived := false
	err := func() error {
		if c == nil {
			return qNotFound("case_not_found", "no case with id "+r.PathValue("cid"))
		}
		if c.Status == qArchived && in.Status != "" && in.Status != qArchived {
			return qConflict("case_archived", "case "+c.ID+" is archived")
		}
		s.quickrSweepLocked(c, fx, now)
		if in.Risk != "" {
			c.AgentRisk = in.Risk
		}
		if in.Status != "" {
			c.AgentStatus = in.Status
			archived = s.quickrSetStatusLocked(c, fx, in.Status, "agent_decision") && in.Status == qArchived
			if in.Status == qDeclined || in.Status == qArchived {
				s.quickrCloseLocked(c, fx, now)
			}
		}
		c.UpdatedAt = now
		doc = c.doc(now)
		return nil
	}()
	s.mu.Unlock()
	if err != nil {
		writeQErr(w, err)
		return
	}
	s.counters.Add(c.Reference, CountDecisions)
	if archived {
		s.counters.Add(c.Reference, CountArchived)
	}
	s.quickrFlush(c, fx)
	writeJSON(w, http.StatusOK, doc)
}

var noteSections = map[string]bool{
	"all_sections": true, "case_approved": true, "case_declined": true, "credit_score": true, "agreement": true,
	"bank_account": true, "company": true, "form_submitter": true, "payment_information": true,
	"politically_exposed_person": true, "product_service": true, "signatory": true,
	"ultimate_beneficial_ownership": true, "agent-edits": true, "adverse-media": true, "automation": true,
}

// quickrCreateNote: POST /cases/{cid}/notes {body, section?, attachments?, automation_action_changeset?}
func (s *Server) quickrCreateNote(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body        *string          `json:"body"`
		Section     string           `json:"section"`
		Attachments []map[string]any `json:"attachments"`
		Changeset   []map[string]any `json:"automation_action_changeset"`
	}
	if err := readJSON(r, &in); err != nil {
		writeQuickrError(w, http.StatusBadRequest, "invalid_request", "body is not valid JSON: "+err.Error())
		return
	}
	if in.Body == nil || strings.TrimSpace(*in.Body) == "" {
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "body is required")
		return
	}
	if in.Section == "" {
		in.Section = "all_sections"
	}
	if !noteSections[in.Section] {
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "unknown note section "+in.Section)
		return
	}
	if in.Attachments != nil && len(in.Attachments) == 0 {
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "attachments must be non-empty when given")
		return
	}
	now := s.clock.Now().Format(time.RFC3339Nano)
	s.mu.Lock()
	c := s.quickr.cases[r.PathValue("cid")]
	if c == nil {
		s.mu.Unlock()
		writeQuickrError(w, http.StatusNotFound, "case_not_found", "no case with id "+r.PathValue("cid"))
		return
	}
	s.quickr.noteSeq++
	note := map[string]any{
		"object":                      "note",
		"id":                          fmt.Sprintf("%s.note.%d", s.cfg.Credentials.QuickrAccountID, 1_000_000_000+s.quickr.noteSeq),
		"account_id":                  s.cfg.Credentials.QuickrAccountID,
		"created_by":                  "api.SANDBOX",
		"created_at":                  now,
		"updated_by":                  "api.SANDBOX",
		"updated_at":                  now,
		"body":                        *in.Body,
		"section":                     in.Section,
		"attachments":                 nonNilMaps(in.Attachments),
		"agent_edits_changeset":       []any{},
		"automation_action_changeset": nonNilMaps(in.Changeset),
	}
	c.Notes = append(c.Notes, note)
	ref := c.Reference
	s.mu.Unlock()
	s.counters.Add(ref, CountNotes)
	writeJSON(w, http.StatusOK, note)
}

// quickrListNotes: GET /cases/{cid}/notes, oldest first, paginated.
func (s *Server) quickrListNotes(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c := s.quickr.cases[r.PathValue("cid")]
	var notes []map[string]any
	if c != nil {
		notes = append(notes, c.Notes...)
	}
	s.mu.Unlock()
	if c == nil {
		writeQuickrError(w, http.StatusNotFound, "case_not_found", "no case with id "+r.PathValue("cid"))
		return
	}
	page, cursor, ok := quickrPage(w, r, notes, func(n map[string]any) string { return n["id"].(string) })
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": page, "pagination": map[string]any{"cursor": cursor}})
}

var (
	automationTriggers   = map[string]bool{"case_status_updated": true, "case_status_change": true}
	automationConditions = map[string]bool{"equal": true, "greater_than_or_equal": true, "every": true, "and": true, "or": true, "equal_to_null": true}
	automationActions    = map[string]bool{"set_case_status": true, "set_check_status": true}
)

// validateAutomation checks the required fields and known types, normalising "trigger" to
// "triggers". It returns the problems found.
func validateAutomation(in map[string]any) []string {
	var problems []string
	if name, _ := in["name"].(string); strings.TrimSpace(name) == "" {
		problems = append(problems, "name is required")
	}
	if _, ok := in["triggers"]; !ok {
		if t, ok := in["trigger"]; ok {
			in["triggers"] = t
		}
	}
	delete(in, "trigger")
	triggers, _ := in["triggers"].([]any)
	if len(triggers) == 0 {
		problems = append(problems, "triggers must be a non-empty array")
	}
	for i, t := range triggers {
		m, _ := t.(map[string]any)
		typ, _ := m["type"].(string)
		if !automationTriggers[typ] {
			problems = append(problems, fmt.Sprintf("triggers[%d].type must be case_status_updated", i))
		}
		if st, ok := m["status"].(string); ok && !agentStatuses[st] && st != qProcessingDetails {
			problems = append(problems, fmt.Sprintf("triggers[%d].status %q is not a case status", i, st))
		}
	}
	conds, ok := in["conditions"].([]any)
	if !ok {
		problems = append(problems, "conditions must be an array (it may be empty)")
	}
	var walk func(path string, cs []any)
	walk = func(path string, cs []any) {
		for i, c := range cs {
			p := fmt.Sprintf("%s[%d]", path, i)
			m, _ := c.(map[string]any)
			typ, _ := m["type"].(string)
			if !automationConditions[typ] {
				problems = append(problems, p+".type is not a known condition type")
				continue
			}
			switch typ {
			case "and", "or":
				nested, _ := m["conditions"].([]any)
				if len(nested) == 0 {
					problems = append(problems, p+".conditions must be a non-empty array")
				}
				walk(p+".conditions", nested)
			case "every":
				if f, _ := m["field"].(string); f == "" {
					problems = append(problems, p+".field is required")
				}
				if f, _ := m["path"].(string); f == "" {
					problems = append(problems, p+".path is required")
				}
			case "equal_to_null":
				if f, _ := m["field"].(string); f == "" {
					problems = append(problems, p+".field is required")
				}
			default:
				if f, _ := m["field"].(string); f == "" {
					problems = append(problems, p+".field is required")
				}
				if _, ok := m["value"]; !ok {
					problems = append(problems, p+".value is required")
				}
			}
		}
	}
	walk("conditions", conds)
	actions, _ := in["actions"].([]any)
	if len(actions) == 0 {
		problems = append(problems, "actions must be a non-empty array")
	}
	for i, a := range actions {
		m, _ := a.(map[string]any)
		typ, _ := m["type"].(string)
		if !automationActions[typ] {
			problems = append(problems, fmt.Sprintf("actions[%d].type must be set_case_status or set_check_status", i))
			continue
		}
		if st, _ := m["status"].(string); typ == "set_case_status" && !agentStatuses[st] {
			problems = append(problems, fmt.Sprintf("actions[%d].status must be a case status", i))
		}
	}
	return problems
}

// automationBody reads and validates an automation body; it answers 400 itself.
func automationBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	var in map[string]any
	if err := readJSON(r, &in); err != nil || in == nil {
		msg := "body must be a JSON object"
		if err != nil {
			msg += ": " + err.Error()
		}
		writeQuickrError(w, http.StatusBadRequest, "invalid_request", msg)
		return nil, false
	}
	if problems := validateAutomation(in); len(problems) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
			"code": "validation_error", "message": strings.Join(problems, "; "), "errors": problems,
		}})
		return nil, false
	}
	out := map[string]any{}
	for _, k := range []string{"name", "description", "triggers", "conditions", "actions", "metadata"} {
		if v, ok := in[k]; ok {
			out[k] = v
		}
	}
	return out, true
}

// quickrCreateAutomation: POST /automations
func (s *Server) quickrCreateAutomation(w http.ResponseWriter, r *http.Request) {
	a, ok := automationBody(w, r)
	if !ok {
		return
	}
	now := s.clock.Now().Format(time.RFC3339Nano)
	s.mu.Lock()
	s.quickr.autoSeq++
	aid := s.cfg.Credentials.QuickrAccountID
	a["object"], a["id"], a["account_id"] = "automation", fmt.Sprintf("%s.automation.%d", aid, 10_000_000+s.quickr.autoSeq), aid
	a["created_by"], a["created_at"], a["updated_by"], a["updated_at"] = "api.SANDBOX", now, "api.SANDBOX", now
	s.quickr.automations[a["id"].(string)] = a
	s.quickr.autoOrder = append(s.quickr.autoOrder, a["id"].(string))
	out := copyMap(a)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// quickrUpdateAutomation: PUT /automations/{atid} replaces the definition.
func (s *Server) quickrUpdateAutomation(w http.ResponseWriter, r *http.Request) {
	a, ok := automationBody(w, r)
	if !ok {
		return
	}
	now := s.clock.Now().Format(time.RFC3339Nano)
	s.mu.Lock()
	old, found := s.quickr.automations[r.PathValue("atid")]
	if !found {
		s.mu.Unlock()
		writeQuickrError(w, http.StatusNotFound, "automation_not_found", "no automation with id "+r.PathValue("atid"))
		return
	}
	for _, k := range []string{"object", "id", "account_id", "created_by", "created_at"} {
		a[k] = old[k]
	}
	a["updated_by"], a["updated_at"] = "api.SANDBOX", now
	s.quickr.automations[r.PathValue("atid")] = a
	out := copyMap(a)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// quickrGetAutomation: GET /automations/{atid}
func (s *Server) quickrGetAutomation(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a, ok := s.quickr.automations[r.PathValue("atid")]
	var out map[string]any
	if ok {
		out = copyMap(a)
	}
	s.mu.Unlock()
	if !ok {
		writeQuickrError(w, http.StatusNotFound, "automation_not_found", "no automation with id "+r.PathValue("atid"))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// quickrListAutomations: GET /automations, creation order, paginated.
func (s *Server) quickrListAutomations(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	list := make([]map[string]any, 0, len(s.quickr.autoOrder))
	for _, id := range s.quickr.autoOrder {
		list = append(list, copyMap(s.quickr.automations[id]))
	}
	s.mu.Unlock()
	page, cursor, ok := quickrPage(w, r, list, func(a map[string]any) string { return a["id"].(string) })
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": page, "pagination": map[string]any{"cursor": cursor}})
}

// copyMap is a shallow copy, so a response is never encoded while another request changes
// the stored map.
func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
