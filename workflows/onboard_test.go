package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/workflows"
)

var a *activities.Activities

const (
	wfID   = "onboarding:NO:987654321"
	caseID = "TQ1234567.100000001"
)

var (
	ragnar = api.Person{Name: "Ragnar Lothbrok", BirthDate: "1980-01-01", Email: "ragnar@example.test"}
	// errNotYet is what a poll activity answers while the provider is not done.
	errNotYet = temporal.NewApplicationError("not yet", activities.ErrStillWaiting)
)

// fake plays every provider through mocked activities. Tests change its fields before
// start; counters tell what the workflow asked for.
type fake struct {
	mu sync.Mutex

	priorErr   error
	createErr  error
	createTime time.Duration // how long creating the case takes
	declareAt  time.Duration // the poll finds the declaration this long after start; <0 never
	declareErr error         // the declaration poll fails with this
	signRounds []string      // contract status per signing round: "signed", "expired", "rejected"
	idv        *api.IDVResult
	analysis   func(elapsed time.Duration) (*api.CreditAnalysisResult, error)
	evaluation api.Evaluation
	riskLevel  string
	// recordDelay is how long writing a decision back to Quickr takes.
	recordDelay time.Duration

	start         time.Time
	reopens       int
	decisions     []api.RecordDecisionInput
	notifications []api.Notification
	reminders     []activities.Reminders
	// noEvents: no webhook comes at declareAt (only checks at reminders or the deadline see it).
	noEvents bool
	checks   []activities.CheckCaseInput
	// noBankData: the app never uploads the merchant's bank data (else it does with the
	// declaration).
	noBankData bool
	// recordErr is every RecordDecision's answer; idvExpireFirst lets the first identity
	// session expire unfinished; idvStarts counts the sessions started.
	recordErr      error
	idvDoneAt      time.Duration // the identity session is done this long after start (0: at once)
	idvExpireFirst bool
	idvStarts      int
	analysisInputs []activities.CreditAnalysisInput
	evalInputs     []activities.EvaluateInput
	// evalErrs are the first EvaluateRules calls' answers, one each; notifyErr is every
	// Notify's.
	evalErrs  []error
	notifyErr error
}

// testBankData is the upload the fake app sends.
var testBankData = api.BankDataUpload{Ref: "sha256:" + strings.Repeat("ab", 32), Accounts: 1, Transactions: 52, From: "2026-09-01", To: "2026-11-29", Bytes: 9000, By: "shop"}

func newFake() *fake {
	return &fake{
		signRounds: []string{api.ContractSigned},
		idv:        &api.IDVResult{SessionID: 7, State: "COMPLETED", Match: true},
		analysis: func(time.Duration) (*api.CreditAnalysisResult, error) {
			return &api.CreditAnalysisResult{AnalysisID: "an-1", Score: 82}, nil
		},
		evaluation: api.Evaluation{Decision: "APPROVE", Reason: "Auto approve: clean company", RiskLevel: "LOW"},
	}
}

func (f *fake) snapshot(status, contract string) *api.CaseSnapshot {
	s := &api.CaseSnapshot{ID: caseID, Reference: wfID, Status: status, RiskLevel: f.riskLevel,
		DeclarationURL: "http://sandbox/quickr/forms/" + caseID}
	if status != "FORM_NOT_STARTED" {
		s.DeclaredAt = "2026-11-02T10:00:00Z"
		s.FormSubmitter = &ragnar
	}
	if contract != "" {
		s.Contract = &api.ContractState{ID: "c-1", Status: contract, Signatories: 3}
	}
	return s
}

// signingRound is the case as the current contract round leaves it (signRounds).
func (f *fake) signingRound() *api.CaseSnapshot {
	round := f.signRounds[min(f.reopens, len(f.signRounds)-1)]
	status := "PROCESSING_DETAILS"
	if round == api.ContractSigned {
		status = "READY_FOR_REVIEW"
	}
	s := f.snapshot(status, round)
	if round == api.ContractRejected {
		s.Contract.RejectReason = "wrong company address"
	}
	return s
}

