package quickr_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers/sandbox"
)

func TestQuickrAgentDecision(t *testing.T) {
	e := qtNew(t, nil)
	id := e.create("ad", "987654321", "company")
	e.mustControl(id, "declare", nil)

	for _, bad := range []any{
		map[string]any{},
		map[string]any{"determined_status": "APPROVED"},
		map[string]any{"determined_risk_level": "EXTREME"},
		"{",
	} {
		st, out := e.api(http.MethodPost, "/cases/"+id+"/agent-decisions", bad)
		require.Equal(t, http.StatusBadRequest, st, "%v: %v", bad, out)
	}
	st, _ := e.api(http.MethodPost, "/cases/TQ1234567.999999999/agent-decisions", map[string]any{"determined_status": "ACTIVE"})
	require.Equal(t, http.StatusNotFound, st)
	require.Equal(t, 0, e.SB.Counters().Get("ad", sandbox.CountDecisions))

	st, doc := e.api(http.MethodPost, "/cases/"+id+"/agent-decisions", map[string]any{"determined_status": "ACTIVE", "determined_risk_level": "LOW"})
	require.Equal(t, http.StatusOK, st, doc)
	require.Equal(t, "ACTIVE", doc["status"])
	require.Equal(t, "ACTIVE", doc["agent_determined_status"])
	require.Equal(t, "LOW", doc["agent_determined_risk_level"])
	require.Equal(t, "agent_decision", doc["status_updated_reason"])

	st, doc = e.api(http.MethodPost, "/cases/"+id+"/agent-decisions", map[string]any{"determined_risk_level": "HIGH"})
	require.Equal(t, http.StatusOK, st)
	require.Equal(t, "ACTIVE", doc["status"], "a risk-only decision keeps the status")
	require.Equal(t, "HIGH", doc["agent_determined_risk_level"])

	for i := 0; i < 2; i++ {
		st, doc = e.api(http.MethodPost, "/cases/"+id+"/agent-decisions", map[string]any{"determined_status": "ARCHIVED"})
		require.Equal(t, http.StatusOK, st, doc)
		require.Equal(t, "ARCHIVED", doc["status"])
	}
	st, _ = e.api(http.MethodPost, "/cases/"+id+"/agent-decisions", map[string]any{"determined_status": "ACTIVE"})
	require.Equal(t, http.StatusConflict, st, "archived is final")
	require.Equal(t, 4, e.SB.Counters().Get("ad", sandbox.CountDecisions))
	require.Equal(t, 1, e.SB.Counters().Get("ad", sandbox.CountArchived), "archiving twice archives once")

	evs := e.eventTypes(id)
	require.Equal(t, []string{"CASE_STATUS_UPDATED:ACTIVE", "CASE_STATUS_UPDATED:ARCHIVED"}, evs[len(evs)-2:])
}

func TestQuickrNotes(t *testing.T) {
	e := qtNew(t, nil)
	id := e.create("nt", "987654321", "company")
	for _, bad := range []any{
		map[string]any{},
		map[string]any{"body": "  "},
		map[string]any{"body": "x", "section": "nonsense"},
		map[string]any{"body": "x", "attachments": []any{}},
	} {
		st, out := e.api(http.MethodPost, "/cases/"+id+"/notes", bad)
		require.Equal(t, http.StatusBadRequest, st, "%v: %v", bad, out)
	}
	st, _ := e.api(http.MethodPost, "/cases/TQ1234567.999999999/notes", map[string]any{"body": "x"})
	require.Equal(t, http.StatusNotFound, st)

	var ids []string
	for i := 0; i < 3; i++ {
		st, n := e.api(http.MethodPost, "/cases/"+id+"/notes", map[string]any{
			"body": fmt.Sprintf("note %d", i), "section": "automation",
			"automation_action_changeset": []any{map[string]any{"id": "a", "type": "set_case_status", "changes": []any{}}},
		})
		require.Equal(t, http.StatusOK, st, n)
		require.Equal(t, "note", n["object"])
		require.Regexp(t, `^TQ1234567\.note\.\d+$`, n["id"])
		require.Len(t, n["automation_action_changeset"], 1)
		ids = append(ids, n["id"].(string))
	}
	st, n := e.api(http.MethodPost, "/cases/"+id+"/notes", map[string]any{"body": "default section"})
	require.Equal(t, http.StatusOK, st)
	require.Equal(t, "all_sections", n["section"])
	require.Equal(t, 4, e.SB.Counters().Get("nt", sandbox.CountNotes))

	st, page := e.api(http.MethodGet, "/cases/"+id+"/notes?limit=2", nil)
	require.Equal(t, http.StatusOK, st)
	require.Len(t, page["data"], 2)
	cursor := page["pagination"].(map[string]any)["cursor"].(string)
	require.Equal(t, ids[1], cursor)
	st, page = e.api(http.MethodGet, "/cases/"+id+"/notes?limit=2&starting_after="+cursor, nil)
	require.Equal(t, http.StatusOK, st)
	require.Len(t, page["data"], 2)
	require.Equal(t, "", page["pagination"].(map[string]any)["cursor"])
	st, _ = e.api(http.MethodGet, "/cases/"+id+"/notes?starting_after=nope", nil)
	require.Equal(t, http.StatusBadRequest, st)
	st, _ = e.api(http.MethodGet, "/cases/"+id+"/notes?limit=101", nil)
	require.Equal(t, http.StatusBadRequest, st)
}

