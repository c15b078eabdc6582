package activities

import (
	"strings"

	"github.com/merchantflow/onboarding/automation"
	"github.com/merchantflow/onboarding/providers/quickr"
)

// The workflow's words for what Quickr reports. Activity results and signals carry Quickr's
// own strings (recorded histories hold them, so they stay); the workflow reads them only
// through these pure functions, which makes the translation one place and keeps provider
// vocabulary out of workflow code. Every function here is deterministic: workflows call them.

// CaseProgress is how far a KYC case has come along its lifecycle. The values are ordered: a
// later stage compares greater, and a status the engine does not know is the lowest.
type CaseProgress int

const (
	CaseUnknown        CaseProgress = iota // a status the engine does not know (or none)
	CaseFormNotStarted                     // the merchant has not opened the form
	CaseFormInProgress                     // the merchant is filling in the form
	CaseDeclared                           // the declaration is in; Quickr processes it
	CaseChecked                            // the checks have run: ready for review, in review or waiting for details
	CaseClosed                             // decided or archived
)

// CaseProgressOf is the progress of a case in Quickr status.
func CaseProgressOf(status string) CaseProgress {
	switch status {
	case quickr.StatusFormNotStarted:
		return CaseFormNotStarted
	case quickr.StatusFormInProgress:
		return CaseFormInProgress
	case quickr.StatusProcessingDetails:
		return CaseDeclared
	case quickr.StatusReadyForReview, quickr.StatusReviewInProgress, quickr.StatusWaitingForDetails:
		return CaseChecked
	case quickr.StatusActive, quickr.StatusDeclined, quickr.StatusSuspended, quickr.StatusArchived:
		return CaseClosed
	default:
		return CaseUnknown
	}
}

// EventKind is what a Quickr event type says about the waits of an onboarding.
type EventKind int

const (
	EventOther    EventKind = iota // says nothing by its type (the status it carries may)
	EventDeclared                  // the declaration was submitted
	// EventContractOpened: a contract to sign was created or re-opened; it settles nothing.
	EventContractOpened
	// EventContract: any other contract event (signed, rejected, expired, closed, or one
	// Quickr adds later), which may settle signing.
	EventContract
)

// EventKindOf is the kind of a Quickr event of type typ.
func EventKindOf(typ string) EventKind {
	switch {
	case typ == quickr.EventCaseDeclared:
		return EventDeclared
	case typ == quickr.EventContractCreated || typ == quickr.EventContractReopened:
		return EventContractOpened
	case strings.HasPrefix(typ, contractEventPrefix):
		return EventContract
	default:
		return EventOther
	}
}

// contractEventPrefix starts the type of every contract event Quickr sends.
const contractEventPrefix = "CONTRACT_"

// Verdict is what the approval rules concluded.
type Verdict int

const (
	VerdictReview  Verdict = iota // the rules cannot decide: a person must
	VerdictApprove                // the rules approve
	VerdictDecline                // the rules decline
)

// VerdictOf is the verdict of an Evaluation's Decision; anything but an approval or a decline
// is a review.
func VerdictOf(decision string) Verdict { return verdicts[decision] }

var verdicts = map[string]Verdict{automation.DecisionApprove: VerdictApprove, automation.DecisionDecline: VerdictDecline}

// CaseDecision is what the onboarding records on its KYC case when it ends.
type CaseDecision int

const (
	CaseApproved CaseDecision = iota // the merchant is approved
	CaseDeclined                     // the merchant is declined
	CaseArchived                     // the onboarding ended undecided (expired, cancelled)
)

// QuickrStatusFor is the Quickr case status that records d (RecordDecisionInput.Status).
func QuickrStatusFor(d CaseDecision) string {
	switch d {
	case CaseDeclined:
		return quickr.StatusDeclined
	case CaseArchived:
		return quickr.StatusArchived
	default:
		return quickr.StatusActive
	}
}

// Risk levels, as the engine's API, its rules and Quickr all spell them.
const (
	RiskLow    = quickr.RiskLow
	RiskMedium = quickr.RiskMedium
	RiskHigh   = quickr.RiskHigh
)

// IsRiskLevel reports whether s is one of the risk levels ("" is none).
func IsRiskLevel(s string) bool {
	return s == RiskLow || s == RiskMedium || s == RiskHigh
}
