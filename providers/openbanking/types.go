package openbanking

import (
	"bytes"
	"encoding/json"
	"github.com/merchantflow/onboarding/providers"
	"strconv"
)

// Analysis statuses. The seed names only COMPLETED; IN_PROGRESS is the [SBX] status of a
// started analysis. Any status other than COMPLETED means "not finished yet".
const (
	StatusInProgress = "IN_PROGRESS"
	StatusCompleted  = "COMPLETED"
)

// Token is the token endpoint's response.
type Token struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"` // seconds
}

// UnmarshalJSON accepts expires_in as a number or a numeric string.
func (t *Token) UnmarshalJSON(b []byte) error {
	f, err := providers.DecodeFields(b)
	if err != nil {
		return err
	}
	*t = Token{AccessToken: f.Str("access_token", "accessToken"), TokenType: f.Str("token_type", "tokenType")}
	t.ExpiresIn, _ = strconv.ParseInt(f.Str("expires_in", "expiresIn"), 10, 64)
	return nil
}

// Customer is the provider's customer for one of our ids. CustomIdentifier is ours; ID is
// theirs and is what analyses hang off.
type Customer struct {
	ID               string `json:"id"`
	CustomIdentifier string `json:"customIdentifier"`
	CreatedAt        string `json:"createdAt,omitempty"`
}

// UnmarshalJSON accepts the id as a string or a number, and snake_case keys.
func (c *Customer) UnmarshalJSON(b []byte) error {
	f, err := providers.DecodeFields(b)
	if err != nil {
		return err
	}
	*c = Customer{
		ID:               f.Str("id", "_id", "customerId"),
		CustomIdentifier: f.Str("customIdentifier", "custom_identifier"),
		CreatedAt:        f.Str("createdAt", "created_at"),
	}
	return nil
}

// AnalysisInput is the "Account and Transactions upload" that starts an analysis.
type AnalysisInput struct {
	Accounts     []Account     `json:"accounts"`
	Transactions []Transaction `json:"transactions"`
}

// Account is one bank account of the customer. The seed has no schema; these are the providers.Fields
// an open-banking aggregator provides ([SBX]).
type Account struct {
	ID          string  `json:"id"` // referenced by Transaction.AccountID
	Name        string  `json:"name,omitempty"`
	IBAN        string  `json:"iban,omitempty"`
	BIC         string  `json:"bic,omitempty"`
	Type        string  `json:"type,omitempty"`  // CHECKING, SAVINGS, ...
	Usage       string  `json:"usage,omitempty"` // PERSONAL or PROFESSIONAL
	Currency    string  `json:"currency"`        // ISO 4217
	Balance     float64 `json:"balance"`
	BalanceDate string  `json:"balanceDate,omitempty"` // RFC 3339
}

// Transaction is one booked transaction; a negative Amount is a debit ([SBX] shape).
type Transaction struct {
	ID          string  `json:"id"`
	AccountID   string  `json:"accountId"`
	Amount      float64 `json:"amount"`
	Currency    string  `json:"currency"`
	Description string  `json:"description"`
	Date        string  `json:"date"` // YYYY-MM-DD booking date
	Category    string  `json:"category,omitempty"`
}

// Analysis is a credit analysis. Scores and CreditInsights are set once Status is COMPLETED.
type Analysis struct {
	ID             string         `json:"id"`
	Status         string         `json:"status"`
	Scores         *Scores        `json:"scores,omitempty"`
	CreditInsights map[string]any `json:"creditInsights,omitempty"`
}

// Completed reports whether the analysis has finished with results.
func (a *Analysis) Completed() bool { return a.Status == StatusCompleted }

// UnmarshalJSON accepts a numeric id and snake_case keys.
func (a *Analysis) UnmarshalJSON(b []byte) error {
	f, err := providers.DecodeFields(b)
	if err != nil {
		return err
	}
	*a = Analysis{ID: f.Str("id", "_id", "analysisId"), Status: f.Str("status")}
	if raw := f.Raw("scores"); raw != nil {
		a.Scores = &Scores{}
		if err := json.Unmarshal(raw, a.Scores); err != nil {
			return err
		}
	}
	if raw := f.Raw("creditInsights", "credit_insights"); raw != nil {
		if err := json.Unmarshal(raw, &a.CreditInsights); err != nil {
			return err
		}
	}
	return nil
}

// Scores are an analysis' scores. The seed only names "scores"; the [SBX] reading is a
// creditScore with a value (0-1000, higher is safer) and the risk indicators raised. Raw
// keeps the whole object.
type Scores struct {
	CreditScore *CreditScore   `json:"creditScore,omitempty"`
	Raw         map[string]any `json:"-"`
}

// CreditScoreMax is the top of the credit score's scale ([SBX]: the seed gives no scale; the
// sandbox scores 0..1000, higher is safer). Callers that want a percentage divide by it.
const CreditScoreMax = 1000

// CreditScore is the credit score and the risk indicators it raised.
type CreditScore struct {
	Value      float64  `json:"value"`
	Indicators []string `json:"indicators,omitempty"`
}

// UnmarshalJSON reads creditScore (or credit_score) as an object or a bare number.
func (s *Scores) UnmarshalJSON(b []byte) error {
	f, err := providers.DecodeFields(b)
	if err != nil {
		return err
	}
	*s = Scores{}
	if err := json.Unmarshal(b, &s.Raw); err != nil {
		return err
	}
	raw := f.Raw("creditScore", "credit_score")
	if raw == nil {
		return nil
	}
	if raw[0] != '{' {
		v, err := strconv.ParseFloat(string(bytes.Trim(raw, `"`)), 64)
		if err != nil {
			return err
		}
		s.CreditScore = &CreditScore{Value: v}
		return nil
	}
	cf, err := providers.DecodeFields(raw)
	if err != nil {
		return err
	}
	v, err := strconv.ParseFloat(cf.Str("value", "score"), 64)
	if err != nil {
		return err
	}
	s.CreditScore = &CreditScore{Value: v}
	if ind := cf.Raw("indicators"); ind != nil {
		if err := json.Unmarshal(ind, &s.CreditScore.Indicators); err != nil {
			return err
		}
	}
	return nil
}

// apiError reads the common error body shapes; the seed documents none.
type apiError struct {
	Code    any    `json:"code"`
	Message string `json:"message"`
	Error   any    `json:"error"`
	Detail  string `json:"error_description"`
}
