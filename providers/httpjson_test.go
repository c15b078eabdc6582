package providers_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
)

func TestRetryRuleHTTPClient(t *testing.T) {
	own := &http.Client{Timeout: time.Second}
	rule := providers.RetryRule{Timeout: 60 * time.Second}
	require.Same(t, own, rule.HTTPClient(own, 5*time.Second), "a given client is used as is")
	require.Equal(t, 5*time.Second, rule.HTTPClient(nil, 5*time.Second).Timeout)
	require.Equal(t, 60*time.Second, rule.HTTPClient(nil, 0).Timeout, "the rule's timeout when none is configured")
	require.Equal(t, providers.DefaultTimeout, providers.RetryRule{}.HTTPClient(nil, -1).Timeout)
}

func TestJSONError(t *testing.T) {
	type body struct {
		Name string `json:"name"`
		Text string `json:"text"`
	}
	parse := providers.JSONError(func(e body) (string, string) { return e.Name, e.Text })
	code, msg := parse([]byte(`{"name":"NotFound","text":"no such thing"}`))
	require.Equal(t, []string{"NotFound", "no such thing"}, []string{code, msg})
	code, msg = parse([]byte(`<html>bad gateway</html>`))
	require.Empty(t, code+msg, "a body that is not the JSON yields nothing")
}

func TestClock(t *testing.T) {
	fixed := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	require.Equal(t, fixed, providers.Clock(func() time.Time { return fixed })())
	require.WithinDuration(t, time.Now(), providers.Clock(nil)(), time.Minute)
}

// Calls in flight together reuse their connections on the next round: the pool keeps more
// than Go's default two idle connections per host (providers.MaxIdleConnsPerHost).
func TestProviderClientsKeepTheirConnections(t *testing.T) {
	const inFlight = 16
	var mu sync.Mutex
	opened := 0
	arrived := make(chan struct{}, inFlight)
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived <- struct{}{}
		<-release
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			mu.Lock()
			opened++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	hc := providers.NewHTTPClient(10 * time.Second)
	round := func() int {
		mu.Lock()
		before := opened
		mu.Unlock()
		var wg sync.WaitGroup
		for range inFlight {
			wg.Go(func() {
				resp, err := hc.Get(srv.URL)
				if assert.NoError(t, err) {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
		for range inFlight { // all in flight at once
			<-arrived
		}
		for range inFlight {
			release <- struct{}{}
		}
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return opened - before
	}
	require.Equal(t, inFlight, round(), "the first round opens a connection per call")
	require.Zero(t, round(), "the second round reuses them all")
}
