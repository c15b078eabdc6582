package workflows

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
)

// a is the nil receiver the workflow uses to name activity methods.
var a *activities.Activities

// OnboardMerchant takes one merchant from "signed up" to a final outcome: KYC case,
// declaration, signing (with identity verification, credit analysis and credit terms alongside),
// the approval rules and, when they cannot decide, an agent. It is the one durable workflow per
// merchant.
func OnboardMerchant(ctx workflow.Context, in OnboardingInput) (*OnboardingResult, error) {
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
func validateInput(in OnboardingInput) error {
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
	in      OnboardingInput
	started time.Time
	status  Status
	kyc     *activities.CaseSnapshot

	// stageSince is when the current stage began (workflow time), for the stage duration.
	stageSince time.Time

	// pendingSA collects search attribute changes; setStage writes them in one upsert.
	pendingSA []temporal.SearchAttributeUpdate
	// upsertedStage is the stage the last upsert wrote.
	upsertedStage Stage
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

func newOnboarding(ctx workflow.Context, in OnboardingInput, v workflow.Version) (*onboarding, error) {
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
		status: Status{
			WorkflowID:    info.WorkflowExecution.ID,
			Stage:         StageStarting,
			Company:       in.Company,
			Deadlines:     map[string]time.Time{},
			Policy:        policy,
			RemindersSent: map[string]int{},
			Timeline:      []TimelineEntry{},
		},
	}
	o.stageSince = o.started
	o.declarationDeadline = o.started.Add(policy.DeclarationDeadline.D())
	o.status.Deadlines["declaration"] = o.declarationDeadline
	o.pendingSA = append(o.pendingSA,
		SACountry.ValueSet(strings.ToUpper(in.Company.Country)),
		SAOrgNumber.ValueSet(in.Company.OrgNumber),
	)
	if v >= vSparseWaits {
		o.skipIndexedAtStart(ctx)
	}
	if err := o.registerHandlers(ctx); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *onboarding) policy() Policy { return o.status.Policy }

// resolvePolicy is the policy a new onboarding runs with. The engine resolves defaults before
// it starts one, so the input is usually complete; a start that bypassed it gets the defaults
// of the build that ran its first task, recorded as a side effect so that a later change to
// DefaultPolicy never reaches it. Either way the values are clamped to what the workflow can
// run safely.
func resolvePolicy(ctx workflow.Context, p Policy, v workflow.Version) Policy {
	if !completeFor(p, v) {
		if err := workflow.SideEffect(ctx, func(workflow.Context) any { return p.Resolve() }).Get(&p); err != nil {
			p = p.Resolve()
		}
	}
	return clamped(p, v)
}

func (o *onboarding) run(ctx workflow.Context) (*OnboardingResult, error) {
	// Earlier KYC cases are evidence for the rules only, so the lookup runs alongside.
	priorDone := o.lookupPriorKYC(ctx)

	o.setStage(ctx, StageCreatingCase, "the KYC case to be created", nil)
	var kyc activities.CaseSnapshot
	err := o.call(ctx, providerQuickr, "Create KYC case in Quickr", a.CreateKYCCase, activities.CreateCaseInput{
		Reference: o.status.WorkflowID,
		Company:   o.in.Company,
		Contact:   o.in.Contact,
	}, &kyc)
	if err != nil {
		return o.failed(ctx, "creating the KYC case failed", err)
	}
	o.updateCase(&kyc)
	o.note(ctx, "case created", kyc.ID)
	o.pendingSA = append(o.pendingSA, SAKycCaseID.ValueSet(kyc.ID))
	msg, data := o.declarationNotice(ctx, &kyc)
	o.notify(ctx, activities.NotifyDeclarationURL, msg, data)

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
	if *sideLeft > 0 {
		if o.atLeast(vSparseWaits) {
			// Their polls grow sparse as they wait; now that the rules need them, look again.
			// A poll started less than sideNudgeAfter ago retries soon anyway (its gaps double
			// from 5 s), so restarting it would only cost an activity.
			now := workflow.Now(ctx)
			for _, kind := range []string{"identity", "creditAnalysis", "creditTerms"} {
				if since, ok := o.pollSince[kind]; ok && now.Sub(since) >= sideNudgeAfter {
					o.hints[kind]++
				}
			}
		}
		o.setStage(ctx, StageEvaluating, "identity verification and credit results", nil)
		if err := workflow.Await(ctx, func() bool { return *sideLeft == 0 }); err != nil {
			return nil, errCancelled
		}
	}
	if err := workflow.Await(ctx, priorDone); err != nil {
		return nil, errCancelled
	}

	ev, err := o.evaluate(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, errCancelled
		}
		return o.failed(ctx, "evaluating the approval rules failed", err)
	}
	switch {
	case ev.Decision == "DECLINE":
		return o.decide(ctx, OutcomeDeclined, "rules: "+ev.Reason, nil)
	case ev.Decision == "APPROVE" && len(o.status.ReviewReasons) == 0:
		return o.decide(ctx, OutcomeApproved, "rules: "+ev.Reason, nil)
	case ev.Decision == "APPROVE":
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
	outcome = OutcomeApproved
	if d.Decision == DecisionDecline {
		outcome = OutcomeDeclined
	}
	reason = "agent " + d.Agent + " decided " + d.Decision
	if d.Reason != "" {
		reason += ": " + d.Reason
	}
	return o.decide(ctx, outcome, reason, d)
}

// lookupPriorKYC asks Creditro for earlier KYC cases. An outage never blocks the onboarding:
// after PriorKYCMaxWait the evidence is recorded as unavailable. It returns the condition
// that tells when the lookup has settled.
func (o *onboarding) lookupPriorKYC(ctx workflow.Context) func() bool {
	done := false
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		Summary:                "Look up prior KYC cases in Creditro",
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: o.policy().PriorKYCMaxWait.D(),
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        5 * time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        2 * time.Minute,
			NonRetryableErrorTypes: callNonRetryable,
		},
	})
	arg := activities.PriorKYCInput{Company: o.in.Company}
	fut := workflow.ExecuteActivity(actx, a.LookupPriorKYC, arg)
	workflow.Go(ctx, func(gctx workflow.Context) {
		var prior activities.PriorKYC
		err := fut.Get(gctx, &prior)
		// An outage is recorded as unavailable evidence, but refused credentials are a
		// configuration a person fixes: the lookup blocks until Creditro accepts them, rather
		// than sending the merchant to review for want of evidence.
		if err != nil && gctx.Err() == nil && o.atLeast(vLongLife) && blockReason(err) == BlockedCredentials {
			err = o.untilAnswered(gctx, providerCreditro, BlockedCredentials, "Look up prior KYC cases in Creditro", a.LookupPriorKYC, arg, &prior, err)
		}
		if err != nil {
			prior = activities.PriorKYC{Status: activities.PriorKYCUnavailable, Reason: cause(err)}
		}
		o.status.Evidence.PriorKYC = &prior
		o.note(gctx, "prior KYC "+prior.Status, prior.Reason)
		done = true
	})
	return func() bool { return done }
}