func (f *fake) register(env *testsuite.TestWorkflowEnvironment) {
	f.start = env.Now()
	elapsed := func() time.Duration { return env.Now().Sub(f.start) }
	env.OnActivity(a.LookupPriorKYC, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.PriorKYCInput) (*api.PriorKYC, error) {
			if f.priorErr != nil {
				return nil, f.priorErr
			}
			return &api.PriorKYC{Status: api.PriorKYCNone}, nil
		})
	env.OnActivity(a.CreateKYCCase, mock.Anything, mock.Anything).After(f.createTime).Return(
		func(_ context.Context, in activities.CreateCaseInput) (*api.CaseSnapshot, error) {
			f.mu.Lock()
			err := f.createErr
			f.mu.Unlock()
			if err != nil {
				return nil, err
			}
			return f.snapshot("FORM_NOT_STARTED", ""), nil
		})
	env.OnActivity(a.AwaitDeclaration, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.AwaitCaseInput) (*api.CaseSnapshot, error) {
			f.mu.Lock()
			f.reminders = append(f.reminders, in.Reminders)
			err := f.declareErr
			f.mu.Unlock()
			if err != nil {
				return nil, err
			}
			if f.declareAt < 0 || elapsed() < f.declareAt {
				return nil, errNotYet
			}
			return f.snapshot("PROCESSING_DETAILS", api.ContractUnsigned), nil
		})
	env.OnActivity(a.AwaitSignature, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.AwaitCaseInput) (*api.CaseSnapshot, error) {
			return f.signingRound(), nil
		})
	// From vSparseWaits on nothing polls the case: a webhook at declareAt wakes the
	// declaration wait, and with it comes the signature event; each check reads the case.
	if f.declareAt >= 0 && !f.noEvents {
		env.RegisterDelayedCallback(func() {
			env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "ev-declared", Type: "CASE_STATUS_UPDATED", CaseID: caseID, Status: "PROCESSING_DETAILS"})
			env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "ev-signed", Type: "CONTRACT_SIGNED", CaseID: caseID, Status: "PROCESSING_DETAILS"})
		}, f.declareAt)
	}
	if f.declareAt >= 0 && !f.noBankData {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(api.UpdateSupplyBankData, "bank-data-1", &testsuite.TestUpdateCallback{
				OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {},
			}, testBankData)
		}, f.declareAt)
	}
	env.OnActivity(a.CheckCase, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CheckCaseInput) (*activities.CaseCheck, error) {
			f.mu.Lock()
			f.checks = append(f.checks, in)
			if in.Remind != nil {
				f.reminders = append(f.reminders, in.Remind.Reminders)
			}
			err := f.declareErr
			f.mu.Unlock()
			if in.Wait == activities.WaitDeclaration {
				if err != nil {
					return nil, err
				}
				if f.declareAt < 0 || elapsed() < f.declareAt {
					return &activities.CaseCheck{Case: *f.snapshot("FORM_NOT_STARTED", ""), ReminderSent: in.Remind != nil}, nil
				}
				return &activities.CaseCheck{Case: *f.snapshot("PROCESSING_DETAILS", api.ContractUnsigned), Done: true}, nil
			}
			return &activities.CaseCheck{Case: *f.signingRound(), Done: true}, nil
		})
	env.OnActivity(a.ReopenContract, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.ContractRef) (*api.CaseSnapshot, error) {
			f.reopens++
			s := f.snapshot("PROCESSING_DETAILS", api.ContractUnsigned)
			// The new round's contract expires in a day: the wait checks it then.
			s.Contract.ExpiresAt = env.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
			return s, nil
		})
	env.OnActivity(a.StartIdentityVerification, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.IDVInput) (*activities.IDVSession, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.idvStarts++
			return &activities.IDVSession{ID: int64(6 + f.idvStarts), Token: fmt.Sprintf("tok-%d", f.idvStarts)}, nil
		})
	env.OnActivity(a.AwaitIdentityVerification, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.IDVCheck) (*api.IDVResult, error) {
			if f.idvExpireFirst && in.SessionID == 7 {
				return &api.IDVResult{SessionID: 7, State: api.IDVExpired}, nil
			}
			if elapsed() < f.idvDoneAt {
				return nil, errNotYet
			}
			return f.idv, nil
		})
	env.OnActivity(a.StartCreditAnalysis, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.CreditAnalysisInput) (*activities.CreditAnalysisRef, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.analysisInputs = append(f.analysisInputs, in)
			return &activities.CreditAnalysisRef{CustomerID: "cu-1", AnalysisID: "an-1"}, nil
		})
	env.OnActivity(a.AwaitCreditAnalysis, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.CreditAnalysisRef) (*api.CreditAnalysisResult, error) {
			return f.analysis(elapsed())
		})
	env.OnActivity(a.RequestCreditTerms, mock.Anything, mock.Anything).Return(&activities.CreditTermsRef{ID: "ct-1"}, nil)
	env.OnActivity(a.AwaitCreditTerms, mock.Anything, mock.Anything).Return(&api.CreditTermsResult{ID: "ct-1", Status: "COMPLETED"}, nil)
	env.OnActivity(a.EvaluateRules, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.EvaluateInput) (*api.Evaluation, error) {
			f.mu.Lock()
			f.evalInputs = append(f.evalInputs, in)
			if len(f.evalErrs) > 0 {
				err := f.evalErrs[0]
				f.evalErrs = f.evalErrs[1:]
				f.mu.Unlock()
				return nil, err
			}
			f.mu.Unlock()
			ev := f.evaluation
			return &ev, nil
		})
	env.OnActivity(a.RecordDecision, mock.Anything, mock.Anything).After(f.recordDelay).Return(
		func(_ context.Context, in api.RecordDecisionInput) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.decisions = append(f.decisions, in)
			return f.recordErr
		})
	env.OnActivity(a.Notify, mock.Anything, mock.Anything).Return(
		func(_ context.Context, n api.Notification) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.notifications = append(f.notifications, n)
			return f.notifyErr
		})
}

