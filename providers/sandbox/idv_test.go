package sandbox_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/webhooksig"
	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/idv"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

const idvRef = "onboarding:NO:987654321"

func idvClient(env *ctEnv, prefix string) *idv.Client {
	return idv.New(idv.Config{BaseURL: env.srv.URL + "/idv", PathPrefix: prefix, PublicKey: env.creds.IDVPublicKey, Secret: env.creds.IDVSecret}, env.srv.Client())
}

func TestIDVContractCreateAndRead(t *testing.T) {
	for _, prefix := range []string{"", "/api/"} {
		t.Run("prefix "+prefix, func(t *testing.T) {
			env := ctSandbox(t, nil)
			c := idvClient(env, prefix)
			ctx := context.Background()
			created, err := c.CreateSession(ctx, idv.CreateSessionInput{CallbackURL: "http://127.0.0.1:1/unused", FaceVerification: true, Reference: idvRef})
			require.NoError(t, err)
			require.NotZero(t, created.ID)
			require.NotEmpty(t, created.Token)
			require.Equal(t, 1, env.sb.Counters().Get(idvRef, sandbox.CountIDVSessions))

			state, err := c.SessionState(ctx, created.ID)
			require.NoError(t, err)
			require.Equal(t, idv.StateCreated, state)

			s, err := c.GetSession(ctx, created.ID)
			require.NoError(t, err)
			require.Equal(t, created.ID, s.ID)
			require.Equal(t, idv.StateCreated, s.State)
			require.Equal(t, idvRef, s.Reference)
			require.Equal(t, ctT0.Format(time.RFC3339), s.Created)
			require.Equal(t, ctT0.Add(24*time.Hour).Format(time.RFC3339), s.Expires)
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
			env := ctSandbox(t, nil)
			hooks := ctWebhooks(t, env)
			c := idvClient(env, "")
			ctx := context.Background()
			created, err := c.CreateSession(ctx, idv.CreateSessionInput{CallbackURL: hooks.URL, Reference: idvRef})
			require.NoError(t, err)

			status, _ := env.control(t, http.MethodPost, "/control/idv/sessions/"+idvRef+"/finish", tt.body)
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
			for _, d := range hooks.next(t, 2) {
				require.ErrorIs(t, d.VerifyErr, webhooksig.ErrMissing, "unsigned, as the seed documents none")
				require.EqualValues(t, created.ID, d.Body["id"])
				require.Equal(t, idvRef, d.Body["reference"])
				got[d.Body["state"].(string)] = true
			}
			require.Equal(t, map[string]bool{idv.StateInProgress: true, tt.wantState: true}, got)

			// A finished session cannot finish again.
			status, _ = env.control(t, http.MethodPost, "/control/idv/sessions/"+strconv.FormatInt(created.ID, 10)+"/finish", `{}`)
			require.Equal(t, http.StatusConflict, status)
		})
	}
}

func TestIDVContractExpiry(t *testing.T) {
	env := ctSandbox(t, func(c *sandbox.Config) { c.IDVSessionTTL = time.Hour })
	hooks := ctWebhooks(t, env)
	c := idvClient(env, "")
	created, err := c.CreateSession(context.Background(), idv.CreateSessionInput{CallbackURL: hooks.URL, Reference: "r1"})
	require.NoError(t, err)
	status, _ := env.control(t, http.MethodPost, "/control/idv/sessions/r1/start", "")
	require.Equal(t, http.StatusOK, status)

	env.clock.Advance(59 * time.Minute)
	state, err := c.SessionState(context.Background(), created.ID)
	require.NoError(t, err)
	require.Equal(t, idv.StateInProgress, state)

	env.clock.Advance(time.Minute)
	state, err = c.SessionState(context.Background(), created.ID)
	require.NoError(t, err)
	require.Equal(t, idv.StateExpired, state)
	got := map[string]bool{}
	for _, d := range hooks.next(t, 2) {
		got[d.Body["state"].(string)] = true
	}
	require.Equal(t, map[string]bool{idv.StateInProgress: true, idv.StateExpired: true}, got)
}

