package deepidv_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/deepidv"
	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/providers/sandbox/sandboxtest"
)

const ctExternalID = "onboarding:NO:987654321"

func deepidvClient(env *sandboxtest.Env, key string) *deepidv.Client {
	return deepidv.New(deepidv.Config{BaseURL: env.Srv.URL + "/deepidv", APIKey: key}, env.Srv.Client())
}

func deepidvInput(ext string) deepidv.CreateInput {
	return deepidv.CreateInput{
		BusinessEmail: "ragnar.lothbrok@example.test", FirstName: "Ragnar", LastName: "Lothbrok",
		BusinessName: "Ragnarok AS", BusinessAddress: "Kattegat 1, 0150 Oslo", RequestedCreditAmount: 250000,
		ExternalID: ext, RequestedCreditPeriod: "60",
	}
}

func TestDeepIDVContractCreateAndFetch(t *testing.T) {
	env := sandboxtest.New(t, nil)
	c := deepidvClient(env, env.Creds.DeepIDVAPIKey)
	ctx := context.Background()

	none, err := c.FindByExternalID(ctx, ctExternalID)
	require.NoError(t, err)
	require.Nil(t, none, "look up before create finds nothing")

	res, err := c.CreateCreditTerms(ctx, deepidvInput(ctExternalID))
	require.NoError(t, err)
	require.NotEmpty(t, res.CreditTermsID)
	require.Equal(t, ctExternalID, res.ExternalID)
	require.Contains(t, res.CreditTermsURL, "/deepidv/apply/"+res.CreditTermsID)
	require.Len(t, res.Links, 2)
	require.Equal(t, 1, env.SB.Counters().Get(ctExternalID, sandbox.CountCreditTerms))

	got, err := c.GetCreditTerms(ctx, res.CreditTermsID)
	require.NoError(t, err)
	require.Equal(t, deepidv.CreditTerms{
		ID: res.CreditTermsID, ExternalID: ctExternalID, Status: deepidv.StatusPending, Type: deepidv.TypeRequest,
		CreatedAt: sandboxtest.T0.Format(time.RFC3339), UpdatedAt: sandboxtest.T0.Format(time.RFC3339), SenderUserID: "sandbox-user",
		Config: deepidv.StatementConfig{Period: "60", Name: "Ragnarok AS", Address: "Kattegat 1, 0150 Oslo", RequestedAmount: 250000},
	}, *got)

	found, err := c.FindByExternalID(ctx, ctExternalID)
	require.NoError(t, err)
	require.Equal(t, got, found)

	page, err := c.ListCreditTerms(ctx, "")
	require.NoError(t, err)
	require.Len(t, page.CreditTerms, 1)
	require.Empty(t, page.NextToken)
}

func TestDeepIDVContractLifecycle(t *testing.T) {
	tests := []struct {
		name  string
		auto  bool
		steps []func(t *testing.T, env *sandboxtest.Env, id string)
		want  []string
	}{
		{
			name: "manual: start and finish by control",
			steps: []func(*testing.T, *sandboxtest.Env, string){
				func(t *testing.T, env *sandboxtest.Env, id string) {
					env.Control(t, http.MethodPost, "/control/deepidv/credit-terms/"+id+"/start", "")
				},
				func(t *testing.T, env *sandboxtest.Env, _ string) {
					env.Control(t, http.MethodPost, "/control/deepidv/credit-terms/"+ctExternalID+"/finish", "")
				},
			},
			want: []string{deepidv.StatusInProgress, deepidv.StatusCompleted},
		},
		{
			name: "manual: applicant opens the link, finish from control",
			steps: []func(*testing.T, *sandboxtest.Env, string){
				func(t *testing.T, env *sandboxtest.Env, id string) {
					status, _ := env.Raw(t, http.MethodGet, "/deepidv/apply/"+id, "", nil)
					require.Equal(t, http.StatusOK, status)
				},
				func(t *testing.T, env *sandboxtest.Env, id string) {
					env.Control(t, http.MethodPost, "/control/deepidv/credit-terms/"+id+"/finish", "")
				},
			},
			want: []string{deepidv.StatusInProgress, deepidv.StatusCompleted},
		},
		{
			name: "automatic: halfway in progress, then completed",
			auto: true,
			steps: []func(*testing.T, *sandboxtest.Env, string){
				func(t *testing.T, env *sandboxtest.Env, _ string) { env.Clock.Advance(29 * time.Minute) },
				func(t *testing.T, env *sandboxtest.Env, _ string) { env.Clock.Advance(time.Minute) },
				func(t *testing.T, env *sandboxtest.Env, _ string) { env.Clock.Advance(30 * time.Minute) },
			},
			want: []string{deepidv.StatusPending, deepidv.StatusInProgress, deepidv.StatusCompleted},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := sandboxtest.New(t, func(c *sandbox.Config) {
				c.Auto = tt.auto
				c.Delays.CreditTerms = time.Hour
			})
			c := deepidvClient(env, env.Creds.DeepIDVAPIKey)
			res, err := c.CreateCreditTerms(context.Background(), deepidvInput(ctExternalID))
			require.NoError(t, err)
			for i, step := range tt.steps {
				step(t, env, res.CreditTermsID)
				got, err := c.GetCreditTerms(context.Background(), res.CreditTermsID)
				require.NoError(t, err)
				require.Equal(t, tt.want[i], got.Status, "after step %d", i)
			}
			status, _ := env.Raw(t, http.MethodPost, "/control/deepidv/credit-terms/"+res.CreditTermsID+"/start", "", nil)
			require.Equal(t, http.StatusConflict, status, "COMPLETED never goes back")
		})
	}
}

