package activities_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/quickr"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

func TestCreateKYCCaseIsIdempotent(t *testing.T) {
	e := newEnv(t)
	first := e.createCase(orgRagnarok)
	require.Equal(t, quickr.StatusFormNotStarted, first.Status)
	require.False(t, first.Existing)
	require.NotEmpty(t, first.DeclarationURL)
	require.Nil(t, first.Contract, "no contract before the declaration")

	again := e.createCase(orgRagnarok)
	require.True(t, again.Existing)
	require.Equal(t, first.ID, again.ID)
	require.Equal(t, 1, e.sb.Counters().Get(refFor(orgRagnarok), sandbox.CountCases))
}

func TestAwaitDeclaration(t *testing.T) {
	e := newEnv(t)
	c := e.createCase(orgRagnarok)
	in := activities.AwaitCaseInput{CaseID: c.ID}

	_, err := run[api.CaseSnapshot](e, nil, e.acts.AwaitDeclaration, in)
	requireWaiting(t, err)

	e.declare(orgRagnarok)
	snap := must[api.CaseSnapshot](e, e.acts.AwaitDeclaration, in)
	require.True(t, snap.Declared())
	require.Equal(t, quickr.StatusProcessingDetails, snap.Status, "waiting for signatures")
	require.Equal(t, "Ragnar Lothbrok", snap.FormSubmitter.Name)
	require.Equal(t, "1980-01-01", snap.FormSubmitter.BirthDate)
	require.NotNil(t, snap.Contract)
	require.Equal(t, api.ContractUnsigned, snap.Contract.Status)
	require.Equal(t, 3, snap.Contract.Signatories)
	require.Zero(t, snap.Contract.Signed)
	require.Equal(t, t0.Add(30*24*time.Hour).Format(time.RFC3339), snap.Contract.ExpiresAt)
	require.Empty(t, e.app.all(), "no reminders without a cadence")

	_, err = run[api.CaseSnapshot](e, nil, e.acts.AwaitDeclaration, activities.AwaitCaseInput{})
	require.Equal(t, activities.ErrInvalidInput, errType(err))
}

func TestRemindersAreSentOnceAcrossAttempts(t *testing.T) {
	e := newEnv(t)
	c := e.createCase(orgRagnarok)
	day := 24 * time.Hour
	in := activities.AwaitCaseInput{CaseID: c.ID, Reminders: activities.Reminders{
		WorkflowID: refFor(orgRagnarok), Kind: "declaration", Since: t0, Every: 2 * day, Max: 3, Detail: c.DeclarationURL,
	}}
	// attempt runs one poll attempt with the heartbeat details a previous attempt left and
	// returns the count this attempt recorded.
	attempt := func(prev *int) int {
		t.Helper()
		ae := e.activityEnv()
		recorded := -1
		if prev != nil {
			ae.SetHeartbeatDetails(*prev)
			recorded = *prev // a retry keeps the details when the attempt records none
		}
		ae.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
			require.NoError(t, d.Get(&recorded))
		})
		_, err := run[api.CaseSnapshot](e, ae, e.acts.AwaitDeclaration, in)
		requireWaiting(t, err)
		return recorded
	}

	n := attempt(nil) // t0: nothing due
	require.Equal(t, -1, n, "nothing recorded")
	require.Empty(t, e.app.all())

	e.clock.Advance(2*day + time.Hour) // reminder 1 due
	n = attempt(nil)
	require.Equal(t, 1, n)
	n = attempt(&n) // the next poll: nothing new
	n = attempt(&n)
	require.Equal(t, 1, n)
	require.Equal(t, []string{refFor(orgRagnarok) + "/reminder/declaration/1"}, e.app.ids())

	first := e.app.all()[0]
	require.Equal(t, api.NotifyReminder, first.N.Type)
	require.Equal(t, t0.Add(2*day), first.N.At, "stamped with its due time")
	require.Equal(t, c.DeclarationURL, first.N.Data["detail"])
	require.EqualValues(t, 1, first.N.Data["reminder"])
	require.Equal(t, first.N.ID, verify(t, first, e.clock.Now()))
	require.Equal(t, first.N.ID, first.Header.Get(activities.HeaderIdempotencyKey))

	e.clock.Advance(5 * day) // reminders 2 and 3 due at once: only the newest is sent
	n = attempt(&n)
	require.Equal(t, 3, n)
	e.clock.Advance(10 * day) // Max reached
	n = attempt(&n)
	require.Equal(t, 3, n)
	require.Equal(t, []string{refFor(orgRagnarok) + "/reminder/declaration/1", refFor(orgRagnarok) + "/reminder/declaration/3"}, e.app.ids())

	// Once declared, the snapshot reports the count from the heartbeat details.
	e.declare(orgRagnarok)
	ae := e.activityEnv()
	ae.SetHeartbeatDetails(n)
	snap, err := run[api.CaseSnapshot](e, ae, e.acts.AwaitDeclaration, in)
	require.NoError(t, err)
	require.Equal(t, 3, snap.RemindersSent)
}