// awaitDeclaration waits for the merchant's declaration: webhook, poll or deadline. It returns
// an outcome only when the onboarding must end here.
func (o *onboarding) awaitDeclaration(ctx workflow.Context) (Outcome, string, error) {
	o.setStage(ctx, StageAwaitingDeclaration, "the merchant's declaration", &o.declarationDeadline)
	if o.atLeast(vSparseWaits) {
		return o.awaitDeclarationSparse(ctx)
	}
	since := workflow.Now(ctx)
	var snap activities.CaseSnapshot
	res, err := o.awaitPolled(ctx, pollSpec{
		Kind:     "declaration",
		Provider: providerQuickr,
		Summary:  "Poll Quickr for the declaration (webhook fallback; sends reminders)",
		Interval: o.policy().DeclarationPoll.D(),
		Deadline: func() time.Time { return o.declarationDeadline },
		Activity: a.AwaitDeclaration,
		Arg: func() any {
			return activities.AwaitCaseInput{CaseID: o.kyc.ID, Reference: o.status.WorkflowID,
				Reminders: o.reminders("declaration", since, o.policy().DeclarationReminderEvery, o.kyc.DeclarationURL)}
		},
	}, &snap)
	if errors.Is(err, errCancelled) {
		return "", "", err
	}
	switch res {
	case waitDone:
		o.updateCase(&snap)
		o.status.RemindersSent["declaration"] = snap.RemindersSent
		o.note(ctx, "declaration submitted", snap.DeclaredAt)
		return "", "", nil
	case waitExpired:
		o.status.RemindersSent["declaration"] = dueReminders(since, workflow.Now(ctx), o.policy().DeclarationReminderEvery.D())
		o.archive(ctx, "declaration deadline passed")
		return OutcomeExpired, "declaration deadline " + o.declarationDeadline.Format(time.RFC3339) + " passed", nil
	default:
		return OutcomeFailed, "waiting for the declaration failed: " + cause(err), nil
	}
}