func (f *fake) notified(typ string) []api.Notification {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []api.Notification
	for _, n := range f.notifications {
		if n.Type == typ {
			out = append(out, n)
		}
	}
	return out
}

func input() api.OnboardingInput {
	return api.OnboardingInput{
		Company: api.Company{OrgNumber: "987654321", Country: "NO", Name: "Ragnarok AS"},
		Contact: ragnar,
		Credit:  api.Credit{Amount: 50000, Currency: "NOK", PeriodDays: 30},
		Policy: api.Policy{
			DeclarationDeadline:      api.Duration(72 * time.Hour),
			DeclarationReminderEvery: api.Duration(24 * time.Hour),
			DeclarationPoll:          api.Duration(time.Hour),
			CreditAnalysisMaxWait:    api.Duration(2 * time.Hour),
			ReviewSLA:                api.Duration(48 * time.Hour),
			ReviewReminderEvery:      api.Duration(24 * time.Hour),
		},
	}
}

func newEnv(t *testing.T, f *fake) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	return newSuiteEnv(t, &s, f)
}

// newSuiteEnv is newEnv from a suite the test has set up (e.g. with a metrics handler).
func newSuiteEnv(t *testing.T, s *testsuite.WorkflowTestSuite, f *fake) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	env := s.NewTestWorkflowEnvironment()
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: wfID})
	workflows.Register(env, a)
	f.register(env)
	return env
}

func result(t *testing.T, env *testsuite.TestWorkflowEnvironment) *api.OnboardingResult {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res api.OnboardingResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return &res
}

func status(t *testing.T, env *testsuite.TestWorkflowEnvironment) api.Status {
	t.Helper()
	v, err := env.QueryWorkflow(api.QueryStatus)
	require.NoError(t, err)
	var st api.Status
	require.NoError(t, v.Get(&st))
	return st
}

// onboard runs one onboarding of input() on f's providers to its end, with nothing else
// happening, and returns the environment (for the status) and the result.
func onboard(t *testing.T, f *fake) (*testsuite.TestWorkflowEnvironment, *api.OnboardingResult) {
	t.Helper()
	env := newEnv(t, f)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	return env, result(t, env)
}

// statusAt reads the status once the test clock has run for after; the answer is there once
// the workflow has run past that time.
func statusAt(t *testing.T, env *testsuite.TestWorkflowEnvironment, after time.Duration) *api.Status {
	t.Helper()
	st := new(api.Status)
	env.RegisterDelayedCallback(func() { *st = status(t, env) }, after)
	return st
}

// timelineAt is when st's timeline last noted event, and whether it did.
func timelineAt(st api.Status, event string) (at time.Time, ok bool) {
	for _, e := range st.Timeline {
		if e.Event == event {
			at, ok = e.At, true
		}
	}
	return at, ok
}

// updateOutcome is what an update came to; the test environment settles updates after the
// callback that sent them returns, so tests read it once the workflow has finished.
type updateOutcome struct {
	res      any
	rejected error // the validator's or handler's error
	done     bool
}

// update sends an update and records its outcome.
func update(env *testsuite.TestWorkflowEnvironment, name string, arg any) *updateOutcome {
	u := &updateOutcome{}
	env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
		OnReject: func(err error) { u.rejected, u.done = err, true },
		OnAccept: func() {},
		OnComplete: func(v any, err error) {
			u.res, u.done = v, true
			if err != nil {
				u.rejected = err
			}
		},
	}, arg)
	return u
}