func TestReminderFailuresNeverFailTheWait(t *testing.T) {
	e := newEnv(t)
	c := e.createCase(orgRagnarok)
	in := activities.AwaitCaseInput{CaseID: c.ID, Reminders: activities.Reminders{WorkflowID: "wf", Kind: "declaration", Since: t0, Every: time.Hour}}
	e.clock.Advance(90 * time.Minute)

	e.app.answer(http.StatusServiceUnavailable) // transient: not counted, sent again next poll
	ae := e.activityEnv()
	recorded := -1
	ae.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) { require.NoError(t, d.Get(&recorded)) })
	_, err := run[api.CaseSnapshot](e, ae, e.acts.AwaitDeclaration, in)
	requireWaiting(t, err)
	require.Equal(t, -1, recorded)

	e.app.answer(http.StatusBadRequest) // refused: counted, never retried
	_, err = run[api.CaseSnapshot](e, ae, e.acts.AwaitDeclaration, in)
	requireWaiting(t, err)
	require.Equal(t, 1, recorded)
	require.Equal(t, []string{"wf/reminder/declaration/1", "wf/reminder/declaration/1"}, e.app.ids())
}

func TestAwaitSignature(t *testing.T) {
	e := newEnv(t)
	c := e.createCase(orgRagnarok)
	in := activities.AwaitCaseInput{CaseID: c.ID}

	_, err := run[api.CaseSnapshot](e, nil, e.acts.AwaitSignature, in)
	requireWaiting(t, err) // not even declared

	e.declare(orgRagnarok)
	_, err = run[api.CaseSnapshot](e, nil, e.acts.AwaitSignature, in)
	requireWaiting(t, err)

	e.control(http.MethodPost, "/control/quickr/cases/"+refFor(orgRagnarok)+"/sign", `{"signatory":"Ragnar Lothbrok"}`)
	_, err = run[api.CaseSnapshot](e, nil, e.acts.AwaitSignature, in)
	requireWaiting(t, err)

	e.control(http.MethodPost, "/control/quickr/cases/"+refFor(orgRagnarok)+"/sign", "")
	snap := must[api.CaseSnapshot](e, e.acts.AwaitSignature, in)
	require.Equal(t, quickr.StatusReadyForReview, snap.Status, "checks ran after the last signature")
	require.Equal(t, api.ContractSigned, snap.Contract.Status)
	require.Equal(t, 3, snap.Contract.Signed)
	require.Equal(t, 3, snap.Contract.Signatories)
	require.NotEmpty(t, snap.Contract.ID)
	require.Equal(t, "LOW", snap.RiskLevel)
}

func TestContractExpiresAndIsReopenedOnce(t *testing.T) {
	e := newEnv(t)
	c := e.createCase(orgRagnarok)
	e.declare(orgRagnarok)
	in := activities.AwaitCaseInput{CaseID: c.ID}

	e.clock.Advance(30*24*time.Hour + time.Minute) // the contract expires by itself
	expired := must[api.CaseSnapshot](e, e.acts.AwaitSignature, in)
	require.Equal(t, api.ContractExpired, expired.Contract.Status)
	require.True(t, expired.Contract.Settled())

	ref := activities.ContractRef{CaseID: c.ID, ContractID: expired.Contract.ID}
	reopened := must[api.CaseSnapshot](e, e.acts.ReopenContract, ref)
	require.Equal(t, api.ContractUnsigned, reopened.Contract.Status)
	require.Equal(t, e.clock.Now().Add(30*24*time.Hour).Format(time.RFC3339), reopened.Contract.ExpiresAt)

	e.reopenContract(orgRagnarok, ref, api.ContractUnsigned) // a retry after a lost response

	_, err := run[api.CaseSnapshot](e, nil, e.acts.AwaitSignature, in)
	requireWaiting(t, err)
	e.control(http.MethodPost, "/control/quickr/cases/"+refFor(orgRagnarok)+"/sign", "")
	done := must[api.CaseSnapshot](e, e.acts.AwaitSignature, in)
	require.Equal(t, api.ContractSigned, done.Contract.Status)
	require.Equal(t, quickr.StatusReadyForReview, done.Status)

	// Nothing to re-open on a signed contract: the case comes back as it is.
	e.reopenContract(orgRagnarok, activities.ContractRef{CaseID: c.ID}, api.ContractSigned)
}

