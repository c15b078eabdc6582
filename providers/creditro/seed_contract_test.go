package creditro_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/contracttest"
	"github.com/merchantflow/onboarding/providers/creditro"
)

// Seed contract tests against seed 000. Its only example is the Quickstart's JavaScript
// (stored as testdata/seed/kyc_cases.example.json): POST {API URL}/{customerId} with the API
// token as a Bearer token, customerId being the token payload's "customer", and the cases
// under "items". The seed shows no KYC case item, so the item's fields are not held to
// anything: the client reads them under several spellings and keeps the raw item (a choice).

type seedExample struct {
	Request struct {
		Method        string `json:"method"`
		Path          string `json:"path"`
		Authorization string `json:"authorization"`
	} `json:"request"`
	TokenPayload map[string]string `json:"token_payload"`
	Response     json.RawMessage   `json:"response"`
}

func TestSeedContractKYCCases(t *testing.T) {
	var ex seedExample
	require.NoError(t, json.Unmarshal(contracttest.Seed(t, "kyc_cases.example").Body, &ex))
	require.Contains(t, ex.TokenPayload, "customer")

	// The documented response with one item of the engine's reading (the seed shows none).
	srv := contracttest.NewServer(t, func(contracttest.Request) contracttest.Answer {
		return contracttest.Answer{Body: []byte(`{"items":[{"id":"k1","status":"APPROVED"}]}`)}
	})
	token := jwt(t, map[string]any{"customer": "cust-42"})
	c := creditro.New(creditro.Config{BaseURL: srv.URL, APIToken: token}, srv.Client())
	cases, err := c.KYCCases(context.Background())
	require.NoError(t, err)

	req := srv.Last(t, ex.Request.Method, "/cust-42")
	require.Equal(t, ex.Request.Method, req.Method, "the example POSTs")
	require.Equal(t, "/cust-42", req.Path, "the path is "+ex.Request.Path+", from the token's customer claim")
	require.Equal(t, "Bearer "+token, req.Header.Get("Authorization"), ex.Request.Authorization)
	require.Len(t, cases, 1)
	require.Equal(t, "k1", cases[0].ID)

	// The documented empty answer is no cases, not an error.
	empty := contracttest.NewServer(t, func(contracttest.Request) contracttest.Answer { return contracttest.Answer{Body: ex.Response} })
	none, err := creditro.New(creditro.Config{BaseURL: empty.URL, APIToken: token}, empty.Client()).KYCCases(context.Background())
	require.NoError(t, err)
	require.Empty(t, none)
}

// The 429 body is plain text; the client names it and the retry rule waits at least the
// "couple of minutes" the status table asks for.
func TestSeedContractRateLimited(t *testing.T) {
	var text string
	require.NoError(t, json.Unmarshal(contracttest.Seed(t, "rate_limited.response").Body, &text))
	srv := contracttest.NewServer(t, func(contracttest.Request) contracttest.Answer {
		return contracttest.Answer{Status: http.StatusTooManyRequests, Body: []byte(text), Header: map[string]string{"Content-Type": "text/plain"}}
	})
	c := creditro.New(creditro.Config{BaseURL: srv.URL, APIToken: jwt(t, map[string]any{"customer": "cust-42"})}, srv.Client())
	_, err := c.KYCCases(context.Background())
	pe, ok := providers.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, http.StatusTooManyRequests, pe.Status)
	require.Equal(t, creditro.QuotaExceededCode, pe.Code)
	require.Equal(t, text, pe.Message)
	require.GreaterOrEqual(t, creditro.RetryRule.NextDelay(err).Minutes(), 2.0)
}
