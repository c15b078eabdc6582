package activities

import (
	"time"

	"github.com/merchantflow/onboarding/automation"
)

// Prior KYC (Creditro) ---------------------------------------------------------------------

// Prior KYC statuses.
const (
	PriorKYCFound       = "found"
	PriorKYCNone        = "none"
	PriorKYCUnavailable = "unavailable"
)

// PriorKYCInput asks for existing KYC cases of the company.
type PriorKYCInput struct {
	Company Company `json:"company"`
}

// PriorKYC is what an earlier KYC provider knows of the company: evidence, never a gate.
type PriorKYC struct {
	Status string      `json:"status"` // found, none or unavailable
	Cases  []PriorCase `json:"cases,omitempty"`
	Reason string      `json:"reason,omitempty"` // why unavailable
}

// PriorCase is one earlier KYC case.
type PriorCase struct {
	ID        string `json:"id"`
	Status    string `json:"status,omitempty"`
	CreatedAt string `json:"createdAt,omitempty"`
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

// Contract states as the engine sees them.
const (
	ContractNone     = "none"
	ContractUnsigned = "unsigned"
	ContractSigned   = "signed"
	ContractExpired  = "expired"
	ContractRejected = "rejected"
	ContractClosed   = "closed"
)

// ContractState summarises the case's contract.
type ContractState struct {
	ID           string `json:"id,omitempty"`
	Status       string `json:"status"`
	ExpiresAt    string `json:"expiresAt,omitempty"`
	Signed       int    `json:"signed"`
	Signatories  int    `json:"signatories"`
	RejectReason string `json:"rejectReason,omitempty"`
	// Contracts is each of the case's contracts when it has more than one (Status and the
	// counts above sum them up; ID is the first's).
	Contracts []ContractEntry `json:"contracts,omitempty"`
}

// ContractEntry is one contract of a case.
type ContractEntry struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Signed      int    `json:"signed"`
	Signatories int    `json:"signatories"`
	ExpiresAt   string `json:"expiresAt,omitempty"`
}

// Settled reports whether signing needs no more waiting: signed, or a state the workflow must
// act on (expired, rejected, closed).
func (c *ContractState) Settled() bool {
	return c != nil && c.Status != ContractUnsigned && c.Status != ContractNone && c.Status != ""
}

// ContractRef names a case's contract.
type ContractRef struct {
	CaseID     string `json:"caseId"`
	Reference  string `json:"reference,omitempty"`
	ContractID string `json:"contractId"`
}

// Identity verification --------------------------------------------------------------------

// IDVInput starts the identity verification of the form submitter.
type IDVInput struct {
	Reference string `json:"reference"` // the workflow ID; also what finds an earlier session
	Person    Person `json:"person"`
}

// IDVSession is a started session.
type IDVSession struct {
	ID       int64  `json:"id"`
	Token    string `json:"token,omitempty"`
	Existing bool   `json:"existing,omitempty"`
}

// IDVCheck polls a session and compares the verified identity with Expected.
type IDVCheck struct {
	SessionID int64  `json:"sessionId"`
	Expected  Person `json:"expected"`
}

// Terminal states of an identity session, as IDVResult.State carries them.
const (
	IDVCompleted = "COMPLETED"
	IDVFailed    = "FAILED"
	IDVExpired   = "EXPIRED"
)

// IDVResult is a finished verification.
type IDVResult struct {
	SessionID         int64    `json:"sessionId"`
	State             string   `json:"state"` // COMPLETED, FAILED or EXPIRED
	Match             bool     `json:"match"`
	Mismatches        []string `json:"mismatches,omitempty"` // e.g. "name", "birthDate"
	VerifiedName      string   `json:"verifiedName,omitempty"`
	VerifiedBirthDate string   `json:"verifiedBirthDate,omitempty"`
}

// Credit analysis (open banking) -----------------------------------------------------------

