package openbanking

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/providers"
)

// Provider is the name carried by every *providers.Error from this package.
const Provider = "openbanking"

// DefaultTokenPath is the [SBX] token endpoint; the seed names none.
const DefaultTokenPath = "/oauth/token"

// RetryRule: the seed gives no error or rate-limit guidance, so the engine's call budget
// schedules the retries of 429, 5xx and network failures, never other 4xx; a 429 without
// Retry-After waits at least 5 s and a request times out after 30 s (choices). 422 on customer
// creation is not an error at all (CreateCustomer returns the existing customer).
var RetryRule = providers.RetryRule{
	RateLimitDelay: 5 * time.Second,
	Timeout:        30 * time.Second,
}

// Config configures a Client.
type Config struct {
	BaseURL      string // no documented value; must be configured
	ClientID     string
	ClientSecret string // never logged
	TokenPath    string // DefaultTokenPath when empty; a full URL is used as is
	Timeout      time.Duration
	Now          func() time.Time
}

// Client calls the open-banking API. It is safe for concurrent use.
type Client struct {
	cfg    Config
	caller providers.Caller
	tokens *providers.Tokens
}

// New returns a client. A nil hc gets an *http.Client with the configured timeout
// (RetryRule.Timeout when 0).
func New(cfg Config, hc *http.Client) *Client {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.TokenPath == "" {
		cfg.TokenPath = DefaultTokenPath
	}
	now := providers.Clock(cfg.Now)
	c := &Client{
		cfg:    cfg,
		caller: providers.Caller{Provider: Provider, HTTP: RetryRule.HTTPClient(hc, cfg.Timeout), Now: now, ParseError: parseError},
	}
	// The seed gives no token lifetime: 15 minutes is assumed, and a 401 re-authenticates anyway.
	c.tokens = &providers.Tokens{Fetch: c.fetchToken, DefaultTTL: 15 * time.Minute, Slack: time.Minute, Now: now}
	return c
}

// parseError reads {message, code}, {error: "..."}, {error: {code, message}} and the OAuth
// {error, error_description}.
var parseError = providers.JSONError(func(e apiError) (code, message string) {
	message = e.Message
	switch v := e.Error.(type) {
	case string:
		if e.Detail != "" || message != "" {
			code = v
		} else {
			message = v
		}
	case map[string]any:
		if m, ok := v["message"].(string); ok && message == "" {
			message = m
		}
		if c, ok := v["code"]; ok && c != nil {
			code = fmt.Sprint(c)
		}
	}
	if message == "" {
		message = e.Detail
	}
	if e.Code != nil {
		code = fmt.Sprint(e.Code)
	}
	return code, message
})

func (c *Client) url(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return c.cfg.BaseURL + path
}

// fetchToken exchanges the client credentials for an access token: an OAuth2
// client-credentials form post ([SBX]; the sandbox also takes JSON).
func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
	}
	return providers.FetchToken(ctx, &c.caller, providers.Request{
		Op:      "get token",
		Method:  http.MethodPost,
		URL:     c.url(c.cfg.TokenPath),
		Header:  http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		RawBody: []byte(form.Encode()),
	}, func(t Token) (string, int64) { return t.AccessToken, t.ExpiresIn })
}

// do runs an authenticated call, re-authenticating once when the token is refused.
func (c *Client) do(ctx context.Context, req providers.Request, out any) (int, error) {
	return c.caller.DoBearer(ctx, c.tokens, req, out)
}

func badInput(op, msg string) *providers.Error {
	return &providers.Error{Provider: Provider, Op: op, Status: http.StatusBadRequest, Code: "InvalidInput", Message: msg}
}

// CreateCustomer creates the customer for customIdentifier (POST /customers) and reports
// created=true. The provider allows one customer per customIdentifier and answers a
// duplicate with 422: then the existing customer is looked up (FindCustomer) and returned
// with created=false, so the call is safe to repeat. A 422 with no customer to find is
// returned as the error it is.
func (c *Client) CreateCustomer(ctx context.Context, customIdentifier string) (*Customer, bool, error) {
	const op = "create customer"
	if customIdentifier == "" {
		return nil, false, badInput(op, "customIdentifier is required")
	}
	var out Customer
	status, err := c.do(ctx, providers.Request{
		Op: op, Method: http.MethodPost, URL: c.url("/customers"),
		Body: map[string]string{"customIdentifier": customIdentifier},
	}, &out)
	if status == http.StatusUnprocessableEntity {
		existing, ferr := c.FindCustomer(ctx, customIdentifier)
		if ferr != nil {
			return nil, false, ferr
		}
		if existing == nil {
			return nil, false, err
		}
		return existing, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if out.ID == "" {
		return nil, false, &providers.Error{Provider: Provider, Op: op, Status: http.StatusBadGateway, Message: "response without customer id"}
	}
	if out.CustomIdentifier == "" {
		out.CustomIdentifier = customIdentifier
	}
	return &out, true, nil
}

// FindCustomer returns the customer for customIdentifier, or nil when there is none. The
// seed documents no lookup; GET /customers?customIdentifier= is the [SBX] choice. The reply
// may be a list under data, customers or items, a bare array, or one customer; only an exact
// customIdentifier match counts, and a 404 means none.
func (c *Client) FindCustomer(ctx context.Context, customIdentifier string) (*Customer, error) {
	const op = "find customer"
	if customIdentifier == "" {
		return nil, badInput(op, "customIdentifier is required")
	}
	list, err := getList(ctx, c, op, "/customers?"+url.Values{"customIdentifier": {customIdentifier}}.Encode(), decodeCustomers)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].CustomIdentifier == customIdentifier && list[i].ID != "" {
			return &list[i], nil
		}
	}
	return nil, nil
}

