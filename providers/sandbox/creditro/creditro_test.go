package creditro_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/creditro"
	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/providers/sandbox/sandboxtest"
)

func creditroClient(env *sandboxtest.Env, token, method string) *creditro.Client {
	return creditro.New(creditro.Config{BaseURL: env.Srv.URL + "/creditro", APIToken: token, Method: method, Now: env.Clock.Now}, env.Srv.Client())
}

func TestCreditroContractListsSeededCases(t *testing.T) {
	for _, method := range []string{"", http.MethodGet} {
		t.Run("method "+method, func(t *testing.T) {
			env := sandboxtest.New(t, nil)
			c := creditroClient(env, sandbox.CreditroToken(env.Creds.CreditroCustomerID, time.Time{}), method)
			id, err := c.CustomerID()
			require.NoError(t, err)
			require.Equal(t, env.Creds.CreditroCustomerID, id)

			cases, err := c.KYCCases(context.Background())
			require.NoError(t, err)
			require.Len(t, cases, 2)
			require.Equal(t, "Ragnarok AS", cases[0].CompanyName)
			require.Equal(t, "987654321", cases[0].RegistrationNumber)
			require.Equal(t, "NO", cases[0].Country)
			require.Equal(t, "APPROVED", cases[0].Status)
			require.Equal(t, "LOW", cases[0].Raw["riskLevel"])
			require.NotEmpty(t, cases[0].ID)
			require.Equal(t, "987123654", cases[1].RegistrationNumber)
			require.Equal(t, "REJECTED", cases[1].Status)
			want := "POST /creditro/" + id
			if method == http.MethodGet {
				want = "GET /creditro/" + id
			}
			require.Equal(t, 1, env.Hits(want))
		})
	}
}

func TestCreditroContractControlAddsCase(t *testing.T) {
	env := sandboxtest.New(t, nil)
	status, body := env.Control(t, http.MethodPost, "/control/creditro/cases", `{"registrationNumber":"123456789","status":"PENDING"}`)
	require.Equal(t, http.StatusCreated, status)
	require.Equal(t, "Floki Shipbuilders", body["companyName"])

	_, tok := env.Control(t, http.MethodGet, "/control/creditro/token", "")
	cases, err := creditroClient(env, tok["token"].(string), "").KYCCases(context.Background())
	require.NoError(t, err)
	require.Len(t, cases, 3)
	require.Equal(t, "Floki Shipbuilders", cases[2].CompanyName)
	require.Equal(t, "PENDING", cases[2].Status)
	require.Equal(t, sandboxtest.T0.Format(time.RFC3339), cases[2].CreatedAt)
}

func TestCreditroContractAuthFailures(t *testing.T) {
	forged := func(cust string) string {
		good := sandbox.CreditroToken(cust, time.Time{})
		parts := strings.Split(good, ".")
		return parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString([]byte("forged"))
	}
	tests := []struct {
		name     string
		token    func(env *sandboxtest.Env) string
		advance  time.Duration
		status   int
		contains string
	}{
		{"forged signature", func(env *sandboxtest.Env) string { return forged(env.Creds.CreditroCustomerID) }, 0, 401, "signature"},
		{"other customer", func(*sandboxtest.Env) string { return sandbox.CreditroToken("cust-someone-else", time.Time{}) }, 0, 401, "unknown customer"},
		{"expired", func(env *sandboxtest.Env) string {
			return sandbox.CreditroToken(env.Creds.CreditroCustomerID, sandboxtest.T0.Add(time.Hour))
		}, 2 * time.Hour, 401, "expired at 2025-03-01T10:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := sandboxtest.New(t, nil)
			env.Clock.Advance(tt.advance)
			_, err := creditroClient(env, tt.token(env), "").KYCCases(context.Background())
			pe, ok := providers.AsError(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, tt.status, pe.Status)
			require.False(t, pe.Temporary())
			require.Contains(t, pe.Message, tt.contains)
		})
	}

	t.Run("not a JWT never leaves the client", func(t *testing.T) {
		env := sandboxtest.New(t, nil)
		_, err := creditroClient(env, "opaque", "").KYCCases(context.Background())
		require.ErrorIs(t, err, creditro.ErrTokenNotJWT)
	})
	t.Run("another customer's path is 403", func(t *testing.T) {
		env := sandboxtest.New(t, nil)
		tok := sandbox.CreditroToken(env.Creds.CreditroCustomerID, time.Time{})
		status, body := env.Raw(t, http.MethodPost, "/creditro/cust-other", `{}`, map[string]string{"Authorization": "Bearer " + tok})
		require.Equal(t, http.StatusForbidden, status)
		require.Contains(t, body, "do not have access")
	})
}

func TestCreditroContractFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault sandbox.Fault
		want  sandboxtest.ProviderError
		retry time.Duration // compared exactly: zero without a rate limit
	}{
		{"quota exceeded", sandbox.Fault{RateLimit: 1, RetryAfter: 2 * time.Minute},
			sandboxtest.ProviderError{Status: 429, Code: creditro.QuotaExceededCode, Temporary: true}, 2 * time.Minute},
		{"server error", sandbox.Fault{ErrorRate: 1, ErrorStatus: 500}, sandboxtest.ProviderError{Status: 500, Code: "injected_fault", Temporary: true}, 0},
		{"forbidden (no Pro subscription)", sandbox.Fault{ErrorRate: 1, ErrorStatus: 403}, sandboxtest.ProviderError{Status: 403, Code: "injected_fault"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := sandboxtest.New(t, func(c *sandbox.Config) { c.Faults = map[string]sandbox.Fault{"creditro": tt.fault} })
			_, err := creditroClient(env, sandbox.CreditroToken(env.Creds.CreditroCustomerID, time.Time{}), "").KYCCases(context.Background())
			pe := sandboxtest.RequireProviderError(t, err, tt.want)
			require.Equal(t, tt.retry, pe.RetryAfter, "no Retry-After without a rate limit")
			if tt.want.Status == 429 {
				require.True(t, strings.HasPrefix(pe.Message, "API calls quota exceeded! ("), pe.Message)
				require.Equal(t, 2*time.Minute, creditro.RetryRule.NextDelay(err))
			}
		})
	}
}
