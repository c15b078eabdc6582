package openbanking_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/openbanking"
	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/providers/sandbox/sandboxtest"
)

func obClient(env *sandboxtest.Env, now func() time.Time) *openbanking.Client {
	return openbanking.New(openbanking.Config{
		BaseURL: env.Srv.URL + "/openbanking", ClientID: env.Creds.OpenBankingClientID, ClientSecret: env.Creds.OpenBankingSecret, Now: now,
	}, env.Srv.Client())
}

func obInput() openbanking.AnalysisInput {
	return openbanking.AnalysisInput{
		Accounts: []openbanking.Account{{ID: "acc-1", Name: "Driftskonto", Currency: "NOK", Balance: 152000, Type: "CHECKING", Usage: "PROFESSIONAL"}},
		Transactions: []openbanking.Transaction{
			{ID: "t1", AccountID: "acc-1", Amount: 60000, Currency: "NOK", Description: "Sales", Date: "2025-01-05"},
			{ID: "t2", AccountID: "acc-1", Amount: -20000, Currency: "NOK", Description: "Rent", Date: "2025-01-06"},
			{ID: "t3", AccountID: "acc-1", Amount: 40000, Currency: "NOK", Description: "Sales", Date: "2025-02-05"},
		},
	}
}

func TestOpenBankingContractCustomerIsCreatedOnce(t *testing.T) {
	env := sandboxtest.New(t, nil)
	c := obClient(env, env.Clock.Now)
	ctx := context.Background()
	const ident = "onboarding:NO:987654321"

	first, created, err := c.CreateCustomer(ctx, ident)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, ident, first.CustomIdentifier)

	again, created, err := c.CreateCustomer(ctx, ident)
	require.NoError(t, err)
	require.False(t, created, "422 means it exists")
	require.Equal(t, first.ID, again.ID)
	require.Equal(t, 1, env.SB.Counters().Get(ident, sandbox.CountCustomers))
	require.Equal(t, 2, env.Hits("POST /openbanking/customers"))
	require.Equal(t, 1, env.Hits("GET /openbanking/customers"))

	found, err := c.FindCustomer(ctx, ident)
	require.NoError(t, err)
	require.Equal(t, first.ID, found.ID)
	missing, err := c.FindCustomer(ctx, "nobody")
	require.NoError(t, err)
	require.Nil(t, missing)
	require.Equal(t, 1, env.Hits("POST /openbanking/oauth/token"), "one token for every call")
}

func TestOpenBankingContractAnalysis(t *testing.T) {
	tests := []struct {
		name       string
		ident      string
		auto       bool
		before     string // control call before finishing, {ref} is the customIdentifier
		finish     string // control finish body; "" with auto
		wantScore  float64
		indicators int
		risk       string
	}{
		{name: "good profile", ident: "onboarding:NO:987654321", finish: `{}`, wantScore: 820, risk: "LOW"},
		{name: "risky by identifier", ident: "onboarding:NO:987123654-risky", finish: `{}`, wantScore: 310, indicators: 4, risk: "HIGH"},
		{name: "risky by customer profile", ident: "onboarding:NO:159753468", before: `{"profile":"risky"}`, finish: `{}`, wantScore: 310, indicators: 4, risk: "HIGH"},
		{name: "profile named at finish", ident: "risky-but-good", finish: `{"profile":"good"}`, wantScore: 820, risk: "LOW"},
		{name: "automatic", ident: "onboarding:NO:123456789", auto: true, wantScore: 820, risk: "LOW"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := sandboxtest.New(t, func(c *sandbox.Config) {
				c.Auto = tt.auto
				c.Delays.Analysis = 30 * time.Second
			})
			c := obClient(env, env.Clock.Now)
			ctx := context.Background()
			cust, _, err := c.CreateCustomer(ctx, tt.ident)
			require.NoError(t, err)
			started, err := c.CreateAnalysis(ctx, cust.ID, obInput())
			require.NoError(t, err)
			require.Equal(t, openbanking.StatusInProgress, started.Status)
			require.Equal(t, 1, env.SB.Counters().Get(tt.ident, sandbox.CountAnalyses))

			polled, err := c.GetAnalysis(ctx, cust.ID, started.ID)
			require.NoError(t, err)
			require.False(t, polled.Completed())
			require.Nil(t, polled.Scores)

			if tt.before != "" {
				status, _ := env.Control(t, http.MethodPost, "/control/openbanking/customers/"+url.PathEscape(tt.ident)+"/profile", tt.before)
				require.Equal(t, http.StatusOK, status)
			}
			if tt.auto {
				env.Clock.Advance(29 * time.Second)
				polled, err = c.GetAnalysis(ctx, cust.ID, started.ID)
				require.NoError(t, err)
				require.False(t, polled.Completed())
				env.Clock.Advance(time.Second)
			} else {
				status, _ := env.Control(t, http.MethodPost, "/control/openbanking/analyses/"+url.PathEscape(tt.ident)+"/finish", tt.finish)
				require.Equal(t, http.StatusOK, status)
			}

			done, err := c.GetAnalysis(ctx, cust.ID, started.ID)
			require.NoError(t, err)
			require.True(t, done.Completed())
			require.NotNil(t, done.Scores)
			require.NotNil(t, done.Scores.CreditScore)
			require.Equal(t, tt.wantScore, done.Scores.CreditScore.Value)
			require.Len(t, done.Scores.CreditScore.Indicators, tt.indicators)
			require.Equal(t, tt.risk, done.CreditInsights["riskLevel"])
			require.EqualValues(t, 100000, done.CreditInsights["totalIncome"])
			require.EqualValues(t, 20000, done.CreditInsights["totalExpenses"])
			require.EqualValues(t, 50000, done.CreditInsights["averageMonthlyIncome"])
		})
	}
}