// getList GETs path and decodes the reply with decode; a 404 is an empty list.
func getList[T any](ctx context.Context, c *Client, op, path string, decode func(json.RawMessage) ([]T, error)) ([]T, error) {
	var raw json.RawMessage
	_, err := c.do(ctx, providers.Request{Op: op, Method: http.MethodGet, URL: c.url(path)}, &raw)
	if providers.IsStatus(err, http.StatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	list, err := decode(raw)
	if err != nil {
		return nil, &providers.Error{Provider: Provider, Op: op, Status: http.StatusBadGateway, Message: "decode response: " + err.Error()}
	}
	return list, nil
}

// decodeList reads a bare JSON array, or the array under the first of keys that an object
// has; found is false for an object with none of them. An empty reply is an empty list.
func decodeList[T any](raw json.RawMessage, keys ...string) (list []T, found bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, true, nil
	}
	if raw[0] == '[' {
		err := json.Unmarshal(raw, &list)
		return list, true, err
	}
	f, err := providers.DecodeFields(raw)
	if err != nil {
		return nil, false, err
	}
	inner := f.Raw(keys...)
	if inner == nil {
		return nil, false, nil
	}
	err = json.Unmarshal(inner, &list)
	return list, true, err
}

// decodeCustomers reads a list of customers (see FindCustomer) or one customer.
func decodeCustomers(raw json.RawMessage) ([]Customer, error) {
	list, found, err := decodeList[Customer](raw, "data", "customers", "items", "results")
	if found || err != nil {
		return list, err
	}
	var one Customer
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, err
	}
	return []Customer{one}, nil
}

// CreateAnalysis uploads accounts and transactions for a customer and starts an analysis
// (POST /customers/{id}/analyses, 202 Accepted, [SBX] path). Poll GetAnalysis until
// Completed.
func (c *Client) CreateAnalysis(ctx context.Context, customerID string, in AnalysisInput) (*Analysis, error) {
	const op = "create analysis"
	switch {
	case customerID == "":
		return nil, badInput(op, "customer id is required")
	case len(in.Accounts) == 0:
		return nil, badInput(op, "at least one account is required")
	}
	if in.Transactions == nil {
		in.Transactions = []Transaction{}
	}
	var out Analysis
	_, err := c.do(ctx, providers.Request{
		Op: op, Method: http.MethodPost, URL: c.url("/customers/" + url.PathEscape(customerID) + "/analyses"), Body: in,
	}, &out)
	if err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, &providers.Error{Provider: Provider, Op: op, Status: http.StatusBadGateway, Message: "response without analysis id"}
	}
	if out.Status == "" {
		out.Status = StatusInProgress // 202 means started
	}
	return &out, nil
}

// GetAnalysis reads an analysis (GET /customers/{id}/analyses/{analysisId}, [SBX] path).
func (c *Client) GetAnalysis(ctx context.Context, customerID, analysisID string) (*Analysis, error) {
	const op = "get analysis"
	if customerID == "" || analysisID == "" {
		return nil, badInput(op, "customer id and analysis id are required")
	}
	var out Analysis
	_, err := c.do(ctx, providers.Request{
		Op: op, Method: http.MethodGet,
		URL: c.url("/customers/" + url.PathEscape(customerID) + "/analyses/" + url.PathEscape(analysisID)),
	}, &out)
	if err != nil {
		return nil, err
	}
	if out.ID == "" {
		out.ID = analysisID
	}
	return &out, nil
}

// ListAnalyses returns a customer's analyses, oldest first (GET /customers/{id}/analyses,
// [SBX] path: the seed documents no listing). The reply may be a list under data, analyses,
// items or results, or a bare array. A 404 means the customer has none to show.
func (c *Client) ListAnalyses(ctx context.Context, customerID string) ([]Analysis, error) {
	const op = "list analyses"
	if customerID == "" {
		return nil, badInput(op, "customer id is required")
	}
	return getList(ctx, c, op, "/customers/"+url.PathEscape(customerID)+"/analyses", decodeAnalyses)
}

// decodeAnalyses reads a list of analyses (see ListAnalyses); null is none.
func decodeAnalyses(raw json.RawMessage) ([]Analysis, error) {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	list, found, err := decodeList[Analysis](raw, "data", "analyses", "items", "results")
	if !found && err == nil {
		return nil, fmt.Errorf("want a list of analyses")
	}
	return list, err
}
