// Package sandboxtest is the sandbox's shared test harness: one fresh sandbox behind an
// httptest server on a manual clock, raw HTTP helpers, a webhook receiver and the checks of a
// provider client's typed error. Only tests import it.
package sandboxtest

import (
	"bytes"
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
	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/idv"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// T0 is where every test's manual clock starts.
var T0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// Env is one fresh sandbox behind an httptest server, on a manual clock.
type Env struct {
	SB    *sandbox.Server
	Srv   *httptest.Server
	Clock *sandbox.ManualClock
	Cfg   sandbox.Config
	Creds sandbox.Credentials

	mu   sync.Mutex
	hits map[string]int // "METHOD path" -> requests seen
}

// New starts a sandbox for one test case; mutate adjusts its config.
func New(t *testing.T, mutate func(*sandbox.Config)) *Env {
	t.Helper()
	env := &Env{Clock: sandbox.NewManualClock(T0), Creds: sandbox.DefaultCredentials(), hits: map[string]int{}}
	env.Cfg = sandbox.Config{Clock: env.Clock, Credentials: env.Creds}
	if mutate != nil {
		mutate(&env.Cfg)
	}
	env.SB = sandbox.New(env.Cfg)
	h := env.SB.Handler()
	env.Srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env.mu.Lock()
		env.hits[r.Method+" "+r.URL.Path]++
		env.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		env.Srv.Close()
		env.SB.Close()
	})
	return env
}

// Hits is how many requests reached method+path ("POST /openbanking/oauth/token").
func (e *Env) Hits(methodPath string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hits[methodPath]
}

// Send sends body (nil, a string, or a value encoded as JSON) to the sandbox's path with the
// given headers and decodes a JSON answer into a map.
func (e *Env) Send(t *testing.T, method, path string, body any, header map[string]string) (int, map[string]any) {
	t.Helper()
	status, raw := e.Raw(t, method, path, body, header)
	var out map[string]any
	if strings.TrimSpace(raw) != "" {
		require.NoError(t, json.Unmarshal([]byte(raw), &out), raw)
	}
	return status, out
}

// Control calls a control endpoint with a JSON body and decodes the answer into a map.
func (e *Env) Control(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	return e.Send(t, method, path, body, map[string]string{"Content-Type": "application/json"})
}

// Raw sends a request straight to the sandbox and returns the status and body. path is
// below the sandbox's URL, or a whole URL the sandbox handed out (a sign link).
func (e *Env) Raw(t *testing.T, method, path string, body any, header map[string]string) (int, string) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	if !strings.HasPrefix(path, "http://") {
		path = e.Srv.URL + path
	}
	req, err := http.NewRequest(method, path, rd)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.Srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// PostNotification hands the sandbox's app a notification, as the worker's Notify does.
func (e *Env) PostNotification(t *testing.T, body string) {
	t.Helper()
	status, raw := e.Raw(t, http.MethodPost, "/app/inbox", body, map[string]string{"Content-Type": "application/json"})
	require.Equal(t, http.StatusNoContent, status, raw)
}

// Delivery is one webhook as received.
type Delivery struct {
	Path      string
	Body      map[string]any
	VerifyErr error // the signature check against the sandbox's signing secret
}

// Receiver collects the webhooks the sandbox sends.
type Receiver struct {
	URL string
	ch  chan Delivery

	mu  sync.Mutex
	got []Delivery
}

// Webhooks starts a receiver that answers every webhook 204.
func Webhooks(t *testing.T, env *Env) *Receiver {
	t.Helper()
	rc := &Receiver{ch: make(chan Delivery, 1024)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, verr := webhooksig.Verify(r.Header, b, [][]byte{[]byte(env.Creds.WebhookSigningSecret)}, env.Clock.Now(), time.Hour)
		d := Delivery{Path: r.URL.Path, VerifyErr: verr}
		_ = json.Unmarshal(b, &d.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, d)
		rc.mu.Unlock()
		select {
		case rc.ch <- d:
		default: // nobody waits with Next; All still has it
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL
	return rc
}

// Next waits for n deliveries (webhooks go out on their own goroutines).
func (rc *Receiver) Next(t *testing.T, n int) []Delivery {
	t.Helper()
	var out []Delivery
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

// Types lists the "type" of every delivery so far, in arrival order.
func (rc *Receiver) Types() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, d := range rc.got {
		if typ, ok := d.Body["type"].(string); ok {
			out = append(out, typ)
		}
	}
	return out
}

// Basic is an HTTP Basic credential.
func Basic(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// RetryAfter is the Retry-After a fault makes the sandbox send (0 without one).
func RetryAfter(f *sandbox.Fault) time.Duration {
	if f == nil {
		return 0
	}
	return f.RetryAfter
}

// ProviderError is what a provider client's typed error must say.
type ProviderError struct {
	Op        string // checked when not empty
	Status    int
	Code      string // checked when not empty
	Message   string // checked when not empty
	Temporary bool
	// RetryAfter, when not zero, is the Retry-After the client must have read (an injected
	// rate limit's).
	RetryAfter time.Duration
}

// RequireProviderError checks that err is a providers.Error as want says, and returns it.
func RequireProviderError(t *testing.T, err error, want ProviderError) *providers.Error {
	t.Helper()
	pe, ok := providers.AsError(err)
	require.True(t, ok, "%v", err)
	if want.Op != "" {
		require.Equal(t, want.Op, pe.Op)
	}
	require.Equal(t, want.Status, pe.Status)
	if want.Code != "" {
		require.Equal(t, want.Code, pe.Code)
	}
	if want.Message != "" {
		require.Equal(t, want.Message, pe.Message)
	}
	require.Equal(t, want.Temporary, pe.Temporary())
	if want.RetryAfter != 0 {
		require.Equal(t, want.RetryAfter, pe.RetryAfter)
	}
	return pe
}

// IDVClient is the engine's IDV client on the sandbox (prefix: its PathPrefix).
func (e *Env) IDVClient(prefix string) *idv.Client {
	return idv.New(idv.Config{BaseURL: e.Srv.URL + "/idv", PathPrefix: prefix, PublicKey: e.Creds.IDVPublicKey, Secret: e.Creds.IDVSecret}, e.Srv.Client())
}