func decide(env *testsuite.TestWorkflowEnvironment, d api.Decision) *updateOutcome {
	return update(env, api.UpdateDecide, d)
}

// accepted asserts the decide update went through with the given status.
func (u *updateOutcome) accepted(t *testing.T, status string) {
	t.Helper()
	require.True(t, u.done, "update never settled")
	require.NoError(t, u.rejected)
	require.Equal(t, status, u.res.(*api.DecideResult).Status)
}

// refused asserts the update was rejected with a message containing want.
func (u *updateOutcome) refused(t *testing.T, want string) {
	t.Helper()
	require.True(t, u.done, "update never settled")
	require.ErrorContains(t, u.rejected, want)
}

// atReview runs fn an hour in, when the onboarding waits for an agent.
func atReview(t *testing.T, env *testsuite.TestWorkflowEnvironment, fn func()) {
	atReviewAfter(t, env, time.Hour, fn)
}

func atReviewAfter(t *testing.T, env *testsuite.TestWorkflowEnvironment, d time.Duration, fn func()) {
	env.RegisterDelayedCallback(func() {
		require.Equal(t, api.StageAwaitingReview, status(t, env).Stage)
		fn()
	}, d)
}

func TestCleanCompanyIsApprovedByRule(t *testing.T) {
	f := newFake()
	_, res := onboard(t, f)
	require.Equal(t, api.OutcomeApproved, res.Outcome, res.Reason)
	require.Equal(t, "rules: Auto approve: clean company", res.Reason)
	require.True(t, res.Evidence.Identity.Match)
	require.Equal(t, 82.0, res.Evidence.CreditAnalysis.Score)
	require.Equal(t, "COMPLETED", res.Evidence.CreditTerms.Status)
	require.Equal(t, api.PriorKYCNone, res.Evidence.PriorKYC.Status)
	require.Len(t, f.decisions, 1)
	d := f.decisions[0]
	require.Equal(t, api.RecordDecisionInput{CaseID: caseID, Reference: wfID, Status: "ACTIVE", RiskLevel: "LOW", Note: d.Note}, d)
	require.Contains(t, d.Note, res.Reason)
	require.Contains(t, d.Note, "Rules: APPROVE (Auto approve: clean company)", "the note carries the rules' verdict")
	require.Len(t, f.notified(api.NotifyDeclarationURL), 1)
	require.Len(t, f.notified(api.NotifyFinished), 1)
}

func TestSanctionedCompanyIsDeclinedByRule(t *testing.T) {
	f := newFake()
	f.evaluation = api.Evaluation{Decision: "DECLINE", Reason: "Auto decline: sanctions", RiskLevel: "HIGH"}
	_, res := onboard(t, f)
	require.Equal(t, api.OutcomeDeclined, res.Outcome)
	require.Equal(t, "DECLINED", f.decisions[0].Status)
	require.Equal(t, "HIGH", res.RiskLevel)
}

func TestManualReview(t *testing.T) {
	for _, tt := range []struct {
		decision string
		want     api.Outcome
		status   string
	}{
		{api.DecisionApprove, api.OutcomeApproved, "ACTIVE"},
		{api.DecisionDecline, api.OutcomeDeclined, "DECLINED"},
	} {
		t.Run(tt.decision, func(t *testing.T) {
			f := newFake()
			f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "no automation fired", RiskLevel: "MEDIUM"}
			env := newEnv(t, f)
			var u *updateOutcome
			atReview(t, env, func() {
				st := status(t, env)
				require.Contains(t, st.ReviewReasons[0], "could not decide")
				u = decide(env, api.Decision{Decision: tt.decision, Agent: "agent.smith", Reason: "checked the documents"})
			})
			env.ExecuteWorkflow(workflows.OnboardMerchant, input())

			u.accepted(t, "decided")
			res := result(t, env)
			require.Equal(t, tt.want, res.Outcome)
			require.Equal(t, "agent.smith", res.Decision.Agent)
			require.Equal(t, tt.status, f.decisions[0].Status)
			require.Contains(t, f.decisions[0].Note, "checked the documents")
			require.Contains(t, f.decisions[0].Note, "Reviewed because: the rules could not decide")
			require.Len(t, f.notified(api.NotifyReviewNeeded), 1)
		})
	}
}

