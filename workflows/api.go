package workflows

import (
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/activities"
)

// TaskQueue is the default task queue of onboarding workflows and activities.
const TaskQueue = "onboarding"

// Message names. Apps, the gateway and the starter use these constants.
const (
	// SignalCaseEvent carries a Quickr case webhook (CaseEvent) from the gateway.
	SignalCaseEvent = "quickr-case-event"
	// SignalIDVEvent carries an identity-verification callback (IDVEvent) from the gateway.
	SignalIDVEvent = "idv-event"
	// SignalAgentDecision carries a Decision for tools that can only signal. It is checked by
	// the same rules as the decide update; an invalid one is recorded in the status, ignored.
	SignalAgentDecision = "agent-decision"
	// UpdateDecide is an agent's Decision, validated before it touches history.
	UpdateDecide = "decide"
	// UpdateExtendDeadline is a DeadlineChange, validated before it touches history.
	UpdateExtendDeadline = "extend-deadline"
	// UpdateSupplyBankData is the merchant's bank data (BankDataUpload: a reference to the
	// stored upload and its summary), which the credit analysis waits for.
	UpdateSupplyBankData = "supply-bank-data"
	// QueryStatus returns Status.
	QueryStatus = "status"
)

// WorkflowID is the onboarding's ID, derived from the merchant's business key so that a
// second start for the same merchant finds the running onboarding instead of making a twin.
func WorkflowID(country, orgNumber string) string {
	return "onboarding:" + strings.ToUpper(strings.TrimSpace(country)) + ":" + strings.TrimSpace(orgNumber)
}

// Search attributes ops filter on in the Temporal UI. All are Keyword.
var (
	SAStage     = temporal.NewSearchAttributeKeyKeyword("OnboardingStage")
	SACountry   = temporal.NewSearchAttributeKeyKeyword("MerchantCountry")
	SAOrgNumber = temporal.NewSearchAttributeKeyKeyword("MerchantOrgNumber")
	SAKycCaseID = temporal.NewSearchAttributeKeyKeyword("KycCaseId")
	SAOutcome   = temporal.NewSearchAttributeKeyKeyword("Outcome")
	SARiskLevel = temporal.NewSearchAttributeKeyKeyword("RiskLevel")
	// SAProviderBlocked lists the providers an onboarding is blocked on (KeywordList; unset
	// when none): `ProviderBlocked = "quickr"` finds those waiting for Quickr's credentials.
	SAProviderBlocked = temporal.NewSearchAttributeKeyKeywordList("ProviderBlocked")
	// SADecisionWriteBack is "FAILED" on an onboarding whose decision Quickr has not
	// recorded after hours of retries: ops record it by hand (the outcome stands).
	SADecisionWriteBack = temporal.NewSearchAttributeKeyKeyword("DecisionWriteBack")
	// SearchAttributes lists every one with its type for registration (make run, the tests,
	// setup tools). Keep scripts/run-stack.sh and docker-compose.temporal.yml in step.
	SearchAttributes = []temporal.SearchAttributeKey{SAStage, SACountry, SAOrgNumber, SAKycCaseID, SAOutcome, SARiskLevel, SAProviderBlocked, SADecisionWriteBack}
)

// SearchAttributeExamples is one value of each search attribute, for APIs that register
// attributes from a typed set (the test suite's dev server).
func SearchAttributeExamples() []temporal.SearchAttributeUpdate {
	out := make([]temporal.SearchAttributeUpdate, 0, len(SearchAttributes))
	for _, k := range SearchAttributes {
		switch k := k.(type) {
		case temporal.SearchAttributeKeyKeyword:
			out = append(out, k.ValueSet(""))
		case temporal.SearchAttributeKeyKeywordList:
			out = append(out, k.ValueSet([]string{}))
		}
	}
	return out
}

// SearchAttributeType is the type name of a search attribute as the Temporal CLI and the
// operator API spell it: "Keyword" or "KeywordList".
func SearchAttributeType(k temporal.SearchAttributeKey) string {
	if k.GetValueType() == enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST {
		return "KeywordList"
	}
	return "Keyword"
}

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

