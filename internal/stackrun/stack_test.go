package stackrun_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/stackrun"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// TestStackRunsAnOnboardingAcrossAWorkerCrash builds the binaries, starts the stack as
// processes, kills the worker while Ragnarok's onboarding runs, restarts it and expects the
// onboarding approved with every side effect made once.
func TestStackRunsAnOnboardingAcrossAWorkerCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the whole stack")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir := t.TempDir()
	s, err := stackrun.Start(ctx, stackrun.Config{
		Bin: buildBinaries(t, ctx), Dir: dir, PersistTemporal: true,
		// The declaration waits a little, so the worker dies with the onboarding in flight.
		Sandbox: stackrun.SandboxConfig{Seed: 1, Delays: sandbox.Delays{Declare: time.Second}},
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	tc, err := s.Client(ctx)
	require.NoError(t, err)

	co := sandbox.TestCompanies["987654321"]
	s1 := time.Second
	started, err := engine.New(tc, stackrun.Namespace, s.TaskQueue).Start(ctx, api.OnboardingInput{
		Company: api.Company{OrgNumber: co.OrgNumber, Country: co.Country, Name: co.Name},
		Contact: api.Person{Name: co.Board[0].Name, Email: "contact@example.test"},
		Address: co.Address + ", " + co.PostalCode + " " + co.City,
		Credit:  api.Credit{Amount: 100000, Currency: "NOK", PeriodDays: 30},
		Policy: api.Policy{
			DeclarationPoll: api.Duration(s1), SigningPoll: api.Duration(s1), IDVPoll: api.Duration(s1),
			CreditAnalysisPoll: api.Duration(s1), CreditTermsPoll: api.Duration(s1),
		},
	})
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		st, err := engine.New(tc, stackrun.Namespace, s.TaskQueue).Status(ctx, started.WorkflowID)
		return err == nil && st.Stage == api.StageAwaitingDeclaration
	}, time.Minute, 50*time.Millisecond)
	usage, err := s.Worker.Usage()
	require.NoError(t, err)
	require.Positive(t, usage.RSS)
	oldPID := s.Worker.PID()
	require.NoError(t, s.Worker.Kill())
	require.False(t, s.Worker.Running())
	require.NoError(t, s.Worker.Start(ctx))
	require.NotEqual(t, oldPID, s.Worker.PID())

	var res api.OnboardingResult
	require.NoError(t, tc.GetWorkflow(ctx, started.WorkflowID, started.RunID).Get(ctx, &res))
	require.Equal(t, api.OutcomeApproved, res.Outcome, res.Reason)

	counts, err := s.CountersFor(ctx, started.WorkflowID)
	require.NoError(t, err)
	for _, kind := range []string{sandbox.CountCases, sandbox.CountCustomers, sandbox.CountAnalyses, sandbox.CountCreditTerms, sandbox.CountIDVSessions} {
		require.Equal(t, 1, counts[kind], "%s: %v", kind, counts)
	}
	for _, p := range s.Procs() {
		u, err := p.Usage()
		require.NoError(t, err, p.Name)
		require.Positive(t, u.RSS, p.Name)
	}
}

// buildBinaries builds the stack's binaries from this checkout into a temporary directory.
func buildBinaries(t *testing.T, ctx context.Context) stackrun.Binaries {
	t.Helper()
	root, err := stackrun.RepoRoot()
	require.NoError(t, err)
	bin, err := stackrun.Build(ctx, root, t.TempDir())
	require.NoError(t, err)
	return bin
}
