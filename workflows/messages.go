package workflows

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/identity"
)

// registerHandlers installs the query, the updates and the signal receivers. Signals only
// change state; the stages wait on that state, so an event that arrives early, twice or out
// of order is harmless.
func (o *onboarding) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, api.QueryStatus, func() (api.Status, error) { return o.status, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, api.UpdateDecide,
		func(ctx workflow.Context, d api.Decision) (*api.DecideResult, error) {
			if d.Via == "" {
				d.Via = "update"
			}
			return o.applyDecision(ctx, d), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(d api.Decision) error { return o.checkDecision(d) }},
	); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, api.UpdateExtendDeadline,
		func(ctx workflow.Context, c api.DeadlineChange) (*api.Status, error) {
			o.applyDeadlineChange(ctx, c)
			// A copy: the answer must not change when the onboarding moves on.
			st := o.status
			st.Deadlines = maps.Clone(o.status.Deadlines)
			st.Timeline = append([]api.TimelineEntry(nil), o.status.Timeline...)
			return &st, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, c api.DeadlineChange) error {
			return o.checkDeadlineChange(workflow.Now(ctx), c)
		}},
	); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, api.UpdateSupplyBankData,
		func(ctx workflow.Context, u api.BankDataUpload) (*api.BankDataStatus, error) {
			return o.applyBankData(ctx, u), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(u api.BankDataUpload) error { return o.checkBankData(u) }},
	); err != nil {
		return err
	}
	receive(ctx, api.SignalCaseEvent, o.onCaseEvent)
	receive(ctx, api.SignalIDVEvent, o.onIDVEvent)
	receive(ctx, api.SignalAgentDecision, func(ctx workflow.Context, d api.Decision) {
		if d.Via == "" {
			d.Via = "signal"
		}
		// A signal carries no proof of who sent it: anyone who reaches Temporal could decide
		// in any agent's name. Decisions come by the decide update, which only the gateway
		// sends with the name of the agent's API token. Signals that arrived before this
		// change replay as they were taken.
		if workflow.GetVersion(ctx, changeNoSignalDecisions, workflow.DefaultVersion, 1) >= 1 {
			o.rejectDecision(ctx, d, errors.New("decisions by signal are not accepted: they carry no proof of who sent them; decide through the API (POST /v1/onboardings/{id}/decision) or starter decide"))
			return
		}
		if err := o.checkDecisionV0(d); err != nil {
			o.rejectDecision(ctx, d, err)
			return
		}
		o.applyDecision(ctx, d)
	})
	return nil
}

// receive runs handle for every message on the named signal channel, for the workflow's life.
func receive[T any](ctx workflow.Context, name string, handle func(workflow.Context, T)) {
	ch := workflow.GetSignalChannel(ctx, name)
	workflow.Go(ctx, func(gctx workflow.Context) {
		for {
			var v T
			ch.Receive(gctx, &v)
			handle(gctx, v)
		}
	})
}

// Bounds of what the handlers keep: event ids for dedupe (events are hints, so one older
// than the newest maxSeenEvents arriving again costs only a re-read of the case) and decisions
// refused by signal (the oldest dropped and counted).
const (
	maxSeenEvents       = 1000
	maxRejectedDecision = 20
)

// firstSeen dedupes provider events by id, remembering the newest maxSeenEvents.
func (o *onboarding) firstSeen(id string) bool {
	if id == "" {
		return true
	}
	if o.seenEvents[id] {
		return false
	}
	o.seenEvents[id] = true
	o.seenOrder = append(o.seenOrder, id)
	if len(o.seenOrder) > maxSeenEvents {
		delete(o.seenEvents, o.seenOrder[0])
		o.seenOrder = o.seenOrder[1:]
	}
	return true
}

// rejectDecision records a decision that arrived by signal and broke a rule.
func (o *onboarding) rejectDecision(ctx workflow.Context, d api.Decision, err error) {
	o.status.RejectedDecisions = append(o.status.RejectedDecisions, api.RejectedDecision{Decision: d, Reason: err.Error(), At: workflow.Now(ctx)})
	if n := len(o.status.RejectedDecisions) - maxRejectedDecision; n > 0 {
		o.status.RejectedDecisions = slices.Delete(o.status.RejectedDecisions, 0, n)
		o.status.RejectedDecisionsOmitted += n
	}
	o.note(ctx, "decision by signal rejected", err.Error())
}

