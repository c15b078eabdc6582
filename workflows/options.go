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
// provider not done fails with StillWaiting and is retried after exactly interval
// (BackoffCoefficient 1), until the activity succeeds or within is spent. The whole wait costs
// the events of one activity, however many polls it takes.
func pollUntil(ctx workflow.Context, summary string, interval, within time.Duration) workflow.Context {
	// An explicit attempt bound says the same as the time bound, and keeps the test
	// environment (which caps "unlimited" at 10 attempts) honest.
	attempts := int32(within/interval) + 2
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		Summary:                summary,
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: within,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        interval,
			BackoffCoefficient:     1,
			MaximumInterval:        interval,
			MaximumAttempts:        attempts,
			NonRetryableErrorTypes: []string{activities.ErrProviderRejected, activities.ErrInvalidInput},
		},
	})
}
