package creditro

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/merchantflow/onboarding/providers"
)

// DefaultBaseURL is the public API host named in the seed.
const DefaultBaseURL = "https://api.creditro.com"

// Provider is the name carried by every *providers.Error from this package.
const Provider = "creditro"

// QuotaExceededCode is the Code given to a 429 whose body is the documented text
// "API calls quota exceeded! (...)".
const QuotaExceededCode = "QuotaExceeded"

// InvalidTokenCode is the Code of the error returned when the API token cannot yield a
// customer id.
const InvalidTokenCode = "InvalidToken"

// Errors wrapped by the *providers.Error that CustomerID returns.
var (
	ErrTokenNotJWT       = errors.New("creditro API token is not a JWT")
	ErrNoCustomerClaim   = errors.New("creditro API token has no customer claim")
	ErrTokenMissingValue = errors.New("creditro API token is empty")
)

// RetryRule follows the seed's "always cap retries": no retry on 400/401/403 (the error is
// not Temporary), 429 waits at least two minutes ("wait a couple of minutes"); the seed gives
// no schedule, so the engine's call budget caps the retries (the lookup is evidence only and
// has its own maximum wait). A request times out after 30 s (a choice).
var RetryRule = providers.RetryRule{
	RateLimitDelay: 2 * time.Minute,
	Timeout:        30 * time.Second,
}

// Config configures a Client.
type Config struct {
	BaseURL  string // DefaultBaseURL when empty
	APIToken string // the JWT from the Creditro admin centre; never logged
	// Method for the KYC-case lookup. The seed names the endpoint "Get KYC cases by
	// customerId" but its example POSTs; POST (the example) is the default and GET the
	// alternative. On 405 the client tries the other method once and keeps it.
	Method  string
	Timeout time.Duration // per request; RetryRule.Timeout when 0
	Now     func() time.Time
}

// Client reads one Creditro customer's KYC cases. It is safe for concurrent use.
type Client struct {
	cfg    Config
	caller providers.Caller
	now    func() time.Time

	mu     sync.Mutex
	method string // the method that last worked
}

// New returns a client. A nil hc gets an *http.Client with the configured timeout.
func New(cfg Config, hc *http.Client) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.APIToken = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(cfg.APIToken), "Bearer "))
	now := providers.Clock(cfg.Now)
	method := strings.ToUpper(cfg.Method)
	if method != http.MethodGet {
		method = http.MethodPost
	}
	return &Client{
		cfg:    cfg,
		now:    now,
		method: method,
		caller: providers.Caller{Provider: Provider, HTTP: RetryRule.HTTPClient(hc, cfg.Timeout), Now: now, ParseError: parseError},
	}
}

// parseError reads the 429 text body and any JSON error body.
func parseError(b []byte) (code, message string) {
	b = bytes.TrimSpace(b)
	if bytes.HasPrefix(b, []byte("API calls quota exceeded")) {
		return QuotaExceededCode, string(b)
	}
	var e apiError
	if json.Unmarshal(b, &e) != nil {
		return "", ""
	}
	message = e.Message
	if message == "" {
		message = e.ErrorMessage
	}
	if s, ok := e.Error.(string); ok {
		if message == "" {
			message = s
		} else {
			code = s
		}
	}
	if e.Code != nil {
		code = fmt.Sprint(e.Code)
	}
	return code, message
}

// claims decodes the token's payload without verifying its signature, as the seed tells
// integrators to do (jwt.decode).
func (c *Client) claims() (map[string]any, error) {
	tok := c.cfg.APIToken
	if tok == "" {
		return nil, ErrTokenMissingValue
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: want three dot-separated parts, got %d", ErrTokenNotJWT, len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url: %v", ErrTokenNotJWT, err)
	}
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object: %v", ErrTokenNotJWT, err)
	}
	return m, nil
}

// CustomerID returns the customer id encoded in the API token's "customer" claim (the seed's
// customerId; a "customerId" claim is accepted as the alternative spelling). The token is
// decoded, not verified. A token that is not a JWT or lacks the claim gives a non-temporary
// *providers.Error (status 401, code InvalidToken) wrapping ErrTokenNotJWT or
// ErrNoCustomerClaim.
func (c *Client) CustomerID() (string, error) {
	m, err := c.claims()
	if err == nil {
		if id := pick(m, []string{"customer", "customerId"}); id != "" {
			return id, nil
		}
		err = ErrNoCustomerClaim
	}
	return "", &providers.Error{Provider: Provider, Op: "decode token", Status: http.StatusUnauthorized,
		Code: InvalidTokenCode, Message: err.Error(), Err: err}
}

// expiredAt returns the token's exp claim when it lies in the past.
func (c *Client) expiredAt() (time.Time, bool) {
	m, err := c.claims()
	if err != nil {
		return time.Time{}, false
	}
	n, ok := m["exp"].(json.Number)
	if !ok {
		return time.Time{}, false
	}
	secs, err := n.Int64()
	if err != nil {
		return time.Time{}, false
	}
	exp := time.Unix(secs, 0)
	return exp, exp.Before(c.now())
}

// KYCCases returns the KYC cases of the token's customer: `${BaseURL}/{customerId}`, response
// {"items":[...]} (a bare array is accepted too). The request is a POST with an empty JSON
// object, as in the seed's example (whose body was the headers object by mistake); see
// Config.Method for the GET alternative.
func (c *Client) KYCCases(ctx context.Context) ([]KYCCase, error) {
	id, err := c.CustomerID()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	method := c.method
	c.mu.Unlock()

	u := c.cfg.BaseURL + "/" + url.PathEscape(id)
	var raw json.RawMessage
	status, err := c.get(ctx, method, u, &raw)
	if status == http.StatusMethodNotAllowed {
		// One switch to the other reading of the seed, not a retry of the same call.
		method = other(method)
		if status, err = c.get(ctx, method, u, &raw); err == nil {
			c.mu.Lock()
			c.method = method
			c.mu.Unlock()
		}
	}
	if err != nil {
		if status == http.StatusUnauthorized {
			if exp, expired := c.expiredAt(); expired {
				if pe, ok := providers.AsError(err); ok {
					pe.Message += fmt.Sprintf(" (API token expired at %s)", exp.UTC().Format(time.RFC3339))
				}
			}
		}
		return nil, err
	}
	return decodeCases(raw)
}

func (c *Client) get(ctx context.Context, method, u string, out any) (int, error) {
	req := providers.Request{
		Op:     "list kyc cases",
		Method: method,
		URL:    u,
		Header: http.Header{"Authorization": {"Bearer " + c.cfg.APIToken}},
	}
	if method == http.MethodPost {
		req.Body = struct{}{}
	}
	return c.caller.Do(ctx, req, out)
}

func other(method string) string {
	if method == http.MethodGet {
		return http.MethodPost
	}
	return http.MethodGet
}

func decodeCases(raw json.RawMessage) ([]KYCCase, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return []KYCCase{}, nil
	}
	var out []KYCCase
	var err error
	if raw[0] == '[' {
		err = json.Unmarshal(raw, &out)
	} else {
		var l caseList
		err = json.Unmarshal(raw, &l)
		out = l.Items
	}
	if err != nil {
		return nil, &providers.Error{Provider: Provider, Op: "list kyc cases", Status: http.StatusBadGateway,
			Message: "decode response: " + err.Error()}
	}
	if out == nil {
		out = []KYCCase{}
	}
	return out, nil
}
