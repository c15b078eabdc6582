package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/workflows"
)

func TestCreditAnalysisRunsOnTheUploadedBankData(t *testing.T) {
	f := newFake()
	env, res := onboard(t, f)
	require.Equal(t, api.OutcomeApproved, res.Outcome)
	require.Len(t, f.analysisInputs, 1)
	require.Equal(t, testBankData.Ref, f.analysisInputs[0].BankDataRef)
	st := status(t, env)
	require.NotNil(t, st.BankData.Upload)
	require.Equal(t, testBankData.Ref, st.BankData.Upload.Ref)
}

func TestNoBankDataMeansNoAutomaticApproval(t *testing.T) {
	f := newFake()
	f.noBankData = true
	f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "no approve rule fired"}
	env := newEnv(t, f)
	in := input()
	in.Policy.BankDataMaxWait = api.Duration(5 * 24 * time.Hour)
	in.Policy.BankDataReminderEvery = api.Duration(2 * 24 * time.Hour)
	env.RegisterDelayedCallback(func() {
		st := status(t, env)
		require.Equal(t, api.StageAwaitingReview, st.Stage)
		require.Contains(t, st.Evidence.Unavailable["creditAnalysis"], "bank data was not uploaded within 5d")
		decide(env, api.Decision{Decision: api.DecisionDecline, Agent: "agent.smith", Reason: "no bank data"})
	}, 7*24*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)
	require.Equal(t, api.OutcomeDeclined, result(t, env).Outcome)
	require.Empty(t, f.analysisInputs, "no analysis without the merchant's data")
	require.Nil(t, f.evalInputs[0].Facts.CreditAnalysisScore, "the rules see no score")
	require.Len(t, f.notified(api.NotifyBankDataRequested), 1)
	require.Len(t, f.notified(api.NotifyBankDataReminder), 2, "at 2 and 4 days, none at the deadline")
}

func TestIdentityTokenReachesTheAppAndAnExpiredSessionIsReplaced(t *testing.T) {
	f := newFake()
	f.idvExpireFirst = true
	env, res := onboard(t, f)
	require.Equal(t, api.OutcomeApproved, res.Outcome)
	ready := f.notified(api.NotifyIdentityVerification)
	require.Len(t, ready, 2, "one per session")
	require.Equal(t, "tok-1", ready[0].Data["token"])
	require.Equal(t, "tok-2", ready[1].Data["token"])
	require.Equal(t, 2, f.idvStarts)
	st := status(t, env)
	require.Equal(t, 2, st.Identity.Sessions)
	require.Equal(t, "COMPLETED", st.Evidence.Identity.State)
}

func TestRefusedWriteBackNeverUndoesTheDecision(t *testing.T) {
	f := newFake()
	f.recordErr = temporal.NewNonRetryableApplicationError("Quickr answered 404", activities.ErrProviderRejected, nil)
	env, res := onboard(t, f)
	require.Equal(t, api.OutcomeApproved, res.Outcome, "the rules' approval stands")
	st := status(t, env)
	require.NotNil(t, st.WriteBack)
	require.Equal(t, api.WriteBackFailed, st.WriteBack.State)
	require.Equal(t, "ACTIVE", st.WriteBack.Status)
	require.Greater(t, len(f.decisions), 5, "the write-back was retried for hours")
}
