package openbanking_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/internal/providertest"
	"github.com/merchantflow/onboarding/providers/openbanking"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// fake is a tiny provider: it issues numbered tokens, accepts only the newest unless told
// otherwise, and answers API paths from routes.
type fake struct {
	t *testing.T

	mu         sync.Mutex
	issued     int
	valid      map[string]bool
	tokenForms []url.Values
	tokenReply *providertest.Reply // overrides the token endpoint
	expiresIn  any
	apiCalls   providertest.Recorder
	routes     providertest.Routes // "METHOD path?query" or "METHOD path"
	reject401  int                 // reject this many API calls with 401 regardless of token
}

func newFake(t *testing.T, routes providertest.Routes) (*fake, *httptest.Server) {
	f := &fake{t: t, valid: map[string]bool{}, routes: routes, expiresIn: 3600}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path == openbanking.DefaultTokenPath || r.URL.Path == "/other/token" {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		form.Set("Content-Type", r.Header.Get("Content-Type"))
		f.tokenForms = append(f.tokenForms, form)
		if f.tokenReply != nil {
			f.tokenReply.Write(w)
			return
		}
		f.issued++
		tok := fmt.Sprintf("tok-%d", f.issued)
		f.valid[tok] = true
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": f.expiresIn})
		return
	}
	f.apiCalls.Record(r)
	auth := r.Header.Get("Authorization")
	if f.reject401 > 0 || len(auth) < 8 || !f.valid[auth[len("Bearer "):]] {
		if f.reject401 > 0 {
			f.reject401--
		}
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"invalid_token","error_description":"token expired"}`)
		return
	}
	key := r.Method + " " + r.URL.EscapedPath()
	f.routes.Find(providertest.Reply{Status: 404, Body: `{"message":"not found"}`}, key+"?"+r.URL.RawQuery, key).Write(w)
}

func (f *fake) snapshot() (tokens int, forms []url.Values, calls []providertest.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issued, append([]url.Values(nil), f.tokenForms...), f.apiCalls.All()
}

func (f *fake) revokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.valid = map[string]bool{}
}

func newClient(srv *httptest.Server, clk *sandbox.ManualClock) *openbanking.Client {
	cfg := openbanking.Config{BaseURL: srv.URL, ClientID: "client-1", ClientSecret: "s3cret"}
	if clk != nil {
		cfg.Now = clk.Now
	}
	return openbanking.New(cfg, srv.Client())
}

const analysisDone = `{"id":"an_1","status":"COMPLETED","scores":{"creditScore":{"value":812,"indicators":[]}},"creditInsights":{"averageMonthlyIncome":5400}}`

func TestTokenExchangeAndCaching(t *testing.T) {
	f, srv := newFake(t, providertest.Routes{"GET /customers/c1/analyses/an_1": {Body: analysisDone}})
	f.expiresIn = 120
	clk := sandbox.NewManualClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	c := newClient(srv, clk)
	ctx := context.Background()

	for range 3 {
		_, err := c.GetAnalysis(ctx, "c1", "an_1")
		require.NoError(t, err)
	}
	tokens, forms, calls := f.snapshot()
	require.Equal(t, 1, tokens, "one token for three calls")
	require.Equal(t, "client_credentials", forms[0].Get("grant_type"))
	require.Equal(t, "client-1", forms[0].Get("client_id"))
	require.Equal(t, "s3cret", forms[0].Get("client_secret"))
	require.Equal(t, "application/x-www-form-urlencoded", forms[0].Get("Content-Type"))
	for _, call := range calls {
		require.Equal(t, "Bearer tok-1", call.Auth())
	}

	clk.Advance(59 * time.Second) // still outside the renewal slack (120 s - 60 s)
	_, err := c.GetAnalysis(ctx, "c1", "an_1")
	require.NoError(t, err)
	tokens, _, _ = f.snapshot()
	require.Equal(t, 1, tokens)

	clk.Advance(2 * time.Second) // within a minute of expiry: renewed before the call
	_, err = c.GetAnalysis(ctx, "c1", "an_1")
	require.NoError(t, err)
	tokens, _, calls = f.snapshot()
	require.Equal(t, 2, tokens)
	require.Equal(t, "Bearer tok-2", calls[len(calls)-1].Auth())
}

func TestTokenExpiresInVariants(t *testing.T) {
	tests := []struct {
		name      string
		expiresIn any
		advance   time.Duration
		wantNew   bool
	}{
		{"string seconds", "600", 5 * time.Minute, false},
		{"string seconds, near expiry", "600", 9*time.Minute + 30*time.Second, true},
		{"missing uses default", nil, 10 * time.Minute, false},
		{"missing, past default", nil, 15 * time.Minute, true},
		{"short ttl renews at half life", 10, 6 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t, providertest.Routes{"*": {Body: `{"id":"a","status":"IN_PROGRESS"}`}})
			f.expiresIn = tt.expiresIn
			clk := sandbox.NewManualClock(time.Unix(1_700_000_000, 0))
			c := newClient(srv, clk)
			_, err := c.GetAnalysis(context.Background(), "c", "a")
			require.NoError(t, err)
			clk.Advance(tt.advance)
			_, err = c.GetAnalysis(context.Background(), "c", "a")
			require.NoError(t, err)
			tokens, _, _ := f.snapshot()
			require.Equal(t, map[bool]int{false: 1, true: 2}[tt.wantNew], tokens)
		})
	}
}

func TestReauthOnce(t *testing.T) {
	t.Run("revoked token is replaced once", func(t *testing.T) {
		f, srv := newFake(t, providertest.Routes{"*": {Body: analysisDone}})
		c := newClient(srv, nil)
		_, err := c.GetAnalysis(context.Background(), "c1", "an_1")
		require.NoError(t, err)
		f.revokeAll()
		got, err := c.GetAnalysis(context.Background(), "c1", "an_1")
		require.NoError(t, err)
		require.True(t, got.Completed())
		tokens, _, calls := f.snapshot()
		require.Equal(t, 2, tokens)
		require.Len(t, calls, 3)
		require.Equal(t, "Bearer tok-2", calls[2].Auth())
	})
	t.Run("a second 401 is returned, not retried", func(t *testing.T) {
		f, srv := newFake(t, providertest.Routes{"*": {Body: analysisDone}})
		f.reject401 = 5
		_, err := newClient(srv, nil).GetAnalysis(context.Background(), "c1", "an_1")
		pe, ok := providers.AsError(err)
		require.True(t, ok)
		require.Equal(t, http.StatusUnauthorized, pe.Status)
		require.Equal(t, "invalid_token", pe.Code)
		require.Equal(t, "token expired", pe.Message)
		require.False(t, pe.Temporary())
		tokens, _, calls := f.snapshot()
		require.Equal(t, 2, tokens)
		require.Len(t, calls, 2)
	})
}

func TestTokenEndpointErrors(t *testing.T) {
	tests := []struct {
		name string
		rp   providertest.Reply
		want providertest.Want
	}{
		{"bad credentials", providertest.Reply{Status: 401, Body: `{"error":"invalid_client","error_description":"bad secret"}`},
			providertest.Want{Status: 401, Code: "invalid_client", Message: "bad secret"}},
		{"server error", providertest.Reply{Status: 503, Body: `unavailable`}, providertest.Want{Status: 503, Temporary: true}},
		{"no access_token", providertest.Reply{Status: 200, Body: `{"token_type":"Bearer"}`}, providertest.Want{Status: http.StatusBadGateway, Temporary: true}},
		{"malformed", providertest.Reply{Status: 200, Body: `{"access_token":`}, providertest.Want{Status: http.StatusBadGateway, Temporary: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t, nil)
			f.tokenReply = &tt.rp
			_, err := newClient(srv, nil).GetAnalysis(context.Background(), "c", "a")
			pe := providertest.RequireError(t, err, openbanking.Provider, tt.want)
			require.Equal(t, "get token", pe.Op)
			_, forms, calls := f.snapshot()
			require.Len(t, forms, 1, "no second token attempt")
			require.Empty(t, calls, "no API call without a token")
		})
	}
}

func TestTokenPathAbsolute(t *testing.T) {
	f, srv := newFake(t, providertest.Routes{"*": {Body: analysisDone}})
	c := openbanking.New(openbanking.Config{BaseURL: srv.URL + "/api/", ClientID: "id", ClientSecret: "s", TokenPath: srv.URL + "/other/token"}, srv.Client())
	_, err := c.GetAnalysis(context.Background(), "c1", "an_1")
	require.NoError(t, err)
	_, forms, calls := f.snapshot()
	require.Len(t, forms, 1)
	require.Equal(t, "/api/customers/c1/analyses/an_1", calls[0].Path)
}

func TestCreateCustomer(t *testing.T) {
	const id = "onboarding:NO:912345678"
	q := "customIdentifier=onboarding%3ANO%3A912345678"
	dup := providertest.Reply{Status: 422, Body: `{"message":"Customer already exists","code":"DUPLICATE"}`}
	tests := []struct {
		name        string
		routes      providertest.Routes
		want        *openbanking.Customer
		wantCreated bool
		wantStatus  int // error status, 0 for success
		wantCalls   int
	}{
		{
			name:        "201 created",
			routes:      providertest.Routes{"POST /customers": {Status: 201, Body: `{"id":"cus_1","customIdentifier":"onboarding:NO:912345678"}`}},
			want:        &openbanking.Customer{ID: "cus_1", CustomIdentifier: id},
			wantCreated: true, wantCalls: 1,
		},
		{
			name:        "201 numeric id, identifier omitted",
			routes:      providertest.Routes{"POST /customers": {Status: 201, Body: `{"id":42}`}},
			want:        &openbanking.Customer{ID: "42", CustomIdentifier: id},
			wantCreated: true, wantCalls: 1,
		},
		{
			name: "422 then found under data",
			routes: providertest.Routes{"POST /customers": dup, "GET /customers?" + q: {Body: `{"data":[
				{"id":"cus_x","customIdentifier":"onboarding:NO:912345678-risky"},
				{"id":"cus_1","customIdentifier":"onboarding:NO:912345678","createdAt":"2024-01-01T00:00:00Z"}]}`}},
			want:      &openbanking.Customer{ID: "cus_1", CustomIdentifier: id, CreatedAt: "2024-01-01T00:00:00Z"},
			wantCalls: 2,
		},
		{
			name:      "422 then found under customers, snake_case",
			routes:    providertest.Routes{"POST /customers": dup, "GET /customers?" + q: {Body: `{"customers":[{"id":7,"custom_identifier":"onboarding:NO:912345678"}]}`}},
			want:      &openbanking.Customer{ID: "7", CustomIdentifier: id},
			wantCalls: 2,
		},
		{
			name:      "422 then bare array",
			routes:    providertest.Routes{"POST /customers": dup, "GET /customers?" + q: {Body: `[{"id":"cus_1","customIdentifier":"onboarding:NO:912345678"}]`}},
			want:      &openbanking.Customer{ID: "cus_1", CustomIdentifier: id},
			wantCalls: 2,
		},
		{
			name:      "422 then single object",
			routes:    providertest.Routes{"POST /customers": dup, "GET /customers?" + q: {Body: `{"id":"cus_1","customIdentifier":"onboarding:NO:912345678"}`}},
			want:      &openbanking.Customer{ID: "cus_1", CustomIdentifier: id},
			wantCalls: 2,
		},
		{
			name:       "422 and nothing to find keeps the 422",
			routes:     providertest.Routes{"POST /customers": dup, "GET /customers?" + q: {Body: `{"data":[]}`}},
			wantStatus: 422, wantCalls: 2,
		},
		{
			name:       "422 and lookup 404",
			routes:     providertest.Routes{"POST /customers": dup},
			wantStatus: 422, wantCalls: 2,
		},
		{
			name:       "422 and lookup fails",
			routes:     providertest.Routes{"POST /customers": dup, "GET /customers?" + q: {Status: 500, Body: `{"message":"boom"}`}},
			wantStatus: 500, wantCalls: 2,
		},
		{
			name:       "created without id",
			routes:     providertest.Routes{"POST /customers": {Status: 201, Body: `{}`}},
			wantStatus: http.StatusBadGateway, wantCalls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t, tt.routes)
			got, created, err := newClient(srv, nil).CreateCustomer(context.Background(), id)
			_, _, calls := f.snapshot()
			require.Len(t, calls, tt.wantCalls)
			require.Equal(t, "application/json", calls[0].ContentType())
			require.JSONEq(t, `{"customIdentifier":"onboarding:NO:912345678"}`, calls[0].Body)
			if tt.wantStatus != 0 {
				require.True(t, providers.IsStatus(err, tt.wantStatus), "%v", err)
				require.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.wantCreated, created)
		})
	}
}

func TestCustomerInputValidation(t *testing.T) {
	f, srv := newFake(t, nil)
	c := newClient(srv, nil)
	_, _, err := c.CreateCustomer(context.Background(), "")
	require.True(t, providers.IsStatus(err, 400))
	_, err = c.FindCustomer(context.Background(), "")
	require.True(t, providers.IsStatus(err, 400))
	_, err = c.CreateAnalysis(context.Background(), "", openbanking.AnalysisInput{Accounts: []openbanking.Account{{ID: "a"}}})
	require.True(t, providers.IsStatus(err, 400))
	_, err = c.CreateAnalysis(context.Background(), "c", openbanking.AnalysisInput{})
	require.True(t, providers.IsStatus(err, 400))
	_, err = c.GetAnalysis(context.Background(), "c", "")
	pe, _ := providers.AsError(err)
	require.False(t, pe.Temporary())
	tokens, _, calls := f.snapshot()
	require.Zero(t, tokens)
	require.Empty(t, calls)
}

func TestCreateAnalysis(t *testing.T) {
	in := openbanking.AnalysisInput{
		Accounts:     []openbanking.Account{{ID: "acc1", Name: "Main", IBAN: "NO9386011117947", Currency: "NOK", Balance: 1200.5, Type: "CHECKING", Usage: "PROFESSIONAL"}},
		Transactions: []openbanking.Transaction{{ID: "t1", AccountID: "acc1", Amount: -99.9, Currency: "NOK", Description: "Rent", Date: "2025-01-03"}},
	}
	tests := []struct {
		name       string
		rp         providertest.Reply
		in         openbanking.AnalysisInput
		want       *openbanking.Analysis
		wantStatus int
		wantBody   string
	}{
		{
			name:     "202 started",
			rp:       providertest.Reply{Status: 202, Body: `{"id":"an_1","status":"IN_PROGRESS"}`},
			in:       in,
			want:     &openbanking.Analysis{ID: "an_1", Status: openbanking.StatusInProgress},
			wantBody: `{"accounts":[{"id":"acc1","name":"Main","iban":"NO9386011117947","type":"CHECKING","usage":"PROFESSIONAL","currency":"NOK","balance":1200.5}],"transactions":[{"id":"t1","accountId":"acc1","amount":-99.9,"currency":"NOK","description":"Rent","date":"2025-01-03"}]}`,
		},
		{
			name:     "202 without status, no transactions",
			rp:       providertest.Reply{Status: 202, Body: `{"id":9}`},
			in:       openbanking.AnalysisInput{Accounts: in.Accounts},
			want:     &openbanking.Analysis{ID: "9", Status: openbanking.StatusInProgress},
			wantBody: `{"accounts":[{"id":"acc1","name":"Main","iban":"NO9386011117947","type":"CHECKING","usage":"PROFESSIONAL","currency":"NOK","balance":1200.5}],"transactions":[]}`,
		},
		{name: "202 without id", rp: providertest.Reply{Status: 202, Body: `{}`}, in: in, wantStatus: http.StatusBadGateway},
		{name: "400", rp: providertest.Reply{Status: 400, Body: `{"message":"transactions[0].date invalid"}`}, in: in, wantStatus: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t, providertest.Routes{"POST /customers/cus%2F1/analyses": tt.rp})
			got, err := newClient(srv, nil).CreateAnalysis(context.Background(), "cus/1", tt.in)
			if tt.wantStatus != 0 {
				require.True(t, providers.IsStatus(err, tt.wantStatus), "%v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			_, _, calls := f.snapshot()
			require.JSONEq(t, tt.wantBody, calls[0].Body)
		})
	}
}

func TestGetAnalysis(t *testing.T) {
	tests := []struct {
		name string
		body string
		want *openbanking.Analysis
	}{
		{"in progress", `{"id":"an_1","status":"IN_PROGRESS"}`, &openbanking.Analysis{ID: "an_1", Status: "IN_PROGRESS"}},
		{"completed", analysisDone, &openbanking.Analysis{
			ID: "an_1", Status: "COMPLETED",
			Scores:         &openbanking.Scores{CreditScore: &openbanking.CreditScore{Value: 812, Indicators: []string{}}, Raw: map[string]any{"creditScore": map[string]any{"value": 812.0, "indicators": []any{}}}},
			CreditInsights: map[string]any{"averageMonthlyIncome": 5400.0},
		}},
		{"snake_case, bare score as string, id omitted", `{"status":"COMPLETED","scores":{"credit_score":"310"},"credit_insights":{"overdraftDays":41}}`, &openbanking.Analysis{
			ID: "an_1", Status: "COMPLETED",
			Scores:         &openbanking.Scores{CreditScore: &openbanking.CreditScore{Value: 310}, Raw: map[string]any{"credit_score": "310"}},
			CreditInsights: map[string]any{"overdraftDays": 41.0},
		}},
		{"score under value alias", `{"id":"an_1","status":"COMPLETED","scores":{"creditScore":{"score":"455","indicators":["GAMBLING"]}}}`, &openbanking.Analysis{
			ID: "an_1", Status: "COMPLETED",
			Scores: &openbanking.Scores{CreditScore: &openbanking.CreditScore{Value: 455, Indicators: []string{"GAMBLING"}}, Raw: map[string]any{"creditScore": map[string]any{"score": "455", "indicators": []any{"GAMBLING"}}}},
		}},
		{"scores without credit score", `{"id":"an_1","status":"COMPLETED","scores":{"other":1}}`, &openbanking.Analysis{
			ID: "an_1", Status: "COMPLETED", Scores: &openbanking.Scores{Raw: map[string]any{"other": 1.0}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t, providertest.Routes{"GET /customers/cus_1/analyses/an_1": {Body: tt.body}})
			got, err := newClient(srv, nil).GetAnalysis(context.Background(), "cus_1", "an_1")
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			_, _, calls := f.snapshot()
			require.Equal(t, http.MethodGet, calls[0].Method)
			require.Equal(t, "Bearer tok-1", calls[0].Auth())
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		rp   providertest.Reply
		want providertest.Want
	}{
		{"400", providertest.Reply{Status: 400, Body: `{"message":"bad","code":"VALIDATION"}`}, providertest.Want{Status: 400, Code: "VALIDATION", Message: "bad"}},
		{"403 nested error", providertest.Reply{Status: 403, Body: `{"error":{"code":"FORBIDDEN","message":"no access"}}`}, providertest.Want{Status: 403, Code: "FORBIDDEN", Message: "no access"}},
		{"404", providertest.Reply{Status: 404, Body: `{"error":"Analysis not found"}`}, providertest.Want{Status: 404, Message: "Analysis not found"}},
		{"429 retry-after", providertest.Reply{Status: 429, Body: `{"message":"slow down"}`, Header: map[string]string{"Retry-After": "12"}},
			providertest.Want{Status: 429, Message: "slow down", RetryAfter: 12 * time.Second, Temporary: true}},
		{"500", providertest.Reply{Status: 500, Body: `{"message":"boom"}`}, providertest.Want{Status: 500, Message: "boom", Temporary: true}},
		{"malformed 200", providertest.Reply{Status: 200, Body: `{"id":"x","scores":{"creditScore":{"value":"high"}}}`}, providertest.Want{Status: http.StatusBadGateway, Temporary: true}},
		{"truncated 200", providertest.Reply{Status: 200, Body: `{"id":`}, providertest.Want{Status: http.StatusBadGateway, Temporary: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := newFake(t, providertest.Routes{"*": tt.rp})
			_, err := newClient(srv, nil).GetAnalysis(context.Background(), "c", "a")
			providertest.RequireError(t, err, openbanking.Provider, tt.want)
		})
	}
}

func TestNetworkError(t *testing.T) {
	_, _, err := openbanking.New(openbanking.Config{BaseURL: providertest.ClosedURL(t), ClientID: "a", ClientSecret: "b"}, nil).CreateCustomer(context.Background(), "x")
	providertest.RequireNetworkError(t, err)
}

func TestRetryRules(t *testing.T) {
	require.Equal(t, 5*time.Second, openbanking.RetryRule.NextDelay(&providers.Error{Status: 429}))
	require.False(t, openbanking.RetryRule.Scheduled(), "the seed gives no schedule: the engine's call budget applies")
}

func TestListAnalyses(t *testing.T) {
	tests := []struct {
		name    string
		rp      providertest.Reply
		wantIDs []string
		wantErr int // provider status, 0 for none
	}{
		{"data envelope", providertest.Reply{Body: `{"data":[{"id":"an_1","status":"COMPLETED"},{"id":"an_2","status":"IN_PROGRESS"}]}`}, []string{"an_1", "an_2"}, 0},
		{"bare array", providertest.Reply{Body: `[{"id":"an_1","status":"IN_PROGRESS"}]`}, []string{"an_1"}, 0},
		{"analyses key", providertest.Reply{Body: `{"analyses":[{"_id":7,"status":"IN_PROGRESS"}]}`}, []string{"7"}, 0},
		{"empty", providertest.Reply{Body: `{"data":[]}`}, nil, 0},
		{"404 means none", providertest.Reply{Status: 404, Body: `{"code":"CUSTOMER_NOT_FOUND","message":"no customer"}`}, nil, 0},
		{"unknown shape", providertest.Reply{Body: `{"foo":[]}`}, nil, http.StatusBadGateway},
		{"server error", providertest.Reply{Status: 503, Body: `{"message":"down"}`}, nil, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t, providertest.Routes{"GET /customers/cus_1/analyses": tt.rp})
			got, err := newClient(srv, nil).ListAnalyses(context.Background(), "cus_1")
			if tt.wantErr != 0 {
				pe, ok := providers.AsError(err)
				require.True(t, ok, "%v", err)
				require.Equal(t, tt.wantErr, pe.Status)
				return
			}
			require.NoError(t, err)
			var ids []string
			for _, a := range got {
				ids = append(ids, a.ID)
			}
			require.Equal(t, tt.wantIDs, ids)
			_, _, calls := f.snapshot()
			require.Equal(t, http.MethodGet, calls[0].Method)
		})
	}
	f, srv := newFake(t, nil)
	_, err := newClient(srv, nil).ListAnalyses(context.Background(), "")
	pe, ok := providers.AsError(err)
	require.True(t, ok)
	require.Equal(t, http.StatusBadRequest, pe.Status)
	_, _, calls := f.snapshot()
	require.Empty(t, calls, "refused before any request")
}
