package providers

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Tokens caches a provider's access token: it fetches one when there is none or it is about
// to expire, and DoBearer fetches a fresh one once when the provider refuses it. Quickr and
// open banking authenticate this way; only how they fetch a token differs.
type Tokens struct {
	// Fetch gets a new token and its lifetime (0 means DefaultTTL).
	Fetch func(ctx context.Context) (token string, ttl time.Duration, err error)
	// DefaultTTL is assumed when the provider does not say how long a token lives.
	DefaultTTL time.Duration
	// Slack renews a token this long before it expires, but never earlier than half its
	// life, so a call never starts with a token about to lapse.
	Slack time.Duration
	Now   func() time.Time // nil means time.Now

	mu      sync.Mutex
	token   string
	expires time.Time
}

// Token returns the cached token, or a new one when force is set or it is due for renewal.
func (t *Tokens) Token(ctx context.Context, force bool) (string, error) {
	now := Clock(t.Now)
	t.mu.Lock()
	defer t.mu.Unlock()
	if !force && t.token != "" && now().Before(t.expires) {
		return t.token, nil
	}
	tok, ttl, err := t.Fetch(ctx)
	if err != nil {
		return "", err
	}
	if ttl <= 0 {
		ttl = t.DefaultTTL
	}
	t.token, t.expires = tok, now().Add(ttl-min(t.Slack, ttl/2))
	return t.token, nil
}

// DoBearer runs req with "Authorization: Bearer <token>" added to its headers; when the
// provider answers 401 it fetches a new token and tries once more.
func (c *Caller) DoBearer(ctx context.Context, t *Tokens, req Request, out any) (int, error) {
	for attempt := 0; ; attempt++ {
		tok, err := t.Token(ctx, attempt > 0)
		if err != nil {
			return 0, err
		}
		r := req
		r.Header = req.Header.Clone()
		if r.Header == nil {
			r.Header = http.Header{}
		}
		r.Header.Set("Authorization", "Bearer "+tok)
		status, err := c.Do(ctx, r, out)
		if status == http.StatusUnauthorized && attempt == 0 {
			continue
		}
		return status, err
	}
}

// FetchToken runs req against a token endpoint, decodes the answer into a T and reads the
// access token and its lifetime in seconds from it with read. An answer without a token is
// an *Error (502), so Tokens never caches an empty one; its result suits Tokens.Fetch.
func FetchToken[T any](ctx context.Context, c *Caller, req Request, read func(T) (token string, expiresIn int64)) (string, time.Duration, error) {
	var answer T
	if _, err := c.Do(ctx, req, &answer); err != nil {
		return "", 0, err
	}
	token, expiresIn := read(answer)
	if token == "" {
		return "", 0, &Error{Provider: c.Provider, Op: req.Op, Status: http.StatusBadGateway, Message: "token response without access_token"}
	}
	return token, time.Duration(expiresIn) * time.Second, nil
}
