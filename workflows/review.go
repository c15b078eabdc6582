package workflows

import (
	"math"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/api"
)

// awaitReview waits for an agent's decision. The review SLA never decides by itself: once it
// passes, reminders escalate to the app every ReviewReminderEvery until someone decides.
func (o *onboarding) awaitReview(ctx workflow.Context) (*api.Decision, error) {
	o.reviewSince = workflow.Now(ctx)
	sla := o.reviewSince.Add(o.policy().ReviewSLA.D())
	o.status.Deadlines["reviewSla"] = sla
	o.setStage(ctx, api.StageAwaitingReview, "an agent's decision ("+strings.Join(o.status.ReviewReasons, "; ")+")", &sla)
	o.notify(ctx, api.NotifyReviewNeeded, "An agent must decide this onboarding.",
		map[string]any{"reasons": o.status.ReviewReasons, "riskLevel": o.riskLevel()})

	if o.atLeast(vLongLife) {
		return o.awaitDecision(ctx)
	}
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
		o.notify(ctx, api.NotifyReviewOverdue, "The review is past its SLA; an agent must decide.",
			map[string]any{"reminder": reminders, "slaDeadline": sla})
	}
	return o.status.Decision, nil
}

// maxReviewReminders bounds the overdue reminders of one review, and with them its history:
// past it the onboarding still waits for a decision, but reminds no more.
const maxReviewReminders = 500

// awaitDecision waits for the decision from vLongLife on. Each wake-up sends at most one
// reminder, however many fell due while nobody looked (a cadence shortened ten days into
// review, a worker outage): the reminder numbered for now, the skipped ones counted as
// passed. Its one timer is cancelled whenever the wait ends otherwise.
func (o *onboarding) awaitDecision(ctx workflow.Context) (*api.Decision, error) {
	sent, passed := 0, 0 // reminders sent, and reminder slots passed (sent or skipped)
	for o.status.Decision == nil {
		// Re-read the policy every round: extend-deadline may have changed the SLA or cadence.
		p := o.policy()
		sla := o.reviewSince.Add(p.ReviewSLA.D())
		o.status.Deadlines["reviewSla"] = sla
		now, every := workflow.Now(ctx), max(p.ReviewReminderEvery.D(), time.Second)
		due := remindersDueAt(sla, now, every)
		// A later SLA or a longer cadence moves the plan: slots passed under the old one
		// that the new one has not reached do not count.
		passed = min(passed, due)
		if due > passed && sent < maxReviewReminders {
			passed = due
			sent++
			o.status.RemindersSent["review"] = sent
			o.note(ctx, "review overdue", "reminder "+strconv.Itoa(sent)+" (slot "+strconv.Itoa(due)+")")
			data := map[string]any{"reminder": sent, "slaDeadline": sla}
			if sent == maxReviewReminders {
				data["last"] = true
				o.note(ctx, "review reminders stopped", "the last of "+strconv.Itoa(maxReviewReminders)+"; the onboarding still waits for a decision")
			}
			o.notify(ctx, api.NotifyReviewOverdue, "The review is past its SLA; an agent must decide.", data)
		}
		changes := o.changes
		decided := func() bool { return o.status.Decision != nil || o.changes != changes }
		var err error
		if sent >= maxReviewReminders {
			err = workflow.Await(ctx, decided)
		} else {
			// The next reminder slot: the SLA itself, then every cadence after it.
			next := sla.Add(mulSat(every, passed))
			_, err = o.awaitTimeout(ctx, next.Sub(now), "Review reminder", decided)
		}
		if err != nil {
			return nil, errCancelled
		}
	}
	return o.status.Decision, nil
}

// remindersDueAt is how many reminder slots have come by now: the first at sla, then one
// every cadence.
func remindersDueAt(sla, now time.Time, every time.Duration) int {
	if now.Before(sla) || every <= 0 {
		return 0
	}
	return int(now.Sub(sla)/every) + 1
}

// mulSat is d*n, saturating instead of overflowing.
func mulSat(d time.Duration, n int) time.Duration {
	if n <= 0 || d <= 0 {
		return 0
	}
	if d > math.MaxInt64/time.Duration(n) {
		return math.MaxInt64
	}
	return d * time.Duration(n)
}