// postNotification hands the sandbox's app a notification, as the worker's Notify does.
func postNotification(t *testing.T, env *ctEnv, body string) {
	t.Helper()
	resp, err := http.Post(env.srv.URL+"/app/inbox", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

func TestIDVContractAutomatic(t *testing.T) {
	env := ctSandbox(t, func(c *sandbox.Config) {
		c.Auto = true
		c.Delays.IDV = 10 * time.Minute
	})
	c := idvClient(env, "")
	ctx := context.Background()
	created, err := c.CreateSession(ctx, idv.CreateSessionInput{Reference: "onboarding:NO:123456789"})
	require.NoError(t, err)

	// Nobody has the token yet: the session waits, however long.
	env.clock.Advance(30 * time.Minute)
	state, err := c.SessionState(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, idv.StateCreated, state)

	// The app receives the token and the person opens the session with it.
	postNotification(t, env, `{"id":"n1","workflowId":"onboarding:NO:123456789","type":"identity_verification_ready","data":{"sessionId":`+
		strconv.FormatInt(created.ID, 10)+`,"token":"`+created.Token+`"}}`)
	require.Eventually(t, func() bool {
		state, err := c.SessionState(ctx, created.ID)
		return err == nil && state == idv.StateInProgress
	}, 5*time.Second, 5*time.Millisecond)
	env.clock.Advance(10 * time.Minute)
	require.Eventually(t, func() bool {
		state, err := c.SessionState(ctx, created.ID)
		return err == nil && state == idv.StateCompleted
	}, 5*time.Second, 5*time.Millisecond)
	s, err := c.GetSession(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, "Floki", s.GivenNames)
	require.Equal(t, "Vilgerdarson", s.Surname)
}

func TestIDVPersonCompletesWithTheToken(t *testing.T) {
	env := ctSandbox(t, nil)
	c := idvClient(env, "")
	ctx := context.Background()
	created, err := c.CreateSession(ctx, idv.CreateSessionInput{Reference: "onboarding:NO:123456789"})
	require.NoError(t, err)
	post := func(token string) int {
		resp, err := http.Post(env.srv.URL+"/idv/person/"+token+"/complete", "application/json", nil)
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
			env := ctSandbox(t, func(c *sandbox.Config) {
				if tt.fault != nil {
					c.Faults = map[string]sandbox.Fault{"idv": *tt.fault}
				}
			})
			cfg := idv.Config{BaseURL: env.srv.URL + "/idv", PublicKey: env.creds.IDVPublicKey, Secret: env.creds.IDVSecret}
			if tt.secret != "" {
				cfg.Secret = tt.secret
			}
			_, err := idv.New(cfg, env.srv.Client()).GetSession(context.Background(), max(tt.id, 1))
			pe, ok := providers.AsError(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, tt.status, pe.Status)
			require.Equal(t, tt.code, pe.Code)
			require.Equal(t, tt.temporary, pe.Temporary())
			if tt.status == 429 {
				require.Equal(t, 4*time.Second, pe.RetryAfter)
			}
		})
	}
}

func TestIDVSandboxValidatesTypes(t *testing.T) {
	env := ctSandbox(t, nil)
	auth := map[string]string{"Authorization": "Basic " + basic(env.creds.IDVPublicKey, env.creds.IDVSecret)}
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
			status, body := env.raw(t, http.MethodPost, tt.path, tt.body, auth)
			require.Equal(t, tt.status, status, body)
			require.Contains(t, body, tt.contains)
		})
	}
	status, _ := env.raw(t, http.MethodGet, "/idv/api/v1/session.create", "", auth)
	require.Equal(t, http.StatusMethodNotAllowed, status, "POST only")
}

// The engine no longer calls session.list (the seed documents neither its filters nor its
// reply); the sandbox still answers it, so this reads it over plain HTTP.
func TestIDVContractListSessions(t *testing.T) {
	env := ctSandbox(t, nil)
	c := idvClient(env, "")
	ctx := context.Background()
	auth := map[string]string{"Authorization": "Basic " + basic(env.creds.IDVPublicKey, env.creds.IDVSecret)}
	list := func(body string) []map[string]any {
		status, out := env.raw(t, http.MethodPost, "/idv/api/v1/session.list", body, auth)
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
	status, _ := env.control(t, http.MethodPost, "/control/idv/sessions/"+strconv.FormatInt(first.ID, 10)+"/finish", `{"state":"FAILED"}`)
	require.Equal(t, http.StatusOK, status)

	got := list(`{"reference":"` + idvRef + `"}`)
	require.Len(t, got, 2)
	require.EqualValues(t, []any{float64(first.ID), float64(second.ID)}, []any{got[0]["id"], got[1]["id"]}, "oldest first")
	require.Equal(t, idv.StateFailed, got[0]["state"])
	require.Equal(t, idv.StateCreated, got[1]["state"])
	require.Equal(t, second.Token, got[1]["token"])
	require.Len(t, list(`{}`), 3)
}

// With no delay, automatic mode completes every session: the start and the finish used to run
// as two goroutines, and when the start won the race the finish failed and the session stayed
// IN_PROGRESS for good.
func TestIDVAutomaticWithoutDelayAlwaysCompletes(t *testing.T) {
	env := ctSandbox(t, func(c *sandbox.Config) { c.Auto = true })
	c := idvClient(env, "")
	ctx := context.Background()
	var ids []int64
	for i := range 300 {
		created, err := c.CreateSession(ctx, idv.CreateSessionInput{Reference: "onboarding:NO:123456789"})
		require.NoError(t, err)
		ids = append(ids, created.ID)
		postNotification(t, env, `{"id":"n`+strconv.Itoa(i)+`","workflowId":"onboarding:NO:123456789","type":"identity_verification_ready","data":{"token":"`+created.Token+`"}}`)
	}
	for _, id := range ids {
		require.Eventually(t, func() bool {
			state, err := c.SessionState(ctx, id)
			return err == nil && state == idv.StateCompleted
		}, 5*time.Second, 5*time.Millisecond, "session %d never completed", id)
	}
}

// The sandbox's app uploads bank data to the gateway it is given, and to the next of
// WebhookFailover when that one cannot take it.
func TestAppUploadFailsOverToTheNextGateway(t *testing.T) {
	var got []string
	var mu sync.Mutex
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer up.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer down.Close()
	env := ctSandbox(t, func(c *sandbox.Config) {
		c.Auto = true
		c.AppAPIURL, c.AppToken = down.URL, "app-token"
		c.WebhookFailover = []string{down.URL, up.URL}
	})
	postNotification(t, env, `{"id":"n1","workflowId":"onboarding:NO:987654321","type":"bank_data_requested","data":{}}`)
	require.Eventually(t, func() bool {
		env.clock.Advance(time.Second) // the retry waits a second of the sandbox's clock
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 1
	}, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, "PUT /v1/onboardings/onboarding:NO:987654321/bank-data Bearer app-token", got[0])
}