func TestDeepIDVContractPagination(t *testing.T) {
	env := sandboxtest.New(t, nil)
	c := deepidvClient(env, env.Creds.DeepIDVAPIKey)
	ctx := context.Background()
	// 501 requests for one external id (the sandbox does not enforce uniqueness): two pages.
	for i := range 501 {
		_, err := c.CreateCreditTerms(ctx, deepidvInput("dup"))
		require.NoError(t, err, "create %d", i)
		env.Clock.Advance(time.Second)
	}
	_, err := c.CreateCreditTerms(ctx, deepidvInput("other"))
	require.NoError(t, err)
	require.Equal(t, 501, env.SB.Counters().Get("dup", sandbox.CountCreditTerms))

	p1, err := c.ListCreditTerms(ctx, "")
	require.NoError(t, err)
	require.Len(t, p1.CreditTerms, 500)
	require.NotEmpty(t, p1.NextToken)
	p2, err := c.ListCreditTerms(ctx, p1.NextToken)
	require.NoError(t, err)
	require.Len(t, p2.CreditTerms, 2)
	require.Empty(t, p2.NextToken)

	found, err := c.FindByExternalID(ctx, "dup")
	require.NoError(t, err)
	require.Equal(t, p1.CreditTerms[0].ID, found.ID, "the earliest one")
	require.Equal(t, 2, env.Hits("GET /deepidv/credit-terms/externalId/dup"), "followed nextToken")

	other, err := c.FindByExternalID(ctx, "other")
	require.NoError(t, err)
	require.Equal(t, p2.CreditTerms[1].ID, other.ID)
}

func TestDeepIDVContractErrors(t *testing.T) {
	tests := []struct {
		name      string
		key       string
		fault     *sandbox.Fault
		call      func(*deepidv.Client) error
		status    int
		message   string
		temporary bool
	}{
		{name: "missing key is 403", key: "", status: 403, message: "API key is missing."},
		{name: "wrong key is 401", key: "nope", status: 401, message: "Invalid API key."},
		{name: "unknown id", call: func(c *deepidv.Client) error {
			_, err := c.GetCreditTerms(context.Background(), "ct-missing")
			return err
		}, status: 404, message: "Credit terms not found."},
		{name: "payment required", fault: &sandbox.Fault{ErrorRate: 1, ErrorStatus: 402}, status: 402, message: "Insufficient funds or subscription."},
		{name: "rate limited", fault: &sandbox.Fault{RateLimit: 1, RetryAfter: 3 * time.Second}, status: 429, message: "Rate limit exceeded.", temporary: true},
		{name: "server error", fault: &sandbox.Fault{ErrorRate: 1, ErrorStatus: 500}, status: 500, message: "Something went wrong.", temporary: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := sandboxtest.New(t, func(c *sandbox.Config) {
				if tt.fault != nil {
					c.Faults = map[string]sandbox.Fault{"deepidv": *tt.fault}
				}
			})
			key := env.Creds.DeepIDVAPIKey
			if tt.fault == nil && tt.call == nil {
				key = tt.key
			}
			c := deepidvClient(env, key)
			call := tt.call
			if call == nil {
				call = func(c *deepidv.Client) error { _, err := c.ListCreditTerms(context.Background(), ""); return err }
			}
			sandboxtest.RequireProviderError(t, call(c), sandboxtest.ProviderError{
				Status: tt.status, Message: tt.message, Temporary: tt.temporary, RetryAfter: sandboxtest.RetryAfter(tt.fault),
			})
		})
	}

	t.Run("client-side validation sends nothing", func(t *testing.T) {
		env := sandboxtest.New(t, nil)
		in := deepidvInput(ctExternalID)
		in.BusinessAddress = ""
		_, err := deepidvClient(env, env.Creds.DeepIDVAPIKey).CreateCreditTerms(context.Background(), in)
		require.True(t, providers.IsStatus(err, 400))
		require.Zero(t, env.Hits("POST /deepidv/credit-terms"))
		require.Zero(t, env.SB.Counters().Get(ctExternalID, sandbox.CountCreditTerms))
	})
}

func TestDeepIDVSandboxValidatesInput(t *testing.T) {
	base := `"businessEmail":"a@b.test","firstName":"A","lastName":"B","businessName":"C","businessAddress":"D"`
	tests := []struct {
		body   string
		status int
	}{
		{`{` + base + `,"requestedCreditAmount":1000}`, 200},
		{`{` + base + `,"requestedCreditAmount":1000,"period":"90"}`, 200},
		{`{` + base + `,"requestedCreditAmount":1000,"requestedCreditPeriod":60}`, 200},
		{`{` + base + `,"requestedCreditAmount":1000,"period":"45"}`, 400},
		{`{` + base + `}`, 400},
		{`{` + base + `,"requestedCreditAmount":-5}`, 400},
		{`{"firstName":"A","requestedCreditAmount":1000}`, 400},
		{`{` + base + `,"requestedCreditAmount":1000,"sendEmailInvite":"no"}`, 400},
		{`not json`, 400},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			env := sandboxtest.New(t, nil)
			status, body := env.Raw(t, http.MethodPost, "/deepidv/credit-terms", tt.body, map[string]string{"x-api-key": env.Creds.DeepIDVAPIKey, "Content-Type": "application/json"})
			require.Equal(t, tt.status, status, body)
			if status == 400 {
				require.JSONEq(t, `{"error":"Invalid Input."}`, body)
			}
		})
	}
}
