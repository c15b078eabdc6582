package sandbox_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/webhooksig"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// ctT0 is where every contract test's manual clock starts.
var ctT0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// ctEnv is one fresh sandbox behind an httptest server, on a manual clock.
type ctEnv struct {
	sb    *sandbox.Server
	srv   *httptest.Server
	clock *sandbox.ManualClock
	creds sandbox.Credentials

	mu   sync.Mutex
	hits map[string]int // "METHOD path" -> requests seen
}

// ctSandbox starts a sandbox for one test case; mutate adjusts its config.
func ctSandbox(t *testing.T, mutate func(*sandbox.Config)) *ctEnv {
	t.Helper()
	env := &ctEnv{clock: sandbox.NewManualClock(ctT0), creds: sandbox.DefaultCredentials(), hits: map[string]int{}}
	cfg := sandbox.Config{Clock: env.clock, Credentials: env.creds}
	if mutate != nil {
		mutate(&cfg)
	}
	env.sb = sandbox.New(cfg)
	h := env.sb.Handler()
	env.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env.mu.Lock()
		env.hits[r.Method+" "+r.URL.Path]++
		env.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		env.srv.Close()
		env.sb.Close()
	})
	return env
}

// hitCount is how many requests reached method+path.
func (e *ctEnv) hitCount(methodPath string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hits[methodPath]
}

// control calls a control endpoint and decodes the JSON answer into a map.
func (e *ctEnv) control(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, &out), string(b))
	}
	return resp.StatusCode, out
}

// raw sends a request straight to the sandbox.
func (e *ctEnv) raw(t *testing.T, method, path, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// ctDelivery is one webhook as received.
type ctDelivery struct {
	Body      map[string]any
	VerifyErr error
}

// ctReceiver collects webhooks sent by the sandbox.
type ctReceiver struct {
	URL string
	ch  chan ctDelivery
}

func ctWebhooks(t *testing.T, env *ctEnv) *ctReceiver {
	t.Helper()
	rc := &ctReceiver{ch: make(chan ctDelivery, 64)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, verr := webhooksig.Verify(r.Header, b, [][]byte{[]byte(env.creds.WebhookSigningSecret)}, env.clock.Now(), time.Hour)
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		rc.ch <- ctDelivery{Body: body, VerifyErr: verr}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL
	return rc
}

// next waits for n deliveries (webhooks go out on their own goroutines).
func (rc *ctReceiver) next(t *testing.T, n int) []ctDelivery {
	t.Helper()
	var out []ctDelivery
	for len(out) < n {
		select {
		case d := <-rc.ch:
			out = append(out, d)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d of %d webhooks", len(out), n)
		}
	}
	return out
}

// basic is an HTTP Basic credential.
func basic(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}
