package workflows

import (
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/activities"
)

// TaskQueue is the default task queue of onboarding workflows and activities.
const TaskQueue = "onboarding"

// Message names. Apps, the gateway and the starter use these constants.
const (
	// SignalCaseEvent carries a Quickr case webhook (CaseEvent) from the gateway.
	SignalCaseEvent = "quickr-case-event"
	// QueryStatus returns Status.
	QueryStatus = "status"
)

// WorkflowID is the onboarding's ID, derived from the merchant's business key so that a
// second start for the same merchant finds the running onboarding instead of making a twin.
func WorkflowID(country, orgNumber string) string {
	return "onboarding:" + strings.ToUpper(strings.TrimSpace(country)) + ":" + strings.TrimSpace(orgNumber)
}

// WorkflowIDForKey is the ID for an app-given merchant key.
func WorkflowIDForKey(key string) string { return "onboarding:" + strings.TrimSpace(key) }

// Search attributes ops filter on in the Temporal UI. All are Keyword.
var (
	SAStage              = temporal.NewSearchAttributeKeyKeyword("OnboardingStage")
	SACountry            = temporal.NewSearchAttributeKeyKeyword("MerchantCountry")
	SAOrgNumber          = temporal.NewSearchAttributeKeyKeyword("MerchantOrgNumber")
	SAKycCaseID          = temporal.NewSearchAttributeKeyKeyword("KycCaseId")
	SAOutcome            = temporal.NewSearchAttributeKeyKeyword("Outcome")
	SARiskLevel          = temporal.NewSearchAttributeKeyKeyword("RiskLevel")
	SearchAttributeNames = []string{"OnboardingStage", "MerchantCountry", "MerchantOrgNumber", "KycCaseId", "Outcome", "RiskLevel"}
)

// Stage is where an onboarding is.
type Stage string

// Stages in order.
const (
	StageStarting            Stage = "STARTING"
	StageCreatingCase        Stage = "CREATING_CASE"
	StageAwaitingDeclaration Stage = "AWAITING_DECLARATION"
	StageDeclared            Stage = "DECLARED"
	StageFinished            Stage = "FINISHED"
)

// Outcome is how an onboarding ended.
type Outcome string

// Outcomes. OutcomeDeclared ends the first slice of the lifecycle: the declaration is in; the
// later stages (signing, verification, credit, rules, review) build on it.
const (
	OutcomeDeclared  Outcome = "DECLARED"
	OutcomeApproved  Outcome = "APPROVED"
	OutcomeDeclined  Outcome = "DECLINED"
	OutcomeExpired   Outcome = "EXPIRED"
	OutcomeCancelled Outcome = "CANCELLED"
	OutcomeFailed    Outcome = "FAILED"
)

// Policy is the onboarding's timing, as data: part of the start input, with defaults.
type Policy struct {
	// DeclarationDeadline is how long the merchant has to submit the declaration.
	DeclarationDeadline time.Duration `json:"declarationDeadline"`
	// DeclarationPollInterval is the fallback poll period for a lost webhook.
	DeclarationPollInterval time.Duration `json:"declarationPollInterval"`
}

// DefaultPolicy is used for every zero field of a start's Policy.
func DefaultPolicy() Policy {
	return Policy{
		DeclarationDeadline:     14 * 24 * time.Hour,
		DeclarationPollInterval: 15 * time.Minute,
	}
}

// withDefaults fills zero fields from DefaultPolicy.
func (p Policy) withDefaults() Policy {
	d := DefaultPolicy()
	if p.DeclarationDeadline <= 0 {
		p.DeclarationDeadline = d.DeclarationDeadline
	}
	if p.DeclarationPollInterval <= 0 {
		p.DeclarationPollInterval = d.DeclarationPollInterval
	}
	return p
}

// OnboardingInput starts an onboarding.
type OnboardingInput struct {
	Company activities.Company `json:"company"`
	Contact activities.Person  `json:"contact"`
	Policy  Policy             `json:"policy"`
}

// CaseEvent is a Quickr case webhook as the gateway forwards it. Events are hints: they may
// arrive early, twice or out of order, and the workflow treats them that way.
type CaseEvent struct {
	EventID      string    `json:"eventId"`
	Type         string    `json:"type"`
	SubEventType string    `json:"subEventType,omitempty"`
	CaseID       string    `json:"caseId"`
	Status       string    `json:"status"`
	OccurredAt   time.Time `json:"occurredAt"`
}

// TimelineEntry is one thing that happened to the onboarding.
type TimelineEntry struct {
	At     time.Time `json:"at"`
	Stage  Stage     `json:"stage"`
	Event  string    `json:"event"`
	Detail string    `json:"detail,omitempty"`
}

// Status is the answer to QueryStatus.
type Status struct {
	WorkflowID     string               `json:"workflowId"`
	Stage          Stage                `json:"stage"`
	WaitingFor     string               `json:"waitingFor,omitempty"`
	Until          *time.Time           `json:"until,omitempty"`
	Company        activities.Company   `json:"company"`
	CaseID         string               `json:"caseId,omitempty"`
	CaseStatus     string               `json:"caseStatus,omitempty"`
	DeclarationURL string               `json:"declarationUrl,omitempty"`
	DeclaredAt     string               `json:"declaredAt,omitempty"`
	Deadlines      map[string]time.Time `json:"deadlines,omitempty"`
	EventsReceived int                  `json:"eventsReceived"`
	Outcome        Outcome              `json:"outcome,omitempty"`
	Reason         string               `json:"reason,omitempty"`
	Timeline       []TimelineEntry      `json:"timeline"`
}

// OnboardingResult is how the onboarding ended. A declined or expired merchant is a result,
// not an error.
type OnboardingResult struct {
	WorkflowID string                   `json:"workflowId"`
	Outcome    Outcome                  `json:"outcome"`
	Reason     string                   `json:"reason,omitempty"`
	Case       *activities.CaseSnapshot `json:"case,omitempty"`
	Timeline   []TimelineEntry          `json:"timeline"`
}
