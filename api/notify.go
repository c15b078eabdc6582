package api

import "time"

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

// RecordDecisionInput writes the decision back to the case: status, risk level and a note.
// It is the RecordDecision activity's input, which ops read back from the history (the notes
// the onboarding wrote to Quickr).
type RecordDecisionInput struct {
	CaseID    string `json:"caseId"`
	Reference string `json:"reference,omitempty"`
	Status    string `json:"status"` // ACTIVE, DECLINED or ARCHIVED
	RiskLevel string `json:"riskLevel,omitempty"`
	Note      string `json:"note,omitempty"`
}

// RecordDecisionActivity is the activity type whose inputs are the notes.
const RecordDecisionActivity = "RecordDecision"
