package quickr_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/internal/providertest"
	"github.com/merchantflow/onboarding/providers/quickr"
)

const testCase = "TQ1234567.100000001"

// apiCall is one client method as the fake server should see it.
type apiCall struct {
	name   string
	method string
	path   string     // after /v2/accounts/TQ1234567
	query  url.Values // nil: no query expected
	body   string     // expected JSON body; "" means none
	ok     string     // the 2xx body the fake answers with
	run    func(ctx context.Context, c *quickr.Client) (any, error)
	check  func(t *testing.T, v any) // on success
}

var automationIn = quickr.Automation{
	Name:     "Auto approve",
	Triggers: []quickr.AutomationTrigger{{Type: "case_status_updated", Status: "READY_FOR_REVIEW"}},
	Actions:  []quickr.AutomationAction{{Type: "set_case_status", Status: "ACTIVE"}},
}

const automationWire = `{"name":"Auto approve","triggers":[{"type":"case_status_updated","status":"READY_FOR_REVIEW"}],"conditions":[],"actions":[{"type":"set_case_status","status":"ACTIVE"}]}`

const contractOK = `{"publisher":{"name":"p"},"form_submitter":{"name":"Ragnar Lothbrok"},"contracts":[{"type":"unsigned","data":[{"id":"k1","signatory":{"name":"Ragnar Lothbrok"},"status":"unsigned","expires_at":"2030-01-01T00:00:00Z"}]}]}`

