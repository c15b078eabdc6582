package workflows

import (
	"errors"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// a is the nil receiver the workflow uses to name activity methods.
var a *activities.Activities

// OnboardMerchant takes one merchant from "signed up" to a final outcome: KYC case,
// declaration, signing (with identity verification, credit analysis and credit terms alongside),
// the approval rules and, when they cannot decide, an agent. It is the one durable workflow per
// merchant.
func OnboardMerchant(ctx workflow.Context, in api.OnboardingInput) (*api.OnboardingResult, error) {
	v := workflow.GetVersion(ctx, changeOnboarding, vOriginal, vLatest)
	if err := validateInput(in); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), activities.ErrInvalidInput, nil)
	}
	o, err := newOnboarding(ctx, in, v)
	if err != nil {
		return nil, err
	}
	o.countStarted(ctx)
	res, err := o.run(ctx)
	if errors.Is(err, errCancelled) || (err != nil && ctx.Err() != nil) {
		res, err = o.compensate(ctx)
	}
	if o.atLeast(vLongLife) {
		// An update accepted just before the end finishes before the workflow completes.
		dctx, cancel := workflow.NewDisconnectedContext(ctx)
		defer cancel()
		_ = workflow.Await(dctx, func() bool { return workflow.AllHandlersFinished(dctx) })
	}
	return res, err
}

// validateInput is the workflow's own last check of its input. It runs in every replay, so it
// is frozen: tightening it would fail onboardings already running. The rules callers must
// meet live in api.ValidateInput, which the engine runs before anything starts.
func validateInput(in api.OnboardingInput) error {
	var bad []string
	if strings.TrimSpace(in.Company.OrgNumber) == "" {
		bad = append(bad, "company.orgNumber is required")
	}
	if len(strings.TrimSpace(in.Company.Country)) != 2 {
		bad = append(bad, "company.country must be an ISO alpha-2 code")
	}
	if in.Credit.Amount < 0 {
		bad = append(bad, "credit.amount must not be negative")
	}
	switch in.Credit.PeriodDays {
	case 0, 30, 60, 90:
	default:
		bad = append(bad, "credit.periodDays must be 30, 60 or 90")
	}
	if len(bad) > 0 {
		return errors.New("invalid onboarding input: " + strings.Join(bad, "; "))
	}
	return nil
}

// onboarding is the workflow's state. status is what the status query returns, kept current.
type onboarding struct {
	in      api.OnboardingInput
	started time.Time
	status  api.Status
	kyc     *api.CaseSnapshot

	// stageSince is when the current stage began (workflow time), for the stage duration.
	stageSince time.Time

	// pendingSA collects search attribute changes; setStage writes them in one upsert.
	pendingSA []temporal.SearchAttributeUpdate
	// upsertedStage is the stage the last upsert wrote.
	upsertedStage api.Stage
	// seenEvents dedupes provider events by id (webhooks are retried and may be duplicated);
	// seenOrder is their arrival order, so only the newest maxSeenEvents are kept.
	seenEvents map[string]bool
	seenOrder  []string
	// omittedFrom is when the oldest timeline entry left out was written.
	omittedFrom time.Time
	// hints counts relevant provider events per wait kind; a change restarts that wait's poll.
	hints map[string]int
	// hintsChecked is hints as the last case check of that kind saw it (vSparseWaits).
	hintsChecked map[string]int
	// pollSince is when each polled wait (by kind) last started its poll.
	pollSince map[string]time.Time
	// caseTimer is the timer of the case waits (vSparseWaits), handed from one to the next.
	caseTimer waitTimer
	// idvSession is the identity verification session, once started.
	idvSession int64
	// changes counts extend-deadline updates; waits re-plan when it moves.
	changes int
	// declarationDeadline can move later through extend-deadline.
	declarationDeadline time.Time
	// reviewSince is when review began (zero before).
	reviewSince time.Time
	notifySeq   int
	// notifies are the notifications still in flight; finish waits for them.
	notifies []workflow.Future
	// blocked are the providers the onboarding waits on until a person fixes them.
	blocked []*block // sorted by provider
	// bankDataUsed: the credit analysis has started with the uploaded bank data;
	// wantsBankData: it has asked for it.
	bankDataUsed, wantsBankData bool
	// decidedRisk is the risk level written back with the decision, the one the result reports.
	decidedRisk string
	// v is the onboarding version this run recorded at its start (versions.go).
	v workflow.Version
}

