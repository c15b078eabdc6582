package workflows

import (
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// updateCase keeps the latest case snapshot; the known status never moves backwards.
func (o *onboarding) updateCase(c *api.CaseSnapshot) {
	o.kyc = c
	o.status.CaseID = c.ID
	o.status.DeclarationURL = c.DeclarationURL
	if c.DeclaredAt != "" {
		o.status.DeclaredAt = c.DeclaredAt
	}
	if c.Contract != nil {
		o.status.Evidence.Contract = c.Contract
	}
	if activities.CaseProgressOf(c.Status) >= activities.CaseProgressOf(o.status.CaseStatus) {
		o.status.CaseStatus = c.Status
	}
}

// skipIndexedAtStart drops the pending search attributes the start already set (the engine
// starts onboardings with country, organisation number and the first stage): indexing them
// again would be a billable upsert that changes nothing. A start that set none keeps them.
func (o *onboarding) skipIndexedAtStart(ctx workflow.Context) {
	sa := workflow.GetTypedSearchAttributes(ctx)
	country, _ := sa.GetKeyword(api.SACountry)
	org, _ := sa.GetKeyword(api.SAOrgNumber)
	if country != strings.ToUpper(o.in.Company.Country) || org != o.in.Company.OrgNumber {
		return
	}
	o.pendingSA = nil
	if stage, ok := sa.GetKeyword(api.SAStage); ok {
		o.upsertedStage = api.Stage(stage)
	}
}

// setStage moves to stage and tells ops what it waits for: the search attributes (written in
// one upsert with every pending change), the current details the Temporal UI shows, and the
// timeline. Moving to another stage records the time spent in the one left.
func (o *onboarding) setStage(ctx workflow.Context, stage api.Stage, waitingFor string, until *time.Time) {
	if stage != o.status.Stage {
		now := workflow.Now(ctx)
		o.recordStageTime(ctx, now)
		o.stageSince = now
	}
	o.status.Stage, o.status.WaitingFor, o.status.Until = stage, waitingFor, until
	o.note(ctx, "stage "+string(stage), waitingFor)
	workflow.SetCurrentDetails(ctx, o.details())
	if o.atLeast(vSparseWaits) && len(o.pendingSA) == 0 && o.upsertedStage == stage {
		return // nothing new to index: an upsert is a billable action
	}
	updates := append(o.pendingSA, api.SAStage.ValueSet(string(stage)))
	o.pendingSA = nil
	o.upsertedStage = stage
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		// Only a malformed update fails here; the onboarding itself is unaffected.
		workflow.GetLogger(ctx).Warn("upsert search attributes", "error", err)
	}
}

// details is the Markdown shown as the workflow's current details in the Temporal UI.
// (Plain concatenation: workflowcheck cannot see through fmt on current Go runtimes.)
func (o *onboarding) details() string {
	var b strings.Builder
	b.WriteString("**" + string(o.status.Stage) + "** " + o.in.Company.OrgNumber + " (" + o.in.Company.Country + ")\n\n")
	if o.status.WaitingFor != "" {
		b.WriteString("Waiting for " + o.status.WaitingFor)
		if o.status.Until != nil {
			b.WriteString(" until " + o.status.Until.Format(time.RFC3339))
		}
		b.WriteString(".\n\n")
	}
	if o.status.CaseID != "" {
		b.WriteString("KYC case: " + o.status.CaseID + " (" + o.status.CaseStatus + ")\n\n")
	}
	if o.status.DeclarationURL != "" && o.status.DeclaredAt == "" {
		b.WriteString("Declaration form: " + o.status.DeclarationURL + "\n\n")
	}
	if o.status.Outcome != "" {
		b.WriteString("Outcome: " + string(o.status.Outcome) + ": " + o.status.Reason + "\n")
	}
	return b.String()
}

// maxTimeline bounds the timeline an onboarding keeps; a month of reminders and webhooks
// must not grow its state (and every query answer) without end.
const maxTimeline = 200

// note appends to the timeline. Past maxTimeline the oldest entries are folded into one
// summary entry at the front, which says how many were left out and over which span.
func (o *onboarding) note(ctx workflow.Context, event, detail string) {
	tl := append(o.status.Timeline, api.TimelineEntry{At: workflow.Now(ctx), Stage: o.status.Stage, Event: event, Detail: detail})
	if len(tl) > maxTimeline {
		if o.status.TimelineOmitted == 0 {
			// The oldest entry is the first left out; its slot becomes the summary.
			o.omittedFrom = tl[0].At
			o.status.TimelineOmitted = 1
		}
		o.status.TimelineOmitted++
		last := tl[1].At
		tl = append(tl[:1], tl[2:]...)
		tl[0] = api.TimelineEntry{
			At: o.omittedFrom, Stage: tl[1].Stage, Event: "earlier entries omitted",
			Detail: strconv.Itoa(o.status.TimelineOmitted) + " entries from " + o.omittedFrom.UTC().Format(time.RFC3339) +
				" to " + last.UTC().Format(time.RFC3339) + " left out",
		}
	}
	o.status.Timeline = tl
}
