package core_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/webhooksig"
	"github.com/merchantflow/onboarding/providers/idv"
	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/providers/sandbox/sandboxtest"
)

// idvRef is the reference of the sessions whose webhooks these tests follow.
const idvRef = "onboarding:NO:987654321"

type hookHit struct {
	path string
	body string
	sig  error
}

// hookReceiver records every webhook: its path, body and whether it verifies.
func hookReceiver(t *testing.T, env *sandboxtest.Env) (string, chan hookHit) {
	t.Helper()
	ch := make(chan hookHit, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, err := webhooksig.Verify(r.Header, b, [][]byte{[]byte(env.Creds.WebhookSigningSecret)}, env.Clock.Now(), time.Hour)
		ch <- hookHit{path: r.URL.Path, body: string(b), sig: err}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ch
}

func nextHit(t *testing.T, ch chan hookHit) hookHit {
	t.Helper()
	select {
	case h := <-ch:
		return h
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook")
		return hookHit{}
	}
}

// startSession creates an IDV session whose callback URL is a capability URL and moves it to
// IN_PROGRESS, which sends one webhook.
func startSession(t *testing.T, env *sandboxtest.Env, callbackURL string) {
	t.Helper()
	_, err := env.IDVClient("").CreateSession(context.Background(), idv.CreateSessionInput{CallbackURL: callbackURL, Reference: idvRef})
	require.NoError(t, err)
	status, _ := env.Control(t, http.MethodPost, "/control/idv/sessions/"+idvRef+"/start", "")
	require.Equal(t, http.StatusOK, status)
}

func TestWebhooksGoToTheCallbackURLAsGiven(t *testing.T) {
	t.Run("unsigned by default, to the exact path", func(t *testing.T) {
		env := sandboxtest.New(t, nil)
		base, hits := hookReceiver(t, env)
		startSession(t, env, base+"/webhooks/idv/b25i.TOKEN")
		h := nextHit(t, hits)
		require.Equal(t, "/webhooks/idv/b25i.TOKEN", h.path)
		require.ErrorIs(t, h.sig, webhooksig.ErrMissing)
		require.JSONEq(t, `{"id":100001,"state":"IN_PROGRESS","reference":"`+idvRef+`"}`, h.body)
	})
	t.Run("signed on request", func(t *testing.T) {
		env := sandboxtest.New(t, func(c *sandbox.Config) { c.SignWebhooks = true })
		base, hits := hookReceiver(t, env)
		startSession(t, env, base+"/webhooks/idv")
		require.NoError(t, nextHit(t, hits).sig)
	})
}

func TestWebhookFaults(t *testing.T) {
	t.Run("duplicated: the same body, so the same event, twice", func(t *testing.T) {
		env := sandboxtest.New(t, func(c *sandbox.Config) { c.Faults = map[string]sandbox.Fault{"idv": {DuplicateWebhooks: 1}} })
		base, hits := hookReceiver(t, env)
		startSession(t, env, base+"/cb/tok")
		a, b := nextHit(t, hits), nextHit(t, hits)
		require.Equal(t, a.body, b.body)
		require.Equal(t, "/cb/tok", b.path)
	})
	t.Run("dropped: never sent, logged as dropped", func(t *testing.T) {
		env := sandboxtest.New(t, func(c *sandbox.Config) { c.Faults = map[string]sandbox.Fault{"idv": {DropWebhooks: 1}} })
		base, hits := hookReceiver(t, env)
		startSession(t, env, base+"/cb/tok")
		status, log := env.Control(t, http.MethodGet, "/control/webhooks?reference="+idvRef, "")
		require.Equal(t, http.StatusOK, status)
		ds := log["deliveries"].([]any)
		require.Len(t, ds, 1)
		require.Equal(t, "dropped", ds[0].(map[string]any)["status"])
		require.Equal(t, base+"/cb/tok", ds[0].(map[string]any)["url"])
		require.Empty(t, hits, "the drop is decided before anything is sent")
	})
}

// TestWebhookFailoverRetriesAtTheNextGateway: with two gateways behind what would be one
// address, a delivery the first cannot take is retried at the second, same path and body.
func TestWebhookFailoverRetriesAtTheNextGateway(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // connection refused from now on: a killed gateway
	paths := make(chan string, 4)
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths <- r.URL.Path
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(live.Close)
	env := sandboxtest.New(t, func(c *sandbox.Config) { c.WebhookFailover = []string{deadURL, live.URL + "/"} })
	startSession(t, env, deadURL+"/webhooks/idv/b25i.TOKEN")
	require.Eventually(t, func() bool {
		_, log := env.Control(t, http.MethodGet, "/control/webhooks?reference="+idvRef, "")
		ds := log["deliveries"].([]any)
		return len(ds) == 1 && ds[0].(map[string]any)["attempts"].(float64) >= 1
	}, 5*time.Second, 10*time.Millisecond, "the first attempt")
	require.Empty(t, paths, "nothing reached the live gateway before the retry")
	env.Clock.Advance(time.Second) // the retry's backoff, on the sandbox clock
	select {
	case p := <-paths:
		require.Equal(t, "/webhooks/idv/b25i.TOKEN", p)
	case <-time.After(5 * time.Second):
		t.Fatal("the retry did not reach the other gateway")
	}
	require.Eventually(t, func() bool {
		_, log := env.Control(t, http.MethodGet, "/control/webhooks?reference="+idvRef, "")
		d := log["deliveries"].([]any)[0].(map[string]any)
		return d["status"] == "delivered"
	}, 5*time.Second, 10*time.Millisecond)
	_, log := env.Control(t, http.MethodGet, "/control/webhooks?reference="+idvRef, "")
	d := log["deliveries"].([]any)[0].(map[string]any)
	require.EqualValues(t, 2, d["attempts"])
	require.Equal(t, deadURL+"/webhooks/idv/b25i.TOKEN", d["url"], "the URL the worker gave")
	require.Equal(t, live.URL+"/webhooks/idv/b25i.TOKEN", d["lastUrl"])
}