// awaitSignature waits until every signatory has signed and Quickr has run its checks,
// re-opening an expired contract up to the policy's renewal limit. A rejected signature sends
// the onboarding to review with the reason.
func (o *onboarding) awaitSignature(ctx workflow.Context) (Outcome, string, error) {
	o.setStage(ctx, StageAwaitingSignature, "all signatories to sign the contract", nil)
	if o.atLeast(vSparseWaits) {
		defer o.caseTimer.stop() // the last case wait: its timer ends with it
	}
	for {
		since := workflow.Now(ctx)
		var snap activities.CaseSnapshot
		var (
			res waitResult
			err error
		)
		if o.atLeast(vSparseWaits) {
			res, snap, err = o.awaitSignatureRound(ctx)
		} else {
			res, err = o.awaitPolled(ctx, pollSpec{
				Kind:     "signature",
				Provider: providerQuickr,
				Summary:  "Poll Quickr for the signatures (webhook fallback; sends reminders)",
				Interval: o.policy().SigningPoll.D(),
				// A contract round ends by itself when the contract expires (Quickr: a month).
				MaxWait:  60 * 24 * time.Hour,
				Activity: a.AwaitSignature,
				Arg: func() any {
					// One kind per contract round: reminder ids restart with every round.
					kind := "signature-" + strconv.Itoa(o.status.RenewalsUsed+1)
					return activities.AwaitCaseInput{CaseID: o.kyc.ID, Reference: o.status.WorkflowID,
						Reminders: o.reminders(kind, since, o.policy().SigningReminderEvery, "")}
				},
			}, &snap)
		}
		switch {
		case errors.Is(err, errCancelled):
			return "", "", err
		case res == waitFailed:
			return OutcomeFailed, "waiting for the signatures failed: " + cause(err), nil
		case res != waitDone:
			return OutcomeFailed, "the contract did not settle within 60 days", nil
		}
		o.updateCase(&snap)
		if !o.atLeast(vSparseWaits) {
			o.status.RemindersSent["signature"] += snap.RemindersSent // counted as sent from v2 on
		}
		c := snap.Contract
		switch {
		case c == nil || c.Status == activities.ContractSigned || c.Status == activities.ContractNone:
			o.note(ctx, "contract signed", snap.Status)
			return "", "", nil
		case c.Status == activities.ContractRejected:
			why := "a signatory rejected the contract"
			if c.RejectReason != "" {
				why += ": " + c.RejectReason
			}
			o.status.ReviewReasons = append(o.status.ReviewReasons, why)
			o.note(ctx, "contract rejected", c.RejectReason)
			return "", "", nil
		case c.Status == activities.ContractExpired && o.status.RenewalsUsed < maxRenewals(o.policy()):
			var reopened activities.CaseSnapshot
			err := o.call(ctx, providerQuickr, "Re-open the expired contract", a.ReopenContract,
				activities.ContractRef{CaseID: o.kyc.ID, Reference: o.status.WorkflowID, ContractID: c.ID}, &reopened)
			if err != nil {
				if ctx.Err() != nil {
					return "", "", errCancelled
				}
				return OutcomeFailed, "re-opening the expired contract failed: " + cause(err), nil
			}
			o.status.RenewalsUsed++
			countRenewal(ctx)
			o.updateCase(&reopened)
			o.note(ctx, "contract renewed", "renewal "+strconv.Itoa(o.status.RenewalsUsed)+" of "+strconv.Itoa(maxRenewals(o.policy())))
			o.notify(ctx, activities.NotifyContractRenewed, "The contract expired unsigned and was re-opened; every signatory must sign again.",
				map[string]any{"renewal": o.status.RenewalsUsed, "maxRenewals": maxRenewals(o.policy())})
		case c.Status == activities.ContractExpired:
			o.archive(ctx, "contract expired after the last renewal")
			return OutcomeExpired, "the contract expired unsigned after " + strconv.Itoa(o.status.RenewalsUsed) + " renewal(s)", nil
		default:
			return OutcomeFailed, "the contract is " + c.Status + " and cannot be signed", nil
		}
	}
}

