package workflows

import (
	"errors"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
)

// a is the nil receiver the workflow uses to name activity methods.
var a *activities.Activities

// OnboardMerchant takes one merchant from "signed up" through the KYC case and its
// declaration. It is the one durable workflow per merchant.
func OnboardMerchant(ctx workflow.Context, in OnboardingInput) (*OnboardingResult, error) {
	if err := validateInput(in); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), activities.ErrInvalidInput, nil)
	}
	o, err := newOnboarding(ctx, in)
	if err != nil {
		return nil, err
	}
	return o.run(ctx)
}

func validateInput(in OnboardingInput) error {
	var missing []string
	if strings.TrimSpace(in.Company.OrgNumber) == "" {
		missing = append(missing, "company.orgNumber")
	}
	if len(strings.TrimSpace(in.Company.Country)) != 2 {
		missing = append(missing, "company.country (ISO alpha-2)")
	}
	if len(missing) > 0 {
		return errors.New("invalid onboarding input: " + strings.Join(missing, ", "))
	}
	return nil
}

// onboarding is the workflow's state. status is what the status query returns, kept current.
type onboarding struct {
	in      OnboardingInput
	policy  Policy
	started time.Time
	status  Status
	kyc     *activities.CaseSnapshot
	events  workflow.ReceiveChannel
	// seenEvents dedupes provider events by id (webhooks are retried and may be duplicated).
	seenEvents map[string]bool
	// pendingSA collects search attribute changes; setStage writes them in one upsert, so
	// each stage costs one history event for all of them.
	pendingSA []temporal.SearchAttributeUpdate
}

func newOnboarding(ctx workflow.Context, in OnboardingInput) (*onboarding, error) {
	info := workflow.GetInfo(ctx)
	o := &onboarding{
		in:         in,
		policy:     in.Policy.withDefaults(),
		started:    workflow.Now(ctx),
		events:     workflow.GetSignalChannel(ctx, SignalCaseEvent),
		seenEvents: map[string]bool{},
		status: Status{
			WorkflowID: info.WorkflowExecution.ID,
			Stage:      StageStarting,
			Company:    in.Company,
			Deadlines:  map[string]time.Time{},
			Timeline:   []TimelineEntry{},
		},
	}
	o.pendingSA = append(o.pendingSA,
		SACountry.ValueSet(strings.ToUpper(in.Company.Country)),
		SAOrgNumber.ValueSet(in.Company.OrgNumber),
	)
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) { return o.status, nil }); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *onboarding) run(ctx workflow.Context) (*OnboardingResult, error) {
	o.setStage(ctx, StageCreatingCase, "the KYC case to be created", nil)
	var kyc activities.CaseSnapshot
	err := workflow.ExecuteActivity(providerCall(ctx, "Create KYC case in Quickr"), a.CreateKYCCase, activities.CreateCaseInput{
		Reference: o.status.WorkflowID,
		Company:   o.in.Company,
		Contact:   o.in.Contact,
	}).Get(ctx, &kyc)
	if err != nil {
		return o.finish(ctx, OutcomeFailed, "creating the KYC case failed: "+cause(err))
	}
	o.updateCase(&kyc)
	o.note(ctx, "case created", kyc.ID)
	o.pendingSA = append(o.pendingSA, SAKycCaseID.ValueSet(kyc.ID))

	outcome, reason := o.awaitDeclaration(ctx)
	if outcome != "" {
		return o.finish(ctx, outcome, reason)
	}
	o.setStage(ctx, StageDeclared, "", nil)
	return o.finish(ctx, OutcomeDeclared, "declaration submitted at "+o.kyc.DeclaredAt)
}

// awaitDeclaration waits for the merchant's declaration, whichever comes first of a webhook
// signal, the fallback poll and the deadline. It returns an outcome only when the onboarding
// must end here.
func (o *onboarding) awaitDeclaration(ctx workflow.Context) (Outcome, string) {
	deadline := o.started.Add(o.policy.DeclarationDeadline)
	o.status.Deadlines["declaration"] = deadline
	o.setStage(ctx, StageAwaitingDeclaration, "the merchant's declaration", &deadline)

	remaining := deadline.Sub(workflow.Now(ctx))
	if remaining <= 0 {
		return OutcomeExpired, "declaration deadline passed"
	}

	pollCtx, cancelPoll := workflow.WithCancel(ctx)
	defer cancelPoll()
	// The poll may run two intervals past the deadline so that the deadline timer, not the
	// poll's own timeout, decides expiry.
	poll := workflow.ExecuteActivity(
		pollUntil(pollCtx, "Poll Quickr for the declaration (webhook fallback)", o.policy.DeclarationPollInterval, remaining+2*o.policy.DeclarationPollInterval),
		a.AwaitDeclaration, activities.CaseRef{CaseID: o.kyc.ID, Reference: o.kyc.Reference})

	timerCtx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	timer := workflow.NewTimerWithOptions(timerCtx, remaining, workflow.TimerOptions{Summary: "Declaration deadline"})

	var (
		declared  bool
		expired   bool
		pollErr   error
		signalled bool
	)
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(o.events, func(c workflow.ReceiveChannel, _ bool) {
		var ev CaseEvent
		c.Receive(ctx, &ev)
		if o.acceptEvent(ctx, ev) && declaredStatus(ev.Status) {
			signalled = true
		}
	})
	sel.AddFuture(poll, func(f workflow.Future) {
		var snap activities.CaseSnapshot
		if err := f.Get(ctx, &snap); err != nil {
			if !temporal.IsCanceledError(err) {
				pollErr = err
			}
			return
		}
		o.updateCase(&snap)
		o.note(ctx, "declaration found by poll", snap.DeclaredAt)
		declared = true
	})
	sel.AddFuture(timer, func(f workflow.Future) { expired = f.Get(ctx, nil) == nil })

	for !declared && !signalled && !expired && pollErr == nil {
		sel.Select(ctx)
	}
	cancelTimer()
	cancelPoll()

	switch {
	case declared:
		return "", ""
	case signalled:
		// The webhook is a hint: read the case once for the declared data.
		var snap activities.CaseSnapshot
		if err := workflow.ExecuteActivity(providerCall(ctx, "Read the declared case"), a.GetKYCCase,
			activities.CaseRef{CaseID: o.kyc.ID}).Get(ctx, &snap); err != nil {
			return OutcomeFailed, "reading the declared case failed: " + cause(err)
		}
		o.updateCase(&snap)
		return "", ""
	case expired || (!workflow.Now(ctx).Before(deadline) && stillWaiting(pollErr)):
		return OutcomeExpired, "declaration deadline " + deadline.Format(time.RFC3339) + " passed"
	default:
		return OutcomeFailed, "polling the case failed: " + cause(pollErr)
	}
}