func TestContractExpiredByControlEndpoint(t *testing.T) {
	e := newEnv(t)
	c := e.expiredContractCase(orgFloki)
	snap := must[api.CaseSnapshot](e, e.acts.AwaitSignature, activities.AwaitCaseInput{CaseID: c.ID})
	require.Equal(t, api.ContractExpired, snap.Contract.Status)
	require.Equal(t, e.clock.Now().Format(time.RFC3339), snap.Contract.ExpiresAt)
}

func TestContractRejected(t *testing.T) {
	e := newEnv(t)
	c := e.createCase(orgRagnarok)
	e.declare(orgRagnarok)
	e.control(http.MethodPost, "/control/quickr/cases/"+refFor(orgRagnarok)+"/reject", `{"signatory":"Bjorn Ironside","reason":"wrong credit limit"}`)
	snap := must[api.CaseSnapshot](e, e.acts.AwaitSignature, activities.AwaitCaseInput{CaseID: c.ID})
	require.Equal(t, api.ContractRejected, snap.Contract.Status)
	require.Equal(t, "wrong credit limit (Bjorn Ironside)", snap.Contract.RejectReason)

	// A rejected contract can be re-opened too.
	reopened := must[api.CaseSnapshot](e, e.acts.ReopenContract, activities.ContractRef{CaseID: c.ID})
	require.Equal(t, api.ContractUnsigned, reopened.Contract.Status)
	require.Empty(t, reopened.Contract.RejectReason)
}

func TestClosedContractCannotBeReopened(t *testing.T) {
	e := newEnv(t)
	c := e.createCase(orgRagnarok)
	e.declare(orgRagnarok)
	e.control(http.MethodPost, "/control/quickr/cases/"+refFor(orgRagnarok)+"/close", "")
	snap := must[api.CaseSnapshot](e, e.acts.AwaitSignature, activities.AwaitCaseInput{CaseID: c.ID})
	require.Equal(t, api.ContractClosed, snap.Contract.Status)

	_, err := run[api.CaseSnapshot](e, nil, e.acts.ReopenContract, activities.ContractRef{CaseID: c.ID})
	require.Equal(t, activities.ErrProviderRejected, errType(err), "%v", err)
	require.True(t, activities.IsRejected(err))
}

// lostReopen re-opens the contract and then answers 409, as Quickr would to a retry whose
// first attempt succeeded but lost its response.
type lostReopen struct{ *quickr.Client }

func (l lostReopen) ReopenContract(ctx context.Context, caseID, contractID string) (*quickr.ContractDetails, error) {
	if _, err := l.Client.ReopenContract(ctx, caseID, contractID); err != nil {
		return nil, err
	}
	return nil, &providers.Error{Provider: "quickr", Op: "reopen contract", Status: http.StatusConflict, Code: "contract_reopened", Message: "already re-opened"}
}

func TestReopenContractConflictAfterSuccessIsSuccess(t *testing.T) {
	e := newEnv(t)
	c := e.expiredContractCase(orgRagnarok)
	e.acts.Quickr = lostReopen{e.quickr}

	e.reopenContract(orgRagnarok, activities.ContractRef{CaseID: c.ID}, api.ContractUnsigned)
}

