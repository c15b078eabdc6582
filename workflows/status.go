package workflows

import (
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
)

// updateCase keeps the latest case snapshot; the known status never moves backwards.
func (o *onboarding) updateCase(c *activities.CaseSnapshot) {
	o.kyc = c
	o.status.CaseID = c.ID
	o.status.DeclarationURL = c.DeclarationURL
	if c.DeclaredAt != "" {
		o.status.DeclaredAt = c.DeclaredAt
	}
	if c.Contract != nil {
		o.status.Evidence.Contract = c.Contract
	}
	if statusRank(c.Status) >= statusRank(o.status.CaseStatus) {
		o.status.CaseStatus = c.Status
	}
}

// setStage moves to stage and tells ops what it waits for: the search attributes (written in
// one upsert with every pending change), the current details the Temporal UI shows, and the
// timeline. Moving to another stage records the time spent in the one left.
func (o *onboarding) setStage(ctx workflow.Context, stage Stage, waitingFor string, until *time.Time) {
	if stage != o.status.Stage {
		now := workflow.Now(ctx)
		o.recordStageTime(ctx, now)
		o.stageSince = now
	}
	o.status.Stage, o.status.WaitingFor, o.status.Until = stage, waitingFor, until
	o.note(ctx, "stage "+string(stage), waitingFor)
	updates := append(o.pendingSA, SAStage.ValueSet(string(stage)))
	o.pendingSA = nil
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		// Only a malformed update fails here; the onboarding itself is unaffected.
		workflow.GetLogger(ctx).Warn("upsert search attributes", "error", err)
	}
	workflow.SetCurrentDetails(ctx, o.details())
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

// note appends to the timeline.
func (o *onboarding) note(ctx workflow.Context, event, detail string) {
	o.status.Timeline = append(o.status.Timeline, TimelineEntry{At: workflow.Now(ctx), Stage: o.status.Stage, Event: event, Detail: detail})
}
