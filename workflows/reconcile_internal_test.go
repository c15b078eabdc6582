package workflows

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// The sweep (activities) cannot import this package, so it keeps its own copy of what it
// needs to know about the onboarding workflow. These tests keep the two in step.

// caseStatuses is every Quickr case status, and two that are not.
var caseStatuses = []string{
	"FORM_NOT_STARTED", "FORM_IN_PROGRESS", "PROCESSING_DETAILS", "READY_FOR_REVIEW", "REVIEW_IN_PROGRESS",
	"WAITING_FOR_DETAILS", "ACTIVE", "DECLINED", "SUSPENDED", "ARCHIVED", "", "SOMETHING_NEW",
}

func TestSweepSettlesWhatTheCaseEventHandlerCountsAsAHint(t *testing.T) {
	for _, s := range caseStatuses {
		// onCaseEvent: a declared case is a declaration hint; a checked one (READY_FOR_REVIEW or
		// later) a signature hint (the sweep's event type is neither CASE_DECLARED nor CONTRACT_*).
		progress := activities.CaseProgressOf(s)
		require.Equal(t, progress >= activities.CaseDeclared, activities.SettlesStage(string(api.StageAwaitingDeclaration), s), s)
		require.Equal(t, progress >= activities.CaseChecked, activities.SettlesStage(string(api.StageAwaitingSignature), s), s)
		for _, st := range []api.Stage{api.StageStarting, api.StageCreatingCase, api.StageEvaluating, api.StageAwaitingReview, api.StageFinished} {
			require.False(t, activities.SettlesStage(string(st), s), "%s %s", st, s)
		}
	}
	require.Equal(t, activities.EventOther, activities.EventKindOf(activities.CaseEventReconciled))
}

// The sweep takes its names from api; what remains to check is that it can tell onboardings
// from the reconciler by their IDs.
func TestSweepTellsOnboardingsByTheirIDs(t *testing.T) {
	require.True(t, strings.HasPrefix(api.WorkflowID("no", "987654321"), api.IDPrefix))
	require.False(t, strings.HasPrefix(ReconcilerWorkflowID(api.TaskQueue), api.IDPrefix), "the reconciler is no onboarding")
}

func TestSweepEventDecodesAsCaseEvent(t *testing.T) {
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	sent := activities.ReconciledCaseEvent{EventID: "sweep:c1:PROCESSING_DETAILS:2026-11-01T09:00:00Z", Type: activities.CaseEventReconciled,
		CaseID: "c1", Status: "PROCESSING_DETAILS", OccurredAt: at}
	b, err := json.Marshal(sent)
	require.NoError(t, err)
	var got api.CaseEvent
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields() // every field the sweep sends is one CaseEvent has
	require.NoError(t, dec.Decode(&got))
	require.Equal(t, api.CaseEvent{EventID: sent.EventID, Type: sent.Type, CaseID: "c1", Status: "PROCESSING_DETAILS", OccurredAt: at}, got)
}