func TestReopenContractInput(t *testing.T) {
	e := newEnv(t)
	c := e.createCase(orgRagnarok)
	_, err := run[api.CaseSnapshot](e, nil, e.acts.ReopenContract, activities.ContractRef{CaseID: c.ID})
	require.Equal(t, activities.ErrInvalidInput, errType(err), "no contract before the declaration")

	e.declare(orgRagnarok)
	e.expire(orgRagnarok)
	_, err = run[api.CaseSnapshot](e, nil, e.acts.ReopenContract, activities.ContractRef{CaseID: c.ID, ContractID: "5a0dc0de-0000-4000-8000-999999999999"})
	require.Equal(t, activities.ErrInvalidInput, errType(err), "another case's contract")
}

func TestRecordDecision(t *testing.T) {
	tests := []struct {
		name        string
		in          api.RecordDecisionInput
		wantSection string
		wantBody    string
		wantRisk    string
	}{
		{"approve", api.RecordDecisionInput{Status: "ACTIVE", RiskLevel: "LOW", Note: "approved by the rules"}, quickr.NoteSectionCaseApproved, "approved by the rules", "LOW"},
		{"decline", api.RecordDecisionInput{Status: "DECLINED", RiskLevel: "HIGH", Note: "sanctions"}, quickr.NoteSectionCaseDeclined, "sanctions", "HIGH"},
		{"archive without a note", api.RecordDecisionInput{Status: "ARCHIVED"}, quickr.NoteSectionAll, "Onboarding decision: ARCHIVED.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.createCase(orgRagnarok)
			tt.in.CaseID = c.ID
			for range 2 { // the second run is a retry: nothing is written twice
				_, err := e.activityEnv().ExecuteActivity(e.acts.RecordDecision, tt.in)
				require.NoError(t, err)
			}
			got, err := e.quickr.GetCase(ctx, c.ID)
			require.NoError(t, err)
			require.Equal(t, tt.in.Status, got.Status)
			require.Equal(t, tt.in.Status, got.AgentDeterminedStatus)
			require.Equal(t, tt.wantRisk, got.AgentDeterminedRiskLevel)
			notes, err := e.quickr.ListNotes(ctx, c.ID, quickr.PageParams{Limit: 100})
			require.NoError(t, err)
			require.Len(t, notes.Data, 1)
			require.Equal(t, tt.wantSection, notes.Data[0].Section)
			require.Equal(t, tt.wantBody, notes.Data[0].Body)
			counts := e.sb.Counters().For(refFor(orgRagnarok))
			require.Equal(t, 1, counts[sandbox.CountDecisions])
			require.Equal(t, 1, counts[sandbox.CountNotes])
		})
	}
}

func TestRecordDecisionInput(t *testing.T) {
	e := newEnv(t)
	for _, in := range []api.RecordDecisionInput{
		{Status: "ACTIVE"},
		{CaseID: "TQ1234567.100000001", Status: "MAYBE"},
		{CaseID: "TQ1234567.100000001", Status: "ACTIVE", RiskLevel: "EXTREME"},
	} {
		_, err := e.activityEnv().ExecuteActivity(e.acts.RecordDecision, in)
		require.Equal(t, activities.ErrInvalidInput, errType(err), "%+v", in)
	}
	_, err := e.activityEnv().ExecuteActivity(e.acts.RecordDecision, api.RecordDecisionInput{CaseID: "TQ1234567.199999999", Status: "ACTIVE"})
	require.Equal(t, activities.ErrProviderRejected, errType(err), "unknown case: 404")
}

func TestMissingQuickrIsNotConfigured(t *testing.T) {
	e := newEnv(t)
	e.acts.Quickr = nil
	_, err := run[api.CaseSnapshot](e, nil, e.acts.GetKYCCase, activities.CaseRef{CaseID: "x"})
	require.Equal(t, activities.ErrNotConfigured, errType(err))
	require.True(t, activities.IsRejected(err))
}

