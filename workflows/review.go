package workflows

import (
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
)

// awaitReview waits for an agent's decision. The review SLA never decides by itself: once it
// passes, reminders escalate to the app every ReviewReminderEvery until someone decides.
func (o *onboarding) awaitReview(ctx workflow.Context) (*Decision, error) {
	o.reviewSince = workflow.Now(ctx)
	sla := o.reviewSince.Add(o.policy().ReviewSLA.D())
	o.status.Deadlines["reviewSla"] = sla
	o.setStage(ctx, StageAwaitingReview, "an agent's decision ("+strings.Join(o.status.ReviewReasons, "; ")+")", &sla)
	o.notify(ctx, activities.NotifyReviewNeeded, "An agent must decide this onboarding.",
		map[string]any{"reasons": o.status.ReviewReasons, "riskLevel": o.riskLevel()})

	reminders := 0
	for o.status.Decision == nil {
		// Re-read the policy every round: extend-deadline may have changed the SLA or cadence.
		sla = o.reviewSince.Add(o.policy().ReviewSLA.D())
		o.status.Deadlines["reviewSla"] = sla
		next := sla.Add(time.Duration(reminders) * o.policy().ReviewReminderEvery.D())
		changes := o.changes
		ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{
			Timeout:      next.Sub(workflow.Now(ctx)),
			TimerOptions: workflow.TimerOptions{Summary: "Review reminder"},
		}, func() bool { return o.status.Decision != nil || o.changes != changes })
		if err != nil {
			return nil, errCancelled
		}
		if ok || o.changes != changes {
			continue
		}
		reminders++
		o.status.RemindersSent["review"] = reminders
		o.note(ctx, "review overdue", "reminder "+strconv.Itoa(reminders))
		o.notify(ctx, activities.NotifyReviewOverdue, "The review is past its SLA; an agent must decide.",
			map[string]any{"reminder": reminders, "slaDeadline": sla})
	}
	return o.status.Decision, nil
}
