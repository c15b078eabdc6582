package workflows

import (
	"errors"
	"strconv"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// lookupPriorKYC asks Creditro for earlier KYC cases. An outage never blocks the onboarding:
// after PriorKYCMaxWait the evidence is recorded as unavailable. It returns the condition
// that tells when the lookup has settled.
func (o *onboarding) lookupPriorKYC(ctx workflow.Context) func() bool {
	done := false
	actx := workflow.WithActivityOptions(ctx, optionsFor(a.LookupPriorKYC, "Look up prior KYC cases in Creditro", o.policy().PriorKYCMaxWait.D()))
	arg := activities.PriorKYCInput{Company: o.in.Company}
	fut := workflow.ExecuteActivity(actx, a.LookupPriorKYC, arg)
	workflow.Go(ctx, func(gctx workflow.Context) {
		var prior api.PriorKYC
		err := fut.Get(gctx, &prior)
		// An outage is recorded as unavailable evidence, but refused credentials are a
		// configuration a person fixes: the lookup blocks until Creditro accepts them, rather
		// than sending the merchant to review for want of evidence.
		if err != nil && gctx.Err() == nil && o.atLeast(vLongLife) && blockReason(err) == api.BlockedCredentials {
			err = o.untilAnswered(gctx, api.BlockedCredentials, "Look up prior KYC cases in Creditro", a.LookupPriorKYC, arg, &prior, err)
		}
		if err != nil {
			prior = api.PriorKYC{Status: api.PriorKYCUnavailable, Reason: cause(err)}
		}
		o.status.Evidence.PriorKYC = &prior
		o.note(gctx, "prior KYC "+prior.Status, prior.Reason)
		done = true
	})
	return func() bool { return done }
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

// awaitSideChecks waits, once the signatures are in, for the side checks still running
// (sideLeft counts them); the rules need their results.
func (o *onboarding) awaitSideChecks(ctx workflow.Context, sideLeft *int) error {
	if *sideLeft == 0 {
		return nil
	}
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
	o.setStage(ctx, api.StageEvaluating, "identity verification and credit results", nil)
	if err := workflow.Await(ctx, func() bool { return *sideLeft == 0 }); err != nil {
		return errCancelled
	}
	return nil
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
	var res api.IDVResult
	for sessions := 1; ; sessions++ {
		var sess activities.IDVSession
		err := o.call(ctx, "Start identity verification of the form submitter", a.StartIdentityVerification,
			activities.IDVInput{Reference: o.status.WorkflowID, Person: *person}, &sess)
		if err != nil {
			o.unavailable(ctx, "identity", "starting the verification failed: "+cause(err))
			return
		}
		o.idvSession = sess.ID
		maxWait := o.policy().IDVMaxWait.D()
		if withToken {
			// The person opens the session with its token: the app hands it on.
			o.status.Identity = &api.IdentitySession{SessionID: sess.ID, Sessions: sessions, Since: since}
			o.notify(ctx, api.NotifyIdentityVerification, "The form submitter can verify their identity now: open the session with its token.",
				map[string]any{"sessionId": sess.ID, "token": sess.Token, "person": person.Name, "session": sessions})
			if sessions > 1 {
				maxWait -= workflow.Now(ctx).Sub(since) // one limit for all the sessions together
			}
		}
		if !o.awaitEvidence(ctx, pollSpec{
			Kind:     "identity",
			Summary:  "Poll the identity verification (callback fallback)",
			Interval: o.policy().IDVPoll.D(),
			MaxWait:  maxWait,
			Activity: a.AwaitIdentityVerification,
			Arg:      func() any { return activities.IDVCheck{SessionID: sess.ID, Expected: *person} },
		}, &res) {
			return
		}
		// A session the person never finished expires; within the wait a new one is offered.
		if !withToken || res.State != api.IDVExpired || sessions >= maxIDVSessions ||
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
	if res := gatherEvidence[activities.CreditAnalysisRef, api.CreditAnalysisResult](ctx, o, evidenceCheck{
		kind: "creditAnalysis", start: a.StartCreditAnalysis, startSummary: "Start the open-banking credit analysis", startFailed: "starting the analysis failed",
		poll: a.AwaitCreditAnalysis, pollSummary: "Poll the credit analysis until COMPLETED", timing: creditAnalysisTiming,
	}, in); res != nil {
		o.status.Evidence.CreditAnalysis = res
		o.note(ctx, "credit analysis completed", "score "+strconv.FormatFloat(res.Score, 'f', -1, 64))
	}
}

func (o *onboarding) requestCreditTerms(ctx workflow.Context) {
	contact := o.in.Contact
	if o.kyc.FormSubmitter != nil && contact.Email == "" {
		contact = *o.kyc.FormSubmitter
	}
	in := activities.CreditTermsInput{
		ExternalID: o.status.WorkflowID,
		Company:    o.in.Company,
		Contact:    contact,
		Address:    o.in.Address,
		Amount:     o.in.Credit.Amount,
		PeriodDays: o.in.Credit.PeriodDays,
	}
	if res := gatherEvidence[activities.CreditTermsRef, api.CreditTermsResult](ctx, o, evidenceCheck{
		kind: "creditTerms", start: a.RequestCreditTerms, startSummary: "Request credit terms (DeepIDV)", startFailed: "the request failed",
		poll: a.AwaitCreditTerms, pollSummary: "Poll the credit terms until COMPLETED", timing: creditTermsTiming,
	}, in); res != nil {
		o.status.Evidence.CreditTerms = res
		o.note(ctx, "credit terms "+strings.ToLower(res.Status), res.ID)
	}
}

// evidenceCheck is a side check that starts at its provider and is then polled for its
// result (credit analysis, credit terms).
type evidenceCheck struct {
	kind                      string // the evidence's key: Evidence.Unavailable, the poll's hints
	start, poll               any    // the activities
	startSummary, pollSummary string
	startFailed               string // what the evidence says when starting fails
	// timing is the poll's interval and maximum wait under the policy current when the poll
	// starts (an extend may change it while the check starts).
	timing func(api.Policy) (interval, maxWait api.Duration)
}

func creditAnalysisTiming(p api.Policy) (api.Duration, api.Duration) {
	return p.CreditAnalysisPoll, p.CreditAnalysisMaxWait
}

func creditTermsTiming(p api.Policy) (api.Duration, api.Duration) {
	return p.CreditTermsPoll, p.CreditTermsMaxWait
}

// gatherEvidence starts c with in and polls it for its result: nil when it could not be had,
// which the evidence then records as unavailable (the rules cannot approve).
func gatherEvidence[Ref, Res any](ctx workflow.Context, o *onboarding, c evidenceCheck, in any) *Res {
	var ref Ref
	if err := o.call(ctx, c.startSummary, c.start, in, &ref); err != nil {
		o.unavailable(ctx, c.kind, c.startFailed+": "+cause(err))
		return nil
	}
	var res Res
	interval, maxWait := c.timing(o.policy())
	if !o.awaitEvidence(ctx, pollSpec{
		Kind: c.kind, Summary: c.pollSummary, Interval: interval.D(), MaxWait: maxWait.D(),
		Activity: c.poll, Arg: func() any { return ref },
	}, &res) {
		return nil
	}
	return &res
}
