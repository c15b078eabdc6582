package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
)

// callNonRetryable are the failures no retry of a provider call fixes by itself. Refused
// credentials and a missing provider are among them: the onboarding blocks on them (call)
// and retries on blockedRetry's schedule instead, until a person has fixed them.
var callNonRetryable = []string{
	activities.ErrProviderRejected, activities.ErrInvalidInput, activities.ErrCaseMismatch,
	activities.ErrProviderAuth, activities.ErrNotConfigured,
}

// providerCall is the preset for one provider request: a short attempt timeout and
// exponential retries for transient failures, for at most the policy's call budget (after
// which the onboarding reports itself blocked and keeps trying).
func (o *onboarding) providerCall(ctx workflow.Context, summary string) workflow.Context {
	budget := o.policy().ProviderCallBudget.D()
	if budget <= 0 {
		budget = 6 * time.Hour // onboardings from before the budget was a policy field
	}
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		Summary:                summary,
		StartToCloseTimeout:    defaultAttemptTimeout,
		ScheduleToCloseTimeout: budget,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        5 * time.Minute,
			NonRetryableErrorTypes: callNonRetryable,
		},
	})
}

// callFor is the preset for one request to provider: the provider's documented retry rule
// when its document prescribes one (IDV: at most 4 retries after 2, 4, 8 and 16 s, never on a
// 4xx, a 60 s request timeout; activities.RetryOptions), else providerCall. Once the rule's
// retries are spent the call fails like an exhausted budget, and call blocks the onboarding.
func (o *onboarding) callFor(ctx workflow.Context, provider, summary string) workflow.Context {
	attempt, policy, ok := activities.RetryOptions(provider)
	if !ok {
		return o.providerCall(ctx, summary)
	}
	policy.NonRetryableErrorTypes = callNonRetryable
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		Summary:             summary,
		StartToCloseTimeout: attempt,
		RetryPolicy:         &policy,
	})
}

// attemptTimeout bounds one attempt of an activity against provider: the provider's request
// timeout (and a margin) where its document names one, else the engine's 30 s.
func attemptTimeout(provider string) time.Duration {
	if d := activities.AttemptTimeout(provider); d > 0 {
		return d
	}
	return defaultAttemptTimeout
}

// defaultAttemptTimeout bounds one attempt against a provider that documents no timeout.
const defaultAttemptTimeout = 30 * time.Second

// blockedRetry is the preset of a call or poll while the onboarding is blocked: refused
// credentials, a missing provider and outages are all retried, eagerly at first and then
// every blockedRetryMax, so a fixed provider is seen within minutes. It stops at the first
// real answer: a result, a rejection, or (for a poll) StillWaiting, after which the wait goes
// on with its own preset. Retries add no history events, so a long block costs nothing.
func blockedRetry(ctx workflow.Context, provider, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		Summary:                summary + " (blocked: retrying until the provider answers)",
		StartToCloseTimeout:    attemptTimeout(provider),
		ScheduleToCloseTimeout: blockedRetryFor,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    firstPoll,
			BackoffCoefficient: 2,
			MaximumInterval:    blockedRetryMax,
			MaximumAttempts:    attemptsWithin(firstPoll, blockedRetryMax, blockedRetryFor),
			NonRetryableErrorTypes: []string{
				activities.ErrProviderRejected, activities.ErrInvalidInput, activities.ErrCaseMismatch,
				activities.ErrStillWaiting,
			},
		},
	})
}

const (
	// blockedRetryMax is the longest pause between two tries of a blocked call.
	blockedRetryMax = 5 * time.Minute
	// blockedRetryFor bounds one blocked activity; the workflow starts another after it.
	blockedRetryFor = 30 * 24 * time.Hour
)

// pollUntil is the preset for polling by activity retry: every attempt that finds the
// provider not done fails with StillWaiting and is retried, until the activity succeeds or
// within is spent. Retries add no history events, so the whole wait costs one activity's
// events however many polls it takes. The retries start eager (firstPoll) and double until
// they settle at interval: a provider that answers in seconds is seen in seconds, and a long
// wait polls at the policy's period. One attempt (one request) may take as long as the polled
// provider's request timeout allows (attemptTimeout).
func pollUntil(ctx workflow.Context, provider, summary string, interval, within time.Duration) workflow.Context {
	first := min(firstPoll, interval)
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		Summary:                summary,
		StartToCloseTimeout:    attemptTimeout(provider),
		ScheduleToCloseTimeout: within,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    first,
			BackoffCoefficient: 2,
			MaximumInterval:    interval,
			// An explicit attempt bound says the same as the time bound, and keeps the test
			// environment, which caps "unlimited" at 10, honest.
			MaximumAttempts:        attemptsWithin(first, interval, within),
			NonRetryableErrorTypes: callNonRetryable,
		},
	})
}

// attemptsWithin is how many attempts a retry schedule from first, doubling up to interval,
// fits into within (a few more, never overflowing int32).
func attemptsWithin(first, interval, within time.Duration) int32 {
	n := int64(within/interval) + 2
	for d := first; d < interval; d *= 2 {
		n++
	}
	return int32(min(n, 1<<30))
}

// firstPoll is the first retry delay of every poll.
const firstPoll = 5 * time.Second