// reminders is the reminder plan a polling activity carries for kind.
func (o *onboarding) reminders(kind string, since time.Time, every Duration, detail string) activities.Reminders {
	return activities.Reminders{WorkflowID: o.status.WorkflowID, Kind: kind, Since: since, Every: every.D(), Detail: detail}
}

// dueReminders is how many reminders fell due between since and now.
func dueReminders(since, now time.Time, every time.Duration) int {
	if every <= 0 || now.Before(since) {
		return 0
	}
	return int(now.Sub(since) / every)
}

// startSideChecks starts identity verification, credit analysis and credit terms, each in its
// own coroutine; the returned counter falls to zero when all have settled.
func (o *onboarding) startSideChecks(ctx workflow.Context) *int {
	left := 3
	for _, check := range []func(workflow.Context){o.verifyIdentity, o.analyseCredit, o.requestCreditTerms} {
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer func() { left-- }()
			check(gctx)
		})
	}
	return &left
}

// unavailable records evidence that could not be had; the rules then cannot approve.
func (o *onboarding) unavailable(ctx workflow.Context, what, why string) {
	if o.status.Evidence.Unavailable == nil {
		o.status.Evidence.Unavailable = map[string]string{}
	}
	o.status.Evidence.Unavailable[what] = why
	o.note(ctx, what+" unavailable", why)
}

func (o *onboarding) verifyIdentity(ctx workflow.Context) {
	person := o.kyc.FormSubmitter
	if person == nil || person.Name == "" {
		o.unavailable(ctx, "identity", "the declaration names no form submitter")
		return
	}
	since := workflow.Now(ctx)
	withToken := o.takes(ctx, changeIDVToken)
	var res activities.IDVResult
	for sessions := 1; ; sessions++ {
		var sess activities.IDVSession
		err := o.call(ctx, providerIDV, "Start identity verification of the form submitter", a.StartIdentityVerification,
			activities.IDVInput{Reference: o.status.WorkflowID, Person: *person}, &sess)
		if err != nil {
			o.unavailable(ctx, "identity", "starting the verification failed: "+cause(err))
			return
		}
		o.idvSession = sess.ID
		maxWait := o.policy().IDVMaxWait.D()
		if withToken {
			// The person opens the session with its token: the app hands it on.
			o.status.Identity = &IdentitySession{SessionID: sess.ID, Sessions: sessions, Since: since}
			o.notify(ctx, activities.NotifyIdentityVerification, "The form submitter can verify their identity now: open the session with its token.",
				map[string]any{"sessionId": sess.ID, "token": sess.Token, "person": person.Name, "session": sessions})
			if sessions > 1 {
				maxWait -= workflow.Now(ctx).Sub(since) // one limit for all the sessions together
			}
		}
		if !o.awaitEvidence(ctx, pollSpec{
			Kind:     "identity",
			Provider: providerIDV,
			Summary:  "Poll the identity verification (callback fallback)",
			Interval: o.policy().IDVPoll.D(),
			MaxWait:  maxWait,
			Activity: a.AwaitIdentityVerification,
			Arg:      func() any { return activities.IDVCheck{SessionID: sess.ID, Expected: *person} },
		}, &res) {
			return
		}
		// A session the person never finished expires; within the wait a new one is offered.
		if !withToken || res.State != activities.IDVExpired || sessions >= maxIDVSessions ||
			workflow.Now(ctx).Sub(since) >= o.policy().IDVMaxWait.D() {
			break
		}
		o.note(ctx, "identity session expired unfinished", "starting session "+strconv.Itoa(sessions+1))
	}
	o.status.Evidence.Identity = &res
	if !res.Match {
		why := "identity verification " + strings.ToLower(res.State)
		if len(res.Mismatches) > 0 {
			why = "verified identity differs from the declaration (" + strings.Join(res.Mismatches, ", ") + ")"
		}
		o.status.ReviewReasons = append(o.status.ReviewReasons, why)
	}
	o.note(ctx, "identity verified", "match="+strconv.FormatBool(res.Match))
}

// maxIDVSessions bounds the identity sessions of one onboarding (one, and new ones for those
// that expired unfinished).
const maxIDVSessions = 5

