package idv

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/providers"
)

// Provider is the name carried by every *providers.Error from this package.
const Provider = "idv"

// Defaults from the seed.
const (
	DefaultBaseURL = "http://localhost:4000"
	// DefaultPathPrefix is the prefix every example uses (/api/v1/session.create). The seed's
	// prose gives /api/[class].[method]; set PathPrefix to "/api/" for that form.
	DefaultPathPrefix = "/api/v1/"
)

// Error names. SessionNotFound is the seed's; MethodNotFound is what the sandbox answers for a
// method it does not serve ([SBX]).
const (
	ErrorSessionNotFound = "SessionNotFound"
	ErrorMethodNotFound  = "MethodNotFound"
)

// RetryRule is the seed's rule verbatim: retry failures except 4xx, up to 4 times, backing off
// 2, 4, 8 and 16 seconds; a request times out after 60 seconds.
var RetryRule = providers.RetryRule{
	MaxRetries:      4,
	InitialInterval: 2 * time.Second,
	Backoff:         2,
	MaxInterval:     16 * time.Second,
	Timeout:         60 * time.Second,
}

// PollRule is the suggested fallback poll of a session's state when its callback is lost:
// every 30 s until the caller's deadline (the person may take a while).
var PollRule = providers.RetryRule{
	MaxRetries:      -1,
	InitialInterval: 30 * time.Second,
	Backoff:         1,
	Timeout:         60 * time.Second,
}

// Config configures a Client.
type Config struct {
	BaseURL    string // DefaultBaseURL when empty
	PathPrefix string // DefaultPathPrefix when empty; "/api/" gives /api/session.create
	PublicKey  string // "public-key-..." (the prefix is part of the key), Basic auth user
	Secret     string // "secret-...", Basic auth password; never logged
	Timeout    time.Duration
}

// Client calls the IDV API. It is safe for concurrent use.
type Client struct {
	cfg    Config
	caller providers.Caller
}

// New returns a client. A nil hc gets an *http.Client with the configured timeout
// (RetryRule.Timeout, the documented 60 s, when 0).
func New(cfg Config, hc *http.Client) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = RetryRule.Timeout
	}
	if hc == nil {
		hc = providers.NewHTTPClient(cfg.Timeout)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.PathPrefix == "" {
		cfg.PathPrefix = DefaultPathPrefix
	}
	cfg.PathPrefix = "/" + strings.Trim(cfg.PathPrefix, "/") + "/"
	return &Client{
		cfg: cfg,
		caller: providers.Caller{
			Provider: Provider,
			HTTP:     hc,
			ParseError: func(b []byte) (string, string) {
				var e apiError
				if json.Unmarshal(b, &e) != nil {
					return "", ""
				}
				return e.ErrorName, e.ErrorMessage
			},
		},
	}
}

// call POSTs body as JSON to {class}.{method}; every call of this API is a POST.
func (c *Client) call(ctx context.Context, op, method string, body, out any) error {
	req := providers.Request{
		Op:     op,
		Method: http.MethodPost,
		URL:    c.cfg.BaseURL + c.cfg.PathPrefix + method,
		Header: http.Header{},
		Body:   body,
	}
	req.Header.Set("Authorization", basicAuth(c.cfg.PublicKey, c.cfg.Secret))
	_, err := c.caller.Do(ctx, req, out)
	return err
}

// basicAuth is the documented header: Basic base64(public key + ":" + secret).
func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// CreateSession creates a verification session (session.create). The provider posts to
// in.CallbackURL on state changes; in.Reference is our key for the session.
func (c *Client) CreateSession(ctx context.Context, in CreateSessionInput) (*CreatedSession, error) {
	var out CreatedSession
	if err := c.call(ctx, "create session", "session.create", in, &out); err != nil {
		return nil, err
	}
	if out.ID == 0 {
		return nil, &providers.Error{Provider: Provider, Op: "create session", Status: http.StatusBadGateway,
			Message: "response without session id"}
	}
	return &out, nil
}

// GetSession returns a session with the verified identity (session.get).
func (c *Client) GetSession(ctx context.Context, id int64) (*Session, error) {
	var out Session
	if err := c.call(ctx, "get session", "session.get", idRequest{ID: id}, &out); err != nil {
		return nil, err
	}
	if out.ID == 0 {
		out.ID = id // the session was found; an omitted id is the one asked for
	}
	return &out, nil
}

// SessionState returns a session's state (session.state), e.g. StateCreated.
func (c *Client) SessionState(ctx context.Context, id int64) (string, error) {
	var out stateResponse
	if err := c.call(ctx, "get session state", "session.state", idRequest{ID: id}, &out); err != nil {
		return "", err
	}
	if out.State == "" {
		return "", &providers.Error{Provider: Provider, Op: "get session state", Status: http.StatusBadGateway,
			Message: "response without state"}
	}
	return out.State, nil
}

// ListSessions returns the sessions whose reference is in.Reference, oldest first
// (session.list). The seed names list as a standard method of every class but documents no
// filter or reply; the [SBX] reading is a reference filter answered with {"data":[session...]}.
// The reply may also be a bare array or come under "sessions", "items" or "results"; with a
// reference given, only exact matches are returned, so a provider that ignores the filter
// still gives the right answer.
func (c *Client) ListSessions(ctx context.Context, in ListSessionsInput) ([]Session, error) {
	const op = "list sessions"
	var raw json.RawMessage
	if err := c.call(ctx, op, "session.list", in, &raw); err != nil {
		return nil, err
	}
	list, err := decodeSessions(raw)
	if err != nil {
		return nil, &providers.Error{Provider: Provider, Op: op, Status: http.StatusBadGateway, Message: "decode response: " + err.Error()}
	}
	out := make([]Session, 0, len(list))
	for _, s := range list {
		if in.Reference != "" && s.Reference != in.Reference {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

func decodeSessions(raw json.RawMessage) ([]Session, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var list []Session
	if raw[0] == '[' {
		err := json.Unmarshal(raw, &list)
		return list, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	for _, key := range []string{"data", "sessions", "items", "results"} {
		if v, ok := obj[key]; ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			err := json.Unmarshal(v, &list)
			return list, err
		}
	}
	if len(obj) == 0 {
		return nil, nil // the seed's "empty response is {}"
	}
	return nil, fmt.Errorf("want a list of sessions, got an object with keys %v", keysOf(obj))
}

func keysOf(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
