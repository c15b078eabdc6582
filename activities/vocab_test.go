package activities

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/api"
)

// The workflow once ranked Quickr's statuses itself; these tables are what it decided, so
// the translation must keep every answer.
func TestCaseProgressOrdersTheLifecycle(t *testing.T) {
	rank := map[string]CaseProgress{
		"FORM_NOT_STARTED": 1, "FORM_IN_PROGRESS": 2, "PROCESSING_DETAILS": 3,
		"READY_FOR_REVIEW": 4, "REVIEW_IN_PROGRESS": 4, "WAITING_FOR_DETAILS": 4,
		"ACTIVE": 5, "DECLINED": 5, "SUSPENDED": 5, "ARCHIVED": 5,
		"": 0, "SOMETHING_NEW": 0, "active": 0,
	}
	for status, want := range rank {
		require.Equal(t, want, CaseProgressOf(status), status)
	}
	require.Less(t, CaseUnknown, CaseFormNotStarted)
	require.Less(t, CaseDeclared, CaseChecked)
	require.Less(t, CaseChecked, CaseClosed)
}

func TestEventKindOf(t *testing.T) {
	for typ, want := range map[string]EventKind{
		"CASE_DECLARED":     EventDeclared,
		"CONTRACT_CREATED":  EventContractOpened,
		"CONTRACT_REOPENED": EventContractOpened,
		"CONTRACT_SIGNED":   EventContract,
		"CONTRACT_REJECTED": EventContract,
		"CONTRACT_EXPIRED":  EventContract,
		"CONTRACT_CLOSED":   EventContract,
		"CONTRACT_AMENDED":  EventContract, // one Quickr might add: still a contract event
		"SIGNATORY_SIGNED":  EventOther,
		"CASE_CREATED":      EventOther,
		"CASE_RECONCILED":   EventOther,
		"":                  EventOther,
	} {
		require.Equal(t, want, EventKindOf(typ), typ)
	}
}

func TestVerdictOf(t *testing.T) {
	require.Equal(t, VerdictApprove, VerdictOf("APPROVE"))
	require.Equal(t, VerdictDecline, VerdictOf("DECLINE"))
	for _, d := range []string{"REVIEW", "", "approve", "MAYBE"} {
		require.Equal(t, VerdictReview, VerdictOf(d), d)
	}
}

func TestQuickrStatusForIsWhatRecordDecisionAccepts(t *testing.T) {
	require.Equal(t, "ACTIVE", QuickrStatusFor(CaseApproved))
	require.Equal(t, "DECLINED", QuickrStatusFor(CaseDeclined))
	require.Equal(t, "ARCHIVED", QuickrStatusFor(CaseArchived))
	for _, d := range []CaseDecision{CaseApproved, CaseDeclined, CaseArchived} {
		// RecordDecision validates before it needs a client: a status it refused would fail
		// with InvalidInput, one it accepts with NotConfigured.
		err := (&Activities{}).RecordDecision(t.Context(), api.RecordDecisionInput{CaseID: "c1", Status: QuickrStatusFor(d)})
		require.ErrorContains(t, err, "not configured")
	}
}

func TestIsRiskLevel(t *testing.T) {
	for _, s := range []string{"LOW", "MEDIUM", "HIGH"} {
		require.True(t, IsRiskLevel(s), s)
	}
	for _, s := range []string{"", "low", "CRITICAL"} {
		require.False(t, IsRiskLevel(s), s)
	}
}
