package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/gateway"
)

// fakeEngine records what the API asked of it; err, when set, is every call's answer.
type fakeEngine struct {
	mu       sync.Mutex
	calls    []string
	started  []api.OnboardingInput
	decided  []api.Decision
	changes  []api.DeadlineChange
	filters  []engine.ListFilter
	existing bool
	err      error
}

func (f *fakeEngine) record(call string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	return f.err
}

// Start checks the input as the engine does (api.PrepareStart): refused input starts nothing.
func (f *fakeEngine) Start(_ context.Context, in api.OnboardingInput) (*engine.Started, error) {
	in, id, err := api.PrepareStart(in, api.RealTime)
	if err != nil {
		return nil, err
	}
	if err := f.record("start"); err != nil {
		return nil, err
	}
	f.started = append(f.started, in)
	return &engine.Started{WorkflowID: id, RunID: "run-1", Existing: f.existing}, nil
}

func (f *fakeEngine) Status(_ context.Context, id string) (*api.Status, error) {
	if err := f.record("status " + id); err != nil {
		return nil, err
	}
	return &api.Status{WorkflowID: id, Stage: api.StageAwaitingReview}, nil
}

func (f *fakeEngine) List(_ context.Context, lf engine.ListFilter) (*engine.Page, error) {
	if err := f.record("list"); err != nil {
		return nil, err
	}
	f.filters = append(f.filters, lf)
	return &engine.Page{Onboardings: []engine.Summary{{WorkflowID: "onboarding:NO:123456789"}}}, nil
}

func (f *fakeEngine) Decide(_ context.Context, id, requestID string, d api.Decision) (*api.DecideResult, error) {
	if err := f.record("decide " + id + " " + requestID); err != nil {
		return nil, err
	}
	f.decided = append(f.decided, d)
	return &api.DecideResult{Status: "decided", Outcome: api.OutcomeApproved}, nil
}

func (f *fakeEngine) ExtendDeadline(_ context.Context, id, _ string, c api.DeadlineChange) (*api.Status, error) {
	if err := f.record("extend " + id); err != nil {
		return nil, err
	}
	f.changes = append(f.changes, c)
	return &api.Status{WorkflowID: id}, nil
}

func (f *fakeEngine) SupplyBankData(_ context.Context, id, requestID string, u api.BankDataUpload) (*api.BankDataStatus, error) {
	if err := f.record("bank-data " + id + " " + u.Ref + " " + u.By); err != nil {
		return nil, err
	}
	return &api.BankDataStatus{Upload: &u}, nil
}

func (f *fakeEngine) Cancel(_ context.Context, id, reason, by string) error {
	return f.record("cancel " + id + " " + reason + " " + by)
}

const (
	wfID       = "onboarding:NO:123456789"
	appToken   = "app-token-0123456789"
	agentToken = "agent-token-0123456789"
	validStart = `{"company":{"orgNumber":"987654321","country":"no","name":"Ragnarok AS"},
		"contact":{"name":"Ragnar Lothbrok","email":"ragnar@example.test"},"credit":{"amount":50000,"currency":"NOK","periodDays":30}}`
)

func apiServer(t *testing.T, fe *fakeEngine) http.Handler {
	t.Helper()
	tokens, err := gateway.ParseTokens("app:shop=" + appToken + ",agent:alice=" + agentToken)
	require.NoError(t, err)
	return gateway.New(gateway.Config{WebhookSecrets: [][]byte{secret}, APITokens: tokens}, &fakeTemporal{}, fe, zap.NewNop()).Handler()
}

func call(t *testing.T, h http.Handler, method, path, token, body string) *httptest.ResponseRecorder {
	t.Helper()
	return callWith(t, h, method, path, token, body, nil)
}

// callWith is call with extra headers; a header given here replaces the default one.
func callWith(t *testing.T, h http.Handler, method, path, token, body string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	requireDocumented(t, method, path, rec.Code)
	return rec
}

type problemBody struct {
	Error  string           `json:"error"`
	Fields []api.FieldError `json:"fields"`
}