func TestHighRiskApprovalNeedsTwoAgents(t *testing.T) {
	f := newFake()
	f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "PEP", RiskLevel: "HIGH"}
	env := newEnv(t, f)
	var first, again, second *updateOutcome
	atReview(t, env, func() { first = decide(env, api.Decision{Decision: "approve", Agent: "alice"}) })
	env.RegisterDelayedCallback(func() {
		require.Equal(t, api.StageAwaitingReview, status(t, env).Stage, "one approval is not enough")
		again = decide(env, api.Decision{Decision: "approve", Agent: "ALICE"})
	}, 2*time.Hour)
	env.RegisterDelayedCallback(func() { second = decide(env, api.Decision{Decision: "approve", Agent: "bob"}) }, 3*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	first.accepted(t, "awaiting_second_approval")
	again.refused(t, "two different agents")
	second.accepted(t, "decided")
	res := result(t, env)
	require.Equal(t, api.OutcomeApproved, res.Outcome)
	st := status(t, env)
	require.Len(t, st.Approvals, 2)
}

func TestDecideRejections(t *testing.T) {
	f := newFake()
	f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "no automation fired", RiskLevel: "LOW"}
	f.recordDelay = time.Minute // a decision arriving meanwhile finds the onboarding decided
	env := newEnv(t, f)
	var early, decline, late *updateOutcome
	env.RegisterDelayedCallback(func() {
		early = decide(env, api.Decision{Decision: "approve", Agent: "alice"})
	}, time.Nanosecond)
	cases := []struct {
		d    api.Decision
		want string
		out  *updateOutcome
	}{
		{d: api.Decision{Decision: "maybe", Agent: "alice"}, want: `"approve" or "decline"`},
		{d: api.Decision{Decision: "approve"}, want: "agent is required"},
		{d: api.Decision{Decision: "approve", Agent: "alice", RiskLevel: "EXTREME"}, want: "riskLevel"},
	}
	atReview(t, env, func() {
		for i := range cases {
			cases[i].out = decide(env, cases[i].d)
		}
	})
	env.RegisterDelayedCallback(func() {
		require.Equal(t, api.StageAwaitingReview, status(t, env).Stage, "rejected updates change nothing")
		decline = decide(env, api.Decision{Decision: "decline", Agent: "alice"})
	}, 2*time.Hour)
	env.RegisterDelayedCallback(func() { late = decide(env, api.Decision{Decision: "approve", Agent: "bob"}) }, 2*time.Hour+time.Second)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	early.refused(t, "decisions are taken only in")
	for _, c := range cases {
		c.out.refused(t, c.want)
	}
	decline.accepted(t, "decided")
	late.refused(t, "already decided")
	require.Equal(t, api.OutcomeDeclined, result(t, env).Outcome)
}

// A signal carries no proof of who sent it, so decisions by signal are refused and recorded;
// the onboarding goes on waiting for a decision by update.
func TestAgentDecisionSignalIsRefused(t *testing.T) {
	f := newFake()
	f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "no automation fired", RiskLevel: "LOW"}
	env := newEnv(t, f)
	atReview(t, env, func() {
		env.SignalWorkflow(api.SignalAgentDecision, api.Decision{Decision: "approve", Agent: "ui.operator"})
	})
	env.RegisterDelayedCallback(func() {
		st := status(t, env)
		require.Len(t, st.RejectedDecisions, 1)
		require.Contains(t, st.RejectedDecisions[0].Reason, "decisions by signal are not accepted")
		require.Equal(t, api.StageAwaitingReview, st.Stage)
		require.Nil(t, st.Decision)
		decide(env, api.Decision{Decision: "approve", Agent: "alice"})
	}, 2*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	res := result(t, env)
	require.Equal(t, api.OutcomeApproved, res.Outcome)
	require.Equal(t, "alice", res.Decision.Agent)
}