func TestQuickrAutomations(t *testing.T) {
	e := qtNew(t, nil)
	valid := map[string]any{
		"name": "Auto approve",
		// The guide's key; stored under the reference's "triggers".
		"trigger": []any{map[string]any{"type": "case_status_updated", "status": "READY_FOR_REVIEW"}},
		"conditions": []any{map[string]any{"type": "or", "conditions": []any{
			map[string]any{"type": "equal", "field": "$.checks[?(@.type==='sanctions')].data[0].flags.length", "value": "0"},
			map[string]any{"type": "equal_to_null", "field": "$.checks[?(@.type==='sanctions')]"},
		}}},
		"actions":  []any{map[string]any{"type": "set_case_status", "status": "ACTIVE"}},
		"metadata": map[string]any{"team": "risk"},
	}
	bad := []map[string]any{
		{},
		{"name": "x", "triggers": []any{}, "conditions": []any{}, "actions": []any{map[string]any{"type": "set_case_status", "status": "ACTIVE"}}},
		{"name": "x", "triggers": []any{map[string]any{"type": "case_status_updated"}}, "actions": []any{map[string]any{"type": "set_case_status", "status": "ACTIVE"}}},
		{"name": "x", "triggers": []any{map[string]any{"type": "case_status_updated"}}, "conditions": []any{}, "actions": []any{}},
		{"name": "x", "triggers": []any{map[string]any{"type": "case_created"}}, "conditions": []any{}, "actions": []any{map[string]any{"type": "set_case_status", "status": "ACTIVE"}}},
		{"name": "x", "triggers": []any{map[string]any{"type": "case_status_updated"}}, "conditions": []any{map[string]any{"type": "contains", "field": "$.x", "value": "1"}}, "actions": []any{map[string]any{"type": "set_case_status", "status": "ACTIVE"}}},
		{"name": "x", "triggers": []any{map[string]any{"type": "case_status_updated"}}, "conditions": []any{map[string]any{"type": "and", "conditions": []any{}}}, "actions": []any{map[string]any{"type": "set_case_status", "status": "ACTIVE"}}},
		{"name": "x", "triggers": []any{map[string]any{"type": "case_status_updated"}}, "conditions": []any{map[string]any{"type": "equal", "field": "$.x"}}, "actions": []any{map[string]any{"type": "set_case_status", "status": "ACTIVE"}}},
		{"name": "x", "triggers": []any{map[string]any{"type": "case_status_updated"}}, "conditions": []any{map[string]any{"type": "every", "field": "$.x"}}, "actions": []any{map[string]any{"type": "set_case_status", "status": "ACTIVE"}}},
		{"name": "x", "triggers": []any{map[string]any{"type": "case_status_updated"}}, "conditions": []any{}, "actions": []any{map[string]any{"type": "set_case_status", "status": "APPROVED"}}},
	}
	for i, b := range bad {
		st, out := e.api(http.MethodPost, "/automations", b)
		require.Equal(t, http.StatusBadRequest, st, "case %d: %v", i, out)
		require.Equal(t, "validation_error", out["error"].(map[string]any)["code"], "case %d", i)
	}
	st, a := e.api(http.MethodPost, "/automations", valid)
	require.Equal(t, http.StatusOK, st, a)
	require.Equal(t, "automation", a["object"])
	require.Equal(t, "TQ1234567", a["account_id"])
	require.Regexp(t, `^TQ1234567\.automation\.\d+$`, a["id"])
	require.NotContains(t, a, "trigger")
	require.Len(t, a["triggers"], 1)
	aid := a["id"].(string)

	st, got := e.api(http.MethodGet, "/automations/"+aid, nil)
	require.Equal(t, http.StatusOK, st)
	require.Equal(t, a, got)

	upd := map[string]any{"name": "Renamed", "triggers": valid["trigger"], "conditions": []any{}, "actions": valid["actions"]}
	st, u := e.api(http.MethodPut, "/automations/"+aid, upd)
	require.Equal(t, http.StatusOK, st, u)
	require.Equal(t, "Renamed", u["name"])
	require.Equal(t, a["created_at"], u["created_at"])
	require.NotContains(t, u, "metadata", "PUT replaces the definition")
	st, _ = e.api(http.MethodPut, "/automations/TQ1234567.automation.1", upd)
	require.Equal(t, http.StatusNotFound, st)
	st, _ = e.api(http.MethodPut, "/automations/"+aid, map[string]any{"name": "x"})
	require.Equal(t, http.StatusBadRequest, st)
	st, _ = e.api(http.MethodGet, "/automations/TQ1234567.automation.1", nil)
	require.Equal(t, http.StatusNotFound, st)

	for i := 0; i < 2; i++ {
		st, _ := e.api(http.MethodPost, "/automations", valid)
		require.Equal(t, http.StatusOK, st)
	}
	st, page := e.api(http.MethodGet, "/automations?limit=2", nil)
	require.Equal(t, http.StatusOK, st)
	require.Len(t, page["data"], 2)
	require.Equal(t, aid, page["data"].([]any)[0].(map[string]any)["id"])
	cursor := page["pagination"].(map[string]any)["cursor"].(string)
	st, page = e.api(http.MethodGet, "/automations?limit=2&starting_after="+cursor, nil)
	require.Equal(t, http.StatusOK, st)
	require.Len(t, page["data"], 1)
	require.Equal(t, "", page["pagination"].(map[string]any)["cursor"])
}

