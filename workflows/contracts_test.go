package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/workflows"
)

func TestCreditAnalysisRunsOnTheUploadedBankData(t *testing.T) {
	f := newFake()
	env := newEnv(t, f)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, workflows.OutcomeApproved, result(t, env).Outcome)
	require.Len(t, f.analysisInputs, 1)
	require.Equal(t, testBankData.Ref, f.analysisInputs[0].BankDataRef)
	st := status(t, env)
	require.NotNil(t, st.BankData.Upload)
	require.Equal(t, testBankData.Ref, st.BankData.Upload.Ref)
}

func TestNoBankDataMeansNoAutomaticApproval(t *testing.T) {
	f := newFake()
	f.noBankData = true
	f.evaluation = activities.Evaluation{Decision: "REVIEW", Reason: "no approve rule fired"}
	env := newEnv(t, f)
	in := input()
	in.Policy.BankDataMaxWait = workflows.Duration(5 * 24 * time.Hour)
	in.Policy.BankDataReminderEvery = workflows.Duration(2 * 24 * time.Hour)
	env.RegisterDelayedCallback(func() {
		st := status(t, env)
		require.Equal(t, workflows.StageAwaitingReview, st.Stage)
		require.Contains(t, st.Evidence.Unavailable["creditAnalysis"], "bank data was not uploaded within 5d")
		decide(env, workflows.Decision{Decision: workflows.DecisionDecline, Agent: "agent.smith", Reason: "no bank data"})
	}, 7*24*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)
	require.Equal(t, workflows.OutcomeDeclined, result(t, env).Outcome)
	require.Empty(t, f.analysisInputs, "no analysis without the merchant's data")
	require.Nil(t, f.evalInputs[0].Facts.CreditAnalysisScore, "the rules see no score")
	require.Len(t, f.notified(activities.NotifyBankDataRequested), 1)
	require.Len(t, f.notified(activities.NotifyBankDataReminder), 2, "at 2 and 4 days, none at the deadline")
}

func TestIdentityTokenReachesTheAppAndAnExpiredSessionIsReplaced(t *testing.T) {
	f := newFake()
	f.idvExpireFirst = true
	env := newEnv(t, f)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, workflows.OutcomeApproved, result(t, env).Outcome)
	ready := f.notified(activities.NotifyIdentityVerification)
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
	env := newEnv(t, f)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	res := result(t, env)
	require.Equal(t, workflows.OutcomeApproved, res.Outcome, "the rules' approval stands")
	st := status(t, env)
	require.NotNil(t, st.WriteBack)
	require.Equal(t, workflows.WriteBackFailed, st.WriteBack.State)
	require.Equal(t, "ACTIVE", st.WriteBack.Status)
	require.Greater(t, len(f.decisions), 5, "the write-back was retried for hours")
}
