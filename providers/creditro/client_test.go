package creditro_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/creditro"
	"github.com/merchantflow/onboarding/providers/internal/providertest"
)

// jwt builds an unsigned-looking JWT with the given claims (the client never verifies).
func jwt(t *testing.T, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	p, err := json.Marshal(claims)
	require.NoError(t, err)
	return enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(p) + "." + enc.EncodeToString([]byte("sig"))
}

func TestCustomerID(t *testing.T) {
	enc := base64.RawURLEncoding
	padded := enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." +
		base64.URLEncoding.EncodeToString([]byte(`{"customer":"c-77"}`)) + ".x"
	tests := []struct {
		name    string
		token   string
		want    string
		wantErr error
	}{
		{"string claim", jwt(t, map[string]any{"customer": "cust-42"}), "cust-42", nil},
		{"numeric claim", jwt(t, map[string]any{"customer": 12345678901}), "12345678901", nil},
		{"customerId spelling", jwt(t, map[string]any{"customerId": "cust-9"}), "cust-9", nil},
		{"padded payload", padded, "c-77", nil},
		{"bearer prefix pasted", "Bearer " + jwt(t, map[string]any{"customer": "c1"}), "c1", nil},
		{"empty", "", "", creditro.ErrTokenMissingValue},
		{"not a jwt", "opaque-token", "", creditro.ErrTokenNotJWT},
		{"bad base64", "a.!!!.c", "", creditro.ErrTokenNotJWT},
		{"payload not json", "a." + enc.EncodeToString([]byte("nope")) + ".c", "", creditro.ErrTokenNotJWT},
		{"no claim", jwt(t, map[string]any{"sub": "x"}), "", creditro.ErrNoCustomerClaim},
		{"empty claim", jwt(t, map[string]any{"customer": ""}), "", creditro.ErrNoCustomerClaim},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := creditro.New(creditro.Config{APIToken: tt.token}, nil)
			got, err := c.CustomerID()
			if tt.wantErr == nil {
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			pe, ok := providers.AsError(err)
			require.True(t, ok)
			require.Equal(t, creditro.InvalidTokenCode, pe.Code)
			require.False(t, pe.Temporary())
		})
	}
}

