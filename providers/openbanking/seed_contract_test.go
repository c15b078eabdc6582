package openbanking_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers/contracttest"
	"github.com/merchantflow/onboarding/providers/openbanking"
)

// Seed contract tests against seed 004. The seed has no example request or response: its
// code samples, paths and payloads were lost, and only a handful of wire names survive in the
// prose (testdata/seed/names.json). These tests hold the client to exactly those names and
// statuses. Everything else (paths, the token endpoint, the account and transaction fields,
// the score's shape) is the sandbox's convention and is listed as a choice in the README.

type seedNames struct {
	TokenRequest      map[string]string `json:"token_request"`
	TokenResponse     json.RawMessage   `json:"token_response"`
	CustomerRequest   json.RawMessage   `json:"customer_request"`
	DuplicateStatus   int               `json:"customer_duplicate_status"`
	CreatedStatus     int               `json:"analysis_created_status"`
	AnalysisCompleted map[string]any    `json:"analysis_completed"`
}

func loadNames(t *testing.T) seedNames {
	t.Helper()
	var n seedNames
	require.NoError(t, json.Unmarshal(contracttest.Seed(t, "names").Body, &n))
	return n
}

func TestSeedContractNames(t *testing.T) {
	names := loadNames(t)
	customers := 0
	srv := contracttest.NewServer(t, func(r contracttest.Request) contracttest.Answer {
		switch {
		case r.Path == openbanking.DefaultTokenPath:
			return contracttest.Answer{Body: []byte(`{"access_token":"tok-1","expires_in":3600}`)}
		case r.Method == http.MethodPost && r.Path == "/customers":
			customers++
			if customers > 1 { // "If you try to create a customer with the same identifier, a 422"
				return contracttest.Answer{Status: names.DuplicateStatus, Body: []byte(`{"message":"exists"}`)}
			}
			return contracttest.Answer{Status: http.StatusCreated, Body: []byte(`{"id":"cu-1","customIdentifier":"onboarding:NO:987654321"}`)}
		case r.Method == http.MethodGet && r.Path == "/customers":
			return contracttest.Answer{Body: []byte(`[{"id":"cu-1","customIdentifier":"onboarding:NO:987654321"}]`)}
		case r.Method == http.MethodPost && r.Path == "/customers/cu-1/analyses":
			return contracttest.Answer{Status: names.CreatedStatus, Body: []byte(`{"id":"an-1"}`)}
		case r.Method == http.MethodGet && r.Path == "/customers/cu-1/analyses/an-1":
			return contracttest.Answer{Body: []byte(`{"id":"an-1","status":"COMPLETED","scores":{"creditScore":{"value":820}},"creditInsights":{"income":1}}`)}
		}
		return contracttest.Answer{Status: http.StatusNotFound, Body: []byte(`{}`)}
	})
	c := openbanking.New(openbanking.Config{BaseURL: srv.URL, ClientID: "client-id", ClientSecret: "client-secret"}, srv.Client())
	ctx := context.Background()

	cu, created, err := c.CreateCustomer(ctx, "onboarding:NO:987654321")
	require.NoError(t, err)
	require.True(t, created)
	// 1. client_id and client_secret give an access_token, which authenticates the rest.
	tok := srv.Last(t, http.MethodPost, openbanking.DefaultTokenPath)
	form, err := url.ParseQuery(string(tok.Body))
	require.NoError(t, err)
	for name, v := range map[string]string{"client_id": "client-id", "client_secret": "client-secret"} {
		require.Contains(t, names.TokenRequest, name)
		require.Equal(t, v, form.Get(name))
	}
	req := srv.Last(t, http.MethodPost, "/customers")
	require.Equal(t, "Bearer tok-1", req.Header.Get("Authorization"))
	// 2. The customer carries customIdentifier, the only documented field.
	contracttest.RequireShape(t, req.Body, names.CustomerRequest)
	require.Equal(t, "cu-1", cu.ID)

	// A duplicate (422) is the customer we have, not an error.
	again, created, err := c.CreateCustomer(ctx, "onboarding:NO:987654321")
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, "cu-1", again.ID)

	// 3. The upload is answered 202: the analysis has started.
	an, err := c.CreateAnalysis(ctx, "cu-1", openbanking.AnalysisInput{
		Accounts: []openbanking.Account{{ID: "acc-1", Currency: "NOK", Balance: 1000}},
	})
	require.NoError(t, err)
	require.Equal(t, openbanking.StatusInProgress, an.Status)

	// 4. Polled until COMPLETED, with scores and creditInsights defined.
	done, err := c.GetAnalysis(ctx, "cu-1", "an-1")
	require.NoError(t, err)
	require.Equal(t, names.AnalysisCompleted["status"], done.Status)
	require.Equal(t, openbanking.StatusCompleted, done.Status)
	require.NotNil(t, done.Scores)
	require.NotEmpty(t, done.CreditInsights)
}