func TestOpenBankingContractTokens(t *testing.T) {
	for _, tt := range []struct {
		name      string
		clientNow bool          // the client reads the sandbox's clock (else its own wall clock)
		advance   time.Duration // between the two calls
		posts     int           // POST /customers requests the two calls cost
		why       string
	}{
		{"client renews before the sandbox expires the token", true, 59 * time.Minute, 2, "no 401 round trip"},
		// The client's own wall clock does not see the sandbox's hours pass.
		{"a token the sandbox expired is replaced once", false, 2 * time.Hour, 3, "one 401, then the retry with a new token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := sandboxtest.New(t, nil)
			var now func() time.Time
			if tt.clientNow {
				now = env.Clock.Now
			}
			c := obClient(env, now)
			ctx := context.Background()
			_, _, err := c.CreateCustomer(ctx, "a")
			require.NoError(t, err)
			env.Clock.Advance(tt.advance)
			_, _, err = c.CreateCustomer(ctx, "b")
			require.NoError(t, err)
			require.Equal(t, 2, env.Hits("POST /openbanking/oauth/token"))
			require.Equal(t, tt.posts, env.Hits("POST /openbanking/customers"), tt.why)
		})
	}
	t.Run("JSON token request", func(t *testing.T) {
		env := sandboxtest.New(t, nil)
		status, body := env.Raw(t, http.MethodPost, "/openbanking/oauth/token",
			`{"client_id":"`+env.Creds.OpenBankingClientID+`","client_secret":"`+env.Creds.OpenBankingSecret+`"}`,
			map[string]string{"Content-Type": "application/json"})
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `"expires_in":3600`)
	})
}

func TestOpenBankingSandboxStatuses(t *testing.T) {
	env := sandboxtest.New(t, nil)
	status, body := env.Raw(t, http.MethodPost, "/openbanking/oauth/token",
		url.Values{"grant_type": {"client_credentials"}, "client_id": {env.Creds.OpenBankingClientID}, "client_secret": {env.Creds.OpenBankingSecret}}.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	require.Equal(t, http.StatusOK, status)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &tok))
	auth := map[string]string{"Authorization": "Bearer " + tok.AccessToken, "Content-Type": "application/json"}

	steps := []struct {
		method, path, body string
		status             int
	}{
		{http.MethodPost, "/openbanking/customers", `{"customIdentifier":"m-1"}`, http.StatusCreated},
		{http.MethodPost, "/openbanking/customers", `{"customIdentifier":"m-1"}`, http.StatusUnprocessableEntity},
		{http.MethodPost, "/openbanking/customers", `{}`, http.StatusBadRequest},
		{http.MethodGet, "/openbanking/customers/cus_000001", ``, http.StatusOK},
		{http.MethodPost, "/openbanking/customers/cus_000001/analyses", `{"accounts":[{"id":"a","currency":"EUR","balance":1}],"transactions":[]}`, http.StatusAccepted},
		{http.MethodPost, "/openbanking/customers/cus_000001/analyses", `{"accounts":[]}`, http.StatusBadRequest},
		{http.MethodGet, "/openbanking/customers/cus_000002/analyses/an_000002", ``, http.StatusNotFound}, // wrong customer
	}
	for _, st := range steps {
		status, body := env.Raw(t, st.method, st.path, st.body, auth)
		require.Equal(t, st.status, status, "%s %s: %s", st.method, st.path, body)
	}
	status, _ = env.Raw(t, http.MethodGet, "/openbanking/customers", "", map[string]string{"Authorization": "Bearer nope"})
	require.Equal(t, http.StatusUnauthorized, status)
}

