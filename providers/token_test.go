package providers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
)

func TestTokensCacheAndRenewAhead(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	fetched := 0
	ttl := time.Duration(0)
	tk := &providers.Tokens{
		Fetch: func(context.Context) (string, time.Duration, error) {
			fetched++
			return "tok-" + strconv.Itoa(fetched), ttl, nil
		},
		DefaultTTL: time.Hour,
		Slack:      5 * time.Minute,
		Now:        func() time.Time { return now },
	}
	ctx := context.Background()
	tok, err := tk.Token(ctx, false)
	require.NoError(t, err)
	require.Equal(t, "tok-1", tok)

	now = now.Add(54 * time.Minute) // within the hour minus the slack: cached
	tok, _ = tk.Token(ctx, false)
	require.Equal(t, "tok-1", tok)

	now = now.Add(2 * time.Minute) // inside the last five minutes: renewed
	tok, _ = tk.Token(ctx, false)
	require.Equal(t, "tok-2", tok)

	tok, _ = tk.Token(ctx, true)
	require.Equal(t, "tok-3", tok, "force fetches a new one")

	ttl = 4 * time.Minute // shorter than twice the slack: kept for half its life
	tk.Token(ctx, true)
	now = now.Add(time.Minute + 59*time.Second)
	tok, _ = tk.Token(ctx, false)
	require.Equal(t, "tok-4", tok)
	now = now.Add(2 * time.Second)
	tok, _ = tk.Token(ctx, false)
	require.Equal(t, "tok-5", tok)
}

func TestDoBearerReauthenticatesOnce(t *testing.T) {
	valid := ""
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		require.Equal(t, "kept", r.Header.Get("X-Caller"), "the caller's headers are kept")
		if r.Header.Get("Authorization") != "Bearer "+valid {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	fetched := 0
	tk := &providers.Tokens{Fetch: func(context.Context) (string, time.Duration, error) {
		fetched++
		return "tok-" + strconv.Itoa(fetched), time.Hour, nil
	}}
	c := &providers.Caller{Provider: "test"}
	req := providers.Request{Op: "get", Method: http.MethodGet, URL: srv.URL, Header: http.Header{"X-Caller": {"kept"}}}
	ctx := context.Background()

	valid = "tok-1"
	_, err := c.DoBearer(ctx, tk, req, nil)
	require.NoError(t, err)

	valid = "tok-2" // the provider revoked tok-1: one re-authentication, then success
	var out struct{ OK bool }
	status, err := c.DoBearer(ctx, tk, req, &out)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	require.True(t, out.OK)
	require.Equal(t, 2, fetched)

	valid = "never"
	requests = 0
	status, err = c.DoBearer(ctx, tk, req, nil)
	require.Error(t, err)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, 2, requests, "one retry, not a loop")
	require.Nil(t, req.Header.Values("Authorization"), "the caller's request is not modified")
}

func TestFetchToken(t *testing.T) {
	type answer struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	read := func(a answer) (string, int64) { return a.AccessToken, a.ExpiresIn }
	body := `{"access_token":"tok-1","expires_in":600}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c := &providers.Caller{Provider: "p", HTTP: srv.Client()}
	req := providers.Request{Op: "get token", Method: http.MethodPost, URL: srv.URL}

	tok, ttl, err := providers.FetchToken(context.Background(), c, req, read)
	require.NoError(t, err)
	require.Equal(t, "tok-1", tok)
	require.Equal(t, 10*time.Minute, ttl)

	body = `{"token_type":"Bearer"}` // no token: refused rather than cached
	_, _, err = providers.FetchToken(context.Background(), c, req, read)
	var pe *providers.Error
	require.ErrorAs(t, err, &pe)
	require.Equal(t, providers.Error{Provider: "p", Op: "get token", Status: http.StatusBadGateway, Message: "token response without access_token"}, *pe)
}
