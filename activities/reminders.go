package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
)

// Reminders cost the workflow no history at all: a waiting activity (AwaitDeclaration,
// AwaitSignature) is retried every poll interval, and each attempt sends the reminders that
// have fallen due since the last one. The number already sent travels from attempt to
// attempt in the activity's heartbeat details (Temporal keeps them across retries), not in
// workflow state, so there is no timer, signal or activity per reminder. Each reminder's
// notification ID is "<workflowId>/reminder/<kind>/<k>", so an attempt that sent it but died
// before recording the heartbeat re-sends something the app drops as a duplicate.

// remindersDue is how many reminders are due at now: reminder k (1-based) is due at
// Since + k*Every; none when Every <= 0 or Since is unset, at most Max when Max > 0.
func remindersDue(r Reminders, now time.Time) int {
	if r.Every <= 0 || r.Since.IsZero() || now.Before(r.Since) {
		return 0
	}
	n := int(now.Sub(r.Since) / r.Every)
	if r.Max > 0 && n > r.Max {
		n = r.Max
	}
	return n
}

// remindersSent is the count an earlier attempt recorded in its heartbeat details (0 when
// none did or the details are unreadable).
func remindersSent(ctx context.Context) int {
	if !activity.HasHeartbeatDetails(ctx) {
		return 0
	}
	var n int
	if err := activity.GetHeartbeatDetails(ctx, &n); err != nil {
		activity.GetLogger(ctx).Warn("Unreadable reminder count in heartbeat details; starting from 0", "error", err)
		return 0
	}
	return n
}

// sendDueReminders sends the reminders of r that are due and were not sent by an earlier
// attempt, records the new count in the heartbeat details and returns it.
//
// When several reminders fell due since the last attempt (a worker outage, a poll interval
// longer than the cadence), only the newest is sent and the older ones count as sent: the
// merchant gets one reminder, not a burst. Reminders are best effort and never fail the
// wait: a notification the app rejects counts as sent (retrying cannot help), one that fails
// transiently is tried again on the next attempt.
func (a *Activities) sendDueReminders(ctx context.Context, r Reminders) int {
	sent := remindersSent(ctx)
	due := remindersDue(r, a.now())
	if due <= sent {
		if sent > 0 {
			// Carry the count into this attempt's details too, so it never depends on the
			// server keeping an older attempt's details.
			activity.RecordHeartbeat(ctx, sent)
		}
		return sent
	}
	wfID := r.WorkflowID
	if wfID == "" {
		wfID = activity.GetInfo(ctx).WorkflowExecution.ID
	}
	k := due
	n := reminderNotification(r, wfID, k, r.Since.Add(time.Duration(k)*r.Every))
	logger := activity.GetLogger(ctx)
	if err := a.notify(ctx, n); err != nil {
		if !IsRejected(err) {
			logger.Warn("Reminder not sent; the next poll tries again", "notificationId", n.ID, "error", err)
			if sent > 0 {
				activity.RecordHeartbeat(ctx, sent)
			}
			return sent
		}
		logger.Error("Reminder refused by the app; not retried", "notificationId", n.ID, "error", err)
	} else {
		a.countReminder(ctx, r.Kind)
	}
	if due-sent > 1 {
		logger.Info("Several reminders fell due at once; sent only the newest", "kind", r.Kind, "skipped", due-sent-1)
	}
	activity.RecordHeartbeat(ctx, due)
	return due
}
