package idv_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/webhooksig"
	"github.com/merchantflow/onboarding/providers/idv"
	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/providers/sandbox/sandboxtest"
)

const idvRef = "onboarding:NO:987654321"

func TestIDVContractCreateAndRead(t *testing.T) {
	for _, prefix := range []string{"", "/api/"} {
		t.Run("prefix "+prefix, func(t *testing.T) {
			env := sandboxtest.New(t, nil)
			c := env.IDVClient(prefix)
			ctx := context.Background()
			created, err := c.CreateSession(ctx, idv.CreateSessionInput{CallbackURL: "http://127.0.0.1:1/unused", FaceVerification: true, Reference: idvRef})
			require.NoError(t, err)
			require.NotZero(t, created.ID)
			require.NotEmpty(t, created.Token)
			require.Equal(t, 1, env.SB.Counters().Get(idvRef, sandbox.CountIDVSessions))

			state, err := c.SessionState(ctx, created.ID)
			require.NoError(t, err)
			require.Equal(t, idv.StateCreated, state)

			s, err := c.GetSession(ctx, created.ID)
			require.NoError(t, err)
			require.Equal(t, created.ID, s.ID)
			require.Equal(t, idv.StateCreated, s.State)
			require.Equal(t, idvRef, s.Reference)
			require.Equal(t, sandboxtest.T0.Format(time.RFC3339), s.Created)
			require.Equal(t, sandboxtest.T0.Add(24*time.Hour).Format(time.RFC3339), s.Expires)
			require.Empty(t, s.Surname, "no identity before completion")
		})
	}
}

func TestIDVContractManualFinish(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		wantState   string
		wantGiven   string
		wantSurname string
		wantDOB     string
	}{
		{"expected person from the test company", `{}`, idv.StateCompleted, "Ragnar", "Lothbrok", "1980-01-01"},
		{"given person", `{"person":{"name":"Lagertha Shieldmaiden","birthDate":"1982-04-15"}}`, idv.StateCompleted, "Lagertha", "Shieldmaiden", "1982-04-15"},
		{"not matching", `{"match":false}`, idv.StateCompleted, "Kari", "Nordmann", "1985-03-14"},
		{"not matching a given person", `{"match":false,"person":{"name":"Kari Nordmann","birthDate":"1985-03-14"}}`, idv.StateCompleted, "Ola", "Nordmann", "1979-11-02"},
		{"failed", `{"state":"FAILED"}`, idv.StateFailed, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := sandboxtest.New(t, nil)
			hooks := sandboxtest.Webhooks(t, env)
			c := env.IDVClient("")
			ctx := context.Background()
			created, err := c.CreateSession(ctx, idv.CreateSessionInput{CallbackURL: hooks.URL, Reference: idvRef})
			require.NoError(t, err)

			status, _ := env.Control(t, http.MethodPost, "/control/idv/sessions/"+idvRef+"/finish", tt.body)
			require.Equal(t, http.StatusOK, status)

			s, err := c.GetSession(ctx, created.ID)
			require.NoError(t, err)
			require.Equal(t, tt.wantState, s.State)
			require.Equal(t, tt.wantGiven, s.GivenNames)
			require.Equal(t, tt.wantSurname, s.Surname)
			require.Equal(t, tt.wantDOB, s.DateOfBirth)
			if tt.wantState == idv.StateCompleted {
				require.Equal(t, "NO", s.Nationality)
				require.NotEmpty(t, s.DocumentNumber)
				require.Empty(t, s.Face, "no face verification requested")
			}

			// CREATED -> IN_PROGRESS -> final, each an unsigned callback {id, state, reference}.
			got := map[string]bool{}
			for _, d := range hooks.Next(t, 2) {
				require.ErrorIs(t, d.VerifyErr, webhooksig.ErrMissing, "unsigned, as the seed documents none")
				require.EqualValues(t, created.ID, d.Body["id"])
				require.Equal(t, idvRef, d.Body["reference"])
				got[d.Body["state"].(string)] = true
			}
			require.Equal(t, map[string]bool{idv.StateInProgress: true, tt.wantState: true}, got)

			// A finished session cannot finish again.
			status, _ = env.Control(t, http.MethodPost, "/control/idv/sessions/"+strconv.FormatInt(created.ID, 10)+"/finish", `{}`)
			require.Equal(t, http.StatusConflict, status)
		})
	}
}

func TestIDVContractExpiry(t *testing.T) {
	env := sandboxtest.New(t, func(c *sandbox.Config) { c.IDVSessionTTL = time.Hour })
	hooks := sandboxtest.Webhooks(t, env)
	c := env.IDVClient("")
	created, err := c.CreateSession(context.Background(), idv.CreateSessionInput{CallbackURL: hooks.URL, Reference: "r1"})
	require.NoError(t, err)
	status, _ := env.Control(t, http.MethodPost, "/control/idv/sessions/r1/start", "")
	require.Equal(t, http.StatusOK, status)

	env.Clock.Advance(59 * time.Minute)
	state, err := c.SessionState(context.Background(), created.ID)
	require.NoError(t, err)
	require.Equal(t, idv.StateInProgress, state)

	env.Clock.Advance(time.Minute)
	state, err = c.SessionState(context.Background(), created.ID)
	require.NoError(t, err)
	require.Equal(t, idv.StateExpired, state)
	got := map[string]bool{}
	for _, d := range hooks.Next(t, 2) {
		got[d.Body["state"].(string)] = true
	}
	require.Equal(t, map[string]bool{idv.StateInProgress: true, idv.StateExpired: true}, got)
}