// awaitEvidence waits for a side check's result. When it cannot be had (the maximum wait is
// spent, or the provider failed) it records why under p.Kind and returns false; the rules then
// cannot approve.
func (o *onboarding) awaitEvidence(ctx workflow.Context, p pollSpec, out any) bool {
	r, err := o.awaitPolled(ctx, p, out)
	switch {
	case errors.Is(err, errCancelled):
	case r == waitDone:
		return true
	case r == waitTimedOut:
		o.unavailable(ctx, p.Kind, "not completed within "+p.MaxWait.String())
	default:
		o.unavailable(ctx, p.Kind, "failed: "+cause(err))
	}
	return false
}

func (o *onboarding) analyseCredit(ctx workflow.Context) {
	in := activities.CreditAnalysisInput{Reference: o.status.WorkflowID, Company: o.in.Company}
	if o.takes(ctx, changeBankDataUpload) {
		// The analysis runs on the merchant's own bank data, which the app uploads.
		if !o.awaitBankData(ctx) {
			return
		}
		o.bankDataUsed = true
		in.BankDataRef = o.status.BankData.Upload.Ref
	}
	var ref activities.CreditAnalysisRef
	err := o.call(ctx, providerOpenBanking, "Start the open-banking credit analysis", a.StartCreditAnalysis, in, &ref)
	if err != nil {
		o.unavailable(ctx, "creditAnalysis", "starting the analysis failed: "+cause(err))
		return
	}
	var res activities.CreditAnalysisResult
	if o.awaitEvidence(ctx, pollSpec{
		Kind:     "creditAnalysis",
		Provider: providerOpenBanking,
		Summary:  "Poll the credit analysis until COMPLETED",
		Interval: o.policy().CreditAnalysisPoll.D(),
		MaxWait:  o.policy().CreditAnalysisMaxWait.D(),
		Activity: a.AwaitCreditAnalysis,
		Arg:      func() any { return ref },
	}, &res) {
		o.status.Evidence.CreditAnalysis = &res
		o.note(ctx, "credit analysis completed", "score "+strconv.FormatFloat(res.Score, 'f', -1, 64))
	}
}

func (o *onboarding) requestCreditTerms(ctx workflow.Context) {
	contact := o.in.Contact
	if o.kyc.FormSubmitter != nil && contact.Email == "" {
		contact = *o.kyc.FormSubmitter
	}
	var ref activities.CreditTermsRef
	err := o.call(ctx, providerDeepIDV, "Request credit terms (DeepIDV)", a.RequestCreditTerms, activities.CreditTermsInput{
		ExternalID: o.status.WorkflowID,
		Company:    o.in.Company,
		Contact:    contact,
		Address:    o.in.Address,
		Amount:     o.in.Credit.Amount,
		PeriodDays: o.in.Credit.PeriodDays,
	}, &ref)
	if err != nil {
		o.unavailable(ctx, "creditTerms", "the request failed: "+cause(err))
		return
	}
	var res activities.CreditTermsResult
	if o.awaitEvidence(ctx, pollSpec{
		Kind:     "creditTerms",
		Provider: providerDeepIDV,
		Summary:  "Poll the credit terms until COMPLETED",
		Interval: o.policy().CreditTermsPoll.D(),
		MaxWait:  o.policy().CreditTermsMaxWait.D(),
		Activity: a.AwaitCreditTerms,
		Arg:      func() any { return ref },
	}, &res) {
		o.status.Evidence.CreditTerms = &res
		o.note(ctx, "credit terms "+strings.ToLower(res.Status), res.ID)
	}
}

// evaluate runs the approval rules over the case and the engine's own facts.
func (o *onboarding) evaluate(ctx workflow.Context) (*activities.Evaluation, error) {
	o.setStage(ctx, StageEvaluating, "the approval rules", nil)
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
	var out activities.Evaluation
	err := o.call(ctx, providerQuickr, "Evaluate the approval rules", a.EvaluateRules,
		activities.EvaluateInput{CaseID: o.kyc.ID, Reference: o.status.WorkflowID, Facts: facts}, &out)
	if err != nil {
		return nil, err
	}
	o.status.Evaluation = &out
	if out.RiskLevel != "" {
		o.pendingSA = append(o.pendingSA, SARiskLevel.ValueSet(out.RiskLevel))
	}
	o.note(ctx, "rules: "+out.Decision, out.Reason)
	return &out, nil
}

