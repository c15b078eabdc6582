package api

// Prior KYC statuses.
const (
	PriorKYCFound       = "found"
	PriorKYCNone        = "none"
	PriorKYCUnavailable = "unavailable"
)

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

// CaseSnapshot is what the engine keeps of a KYC case.
type CaseSnapshot struct {
	ID             string  `json:"id"`
	Reference      string  `json:"reference,omitempty"`
	Status         string  `json:"status"`
	RiskLevel      string  `json:"riskLevel,omitempty"`
	DeclarationURL string  `json:"declarationUrl,omitempty"`
	DeclaredAt     string  `json:"declaredAt,omitempty"`
	FormSubmitter  *Person `json:"formSubmitter,omitempty"`
	// Contract summarises the signing state (nil before the declaration).
	Contract *ContractState `json:"contract,omitempty"`
	// RemindersSent counts the reminders a waiting poll sent.
	RemindersSent int `json:"remindersSent,omitempty"`
	// Existing is true when the case was found by its reference instead of created.
	Existing bool `json:"existing,omitempty"`
}

// Declared reports whether the merchant has submitted the declaration.
func (c *CaseSnapshot) Declared() bool { return c != nil && c.DeclaredAt != "" }

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

// Terminal states of an identity session, as IDVResult.State and IDVEvent.State carry them.
const (
	IDVCompleted = "COMPLETED"
	IDVFailed    = "FAILED"
	IDVExpired   = "EXPIRED"
)

// IDVTerminal reports whether an identity session in state s will not change any more.
func IDVTerminal(s string) bool { return s == IDVCompleted || s == IDVFailed || s == IDVExpired }

// IDVResult is a finished verification.
type IDVResult struct {
	SessionID         int64    `json:"sessionId"`
	State             string   `json:"state"` // COMPLETED, FAILED or EXPIRED
	Match             bool     `json:"match"`
	Mismatches        []string `json:"mismatches,omitempty"` // e.g. "name", "birthDate"
	VerifiedName      string   `json:"verifiedName,omitempty"`
	VerifiedBirthDate string   `json:"verifiedBirthDate,omitempty"`
}

// CreditAnalysisResult is a completed open-banking analysis.
type CreditAnalysisResult struct {
	AnalysisID string         `json:"analysisId"`
	Score      float64        `json:"score"` // the provider's credit score
	Indicators []string       `json:"indicators,omitempty"`
	Insights   map[string]any `json:"insights,omitempty"`
}

// CreditTermsResult is a credit-terms request's final state.
type CreditTermsResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}
