package deepidv

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/providers"
)

// Provider is the name carried by every *providers.Error from this package.
const Provider = "deepidv"

// InvalidInputCode is the Code of the error CreateCreditTerms returns, without calling the
// API, when required fields are missing or invalid.
const InvalidInputCode = "InvalidInput"

// maxPages bounds FindByExternalID against a server that keeps returning a next token.
const maxPages = 100

// RetryRule: the seed asks for exponential backoff on 429 and gives no schedule, so the
// engine's call budget schedules the retries; a 429 without Retry-After waits at least 5 s.
// 400, 401 (invalid key), 402 (payment required) and 403 (missing key) are not Temporary and
// never retried. A request times out after 30 s (a choice: the seed names no timeout).
var RetryRule = providers.RetryRule{
	RateLimitDelay: 5 * time.Second,
	Timeout:        30 * time.Second,
}

// Config configures a Client.
type Config struct {
	// BaseURL has no documented value; it must be configured (the paths are /credit-terms...).
	BaseURL string
	APIKey  string // sent as x-api-key; never logged
	Timeout time.Duration
}

// Client calls the DeepIDV credit terms API. It is safe for concurrent use.
type Client struct {
	cfg    Config
	caller providers.Caller
}

// New returns a client. A nil hc gets an *http.Client with the configured timeout
// (RetryRule.Timeout when 0).
func New(cfg Config, hc *http.Client) *Client {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Client{
		cfg: cfg,
		caller: providers.Caller{
			Provider:   Provider,
			HTTP:       RetryRule.HTTPClient(hc, cfg.Timeout),
			ParseError: providers.JSONError(func(e apiError) (string, string) { return "", e.Error }),
		},
	}
}

func (c *Client) do(ctx context.Context, op, method, path string, body, out any) (int, error) {
	return c.caller.Do(ctx, providers.Request{
		Op:     op,
		Method: method,
		URL:    c.cfg.BaseURL + path,
		Header: http.Header{"X-Api-Key": {c.cfg.APIKey}},
		Body:   body,
	}, out)
}

// ValidationError lists what CreateCreditTerms refused to send. It is wrapped in the
// *providers.Error, so errors.As finds it.
type ValidationError struct {
	Missing []string // required fields left empty (wire names)
	Invalid []string // fields with a value the API does not accept, with the reason
}

func (e *ValidationError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing required fields: "+strings.Join(e.Missing, ", "))
	}
	if len(e.Invalid) > 0 {
		parts = append(parts, "invalid fields: "+strings.Join(e.Invalid, ", "))
	}
	return strings.Join(parts, "; ")
}

// Validate checks in as the seed asks ("always validate required fields before sending").
func (in CreateInput) Validate() *ValidationError {
	var v ValidationError
	required := []struct{ name, value string }{
		{"businessEmail", in.BusinessEmail},
		{"firstName", in.FirstName},
		{"lastName", in.LastName},
		{"businessName", in.BusinessName},
		{"businessAddress", in.BusinessAddress},
	}
	for _, r := range required {
		if strings.TrimSpace(r.value) == "" {
			v.Missing = append(v.Missing, r.name)
		}
	}
	switch {
	case in.RequestedCreditAmount == 0:
		v.Missing = append(v.Missing, "requestedCreditAmount")
	case in.RequestedCreditAmount < 0:
		v.Invalid = append(v.Invalid, "requestedCreditAmount (must be positive)")
	}
	if in.BusinessEmail != "" {
		if _, err := mail.ParseAddress(in.BusinessEmail); err != nil {
			v.Invalid = append(v.Invalid, "businessEmail (not an e-mail address)")
		}
	}
	if in.RequestedCreditPeriod != "" && !slices.Contains(Periods, in.RequestedCreditPeriod) {
		v.Invalid = append(v.Invalid, fmt.Sprintf("requestedCreditPeriod (%q, want one of %s)", in.RequestedCreditPeriod, strings.Join(Periods, ", ")))
	}
	if len(v.Missing) == 0 && len(v.Invalid) == 0 {
		return nil
	}
	return &v
}

func invalid(op string, v *ValidationError) *providers.Error {
	return &providers.Error{Provider: Provider, Op: op, Status: http.StatusBadRequest, Code: InvalidInputCode, Message: v.Error(), Err: v}
}

