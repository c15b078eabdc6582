package workflows

import (
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// decideByRules evaluates the approval rules and decides: by the rules' verdict, or, when
// they cannot decide or something they cannot see needs a person, by an agent in review.
func (o *onboarding) decideByRules(ctx workflow.Context) (*api.OnboardingResult, error) {
	ev, err := o.evaluate(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, errCancelled
		}
		return o.failed(ctx, "evaluating the approval rules failed", err)
	}
	switch verdict := activities.VerdictOf(ev.Decision); {
	case verdict == activities.VerdictDecline:
		return o.decide(ctx, api.OutcomeDeclined, "rules: "+ev.Reason, nil)
	case verdict == activities.VerdictApprove && len(o.status.ReviewReasons) == 0:
		return o.decide(ctx, api.OutcomeApproved, "rules: "+ev.Reason, nil)
	case verdict == activities.VerdictApprove:
		// The rules would approve, but something they cannot see (a rejected signature, a
		// mismatching identity) needs a person: the review reasons already say what.
		o.note(ctx, "approval held for review", strings.Join(o.status.ReviewReasons, "; "))
	default:
		o.status.ReviewReasons = append(o.status.ReviewReasons, "the rules could not decide: "+ev.Reason)
	}
	d, err := o.awaitReview(ctx)
	if err != nil {
		return nil, err
	}
	outcome := api.OutcomeApproved
	if d.Decision == api.DecisionDecline {
		outcome = api.OutcomeDeclined
	}
	reason := "agent " + d.Agent + " decided " + d.Decision
	if d.Reason != "" {
		reason += ": " + d.Reason
	}
	return o.decide(ctx, outcome, reason, d)
}

// evaluate runs the approval rules over the case and the engine's own facts.
func (o *onboarding) evaluate(ctx workflow.Context) (*api.Evaluation, error) {
	o.setStage(ctx, api.StageEvaluating, "the approval rules", nil)
	ev := o.status.Evidence
	facts := activities.Facts{}
	if ev.Identity != nil {
		m := ev.Identity.Match
		facts.IdentityMatch = &m
	}
	if ev.CreditAnalysis != nil {
		s := ev.CreditAnalysis.Score
		facts.CreditAnalysisScore = &s
	}
	if ev.CreditTerms != nil {
		facts.CreditTermsStatus = ev.CreditTerms.Status
	}
	if ev.PriorKYC != nil {
		facts.PriorKYCStatus = ev.PriorKYC.Status
		facts.PriorKYCCases = len(ev.PriorKYC.Cases)
	}
	var out api.Evaluation
	err := o.call(ctx, "Evaluate the approval rules", a.EvaluateRules,
		activities.EvaluateInput{CaseID: o.kyc.ID, Reference: o.status.WorkflowID, Facts: facts}, &out)
	if err != nil {
		return nil, err
	}
	o.status.Evaluation = &out
	if out.RiskLevel != "" {
		o.pendingSA = append(o.pendingSA, api.SARiskLevel.ValueSet(out.RiskLevel))
	}
	o.note(ctx, "rules: "+out.Decision, out.Reason)
	return &out, nil
}

// decide writes the final decision back to Quickr (status, risk level and a note with the
// reason) and finishes.
func (o *onboarding) decide(ctx workflow.Context, outcome api.Outcome, reason string, d *api.Decision) (*api.OnboardingResult, error) {
	recorded, risk := activities.CaseApproved, o.riskLevel()
	if outcome == api.OutcomeDeclined {
		recorded = activities.CaseDeclined
	}
	if d != nil && d.RiskLevel != "" && risk != activities.RiskHigh { // HIGH sticks
		risk = d.RiskLevel
	}
	in := api.RecordDecisionInput{
		CaseID: o.kyc.ID, Reference: o.status.WorkflowID, Status: activities.QuickrStatusFor(recorded), RiskLevel: risk, Note: o.decisionNote(reason),
	}
	err := o.call(ctx, "Record the decision in Quickr", a.RecordDecision, in, nil)
	if err != nil && ctx.Err() == nil && o.takes(ctx, changeDecisionStands) {
		// The decision is made: Quickr's failing to record it must not undo it.
		err = o.retryWriteBack(ctx, in, err)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, errCancelled
		}
		return o.failed(ctx, "recording the decision ("+string(outcome)+") in Quickr failed", err)
	}
	if risk != "" {
		o.pendingSA = append(o.pendingSA, api.SARiskLevel.ValueSet(risk))
	}
	o.decidedRisk = risk
	return o.finish(ctx, outcome, reason)
}

// decisionNote is the note written to the case with the decision: the reason, why review was
// needed, and the rules' verdict with each rule's result.
func (o *onboarding) decisionNote(reason string) string {
	var b strings.Builder
	b.WriteString(reason)
	if len(o.status.ReviewReasons) > 0 {
		b.WriteString("\n\nReviewed because: " + strings.Join(o.status.ReviewReasons, "; "))
	}
	if ev := o.status.Evaluation; ev != nil {
		b.WriteString("\n\nRules: " + ev.Decision + " (" + ev.Reason + ")")
		if ev.Trace != nil {
			for _, rule := range ev.Trace.Automations {
				verdict := "did not fire"
				if rule.Fired {
					verdict = "fired"
				}
				b.WriteString("\n- " + rule.Name + ": " + verdict)
			}
		}
	}
	return b.String()
}

// riskLevel is the onboarding's risk: the rules' level (or the case's), raised to HIGH when any
// approval set HIGH. HIGH sticks: a later approval cannot lower it.
func (o *onboarding) riskLevel() string {
	for _, a := range o.status.Approvals {
		if a.RiskLevel == activities.RiskHigh {
			return activities.RiskHigh
		}
	}
	return o.riskLevelV0()
}

// riskLevelV0 is the rules' level, else the case's: the risk before approvals could raise it.
func (o *onboarding) riskLevelV0() string {
	if o.status.Evaluation != nil && o.status.Evaluation.RiskLevel != "" {
		return o.status.Evaluation.RiskLevel
	}
	if o.kyc != nil {
		return o.kyc.RiskLevel
	}
	return ""
}