func TestOpenBankingContractErrors(t *testing.T) {
	tests := []struct {
		name      string
		secret    string
		fault     *sandbox.Fault
		call      func(*openbanking.Client) error
		op        string
		status    int
		code      string
		temporary bool
	}{
		{name: "bad client secret", secret: "wrong", op: "get token", status: 401, code: "invalid_client"},
		{name: "unknown analysis", call: func(c *openbanking.Client) error {
			_, err := c.GetAnalysis(context.Background(), "cus_000001", "an_404")
			return err
		}, op: "get analysis", status: 404, code: "ANALYSIS_NOT_FOUND"},
		{name: "analysis for unknown customer", call: func(c *openbanking.Client) error {
			_, err := c.CreateAnalysis(context.Background(), "cus_404", obInput())
			return err
		}, op: "create analysis", status: 404, code: "CUSTOMER_NOT_FOUND"},
		{name: "rate limited", fault: &sandbox.Fault{RateLimit: 1, RetryAfter: 7 * time.Second}, op: "get token", status: 429, code: "rate_limited", temporary: true},
		{name: "unavailable", fault: &sandbox.Fault{ErrorRate: 1}, op: "get token", status: 503, code: "injected_fault", temporary: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := sandboxtest.New(t, func(c *sandbox.Config) {
				if tt.fault != nil {
					c.Faults = map[string]sandbox.Fault{"openbanking": *tt.fault}
				}
			})
			secret := env.Creds.OpenBankingSecret
			if tt.secret != "" {
				secret = tt.secret
			}
			c := openbanking.New(openbanking.Config{BaseURL: env.Srv.URL + "/openbanking", ClientID: env.Creds.OpenBankingClientID, ClientSecret: secret}, env.Srv.Client())
			call := tt.call
			if call == nil {
				call = func(c *openbanking.Client) error {
					_, _, err := c.CreateCustomer(context.Background(), "x")
					return err
				}
			}
			if tt.call != nil {
				_, _, err := c.CreateCustomer(context.Background(), "x") // cus_000001
				require.NoError(t, err)
			}
			sandboxtest.RequireProviderError(t, call(c), sandboxtest.ProviderError{
				Op: tt.op, Status: tt.status, Code: tt.code, Temporary: tt.temporary, RetryAfter: sandboxtest.RetryAfter(tt.fault),
			})
		})
	}

	t.Run("empty upload is refused by both sides", func(t *testing.T) {
		env := sandboxtest.New(t, nil)
		c := obClient(env, env.Clock.Now)
		cust, _, err := c.CreateCustomer(context.Background(), "x")
		require.NoError(t, err)
		_, err = c.CreateAnalysis(context.Background(), cust.ID, openbanking.AnalysisInput{})
		require.True(t, providers.IsStatus(err, 400))
		require.Zero(t, env.Hits("POST /openbanking/customers/"+cust.ID+"/analyses"))
	})
}

func TestOpenBankingContractListAnalyses(t *testing.T) {
	env := sandboxtest.New(t, nil)
	c := obClient(env, env.Clock.Now)
	ctx := context.Background()
	cust, _, err := c.CreateCustomer(ctx, "onboarding:NO:987654321")
	require.NoError(t, err)
	other, _, err := c.CreateCustomer(ctx, "onboarding:NO:123456789")
	require.NoError(t, err)

	none, err := c.ListAnalyses(ctx, cust.ID)
	require.NoError(t, err)
	require.Empty(t, none)

	first, err := c.CreateAnalysis(ctx, cust.ID, obInput())
	require.NoError(t, err)
	_, err = c.CreateAnalysis(ctx, other.ID, obInput())
	require.NoError(t, err)
	second, err := c.CreateAnalysis(ctx, cust.ID, obInput())
	require.NoError(t, err)
	status, _ := env.Control(t, http.MethodPost, "/control/openbanking/analyses/"+first.ID+"/finish", "")
	require.Equal(t, http.StatusOK, status)

	got, err := c.ListAnalyses(ctx, cust.ID)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, []string{first.ID, second.ID}, []string{got[0].ID, got[1].ID}, "oldest first")
	require.True(t, got[0].Completed())
	require.NotNil(t, got[0].Scores)
	require.Equal(t, openbanking.StatusInProgress, got[1].Status)

	unknown, err := c.ListAnalyses(ctx, "cus_999999")
	require.NoError(t, err, "404 reads as none")
	require.Empty(t, unknown)
}