// The four-eyes bypasses: a HIGH risk set by a first approval sticks, and names that look the
// same or differ only in case, spaces or invisible characters are one agent (or refused).
func TestFourEyesCannotBeBypassed(t *testing.T) {
	for _, tt := range []struct {
		name   string
		second api.Decision
		want   string
	}{
		{"a second approval without --risk", api.Decision{Decision: "approve", Agent: "alice"}, "two different agents"},
		{"a second approval lowering the risk", api.Decision{Decision: "approve", Agent: "alice", RiskLevel: "LOW"}, "two different agents"},
		{"trailing space", api.Decision{Decision: "approve", Agent: "alice "}, "two different agents"},
		{"upper case", api.Decision{Decision: "approve", Agent: "ALICE"}, "two different agents"},
		{"fullwidth letters (NFKC)", api.Decision{Decision: "approve", Agent: "ａｌｉｃｅ"}, "two different agents"},
		{"Cyrillic a", api.Decision{Decision: "approve", Agent: "\u0430lice"}, "has U+"},
		{"zero-width space", api.Decision{Decision: "approve", Agent: "alice\u200b"}, "has U+"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "thin file", RiskLevel: "MEDIUM"}
			env := newEnv(t, f)
			var first, again, other *updateOutcome
			atReview(t, env, func() {
				first = decide(env, api.Decision{Decision: "approve", Agent: "alice", RiskLevel: "HIGH"})
			})
			env.RegisterDelayedCallback(func() { again = decide(env, tt.second) }, 2*time.Hour)
			env.RegisterDelayedCallback(func() {
				require.Equal(t, api.StageAwaitingReview, status(t, env).Stage, "one agent alone never approves")
				other = decide(env, api.Decision{Decision: "approve", Agent: "bob"})
			}, 3*time.Hour)
			env.ExecuteWorkflow(workflows.OnboardMerchant, input())
			first.accepted(t, "awaiting_second_approval")
			again.refused(t, tt.want)
			other.accepted(t, "decided")
			require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
			require.Equal(t, "HIGH", f.decisions[len(f.decisions)-1].RiskLevel, "the HIGH risk the first approval set is what Quickr records")
		})
	}
}

func TestReviewRemindersEscalateWithoutDeciding(t *testing.T) {
	f := newFake()
	f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "no automation fired", RiskLevel: "LOW"}
	env := newEnv(t, f)
	var reviewStart time.Time
	atReview(t, env, func() { reviewStart = status(t, env).Deadlines["reviewSla"].Add(-48 * time.Hour) })
	// SLA 48h, then every 24h: reminders at 48h, 72h, 96h after review began.
	env.RegisterDelayedCallback(func() {
		require.Len(t, f.notified(api.NotifyReviewOverdue), 3)
		st := status(t, env)
		require.Equal(t, api.StageAwaitingReview, st.Stage, "no automatic decision")
		decide(env, api.Decision{Decision: "approve", Agent: "late.agent"})
	}, time.Hour+100*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	overdue := f.notified(api.NotifyReviewOverdue)
	require.WithinDuration(t, reviewStart.Add(48*time.Hour), overdue[0].At, time.Minute)
	require.WithinDuration(t, reviewStart.Add(72*time.Hour), overdue[1].At, time.Minute)
}

func TestDeclarationDeadlineExpires(t *testing.T) {
	f := newFake()
	f.declareAt = -1
	env, res := onboard(t, f)
	require.Equal(t, api.OutcomeExpired, res.Outcome)
	require.Contains(t, res.Reason, "declaration deadline")
	require.WithinDuration(t, f.start.Add(72*time.Hour), env.Now(), time.Minute)
	require.Equal(t, "ARCHIVED", f.decisions[0].Status, "the case is archived")
	// Daily reminders over three days: the third would fall due at the deadline itself,
	// when the onboarding expires instead.
	require.Equal(t, 2, status(t, env).RemindersSent["declaration"], "daily reminders before the deadline")
}

func TestDeclarationRemindersTravelWithThePoll(t *testing.T) {
	f := newFake()
	f.declareAt = 30 * time.Hour
	_, res := onboard(t, f)
	require.Equal(t, api.OutcomeApproved, res.Outcome)
	// Every poll attempt carries the same plan: reminders are due at since + k*24h.
	require.NotEmpty(t, f.reminders)
	for _, r := range f.reminders {
		require.Equal(t, wfID, r.WorkflowID)
		require.Equal(t, "declaration", r.Kind)
		require.Equal(t, 24*time.Hour, r.Every)
		require.WithinDuration(t, f.start, r.Since, time.Minute)
	}
}

