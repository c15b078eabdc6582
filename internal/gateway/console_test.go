package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/gateway"
)

// consoleClient is one browser: its cookies, and the server's clock.
type consoleClient struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]*http.Cookie
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func consoleServer(t *testing.T, fe *fakeEngine, clk *clock) *consoleClient {
	tokens, err := gateway.ParseTokens("app:shop=" + appToken + ",agent:alice=" + agentToken)
	require.NoError(t, err)
	h := gateway.New(gateway.Config{WebhookSecrets: [][]byte{secret}, APITokens: tokens, Now: clk.Now}, &fakeTemporal{}, fe, zap.NewNop()).Handler()
	return &consoleClient{t: t, h: h, cookies: map[string]*http.Cookie{}}
}

func (c *consoleClient) do(method, path string, form url.Values, header http.Header) *httptest.ResponseRecorder {
	c.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	for _, ck := range rec.Result().Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
			continue
		}
		require.True(c.t, ck.HttpOnly, ck.Name)
		require.Equal(c.t, http.SameSiteStrictMode, ck.SameSite, ck.Name)
		require.Equal(c.t, "/console", ck.Path)
		c.cookies[ck.Name] = ck
	}
	return rec
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	m := csrfRE.FindStringSubmatch(body)
	require.NotNil(t, m, "no CSRF field in %s", body)
	return m[1]
}

func (c *consoleClient) signIn(token string) *httptest.ResponseRecorder {
	c.t.Helper()
	page := c.do("GET", "/console/signin", nil, nil)
	require.Equal(c.t, http.StatusOK, page.Code)
	return c.do("POST", "/console/signin", url.Values{"csrf": {csrfOf(c.t, page.Body.String())}, "token": {token}}, nil)
}

func TestConsoleSignInSessionsAndCSRF(t *testing.T) {
	fe := &fakeEngine{}
	clk := &clock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	c := consoleServer(t, fe, clk)

	// Signed out, pages send to the sign-in form and changes are refused.
	rec := c.do("GET", "/console/", nil, nil)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "/console/signin", rec.Header().Get("Location"))
	rec = c.do("POST", "/console/onboardings/"+wfID+"/decision", url.Values{"decision": {"approve"}}, nil)
	require.Equal(t, http.StatusUnauthorized, rec.Code)

	// The sign-in form loads nothing from elsewhere, and the browser is told so.
	page := c.do("GET", "/console/signin", nil, nil)
	require.Contains(t, page.Header().Get("Content-Security-Policy"), "default-src 'none'")
	require.Equal(t, "no-store", page.Header().Get("Cache-Control"))
	require.NotRegexp(t, `(src|href|action)="(https?:)?//`, page.Body.String())

	// Wrong credentials: a forged form, an unknown token, an app's token.
	require.Equal(t, http.StatusForbidden, c.do("POST", "/console/signin", url.Values{"csrf": {"forged"}, "token": {agentToken}}, nil).Code)
	require.Equal(t, http.StatusUnauthorized, c.signIn("not-a-token-at-all-xx").Code)
	require.Equal(t, http.StatusForbidden, c.signIn(appToken).Code)
	require.NotContains(t, c.cookies, "onboarding_console")

	rec = c.signIn(agentToken)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "/console/", rec.Header().Get("Location"))
	require.Contains(t, c.cookies, "onboarding_console")
	require.NotContains(t, c.cookies["onboarding_console"].Value, agentToken, "the cookie is a session id, not the token")

	queue := c.do("GET", "/console/", nil, nil)
	require.Equal(t, http.StatusOK, queue.Code)
	require.Contains(t, queue.Body.String(), "alice")
	require.NotContains(t, queue.Body.String(), agentToken, "the page never holds the token")
	csrf := csrfOf(t, queue.Body.String())

	// A change without the session's CSRF token, or from another site, changes nothing.
	path := "/console/onboardings/" + wfID + "/decision"
	require.Equal(t, http.StatusForbidden, c.do("POST", path, url.Values{"decision": {"approve"}}, nil).Code)
	require.Equal(t, http.StatusForbidden, c.do("POST", path, url.Values{"decision": {"approve"}, "csrf": {csrf}}, http.Header{"Origin": {"http://attacker.example"}}).Code)
	require.Equal(t, http.StatusForbidden, c.do("POST", path, url.Values{"decision": {"approve"}, "csrf": {csrf}}, http.Header{"Sec-Fetch-Site": {"cross-site"}}).Code)
	require.Empty(t, fe.decided)

	// The decision goes the API's way, in the session agent's name.
	rec = c.do("POST", path, url.Values{"decision": {"approve"}, "csrf": {csrf}, "reason": {"checked"}, "requestId": {"form-1"},
		"agent": {"mallory"}}, http.Header{"Origin": {"http://example.com"}, "Sec-Fetch-Site": {"same-origin"}})
	require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
	require.Equal(t, "/console/onboardings/"+url.PathEscape(wfID), rec.Header().Get("Location"))
	require.Len(t, fe.decided, 1)
	require.Equal(t, "alice", fe.decided[0].Agent, "a form field cannot name another agent")
	require.Equal(t, "console session of alice", fe.decided[0].Via)
	require.Contains(t, fe.calls, "decide "+wfID+" form-1")

	// An invalid decision is refused before it reaches the engine, and said on the page.
	c.do("POST", path, url.Values{"decision": {"maybe"}, "csrf": {csrf}}, nil)
	require.Len(t, fe.decided, 1)
	shown := c.do("GET", "/console/onboardings/"+wfID, nil, nil)
	require.Contains(t, shown.Body.String(), `decision must be &#34;approve&#34; or &#34;decline&#34;`)

	// Idle for 30 minutes: the session is over.
	clk.add(29 * time.Minute)
	require.Equal(t, http.StatusOK, c.do("GET", "/console/", nil, nil).Code)
	clk.add(30 * time.Minute)
	require.Equal(t, http.StatusSeeOther, c.do("GET", "/console/", nil, nil).Code)
	require.Equal(t, http.StatusUnauthorized, c.do("POST", path, url.Values{"decision": {"approve"}, "csrf": {csrf}}, nil).Code)

	// However busy, a session ends 8 hours after sign-in.
	require.Equal(t, http.StatusSeeOther, c.signIn(agentToken).Code)
	for range 8 * 3 {
		require.Equal(t, http.StatusOK, c.do("GET", "/console/", nil, nil).Code)
		clk.add(20 * time.Minute)
	}
	require.Equal(t, http.StatusSeeOther, c.do("GET", "/console/", nil, nil).Code)

	// Signing out ends it at once.
	require.Equal(t, http.StatusSeeOther, c.signIn(agentToken).Code)
	csrf = csrfOf(t, c.do("GET", "/console/", nil, nil).Body.String())
	old := *c.cookies["onboarding_console"]
	require.Equal(t, http.StatusSeeOther, c.do("POST", "/console/signout", url.Values{"csrf": {csrf}}, nil).Code)
	c.cookies["onboarding_console"] = &old
	require.Equal(t, http.StatusSeeOther, c.do("GET", "/console/", nil, nil).Code, "the old cookie is worth nothing")
}

func TestConsoleStaticFilesAreLocal(t *testing.T) {
	c := consoleServer(t, &fakeEngine{}, &clock{now: time.Now()})
	for _, f := range []string{"/console/static/console.css", "/console/static/console.js"} {
		rec := c.do("GET", f, nil, nil)
		require.Equal(t, http.StatusOK, rec.Code, f)
		require.NotRegexp(t, `https?://|@import|url\(`, rec.Body.String(), f)
	}
}
