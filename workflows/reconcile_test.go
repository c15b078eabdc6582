package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/workflows"
)

// sweeps records the sweep activity's calls and answers them with answer.
type sweeps struct {
	mu     sync.Mutex
	env    *testsuite.TestWorkflowEnvironment
	calls  []activities.SweepInput
	at     []time.Time
	answer func(n int, in activities.SweepInput) (*activities.SweepResult, error)
}

func (s *sweeps) run(_ context.Context, in activities.SweepInput) (*activities.SweepResult, error) {
	s.mu.Lock()
	s.calls = append(s.calls, in)
	s.at = append(s.at, s.env.Now().UTC())
	n := len(s.calls)
	s.mu.Unlock()
	return s.answer(n, in)
}

// advance is an answer that moves the watermark a minute per sweep.
func advance(_ int, in activities.SweepInput) (*activities.SweepResult, error) {
	return &activities.SweepResult{Watermark: in.Since.Add(time.Minute), SweepCounts: activities.SweepCounts{Pages: 1, Listed: 2, Described: 1, Signalled: 1}}, nil
}

func reconcileEnv(t *testing.T, answer func(int, activities.SweepInput) (*activities.SweepResult, error)) (*testsuite.TestWorkflowEnvironment, *sweeps) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	workflows.Register(env, a)
	s := &sweeps{env: env, answer: answer}
	env.OnActivity(a.SweepQuickrCases, mock.Anything, mock.Anything).Return(s.run)
	return env, s
}

// continuedWith returns the input the run continued as new with.
func continuedWith(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.ReconcileInput {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, env.GetWorkflowError(), &can, "%v", env.GetWorkflowError())
	require.Equal(t, workflows.ReconcileQuickrType, can.WorkflowType.Name)
	var next workflows.ReconcileInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	return next
}

func TestReconcilerLoopsAndContinuesAsNew(t *testing.T) {
	env, s := reconcileEnv(t, advance)
	start := env.Now().UTC()
	env.ExecuteWorkflow(workflows.ReconcileQuickr, workflows.ReconcileInput{Every: api.Duration(time.Minute)})

	require.Len(t, s.calls, 200, "one run is 200 rounds")
	first := s.calls[0]
	require.Equal(t, start, first.Since, "a fresh reconciler starts from its start time")
	require.Equal(t, workflows.DefaultReconcileOverlap, first.Overlap)
	require.Equal(t, api.SignalCaseEvent, first.SignalName)
	require.NotEmpty(t, first.TaskQueue, "only its own task queue's onboardings")
	require.Equal(t, start, s.at[0], "the first sweep runs at once")
	for i := 1; i < len(s.calls); i++ {
		require.Equal(t, s.calls[i-1].Since.Add(time.Minute), s.calls[i].Since, "round %d reads on from the last watermark", i)
		require.Equal(t, time.Minute, s.at[i].Sub(s.at[i-1]), "round %d one period after the last", i)
	}

	next := continuedWith(t, env)
	require.Equal(t, start.Add(200*time.Minute), next.Watermark, "the watermark is carried over")
	require.Equal(t, api.Duration(time.Minute), next.Every)
	require.Equal(t, api.Duration(workflows.DefaultReconcileOverlap), next.Overlap)
	require.Equal(t, 1, next.Totals.Runs)
	require.Equal(t, 200, next.Totals.Sweeps)
	require.Equal(t, 200, next.Totals.Signalled)
	require.Zero(t, next.Totals.Failures)
}

func TestReconcilerContinuedRunStartsAtItsWatermark(t *testing.T) {
	env, s := reconcileEnv(t, advance)
	wm := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	resume := &activities.SweepResume{Cursor: "c-9", Top: wm.Add(time.Hour)}
	env.ExecuteWorkflow(workflows.ReconcileQuickr, workflows.ReconcileInput{Every: api.Duration(time.Minute), Watermark: wm, Resume: resume,
		Overlap: api.Duration(2 * time.Minute), Totals: workflows.ReconcileTotals{Runs: 3}})
	require.Equal(t, wm, s.calls[0].Since)
	require.Equal(t, resume, s.calls[0].Resume, "a cut-short pass goes on")
	require.Nil(t, s.calls[1].Resume, "and is done once the sweep says so")
	require.Equal(t, 2*time.Minute, s.calls[0].Overlap)
	require.Equal(t, 4, continuedWith(t, env).Totals.Runs)
}

