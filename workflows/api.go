package workflows

import "github.com/merchantflow/onboarding/api"

// The workflow's messages, status and result are the api package's: clients build them
// without importing the workflow. The names stay here as aliases, so the workflow code reads
// as before and every JSON shape is api's, unchanged.

// TaskQueue is the default task queue of onboarding workflows and activities.
const TaskQueue = api.TaskQueue

// Message names (api).
const (
	SignalCaseEvent      = api.SignalCaseEvent
	SignalIDVEvent       = api.SignalIDVEvent
	SignalAgentDecision  = api.SignalAgentDecision
	UpdateDecide         = api.UpdateDecide
	UpdateExtendDeadline = api.UpdateExtendDeadline
	UpdateSupplyBankData = api.UpdateSupplyBankData
	QueryStatus          = api.QueryStatus
)

// WorkflowID is the onboarding's ID (api.WorkflowID).
func WorkflowID(country, orgNumber string) string { return api.WorkflowID(country, orgNumber) }

// Search attributes (api).
var (
	SAStage             = api.SAStage
	SACountry           = api.SACountry
	SAOrgNumber         = api.SAOrgNumber
	SAKycCaseID         = api.SAKycCaseID
	SAOutcome           = api.SAOutcome
	SARiskLevel         = api.SARiskLevel
	SAProviderBlocked   = api.SAProviderBlocked
	SADecisionWriteBack = api.SADecisionWriteBack
)

// Stages and outcomes (api).
type (
	Stage   = api.Stage
	Outcome = api.Outcome
)

const (
	StageStarting            = api.StageStarting
	StageCreatingCase        = api.StageCreatingCase
	StageAwaitingDeclaration = api.StageAwaitingDeclaration
	StageAwaitingSignature   = api.StageAwaitingSignature
	StageEvaluating          = api.StageEvaluating
	StageAwaitingReview      = api.StageAwaitingReview
	StageFinished            = api.StageFinished

	OutcomeApproved  = api.OutcomeApproved
	OutcomeDeclined  = api.OutcomeDeclined
	OutcomeExpired   = api.OutcomeExpired
	OutcomeCancelled = api.OutcomeCancelled
	OutcomeFailed    = api.OutcomeFailed

	DecisionApprove = api.DecisionApprove
	DecisionDecline = api.DecisionDecline

	WriteBackFailed = api.WriteBackFailed

	BlockedCredentials   = api.BlockedCredentials
	BlockedNotConfigured = api.BlockedNotConfigured
	BlockedUnavailable   = api.BlockedUnavailable

	MaxContractRenewalsLimit = api.MaxContractRenewalsLimit
	MaxDeadlineAhead         = api.MaxDeadlineAhead
)

// Payloads (api).
type (
	Credit           = api.Credit
	OnboardingInput  = api.OnboardingInput
	CaseEvent        = api.CaseEvent
	IDVEvent         = api.IDVEvent
	Decision         = api.Decision
	DecideResult     = api.DecideResult
	DeadlineChange   = api.DeadlineChange
	TimelineEntry    = api.TimelineEntry
	Evidence         = api.Evidence
	BankDataUpload   = api.BankDataUpload
	BankDataStatus   = api.BankDataStatus
	IdentitySession  = api.IdentitySession
	WriteBack        = api.WriteBack
	RejectedDecision = api.RejectedDecision
	Blocked          = api.Blocked
	Status           = api.Status
	OnboardingResult = api.OnboardingResult
	Duration         = api.Duration
	Policy           = api.Policy
	PolicyChange     = api.PolicyChange
	FieldProblem     = api.FieldProblem
)