// onCaseEvent records a Quickr event and, when it may settle the current wait, counts it as a
// hint so that wait reads the case at once.
func (o *onboarding) onCaseEvent(ctx workflow.Context, ev api.CaseEvent) {
	if !o.firstSeen(ev.EventID) {
		return
	}
	if o.kyc != nil && ev.CaseID != "" && ev.CaseID != o.kyc.ID {
		o.note(ctx, "event for another case ignored", ev.CaseID)
		return
	}
	o.status.EventsReceived++
	// A late event never moves the known status backwards.
	progress := activities.CaseProgressOf(ev.Status)
	if progress > activities.CaseProgressOf(o.status.CaseStatus) {
		o.status.CaseStatus = ev.Status
	}
	o.note(ctx, "case event "+ev.Type, firstNonEmpty(ev.SubEventType, ev.Status))
	kind := activities.EventKindOf(ev.Type)
	if progress >= activities.CaseDeclared || kind == activities.EventDeclared {
		o.hints["declaration"]++
	}
	// A contract to sign settles nothing: from vSparseWaits on no check for it.
	contractEvent := kind == activities.EventContract || (kind == activities.EventContractOpened && !o.atLeast(vSparseWaits))
	if contractEvent || progress >= activities.CaseChecked {
		o.hints["signature"]++
	}
}

// onIDVEvent counts a verification callback for our session as a hint.
func (o *onboarding) onIDVEvent(ctx workflow.Context, ev api.IDVEvent) {
	if !o.firstSeen("idv:" + ev.EventID) {
		return
	}
	o.status.EventsReceived++
	o.note(ctx, "identity verification event", ev.State)
	if o.idvSession == 0 || ev.SessionID == o.idvSession {
		o.hints["identity"]++
	}
}

// checkDecision is the rule set for decisions; it runs as the decide update's validator, which
// never runs on replay, so it can grow stricter without versioning. Agents are compared by
// their normalised names, and a HIGH risk level sticks once the rules or any approval set it:
// no sequence of calls lets one agent approve a HIGH risk onboarding alone.
func (o *onboarding) checkDecision(d api.Decision) error {
	if err := o.checkDecisionShape(d); err != nil {
		return err
	}
	agent, err := identity.Normalize(d.Agent)
	if err != nil {
		return errors.New("agent: " + err.Error())
	}
	if d.Decision == api.DecisionApprove && o.highRisk(d) {
		for _, prior := range o.status.Approvals {
			if p, _ := identity.Normalize(prior.Agent); p == agent {
				return errors.New("a HIGH risk case needs approvals from two different agents; " + agent + " has already approved")
			}
		}
	}
	return nil
}

// checkDecisionShape is what every decision must be, whoever sent it.
func (o *onboarding) checkDecisionShape(d api.Decision) error {
	if o.status.Stage != api.StageAwaitingReview {
		return errors.New("the onboarding is in stage " + string(o.status.Stage) + "; decisions are taken only in " + string(api.StageAwaitingReview))
	}
	if o.status.Decision != nil {
		return errors.New("the onboarding is already decided")
	}
	if d.Decision != api.DecisionApprove && d.Decision != api.DecisionDecline {
		return errors.New(`decision must be "approve" or "decline", got "` + clip(d.Decision) + `"`)
	}
	if strings.TrimSpace(d.Agent) == "" {
		return errors.New("agent is required: every decision names who took it")
	}
	if d.RiskLevel != "" && !activities.IsRiskLevel(d.RiskLevel) {
		return errors.New(`riskLevel must be LOW, MEDIUM or HIGH, got "` + clip(d.RiskLevel) + `"`)
	}
	return nil
}

// checkDecisionV0 is the rule set signals were checked with before signal decisions were
// refused; it runs in the signal handler, which replays, so it stays as it was.
func (o *onboarding) checkDecisionV0(d api.Decision) error {
	if err := o.checkDecisionShape(d); err != nil {
		return err
	}
	if d.Decision == api.DecisionApprove && (d.RiskLevel == activities.RiskHigh || o.riskLevelV0() == activities.RiskHigh) {
		for _, prior := range o.status.Approvals {
			if strings.EqualFold(prior.Agent, d.Agent) {
				return errors.New("a HIGH risk case needs approvals from two different agents; " + d.Agent + " has already approved")
			}
		}
	}
	return nil
}

// highRisk reports whether approving needs four eyes: the decision, the rules, the case or
// any earlier approval says HIGH.
func (o *onboarding) highRisk(d api.Decision) bool {
	return d.RiskLevel == activities.RiskHigh || o.riskLevel() == activities.RiskHigh
}

