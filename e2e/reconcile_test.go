package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/workflows"
)

// The reconciler makes a lost webhook cost at most one sweep period: with every Quickr
// webhook dropped and nothing polling the case, a declared case and then a signed one still
// move the onboarding on within about one period each.
func TestReconcilerRescuesLostWebhooks(t *testing.T) {
	t.Parallel()
	lockMerchant(t, ragnarok)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	const every = 10 * time.Second
	s := newStack(t, sandbox.Config{Faults: map[string]sandbox.Fault{"quickr": {DropWebhooks: 1}}}, withReconciler(every))

	p := fastPolicy()
	started := begin(t, ctx, s, ragnarok, p)
	// Within a sweep period and a few seconds, only the reconciler can tell the onboarding.
	margin := every + 5*time.Second

	waitStage(t, ctx, s, started.WorkflowID, api.StageAwaitingDeclaration)
	s.nothingPolls(t, ctx, started)
	pollDue := time.Now().Add(margin)
	declared := time.Now()
	s.control(t, "/control/quickr/cases/"+started.WorkflowID+"/declare", "")
	st := waitPast(t, ctx, s, started.WorkflowID, api.StageAwaitingDeclaration, time.Until(pollDue))
	t.Logf("past the declaration %s after it, stage %s", time.Since(declared).Round(time.Millisecond), st.Stage)
	require.Equal(t, 1, timelineCount(st, "case event "+activities.CaseEventReconciled), "moved by the reconciler: %+v", st.Timeline)

	// The signatures: the case reaches READY_FOR_REVIEW with its webhooks dropped too.
	waitStage(t, ctx, s, started.WorkflowID, api.StageAwaitingSignature)
	s.nothingPolls(t, ctx, started)
	pollDue = time.Now().Add(margin)
	signed := time.Now()
	s.control(t, "/control/quickr/cases/"+started.WorkflowID+"/sign", "")
	st = waitPast(t, ctx, s, started.WorkflowID, api.StageAwaitingSignature, time.Until(pollDue))
	t.Logf("past the signatures %s after them, stage %s", time.Since(signed).Round(time.Millisecond), st.Stage)
	require.GreaterOrEqual(t, timelineCount(st, "case event "+activities.CaseEventReconciled), 2, "moved by the reconciler: %+v", st.Timeline)

	var hooks struct {
		Deliveries []sandbox.Delivery `json:"deliveries"`
	}
	s.getJSON(t, "/control/webhooks?reference="+started.WorkflowID, &hooks)
	require.NotEmpty(t, hooks.Deliveries)
	for _, d := range hooks.Deliveries {
		require.Equal(t, "dropped", d.Status, "no webhook got through: %+v", d)
	}

	rec := s.reconcilerStatus(t, ctx)
	require.GreaterOrEqual(t, rec.Totals.Signalled, 2, "%+v", rec)
	require.Equal(t, api.Duration(every), rec.Every)
	require.Empty(t, rec.LastError)
	// Each sweep read one page: the cost follows the cases that changed (one here), and the
	// sandbox counted those list requests (plus the lookup before the case was created).
	require.Equal(t, rec.Totals.Sweeps, rec.Totals.Pages, "%+v", rec)
	require.Greater(t, s.sandbox.Counters().Requests()[sandbox.RequestQuickrListCases], rec.Totals.Pages)
}

// waitPast polls the onboarding's status until it has left stage (and the stages before it),
// within d.
func waitPast(t *testing.T, ctx context.Context, s *stack, id string, stage api.Stage, d time.Duration) *api.Status {
	t.Helper()
	order := []api.Stage{api.StageStarting, api.StageCreatingCase, api.StageAwaitingDeclaration,
		api.StageAwaitingSignature, api.StageEvaluating, api.StageAwaitingReview, api.StageFinished}
	rank := func(s api.Stage) int {
		for i, o := range order {
			if o == s {
				return i
			}
		}
		return -1
	}
	var st *api.Status
	require.Eventually(t, func() bool {
		var err error
		st, err = s.engine().Status(ctx, id)
		return err == nil && rank(st.Stage) > rank(stage)
	}, d, 100*time.Millisecond, "still in %s or before after %s; last status %+v", stage, d, st)
	return st
}

// timelineCount counts the onboarding's timeline entries for event.
func timelineCount(st *api.Status, event string) int {
	n := 0
	for _, e := range st.Timeline {
		if e.Event == event {
			n++
		}
	}
	return n
}

// nothingPolls asserts that the onboarding waits without a poll: from onboarding version 2
// the case waits run no activity between their checks, so only an event (here, the
// reconciler's) can move them on before the next reminder.
func (s *stack) nothingPolls(t *testing.T, ctx context.Context, started *engine.Started) {
	t.Helper()
	desc, err := s.tc.DescribeWorkflowExecution(ctx, started.WorkflowID, started.RunID)
	require.NoError(t, err)
	for _, pa := range desc.GetPendingActivities() {
		require.NotContains(t, []string{"AwaitDeclaration", "AwaitSignature", "CheckCase"}, pa.GetActivityType().GetName(), "a case wait is polling")
	}
}

// reconcilerStatus queries the stack's reconciler.
func (s *stack) reconcilerStatus(t *testing.T, ctx context.Context) workflows.ReconcileStatus {
	t.Helper()
	v, err := s.tc.QueryWorkflow(ctx, workflows.ReconcilerWorkflowID(s.taskQueue), "", api.QueryStatus)
	require.NoError(t, err)
	var st workflows.ReconcileStatus
	require.NoError(t, v.Get(&st))
	return st
}
