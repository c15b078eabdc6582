package workflows_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/workflows"
)

// timerLog records every timer the workflow starts, fires and cancels (workflow time).
type timerLog struct {
	started, fired, cancelled map[string]time.Time
	summary                   map[string]time.Duration
}

func watchTimers(env *testsuite.TestWorkflowEnvironment) *timerLog {
	l := &timerLog{started: map[string]time.Time{}, fired: map[string]time.Time{}, cancelled: map[string]time.Time{}, summary: map[string]time.Duration{}}
	env.SetOnTimerScheduledListener(func(id string, d time.Duration) { l.started[id] = env.Now(); l.summary[id] = d })
	env.SetOnTimerFiredListener(func(id string) { l.fired[id] = env.Now() })
	env.SetOnTimerCanceledListener(func(id string) { l.cancelled[id] = env.Now() })
	return l
}

// settled asserts every timer started was fired or cancelled, never both.
func (l *timerLog) settled(t *testing.T) {
	t.Helper()
	require.Equal(t, len(l.started), len(l.fired)+len(l.cancelled), "started %d, fired %d, cancelled %d", len(l.started), len(l.fired), len(l.cancelled))
	for id := range l.started {
		_, f := l.fired[id]
		_, c := l.cancelled[id]
		require.True(t, f != c, "timer %s: fired %v, cancelled %v", id, f, c)
	}
}

func set(f *fake, fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn()
}

// Five webhook hints during the declaration used to leave six deadline timers running, all
// firing at the old deadline while the onboarding was in review.
func TestDeclarationHintsLeaveNoTimerRunning(t *testing.T) {
	f := newFake()
	f.declareAt = 10 * time.Hour
	f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "no rule fired", RiskLevel: "LOW"}
	env := newEnv(t, f)
	timers := watchTimers(env)
	for i := range 5 {
		env.RegisterDelayedCallback(func() {
			env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "hint-" + string(rune('a'+i)), Type: "CASE_STATUS_UPDATED", CaseID: caseID, Status: "FORM_IN_PROGRESS", SubEventType: "x"})
			env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "decl-" + string(rune('a'+i)), Type: "CASE_DECLARED", CaseID: caseID})
		}, time.Duration(i+1)*time.Hour)
	}
	var declaredAt time.Time
	// In review long past the old 72 h declaration deadline: no deadline timer may fire now.
	atReviewAfter(t, env, 100*time.Hour, func() {
		declaredAt, _ = timelineAt(status(t, env), "declaration submitted")
		decide(env, api.Decision{Decision: "approve", Agent: "a1"})
	})
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)

	require.NotZero(t, declaredAt)
	before := 0
	for _, at := range timers.started {
		if at.Before(declaredAt) {
			before++
		}
	}
	require.Equal(t, 1, before, "one deadline timer for the whole declaration wait, however often hints restart its poll")
	timers.settled(t)
	for id, at := range timers.fired {
		// The only timers that may fire are review reminders, which fire inside their wait.
		require.True(t, at.After(declaredAt), "timer %s fired at %s", id, at)
		require.NotEqual(t, 72*time.Hour, timers.summary[id])
	}
	// Every timer started while the declaration was awaited ended with that wait.
	for id, at := range timers.started {
		if !at.Before(declaredAt) {
			continue // review's timers start as the declaration arrives (workflow time stands still)
		}
		end, ok := timers.fired[id]
		if !ok {
			end = timers.cancelled[id]
		}
		require.False(t, end.After(declaredAt.Add(time.Minute)), "deadline timer %s outlived its wait: ended %s, declared %s", id, end, declaredAt)
	}
}

