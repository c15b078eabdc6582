package workflows

import (
	"cmp"
	"slices"
	"strconv"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// archive archives the case, best effort: the onboarding ends either way.
func (o *onboarding) archive(ctx workflow.Context, why string) {
	if o.kyc == nil {
		return
	}
	// Not through call: archiving is best effort, and a cancellation must not wait for a
	// provider a person has yet to fix.
	err := workflow.ExecuteActivity(o.callCtx(ctx, a.RecordDecision, "Archive the KYC case"), a.RecordDecision,
		api.RecordDecisionInput{CaseID: o.kyc.ID, Reference: o.status.WorkflowID, Status: activities.QuickrStatusFor(activities.CaseArchived), Note: "Onboarding ended: " + why}).Get(ctx, nil)
	if err != nil {
		o.note(ctx, "archiving the case failed", cause(err))
		return
	}
	o.note(ctx, "case archived", why)
}

// compensate ends a cancelled onboarding: the case is archived and the app told, in a
// context the cancellation does not reach.
func (o *onboarding) compensate(ctx workflow.Context) (*api.OnboardingResult, error) {
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	o.note(dctx, "cancellation requested", "")
	o.archive(dctx, "cancelled")
	return o.finish(dctx, api.OutcomeCancelled, "the onboarding was cancelled")
}

// failed ends the onboarding as FAILED with the reason, unless the workflow is being cancelled.
func (o *onboarding) failed(ctx workflow.Context, what string, err error) (*api.OnboardingResult, error) {
	if ctx.Err() != nil {
		return nil, errCancelled
	}
	return o.finish(ctx, api.OutcomeFailed, what+": "+cause(err))
}

// finish records the outcome, tells the app and returns the result.
func (o *onboarding) finish(ctx workflow.Context, outcome api.Outcome, reason string) (*api.OnboardingResult, error) {
	o.status.Outcome, o.status.Reason = outcome, reason
	o.clearBlocked()
	o.note(ctx, "finished "+string(outcome), reason)
	o.pendingSA = append(o.pendingSA, api.SAOutcome.ValueSet(string(outcome)))
	o.setStage(ctx, api.StageFinished, "", nil)
	countFinished(ctx, outcome)
	// The outcome is final: a cancellation arriving now must not cut the app's notice short.
	ctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	o.notify(ctx, api.NotifyFinished, "The onboarding finished: "+string(outcome)+".",
		map[string]any{"outcome": string(outcome), "reason": reason})
	// Notifications are best effort but must be sent before the workflow closes.
	for _, f := range o.notifies {
		_ = f.Get(ctx, nil)
	}
	return &api.OnboardingResult{
		WorkflowID: o.status.WorkflowID,
		Outcome:    outcome,
		Reason:     reason,
		RiskLevel:  cmp.Or(o.decidedRisk, o.riskLevel()),
		Case:       o.kyc,
		Evidence:   o.status.Evidence,
		Evaluation: o.status.Evaluation,
		Decision:   o.status.Decision,
		Timeline:   o.status.Timeline,
	}, nil
}

// notify tells the app, without waiting: finish waits for every notification.
func (o *onboarding) notify(ctx workflow.Context, typ, message string, data map[string]any) {
	o.notifySeq++
	n := api.Notification{
		ID:         o.status.WorkflowID + "/" + typ + "/" + strconv.Itoa(o.notifySeq),
		WorkflowID: o.status.WorkflowID,
		Type:       typ,
		Stage:      string(o.status.Stage),
		Outcome:    string(o.status.Outcome),
		Message:    message,
		Data:       data,
		At:         workflow.Now(ctx),
	}
	summary := "Notify the app: " + typ
	actx := workflow.WithActivityOptions(ctx, optionsFor(a.Notify, summary, 0))
	// Only the notifications still in flight are kept: a months-long onboarding sends many.
	o.notifies = slices.DeleteFunc(o.notifies, func(f workflow.Future) bool { return f.IsReady() })
	if !o.inTask(a.Notify) {
		o.notifies = append(o.notifies, workflow.ExecuteActivity(actx, a.Notify, n))
		return
	}
	sent, settle := workflow.NewFuture(ctx)
	workflow.Go(ctx, func(gctx workflow.Context) {
		settle.Set(nil, inTaskFirst(gctx, actx, summary, a.Notify, n, nil))
	})
	o.notifies = append(o.notifies, sent)
}
