package api

import "time"

// Stage is where an onboarding is.
type Stage string

// Stages in order.
const (
	StageStarting            Stage = "STARTING"
	StageCreatingCase        Stage = "CREATING_CASE"
	StageAwaitingDeclaration Stage = "AWAITING_DECLARATION"
	StageAwaitingSignature   Stage = "AWAITING_SIGNATURE"
	StageEvaluating          Stage = "EVALUATING"
	StageAwaitingReview      Stage = "AWAITING_REVIEW"
	StageFinished            Stage = "FINISHED"
)

// Outcome is how an onboarding ended.
type Outcome string

// Outcomes.
const (
	OutcomeApproved  Outcome = "APPROVED"
	OutcomeDeclined  Outcome = "DECLINED"
	OutcomeExpired   Outcome = "EXPIRED"
	OutcomeCancelled Outcome = "CANCELLED"
	OutcomeFailed    Outcome = "FAILED"
)

// TimelineEntry is one thing that happened to the onboarding.
type TimelineEntry struct {
	At     time.Time `json:"at"`
	Stage  Stage     `json:"stage"`
	Event  string    `json:"event"`
	Detail string    `json:"detail,omitempty"`
}

// Evidence is what the onboarding learnt, step by step.
type Evidence struct {
	PriorKYC       *PriorKYC             `json:"priorKyc,omitempty"`
	Contract       *ContractState        `json:"contract,omitempty"`
	Identity       *IDVResult            `json:"identity,omitempty"`
	CreditAnalysis *CreditAnalysisResult `json:"creditAnalysis,omitempty"`
	CreditTerms    *CreditTermsResult    `json:"creditTerms,omitempty"`
	// Unavailable names evidence that could not be had, with why.
	Unavailable map[string]string `json:"unavailable,omitempty"`
}

// IdentitySession is the identity verification the person completes with the token, which
// goes to the app in the identity_verification_ready notification (not kept here).
type IdentitySession struct {
	SessionID int64     `json:"sessionId"`
	Sessions  int       `json:"sessions"` // started so far (a session that expired is replaced)
	Since     time.Time `json:"since"`
}

// WriteBack is a decision Quickr has not recorded.
type WriteBack struct {
	State     string    `json:"state"` // WriteBackFailed
	Status    string    `json:"status"`
	RiskLevel string    `json:"riskLevel,omitempty"`
	Error     string    `json:"error"`
	Since     time.Time `json:"since"`
}

// RejectedDecision is a decision that arrived by signal and broke a rule.
type RejectedDecision struct {
	Decision Decision  `json:"decision"`
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`
}

// Blocked says that the onboarding cannot go on until a person fixes something outside it:
// a provider refuses our credentials, the worker is not configured for it, or it has been
// down for longer than the call budget. The onboarding stays in its stage, retries on its
// own and resumes when the provider answers again; it never fails for this.
type Blocked struct {
	Provider string `json:"provider"`
	// Reason is "credentials refused", "not configured" or "unavailable".
	Reason string `json:"reason"`
	// Activity is the call that is retrying (its activity type), Summary what it does.
	Activity string    `json:"activity"`
	Summary  string    `json:"summary"`
	Since    time.Time `json:"since"`
	// LastError is the failure that blocked the onboarding. The engine's status adds the
	// latest retry's failure and attempt count from the pending activity.
	LastError string `json:"lastError"`
	Attempts  int32  `json:"attempts,omitempty"`
	// LastAttemptAt is the time of the latest retry (filled by the engine, like Attempts).
	LastAttemptAt *time.Time `json:"lastAttemptAt,omitempty"`
}

// Reasons a provider blocks an onboarding.
const (
	BlockedCredentials   = "credentials refused"
	BlockedNotConfigured = "not configured"
	BlockedUnavailable   = "unavailable"
)

// Status is the answer to QueryStatus.
type Status struct {
	WorkflowID        string               `json:"workflowId"`
	Stage             Stage                `json:"stage"`
	WaitingFor        string               `json:"waitingFor,omitempty"`
	Until             *time.Time           `json:"until,omitempty"`
	Company           Company              `json:"company"`
	CaseID            string               `json:"caseId,omitempty"`
	CaseStatus        string               `json:"caseStatus,omitempty"`
	DeclarationURL    string               `json:"declarationUrl,omitempty"`
	DeclaredAt        string               `json:"declaredAt,omitempty"`
	Deadlines         map[string]time.Time `json:"deadlines,omitempty"`
	Policy            Policy               `json:"policy"`
	RemindersSent     map[string]int       `json:"remindersSent,omitempty"`
	RenewalsUsed      int                  `json:"renewalsUsed"`
	EventsReceived    int                  `json:"eventsReceived"`
	Evidence          Evidence             `json:"evidence"`
	Evaluation        *Evaluation          `json:"evaluation,omitempty"`
	ReviewReasons     []string             `json:"reviewReasons,omitempty"`
	Approvals         []Decision           `json:"approvals,omitempty"`
	Decision          *Decision            `json:"decision,omitempty"`
	RejectedDecisions []RejectedDecision   `json:"rejectedDecisions,omitempty"`
	Outcome           Outcome              `json:"outcome,omitempty"`
	Reason            string               `json:"reason,omitempty"`
	// BankData is the credit analysis's request for the merchant's bank data and its answer
	// (nil before it was requested, and for onboardings started before uploads existed).
	BankData *BankDataStatus `json:"bankData,omitempty"`
	// Identity is the identity verification session the person is asked to complete.
	Identity *IdentitySession `json:"identity,omitempty"`
	// WriteBack is set when recording the decision in Quickr failed: the outcome stands,
	// and ops finish the write-back by hand (DecisionWriteBack = "FAILED" finds them).
	WriteBack *WriteBack `json:"writeBack,omitempty"`
	// Blocked lists the providers the onboarding waits on until a person fixes them; empty
	// when it is not blocked.
	Blocked  []Blocked       `json:"blocked,omitempty"`
	Timeline []TimelineEntry `json:"timeline"`
	// TimelineOmitted counts the oldest entries left out (the timeline keeps the newest
	// entries, the first of them summarising what was left out); RejectedDecisionsOmitted
	// likewise for RejectedDecisions.
	TimelineOmitted          int `json:"timelineOmitted,omitempty"`
	RejectedDecisionsOmitted int `json:"rejectedDecisionsOmitted,omitempty"`
}

// OnboardingResult is how the onboarding ended. A declined or expired merchant is a result,
// not an error.
type OnboardingResult struct {
	WorkflowID string          `json:"workflowId"`
	Outcome    Outcome         `json:"outcome"`
	Reason     string          `json:"reason,omitempty"`
	RiskLevel  string          `json:"riskLevel,omitempty"`
	Case       *CaseSnapshot   `json:"case,omitempty"`
	Evidence   Evidence        `json:"evidence"`
	Evaluation *Evaluation     `json:"evaluation,omitempty"`
	Decision   *Decision       `json:"decision,omitempty"`
	Timeline   []TimelineEntry `json:"timeline"`
}