func TestDeclarationDeadlineExtended(t *testing.T) {
	f := newFake()
	f.declareAt = 100 * time.Hour  // after the original 72h deadline
	f.recordDelay = 20 * time.Hour // keeps it running well after the declaration
	env := newEnv(t, f)
	var shorten, extend, afterDeclared *updateOutcome
	env.RegisterDelayedCallback(func() {
		shorten = update(env, api.UpdateExtendDeadline, api.DeadlineChange{ExtendBy: api.Duration(-time.Hour)})
		extend = update(env, api.UpdateExtendDeadline, api.DeadlineChange{ExtendBy: api.Duration(48 * time.Hour), By: "ops", Reason: "merchant asked"})
	}, 10*time.Hour)
	env.RegisterDelayedCallback(func() {
		require.Equal(t, api.StageAwaitingDeclaration, status(t, env).Stage, "still waiting past the original 72h deadline")
	}, 80*time.Hour)
	env.RegisterDelayedCallback(func() {
		afterDeclared = update(env, api.UpdateExtendDeadline, api.DeadlineChange{ExtendBy: api.Duration(time.Hour)})
	}, 110*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	shorten.refused(t, "only move later")
	require.NoError(t, extend.rejected)
	require.WithinDuration(t, f.start.Add(120*time.Hour), extend.res.(*api.Status).Deadlines["declaration"], time.Minute)
	afterDeclared.refused(t, "already in")
}

func TestContractExpiryRenewalThenSigned(t *testing.T) {
	f := newFake()
	f.signRounds = []string{api.ContractExpired, api.ContractSigned}
	env, res := onboard(t, f)
	require.Equal(t, api.OutcomeApproved, res.Outcome)
	require.Equal(t, 1, f.reopens)
	require.Equal(t, 1, status(t, env).RenewalsUsed)
	require.Len(t, f.notified(api.NotifyContractRenewed), 1)
}

func TestRenewalsExhausted(t *testing.T) {
	f := newFake()
	f.signRounds = []string{api.ContractExpired}
	_, res := onboard(t, f)
	require.Equal(t, api.OutcomeExpired, res.Outcome)
	require.Contains(t, res.Reason, "2 renewal(s)")
	require.Equal(t, 2, f.reopens, "the default policy renews twice")
	require.Equal(t, "ARCHIVED", f.decisions[0].Status)
}

func TestSignatureRejectedGoesToReview(t *testing.T) {
	f := newFake()
	f.signRounds = []string{api.ContractRejected}
	env := newEnv(t, f)
	atReview(t, env, func() {
		require.Contains(t, status(t, env).ReviewReasons[0], "wrong company address")
		decide(env, api.Decision{Decision: "decline", Agent: "agent.smith"})
	})
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, api.OutcomeDeclined, result(t, env).Outcome)
}

func TestIdentityMismatchGoesToReview(t *testing.T) {
	f := newFake()
	f.idv = &api.IDVResult{SessionID: 7, State: "COMPLETED", Match: false, Mismatches: []string{"birthDate"}}
	env := newEnv(t, f)
	atReview(t, env, func() {
		reasons := status(t, env).ReviewReasons
		require.Len(t, reasons, 1, "each reason once: %v", reasons)
		require.Contains(t, reasons[0], "birthDate")
		decide(env, api.Decision{Decision: "approve", Agent: "agent.smith"})
	})
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome, "the rules alone would have approved")
}

func TestCreditAnalysisNeverCompletes(t *testing.T) {
	f := newFake()
	f.analysis = func(time.Duration) (*api.CreditAnalysisResult, error) { return nil, errNotYet }
	f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "credit_analysis_score missing", RiskLevel: "LOW"}
	env := newEnv(t, f)
	atReviewAfter(t, env, 3*time.Hour, func() {
		st := status(t, env)
		require.Contains(t, st.Evidence.Unavailable["creditAnalysis"], "not completed within 2h")
		decide(env, api.Decision{Decision: "decline", Agent: "agent.smith"})
	})
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, api.OutcomeDeclined, result(t, env).Outcome)
}

func TestCreditroDownDoesNotBlock(t *testing.T) {
	f := newFake()
	f.priorErr = temporal.NewApplicationError("creditro: HTTP 503", activities.ErrProviderUnavailable)
	_, res := onboard(t, f)
	require.Equal(t, api.OutcomeApproved, res.Outcome)
	require.Equal(t, api.PriorKYCUnavailable, res.Evidence.PriorKYC.Status)
	require.Contains(t, res.Evidence.PriorKYC.Reason, "503")
}

func TestProviderRejectionFailsWithReason(t *testing.T) {
	f := newFake()
	f.createErr = temporal.NewNonRetryableApplicationError("quickr create case: HTTP 400 validation_error: sections must be non-empty", activities.ErrProviderRejected, nil)
	_, res := onboard(t, f)
	require.Equal(t, api.OutcomeFailed, res.Outcome)
	require.Contains(t, res.Reason, "HTTP 400")
}

