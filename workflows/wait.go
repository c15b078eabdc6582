package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
)

// errCancelled ends a stage when the workflow is cancelled; run compensates.
var errCancelled = errors.New("onboarding cancelled")

// waitResult is how a polled wait ended.
type waitResult int

const (
	waitDone     waitResult = iota // the poll returned its result
	waitExpired                    // the stage's deadline passed
	waitTimedOut                   // the poll's maximum wait was spent without a result
	waitFailed                     // the poll failed in a way no retry fixes
)

// pollSpec describes one wait. The poll is an activity that fails with StillWaiting until
// the provider is done; the retry policy polls at Interval, so the whole wait costs one
// activity's events. Webhooks are hints: a relevant one restarts the poll at once, so the
// onboarding moves on without waiting for the next interval.
type pollSpec struct {
	Kind     string // hint key and label: "declaration", "signature", "identity", ...
	Summary  string
	Interval time.Duration
	// Deadline, when it returns a non-zero time, ends the wait as waitExpired; it is asked
	// again after every extend-deadline update. Otherwise MaxWait bounds the wait.
	Deadline func() time.Time
	MaxWait  time.Duration
	// Activity and Arg are the poll; Arg is built again for every (re)start.
	Activity any
	Arg      func() any
}

// awaitPolled waits as p describes and decodes the poll's result into out. Its error is
// errCancelled when the workflow is cancelled, and the poll's failure with waitFailed;
// callers turn the latter into an outcome or missing evidence, never a failed workflow.
func (o *onboarding) awaitPolled(ctx workflow.Context, p pollSpec, out any) (waitResult, error) {
	begin := workflow.Now(ctx)
	for {
		if ctx.Err() != nil {
			return waitFailed, errCancelled
		}
		now := workflow.Now(ctx)
		deadline := time.Time{}
		if p.Deadline != nil {
			deadline = p.Deadline()
		}
		within := p.MaxWait - now.Sub(begin)
		if !deadline.IsZero() {
			// Two intervals past the deadline, so the deadline decides expiry, not the poll.
			within = deadline.Sub(now) + 2*p.Interval
		}
		if within <= 0 || (!deadline.IsZero() && !now.Before(deadline)) {
			if deadline.IsZero() {
				return waitTimedOut, nil
			}
			return waitExpired, nil
		}

		hints, changes := o.hints[p.Kind], o.changes
		pollCtx, cancelPoll := workflow.WithCancel(ctx)
		fut := workflow.ExecuteActivity(pollUntil(pollCtx, p.Summary, p.Interval, within), p.Activity, p.Arg())
		var (
			done    bool
			pollErr error
		)
		workflow.Go(ctx, func(gctx workflow.Context) {
			pollErr = fut.Get(gctx, out)
			done = true
		})
		news := func() bool { return done || o.hints[p.Kind] != hints || o.changes != changes }

		expired := false
		var err error
		if deadline.IsZero() {
			err = workflow.Await(ctx, news)
		} else {
			var ok bool
			ok, err = workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
				Timeout:      deadline.Sub(now),
				TimerOptions: workflow.TimerOptions{Summary: p.Kind + " deadline"},
			}, news)
			expired = err == nil && !ok
		}
		if !done {
			cancelPoll()
			// A poll that finished just before the cancel still counts.
			_ = workflow.Await(ctx, func() bool { return done })
		}
		cancelPoll()
		switch {
		case err != nil || ctx.Err() != nil:
			return waitFailed, errCancelled
		case done && pollErr == nil:
			return waitDone, nil
		case expired:
			return waitExpired, nil
		case done && temporal.IsCanceledError(pollErr):
			continue // restarted on a hint or a policy change
		case done && gaveUp(pollErr):
			if deadline.IsZero() {
				return waitTimedOut, nil
			}
			continue // the deadline moved past the poll's bound: poll again
		default:
			return waitFailed, pollErr
		}
	}
}

// gaveUp reports whether err is a poll that ran out of attempts or time without an answer.
func gaveUp(err error) bool {
	var ae *temporal.ApplicationError
	var te *temporal.TimeoutError
	return (errors.As(err, &ae) && ae.Type() == activities.ErrStillWaiting) || errors.As(err, &te)
}

// cause is the innermost message of an activity error, for people to read.
func cause(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Error()
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
		err = u
	}
	return err.Error()
}