// applyDecision records a valid decision. A first approval of a HIGH risk case waits for a
// second agent; anything else decides.
func (o *onboarding) applyDecision(ctx workflow.Context, d api.Decision) *api.DecideResult {
	// The handler replays, so it keeps the rule it always had: only the first approval can
	// wait. The validator (checkDecision) is what refuses a second approval by the same agent.
	if d.Decision == api.DecisionApprove && (d.RiskLevel == activities.RiskHigh || o.riskLevelV0() == activities.RiskHigh) && len(o.status.Approvals) == 0 {
		o.status.Approvals = append(o.status.Approvals, d)
		o.note(ctx, "first approval", d.Agent)
		return &api.DecideResult{Status: "awaiting_second_approval"}
	}
	if d.Decision == api.DecisionApprove {
		o.status.Approvals = append(o.status.Approvals, d)
	}
	o.status.Decision = &d
	o.note(ctx, "agent decided "+d.Decision, d.Agent)
	outcome := api.OutcomeApproved
	if d.Decision == api.DecisionDecline {
		outcome = api.OutcomeDeclined
	}
	return &api.DecideResult{Status: "decided", Outcome: outcome}
}

// checkDeadlineChange validates an extend-deadline update against the current state.
func (o *onboarding) checkDeadlineChange(now time.Time, c api.DeadlineChange) error {
	if o.status.Stage == api.StageFinished {
		return errors.New("the onboarding has finished")
	}
	if c.DeclarationDeadline == nil && c.ExtendBy == 0 && c.Policy == nil {
		return errors.New("nothing to change: give declarationDeadline, extendBy or policy")
	}
	if c.DeclarationDeadline != nil && c.ExtendBy != 0 {
		return errors.New("give declarationDeadline or extendBy, not both")
	}
	if c.DeclarationDeadline != nil || c.ExtendBy != 0 {
		if o.status.DeclaredAt != "" || stageAfter(o.status.Stage, api.StageAwaitingDeclaration) {
			return errors.New("the declaration is already in; its deadline no longer applies")
		}
		if c.ExtendBy > api.Duration(api.MaxDeadlineAhead) {
			return errors.New("extendBy must be at most " + shortDuration(api.MaxDeadlineAhead))
		}
		next := o.newDeclarationDeadline(c)
		if c.ExtendBy < 0 || !next.After(o.declarationDeadline) {
			return errors.New("deadlines only move later: the declaration deadline is " + o.declarationDeadline.Format(time.RFC3339))
		}
		if !next.After(now) {
			return errors.New("the new declaration deadline is in the past")
		}
		if next.After(now.Add(api.MaxDeadlineAhead)) {
			return errors.New("the declaration deadline can be at most " + shortDuration(api.MaxDeadlineAhead) + " ahead (until " + now.Add(api.MaxDeadlineAhead).UTC().Format(time.RFC3339) + ")")
		}
	}
	if err := c.Policy.Err(); err != nil {
		return err
	}
	if c.Policy != nil && c.Policy.MaxContractRenewals != nil && *c.Policy.MaxContractRenewals < o.status.RenewalsUsed {
		return errors.New("maxContractRenewals cannot be below the renewals already used")
	}
	return nil
}

func (o *onboarding) newDeclarationDeadline(c api.DeadlineChange) time.Time {
	if c.DeclarationDeadline != nil {
		return c.DeclarationDeadline.UTC()
	}
	return o.declarationDeadline.Add(c.ExtendBy.D())
}

// applyDeadlineChange applies a validated change; waits re-plan on o.changes.
func (o *onboarding) applyDeadlineChange(ctx workflow.Context, c api.DeadlineChange) {
	detail := strings.TrimSpace(c.By + " " + c.Reason)
	if c.DeclarationDeadline != nil || c.ExtendBy != 0 {
		o.declarationDeadline = o.newDeclarationDeadline(c)
		o.status.Deadlines["declaration"] = o.declarationDeadline
		if o.status.Stage == api.StageAwaitingDeclaration {
			o.status.Until = &o.declarationDeadline
			workflow.SetCurrentDetails(ctx, o.details())
		}
		o.note(ctx, "declaration deadline moved to "+o.declarationDeadline.Format(time.RFC3339), detail)
	}
	if c.Policy != nil {
		o.status.Policy = c.Policy.Apply(o.status.Policy)
		o.note(ctx, "policy changed", detail)
	}
	o.changes++
}

// stageAfter reports whether s comes after ref in the lifecycle.
func stageAfter(s, ref api.Stage) bool {
	order := []api.Stage{api.StageStarting, api.StageCreatingCase, api.StageAwaitingDeclaration, api.StageAwaitingSignature, api.StageEvaluating, api.StageAwaitingReview, api.StageFinished}
	pos := func(x api.Stage) int {
		for i, v := range order {
			if v == x {
				return i
			}
		}
		return -1
	}
	return pos(s) > pos(ref)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