func TestCaseOfAnotherOnboardingEndsItFailed(t *testing.T) {
	f := newFake()
	f.declareErr = temporal.NewNonRetryableApplicationError(`case TQ1234567.100000001 belongs to "onboarding:NO:987123654"`, activities.ErrCaseMismatch, nil)
	_, res := onboard(t, f) // a result, not a failed workflow
	require.Equal(t, api.OutcomeFailed, res.Outcome)
	require.Contains(t, res.Reason, "belongs to")
	require.Empty(t, f.decisions, "nothing is written to a case that is not ours")
}

func TestWebhookHintsMoveItOnAtOnce(t *testing.T) {
	f := newFake()
	f.declareAt = 5*time.Hour + 5*time.Minute // before the webhook below
	f.noEvents = true
	env := newEnv(t, f)
	var hinted time.Time
	env.RegisterDelayedCallback(func() {
		// Early, duplicate and out-of-order events: only the declared status is a hint.
		ev := func(id, st string) api.CaseEvent {
			return api.CaseEvent{EventID: id, Type: "CASE_STATUS_UPDATED", CaseID: caseID, Status: st}
		}
		env.SignalWorkflow(api.SignalCaseEvent, ev("e1", "FORM_IN_PROGRESS"))
		env.SignalWorkflow(api.SignalCaseEvent, ev("e1", "FORM_IN_PROGRESS"))
		other := ev("x1", "READY_FOR_REVIEW")
		other.CaseID = "TQ1234567.999999999"
		env.SignalWorkflow(api.SignalCaseEvent, other)
	}, 90*time.Minute)
	env.RegisterDelayedCallback(func() {
		st := status(t, env)
		require.Equal(t, 1, st.EventsReceived, "a duplicate counts once; another case's event not at all")
		require.Equal(t, api.StageAwaitingDeclaration, st.Stage)
		hinted = env.Now()
		env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "e3", Type: "CASE_STATUS_UPDATED", CaseID: caseID, Status: "PROCESSING_DETAILS"})
		env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "e2", Type: "CASE_STATUS_UPDATED", CaseID: caseID, Status: "FORM_IN_PROGRESS"})
	}, 5*time.Hour+10*time.Minute)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	st := status(t, env)
	require.Equal(t, "READY_FOR_REVIEW", st.CaseStatus, "late events never move the status back")
	declared, _ := timelineAt(st, "declaration submitted")
	require.WithinDuration(t, hinted, declared, time.Minute, "the webhook, not the next hourly poll, moved it on")
}

func TestEarlyEventBeforeTheCaseExists(t *testing.T) {
	f := newFake()
	f.createTime = 10 * time.Minute // Quickr is slow to answer; its webhook is not
	f.noEvents = true
	env := newEnv(t, f)
	env.RegisterDelayedCallback(func() {
		require.Equal(t, api.StageCreatingCase, status(t, env).Stage)
		env.SignalWorkflow(api.SignalCaseEvent, api.CaseEvent{EventID: "early", Type: "CASE_STATUS_UPDATED", CaseID: caseID, Status: "PROCESSING_DETAILS"})
	}, time.Minute)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)
	st := status(t, env)
	require.Equal(t, 1, st.EventsReceived, "the early event was kept, not lost or doubled")
	require.Len(t, f.notified(api.NotifyDeclarationURL), 1)
}

func TestCancellationArchivesTheCase(t *testing.T) {
	f := newFake()
	f.declareAt = -1
	env := newEnv(t, f)
	env.RegisterDelayedCallback(env.CancelWorkflow, 5*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	res := result(t, env)
	require.Equal(t, api.OutcomeCancelled, res.Outcome)
	require.Equal(t, []api.RecordDecisionInput{{CaseID: caseID, Reference: wfID, Status: "ARCHIVED", Note: "Onboarding ended: cancelled"}}, f.decisions)
	require.Len(t, f.notified(api.NotifyFinished), 1)
}

func TestInvalidInput(t *testing.T) {
	f := newFake()
	env := newEnv(t, f)
	in := input()
	in.Company.Country = "Norway"
	in.Credit.PeriodDays = 45
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)
	require.True(t, env.IsWorkflowCompleted())
	var ae *temporal.ApplicationError
	require.True(t, errors.As(env.GetWorkflowError(), &ae))
	require.Equal(t, activities.ErrInvalidInput, ae.Type())
	require.Contains(t, ae.Error(), "company.country")
	require.Contains(t, ae.Error(), "periodDays")
}

func TestWorkflowID(t *testing.T) {
	require.Equal(t, "onboarding:NO:987654321", api.WorkflowID(" no", "987654321 "))
}