func TestReconcilerSweepFailureKeepsTheWatermark(t *testing.T) {
	var env *testsuite.TestWorkflowEnvironment
	var start time.Time
	env, s := reconcileEnv(t, func(n int, in activities.SweepInput) (*activities.SweepResult, error) {
		since := env.Now().Sub(start)
		switch {
		case n == 2: // round 2, at 1m: Quickr refuses the request; no retry helps
			return nil, temporal.NewNonRetryableApplicationError("rejected", activities.ErrProviderRejected, nil)
		case since >= 2*time.Minute && since < 6*time.Minute+30*time.Second:
			// Round 3, from 2m: Quickr is down for longer than the round retries (5m).
			return nil, temporal.NewApplicationError("quickr down", activities.ErrProviderUnavailable)
		}
		return advance(n, in)
	})
	start = env.Now().UTC()
	var st workflows.ReconcileStatus
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(api.QueryStatus)
		require.NoError(t, err)
		require.NoError(t, v.Get(&st))
	}, 90*time.Second)
	env.ExecuteWorkflow(workflows.ReconcileQuickr, workflows.ReconcileInput{Every: api.Duration(time.Minute)})

	require.Equal(t, start, s.calls[0].Since)
	require.Equal(t, start.Add(time.Minute), s.calls[1].Since)
	require.Equal(t, start.Add(time.Minute), s.calls[2].Since, "the rejected sweep kept the watermark")
	retried := 0
	for i, c := range s.calls {
		if i >= 2 && c.Since.Equal(start.Add(time.Minute)) {
			retried++
		}
	}
	require.Greater(t, retried, 3, "the outage is retried within its round, then the next round reads the same changes")
	require.Contains(t, st.LastError, "rejected", "the status says why the sweep failed")
	require.Equal(t, start.Add(time.Minute), st.Watermark)

	next := continuedWith(t, env)
	require.Equal(t, 2, next.Totals.Failures, "the rejection and the outage")
	require.Equal(t, 200, next.Totals.Sweeps)
	require.Equal(t, start.Add(198*time.Minute), next.Watermark, "198 sweeps moved it a minute each")
}

func TestReconcilerConfigureSignal(t *testing.T) {
	env, s := reconcileEnv(t, advance)
	start := env.Now().UTC()
	every := func(d time.Duration) workflows.ReconcileConfig {
		v := api.Duration(d)
		return workflows.ReconcileConfig{Every: &v}
	}
	paused := func(p bool) workflows.ReconcileConfig { return workflows.ReconcileConfig{Paused: &p} }
	var st workflows.ReconcileStatus
	query := func() {
		v, err := env.QueryWorkflow(api.QueryStatus)
		require.NoError(t, err)
		require.NoError(t, v.Get(&st))
	}
	// Sweeps at 0 and 1m; at 90s the period becomes 5m: the next one is at 6m.
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalReconcileConfigure, every(5*time.Minute)) }, 90*time.Second)
	// Out of range: refused, recorded.
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalReconcileConfigure, every(time.Second)) }, 2*time.Minute)
	// Paused at 7m for an hour: no sweep; resumed at 67m, it sweeps at once.
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalReconcileConfigure, paused(true)) }, 7*time.Minute)
	env.RegisterDelayedCallback(query, 30*time.Minute)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalReconcileConfigure, paused(false)) }, 67*time.Minute)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 80*time.Minute)
	env.ExecuteWorkflow(workflows.ReconcileQuickr, workflows.ReconcileInput{Every: api.Duration(time.Minute)})

	var offsets []time.Duration
	for _, at := range s.at {
		offsets = append(offsets, at.Sub(start))
	}
	require.Equal(t, []time.Duration{0, time.Minute, 6 * time.Minute, 67 * time.Minute, 72 * time.Minute, 77 * time.Minute}, offsets)
	require.True(t, st.Paused)
	require.Nil(t, st.NextSweepAt, "paused: no sweep due")
	require.Equal(t, api.Duration(5*time.Minute), st.Every)
	require.Contains(t, st.ConfigRejected, "from 10s to 1h0m0s")
	require.Equal(t, 3, st.Totals.Sweeps)
	require.Equal(t, start.Add(3*time.Minute), st.Watermark)
	require.NotNil(t, st.LastSweep)
	require.Equal(t, 1, st.LastSweep.Signalled)

	require.True(t, env.IsWorkflowCompleted())
	require.True(t, temporal.IsCanceledError(env.GetWorkflowError()), "a cancel ends it: %v", env.GetWorkflowError())
}

func TestReconcilerWorkflowID(t *testing.T) {
	require.Equal(t, "reconciler:quickr", workflows.ReconcilerWorkflowID(api.TaskQueue))
	require.Equal(t, "reconciler:quickr", workflows.ReconcilerWorkflowID(""))
	require.Equal(t, "reconciler:quickr:e2e-x", workflows.ReconcilerWorkflowID("e2e-x"))
	require.NoError(t, workflows.CheckReconcileEvery(10*time.Second))
	require.NoError(t, workflows.CheckReconcileEvery(time.Hour))
	require.Error(t, workflows.CheckReconcileEvery(9*time.Second))
	require.Error(t, workflows.CheckReconcileEvery(time.Hour+time.Second))
}
