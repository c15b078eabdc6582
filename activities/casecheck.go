package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/merchantflow/onboarding/api"
)

// Wait kinds a case check answers for.
const (
	WaitDeclaration = "declaration"
	WaitSignature   = "signature"
)

// CheckCaseInput is one look at a case on behalf of a waiting onboarding: on a provider event,
// a reminder time or the deadline. Unlike AwaitDeclaration and AwaitSignature it never
// fails with StillWaiting, so a long wait costs one activity per wake-up instead of one
// retry per poll interval.
type CheckCaseInput struct {
	CaseID    string `json:"caseId"`
	Reference string `json:"reference,omitempty"` // the workflow ID the case must belong to
	Wait      string `json:"wait"`                // WaitDeclaration or WaitSignature
	// Remind, when set, is the reminder to send if the wait is not over yet.
	Remind *ReminderDue `json:"remind,omitempty"`
}

// ReminderDue is reminder number K of a wait, due at DueAt.
type ReminderDue struct {
	Reminders
	K     int       `json:"k"`
	DueAt time.Time `json:"dueAt"`
}

// CaseCheck is what a check found.
type CaseCheck struct {
	Case api.CaseSnapshot `json:"case"`
	// Done: the wait is over (declared; or signing settled, see signingSettled).
	Done bool `json:"done"`
	// ReminderSent: Remind was delivered, or refused by the app (retrying cannot help).
	// False when the wait was over or the app could not be reached.
	ReminderSent bool `json:"reminderSent,omitempty"`
}

// CheckCase reads the case once, reports whether the wait is over and, when it is not and a
// reminder is due, sends it (notification ID "<workflowId>/reminder/<kind>/<k>", the same as
// the polls used, so a retried attempt re-sends something the app drops as a duplicate).
func (a *Activities) CheckCase(ctx context.Context, in CheckCaseInput) (*CaseCheck, error) {
	if in.Wait != WaitDeclaration && in.Wait != WaitSignature {
		return nil, invalidInput("wait must be %q or %q", WaitDeclaration, WaitSignature)
	}
	snap, err := a.GetKYCCase(ctx, CaseRef{CaseID: in.CaseID, Reference: in.Reference})
	if err != nil {
		return nil, err
	}
	out := &CaseCheck{Case: *snap}
	if in.Wait == WaitDeclaration {
		out.Done = snap.Declared()
	} else {
		out.Done = signingSettled(snap)
	}
	if out.Done || in.Remind == nil || in.Remind.K <= 0 {
		return out, nil
	}
	r := in.Remind
	wfID := r.WorkflowID
	if wfID == "" {
		wfID = activity.GetInfo(ctx).WorkflowExecution.ID
	}
	n := reminderNotification(r.Reminders, wfID, r.K, r.DueAt)
	if err := a.notify(ctx, n); err != nil {
		if !IsRejected(err) {
			// Best effort: the workflow tries this reminder again later.
			activity.GetLogger(ctx).Warn("Reminder not sent; tried again later", "notificationId", n.ID, "error", err)
			return out, nil
		}
		activity.GetLogger(ctx).Error("Reminder refused by the app; not retried", "notificationId", n.ID, "error", err)
	} else {
		a.countReminder(ctx, r.Kind)
	}
	out.ReminderSent = true
	return out, nil
}

// reminderNotification is reminder k of r. Its time is the due time, not the send time, so
// every attempt sends the same body.
func reminderNotification(r Reminders, wfID string, k int, dueAt time.Time) api.Notification {
	n := api.Notification{
		ID:         fmt.Sprintf("%s/reminder/%s/%d", wfID, r.Kind, k),
		WorkflowID: wfID,
		Type:       api.NotifyReminder,
		Message:    fmt.Sprintf("Reminder %d: still waiting for the %s", k, r.Kind),
		Data: map[string]any{
			"kind":     r.Kind,
			"reminder": k,
			"since":    r.Since.UTC().Format(time.RFC3339),
			"dueAt":    dueAt.UTC().Format(time.RFC3339),
		},
		At: dueAt.UTC(),
	}
	if r.Max > 0 {
		n.Data["max"] = r.Max
	}
	if r.Detail != "" {
		n.Data["detail"] = r.Detail
	}
	return n
}
