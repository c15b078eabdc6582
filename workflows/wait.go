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
	var deadlineTimer waitTimer
	defer deadlineTimer.stop()
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
			// Saturating: a deadline centuries ahead must not wrap around into the past.
			within = addSat(deadline.Sub(now), 2*p.Interval)
		}
		if within <= 0 || (!deadline.IsZero() && !now.Before(deadline)) {
			if deadline.IsZero() {
				return waitTimedOut, nil
			}
			return waitExpired, nil
		}

		hints, changes := o.hints[p.Kind], o.changes
		pollCtx, cancelPoll := workflow.WithCancel(ctx)
		// While the provider blocks the onboarding, the poll retries until it answers at
		// all; then the normal poll takes over.
		provider := providerOf(p.Activity)
		blockedPoll := provider != "" && o.blockedOn(provider) != nil
		actx := pollUntil(pollCtx, p.Activity, p.Summary, p.Interval, within)
		if blockedPoll {
			actx = blockedRetry(pollCtx, p.Activity, p.Summary)
		}
		o.pollSince[p.Kind] = now
		fut := workflow.ExecuteActivity(actx, p.Activity, p.Arg())
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
		switch {
		case deadline.IsZero():
			err = workflow.Await(ctx, news)
		case o.atLeast(vLongLife):
			// One timer for the whole wait, not one per poll restart: a hint restarts the
			// poll, not the deadline. Only a moved deadline starts another.
			t := deadlineTimer.until(ctx, deadline, p.Kind+" deadline")
			err = workflow.Await(ctx, func() bool { return news() || t.IsReady() })
			expired = err == nil && !news()
		default:
			var ok bool
			ok, err = o.awaitTimeout(ctx, deadline.Sub(now), p.Kind+" deadline", news)
			expired = err == nil && !ok
		}
		// From vLocalSteps a provider event is read in the task before the poll is touched:
		// when the provider is done the wait ends here, without restarting the poll
		// (intask.go). Otherwise, or when the read fails, the poll restarts as before.
		heard := false
		if !done && err == nil && !expired && !blockedPoll && o.hints[p.Kind] != hints && o.changes == changes && o.atLeast(vLocalSteps) {
			_, rerr := tryInTask(ctx, p.Summary+": on a provider event", p.Activity, p.Arg(), out)
			heard = rerr == nil
		}
		if !done {
			cancelPoll()
			// A poll that finished just before the cancel still counts.
			_ = workflow.Await(ctx, func() bool { return done })
		}
		cancelPoll()
		if blockedPoll && done && !temporal.IsCanceledError(pollErr) && blockReason(pollErr) == "" {
			o.unblock(ctx, provider) // it answered: a result, a rejection or "not yet"
		}
		switch {
		case err != nil || ctx.Err() != nil:
			return waitFailed, errCancelled
		case done && pollErr == nil, heard:
			return waitDone, nil
		case expired:
			return waitExpired, nil
		case done && temporal.IsCanceledError(pollErr):
			continue // restarted on a hint or a policy change
		case done && blockedPoll && isStillWaiting(pollErr):
			continue // the provider answers again: back to the normal poll
		case done && blockedPoll && blockReason(pollErr) != "":
			continue // still blocked: the blocked poll's own bound ran out
		case done && blockReason(pollErr) != "" && o.blocksOnFailure(ctx):
			o.block(ctx, provider, blockReason(pollErr), p.Activity, p.Summary, pollErr)
			continue
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

// isStillWaiting reports whether err is a poll's "not done yet".
func isStillWaiting(err error) bool {
	var ae *temporal.ApplicationError
	return errors.As(err, &ae) && ae.Type() == activities.ErrStillWaiting
}

// waitTimer is a wait's deadline timer: kept while the deadline stays, started anew when it
// moves, and cancelled when the wait ends, so it never outlives its wait.
type waitTimer struct {
	at     time.Time
	timer  workflow.Future
	cancel workflow.CancelFunc
}

// until is the timer firing at at, started now unless the running one already does.
func (w *waitTimer) until(ctx workflow.Context, at time.Time, summary string) workflow.Future {
	if w.timer != nil && w.at.Equal(at) {
		return w.timer
	}
	w.stop()
	tctx, cancel := workflow.WithCancel(ctx)
	w.at, w.cancel = at, cancel
	w.timer = workflow.NewTimerWithOptions(tctx, at.Sub(workflow.Now(ctx)), workflow.TimerOptions{Summary: summary})
	return w.timer
}

// atMost is a timer firing at at or earlier: the running one when it has not fired and fires
// no later than at, otherwise a new one.
func (w *waitTimer) atMost(ctx workflow.Context, at time.Time, summary string) workflow.Future {
	if w.timer != nil && !w.timer.IsReady() && !w.at.After(at) {
		return w.timer
	}
	return w.until(ctx, at, summary)
}

// stop cancels the timer, if any (a fired one is left as it is).
func (w *waitTimer) stop() {
	if w.cancel != nil {
		w.cancel()
	}
	w.timer, w.cancel = nil, nil
}

// awaitTimeout waits until cond holds or d has passed, and reports whether cond held. From
// vLongLife on its timer is cancelled when cond wins, so no timer outlives its wait (the
// SDK's AwaitWithOptions leaves it running). Older runs keep the SDK's behaviour, which is
// what their histories recorded (their polled waits use it too; newer ones keep a waitTimer).
func (o *onboarding) awaitTimeout(ctx workflow.Context, d time.Duration, summary string, cond func() bool) (bool, error) {
	if !o.atLeast(vLongLife) {
		return workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: d, TimerOptions: workflow.TimerOptions{Summary: summary}}, cond)
	}
	if cond() {
		return true, nil
	}
	if d <= 0 {
		return false, nil
	}
	tctx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	timer := workflow.NewTimerWithOptions(tctx, d, workflow.TimerOptions{Summary: summary})
	if err := workflow.Await(ctx, func() bool { return cond() || timer.IsReady() }); err != nil {
		return false, err
	}
	if ctx.Err() != nil {
		// The cancellation also cancelled the timer, which made it ready: that is no timeout.
		return false, ctx.Err()
	}
	return cond(), nil
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
