package workflows

import (
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// From vLocalSteps on, a step that is quick and safe to repeat (activityTable's local column)
// runs inside the workflow task that needs it, as a local activity. Its result is one marker
// event in that task's completion; an ordinary activity costs three events, a trip through
// the server's task queue and one more workflow task to read the result. So a prompt wake-up
// (an event, the case check, the next stage) is one workflow task instead of two.
//
// The step is tried once there, within inTaskFor. A failure that a retry could fix (an
// outage, a timeout, a rate limit) then goes on as the ordinary activity, so retries, call
// budgets and blocks stay exactly the ordinary activity's. A failure that every retry would
// repeat is the answer (settled) and is not sent again.

// inTaskFor bounds the try in the workflow task: well inside the task's own 10 s timeout, and
// far above a healthy provider's answer.
const inTaskFor = 5 * time.Second

// inTask reports whether this run tries activity in the workflow task first.
func (o *onboarding) inTask(activity any) bool {
	return o.atLeast(vLocalSteps) && rowOf(activity).local
}

// tryInTask runs activity once as a local activity. settled reports whether its answer
// stands: a result, a cancellation, or a failure no retry changes.
func tryInTask(ctx workflow.Context, summary string, activity, arg, out any) (settled bool, err error) {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		Summary:                summary,
		StartToCloseTimeout:    inTaskFor,
		ScheduleToCloseTimeout: inTaskFor,
		RetryPolicy:            &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	err = workflow.ExecuteLocalActivity(lctx, activity, arg).Get(ctx, out)
	return err == nil || ctx.Err() != nil || retryCannotFix(err), err
}

// inTaskFirst runs activity once in the workflow task and, unless that settles it, as the
// ordinary activity with actx's options.
func inTaskFirst(ctx, actx workflow.Context, summary string, activity, arg, out any) error {
	if settled, err := tryInTask(ctx, summary, activity, arg, out); settled {
		return err
	}
	return workflow.ExecuteActivity(actx, activity, arg).Get(ctx, out)
}

// retryCannotFix reports a failure the ordinary activity's retries would only repeat: one
// marked non-retryable, or of a type every preset refuses to retry (noRetry). Refused
// credentials are among them: call blocks on those as it would after the ordinary activity.
func retryCannotFix(err error) bool {
	var ae *temporal.ApplicationError
	return errors.As(err, &ae) && (ae.NonRetryable() || slices.Contains(noRetry, ae.Type()))
}