func apiCalls() []apiCall {
	return []apiCall{
		{
			name: "CreateCase", method: http.MethodPost, path: "/cases",
			body: `{"actions":["request_declaration"],"reference":"ref-1","sections":[{"type":"company"}],"checks":[{"type":"company"}]}`,
			ok:   `{"id":"` + testCase + `","reference":"ref-1","status":"FORM_NOT_STARTED"}`,
			run: func(ctx context.Context, c *quickr.Client) (any, error) {
				return c.CreateCase(ctx, quickr.CaseCreate{Actions: []string{"request_declaration"}, Reference: "ref-1",
					Sections: []quickr.Section{{Type: "company"}}, Checks: []quickr.CheckSpec{{Type: "company"}}})
			},
			check: func(t *testing.T, v any) {
				require.Equal(t, quickr.StatusFormNotStarted, v.(*quickr.Case).Status)
				require.NotEmpty(t, v.(*quickr.Case).Raw)
			},
		},
		{
			name: "GetCase", method: http.MethodGet, path: "/cases/" + testCase,
			ok:  `{"id":"` + testCase + `","status":"READY_FOR_REVIEW","declaration_id":"d-1"}`,
			run: func(ctx context.Context, c *quickr.Client) (any, error) { return c.GetCase(ctx, testCase) },
			check: func(t *testing.T, v any) {
				require.Equal(t, "d-1", v.(*quickr.Case).DeclarationID())
			},
		},
		{
			name: "ListCases", method: http.MethodGet, path: "/cases",
			query: url.Values{"search": {"ref"}, "status": {"ACTIVE", "DECLINED"}, "sort_by": {"status_updated_at"}, "sort_order": {"DESC"},
				"limit": {"5"}, "starting_after": {"c0"}},
			ok: `{"data":[{"id":"c1","status":"ACTIVE","status_updated_at":"2019-08-24T14:15:22Z"}],"pagination":{"cursor":"c1"}}`,
			run: func(ctx context.Context, c *quickr.Client) (any, error) {
				return c.ListCases(ctx, quickr.ListCasesParams{Search: "ref", Status: []string{"ACTIVE", "DECLINED"},
					SortBy: quickr.SortByStatusUpdatedAt, SortOrder: quickr.SortDesc, Limit: 5, StartingAfter: "c0"})
			},
			check: func(t *testing.T, v any) {
				l := v.(*quickr.CaseList)
				require.Equal(t, "c1", l.Pagination.Cursor)
				require.Equal(t, "2019-08-24T14:15:22Z", l.Data[0].StatusUpdatedAt)
			},
		},
		{
			name: "FindCaseByReference", method: http.MethodGet, path: "/cases",
			query: url.Values{"search": {"ref-1"}, "limit": {"100"}},
			ok:    `{"data":[{"id":"c2","reference":"ref-10"},{"id":"c1","reference":"ref-1"}],"pagination":{}}`,
			run:   func(ctx context.Context, c *quickr.Client) (any, error) { return c.FindCaseByReference(ctx, "ref-1") },
			check: func(t *testing.T, v any) { require.Equal(t, "c1", v.(*quickr.Case).ID) },
		},
		{
			name: "GetDeclaration", method: http.MethodGet, path: "/cases/" + testCase + "/declarations/d-1",
			ok: `{"declarations":[{"type":"company","data":[{"name":"x"}]}],"prefills":[],"sections":[{"type":"company"}]}`,
			run: func(ctx context.Context, c *quickr.Client) (any, error) {
				return c.GetDeclaration(ctx, testCase, "d-1")
			},
			check: func(t *testing.T, v any) { require.Len(t, v.(*quickr.Declaration).Declarations, 1) },
		},
		{
			name: "UpdateDeclaration", method: http.MethodPut, path: "/cases/" + testCase + "/declarations/d-1",
			body: `{"intent":"declarations_finish","declarations":[{"type":"bank_account","data":[{"number":"24681357902"}]}]}`,
			ok:   `{"declarations":[{"type":"bank_account","data":[{"number":"24681357902"}]}]}`,
			run: func(ctx context.Context, c *quickr.Client) (any, error) {
				return c.UpdateDeclaration(ctx, testCase, "d-1", quickr.IntentDeclarationsFinish,
					[]quickr.TypeData{{Type: "bank_account", Data: []map[string]any{{"number": "24681357902"}}}})
			},
			check: func(t *testing.T, v any) {
				require.Equal(t, "bank_account", v.(*quickr.Declaration).Declarations[0].Type)
			},
		},
		{
			name: "GetContract", method: http.MethodGet, path: "/cases/" + testCase + "/contracts/k1",
			ok:  contractOK,
			run: func(ctx context.Context, c *quickr.Client) (any, error) { return c.GetContract(ctx, testCase, "k1") },
			check: func(t *testing.T, v any) {
				s := v.(*quickr.ContractDetails).Summary(time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC))
				require.Equal(t, "k1", s.ContractID())
				require.False(t, s.AllSigned)
				require.False(t, s.AnyExpired)
			},
		},
		{
			name: "ReopenContract", method: http.MethodPost, path: "/cases/" + testCase + "/contracts/k1",
			body: `{"actions":["create_new_contract_signing"]}`, ok: contractOK,
			run:   func(ctx context.Context, c *quickr.Client) (any, error) { return c.ReopenContract(ctx, testCase, "k1") },
			check: func(t *testing.T, v any) { require.Len(t, v.(*quickr.ContractDetails).Contracts, 1) },
		},
		{
			name: "CreateContract", method: http.MethodPost, path: "/cases/" + testCase + "/contracts/new",
			body: `{"actions":["create_new_contract_signing"]}`, ok: contractOK,
			run: func(ctx context.Context, c *quickr.Client) (any, error) { return c.CreateContract(ctx, testCase) },
			check: func(t *testing.T, v any) {
				require.Equal(t, "Ragnar Lothbrok", v.(*quickr.ContractDetails).FormSubmitter.Name)
			},
		},
		{
			name: "AgentDecision", method: http.MethodPost, path: "/cases/" + testCase + "/agent-decisions",
			body: `{"determined_status":"ACTIVE","determined_risk_level":"LOW"}`,
			ok:   `{"id":"` + testCase + `","status":"ACTIVE","agent_determined_status":"ACTIVE","agent_determined_risk_level":"LOW"}`,
			run: func(ctx context.Context, c *quickr.Client) (any, error) {
				return c.AgentDecision(ctx, testCase, quickr.AgentDecision{DeterminedStatus: quickr.StatusActive, DeterminedRiskLevel: quickr.RiskLow})
			},
			check: func(t *testing.T, v any) { require.Equal(t, "ACTIVE", v.(*quickr.Case).AgentDeterminedStatus) },
		},
		{
			name: "CreateAutomation", method: http.MethodPost, path: "/automations",
			body: automationWire,
			// The guide's "trigger" key and a numeric value are read too.
			ok:  `{"id":"TQ1234567.automation.1","object":"automation","name":"Auto approve","trigger":[{"type":"case_status_updated","status":"READY_FOR_REVIEW"}],"conditions":[{"type":"greater_than_or_equal","field":"$.x","value":70}],"actions":[{"type":"set_case_status","status":"ACTIVE"}]}`,
			run: func(ctx context.Context, c *quickr.Client) (any, error) { return c.CreateAutomation(ctx, automationIn) },
			check: func(t *testing.T, v any) {
				a := v.(*quickr.Automation)
				require.Equal(t, "TQ1234567.automation.1", a.ID)
				require.Equal(t, "READY_FOR_REVIEW", a.Triggers[0].Status)
				require.Equal(t, quickr.Scalar("70"), a.Conditions[0].Value)
				require.Contains(t, string(a.Raw), `"trigger"`)
			},
		},
		{
			name: "GetAutomation", method: http.MethodGet, path: "/automations/TQ1234567.automation.1",
			ok: `{"id":"TQ1234567.automation.1","name":"n","triggers":[{"type":"case_status_updated"}],"conditions":[],"actions":[]}`,
			run: func(ctx context.Context, c *quickr.Client) (any, error) {
				return c.GetAutomation(ctx, "TQ1234567.automation.1")
			},
			check: func(t *testing.T, v any) { require.Equal(t, "n", v.(*quickr.Automation).Name) },
		},
		{
			name: "ListAutomations", method: http.MethodGet, path: "/automations",
			query: url.Values{"limit": {"2"}, "starting_after": {"a0"}},
			ok:    `{"data":[{"id":"a1","name":"n","triggers":[],"conditions":[],"actions":[]}],"pagination":{"cursor":"a1"}}`,
			run: func(ctx context.Context, c *quickr.Client) (any, error) {
				return c.ListAutomations(ctx, quickr.PageParams{Limit: 2, StartingAfter: "a0"})
			},
			check: func(t *testing.T, v any) { require.Equal(t, "a1", v.(*quickr.AutomationList).Data[0].ID) },
		},
		{
			name: "UpdateAutomation", method: http.MethodPut, path: "/automations/TQ1234567.automation.1",
			body: automationWire,
			ok:   `{"id":"TQ1234567.automation.1","name":"Auto approve","triggers":[],"conditions":[],"actions":[]}`,
			run: func(ctx context.Context, c *quickr.Client) (any, error) {
				return c.UpdateAutomation(ctx, "TQ1234567.automation.1", automationIn)
			},
			check: func(t *testing.T, v any) { require.Equal(t, "Auto approve", v.(*quickr.Automation).Name) },
		},
		{
			name: "ListCaseEvents", method: http.MethodGet, path: "/cases/" + testCase + "/events",
			query: url.Values{"limit": {"3"}, "starting_after": {"e0"}, "type": {"CONTRACT_SIGNED", "CONTRACT_EXPIRED"}},
			ok:    `{"data":[{"id":"e1","type":"CONTRACT_SIGNED","sub_event_type":"signed","created_at":"x","case":{"id":"c","status":"PROCESSING_DETAILS"},"contract":{"id":"k1","status":"signed"}}],"pagination":{"cursor":""}}`,
			run: func(ctx context.Context, c *quickr.Client) (any, error) {
				return c.ListCaseEvents(ctx, testCase, quickr.ListEventsParams{Types: []string{"CONTRACT_SIGNED", "CONTRACT_EXPIRED"}, Limit: 3, StartingAfter: "e0"})
			},
			check: func(t *testing.T, v any) {
				ev := v.(*quickr.EventList).Data[0]
				require.Equal(t, quickr.EventContractSigned, ev.Type)
				require.Equal(t, "k1", ev.Contract.ID)
			},
		},
		{
			name: "CreateNote", method: http.MethodPost, path: "/cases/" + testCase + "/notes",
			body: `{"body":"auto approved","section":"automation"}`,
			ok:   `{"object":"note","id":"TQ1234567.note.1","body":"auto approved","section":"automation"}`,
			run: func(ctx context.Context, c *quickr.Client) (any, error) {
				return c.CreateNote(ctx, testCase, quickr.Note{Body: "auto approved", Section: "automation"})
			},
			check: func(t *testing.T, v any) { require.Equal(t, "TQ1234567.note.1", v.(*quickr.Note).ID) },
		},
		{
			name: "ListNotes", method: http.MethodGet, path: "/cases/" + testCase + "/notes",
			query: url.Values{"limit": {"4"}},
			ok:    `{"data":[{"id":"n1","body":"b"}],"pagination":{"cursor":""}}`,
			run: func(ctx context.Context, c *quickr.Client) (any, error) {
				return c.ListNotes(ctx, testCase, quickr.PageParams{Limit: 4})
			},
			check: func(t *testing.T, v any) { require.Equal(t, "b", v.(*quickr.NoteList).Data[0].Body) },
		},
	}
}

