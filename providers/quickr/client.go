package quickr

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/providers"
)

// Provider names Quickr in *providers.Error and in the engine's blocked status.
const Provider = "quickr"

// RetryRule: the seed gives no retry guidance, so temporary failures (network, 429, 5xx)
// are retried with any Retry-After as the next delay, on the engine's call schedule within
// its call budget. A request times out after providers.DefaultTimeout (the client's default).
var RetryRule = providers.RetryRule{Timeout: providers.DefaultTimeout}

// Config configures a Client.
type Config struct {
	BaseURL   string        // e.g. https://api.eu.quickr.no/v2 (without /accounts/{aid})
	AccountID string        // aid, ^[PT]Q\d{7}$
	APIKey    string        // used only to obtain access tokens
	Timeout   time.Duration // per request; providers.DefaultTimeout when 0
	Now       func() time.Time
}

// Client calls one Quickr account. It is safe for concurrent use.
type Client struct {
	cfg    Config
	caller providers.Caller
	tokens *providers.Tokens
}

// New returns a client. The API key is never logged or returned in errors.
func New(cfg Config, hc *http.Client) *Client {
	now := providers.Clock(cfg.Now)
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	c := &Client{
		cfg: cfg,
		caller: providers.Caller{
			Provider:   Provider,
			HTTP:       RetryRule.HTTPClient(hc, cfg.Timeout),
			Now:        now,
			ParseError: providers.JSONError(func(e apiError) (string, string) { return e.Error.Code, e.Error.Message }),
		},
	}
	// Tokens live an hour (documented) and are renewed five minutes ahead.
	c.tokens = &providers.Tokens{Fetch: c.fetchToken, DefaultTTL: time.Hour, Slack: 5 * time.Minute, Now: now}
	return c
}

func (c *Client) url(path string) string {
	return c.cfg.BaseURL + "/accounts/" + url.PathEscape(c.cfg.AccountID) + path
}

// fetchToken exchanges the API key for an access token (POST /auth/token).
func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	return providers.FetchToken(ctx, &c.caller, providers.Request{
		Op:     "get token",
		Method: http.MethodPost,
		URL:    c.url("/auth/token"),
		Header: http.Header{"Authorization": {"Bearer " + c.cfg.APIKey}},
	}, func(t Token) (string, int64) { return t.AccessToken, int64(t.ExpiresIn) })
}

// do runs an authenticated call, re-authenticating once when the token is refused.
func (c *Client) do(ctx context.Context, req providers.Request, out any) (int, error) {
	return c.caller.DoBearer(ctx, c.tokens, req, out)
}

// CreateCase creates a case (POST /cases).
func (c *Client) CreateCase(ctx context.Context, in CaseCreate) (*Case, error) {
	var out Case
	_, err := c.do(ctx, providers.Request{Op: "create case", Method: http.MethodPost, URL: c.url("/cases"), Body: in}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetCase returns the case details (GET /cases/{cid}).
func (c *Client) GetCase(ctx context.Context, caseID string) (*Case, error) {
	var out Case
	_, err := c.do(ctx, providers.Request{Op: "get case", Method: http.MethodGet, URL: c.url("/cases/" + url.PathEscape(caseID))}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Sort fields and orders of GET /cases (seed: sort_by status_updated_at|created_at, default
// status_updated_at; sort_order DESC|ASC, default DESC).
const (
	SortByStatusUpdatedAt = "status_updated_at"
	SortByCreatedAt       = "created_at"
	SortDesc              = "DESC"
	SortAsc               = "ASC"
)

// ListCasesParams filters GET /cases. Zero fields are left out, so Quickr's defaults apply
// (limit 10, newest status change first).
type ListCasesParams struct {
	Search string
	// Status keeps cases in any of these statuses. The seed documents it as an array
	// parameter and spells its arrays by repeating the name (assignee=...), so it goes out as
	// status=A&status=B.
	Status        []string
	SortBy        string // SortByStatusUpdatedAt or SortByCreatedAt
	SortOrder     string // SortDesc or SortAsc
	Limit         int    // 1..100
	StartingAfter string // the previous page's pagination.cursor
}

// ListCases returns one page of cases.
func (c *Client) ListCases(ctx context.Context, p ListCasesParams) (*CaseList, error) {
	q := url.Values{}
	if p.Search != "" {
		q.Set("search", p.Search)
	}
	for _, s := range p.Status {
		q.Add("status", s)
	}
	if p.SortBy != "" {
		q.Set("sort_by", p.SortBy)
	}
	if p.SortOrder != "" {
		q.Set("sort_order", p.SortOrder)
	}
	if p.Limit > 0 {
		q.Set("limit", itoa(p.Limit))
	}
	if p.StartingAfter != "" {
		q.Set("starting_after", p.StartingAfter)
	}
	u := c.url("/cases")
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var out CaseList
	if _, err := c.do(ctx, providers.Request{Op: "list cases", Method: http.MethodGet, URL: u}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// FindCaseByReference returns the newest case whose reference is exactly ref, or nil when there
// is none. Quickr has no idempotency key; this lookup is what makes case creation safe to retry.
// The search also matches names and ids, so results are filtered on the exact reference.
// A cursor seen before ends the lookup (the seed's sample answers every page with the cursor
// "string"), and so do maxReferencePages pages.
func (c *Client) FindCaseByReference(ctx context.Context, ref string) (*Case, error) {
	p := ListCasesParams{Search: ref, Limit: 100}
	seen := map[string]bool{}
	for range maxReferencePages {
		page, err := c.ListCases(ctx, p)
		if err != nil {
			return nil, err
		}
		for i := range page.Data {
			if page.Data[i].Reference == ref {
				return &page.Data[i], nil // default sort is newest first
			}
		}
		cur := page.Pagination.Cursor
		if cur == "" || len(page.Data) == 0 || seen[cur] {
			return nil, nil
		}
		seen[cur] = true
		p.StartingAfter = cur
	}
	return nil, &providers.Error{Provider: Provider, Op: "find case by reference", Status: http.StatusBadGateway,
		Message: "too many pages of search results"}
}

// maxReferencePages bounds FindCaseByReference against a server that never stops paging.
const maxReferencePages = 100

func itoa(n int) string { return strconv.Itoa(n) }