func TestKYCCases(t *testing.T) {
	token := jwt(t, map[string]any{"customer": "cust/42"})
	tests := []struct {
		name   string
		body   string
		want   []creditro.KYCCase
		status int
	}{
		{
			name: "items camelCase",
			body: `{"items":[{"id":7,"companyName":"Northwind AS","registrationNumber":"912345678","country":"NO","status":"APPROVED","createdAt":"2024-01-02T03:04:05Z","extra":{"a":1}}]}`,
			want: []creditro.KYCCase{{ID: "7", CompanyName: "Northwind AS", RegistrationNumber: "912345678", Country: "NO", Status: "APPROVED", CreatedAt: "2024-01-02T03:04:05Z"}},
		},
		{
			name: "items snake_case",
			body: `{"items":[{"_id":"k1","company_name":"Fjord AS","company_number":"923456789","country_code":"DK","state":"PENDING","created_at":"2024-02-01","updated_at":"2024-02-02"}]}`,
			want: []creditro.KYCCase{{ID: "k1", CompanyName: "Fjord AS", RegistrationNumber: "923456789", Country: "DK", Status: "PENDING", CreatedAt: "2024-02-01", UpdatedAt: "2024-02-02"}},
		},
		{name: "bare array", body: `[{"id":"a","cvr":"12345678"}]`, want: []creditro.KYCCase{{ID: "a", RegistrationNumber: "12345678"}}},
		{name: "no items", body: `{"items":[]}`, want: []creditro.KYCCase{}},
		{name: "empty 201", body: ``, status: http.StatusCreated, want: []creditro.KYCCase{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := providertest.Server(t, providertest.Answer(providertest.Reply{Status: tt.status, Body: tt.body}))
			got, err := creditro.New(creditro.Config{BaseURL: srv.URL + "/", APIToken: token}, srv.Client()).KYCCases(context.Background())
			require.NoError(t, err)
			reqs := rec.All()
			require.Len(t, reqs, 1)
			require.Equal(t, http.MethodPost, reqs[0].Method)
			require.Equal(t, "/cust%2F42", reqs[0].Path)
			require.Equal(t, "Bearer "+token, reqs[0].Auth())
			require.Equal(t, "application/json", reqs[0].ContentType())
			require.JSONEq(t, `{}`, reqs[0].Body)
			require.Len(t, got, len(tt.want))
			for i := range got {
				got[i].Raw = nil // compared separately
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestKYCCaseKeepsRawAndRoundTrips(t *testing.T) {
	var k creditro.KYCCase
	require.NoError(t, json.Unmarshal([]byte(`{"id":1,"company_name":"X","riskScore":3,"people":[{"name":"a"}]}`), &k))
	require.Equal(t, "X", k.CompanyName)
	require.Contains(t, k.Raw, "people")
	b, err := json.Marshal(k)
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, "X", back["companyName"])
	require.EqualValues(t, 3, back["riskScore"])
}

func TestKYCCasesMethod(t *testing.T) {
	token := jwt(t, map[string]any{"customer": "c1"})
	tests := []struct {
		name        string
		cfgMethod   string
		serverAllow string
		wantMethods []string // methods seen over two calls
	}{
		{"default POST", "", http.MethodPost, []string{"POST", "POST"}},
		{"configured GET", "get", http.MethodGet, []string{"GET", "GET"}},
		{"POST falls back to GET once and keeps it", "", http.MethodGet, []string{"POST", "GET", "GET"}},
		{"GET falls back to POST", "GET", http.MethodPost, []string{"GET", "POST", "POST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := providertest.Server(t, func(w http.ResponseWriter, r providertest.Request) {
				if r.Method != tt.serverAllow {
					w.WriteHeader(http.StatusMethodNotAllowed)
					return
				}
				_, _ = io.WriteString(w, `{"items":[{"id":"1"}]}`)
			})
			c := creditro.New(creditro.Config{BaseURL: srv.URL, APIToken: token, Method: tt.cfgMethod}, srv.Client())
			for range 2 {
				got, err := c.KYCCases(context.Background())
				require.NoError(t, err)
				require.Len(t, got, 1)
			}
			var methods []string
			for _, r := range rec.All() {
				methods = append(methods, r.Method)
			}
			require.Equal(t, tt.wantMethods, methods)
		})
	}
}

func TestKYCCasesErrors(t *testing.T) {
	token := jwt(t, map[string]any{"customer": "c1"})
	expired := jwt(t, map[string]any{"customer": "c1", "exp": time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()})
	tests := []struct {
		name       string
		token      string
		status     int
		header     map[string]string
		body       string
		wantStatus int
		wantCode   string
		wantMsg    string
		wantRetry  time.Duration
		temporary  bool
	}{
		{name: "400 json", status: 400, body: `{"message":"missing timestamp","code":"E_TS"}`, wantStatus: 400, wantCode: "E_TS", wantMsg: "missing timestamp"},
		{name: "401 expired token", token: expired, status: 401, body: `{"error":"Unauthorized"}`, wantStatus: 401, wantMsg: "Unauthorized (API token expired at 2020-01-01T00:00:00Z)"},
		{name: "403 no pro subscription", status: 403, body: `Forbidden`, wantStatus: 403, wantMsg: "Forbidden"},
		{name: "429 quota text", status: 429, header: map[string]string{"Retry-After": "120"}, body: "API calls quota exceeded! (maximum 100 per minute)", wantStatus: 429, wantCode: creditro.QuotaExceededCode, wantMsg: "API calls quota exceeded! (maximum 100 per minute)", wantRetry: 2 * time.Minute, temporary: true},
		{name: "500", status: 500, body: `{"message":"boom"}`, wantStatus: 500, wantMsg: "boom", temporary: true},
		{name: "502 empty body", status: 502, wantStatus: 502, wantMsg: "Bad Gateway", temporary: true},
		{name: "malformed 200", status: 200, body: `{"items":[`, wantStatus: http.StatusBadGateway, temporary: true},
		{name: "items wrong type", status: 200, body: `{"items":{"id":1}}`, wantStatus: http.StatusBadGateway, temporary: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := providertest.Server(t, providertest.Answer(providertest.Reply{Status: tt.status, Body: tt.body, Header: tt.header}))
			tok := tt.token
			if tok == "" {
				tok = token
			}
			_, err := creditro.New(creditro.Config{BaseURL: srv.URL, APIToken: tok}, srv.Client()).KYCCases(context.Background())
			providertest.RequireError(t, err, creditro.Provider, providertest.Want{Status: tt.wantStatus, Code: tt.wantCode,
				Message: tt.wantMsg, Temporary: tt.temporary, RetryAfter: tt.wantRetry})
		})
	}
}

func TestKYCCasesNetworkAndTokenErrors(t *testing.T) {
	_, err := creditro.New(creditro.Config{BaseURL: providertest.ClosedURL(t), APIToken: jwt(t, map[string]any{"customer": "c"})}, nil).KYCCases(context.Background())
	providertest.RequireNetworkError(t, err)

	// A bad token fails before any request is made.
	srv, rec := providertest.Server(t, nil)
	_, err = creditro.New(creditro.Config{BaseURL: srv.URL, APIToken: "not-a-jwt"}, srv.Client()).KYCCases(context.Background())
	require.ErrorIs(t, err, creditro.ErrTokenNotJWT)
	require.Empty(t, rec.All())
}

func TestKYCCasesContextCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := creditro.New(creditro.Config{BaseURL: srv.URL, APIToken: jwt(t, map[string]any{"customer": "c"})}, srv.Client()).KYCCases(ctx)
	require.True(t, errors.Is(err, context.Canceled))
}

func TestRetryRule(t *testing.T) {
	r := creditro.RetryRule
	require.False(t, r.Scheduled(), "the seed gives no schedule: the engine's call budget applies")
	rateLimited := &providers.Error{Provider: creditro.Provider, Status: 429}
	require.Equal(t, 2*time.Minute, r.NextDelay(rateLimited), "429 without Retry-After waits a couple of minutes")
	require.Equal(t, 5*time.Minute, r.NextDelay(&providers.Error{Status: 429, RetryAfter: 5 * time.Minute}))
}
