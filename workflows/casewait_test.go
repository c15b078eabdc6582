package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/workflows"
)

const day = 24 * time.Hour

func checksOf(f *fake, wait string) (out []activities.CheckCaseInput) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.checks {
		if c.Wait == wait {
			out = append(out, c)
		}
	}
	return out
}

// monthLongWait is an onboarding whose merchant never declares: a 30-day deadline and a
// reminder every 3 days.
func monthLongWait(t *testing.T) (*fake, *testsuite.TestWorkflowEnvironment, api.OnboardingInput) {
	f := newFake()
	f.declareAt = -1
	in := input()
	in.Policy.DeclarationDeadline = api.Duration(30 * day)
	in.Policy.DeclarationReminderEvery = api.Duration(3 * day)
	return f, newEnv(t, f), in
}

// A month-long wait with no webhook at all costs one check per reminder and one at the
// deadline; nothing polls in between.
func TestMonthLongDeclarationWaitChecksOnlyAtRemindersAndDeadline(t *testing.T) {
	f, env, in := monthLongWait(t)
	mid := statusAt(t, env, 10*day)
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)

	require.Equal(t, api.OutcomeExpired, result(t, env).Outcome)
	checks := checksOf(f, activities.WaitDeclaration)
	require.Len(t, checks, 10, "nine reminders (days 3..27) and the deadline")
	for i, c := range checks[:9] {
		require.NotNil(t, c.Remind, "check %d sends its reminder", i)
		require.Equal(t, i+1, c.Remind.K)
		require.Equal(t, "declaration", c.Remind.Kind)
	}
	require.Nil(t, checks[9].Remind, "no reminder at the deadline itself")
	require.Equal(t, 3, mid.RemindersSent["declaration"], "the count is live while waiting")
	require.Equal(t, 9, status(t, env).RemindersSent["declaration"])
}

// A lost webhook costs one sweep: the reconciler's event wakes the wait like a webhook.
func TestReconcilerEventWakesTheWait(t *testing.T) {
	f := newFake()
	f.declareAt = 2 * time.Hour
	f.noEvents = true
	env := newEnv(t, f)
	var woken time.Time
	env.RegisterDelayedCallback(func() {
		woken = env.Now()
		env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "sweep:" + caseID + ":PROCESSING_DETAILS:x", Type: "CASE_RECONCILED", CaseID: caseID, Status: "PROCESSING_DETAILS"})
	}, 2*time.Hour+5*time.Minute)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	checks := checksOf(f, activities.WaitDeclaration)
	require.Len(t, checks, 1, "one check, on the event")
	declared, _ := timelineAt(status(t, env), "declaration submitted")
	require.WithinDuration(t, woken, declared, time.Minute)
}

// A re-opened contract is checked just after it expires, not only at the next reminder.
func TestContractExpiryIsCheckedWithoutAnEvent(t *testing.T) {
	f := newFake()
	f.signRounds = []string{api.ContractExpired, api.ContractSigned}
	env := newEnv(t, f)
	in := input()
	in.Policy.SigningReminderEvery = api.Duration(5 * day)
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)

	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	require.Equal(t, 1, f.reopens)
	sig := checksOf(f, activities.WaitSignature)
	require.Len(t, sig, 2, "the event's check, then the check at the new contract's expiry")
	// The fake's re-opened contract expires a day later: approved a day after the start, not five.
	require.WithinDuration(t, f.start.Add(day+time.Minute), env.Now(), 10*time.Minute)
}

// Contract events that settle nothing (a contract to sign) wake no check.
func TestContractCreatedWakesNoCheck(t *testing.T) {
	f := newFake()
	f.declareAt = time.Hour
	f.noEvents = true
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "d", Type: "CASE_STATUS_UPDATED", CaseID: caseID, Status: "PROCESSING_DETAILS"})
	}, time.Hour)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "c", Type: "CONTRACT_CREATED", CaseID: caseID, Status: "PROCESSING_DETAILS"})
	}, 2*time.Hour)
	env.RegisterDelayedCallback(func() {
		require.Empty(t, checksOf(f, activities.WaitSignature), "CONTRACT_CREATED is no reason to look")
		env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "s", Type: "CONTRACT_SIGNED", CaseID: caseID, Status: "READY_FOR_REVIEW"})
	}, 3*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	require.Len(t, checksOf(f, activities.WaitSignature), 1)
	require.WithinDuration(t, f.start.Add(3*time.Hour), env.Now(), time.Minute)
}

// A cadence shortened late re-plans from the reminders already sent: the next ones follow the
// new cadence one at a time, numbered on, and the count grows by one per notification.
func TestShorterCadenceLateKeepsReminding(t *testing.T) {
	f, env, in := monthLongWait(t)
	hourly := api.Duration(time.Hour)
	var u *updateOutcome
	env.RegisterDelayedCallback(func() {
		u = update(env, api.UpdateExtendDeadline, api.DeadlineChange{
			Policy: &api.PolicyChange{DeclarationReminderEvery: &hourly}, Reason: "chase harder", By: "ops"})
	}, 10*day)
	mid := statusAt(t, env, 10*day+3*time.Hour+time.Minute)
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)

	require.Equal(t, api.OutcomeExpired, result(t, env).Outcome)
	require.True(t, u.done)
	require.NoError(t, u.rejected)
	// Days 3, 6, 9; then at 10 days the hourly cadence makes reminder 240 due at once (one
	// notification, not a burst), then 241, 242, 243 an hour apart.
	require.Equal(t, 3+1+3, mid.RemindersSent["declaration"])
	var ks []int
	for _, c := range checksOf(f, activities.WaitDeclaration) {
		if c.Remind != nil && len(ks) < 7 {
			ks = append(ks, c.Remind.K)
		}
	}
	require.Equal(t, []int{1, 2, 3, 240, 241, 242, 243}, ks)
	require.Equal(t, 200, status(t, env).RemindersSent["declaration"], "bounded per wait")
}

// A side check still polling when the signatures are in is polled at once: its gaps have
// grown to hours, and the rules need it now.
func TestSideCheckPolledAtOnceWhenTheSignaturesAreIn(t *testing.T) {
	f := newFake()
	f.declareAt = time.Hour
	f.noEvents = true
	f.analysis = func(elapsed time.Duration) (*api.CreditAnalysisResult, error) {
		if elapsed < 4*time.Hour {
			return nil, errNotYet
		}
		return &api.CreditAnalysisResult{AnalysisID: "an-1", Score: 82}, nil
	}
	env := newEnv(t, f)
	in := input()
	in.Policy.CreditAnalysisPoll = api.Duration(24 * time.Hour) // gaps double from 5 s, uncapped for a day
	in.Policy.CreditAnalysisMaxWait = api.Duration(2 * day)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "d", Type: "CASE_STATUS_UPDATED", CaseID: caseID, Status: "PROCESSING_DETAILS"})
	}, time.Hour)
	signed := 5 * time.Hour
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "s", Type: "CONTRACT_SIGNED", CaseID: caseID, Status: "READY_FOR_REVIEW"})
	}, signed)
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)

	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	// Without the nudge the poll's next retry would come 5.7 h after it started (6.7 h in).
	require.WithinDuration(t, f.start.Add(signed), env.Now(), time.Minute)
}
