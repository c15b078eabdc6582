package providers_test

import (
	"net/http"
	"testing"
	"time"

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
