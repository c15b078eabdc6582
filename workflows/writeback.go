package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// writeBackRetryFor is how long a decision Quickr refused to record is tried again before it
// is left to ops. A refusal can be a misconfiguration someone fixes (a path, a permission),
// so refusals are tried again too: the activity marks them non-retryable, so the workflow
// itself waits between attempts (1 minute, doubling to 30), which costs a timer and an
// activity per attempt only on this rare path.
const (
	writeBackRetryFor   = 6 * time.Hour
	writeBackFirstRetry = time.Minute
	writeBackMaxRetry   = 30 * time.Minute
)

// retryWriteBack tries again to record a decision that Quickr refused (first failure err).
// When every try fails the decision still stands: the onboarding is flagged for ops (status
// WriteBack, search attribute DecisionWriteBack = FAILED, a metric, a timeline entry) and
// retryWriteBack returns nil, so the outcome is reported as decided.
func (o *onboarding) retryWriteBack(ctx workflow.Context, in api.RecordDecisionInput, err error) error {
	o.note(ctx, "recording the decision in Quickr failed; retrying", cause(err))
	until := workflow.Now(ctx).Add(writeBackRetryFor)
	for wait := writeBackFirstRetry; ; wait = min(2*wait, writeBackMaxRetry) {
		if !workflow.Now(ctx).Add(wait).Before(until) || isInvalidInput(err) {
			break
		}
		if werr := workflow.NewTimerWithOptions(ctx, wait, workflow.TimerOptions{Summary: "decision write-back: next try"}).Get(ctx, nil); werr != nil {
			return werr
		}
		err = workflow.ExecuteActivity(o.callCtx(ctx, a.RecordDecision, "Record the decision in Quickr (again)"), a.RecordDecision, in).Get(ctx, nil)
		if err == nil || ctx.Err() != nil {
			return err
		}
	}
	o.status.WriteBack = &api.WriteBack{State: api.WriteBackFailed, Status: in.Status, RiskLevel: in.RiskLevel, Error: cause(err), Since: workflow.Now(ctx)}
	o.pendingSA = append(o.pendingSA, api.SADecisionWriteBack.ValueSet(api.WriteBackFailed))
	countWriteBackFailed(ctx)
	o.note(ctx, "decision not recorded in Quickr: record it by hand", in.Status+": "+cause(err))
	return nil
}

// isInvalidInput reports a failure no retry can fix: the write-back's own input.
func isInvalidInput(err error) bool {
	var ae *temporal.ApplicationError
	return errors.As(err, &ae) && ae.Type() == activities.ErrInvalidInput
}