func problemOf(t *testing.T, rec *httptest.ResponseRecorder) problemBody {
	t.Helper()
	var p problemBody
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &p), rec.Body.String())
	return p
}

func TestStartOnboarding(t *testing.T) {
	t.Run("a new merchant is 201 with a Location; the input is normalized", func(t *testing.T) {
		fe := &fakeEngine{}
		rec := call(t, apiServer(t, fe), "POST", "/v1/onboardings", appToken, validStart)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		require.Equal(t, "/v1/onboardings/onboarding:NO:987654321", rec.Header().Get("Location"))
		var got gateway.StartResponse
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
		require.Equal(t, "onboarding:NO:987654321", got.WorkflowID)
		require.False(t, got.Existing)
		require.Equal(t, "NO", fe.started[0].Company.Country)
	})
	t.Run("a merchant already onboarding is 200", func(t *testing.T) {
		fe := &fakeEngine{existing: true}
		rec := call(t, apiServer(t, fe), "POST", "/v1/onboardings", appToken, validStart)
		require.Equal(t, http.StatusOK, rec.Code)
	})
	t.Run("every invalid field is reported and nothing starts", func(t *testing.T) {
		fe := &fakeEngine{}
		rec := call(t, apiServer(t, fe), "POST", "/v1/onboardings", appToken,
			`{"company":{"orgNumber":"12","country":"NO"},"contact":{"email":"nope"},"credit":{"amount":-1,"periodDays":45}}`)
		require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
		var fields []string
		for _, f := range problemOf(t, rec).Fields {
			fields = append(fields, f.Field)
		}
		require.ElementsMatch(t, []string{"company.orgNumber", "contact.name", "contact.email", "credit.amount", "credit.periodDays"}, fields)
		require.Empty(t, fe.calls)
	})
}

func TestAPIAuth(t *testing.T) {
	fe := &fakeEngine{}
	h := apiServer(t, fe)
	rec := call(t, h, "GET", "/v1/onboardings/"+wfID, "", "")
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Contains(t, rec.Header().Get("WWW-Authenticate"), "Bearer")
	require.Equal(t, http.StatusUnauthorized, call(t, h, "GET", "/v1/onboardings/"+wfID, "wrong-token-0123456789", "").Code)
	rec = call(t, h, "POST", "/v1/onboardings/"+wfID+"/decision", appToken, `{"decision":"approve"}`)
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Empty(t, fe.calls, "nothing reaches the engine without the right token")
	require.Equal(t, http.StatusOK, call(t, h, "GET", "/v1/onboardings/"+wfID, agentToken, "").Code)
	require.Equal(t, http.StatusOK, call(t, h, "GET", "/v1/openapi.json", "", "").Code, "the contract is public")
}

