package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/workflows"
)

// idvAttempt is one call of an IDV activity as the test environment ran it.
type idvAttempt struct {
	at      time.Time
	attempt int32
	timeout time.Duration // the attempt's start-to-close bound
}

// newEnvFirst is newEnv with mocks registered by first before the fake's: testify takes the
// first matching expectation, so these win.
func newEnvFirst(t *testing.T, f *fake, first func(env *testsuite.TestWorkflowEnvironment)) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: wfID})
	workflows.Register(env, a)
	first(env)
	f.register(env)
	return env
}

// newIDVEnv is newEnv with the IDV start and poll answered by start and poll when not nil,
// each given the number of its call (1 for the first). The calls of those it answers are
// recorded, in order, in the slice it returns.
func newIDVEnv(t *testing.T, f *fake, start func(n int) (*activities.IDVSession, error),
	poll func(n int) (*api.IDVResult, error)) (*testsuite.TestWorkflowEnvironment, *[]idvAttempt) {
	t.Helper()
	calls := new([]idvAttempt)
	var env *testsuite.TestWorkflowEnvironment
	record := func(ctx context.Context) int {
		info := activity.GetInfo(ctx)
		*calls = append(*calls, idvAttempt{at: env.Now(), attempt: info.Attempt, timeout: info.Deadline.Sub(info.StartedTime).Round(time.Second)})
		return len(*calls)
	}
	env = newEnvFirst(t, f, func(e *testsuite.TestWorkflowEnvironment) {
		if start != nil {
			e.OnActivity(a.StartIdentityVerification, mock.Anything, mock.Anything).Return(
				func(ctx context.Context, _ activities.IDVInput) (*activities.IDVSession, error) {
					return start(record(ctx))
				})
		}
		if poll != nil {
			e.OnActivity(a.AwaitIdentityVerification, mock.Anything, mock.Anything).Return(
				func(ctx context.Context, _ activities.IDVCheck) (*api.IDVResult, error) { return poll(record(ctx)) })
		}
	})
	return env, calls
}

// The seed's rule is what runs for the IDV session start: a failing call is retried at most 4
// times, after 2, 4, 8 and 16 s, each attempt bounded by the 60 s request timeout (plus the
// activity's margin). Then the onboarding reports itself blocked on IDV (as for any outage
// past its budget) and goes on when IDV answers again.
func TestIDVStartRunsOnTheSeedsRetryRule(t *testing.T) {
	env, rec := newIDVEnv(t, newFake(), func(n int) (*activities.IDVSession, error) {
		if n <= 5 {
			return nil, temporal.NewApplicationError("idv create session: HTTP 503", activities.ErrProviderUnavailable)
		}
		return &activities.IDVSession{ID: 7, Token: "tok"}, nil
	}, nil)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)

	calls := *rec
	require.Len(t, calls, 6, "five attempts on the rule, then the first blocked retry answers")
	var waits []time.Duration
	for i := 1; i < 5; i++ {
		waits = append(waits, calls[i].at.Sub(calls[i-1].at))
		require.EqualValues(t, i+1, calls[i].attempt)
	}
	require.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}, waits)
	for _, c := range calls {
		require.Equal(t, 65*time.Second, c.timeout, "60 s request timeout and the margin")
	}
	_, blocked := timelineAt(status(t, env), "blocked on idv")
	require.True(t, blocked, "after the rule's retries the onboarding says it is blocked on IDV")
}

// "We recommend retrying failed requests, except for errors in the 4xx range": a 429 from
// IDV is a rejection (providerError marks it non-retryable), so the start is tried once and
// identity is unavailable, which sends the onboarding to review.
func TestIDVStartNeverRetriesA4xx(t *testing.T) {
	env, rec := newIDVEnv(t, newFake(), func(int) (*activities.IDVSession, error) {
		return nil, temporal.NewNonRetryableApplicationError("idv create session: HTTP 429", activities.ErrProviderRejected, nil)
	}, nil)
	atReview(t, env, func() {
		decide(env, api.Decision{Decision: "approve", Agent: "ops", Reason: "checked by hand"})
	})
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Len(t, *rec, 1)
	st := status(t, env)
	require.Contains(t, st.Evidence.Unavailable["identity"], "HTTP 429")
}

// The IDV poll keeps the policy's schedule (its retries are the polls) but each attempt may
// take the seed's 60 s request timeout, not the engine's 30 s.
func TestIDVPollAttemptsTakeTheSeedsTimeout(t *testing.T) {
	env, rec := newIDVEnv(t, newFake(), nil, func(n int) (*api.IDVResult, error) {
		if n < 4 {
			return nil, errNotYet
		}
		return &api.IDVResult{SessionID: 7, State: "COMPLETED", Match: true}, nil
	})
	in := input()
	in.Policy.IDVPoll = api.Duration(time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	polls := *rec
	require.Len(t, polls, 4)
	require.Equal(t, 5*time.Second, polls[1].at.Sub(polls[0].at), "the poll's own schedule: 5 s first")
	require.Equal(t, 10*time.Second, polls[2].at.Sub(polls[1].at), "then doubling")
	for _, p := range polls {
		require.Equal(t, 65*time.Second, p.timeout)
	}
}