// CreateCreditTerms creates and sends a credit-terms request (POST /credit-terms). Invalid
// input is refused before any request with a non-temporary 400 *providers.Error wrapping a
// *ValidationError. Callers that must not create twice look up in.ExternalID first
// (FindByExternalID): the API has no idempotency key.
func (c *Client) CreateCreditTerms(ctx context.Context, in CreateInput) (*CreateResult, error) {
	const op = "create credit terms"
	if v := in.Validate(); v != nil {
		return nil, invalid(op, v)
	}
	body := createBody{
		BusinessEmail:         in.BusinessEmail,
		FirstName:             in.FirstName,
		LastName:              in.LastName,
		BusinessName:          in.BusinessName,
		BusinessAddress:       in.BusinessAddress,
		RequestedCreditAmount: in.RequestedCreditAmount,
		ExternalID:            in.ExternalID,
		RequestedCreditPeriod: in.RequestedCreditPeriod,
		Period:                in.RequestedCreditPeriod,
		SendEmailInvite:       in.SendEmailInvite,
	}
	var out CreateResult
	if _, err := c.do(ctx, op, http.MethodPost, "/credit-terms", body, &out); err != nil {
		return nil, err
	}
	if out.CreditTermsID == "" {
		return nil, &providers.Error{Provider: Provider, Op: op, Status: http.StatusBadGateway, Message: "response without creditTermsId"}
	}
	if out.ExternalID == "" {
		out.ExternalID = in.ExternalID
	}
	return &out, nil
}

// GetCreditTerms returns one credit-terms session (GET /credit-terms/{id}).
func (c *Client) GetCreditTerms(ctx context.Context, id string) (*CreditTerms, error) {
	const op = "get credit terms"
	if id == "" {
		return nil, invalid(op, &ValidationError{Missing: []string{"credit_terms_id"}})
	}
	var raw json.RawMessage
	if _, err := c.do(ctx, op, http.MethodGet, "/credit-terms/"+url.PathEscape(id), nil, &raw); err != nil {
		return nil, err
	}
	ct, err := decodeOne(raw)
	if err != nil {
		return nil, &providers.Error{Provider: Provider, Op: op, Status: http.StatusBadGateway, Message: "decode response: " + err.Error()}
	}
	if ct.ID == "" {
		ct.ID = id
	}
	return ct, nil
}

// decodeOne reads a single credit-terms object, or (defensively) a one-item list page.
func decodeOne(raw json.RawMessage) (*CreditTerms, error) {
	f, err := providers.DecodeFields(raw)
	if err != nil {
		return nil, err
	}
	if f.Raw("creditTerms", "credit_terms") != nil {
		var p Page
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, err
		}
		if len(p.CreditTerms) != 1 {
			return nil, fmt.Errorf("want one credit terms, got %d", len(p.CreditTerms))
		}
		return &p.CreditTerms[0], nil
	}
	var ct CreditTerms
	if err := json.Unmarshal(raw, &ct); err != nil {
		return nil, err
	}
	return &ct, nil
}

// ListCreditTerms returns one page of the organisation's credit terms (GET /credit-terms,
// ?nextToken= for the pages after the first).
func (c *Client) ListCreditTerms(ctx context.Context, nextToken string) (*Page, error) {
	return c.page(ctx, "list credit terms", "/credit-terms", nextToken)
}

func (c *Client) page(ctx context.Context, op, path, nextToken string) (*Page, error) {
	if nextToken != "" {
		path += "?" + url.Values{"nextToken": {nextToken}}.Encode()
	}
	var p Page
	if _, err := c.do(ctx, op, http.MethodGet, path, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// FindByExternalID returns the credit terms created with externalID, or nil when there are
// none (GET /credit-terms/externalId/{id}, following nextToken; a 404 also means none). The
// seed calls externalId unique yet returns a list: when several match, the earliest created
// is returned, so repeated lookups agree. Items whose externalId differs are ignored.
func (c *Client) FindByExternalID(ctx context.Context, externalID string) (*CreditTerms, error) {
	const op = "find credit terms by external id"
	if externalID == "" {
		return nil, invalid(op, &ValidationError{Missing: []string{"external_id"}})
	}
	path := "/credit-terms/externalId/" + url.PathEscape(externalID)
	var found *CreditTerms
	token := ""
	seen := map[string]bool{}
	for range maxPages {
		p, err := c.page(ctx, op, path, token)
		if providers.IsStatus(err, http.StatusNotFound) {
			return found, nil
		}
		if err != nil {
			return nil, err
		}
		for i := range p.CreditTerms {
			ct := &p.CreditTerms[i]
			if ct.ExternalID != "" && ct.ExternalID != externalID {
				continue
			}
			if found == nil || earlier(ct, found) {
				found = ct
			}
		}
		if p.NextToken == "" || seen[p.NextToken] {
			return found, nil
		}
		seen[p.NextToken] = true
		token = p.NextToken
	}
	return found, nil
}

// earlier reports whether a was created before b. RFC 3339 times are compared as times;
// anything else keeps the first one seen.
func earlier(a, b *CreditTerms) bool {
	ta, errA := time.Parse(time.RFC3339, a.CreatedAt)
	tb, errB := time.Parse(time.RFC3339, b.CreatedAt)
	return errA == nil && errB == nil && ta.Before(tb)
}