// TestCaseOfAnotherOnboardingIsRefused: a case id that now names another onboarding's case
// (a provider that lost its data and reused ids) must stop the onboarding, never feed it.
func TestCaseOfAnotherOnboardingIsRefused(t *testing.T) {
	e := newEnv(t)
	snap := e.createCase(orgRagnarok)
	other := refFor("000000000")
	for name, call := range map[string]struct {
		fn any
		in any
	}{
		"GetKYCCase":       {e.acts.GetKYCCase, activities.CaseRef{CaseID: snap.ID, Reference: other}},
		"AwaitDeclaration": {e.acts.AwaitDeclaration, activities.AwaitCaseInput{CaseID: snap.ID, Reference: other}},
		"AwaitSignature":   {e.acts.AwaitSignature, activities.AwaitCaseInput{CaseID: snap.ID, Reference: other}},
		"EvaluateRules":    {e.acts.EvaluateRules, activities.EvaluateInput{CaseID: snap.ID, Reference: other}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.activityEnv().ExecuteActivity(call.fn, call.in)
			require.Error(t, err)
			require.Equal(t, activities.ErrCaseMismatch, errType(err))
			require.True(t, activities.IsRejected(err), "never retried")
		})
	}
	_, err := e.activityEnv().ExecuteActivity(e.acts.RecordDecision, api.RecordDecisionInput{CaseID: snap.ID, Reference: other, Status: "ACTIVE"})
	require.Equal(t, activities.ErrCaseMismatch, errType(err))
	require.Equal(t, 0, e.sb.Counters().Get(refFor(orgRagnarok), sandbox.CountDecisions), "nothing was written to the other case")

	_, err = e.activityEnv().ExecuteActivity(e.acts.GetKYCCase, activities.CaseRef{CaseID: snap.ID, Reference: refFor(orgRagnarok)})
	require.NoError(t, err, "its own reference passes")
}

// twoContracts is a Quickr case with two contracts, as the seed's examples show them (their
// own ids, separate groups): Bob's expired unsigned, Make's signed, and Ada's expired. It
// records which contracts were re-opened.
type twoContracts struct {
	activities.QuickrAPI
	mu       sync.Mutex
	reopened []string
}

func (f *twoContracts) GetCase(_ context.Context, id string) (*quickr.Case, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	item := func(contract, name, status, expires string) quickr.ContractItem {
		return quickr.ContractItem{ID: contract, Signatory: quickr.Person{Name: name}, Status: status, ExpiresAt: expires}
	}
	past, future := "2026-10-01T00:00:00Z", "2033-05-18T00:46:40.003Z"
	state := func(contract string) (string, string) {
		if slices.Contains(f.reopened, contract) {
			return quickr.ContractUnsigned, future
		}
		return quickr.ContractUnsigned, past // unsigned past its expires_at: expired
	}
	s1, e1 := state("c-bob")
	s3, e3 := state("c-ada")
	return &quickr.Case{ID: id, Status: "PROCESSING_DETAILS", Contracts: []quickr.ContractGroup{
		{Type: "unsigned", Data: []quickr.ContractItem{item("c-bob", "Bob Frank", s1, e1), item("c-ada", "Ada Lov", s3, e3)}},
		{Type: "signed", Data: []quickr.ContractItem{item("c-make", "Make Sav", quickr.ContractSigned, "")}},
	}}, nil
}

func (f *twoContracts) ReopenContract(_ context.Context, _, contractID string) (*quickr.ContractDetails, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reopened = append(f.reopened, contractID)
	return &quickr.ContractDetails{}, nil
}

func TestEveryExpiredContractOfACaseIsReopened(t *testing.T) {
	e := newEnv(t)
	fake := &twoContracts{}
	e.acts.Quickr = fake
	snap := must[api.CaseSnapshot](e, e.acts.GetKYCCase, activities.CaseRef{CaseID: "Q1"})
	require.Equal(t, api.ContractExpired, snap.Contract.Status)
	require.Len(t, snap.Contract.Contracts, 3, "each contract is tracked")

	after := must[api.CaseSnapshot](e, e.acts.ReopenContract, activities.ContractRef{CaseID: "Q1", ContractID: "c-bob"})
	require.ElementsMatch(t, []string{"c-bob", "c-ada"}, fake.reopened, "both expired contracts, not the signed one")
	require.Equal(t, api.ContractUnsigned, after.Contract.Status)

	// A retry re-opens nothing more.
	must[api.CaseSnapshot](e, e.acts.ReopenContract, activities.ContractRef{CaseID: "Q1"})
	require.Len(t, fake.reopened, 2)
	_, err := run[api.CaseSnapshot](e, nil, e.acts.ReopenContract, activities.ContractRef{CaseID: "Q1", ContractID: "c-other"})
	require.Equal(t, activities.ErrInvalidInput, errType(err))
}