// Ten days into review, shortening the reminder cadence to a minute must not send the 14,400
// reminders that fell due: one per wake-up.
func TestOverdueReviewSendsOneReminderPerWakeUp(t *testing.T) {
	f := newFake()
	f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "no rule fired", RiskLevel: "LOW"}
	env := newEnv(t, f)
	var before int
	var changed *updateOutcome
	const changeAt = 10*24*time.Hour + time.Hour // between two daily reminders
	atReviewAfter(t, env, changeAt, func() {
		before = len(f.notified(api.NotifyReviewOverdue))
		every := api.Duration(time.Minute)
		changed = update(env, api.UpdateExtendDeadline, api.DeadlineChange{Policy: &api.PolicyChange{ReviewReminderEvery: &every}})
	})
	var atOnce, afterTenMinutes int
	env.RegisterDelayedCallback(func() {
		atOnce = len(f.notified(api.NotifyReviewOverdue)) - before
	}, changeAt+time.Millisecond)
	env.RegisterDelayedCallback(func() {
		afterTenMinutes = len(f.notified(api.NotifyReviewOverdue)) - before
		decide(env, api.Decision{Decision: "approve", Agent: "a1"})
	}, changeAt+10*time.Minute+time.Second)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	require.NoError(t, changed.rejected)
	require.Equal(t, 9, before, "daily reminders from the 48 h SLA to day 10")
	require.LessOrEqual(t, atOnce, 1, "at most one reminder in the wake-up of the change")
	require.InDelta(t, 10, afterTenMinutes, 1, "then one a minute")
}

// A start that bypasses validation with a 1 µs cadence is clamped and sends one reminder per
// wake-up, never thousands in one workflow task.
func TestTinyReviewCadenceAtStartIsBounded(t *testing.T) {
	f := newFake()
	f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "no rule fired", RiskLevel: "LOW"}
	env := newEnv(t, f)
	in := input()
	in.Policy.ReviewSLA = api.Duration(time.Microsecond)
	in.Policy.ReviewReminderEvery = api.Duration(time.Microsecond)
	var early, later int
	atReviewAfter(t, env, time.Hour, func() { early = len(f.notified(api.NotifyReviewOverdue)) })
	env.RegisterDelayedCallback(func() {
		later = len(f.notified(api.NotifyReviewOverdue))
		decide(env, api.Decision{Decision: "approve", Agent: "a1"})
	}, 2*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	require.LessOrEqual(t, later, 500, "reminders stop at the bound")
	require.Equal(t, later, early, "the bound was reached within the first hour, after which none are sent")
	st := status(t, env)
	require.Equal(t, time.Second, st.Policy.ReviewReminderEvery.D(), "clamped to the workflow's floor")
	require.LessOrEqual(t, len(st.Timeline), 200, "the timeline stays bounded")
	require.Positive(t, st.TimelineOmitted)
	require.Equal(t, "earlier entries omitted", st.Timeline[0].Event)
}

// A far deadline used to overflow the poll's bound and expire the onboarding at once.
func TestFarDeadlinesAreRefusedOrClamped(t *testing.T) {
	f := newFake()
	f.declareAt = 400 * 24 * time.Hour
	env := newEnv(t, f)
	in := input()
	in.Policy.DeclarationDeadline = api.Duration(2562047 * time.Hour) // past what start validation takes
	var farDate, farBy *updateOutcome
	env.RegisterDelayedCallback(func() {
		far := time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC)
		farDate = update(env, api.UpdateExtendDeadline, api.DeadlineChange{DeclarationDeadline: &far})
		farBy = update(env, api.UpdateExtendDeadline, api.DeadlineChange{ExtendBy: api.Duration(2562047 * time.Hour)})
	}, time.Hour)
	later := statusAt(t, env, 300*24*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)
	farDate.refused(t, "at most 365d ahead")
	farBy.refused(t, "at most 365d")
	require.Equal(t, api.StageAwaitingDeclaration, later.Stage, "still waiting 300 days in, not expired within the hour")
	res := result(t, env)
	require.Equal(t, api.OutcomeExpired, res.Outcome, "the deadline was clamped to a year")
	require.WithinDuration(t, f.start.Add(365*24*time.Hour), env.Now(), time.Hour)
}

