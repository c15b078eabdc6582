package workflows_test

import (
	"context"
	"sync"
	"testing"

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
// ordinary activities.
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
