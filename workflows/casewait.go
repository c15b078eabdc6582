package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// caseWait is a wait on the KYC case from vSparseWaits on: the declaration or the signatures.
//
// Nothing polls. The wait sleeps on one timer and wakes for three things only: a provider
// event (a webhook, or the fleet-wide reconciler's signal when the webhook was lost), a
// reminder falling due, and its deadline. Each wake-up is one CheckCase activity, which reads
// the case and, when a reminder is due and the wait is not over, sends it. A month-long wait
// with a reminder every three days therefore costs ten timers and ten checks, not thousands
// of poll retries and heartbeats.
type caseWait struct {
	Kind    string // activities.WaitDeclaration or WaitSignature; also the hint key
	Summary string
	// ReminderKind names the reminders in their notification IDs ("declaration", "signature-2").
	ReminderKind string
	Every        func() time.Duration // the reminder cadence, asked again after every change
	Detail       string               // carried in the reminder, e.g. the declaration URL
	// Deadline ends the wait as waitExpired; MaxWait, when Deadline is nil, as waitTimedOut.
	// Either way the case is checked once more first, so a missed event never expires a
	// merchant who did act.
	Deadline func() time.Time
	MaxWait  time.Duration
	// CheckAt, when it returns a non-zero time, is one more moment worth a check (the
	// contract's expiry), asked again after every check.
	CheckAt func() time.Time
}

const (
	// maxWaitReminders bounds the reminders of one wait, and so its history, whatever cadence
	// a policy sets (a minute's cadence over a year's deadline would be half a million).
	maxWaitReminders = 200
	// reminderRetry is how long a reminder the app could not take waits for its next try.
	reminderRetry = 30 * time.Minute
	// sideNudgeAfter: a side check's poll running at least this long when the signatures are
	// in is restarted at once (its gaps have grown); a younger one retries soon anyway.
	sideNudgeAfter = time.Minute
)

// awaitCase waits as w describes and returns the last check. Its error is errCancelled when
// the workflow is cancelled, and a check's failure with waitFailed.
func (o *onboarding) awaitCase(ctx workflow.Context, w caseWait) (waitResult, *activities.CaseCheck, error) {
	since := workflow.Now(ctx)
	end := func() time.Time {
		if w.Deadline != nil {
			return w.Deadline()
		}
		return since.Add(w.MaxWait)
	}
	// lastK is the number of the newest reminder sent (or refused by the app): reminders
	// missed while the worker was away, or skipped by a shorter cadence, are not sent in a
	// burst but count as passed. sent is how many notifications actually went out.
	lastK, sent := 0, 0
	var retryAt time.Time   // when a reminder the app could not take is tried again
	var checkedAt time.Time // the CheckAt moment already checked
	for {
		if ctx.Err() != nil {
			return waitFailed, nil, errCancelled
		}
		now := workflow.Now(ctx)
		every := w.Every()
		// The next reminder: the one after the last sent, or the retry of one that failed.
		nextRemind := time.Time{}
		if every > 0 && sent < maxWaitReminders {
			nextRemind = since.Add(time.Duration(lastK+1) * every)
			if !retryAt.IsZero() && retryAt.After(nextRemind) {
				nextRemind = retryAt
			}
		}
		checkAt := time.Time{}
		if w.CheckAt != nil {
			if t := w.CheckAt(); !t.IsZero() && !t.Equal(checkedAt) {
				checkAt = t
			}
		}
		deadline := end()
		atDeadline := !now.Before(deadline)
		remind := !nextRemind.IsZero() && !now.Before(nextRemind) && !atDeadline
		hinted := o.hints[w.Kind] != o.hintsChecked[w.Kind]
		if hinted || remind || atDeadline || (!checkAt.IsZero() && !now.Before(checkAt)) {
			o.hintsChecked[w.Kind] = o.hints[w.Kind]
			if !checkAt.IsZero() && !now.Before(checkAt) {
				checkedAt = checkAt
			}
			in := activities.CheckCaseInput{CaseID: o.kyc.ID, Reference: o.status.WorkflowID, Wait: w.Kind}
			k := 0
			if remind {
				k = max(lastK+1, dueReminders(since, now, every))
				in.Remind = &activities.ReminderDue{
					Reminders: o.reminders(w.ReminderKind, since, api.Duration(every), w.Detail),
					K:         k, DueAt: since.Add(time.Duration(k) * every),
				}
			}
			var chk activities.CaseCheck
			if err := o.call(ctx, w.Summary, a.CheckCase, in, &chk); err != nil {
				if ctx.Err() != nil {
					return waitFailed, nil, errCancelled
				}
				return waitFailed, nil, err
			}
			o.updateCase(&chk.Case)
			switch {
			case chk.Done:
				return waitDone, &chk, nil
			case atDeadline && w.Deadline != nil:
				return waitExpired, &chk, nil
			case atDeadline:
				return waitTimedOut, &chk, nil
			case remind && chk.ReminderSent:
				o.status.RemindersSent[w.Kind]++
				lastK, retryAt = k, time.Time{}
				sent++
			case remind:
				retryAt = now.Add(reminderRetry)
			}
			continue
		}
		next := deadline
		for _, t := range []time.Time{nextRemind, checkAt} {
			if !t.IsZero() && t.Before(next) {
				next = t
			}
		}
		// One timer serves the case waits in turn: the signing wait keeps the declaration's
		// when it fires no later than its own next check (it then wakes once for nothing and
		// sleeps again), which saves a timer on every prompt onboarding.
		t := o.caseTimer.atMost(ctx, next, w.Kind+" wait: next check")
		changes := o.changes
		if err := workflow.Await(ctx, func() bool {
			return t.IsReady() || o.hints[w.Kind] != o.hintsChecked[w.Kind] || o.changes != changes
		}); err != nil {
			return waitFailed, nil, errCancelled
		}
	}
}

// reminders is the reminder plan a polling activity carries for kind.
func (o *onboarding) reminders(kind string, since time.Time, every api.Duration, detail string) activities.Reminders {
	return activities.Reminders{WorkflowID: o.status.WorkflowID, Kind: kind, Since: since, Every: every.D(), Detail: detail}
}

// dueReminders is how many reminders fell due between since and now.
func dueReminders(since, now time.Time, every time.Duration) int {
	if every <= 0 || now.Before(since) {
		return 0
	}
	return int(now.Sub(since) / every)
}