// fake is a Quickr stand-in: it issues tokens tok-1, tok-2, ... and answers API calls with
// respond(w, n) where n counts API calls from 1.
type fake struct {
	srv     *httptest.Server
	mu      sync.Mutex
	tokens  int
	calls   int
	rec     providertest.Recorder
	respond func(w http.ResponseWriter, n int)
}

func newFake(t *testing.T, respond func(w http.ResponseWriter, n int)) *fake {
	f := &fake{respond: respond}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		if r.URL.Path == "/v2/accounts/TQ1234567/auth/token" {
			f.tokens++
			n := f.tokens
			f.mu.Unlock()
			if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer key" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"access_token":"tok-`+strconv.Itoa(n)+`","token_type":"Bearer","expires_in":3600}`)
			return
		}
		f.calls++
		n := f.calls
		f.rec.Record(r)
		f.mu.Unlock()
		f.respond(w, n)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) client() *quickr.Client {
	return quickr.New(quickr.Config{BaseURL: f.srv.URL + "/v2/", AccountID: "TQ1234567", APIKey: "key", Timeout: 5 * time.Second}, nil)
}

func answer(status int, body string, header ...string) func(w http.ResponseWriter, n int) {
	return func(w http.ResponseWriter, _ int) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func errBody(code string) string {
	return `{"error":{"code":"` + code + `","errors":[],"message":"` + code + ` happened"}}`
}

func requireProviderError(t *testing.T, err error, status int, class string, temporary bool) *providers.Error {
	t.Helper()
	require.Error(t, err)
	pe, ok := providers.AsError(err)
	require.True(t, ok, "want *providers.Error, got %T %v", err, err)
	require.Equal(t, "quickr", pe.Provider)
	require.Equal(t, status, pe.Status, pe.Error())
	require.Equal(t, class, pe.Class())
	require.Equal(t, temporary, pe.Temporary())
	return pe
}

func TestClientMethods(t *testing.T) {
	type scenario struct {
		name    string
		respond func(call apiCall) func(w http.ResponseWriter, n int)
		check   func(t *testing.T, call apiCall, f *fake, v any, err error)
	}
	scenarios := []scenario{
		{
			name:    "ok",
			respond: func(call apiCall) func(http.ResponseWriter, int) { return answer(http.StatusOK, call.ok) },
			check: func(t *testing.T, call apiCall, f *fake, v any, err error) {
				require.NoError(t, err)
				call.check(t, v)
				require.Equal(t, 1, f.tokens)
				require.Equal(t, 1, f.calls)
				r := f.rec.All()[0]
				require.Equal(t, call.method, r.Method)
				require.Equal(t, "/v2/accounts/TQ1234567"+call.path, r.Path)
				require.Equal(t, "Bearer tok-1", r.Auth())
				if call.query == nil {
					require.Empty(t, r.Query)
				} else {
					q, err := url.ParseQuery(r.Query)
					require.NoError(t, err)
					require.Equal(t, call.query, q)
				}
				if call.body == "" {
					require.Empty(t, r.Body)
				} else {
					require.JSONEq(t, call.body, r.Body)
					require.Equal(t, "application/json", r.ContentType())
				}
			},
		},
		{
			name: "400",
			respond: func(apiCall) func(http.ResponseWriter, int) {
				return answer(http.StatusBadRequest, errBody("validation_error"))
			},
			check: func(t *testing.T, _ apiCall, _ *fake, _ any, err error) {
				pe := requireProviderError(t, err, 400, "client", false)
				require.Equal(t, "validation_error", pe.Code)
				require.Equal(t, "validation_error happened", pe.Message)
			},
		},
		{
			name: "401 then ok",
			respond: func(call apiCall) func(http.ResponseWriter, int) {
				return func(w http.ResponseWriter, n int) {
					if n == 1 {
						answer(http.StatusUnauthorized, errBody("unauthorized"))(w, n)
						return
					}
					answer(http.StatusOK, call.ok)(w, n)
				}
			},
			check: func(t *testing.T, call apiCall, f *fake, v any, err error) {
				require.NoError(t, err)
				call.check(t, v)
				require.Equal(t, 2, f.tokens, "re-authenticated once")
				require.Equal(t, 2, f.calls)
				require.Equal(t, "Bearer tok-2", f.rec.All()[1].Auth())
				if call.body != "" {
					require.JSONEq(t, call.body, f.rec.All()[1].Body, "the retry resends the body")
				}
			},
		},
		{
			name: "401 twice",
			respond: func(apiCall) func(http.ResponseWriter, int) {
				return answer(http.StatusUnauthorized, errBody("unauthorized"))
			},
			check: func(t *testing.T, _ apiCall, f *fake, _ any, err error) {
				requireProviderError(t, err, 401, "auth", false)
				require.Equal(t, 2, f.tokens)
				require.Equal(t, 2, f.calls, "only one re-authentication")
			},
		},
		{
			name: "404",
			respond: func(apiCall) func(http.ResponseWriter, int) {
				return answer(http.StatusNotFound, errBody("case_not_found"))
			},
			check: func(t *testing.T, _ apiCall, _ *fake, _ any, err error) {
				require.Equal(t, "case_not_found", requireProviderError(t, err, 404, "not_found", false).Code)
				require.True(t, providers.IsStatus(err, http.StatusNotFound))
			},
		},
		{
			name: "409",
			respond: func(apiCall) func(http.ResponseWriter, int) {
				return answer(http.StatusConflict, errBody("contract_signed"))
			},
			check: func(t *testing.T, _ apiCall, _ *fake, _ any, err error) {
				require.Equal(t, "contract_signed", requireProviderError(t, err, 409, "conflict", false).Code)
			},
		},
		{
			name: "429",
			respond: func(apiCall) func(http.ResponseWriter, int) {
				return answer(http.StatusTooManyRequests, errBody("rate_limited"), "Retry-After", "7")
			},
			check: func(t *testing.T, _ apiCall, f *fake, _ any, err error) {
				pe := requireProviderError(t, err, 429, "rate_limited", true)
				require.Equal(t, 7*time.Second, pe.RetryAfter)
				require.Equal(t, 1, f.calls, "the client never retries by itself")
			},
		},
		{
			name:    "500",
			respond: func(apiCall) func(http.ResponseWriter, int) { return answer(http.StatusInternalServerError, "oops") },
			check: func(t *testing.T, _ apiCall, _ *fake, _ any, err error) {
				pe := requireProviderError(t, err, 500, "server", true)
				require.Equal(t, "oops", pe.Message, "a body that is not Quickr's error shape is kept as the message")
			},
		},
		{
			name: "503",
			respond: func(apiCall) func(http.ResponseWriter, int) {
				return answer(http.StatusServiceUnavailable, errBody("unavailable"))
			},
			check: func(t *testing.T, _ apiCall, _ *fake, _ any, err error) {
				requireProviderError(t, err, 503, "server", true)
			},
		},
		{
			name: "network",
			respond: func(apiCall) func(http.ResponseWriter, int) {
				return func(w http.ResponseWriter, _ int) {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						_ = conn.Close()
					}
				}
			},
			check: func(t *testing.T, _ apiCall, _ *fake, _ any, err error) {
				pe := requireProviderError(t, err, 0, "network", true)
				require.Error(t, pe.Unwrap())
			},
		},
		{
			name:    "malformed JSON",
			respond: func(apiCall) func(http.ResponseWriter, int) { return answer(http.StatusOK, `{"id": "x", `) },
			check: func(t *testing.T, _ apiCall, _ *fake, _ any, err error) {
				pe := requireProviderError(t, err, http.StatusBadGateway, "server", true)
				require.Contains(t, pe.Message, "decode response")
			},
		},
	}
	for _, call := range apiCalls() {
		for _, sc := range scenarios {
			t.Run(call.name+"/"+sc.name, func(t *testing.T) {
				f := newFake(t, sc.respond(call))
				v, err := call.run(context.Background(), f.client())
				f.mu.Lock()
				defer f.mu.Unlock()
				sc.check(t, call, f, v, err)
			})
		}
	}
}

