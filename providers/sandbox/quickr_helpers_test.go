package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers/sandbox"
)

// qtT0 is where every Quickr sandbox test's manual clock starts.
var qtT0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// qtEnv is one fresh sandbox with a Quickr token and a webhook receiver. Tests talk raw HTTP
// here; the quickr client's contract tests live in providers/quickr.
type qtEnv struct {
	t     *testing.T
	sb    *sandbox.Server
	srv   *httptest.Server
	clock *sandbox.ManualClock
	cfg   sandbox.Config
	token string
	hooks *qtHooks
}

type qtHooks struct {
	srv *httptest.Server
	mu  sync.Mutex
	evs []map[string]any
}

func (h *qtHooks) types() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.evs {
		out = append(out, e["type"].(string))
	}
	return out
}

func qtNew(t *testing.T, mutate func(*sandbox.Config)) *qtEnv {
	t.Helper()
	clock := sandbox.NewManualClock(qtT0)
	cfg := sandbox.Config{Clock: clock, ContractTTL: 30 * 24 * time.Hour}
	if mutate != nil {
		mutate(&cfg)
	}
	sb := sandbox.New(cfg)
	srv := httptest.NewServer(sb.Handler())
	hooks := &qtHooks{}
	hooks.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		b, _ := io.ReadAll(r.Body)
		if json.Unmarshal(b, &ev) == nil {
			hooks.mu.Lock()
			hooks.evs = append(hooks.evs, ev)
			hooks.mu.Unlock()
		}
	}))
	t.Cleanup(func() { sb.Close(); srv.Close(); hooks.srv.Close() })
	e := &qtEnv{t: t, sb: sb, srv: srv, clock: clock, cfg: cfg, hooks: hooks}
	e.login()
	return e
}

// login fetches a fresh access token (tokens live an hour on the sandbox clock).
func (e *qtEnv) login() {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/quickr/v2/accounts/TQ1234567/auth/token", nil)
	req.Header.Set("Authorization", "Bearer "+sandbox.DefaultCredentials().QuickrAPIKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	var tok map[string]any
	require.NoError(e.t, json.NewDecoder(resp.Body).Decode(&tok))
	e.token = tok["access_token"].(string)
}

func (e *qtEnv) send(method, url string, body any, auth bool) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(e.t, err)
	if auth {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		require.NoError(e.t, json.Unmarshal(raw, &out), string(raw))
	}
	return resp.StatusCode, out
}

// api calls /quickr/v2/accounts/TQ1234567{path} with the token.
func (e *qtEnv) api(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	st, out := e.send(method, e.srv.URL+"/quickr/v2/accounts/TQ1234567"+path, body, true)
	if st == http.StatusUnauthorized {
		e.login()
		st, out = e.send(method, e.srv.URL+"/quickr/v2/accounts/TQ1234567"+path, body, true)
	}
	return st, out
}

// control calls /control/quickr/cases/{ref}/{step}.
func (e *qtEnv) control(ref, step string, body any) (int, map[string]any) {
	e.t.Helper()
	return e.send(http.MethodPost, e.srv.URL+"/control/quickr/cases/"+ref+"/"+step, body, false)
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
	body["urls"] = map[string]any{"callback_url": e.hooks.srv.URL}
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