func newOnboarding(ctx workflow.Context, in api.OnboardingInput, v workflow.Version) (*onboarding, error) {
	info := workflow.GetInfo(ctx)
	policy := withDefaultsV0(in.Policy)
	if v >= vLongLife {
		policy = resolvePolicy(ctx, in.Policy, v)
	}
	o := &onboarding{
		v:            v,
		in:           in,
		started:      workflow.Now(ctx),
		seenEvents:   map[string]bool{},
		hints:        map[string]int{},
		hintsChecked: map[string]int{},
		pollSince:    map[string]time.Time{},
		status: api.Status{
			WorkflowID:    info.WorkflowExecution.ID,
			Stage:         api.StageStarting,
			Company:       in.Company,
			Deadlines:     map[string]time.Time{},
			Policy:        policy,
			RemindersSent: map[string]int{},
			Timeline:      []api.TimelineEntry{},
		},
	}
	o.stageSince = o.started
	o.declarationDeadline = o.started.Add(policy.DeclarationDeadline.D())
	o.status.Deadlines["declaration"] = o.declarationDeadline
	o.pendingSA = append(o.pendingSA,
		api.SACountry.ValueSet(strings.ToUpper(in.Company.Country)),
		api.SAOrgNumber.ValueSet(in.Company.OrgNumber),
	)
	if v >= vSparseWaits {
		o.skipIndexedAtStart(ctx)
	}
	if err := o.registerHandlers(ctx); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *onboarding) policy() api.Policy { return o.status.Policy }

// resolvePolicy is the policy a new onboarding runs with. The engine resolves defaults before
// it starts one, so the input is usually complete; a start that bypassed it gets the defaults
// of the build that ran its first task, recorded as a side effect so that a later change to
// DefaultPolicy never reaches it. Either way the values are clamped to what the workflow can
// run safely.
func resolvePolicy(ctx workflow.Context, p api.Policy, v workflow.Version) api.Policy {
	if !completeFor(p, v) {
		if err := workflow.SideEffect(ctx, func(workflow.Context) any { return p.Resolve() }).Get(&p); err != nil {
			p = p.Resolve()
		}
	}
	return clamped(p, v)
}

func (o *onboarding) run(ctx workflow.Context) (*api.OnboardingResult, error) {
	// Earlier KYC cases are evidence for the rules only, so the lookup runs alongside.
	priorDone := o.lookupPriorKYC(ctx)

	if res, err := o.createCase(ctx); res != nil || err != nil {
		return res, err
	}

	if outcome, reason, err := o.awaitDeclaration(ctx); err != nil || outcome != "" {
		if err != nil {
			return nil, err
		}
		return o.finish(ctx, outcome, reason)
	}

	// Identity, credit analysis and credit terms need only the declaration: they run while
	// the signatories sign.
	sideCtx, cancelSide := workflow.WithCancel(ctx)
	sideLeft := o.startSideChecks(sideCtx)
	outcome, reason, err := o.awaitSignature(ctx)
	if err != nil || outcome != "" {
		cancelSide()
		if err != nil {
			return nil, err
		}
		return o.finish(ctx, outcome, reason)
	}
	if err := o.awaitSideChecks(ctx, sideLeft); err != nil {
		return nil, err
	}
	if err := workflow.Await(ctx, priorDone); err != nil {
		return nil, errCancelled
	}

	return o.decideByRules(ctx)
}