func TestClientTokenCachedAndRenewed(t *testing.T) {
	f := newFake(t, answer(http.StatusOK, `{"id":"c","status":"ACTIVE"}`))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	c := quickr.New(quickr.Config{BaseURL: f.srv.URL + "/v2", AccountID: "TQ1234567", APIKey: "key", Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}}, nil)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		_, err := c.GetCase(ctx, "c")
		require.NoError(t, err)
	}
	require.Equal(t, 1, f.tokens, "one token for many calls")
	mu.Lock()
	now = now.Add(56 * time.Minute) // inside the 5 minute renewal window
	mu.Unlock()
	_, err := c.GetCase(ctx, "c")
	require.NoError(t, err)
	require.Equal(t, 2, f.tokens)
}

func TestClientTokenRefused(t *testing.T) {
	f := newFake(t, answer(http.StatusOK, `{}`))
	c := quickr.New(quickr.Config{BaseURL: f.srv.URL + "/v2", AccountID: "TQ1234567", APIKey: "wrong"}, nil)
	_, err := c.GetCase(context.Background(), "c")
	pe := requireProviderError(t, err, 401, "auth", false)
	require.Equal(t, "get token", pe.Op)
	require.NotContains(t, err.Error(), "wrong", "the API key never shows in errors")
	require.Equal(t, 0, f.calls)
}

