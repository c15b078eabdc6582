package deepidv

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Credit-terms statuses. The seed documents no failure or expiry status.
const (
	StatusPending    = "PENDING"     // not started by the applicant
	StatusInProgress = "IN_PROGRESS" // statement processing
	StatusCompleted  = "COMPLETED"   // statement and analysis done
)

// Statement types.
const (
	TypeUpload  = "upload"
	TypeRequest = "request"
)

// Periods are the accepted requested credit periods (bank-statement period), as strings.
var Periods = []string{"30", "60", "90"}

// CreateInput is a credit-terms request. The first six fields are required.
type CreateInput struct {
	BusinessEmail         string
	FirstName             string
	LastName              string
	BusinessName          string
	BusinessAddress       string
	RequestedCreditAmount float64
	// ExternalID is our key for later lookup (the workflow id); look it up before creating.
	ExternalID string
	// RequestedCreditPeriod is "30", "60" or "90"; empty leaves the provider default (30).
	RequestedCreditPeriod string
	// SendEmailInvite defaults to true at the provider when nil.
	SendEmailInvite *bool
}

// createBody is the wire form of CreateInput. The period goes under both names the seed uses:
// requestedCreditPeriod (field table) and period (example request).
type createBody struct {
	BusinessEmail         string  `json:"businessEmail"`
	FirstName             string  `json:"firstName"`
	LastName              string  `json:"lastName"`
	BusinessName          string  `json:"businessName"`
	BusinessAddress       string  `json:"businessAddress"`
	RequestedCreditAmount float64 `json:"requestedCreditAmount"`
	ExternalID            string  `json:"externalId,omitempty"`
	RequestedCreditPeriod string  `json:"requestedCreditPeriod,omitempty"`
	Period                string  `json:"period,omitempty"`
	SendEmailInvite       *bool   `json:"sendEmailInvite,omitempty"`
}

// CreateResult is the response of POST /credit-terms. CreditTermsURL is the link the
// applicant completes.
type CreateResult struct {
	CreditTermsID  string   `json:"creditTermsId"`
	CreditTermsURL string   `json:"creditTermsUrl"`
	ExternalID     string   `json:"externalId,omitempty"`
	Links          []string `json:"links,omitempty"`
}

// UnmarshalJSON reads camelCase or snake_case; links as an array (table) or a string (example).
func (r *CreateResult) UnmarshalJSON(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return err
	}
	*r = CreateResult{
		CreditTermsID:  f.str("creditTermsId", "credit_terms_id", "id"),
		CreditTermsURL: f.str("creditTermsUrl", "credit_terms_url", "url"),
		ExternalID:     f.str("externalId", "external_id"),
		Links:          f.links("links"),
	}
	return nil
}

// CreditTerms is one credit-terms session.
type CreditTerms struct {
	ID           string          `json:"id"`
	ExternalID   string          `json:"externalId,omitempty"`
	Status       string          `json:"status"`
	Type         string          `json:"type,omitempty"`
	CreatedAt    string          `json:"createdAt,omitempty"`
	UpdatedAt    string          `json:"updatedAt,omitempty"`
	SenderUserID string          `json:"senderUserId,omitempty"`
	Config       StatementConfig `json:"config"`
}

// UnmarshalJSON reads camelCase or snake_case keys, and Config under "Config" (example) or
// "config" (table), as an object or a JSON-encoded string.
func (c *CreditTerms) UnmarshalJSON(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return err
	}
	*c = CreditTerms{
		ID:           f.str("id", "creditTermsId", "credit_terms_id"),
		ExternalID:   f.str("externalId", "external_id"),
		Status:       f.str("status"),
		Type:         f.str("type", "statementType", "statement_type"),
		CreatedAt:    f.str("createdAt", "created_at"),
		UpdatedAt:    f.str("updatedAt", "updated_at"),
		SenderUserID: f.str("senderUserId", "sender_user_id"),
	}
	raw := f.raw("Config", "config")
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			raw = json.RawMessage(s)
		}
	}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &c.Config); err != nil {
			return err
		}
	}
	return nil
}

// StatementConfig is the bank-statement configuration. Its keys differ from the request's
// (name/address/requestedAmount vs businessName/businessAddress/requestedCreditAmount).
type StatementConfig struct {
	Period          string  `json:"period,omitempty"`
	Name            string  `json:"name,omitempty"`
	Address         string  `json:"address,omitempty"`
	RequestedAmount float64 `json:"requestedAmount,omitempty"`
}

// UnmarshalJSON reads period and amount as numbers or strings, in either casing.
func (c *StatementConfig) UnmarshalJSON(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return err
	}
	*c = StatementConfig{
		Period:          f.str("period", "requestedCreditPeriod", "requested_credit_period"),
		Name:            f.str("name", "businessName", "business_name"),
		Address:         f.str("address", "businessAddress", "business_address"),
		RequestedAmount: f.num("requestedAmount", "requested_amount", "requestedCreditAmount", "requested_credit_amount"),
	}
	return nil
}

// Page is one page of GET /credit-terms (500 per page). NextToken is empty on the last page.
type Page struct {
	CreditTerms []CreditTerms `json:"creditTerms"`
	NextToken   string        `json:"nextToken,omitempty"`
}

// UnmarshalJSON reads creditTerms/credit_terms and nextToken/next_token.
func (p *Page) UnmarshalJSON(b []byte) error {
	f, err := decodeFields(b)
	if err != nil {
		return err
	}
	*p = Page{NextToken: f.str("nextToken", "next_token")}
	if raw := f.raw("creditTerms", "credit_terms"); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		return json.Unmarshal(raw, &p.CreditTerms)
	}
	return nil
}

// apiError is the documented error body.
type apiError struct {
	Error string `json:"error"`
}

// fields is a JSON object read key by key, so one field can come under several names.
type fields map[string]json.RawMessage

func decodeFields(b []byte) (fields, error) {
	var f fields
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	return f, nil
}

// raw returns the first present, non-null value under keys.
func (f fields) raw(keys ...string) json.RawMessage {
	for _, k := range keys {
		if v, ok := f[k]; ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return bytes.TrimSpace(v)
		}
	}
	return nil
}

// str returns a string or number value as text.
func (f fields) str(keys ...string) string {
	v := f.raw(keys...)
	if len(v) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}

// num returns a number or numeric string as a float64 (0 when absent or unreadable).
func (f fields) num(keys ...string) float64 {
	s := strings.TrimSpace(f.str(keys...))
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return n
}

// links reads an array of strings or {href|url} objects, or a single string.
func (f fields) links(keys ...string) []string {
	v := f.raw(keys...)
	if len(v) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		if one == "" {
			return nil
		}
		return []string{one}
	}
	var many []json.RawMessage
	if json.Unmarshal(v, &many) != nil {
		return nil
	}
	out := make([]string, 0, len(many))
	for _, m := range many {
		if json.Unmarshal(m, &one) == nil {
			out = append(out, one)
			continue
		}
		if obj, err := decodeFields(m); err == nil {
			if s := obj.str("href", "url"); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