func TestIDVPersonCompletesWithTheToken(t *testing.T) {
	env := sandboxtest.New(t, nil)
	c := env.IDVClient("")
	ctx := context.Background()
	created, err := c.CreateSession(ctx, idv.CreateSessionInput{Reference: "onboarding:NO:123456789"})
	require.NoError(t, err)
	post := func(token string) int {
		resp, err := http.Post(env.Srv.URL+"/idv/person/"+token+"/complete", "application/json", nil)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusNotFound, post("i_not-the-token"))
	require.Equal(t, http.StatusNoContent, post(created.Token))
	state, err := c.SessionState(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, idv.StateCompleted, state)
}

func TestIDVContractErrors(t *testing.T) {
	tests := []struct {
		name      string
		fault     *sandbox.Fault
		secret    string
		id        int64
		status    int
		code      string
		temporary bool
	}{
		{name: "bad credentials", secret: "secret-wrong", status: 401, code: "Unauthorized"},
		{name: "unknown session", id: 999, status: 404, code: idv.ErrorSessionNotFound},
		{name: "injected 503", fault: &sandbox.Fault{ErrorRate: 1}, status: 503, code: "ServiceUnavailable", temporary: true},
		{name: "injected 429", fault: &sandbox.Fault{RateLimit: 1, RetryAfter: 4 * time.Second}, status: 429, code: "TooManyRequests", temporary: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := sandboxtest.New(t, func(c *sandbox.Config) {
				if tt.fault != nil {
					c.Faults = map[string]sandbox.Fault{"idv": *tt.fault}
				}
			})
			cfg := idv.Config{BaseURL: env.Srv.URL + "/idv", PublicKey: env.Creds.IDVPublicKey, Secret: env.Creds.IDVSecret}
			if tt.secret != "" {
				cfg.Secret = tt.secret
			}
			_, err := idv.New(cfg, env.Srv.Client()).GetSession(context.Background(), max(tt.id, 1))
			sandboxtest.RequireProviderError(t, err, sandboxtest.ProviderError{
				Status: tt.status, Code: tt.code, Temporary: tt.temporary, RetryAfter: sandboxtest.RetryAfter(tt.fault),
			})
		})
	}
}

func TestIDVSandboxValidatesTypes(t *testing.T) {
	env := sandboxtest.New(t, nil)
	auth := map[string]string{"Authorization": "Basic " + sandboxtest.Basic(env.Creds.IDVPublicKey, env.Creds.IDVSecret)}
	tests := []struct {
		path, body string
		status     int
		contains   string
	}{
		{"/idv/api/v1/session.create", `{"face_verification":"yes"}`, 400, "face_verification must be of type boolean"},
		{"/idv/api/v1/session.create", `{"reference":12}`, 400, "reference must be of type string"},
		{"/idv/api/v1/session.create", ``, 200, `"token"`},
		{"/idv/api/v1/session.create", `{"unknown":1}`, 200, `"id"`},
		{"/idv/api/v1/session.get", `{}`, 400, "id is required"},
		{"/idv/api/v1/session.state", `{"id":"1"}`, 400, "id must be of type integer"},
		{"/idv/api/v1/session.list", `{"reference":1}`, 400, "reference must be of type string"},
		{"/idv/api/v1/session.list", `{}`, 200, `"data"`},
		{"/idv/api/v1/session.delete", `{}`, 404, "MethodNotFound"},
		{"/idv/api/v1/session.create", `[1]`, 400, "JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.body, func(t *testing.T) {
			status, body := env.Raw(t, http.MethodPost, tt.path, tt.body, auth)
			require.Equal(t, tt.status, status, body)
			require.Contains(t, body, tt.contains)
		})
	}
	status, _ := env.Raw(t, http.MethodGet, "/idv/api/v1/session.create", "", auth)
	require.Equal(t, http.StatusMethodNotAllowed, status, "POST only")
}

// The engine no longer calls session.list (the seed documents neither its filters nor its
// reply); the sandbox still answers it, so this reads it over plain HTTP.
func TestIDVContractListSessions(t *testing.T) {
	env := sandboxtest.New(t, nil)
	c := env.IDVClient("")
	ctx := context.Background()
	auth := map[string]string{"Authorization": "Basic " + sandboxtest.Basic(env.Creds.IDVPublicKey, env.Creds.IDVSecret)}
	list := func(body string) []map[string]any {
		status, out := env.Raw(t, http.MethodPost, "/idv/api/v1/session.list", body, auth)
		require.Equal(t, http.StatusOK, status, out)
		var doc struct {
			Data []map[string]any `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &doc))
		return doc.Data
	}

	require.Empty(t, list(`{"reference":"`+idvRef+`"}`))
	first, err := c.CreateSession(ctx, idv.CreateSessionInput{Reference: idvRef})
	require.NoError(t, err)
	_, err = c.CreateSession(ctx, idv.CreateSessionInput{Reference: "someone-else"})
	require.NoError(t, err)
	second, err := c.CreateSession(ctx, idv.CreateSessionInput{Reference: idvRef})
	require.NoError(t, err)
	status, _ := env.Control(t, http.MethodPost, "/control/idv/sessions/"+strconv.FormatInt(first.ID, 10)+"/finish", `{"state":"FAILED"}`)
	require.Equal(t, http.StatusOK, status)

	got := list(`{"reference":"` + idvRef + `"}`)
	require.Len(t, got, 2)
	require.EqualValues(t, []any{float64(first.ID), float64(second.ID)}, []any{got[0]["id"], got[1]["id"]}, "oldest first")
	require.Equal(t, idv.StateFailed, got[0]["state"])
	require.Equal(t, idv.StateCreated, got[1]["state"])
	require.Equal(t, second.Token, got[1]["token"])
	require.Len(t, list(`{}`), 3)
}