// Empty path ids are refused before any request: they would address another endpoint.
func TestClientRequiredArguments(t *testing.T) {
	f := newFake(t, answer(http.StatusOK, `{}`))
	c := f.client()
	ctx := context.Background()
	calls := map[string]func() error{
		"GetDeclaration":    func() error { _, err := c.GetDeclaration(ctx, testCase, ""); return err },
		"UpdateDeclaration": func() error { _, err := c.UpdateDeclaration(ctx, testCase, "d", "", nil); return err },
		"GetContract":       func() error { _, err := c.GetContract(ctx, "", "k"); return err },
		"ReopenContract":    func() error { _, err := c.ReopenContract(ctx, testCase, ""); return err },
		"CreateContract":    func() error { _, err := c.CreateContract(ctx, ""); return err },
		"AgentDecision":     func() error { _, err := c.AgentDecision(ctx, testCase, quickr.AgentDecision{}); return err },
		"GetAutomation":     func() error { _, err := c.GetAutomation(ctx, " "); return err },
		"UpdateAutomation":  func() error { _, err := c.UpdateAutomation(ctx, "", automationIn); return err },
		"ListCaseEvents":    func() error { _, err := c.ListCaseEvents(ctx, "", quickr.ListEventsParams{}); return err },
		"CreateNote":        func() error { _, err := c.CreateNote(ctx, testCase, quickr.Note{}); return err },
		"ListNotes":         func() error { _, err := c.ListNotes(ctx, "", quickr.PageParams{}); return err },
		"UpdateDeclaration2": func() error {
			_, err := c.UpdateDeclaration(ctx, "", "d", quickr.IntentDeclarationsUpdate, nil)
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			pe := requireProviderError(t, call(), 400, "client", false)
			require.Equal(t, "client_validation", pe.Code)
		})
	}
	require.Equal(t, 0, f.calls+f.tokens, "nothing was sent")
}