// Refused credentials block the onboarding in its stage instead of failing it; it says so
// and resumes by itself once the provider accepts them again.
func TestRefusedCredentialsBlockThenResume(t *testing.T) {
	f := newFake()
	f.createErr = temporal.NewApplicationError("quickr get token: HTTP 401 unauthorized: invalid client", activities.ErrProviderAuth)
	env := newEnv(t, f)
	blocked := statusAt(t, env, 30*time.Minute)
	env.RegisterDelayedCallback(func() { set(f, func() { f.createErr = nil }) }, 2*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	require.Equal(t, api.StageCreatingCase, blocked.Stage)
	require.Len(t, blocked.Blocked, 1)
	b := blocked.Blocked[0]
	require.Equal(t, "quickr", b.Provider)
	require.Equal(t, api.BlockedCredentials, b.Reason)
	require.Equal(t, "CreateKYCCase", b.Activity)
	require.Contains(t, b.LastError, "HTTP 401")
	require.WithinDuration(t, f.start, b.Since, time.Minute)

	res := result(t, env)
	require.Equal(t, api.OutcomeApproved, res.Outcome, res.Reason)
	st := status(t, env)
	require.Empty(t, st.Blocked)
	resumedAt, _ := timelineAt(st, "resumed: quickr answers again")
	require.False(t, resumedAt.IsZero(), "the timeline says it resumed")
	require.WithinDuration(t, f.start.Add(2*time.Hour), resumedAt, 6*time.Minute, "within one blocked retry of the fix")
}

// A case check that hits refused credentials blocks too, and the wait goes on after the fix.
func TestCaseCheckWithRefusedCredentialsBlocksThenResumes(t *testing.T) {
	f := newFake()
	f.declareAt = 30 * time.Minute
	f.declareErr = temporal.NewApplicationError("quickr get case: HTTP 403 forbidden", activities.ErrProviderAuth)
	env := newEnv(t, f)
	blocked := statusAt(t, env, time.Hour)
	env.RegisterDelayedCallback(func() { set(f, func() { f.declareErr = nil }) }, 3*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	require.Equal(t, api.StageAwaitingDeclaration, blocked.Stage)
	require.Len(t, blocked.Blocked, 1)
	require.Equal(t, "CheckCase", blocked.Blocked[0].Activity)
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	require.Empty(t, status(t, env).Blocked)
}

// A worker without the provider blocks the onboarding rather than failing it.
func TestProviderNotConfiguredBlocks(t *testing.T) {
	f := newFake()
	f.createErr = temporal.NewApplicationError("quickr is not configured on this worker", activities.ErrNotConfigured)
	env := newEnv(t, f)
	blocked := statusAt(t, env, 10*time.Minute)
	env.RegisterDelayedCallback(func() { set(f, func() { f.createErr = nil }) }, time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Len(t, blocked.Blocked, 1)
	require.Equal(t, api.BlockedNotConfigured, blocked.Blocked[0].Reason)
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
}

// An outage longer than the call budget blocks the onboarding; it resumes when the provider
// is back.
func TestOutagePastTheCallBudgetBlocks(t *testing.T) {
	f := newFake()
	f.createErr = temporal.NewApplicationError("quickr create case: HTTP 503", activities.ErrProviderUnavailable)
	env := newEnv(t, f)
	in := input()
	in.Policy.ProviderCallBudget = api.Duration(time.Minute)
	blocked := statusAt(t, env, 20*time.Minute)
	env.RegisterDelayedCallback(func() { set(f, func() { f.createErr = nil }) }, time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)
	require.Len(t, blocked.Blocked, 1)
	require.Equal(t, api.BlockedUnavailable, blocked.Blocked[0].Reason)
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
}

// Defaults are resolved at start: the status carries a complete policy, whatever the start
// left out.
func TestPolicyIsResolvedOnceAtStart(t *testing.T) {
	f := newFake()
	env := newEnv(t, f)
	in := input()
	in.Policy = api.Policy{ReviewSLA: api.Duration(time.Hour)}
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)
	st := status(t, env)
	require.True(t, st.Policy.Complete())
	want := api.Policy{ReviewSLA: api.Duration(time.Hour)}.Resolve()
	require.Equal(t, want, st.Policy)
}

// Webhooks by the thousand keep the state bounded: the timeline folds its oldest entries.
func TestStateStaysBounded(t *testing.T) {
	f := newFake()
	f.declareAt = 20 * time.Hour
	f.noEvents = true // found by the check at the first reminder
	env := newEnv(t, f)
	// In batches: the test environment queues at most 1000 callbacks at once.
	for b := range 3 {
		env.RegisterDelayedCallback(func() {
			for i := b * 500; i < (b+1)*500; i++ {
				env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "ev-" + strconv.Itoa(i), Type: "CASE_STATUS_UPDATED", CaseID: caseID, Status: "FORM_IN_PROGRESS"})
			}
		}, time.Duration(b+1)*time.Hour)
	}
	env.RegisterDelayedCallback(func() {
		// A recent duplicate is still recognised.
		env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "ev-1499", Type: "CASE_STATUS_UPDATED", CaseID: caseID, Status: "FORM_IN_PROGRESS"})
		for range 30 {
			env.SignalWorkflow(api.SignalAgentDecision, api.Decision{Decision: "approve", Agent: "early"})
		}
	}, 5*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	st := status(t, env)
	require.Equal(t, 1500, st.EventsReceived)
	require.LessOrEqual(t, len(st.Timeline), 200)
	require.Greater(t, st.TimelineOmitted, 1300)
	require.Contains(t, st.Timeline[0].Detail, "left out")
	require.Equal(t, "stage FINISHED", st.Timeline[len(st.Timeline)-1].Event, "the newest entries are kept")
	require.Len(t, st.RejectedDecisions, 20)
	require.Equal(t, 10, st.RejectedDecisionsOmitted)
}

