package idv

import (
	"context"
	"encoding/base64"
	"net/http"
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

// ErrorSessionNotFound is the seed's one example error name.
const ErrorSessionNotFound = "SessionNotFound"

// RetryRule is the seed's rule verbatim: "We recommend retrying failed requests, except for
// errors in the 4xx range. On failure, retry up to 4 times using an exponential backoff
// algorithm (e.g. retry after 2, 4, 8 and finally after 16 seconds). The timeout for a given
// request is 60 seconds." Every IDV activity runs on it (activities.RetryOptions); 429 is a
// 4xx and is not retried either.
var RetryRule = providers.RetryRule{
	MaxRetries:      4,
	InitialInterval: 2 * time.Second,
	Backoff:         2,
	MaxInterval:     16 * time.Second,
	Never4xx:        true,
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
			Provider:   Provider,
			HTTP:       RetryRule.HTTPClient(hc, cfg.Timeout),
			ParseError: providers.JSONError(func(e apiError) (string, string) { return e.ErrorName, e.ErrorMessage }),
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