// An empty declarations list is still sent as [] (the field is required).
func TestClientUpdateDeclarationSendsEmptyList(t *testing.T) {
	f := newFake(t, answer(http.StatusOK, `{"declarations":[]}`))
	_, err := f.client().UpdateDeclaration(context.Background(), testCase, "d", quickr.IntentDeclarationsUpdate, nil)
	require.NoError(t, err)
	require.JSONEq(t, `{"intent":"declarations_update","declarations":[]}`, f.rec.All()[0].Body)
}

func TestAutomationJSON(t *testing.T) {
	for _, doc := range []string{
		`{"name":"a","triggers":[{"type":"case_status_updated","status":"READY_FOR_REVIEW"}],"conditions":[],"actions":[]}`,
		`{"name":"a","trigger":[{"type":"case_status_updated","status":"READY_FOR_REVIEW"}],"conditions":[],"actions":[]}`,
	} {
		var a quickr.Automation
		require.NoError(t, json.Unmarshal([]byte(doc), &a))
		require.Equal(t, []quickr.AutomationTrigger{{Type: "case_status_updated", Status: "READY_FOR_REVIEW"}}, a.Triggers)
		require.JSONEq(t, doc, string(a.Raw))
	}
	for in, want := range map[string]quickr.Scalar{`"0"`: "0", `70`: "70", `2.5`: "2.5", `true`: "true", `null`: ""} {
		var c quickr.Condition
		require.NoError(t, json.Unmarshal([]byte(`{"type":"equal","field":"$.x","value":`+in+`}`), &c), in)
		require.Equal(t, want, c.Value, in)
	}
	var c quickr.Condition
	require.Error(t, json.Unmarshal([]byte(`{"type":"equal","value":{"a":1}}`), &c))
	b, err := json.Marshal(quickr.Condition{Type: "greater_than_or_equal", Field: "$.x", Value: "70"})
	require.NoError(t, err)
	require.JSONEq(t, `{"type":"greater_than_or_equal","field":"$.x","value":"70"}`, string(b))
}