// decide writes the final decision back to Quickr (status, risk level and a note with the
// reason) and finishes.
func (o *onboarding) decide(ctx workflow.Context, outcome Outcome, reason string, d *Decision) (*OnboardingResult, error) {
	status, risk := "ACTIVE", o.riskLevel()
	if outcome == OutcomeDeclined {
		status = "DECLINED"
	}
	if d != nil && d.RiskLevel != "" && risk != "HIGH" { // HIGH sticks
		risk = d.RiskLevel
	}
	in := activities.RecordDecisionInput{
		CaseID: o.kyc.ID, Reference: o.status.WorkflowID, Status: status, RiskLevel: risk, Note: o.decisionNote(reason),
	}
	err := o.call(ctx, providerQuickr, "Record the decision in Quickr", a.RecordDecision, in, nil)
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
		o.pendingSA = append(o.pendingSA, SARiskLevel.ValueSet(risk))
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
		if a.RiskLevel == "HIGH" {
			return "HIGH"
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

// archive archives the case, best effort: the onboarding ends either way.
func (o *onboarding) archive(ctx workflow.Context, why string) {
	if o.kyc == nil {
		return
	}
	// Not through call: archiving is best effort, and a cancellation must not wait for a
	// provider a person has yet to fix.
	err := workflow.ExecuteActivity(o.providerCall(ctx, "Archive the KYC case"), a.RecordDecision,
		activities.RecordDecisionInput{CaseID: o.kyc.ID, Reference: o.status.WorkflowID, Status: "ARCHIVED", Note: "Onboarding ended: " + why}).Get(ctx, nil)
	if err != nil {
		o.note(ctx, "archiving the case failed", cause(err))
		return
	}
	o.note(ctx, "case archived", why)
}

// compensate ends a cancelled onboarding: the case is archived and the app told, in a
// context the cancellation does not reach.
func (o *onboarding) compensate(ctx workflow.Context) (*OnboardingResult, error) {
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	o.note(dctx, "cancellation requested", "")
	o.archive(dctx, "cancelled")
	return o.finish(dctx, OutcomeCancelled, "the onboarding was cancelled")
}

// failed ends the onboarding as FAILED with the reason, unless the workflow is being cancelled.
func (o *onboarding) failed(ctx workflow.Context, what string, err error) (*OnboardingResult, error) {
	if ctx.Err() != nil {
		return nil, errCancelled
	}
	return o.finish(ctx, OutcomeFailed, what+": "+cause(err))
}

// finish records the outcome, tells the app and returns the result.
func (o *onboarding) finish(ctx workflow.Context, outcome Outcome, reason string) (*OnboardingResult, error) {
	o.status.Outcome, o.status.Reason = outcome, reason
	o.clearBlocked()
	o.note(ctx, "finished "+string(outcome), reason)
	o.pendingSA = append(o.pendingSA, SAOutcome.ValueSet(string(outcome)))
	o.setStage(ctx, StageFinished, "", nil)
	countFinished(ctx, outcome)
	// The outcome is final: a cancellation arriving now must not cut the app's notice short.
	ctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	o.notify(ctx, activities.NotifyFinished, "The onboarding finished: "+string(outcome)+".",
		map[string]any{"outcome": string(outcome), "reason": reason})
	// Notifications are best effort but must be sent before the workflow closes.
	for _, f := range o.notifies {
		_ = f.Get(ctx, nil)
	}
	return &OnboardingResult{
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
	n := activities.Notification{
		ID:         o.status.WorkflowID + "/" + typ + "/" + strconv.Itoa(o.notifySeq),
		WorkflowID: o.status.WorkflowID,
		Type:       typ,
		Stage:      string(o.status.Stage),
		Outcome:    string(o.status.Outcome),
		Message:    message,
		Data:       data,
		At:         workflow.Now(ctx),
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		Summary:                "Notify the app: " + typ,
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: callNonRetryable,
		},
	})
	// Only the notifications still in flight are kept: a months-long onboarding sends many.
	o.notifies = slices.DeleteFunc(o.notifies, func(f workflow.Future) bool { return f.IsReady() })
	o.notifies = append(o.notifies, workflow.ExecuteActivity(actx, a.Notify, n))
}
