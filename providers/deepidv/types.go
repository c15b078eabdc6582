package deepidv

import (
	"bytes"
	"encoding/json"
	"github.com/merchantflow/onboarding/providers"
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

// CreateInput is a credit-terms request. The first six providers.Fields are required.
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
	f, err := providers.DecodeFields(b)
	if err != nil {
		return err
	}
	*r = CreateResult{
		CreditTermsID:  f.Str("creditTermsId", "credit_terms_id", "id"),
		CreditTermsURL: f.Str("creditTermsUrl", "credit_terms_url", "url"),
		ExternalID:     f.Str("externalId", "external_id"),
		Links:          links(f, "links"),
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
	f, err := providers.DecodeFields(b)
	if err != nil {
		return err
	}
	*c = CreditTerms{
		ID:           f.Str("id", "creditTermsId", "credit_terms_id"),
		ExternalID:   f.Str("externalId", "external_id"),
		Status:       f.Str("status"),
		Type:         f.Str("type", "statementType", "statement_type"),
		CreatedAt:    f.Str("createdAt", "created_at"),
		UpdatedAt:    f.Str("updatedAt", "updated_at"),
		SenderUserID: f.Str("senderUserId", "sender_user_id"),
	}
	raw := f.Raw("Config", "config")
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
	f, err := providers.DecodeFields(b)
	if err != nil {
		return err
	}
	*c = StatementConfig{
		Period:          f.Str("period", "requestedCreditPeriod", "requested_credit_period"),
		Name:            f.Str("name", "businessName", "business_name"),
		Address:         f.Str("address", "businessAddress", "business_address"),
		RequestedAmount: f.Num("requestedAmount", "requested_amount", "requestedCreditAmount", "requested_credit_amount"),
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
	f, err := providers.DecodeFields(b)
	if err != nil {
		return err
	}
	*p = Page{NextToken: f.Str("nextToken", "next_token")}
	if raw := f.Raw("creditTerms", "credit_terms"); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		return json.Unmarshal(raw, &p.CreditTerms)
	}
	return nil
}

// apiError is the documented error body.
type apiError struct {
	Error string `json:"error"`
}

// links reads an array of strings or {href|url} objects, or a single string.
func links(f providers.Fields, keys ...string) []string {
	v := f.Raw(keys...)
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
		if obj, err := providers.DecodeFields(m); err == nil {
			if s := obj.Str("href", "url"); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
