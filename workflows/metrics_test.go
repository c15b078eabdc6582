package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/metrics/metricstest"
	"github.com/merchantflow/onboarding/workflows"
)

// newMeteredEnv is newEnv with a handler that records the workflow's metrics.
func newMeteredEnv(t *testing.T, f *fake) (*testsuite.TestWorkflowEnvironment, *metricstest.Handler) {
	t.Helper()
	m := metricstest.New()
	var s testsuite.WorkflowTestSuite
	s.SetMetricsHandler(m)
	return newSuiteEnv(t, &s, f), m
}

func TestStartedAndFinishedCountOncePerOnboarding(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(f *fake)
		decide string // an agent's decision once in review; "" when the rules decide
		cancel bool   // cancel the onboarding five hours in
		want   api.Outcome
	}{
		{name: "approved by the rules", want: api.OutcomeApproved},
		{
			name: "declined by the rules",
			setup: func(f *fake) {
				f.evaluation = api.Evaluation{Decision: "DECLINE", Reason: "sanctions", RiskLevel: "HIGH"}
			},
			want: api.OutcomeDeclined,
		},
		{
			name:   "declined by an agent",
			setup:  func(f *fake) { f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "no automation fired"} },
			decide: api.DecisionDecline,
			want:   api.OutcomeDeclined,
		},
		{name: "declaration expired", setup: func(f *fake) { f.declareAt = -1 }, want: api.OutcomeExpired},
		{name: "cancelled", setup: func(f *fake) { f.declareAt = -1 }, cancel: true, want: api.OutcomeCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			if tt.setup != nil {
				tt.setup(f)
			}
			env, m := newMeteredEnv(t, f)
			if tt.decide != "" {
				atReview(t, env, func() { decide(env, api.Decision{Decision: tt.decide, Agent: "agent.smith"}) })
			}
			if tt.cancel {
				env.RegisterDelayedCallback(env.CancelWorkflow, 5*time.Hour)
			}
			env.ExecuteWorkflow(workflows.OnboardMerchant, input())
			require.Equal(t, tt.want, result(t, env).Outcome)

			require.EqualValues(t, 1, m.Count(workflows.MetricStarted, nil))
			require.EqualValues(t, 1, m.Count(workflows.MetricStarted, map[string]string{workflows.TagCountry: "NO"}))
			require.EqualValues(t, 1, m.Count(workflows.MetricFinished, nil))
			require.EqualValues(t, 1, m.Count(workflows.MetricFinished, map[string]string{workflows.TagOutcome: string(tt.want)}))
		})
	}
}

func TestInvalidInputIsNoOnboarding(t *testing.T) {
	env, m := newMeteredEnv(t, newFake())
	in := input()
	in.Company.Country = "Norway"
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)
	require.Error(t, env.GetWorkflowError())
	require.Zero(t, m.Count(workflows.MetricStarted, nil))
	require.Zero(t, m.Count(workflows.MetricFinished, nil))
}

func TestStageDurationsAreWorkflowTime(t *testing.T) {
	f := newFake()
	f.declareAt = 30 * time.Hour
	f.evaluation = api.Evaluation{Decision: "REVIEW", Reason: "no automation fired"}
	env, m := newMeteredEnv(t, f)
	var reviewFrom time.Time
	env.RegisterDelayedCallback(func() {
		require.Equal(t, api.StageAwaitingReview, status(t, env).Stage)
		reviewFrom = status(t, env).Deadlines["reviewSla"].Add(-input().Policy.ReviewSLA.D())
	}, 40*time.Hour)
	env.RegisterDelayedCallback(func() {
		decide(env, api.Decision{Decision: api.DecisionApprove, Agent: "agent.smith"})
	}, 90*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)

	// Every stage left is recorded once, in order; FINISHED is never left.
	require.Equal(t, []string{"STARTING", "CREATING_CASE", "AWAITING_DECLARATION", "AWAITING_SIGNATURE", "EVALUATING", "AWAITING_REVIEW"},
		m.TagValues(workflows.MetricStageDuration, workflows.TagStage))
	stage := func(s api.Stage) time.Duration {
		t.Helper()
		d := m.Durations(workflows.MetricStageDuration, map[string]string{workflows.TagStage: string(s)})
		require.Len(t, d, 1, "stage %s", s)
		return d[0]
	}
	// The declaration arrives 30 h in and is seen at the next hourly poll.
	require.GreaterOrEqual(t, stage(api.StageAwaitingDeclaration), 30*time.Hour)
	require.LessOrEqual(t, stage(api.StageAwaitingDeclaration), 31*time.Hour)
	// The agent decides 90 h after start; review began when the declaration was seen.
	require.InDelta(t, (90*time.Hour - reviewFrom.Sub(f.start)).Seconds(), stage(api.StageAwaitingReview).Seconds(), 1)
	require.Less(t, stage(api.StageCreatingCase), time.Minute)
}

func TestContractRenewalsAreCounted(t *testing.T) {
	tests := []struct {
		name   string
		rounds []string
		want   int64
		out    api.Outcome
	}{
		{"signed first time", []string{api.ContractSigned}, 0, api.OutcomeApproved},
		{"renewed once, then signed", []string{api.ContractExpired, api.ContractSigned}, 1, api.OutcomeApproved},
		{"renewals exhausted", []string{api.ContractExpired}, 2, api.OutcomeExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.signRounds = tt.rounds
			env, m := newMeteredEnv(t, f)
			env.ExecuteWorkflow(workflows.OnboardMerchant, input())
			require.Equal(t, tt.out, result(t, env).Outcome)
			require.Equal(t, tt.want, m.Count(workflows.MetricContractRenewals, nil))
		})
	}
}
