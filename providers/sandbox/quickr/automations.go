package quickr

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
)

// Automations: stored and validated, never evaluated (the engine evaluates them).

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
	if err := core.ReadJSON(r, &in); err != nil || in == nil {
		msg := "body must be a JSON object"
		if err != nil {
			msg += ": " + err.Error()
		}
		writeError(w, http.StatusBadRequest, "invalid_request", msg)
		return nil, false
	}
	if problems := validateAutomation(in); len(problems) > 0 {
		core.WriteJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
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

// createAutomation: POST /automations
func (s *Sim) createAutomation(w http.ResponseWriter, r *http.Request) {
	a, ok := automationBody(w, r)
	if !ok {
		return
	}
	now := s.core.Now().Format(time.RFC3339Nano)
	s.mu.Lock()
	s.autoSeq++
	aid := s.cfg.AccountID
	a["object"], a["id"], a["account_id"] = "automation", fmt.Sprintf("%s.automation.%d", aid, 10_000_000+s.autoSeq), aid
	a["created_by"], a["created_at"], a["updated_by"], a["updated_at"] = "api.SANDBOX", now, "api.SANDBOX", now
	s.automations[a["id"].(string)] = a
	s.autoOrder = append(s.autoOrder, a["id"].(string))
	out := core.CopyMap(a)
	s.mu.Unlock()
	core.WriteJSON(w, http.StatusOK, out)
}

// updateAutomation: PUT /automations/{atid} replaces the definition.
func (s *Sim) updateAutomation(w http.ResponseWriter, r *http.Request) {
	a, ok := automationBody(w, r)
	if !ok {
		return
	}
	now := s.core.Now().Format(time.RFC3339Nano)
	s.mu.Lock()
	old, found := s.automations[r.PathValue("atid")]
	if !found {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "automation_not_found", "no automation with id "+r.PathValue("atid"))
		return
	}
	for _, k := range []string{"object", "id", "account_id", "created_by", "created_at"} {
		a[k] = old[k]
	}
	a["updated_by"], a["updated_at"] = "api.SANDBOX", now
	s.automations[r.PathValue("atid")] = a
	out := core.CopyMap(a)
	s.mu.Unlock()
	core.WriteJSON(w, http.StatusOK, out)
}

// getAutomation: GET /automations/{atid}
func (s *Sim) getAutomation(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("atid")
	doc := core.Locked(&s.mu, func() map[string]any {
		if a, ok := s.automations[id]; ok {
			return core.CopyMap(a)
		}
		return nil
	})
	core.WriteFound(w, doc, func(w http.ResponseWriter) {
		writeError(w, http.StatusNotFound, "automation_not_found", "no automation with id "+id)
	})
}

// listAutomations: GET /automations, creation order, paginated.
func (s *Sim) listAutomations(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	list := make([]map[string]any, 0, len(s.autoOrder))
	for _, id := range s.autoOrder {
		list = append(list, core.CopyMap(s.automations[id]))
	}
	s.mu.Unlock()
	page, cursor, ok := pageOf(w, r, list, func(a map[string]any) string { return a["id"].(string) })
	if !ok {
		return
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"data": page, "pagination": map[string]any{"cursor": cursor}})
}