// CreditAnalysisInput starts the merchant's open-banking credit analysis.
type CreditAnalysisInput struct {
	Reference string  `json:"reference"` // customIdentifier: one customer per onboarding
	Company   Company `json:"company"`
	// BankDataRef names the merchant's bank data the app uploaded (internal/bankdata). The
	// analysis never runs without it: there is no data of the engine's own to send.
	BankDataRef string `json:"bankDataRef,omitempty"`
}

// CreditAnalysisRef names a started analysis.
type CreditAnalysisRef struct {
	CustomerID string `json:"customerId"`
	AnalysisID string `json:"analysisId"`
}

// CreditAnalysisResult is a completed analysis.
type CreditAnalysisResult struct {
	AnalysisID string         `json:"analysisId"`
	Score      float64        `json:"score"` // the provider's credit score
	Indicators []string       `json:"indicators,omitempty"`
	Insights   map[string]any `json:"insights,omitempty"`
}

// Credit terms (DeepIDV) ---------------------------------------------------------------------

// CreditTermsInput requests credit terms; ExternalID (the workflow ID) makes it idempotent.
type CreditTermsInput struct {
	ExternalID string  `json:"externalId"`
	Company    Company `json:"company"`
	Contact    Person  `json:"contact"`
	Address    string  `json:"address,omitempty"`
	Amount     float64 `json:"amount"`
	PeriodDays int     `json:"periodDays"` // 30, 60 or 90
}

// CreditTermsRef names a request.
type CreditTermsRef struct {
	ID       string `json:"id"`
	URL      string `json:"url,omitempty"`
	Existing bool   `json:"existing,omitempty"`
}

// CreditTermsResult is a request's final state.
type CreditTermsResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
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

// Evaluation is the rules' verdict with its trace.
type Evaluation struct {
	Decision  string             `json:"decision"` // APPROVE, DECLINE or REVIEW
	Reason    string             `json:"reason"`
	RiskLevel string             `json:"riskLevel,omitempty"` // the case's risk level
	Context   map[string]any     `json:"context,omitempty"`
	Trace     *automation.Result `json:"trace,omitempty"`
	// Unknown names the context facts the case could not give, with why (e.g. company_age
	// when the case documents no company date); conditions on them fail.
	Unknown map[string]string `json:"unknown,omitempty"`
	// Checks are the case's checks as the rules saw them, with their flags in words (absent
	// from evaluations recorded before it was added).
	Checks []CheckResult `json:"checks,omitempty"`
}

// Decisions and notifications ----------------------------------------------------------------

// RecordDecisionInput writes the decision back to the case: status, risk level and a note.
type RecordDecisionInput struct {
	CaseID    string `json:"caseId"`
	Reference string `json:"reference,omitempty"`
	Status    string `json:"status"` // ACTIVE, DECLINED or ARCHIVED
	RiskLevel string `json:"riskLevel,omitempty"`
	Note      string `json:"note,omitempty"`
}

// Notification is one event for the app, POSTed signed to its URL. ID is stable across
// retries, so the app can drop duplicates.
type Notification struct {
	ID         string         `json:"id"`
	WorkflowID string         `json:"workflowId"`
	Type       string         `json:"type"`
	Stage      string         `json:"stage,omitempty"`
	Outcome    string         `json:"outcome,omitempty"`
	Message    string         `json:"message,omitempty"`
	Data       map[string]any `json:"data,omitempty"`
	At         time.Time      `json:"at"`
}

// Notification types.
const (
	NotifyDeclarationURL  = "declaration_url_ready"
	NotifyReminder        = "reminder_due"
	NotifyContractRenewed = "contract_renewed"
	// NotifyBankDataRequested asks the app for the merchant's bank accounts and transactions
	// (data: uploadPath, deadline); NotifyBankDataReminder repeats it while none came.
	NotifyBankDataRequested = "bank_data_requested"
	NotifyBankDataReminder  = "bank_data_reminder"
	// NotifyIdentityVerification gives the app what the person needs to open the identity
	// session (data: sessionId, token), again for every new session.
	NotifyIdentityVerification = "identity_verification_ready"
	NotifyReviewNeeded         = "review_needed"
	NotifyReviewOverdue        = "review_overdue"
	NotifyFinished             = "finished"
)
