package activities

import (
	"time"

	"github.com/merchantflow/onboarding/api"
)

// Prior KYC (Creditro) ---------------------------------------------------------------------

// PriorKYCInput asks for existing KYC cases of the company.
type PriorKYCInput struct {
	Company api.Company `json:"company"`
}

// Waiting with reminders -------------------------------------------------------------------

// Reminders describes reminders a polling activity sends while it waits: reminder k (1-based)
// is due at Since + k*Every. Each poll attempt sends the reminders that have fallen due, with
// an idempotency key per reminder, so reminders cost no workflow history at all.
type Reminders struct {
	WorkflowID string        `json:"workflowId"`
	Kind       string        `json:"kind"` // what is awaited, e.g. "declaration"
	Since      time.Time     `json:"since"`
	Every      time.Duration `json:"every"` // 0 = no reminders
	Max        int           `json:"max,omitempty"`
	Detail     string        `json:"detail,omitempty"` // e.g. the declaration URL
}

// AwaitCaseInput polls a case until the awaited state, sending reminders meanwhile.
type AwaitCaseInput struct {
	CaseID    string    `json:"caseId"`
	Reference string    `json:"reference,omitempty"` // the workflow ID the case must belong to
	Reminders Reminders `json:"reminders"`
}

// Contracts --------------------------------------------------------------------------------

// ContractRef names a case's contract.
type ContractRef struct {
	CaseID     string `json:"caseId"`
	Reference  string `json:"reference,omitempty"`
	ContractID string `json:"contractId"`
}

// Identity verification --------------------------------------------------------------------

// IDVInput starts the identity verification of the form submitter.
type IDVInput struct {
	Reference string     `json:"reference"` // the workflow ID; also what finds an earlier session
	Person    api.Person `json:"person"`
}

// IDVSession is a started session.
type IDVSession struct {
	ID       int64  `json:"id"`
	Token    string `json:"token,omitempty"`
	Existing bool   `json:"existing,omitempty"`
}

// IDVCheck polls a session and compares the verified identity with Expected.
type IDVCheck struct {
	SessionID int64      `json:"sessionId"`
	Expected  api.Person `json:"expected"`
}

// Credit analysis (open banking) -----------------------------------------------------------

// CreditAnalysisInput starts the merchant's open-banking credit analysis.
type CreditAnalysisInput struct {
	Reference string      `json:"reference"` // customIdentifier: one customer per onboarding
	Company   api.Company `json:"company"`
	// BankDataRef names the merchant's bank data the app uploaded (internal/bankdata). The
	// analysis never runs without it: there is no data of the engine's own to send.
	BankDataRef string `json:"bankDataRef,omitempty"`
}

// CreditAnalysisRef names a started analysis.
type CreditAnalysisRef struct {
	CustomerID string `json:"customerId"`
	AnalysisID string `json:"analysisId"`
}

// Credit terms (DeepIDV) ---------------------------------------------------------------------

// CreditTermsInput requests credit terms; ExternalID (the workflow ID) makes it idempotent.
type CreditTermsInput struct {
	ExternalID string      `json:"externalId"`
	Company    api.Company `json:"company"`
	Contact    api.Person  `json:"contact"`
	Address    string      `json:"address,omitempty"`
	Amount     float64     `json:"amount"`
	PeriodDays int         `json:"periodDays"` // 30, 60 or 90
}

// CreditTermsRef names a request.
type CreditTermsRef struct {
	ID       string `json:"id"`
	URL      string `json:"url,omitempty"`
	Existing bool   `json:"existing,omitempty"`
}

// Rules ------------------------------------------------------------------------------------

// Facts are what the engine learnt itself; they become the rules' $.context.
type Facts struct {
	IdentityMatch       *bool    `json:"identityMatch,omitempty"`
	CreditAnalysisScore *float64 `json:"creditAnalysisScore,omitempty"`
	CreditTermsStatus   string   `json:"creditTermsStatus,omitempty"`
	PriorKYCStatus      string   `json:"priorKycStatus,omitempty"`
	PriorKYCCases       int      `json:"priorKycCases"`
}

// EvaluateInput evaluates the rules over the case and the facts.
type EvaluateInput struct {
	CaseID    string `json:"caseId"`
	Reference string `json:"reference,omitempty"`
	Facts     Facts  `json:"facts"`
}