// Moving the review SLA later re-plans the reminders from the new SLA, not from the slots
// passed under the old one.
func TestLaterReviewSLARePlansReminders(t *testing.T) {
	f := newFake()
	f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "no rule fired", RiskLevel: "LOW"}
	env := newEnv(t, f)
	var reviewStart time.Time
	atReviewAfter(t, env, 50*time.Hour, func() {
		reviewStart = status(t, env).Deadlines["reviewSla"].Add(-48 * time.Hour)
		sla := api.Duration(96 * time.Hour)
		update(env, api.UpdateExtendDeadline, api.DeadlineChange{Policy: &api.PolicyChange{ReviewSLA: &sla}})
	})
	env.RegisterDelayedCallback(func() { decide(env, api.Decision{Decision: "approve", Agent: "a1"}) }, 100*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	overdue := f.notified(api.NotifyReviewOverdue)
	require.Len(t, overdue, 2, "one at the old 48 h SLA, one at the new 96 h SLA")
	require.WithinDuration(t, reviewStart.Add(96*time.Hour), overdue[1].At, time.Minute)
}

// A cancellation while the review waits for its next reminder ends the onboarding CANCELLED
// (it used to take the cancelled reminder timer for a fired one and spin).
func TestCancellationDuringReviewEnds(t *testing.T) {
	f := newFake()
	f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "no rule fired", RiskLevel: "LOW"}
	env := newEnv(t, f)
	timers := watchTimers(env)
	atReview(t, env, env.CancelWorkflow)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	res := result(t, env)
	require.Equal(t, api.OutcomeCancelled, res.Outcome)
	require.Equal(t, "ARCHIVED", f.decisions[len(f.decisions)-1].Status, "the case is archived")
	timers.settled(t)
}
