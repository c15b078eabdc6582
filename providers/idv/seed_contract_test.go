package idv_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/contracttest"
	"github.com/merchantflow/onboarding/providers/idv"
)

// Seed contract tests: every call of the client against seed 001's own examples (stored in
// testdata/seed with the lines they come from; see package contracttest). Every request is a
// POST to /api/v1/{class}.{method} with Basic auth, "base64(public key + : + secret)".

func seedClient(t *testing.T) (*idv.Client, *contracttest.Server) {
	t.Helper()
	answers := map[string][]byte{
		"/api/v1/session.create": contracttest.Seed(t, "session_create.response").Body,
		"/api/v1/session.get":    contracttest.Seed(t, "session_get.response").Body,
		"/api/v1/session.state":  contracttest.Seed(t, "session_state.response").Body,
	}
	srv := contracttest.NewServer(t, func(r contracttest.Request) contracttest.Answer {
		if b, ok := answers[r.Path]; ok && r.Method == http.MethodPost {
			return contracttest.Answer{Body: b}
		}
		return contracttest.Answer{Status: http.StatusNotFound, Body: contracttest.Seed(t, "error.response").Body}
	})
	return idv.New(idv.Config{BaseURL: srv.URL, PublicKey: "public-key-x", Secret: "secret-y"}, srv.Client()), srv
}

// requireSeedRequest returns the last request of call (e.g. session.get) after holding it to
// the seed: a POST to /api/v1/{call} with Basic auth and a body shaped like the sample.
func requireSeedRequest(t *testing.T, srv *contracttest.Server, call, sample string) contracttest.Request {
	t.Helper()
	r := srv.Last(t, http.MethodPost, "/"+call)
	require.Equal(t, http.MethodPost, r.Method, "All API requests must be POST requests")
	require.Equal(t, "/api/v1/"+call, r.Path)
	require.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("public-key-x:secret-y")), r.Header.Get("Authorization"))
	contracttest.RequireShape(t, r.Body, contracttest.Seed(t, sample).Body)
	return r
}

func TestSeedContractCreateSession(t *testing.T) {
	c, srv := seedClient(t)
	got, err := c.CreateSession(context.Background(), idv.CreateSessionInput{
		CallbackURL: "https://gateway.example/webhooks/idv/tok", FaceVerification: true, Reference: "onboarding:NO:987654321",
	})
	require.NoError(t, err)
	requireSeedRequest(t, srv, "session.create", "session_create.request")
	require.Equal(t, &idv.CreatedSession{ID: 123, Token: "i_dI5hs7m..."}, got)
}

func TestSeedContractGetSession(t *testing.T) {
	c, srv := seedClient(t)
	got, err := c.GetSession(context.Background(), 123)
	require.NoError(t, err)
	req := requireSeedRequest(t, srv, "session.get", "session_id.request")
	require.JSONEq(t, `{"id":123}`, string(req.Body))
	require.Equal(t, &idv.Session{
		ID: 123, Created: "2024-01-27T00:00:00Z", Expires: "...", State: idv.StateCreated, Reference: "...",
		UserIP: "...", UserAgent: "...", GivenNames: "...", Surname: "...", Nationality: "...", Sex: "...",
		DateOfBirth: "...", PersonalNumber: "...", DocumentType: "...", DocumentNumber: "...", ExpiryDate: "...",
		IssuingCountry: "...", Issuer: "...", Portrait: "...", Face: "...",
	}, got, "every documented field, flat, under its documented name")
}

func TestSeedContractSessionState(t *testing.T) {
	c, srv := seedClient(t)
	state, err := c.SessionState(context.Background(), 123)
	require.NoError(t, err)
	requireSeedRequest(t, srv, "session.state", "session_id.request")
	require.Equal(t, idv.StateCreated, state)
}

// The error example: error_name is the code, error_message the message.
func TestSeedContractError(t *testing.T) {
	srv := contracttest.NewServer(t, func(contracttest.Request) contracttest.Answer {
		return contracttest.Answer{Status: http.StatusNotFound, Body: contracttest.Seed(t, "error.response").Body}
	})
	c := idv.New(idv.Config{BaseURL: srv.URL, PublicKey: "public-key-x", Secret: "secret-y"}, srv.Client())
	_, err := c.GetSession(context.Background(), 123)
	pe, ok := providers.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, http.StatusNotFound, pe.Status)
	require.Equal(t, idv.ErrorSessionNotFound, pe.Code)
	require.Equal(t, "No session found with id: 123", pe.Message)
	require.False(t, idv.RetryRule.Retryable(pe), "never retry a 4xx")
}
