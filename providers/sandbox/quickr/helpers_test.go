package quickr_test

import (
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/providers/sandbox/sandboxtest"
)

// qtEnv is one fresh sandbox (the shared harness) with a Quickr token and a webhook
// receiver. Tests talk raw HTTP here; the quickr client's contract tests live in
// providers/quickr.
type qtEnv struct {
	*sandboxtest.Env
	t     *testing.T
	token string
	hooks *sandboxtest.Receiver
}

func qtNew(t *testing.T, mutate func(*sandbox.Config)) *qtEnv {
	t.Helper()
	env := sandboxtest.New(t, func(c *sandbox.Config) {
		c.ContractTTL = 30 * 24 * time.Hour
		if mutate != nil {
			mutate(c)
		}
	})
	e := &qtEnv{Env: env, t: t, hooks: sandboxtest.Webhooks(t, env)}
	e.login()
	return e
}

// login fetches a fresh access token (tokens live an hour on the sandbox clock).
func (e *qtEnv) login() {
	e.t.Helper()
	st, tok := e.Send(e.t, http.MethodPost, "/quickr/v2/accounts/TQ1234567/auth/token", nil,
		map[string]string{"Authorization": "Bearer " + e.Creds.QuickrAPIKey})
	require.Equal(e.t, http.StatusOK, st, tok)
	e.token = tok["access_token"].(string)
}

// send calls path on the sandbox with a JSON body, with the token when auth.
func (e *qtEnv) send(method, path string, body any, auth bool) (int, map[string]any) {
	e.t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	if auth {
		h["Authorization"] = "Bearer " + e.token
	}
	return e.Send(e.t, method, path, body, h)
}

// api calls /quickr/v2/accounts/TQ1234567{path} with the token.
func (e *qtEnv) api(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	st, out := e.send(method, "/quickr/v2/accounts/TQ1234567"+path, body, true)
	if st == http.StatusUnauthorized {
		e.login()
		st, out = e.send(method, "/quickr/v2/accounts/TQ1234567"+path, body, true)
	}
	return st, out
}

// control calls /control/quickr/cases/{ref}/{step}.
func (e *qtEnv) control(ref, step string, body any) (int, map[string]any) {
	e.t.Helper()
	return e.send(http.MethodPost, "/control/quickr/cases/"+ref+"/"+step, body, false)
}

func (e *qtEnv) mustControl(ref, step string, body any) map[string]any {
	e.t.Helper()
	st, out := e.control(ref, step, body)
	require.Equal(e.t, http.StatusOK, st, "%s %s: %v", ref, step, out)
	return out
}

func (e *qtEnv) getCase(id string) map[string]any {
	e.t.Helper()
	st, out := e.api(http.MethodGet, "/cases/"+id, nil)
	require.Equal(e.t, http.StatusOK, st, out)
	return out
}

// qtCaseBody is a case for org with the given checks and every section the checks need.
func qtCaseBody(ref, org string, checks ...string) map[string]any {
	var cs []map[string]any
	for _, c := range checks {
		cs = append(cs, map[string]any{"type": c})
	}
	return map[string]any{
		"actions":   []string{"request_declaration", "enable_signing_notifications"},
		"reference": ref,
		"prefills":  []any{map[string]any{"type": "company", "data": []any{map[string]any{"organization_number": org, "country": "NO"}}}},
		"sections": []any{
			map[string]any{"type": "company"}, map[string]any{"type": "signatory"},
			map[string]any{"type": "ultimate_beneficial_ownership"}, map[string]any{"type": "bank_account"},
			map[string]any{"type": "payment_information"},
		},
		"checks": cs,
		"urls":   map[string]any{"callback_url": ""},
	}
}

// create makes a case and returns its id.
func (e *qtEnv) create(ref, org string, checks ...string) string {
	e.t.Helper()
	body := qtCaseBody(ref, org, checks...)
	body["urls"] = map[string]any{"callback_url": e.hooks.URL}
	st, out := e.api(http.MethodPost, "/cases", body)
	require.Equal(e.t, http.StatusOK, st, out)
	return out["id"].(string)
}

var qtAllChecks = []string{"company", "sanction", "politically_exposed_person", "ultimate_beneficial_ownership", "bank_account", "credit_score", "signatory"}

// qtFlags returns the sorted flag codes of every check of type typ.
func qtFlags(doc map[string]any, typ string) []string {
	codes := []string{}
	for _, ch := range doc["checks"].([]any) {
		m := ch.(map[string]any)
		if m["type"] != typ {
			continue
		}
		for _, d := range m["data"].([]any) {
			for _, f := range d.(map[string]any)["flags"].([]any) {
				codes = append(codes, f.(map[string]any)["code"].(string))
			}
		}
	}
	sort.Strings(codes)
	return codes
}

// qtCheckStatuses returns the statuses of a check's data items.
func qtCheckStatuses(doc map[string]any, typ string) []string {
	var out []string
	for _, ch := range doc["checks"].([]any) {
		m := ch.(map[string]any)
		if m["type"] == typ {
			for _, d := range m["data"].([]any) {
				out = append(out, d.(map[string]any)["status"].(string))
			}
		}
	}
	return out
}

// qtCheckData returns a check's data items.
func qtCheckData(doc map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, ch := range doc["checks"].([]any) {
		m := ch.(map[string]any)
		if m["type"] == typ {
			for _, d := range m["data"].([]any) {
				out = append(out, d.(map[string]any))
			}
		}
	}
	return out
}

// qtContractItems flattens contracts[].data[].
func qtContractItems(doc map[string]any) []map[string]any {
	var out []map[string]any
	for _, g := range doc["contracts"].([]any) {
		for _, it := range g.(map[string]any)["data"].([]any) {
			out = append(out, it.(map[string]any))
		}
	}
	return out
}

func qtContractID(t *testing.T, doc map[string]any) string {
	t.Helper()
	items := qtContractItems(doc)
	require.NotEmpty(t, items, "case has no contract")
	return items[0]["id"].(string)
}

func qtContractStatus(t *testing.T, doc map[string]any) string {
	t.Helper()
	items := qtContractItems(doc)
	require.NotEmpty(t, items, "case has no contract")
	return items[0]["contract_status"].(string)
}

// qtEventTypes lists the case's event types, oldest first.
func (e *qtEnv) eventTypes(id string) []string {
	e.t.Helper()
	st, out := e.api(http.MethodGet, "/cases/"+id+"/events?limit=100", nil)
	require.Equal(e.t, http.StatusOK, st, out)
	var types []string
	for _, ev := range out["data"].([]any) {
		m := ev.(map[string]any)
		t := m["type"].(string)
		if sub, _ := m["sub_event_type"].(string); sub != "" && t == "CASE_STATUS_UPDATED" {
			t += ":" + sub
		}
		types = append(types, t)
	}
	return types
}
