package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
)

// providerCall is the preset for one provider request: a short attempt timeout and
// exponential retries for transient failures. Rejections are non-retryable errors.
func providerCall(ctx workflow.Context, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		Summary:             summary,
		StartToCloseTimeout: 30 * time.Second,
		// A provider outage stalls the onboarding for at most this long before it fails
		// with a reason instead of hanging.
		ScheduleToCloseTimeout: 6 * time.Hour,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        5 * time.Minute,
			NonRetryableErrorTypes: []string{activities.ErrProviderRejected, activities.ErrInvalidInput},
		},
	})
}

// pollUntil is the preset for polling by activity retry: every attempt that finds the
// provider not done fails with StillWaiting and is retried, until the activity succeeds or
// within is spent. Retries add no history events, so the whole wait costs one activity's
// events however many polls it takes. The retries start eager (firstPoll) and double until
// they settle at interval: a provider that answers in seconds is seen in seconds, and a long
// wait polls at the policy's period.
func pollUntil(ctx workflow.Context, summary string, interval, within time.Duration) workflow.Context {
	first := min(firstPoll, interval)
	// An explicit attempt bound says the same as the time bound (the ramp adds a few
	// attempts), and keeps the test environment, which caps "unlimited" at 10, honest.
	attempts := int32(within/interval) + 2
	for d := first; d < interval; d *= 2 {
		attempts++
	}
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		Summary:                summary,
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: within,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        first,
			BackoffCoefficient:     2,
			MaximumInterval:        interval,
			MaximumAttempts:        attempts,
			NonRetryableErrorTypes: []string{activities.ErrProviderRejected, activities.ErrInvalidInput},
		},
	})
}

// firstPoll is the first retry delay of every poll.
const firstPoll = 5 * time.Second