func TestQuickrEventsPagination(t *testing.T) {
	e := qtNew(t, nil)
	id := e.create("ev", "987654321", "signatory", "company")
	e.mustControl(id, "declare", nil)
	e.mustControl(id, "sign", nil)
	all := e.eventTypes(id)
	require.Len(t, all, 10)

	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10)
		path := "/cases/" + id + "/events?limit=3"
		if cursor != "" {
			path += "&starting_after=" + cursor
		}
		st, page := e.api(http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, st, page)
		for _, ev := range page["data"].([]any) {
			seen = append(seen, ev.(map[string]any)["id"].(string))
		}
		cursor = page["pagination"].(map[string]any)["cursor"].(string)
		if cursor == "" {
			break
		}
	}
	require.Len(t, seen, 10)

	st, page := e.api(http.MethodGet, "/cases/"+id+"/events?type=SIGNATORY_SIGNED&type=CONTRACT_SIGNED", nil)
	require.Equal(t, http.StatusOK, st)
	require.Len(t, page["data"], 4)
	ev := page["data"].([]any)[3].(map[string]any)
	require.Equal(t, "CONTRACT_SIGNED", ev["type"])
	require.Equal(t, "signed", ev["sub_event_type"])
	require.Equal(t, "signed", ev["contract"].(map[string]any)["status"])
	require.Equal(t, id, ev["case"].(map[string]any)["id"])
	require.NotContains(t, ev["case"], "reference", "the seed's events carry no reference")

	st, _ = e.api(http.MethodGet, "/cases/"+id+"/events?type[]=CONTRACT_SIGNED", nil)
	require.Equal(t, http.StatusBadRequest, st, "type is repeated, never type[]")

	st, _ = e.api(http.MethodGet, "/cases/TQ1234567.999999999/events", nil)
	require.Equal(t, http.StatusNotFound, st)
}

// Injected faults answer in Quickr's error shape with Retry-After.
func TestQuickrFaultShape(t *testing.T) {
	e := qtNew(t, nil)
	st, _ := e.send(http.MethodPut, e.Srv.URL+"/control/faults", map[string]any{"quickr": map[string]any{"rateLimit": 1, "retryAfter": 7e9}}, false)
	require.Equal(t, http.StatusOK, st)
	req, _ := http.NewRequest(http.MethodGet, e.Srv.URL+"/quickr/v2/accounts/TQ1234567/automations", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Equal(t, "7", resp.Header.Get("Retry-After"))
}
