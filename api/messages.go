package api

import "time"

// CaseEvent is a Quickr case webhook as the gateway forwards it. Events are hints: they may
// arrive early, twice or out of order; the workflow re-reads the case before it acts.
type CaseEvent struct {
	EventID      string    `json:"eventId"`
	Type         string    `json:"type"`
	SubEventType string    `json:"subEventType,omitempty"`
	CaseID       string    `json:"caseId"`
	Status       string    `json:"status"`
	OccurredAt   time.Time `json:"occurredAt"`
}

// IDVEvent is an identity-verification callback as the gateway forwards it.
type IDVEvent struct {
	EventID   string `json:"eventId"`
	SessionID int64  `json:"sessionId"`
	State     string `json:"state"`
}

// Decisions an agent can take.
const (
	DecisionApprove = "approve"
	DecisionDecline = "decline"
)

// Decision is an agent's decision in review.
type Decision struct {
	Decision  string `json:"decision"` // approve or decline
	Agent     string `json:"agent"`
	Reason    string `json:"reason,omitempty"`
	RiskLevel string `json:"riskLevel,omitempty"` // LOW, MEDIUM or HIGH; empty keeps the case's
	// Via says how the decision arrived ("update", "signal", or the gateway's token name).
	Via string `json:"via,omitempty"`
}

// DecideResult answers the decide update.
type DecideResult struct {
	// Status is "decided" or "awaiting_second_approval" (a HIGH-risk approval needs two
	// distinct agents).
	Status  string  `json:"status"`
	Outcome Outcome `json:"outcome,omitempty"`
}

// DeadlineChange is the extend-deadline update: a later declaration deadline and/or a policy
// change. Deadlines only move later.
type DeadlineChange struct {
	DeclarationDeadline *time.Time    `json:"declarationDeadline,omitempty"`
	ExtendBy            Duration      `json:"extendBy,omitempty"` // alternative: move the declaration deadline by this much
	Policy              *PolicyChange `json:"policy,omitempty"`
	Reason              string        `json:"reason,omitempty"`
	By                  string        `json:"by,omitempty"`
}

// BankDataUpload is what the gateway sends when the app has uploaded the merchant's bank
// data: where the upload is stored and what it holds, never the data itself.
type BankDataUpload struct {
	Ref          string `json:"ref"` // "sha256:<hex>", the stored upload
	Accounts     int    `json:"accounts"`
	Transactions int    `json:"transactions"`
	From         string `json:"from"` // first booking date, YYYY-MM-DD
	To           string `json:"to"`   // last booking date
	Bytes        int    `json:"bytes"`
	// By is the app that uploaded it (its API token's name); set by the gateway.
	By        string `json:"by,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// BankDataStatus is the request for the merchant's bank data.
type BankDataStatus struct {
	RequestedAt time.Time       `json:"requestedAt"`
	Deadline    time.Time       `json:"deadline"`
	Reminders   int             `json:"reminders"`
	Upload      *BankDataUpload `json:"upload,omitempty"`
	SuppliedAt  *time.Time      `json:"suppliedAt,omitempty"`
}