// stillWaiting reports whether err is a poll that ran out of time without an answer.
func stillWaiting(err error) bool {
	var ae *temporal.ApplicationError
	var te *temporal.TimeoutError
	return (errors.As(err, &ae) && ae.Type() == activities.ErrStillWaiting) || errors.As(err, &te)
}

// acceptEvent records a case event unless it is a duplicate or for another case, and reports
// whether it is new.
func (o *onboarding) acceptEvent(ctx workflow.Context, ev CaseEvent) bool {
	if ev.EventID != "" && o.seenEvents[ev.EventID] {
		return false
	}
	if ev.EventID != "" {
		o.seenEvents[ev.EventID] = true
	}
	if o.kyc != nil && ev.CaseID != "" && ev.CaseID != o.kyc.ID {
		o.note(ctx, "event for another case ignored", ev.CaseID)
		return false
	}
	o.status.EventsReceived++
	// A late event never moves the known status backwards.
	if statusRank(ev.Status) > statusRank(o.status.CaseStatus) {
		o.status.CaseStatus = ev.Status
	}
	o.note(ctx, "case event "+ev.Type, ev.Status)
	return true
}

// declaredStatus reports whether a case in status s has its declaration submitted.
func declaredStatus(s string) bool { return statusRank(s) >= statusRank("PROCESSING_DETAILS") }

// statusRank orders case statuses along the lifecycle; unknown statuses rank lowest.
func statusRank(s string) int {
	switch s {
	case "FORM_NOT_STARTED":
		return 1
	case "FORM_IN_PROGRESS":
		return 2
	case "PROCESSING_DETAILS":
		return 3
	case "READY_FOR_REVIEW", "REVIEW_IN_PROGRESS", "WAITING_FOR_DETAILS":
		return 4
	case "ACTIVE", "DECLINED", "SUSPENDED", "ARCHIVED":
		return 5
	default:
		return 0
	}
}

func (o *onboarding) updateCase(c *activities.CaseSnapshot) {
	o.kyc = c
	o.status.CaseID = c.ID
	o.status.DeclarationURL = c.DeclarationURL
	o.status.DeclaredAt = c.DeclaredAt
	if statusRank(c.Status) >= statusRank(o.status.CaseStatus) {
		o.status.CaseStatus = c.Status
	}
}

// setStage moves to stage and tells ops what it waits for: search attribute, current details
// (shown in the Temporal UI) and the timeline.
func (o *onboarding) setStage(ctx workflow.Context, stage Stage, waitingFor string, until *time.Time) {
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
		b.WriteString("Declaration form: " + o.status.DeclarationURL + "\n")
	}
	if o.status.Outcome != "" {
		b.WriteString("Outcome: " + string(o.status.Outcome) + ": " + o.status.Reason + "\n")
	}
	return b.String()
}

func (o *onboarding) note(ctx workflow.Context, event, detail string) {
	o.status.Timeline = append(o.status.Timeline, TimelineEntry{At: workflow.Now(ctx), Stage: o.status.Stage, Event: event, Detail: detail})
}

func (o *onboarding) finish(ctx workflow.Context, outcome Outcome, reason string) (*OnboardingResult, error) {
	o.status.Outcome, o.status.Reason = outcome, reason
	o.note(ctx, "finished "+string(outcome), reason)
	o.pendingSA = append(o.pendingSA, SAOutcome.ValueSet(string(outcome)))
	o.setStage(ctx, StageFinished, "", nil)
	return &OnboardingResult{
		WorkflowID: o.status.WorkflowID,
		Outcome:    outcome,
		Reason:     reason,
		Case:       o.kyc,
		Timeline:   o.status.Timeline,
	}, nil
}

// cause is the innermost message of an activity error, for people to read.
func cause(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Error()
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(u) {
		err = u
	}
	return err.Error()
}