func TestDecision(t *testing.T) {
	t.Run("the agent is the token's name and the request id makes it idempotent", func(t *testing.T) {
		fe := &fakeEngine{}
		req := httptest.NewRequest("POST", "/v1/onboardings/onboarding:NO:123456789/decision", strings.NewReader(`{"decision":"approve","reason":"docs ok"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+agentToken)
		req.Header.Set("Idempotency-Key", "req-7")
		rec := httptest.NewRecorder()
		apiServer(t, fe).ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Equal(t, []string{"decide onboarding:NO:123456789 req-7"}, fe.calls)
		require.Equal(t, "alice", fe.decided[0].Agent)
		require.Equal(t, "api token alice", fe.decided[0].Via)
	})
	t.Run("a body cannot name another agent", func(t *testing.T) {
		fe := &fakeEngine{}
		rec := call(t, apiServer(t, fe), "POST", "/v1/onboardings/"+wfID+"/decision", agentToken, `{"decision":"approve","agent":"bob"}`)
		require.Equal(t, http.StatusBadRequest, rec.Code)
		require.Equal(t, "agent", problemOf(t, rec).Fields[0].Field)
		require.Empty(t, fe.calls)
	})
	errs := []struct {
		name string
		err  error
		code int
		msg  string
	}{
		{"validator rejection", &engine.RejectedError{Reason: "the onboarding is already decided"}, http.StatusConflict, "already decided"},
		{"finished", engine.ErrFinished, http.StatusConflict, "finished"},
		{"unknown id", engine.ErrNotFound, http.StatusNotFound, "no onboarding"},
		{"timeout", context.DeadlineExceeded, http.StatusGatewayTimeout, "retry"},
	}
	rec := call(t, apiServer(t, &fakeEngine{err: engine.ErrIDTaken}), "POST", "/v1/onboardings", appToken, validStart)
	require.Equal(t, http.StatusConflict, rec.Code, "a start whose ID another workflow holds")
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, apiServer(t, &fakeEngine{err: tc.err}), "POST", "/v1/onboardings/"+wfID+"/decision", agentToken, `{"decision":"decline"}`)
			require.Equal(t, tc.code, rec.Code)
			require.Contains(t, problemOf(t, rec).Error, tc.msg)
		})
	}
}

// Only onboarding IDs reach the engine; every other id is the same 404 as an unknown one,
// echoing nothing.
func TestPathIDMustBeAnOnboardingID(t *testing.T) {
	unknown := call(t, apiServer(t, &fakeEngine{err: engine.ErrNotFound}), "GET", "/v1/onboardings/"+wfID, appToken, "")
	require.Equal(t, http.StatusNotFound, unknown.Code)
	for _, id := range []string{
		"payroll-run-2026-11", "onboarding:NO:1", "onboarding:no:123456789", "onboarding%3ANO%3A123456789", /* decoded once: %3A */
		"onboarding%253ANO%253A123456789", "onboarding:NO%2F123456789", "onboarding:NO:123456789%00", "onboarding:NO:123456789%20",
		"onboarding:NO:" + strings.Repeat("1", 5000), "onboarding:NO:123456789:bench-x-1", "%F0%9F%92%A5",
	} {
		for _, c := range []struct{ method, suffix, token, body string }{
			{"GET", "", appToken, ""}, {"POST", "/cancel", appToken, `{"reason":"r"}`},
			{"POST", "/decision", agentToken, `{"decision":"decline"}`}, {"POST", "/deadline", agentToken, `{"extendBy":"1h"}`},
		} {
			fe := &fakeEngine{}
			rec := call(t, apiServer(t, fe), c.method, "/v1/onboardings/"+id+c.suffix, c.token, c.body)
			if id == "onboarding%3ANO%3A123456789" {
				require.NotEqual(t, http.StatusNotFound, rec.Code, "an escaped onboarding ID is one")
				continue
			}
			require.Equal(t, http.StatusNotFound, rec.Code, "%s %s", c.method, id)
			require.Equal(t, unknown.Body.String(), rec.Body.String(), "the same answer as an unknown onboarding")
			require.Empty(t, fe.calls, "%s %s reached the engine", c.method, id)
		}
	}
	// The contract's id pattern says the same as the gateway.
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string `json:"name"`
				Schema struct {
					Pattern   string `json:"pattern"`
					MaxLength int    `json:"maxLength"`
				} `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(gateway.OpenAPI(), &doc))
	pattern := regexp.MustCompile(doc.Paths["/v1/onboardings/{id}"]["get"].Parameters[0].Schema.Pattern)
	for _, id := range []string{wfID, "onboarding:SE:5561234567", "onboarding:SE:556123-4567", "onboarding:DK:12345678", "onboarding:FI:1234567-8",
		"onboarding:FI:12345678", "onboarding:NO:1", "payroll-run-2026-11", "onboarding:no:123456789", "onboarding:SE:55612-34567"} {
		require.Equal(t, api.IsOnboardingID(id), pattern.MatchString(id), id)
	}
	rec := call(t, apiServer(t, &fakeEngine{}), "GET", "/v1/"+strings.Repeat("x", 5000), appToken, "")
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Less(t, rec.Body.Len(), 200, "the 404 does not echo the path")
}

func TestIdempotencyKeyIsBounded(t *testing.T) {
	const path = "/v1/onboardings/onboarding:NO:123456789"
	for name, tc := range map[string]struct {
		keys []string
		code int
	}{
		"128 characters":            {[]string{strings.Repeat("k", 128)}, http.StatusOK},
		"printable ASCII":           {[]string{"req 7/~!"}, http.StatusOK},
		"129 characters":            {[]string{strings.Repeat("k", 129)}, http.StatusBadRequest},
		"empty":                     {[]string{""}, http.StatusBadRequest},
		"not ASCII":                 {[]string{"nøkkel"}, http.StatusBadRequest},
		"a control character":       {[]string{"req\x01"}, http.StatusBadRequest},
		"twice":                     {[]string{"a", "b"}, http.StatusBadRequest},
		"twice with the same key":   {[]string{"a", "a"}, http.StatusBadRequest},
		"a megabyte (never echoed)": {[]string{strings.Repeat("k", 1<<20)}, http.StatusBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			for _, op := range []struct{ path, body string }{{path + "/decision", `{"decision":"decline"}`}, {path + "/deadline", `{"extendBy":"1h"}`}} {
				fe := &fakeEngine{}
				rec := callWith(t, apiServer(t, fe), "POST", op.path, agentToken, op.body, http.Header{"Idempotency-Key": tc.keys})
				require.Equal(t, tc.code, rec.Code, rec.Body.String())
				if tc.code == http.StatusBadRequest {
					require.Equal(t, "Idempotency-Key", problemOf(t, rec).Fields[0].Field)
					require.Less(t, rec.Body.Len(), 300)
					require.Empty(t, fe.calls, "nothing reaches the engine")
				}
			}
		})
	}
}

func TestListOnboardings(t *testing.T) {
	fe := &fakeEngine{}
	h := apiServer(t, fe)
	rec := call(t, h, "GET", "/v1/onboardings?stage=awaiting_review&pageSize=10", appToken, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, engine.ListFilter{Stage: "AWAITING_REVIEW", PageSize: 10}, fe.filters[0])
	for _, q := range []string{"stage=NAPPING", "outcome=MAYBE", "pageSize=0", "pageSize=x", "sort=asc", "pageToken=!!",
		"stage=AWAITING_REVIEW&stage=FINISHED", "pageSize=1&pageSize=1000", "Stage=FINISHED"} {
		rec := call(t, h, "GET", "/v1/onboardings?"+q, appToken, "")
		require.Equal(t, http.StatusBadRequest, rec.Code, q)
		require.NotEmpty(t, problemOf(t, rec).Fields, q)
	}
	require.Len(t, fe.calls, 1)
}

func TestCancelAndDeadline(t *testing.T) {
	fe := &fakeEngine{}
	h := apiServer(t, fe)
	require.Equal(t, http.StatusUnprocessableEntity, call(t, h, "POST", "/v1/onboardings/"+wfID+"/cancel", appToken, `{"reason":" "}`).Code)
	rec := call(t, h, "POST", "/v1/onboardings/"+wfID+"/cancel", appToken, `{"reason":"merchant withdrew"}`)
	require.Equal(t, http.StatusAccepted, rec.Code)
	require.Equal(t, []string{"cancel " + wfID + " merchant withdrew api token shop"}, fe.calls)

	rec = call(t, h, "POST", "/v1/onboardings/"+wfID+"/deadline", agentToken, `{"extendBy":"72h","reason":"merchant on holiday"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "alice", fe.changes[0].By)
	rec = call(t, h, "POST", "/v1/onboardings/"+wfID+"/deadline", agentToken, `{"extendBy":"three days"}`)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, problemOf(t, rec).Error, "invalid duration")
}

func TestParseTokens(t *testing.T) {
	const s1, s2, s3 = "0123456789abcdef", "fedcba9876543210", "s3cret-s3cret-s3cret"
	for _, tt := range []struct {
		name, spec string
		want       []string // role:name of each token
		wantErr    string
	}{
		{name: "two tokens", spec: "app:shop=" + s1 + ",\nagent:alice@corp=" + s2, want: []string{"app:shop", "agent:alice@corp"}},
		{name: "comments and blank entries", spec: "# ours\n\napp:shop=" + s1 + ",,", want: []string{"app:shop"}},
		{name: "every part is trimmed", spec: " agent : alice = " + s1 + " ", want: []string{"agent:alice"}},
		{name: "names are folded to lower case", spec: "agent:Alice=" + s1, want: []string{"agent:alice"}},
		{name: "fullwidth letters are the same letters", spec: "agent:ａｌｉｃｅ=" + s1, want: []string{"agent:alice"}},

		{name: "no role", spec: "shop=" + s1, wantErr: "role:name=secret"},
		{name: "no secret", spec: "app:shop", wantErr: "role:name=secret"},
		{name: "unknown role", spec: "admin:root=" + s1, wantErr: "use app or agent"},
		{name: "short secret", spec: "app:shop=short", wantErr: "at least 16"},
		{name: "space in a name", spec: "app:sh op=" + s1, wantErr: "name has U+0020"},
		{name: "empty name", spec: "app: =" + s1, wantErr: "name is empty"},
		{name: "Cyrillic a", spec: "agent:\u0430lice=" + s1, wantErr: "entry 1: the name has U+0430"},
		{name: "zero-width space", spec: "agent:alice\u200b=" + s1, wantErr: "U+200B"},
		{name: "name starting with a dot", spec: "agent:.alice=" + s1, wantErr: "starts with '.'"},
		{name: "a name for two roles", spec: "app:a=" + s1 + ",agent:a=" + s2, wantErr: "entry 2 (agent:a): the name a is used twice, also by entry 1 (app:a)"},
		{name: "a name twice in one role", spec: "agent:alice=" + s1 + ",agent:alice=" + s2, wantErr: "used twice"},
		{name: "names equal after normalisation", spec: "agent:alice=" + s1 + ",app:ALICE =" + s2, wantErr: "the name alice is used twice"},
		{name: "a shared secret", spec: "app:shop=" + s1 + ",agent:alice=" + s2 + ",agent:bob=" + s1, wantErr: "entry 3 (agent:bob) has the same secret as entry 1 (app:shop)"},
		{name: "a shared secret after trimming", spec: "app:shop=" + s1 + ",agent:bob= " + s1 + " ", wantErr: "same secret"},
		{name: "a secret typed into the name", spec: "agent:alice:" + s3 + "=" + s1, wantErr: "name has U+003A"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gateway.ParseTokens(tt.spec)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				for _, secret := range []string{s1, s2, s3, "short"} {
					require.NotContains(t, err.Error(), secret, "errors never show a secret")
				}
				return
			}
			require.NoError(t, err)
			var names []string
			for _, tok := range got {
				names = append(names, tok.String())
				require.NotContains(t, tok.String(), tok.Secret)
				require.Equal(t, strings.TrimSpace(tok.Secret), tok.Secret)
			}
			require.Equal(t, tt.want, names)
		})
	}
}

// TestOpenAPIMatchesRoutes keeps the served contract and the handlers in step: every
// documented operation is routed (not a JSON 404 or 405), every /v1 route is documented, and
// operations that need a token document 401 and answer it.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Security  *[]any                     `json:"security"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(gateway.OpenAPI(), &doc))
	h := apiServer(t, &fakeEngine{})
	var documented []string
	param := regexp.MustCompile(`\{[a-z]+\}`)
	for path, ops := range doc.Paths {
		for method, op := range ops {
			method = strings.ToUpper(method)
			documented = append(documented, method+" "+path)
			concrete := param.ReplaceAllString(path, "onboarding:NO:987654321")
			rec := call(t, h, method, concrete, "", "")
			public := op.Security != nil && len(*op.Security) == 0
			if public {
				require.Equal(t, http.StatusOK, rec.Code, "%s %s", method, path)
				continue
			}
			require.Equal(t, http.StatusUnauthorized, rec.Code, "%s %s is routed and needs a token", method, path)
			require.Contains(t, op.Responses, "401", "%s %s documents 401", method, path)
			require.Contains(t, op.Responses, "500", "%s %s documents 500", method, path)
		}
	}
	routed := gateway.Routes()
	slices.Sort(routed)
	slices.Sort(documented)
	require.Equal(t, routed, documented)
}
