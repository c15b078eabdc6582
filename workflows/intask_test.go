package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/workflows"
)

// runs counts the activities a run started, by type: in the workflow task (local) and as
// ordinary activities (their first attempts: a poll's retries are one activity).
type runs struct {
	mu              sync.Mutex
	local, ordinary map[string]int
}

func countRuns(env *testsuite.TestWorkflowEnvironment) *runs {
	r := &runs{local: map[string]int{}, ordinary: map[string]int{}}
	env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.local[info.ActivityType.Name]++
	})
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.Attempt > 1 {
			return
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.ordinary[info.ActivityType.Name]++
	})
	return r
}

// A prompt onboarding of the current version runs its cheap steps in the workflow task: the
// case checks on wake-up, the rules and the notifications; the provider calls that start or
// write something, and the polls, stay ordinary activities.
func TestCheapStepsRunInTheWorkflowTask(t *testing.T) {
	f := newFake()
	env := newEnv(t, f)
	r := countRuns(env)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	res := result(t, env)
	require.Equal(t, api.OutcomeApproved, res.Outcome, res.Reason)

	for _, name := range []string{"CheckCase", "EvaluateRules", "Notify"} {
		require.Positive(t, r.local[name], "%s runs in the workflow task", name)
		require.Zero(t, r.ordinary[name], "%s succeeded in the task, so no ordinary activity follows", name)
	}
	for _, name := range []string{"CreateKYCCase", "RecordDecision", "LookupPriorKYC", "StartIdentityVerification", "AwaitIdentityVerification",
		"StartCreditAnalysis", "AwaitCreditAnalysis", "RequestCreditTerms", "AwaitCreditTerms"} {
		require.Zero(t, r.local[name], "%s is not a step for the workflow task", name)
		require.Positive(t, r.ordinary[name], "%s runs as an ordinary activity", name)
	}
	require.Equal(t, r.local["Notify"], len(f.notifications), "each notification is sent once")
}

// A failure a retry could fix (an outage) is not the answer: the step goes on as the ordinary
// activity, and the onboarding carries on as if nothing happened.
func TestInTaskOutageGoesOnAsTheActivity(t *testing.T) {
	f := newFake()
	f.evalErrs = []error{temporal.NewApplicationError("quickr: 503 Service Unavailable", "ProviderUnavailable")}
	env := newEnv(t, f)
	r := countRuns(env)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	res := result(t, env)
	require.Equal(t, api.OutcomeApproved, res.Outcome, res.Reason)
	require.Equal(t, 1, r.local["EvaluateRules"])
	require.Equal(t, 1, r.ordinary["EvaluateRules"], "the outage is retried as the ordinary activity")
	require.Len(t, f.evalInputs, 2)
	require.Equal(t, f.evalInputs[0], f.evalInputs[1], "the same evaluation, asked again")
}

// A failure no retry changes is the answer: it is not sent again as an ordinary activity.
// The app refusing every notification is one such; the onboarding still ends.
func TestInTaskRefusalIsTheAnswer(t *testing.T) {
	f := newFake()
	f.notifyErr = temporal.NewNonRetryableApplicationError("app: 400 Bad Request", activities.ErrProviderRejected, nil)
	env := newEnv(t, f)
	r := countRuns(env)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	res := result(t, env)
	require.Equal(t, api.OutcomeApproved, res.Outcome, res.Reason)
	require.Zero(t, r.ordinary["Notify"], "a refused notification is not sent again")
	require.Equal(t, r.local["Notify"], len(f.notifications))
	require.Len(t, f.notified(api.NotifyFinished), 1)
}

// An identity event is read in its own workflow task: when the session is done, the wait
// ends there and the running poll is cancelled, not restarted; when the event was early, the
// poll restarts (eager again) and finds the result later.
func TestIdentityEventIsReadInTheTask(t *testing.T) {
	for _, tt := range []struct {
		name            string
		eventAt, doneAt time.Duration
		polls           int // ordinary AwaitIdentityVerification activities
	}{
		// The poll's retries (5 s doubling) fall at about 1.4 h and 2.9 h after it starts.
		{name: "done when the event comes", eventAt: 2*time.Hour + 30*time.Minute, doneAt: 2 * time.Hour, polls: 1},
		{name: "event before the result", eventAt: 2 * time.Hour, doneAt: 2*time.Hour + 30*time.Second, polls: 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.declareAt = time.Minute
			f.idvDoneAt = tt.doneAt
			f.idv.SessionID = 7
			env := newEnv(t, f)
			r := countRuns(env)
			var heard time.Time
			env.RegisterDelayedCallback(func() {
				heard = env.Now()
				env.SignalWorkflow(api.SignalIDVEvent, api.IDVEvent{EventID: "idv-1", SessionID: 7, State: api.IDVCompleted})
			}, tt.eventAt)
			env.ExecuteWorkflow(workflows.OnboardMerchant, input())
			res := result(t, env)
			require.Equal(t, api.OutcomeApproved, res.Outcome, res.Reason)
			require.Equal(t, 1, r.local["AwaitIdentityVerification"], "the event is read once, in its task")
			require.Equal(t, tt.polls, r.ordinary["AwaitIdentityVerification"])
			verified, ok := timelineAt(status(t, env), "identity verified")
			require.True(t, ok)
			if tt.polls == 1 {
				require.True(t, heard.Equal(verified), "the event's own task settled the wait: %v, event %v", verified, heard)
			} else {
				require.True(t, verified.After(heard), "the restarted poll found it")
			}
		})
	}
}