// Credit is what the merchant asks for.
type Credit struct {
	Amount     float64 `json:"amount"`
	Currency   string  `json:"currency,omitempty"`
	PeriodDays int     `json:"periodDays,omitempty"` // 30, 60 or 90
}

// OnboardingInput starts an onboarding.
type OnboardingInput struct {
	Company activities.Company `json:"company"`
	Contact activities.Person  `json:"contact"`
	Address string             `json:"address,omitempty"`
	Credit  Credit             `json:"credit"`
	Policy  Policy             `json:"policy"`
}

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

// TimelineEntry is one thing that happened to the onboarding.
type TimelineEntry struct {
	At     time.Time `json:"at"`
	Stage  Stage     `json:"stage"`
	Event  string    `json:"event"`
	Detail string    `json:"detail,omitempty"`
}

// Evidence is what the onboarding learnt, step by step.
type Evidence struct {
	PriorKYC       *activities.PriorKYC             `json:"priorKyc,omitempty"`
	Contract       *activities.ContractState        `json:"contract,omitempty"`
	Identity       *activities.IDVResult            `json:"identity,omitempty"`
	CreditAnalysis *activities.CreditAnalysisResult `json:"creditAnalysis,omitempty"`
	CreditTerms    *activities.CreditTermsResult    `json:"creditTerms,omitempty"`
	// Unavailable names evidence that could not be had, with why.
	Unavailable map[string]string `json:"unavailable,omitempty"`
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

// WriteBackFailed is the DecisionWriteBack search attribute's value when ops must finish it.
const WriteBackFailed = "FAILED"

// RejectedDecision is a decision that arrived by signal and broke a rule.
type RejectedDecision struct {
	Decision Decision  `json:"decision"`
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`
}

// Status is the answer to QueryStatus.
type Status struct {
	WorkflowID        string                 `json:"workflowId"`
	Stage             Stage                  `json:"stage"`
	WaitingFor        string                 `json:"waitingFor,omitempty"`
	Until             *time.Time             `json:"until,omitempty"`
	Company           activities.Company     `json:"company"`
	CaseID            string                 `json:"caseId,omitempty"`
	CaseStatus        string                 `json:"caseStatus,omitempty"`
	DeclarationURL    string                 `json:"declarationUrl,omitempty"`
	DeclaredAt        string                 `json:"declaredAt,omitempty"`
	Deadlines         map[string]time.Time   `json:"deadlines,omitempty"`
	Policy            Policy                 `json:"policy"`
	RemindersSent     map[string]int         `json:"remindersSent,omitempty"`
	RenewalsUsed      int                    `json:"renewalsUsed"`
	EventsReceived    int                    `json:"eventsReceived"`
	Evidence          Evidence               `json:"evidence"`
	Evaluation        *activities.Evaluation `json:"evaluation,omitempty"`
	ReviewReasons     []string               `json:"reviewReasons,omitempty"`
	Approvals         []Decision             `json:"approvals,omitempty"`
	Decision          *Decision              `json:"decision,omitempty"`
	RejectedDecisions []RejectedDecision     `json:"rejectedDecisions,omitempty"`
	Outcome           Outcome                `json:"outcome,omitempty"`
	Reason            string                 `json:"reason,omitempty"`
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
	// maxTimeline, the first of them summarising what was left out); RejectedDecisionsOmitted
	// likewise for RejectedDecisions.
	TimelineOmitted          int `json:"timelineOmitted,omitempty"`
	RejectedDecisionsOmitted int `json:"rejectedDecisionsOmitted,omitempty"`
}

// OnboardingResult is how the onboarding ended. A declined or expired merchant is a result,
// not an error.
type OnboardingResult struct {
	WorkflowID string                   `json:"workflowId"`
	Outcome    Outcome                  `json:"outcome"`
	Reason     string                   `json:"reason,omitempty"`
	RiskLevel  string                   `json:"riskLevel,omitempty"`
	Case       *activities.CaseSnapshot `json:"case,omitempty"`
	Evidence   Evidence                 `json:"evidence"`
	Evaluation *activities.Evaluation   `json:"evaluation,omitempty"`
	Decision   *Decision                `json:"decision,omitempty"`
	Timeline   []TimelineEntry          `json:"timeline"`
}
