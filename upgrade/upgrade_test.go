package upgrade

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/stackrun"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// phaseTimeout bounds each wait on the stack (a stage, the side checks, the outcome). The
// steps take seconds; the bound only turns a hang into a failure that says what was awaited.
const phaseTimeout = 90 * time.Second

// TestOnboardingStartedByThePreviousReleaseFinishesOnTheCurrentBuild starts Ragnarok AS's
// onboarding on the worker built at BaseCommit with a file-backed dev server, stops that
// worker while the onboarding waits for the declaration, restarts the server from its
// database, starts the working tree's worker in its place and plays the human steps through
// the sandbox. The onboarding must be approved with no workflow task failure in its history
// (a nondeterminism error shows up as one), with workflow tasks completed by both builds, and
// with every provider side effect made once.
func TestOnboardingStartedByThePreviousReleaseFinishesOnTheCurrentBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the previous release's worker and runs the whole stack as processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, err := stackrun.RepoRoot()
	require.NoError(t, err)

	baseWorker := buildBaseWorker(t, ctx, root, BaseCommit)
	cur, err := stackrun.Build(ctx, root, t.TempDir())
	require.NoError(t, err, "build the working tree's sandbox, worker and gateway")
	bin := cur
	bin.Worker = baseWorker

	s := startStack(t, ctx, bin)
	tc, err := s.Client(ctx)
	require.NoError(t, err)
	eng := engine.New(tc, stackrun.Namespace, s.TaskQueue)

	// 1. The onboarding starts (through the engine, as the gateway starts one) and the
	// previous release's worker runs it to the declaration.
	co := sandbox.TestCompanies["987654321"] // Ragnarok AS: approved by the shipped rules
	started, err := eng.Start(ctx, api.OnboardingInput{
		Company: api.Company{OrgNumber: co.OrgNumber, Country: co.Country, Name: co.Name},
		Contact: api.Person{Name: co.Board[0].Name, Email: "contact@example.test"},
		Address: co.Address + ", " + co.PostalCode + " " + co.City,
		Credit:  api.Credit{Amount: 100000, Currency: "NOK", PeriodDays: 30},
		Policy:  fastPolicy(),
	})
	require.NoError(t, err)
	ref := started.WorkflowID
	o := &onboarding{t: t, s: s, c: tc, eng: eng, id: ref, runID: started.RunID}
	st := o.awaitStage(ctx, api.StageAwaitingDeclaration)
	require.NotEmpty(t, st.CaseID, "the previous release created no KYC case")
	require.NotEmpty(t, st.DeclarationURL)
	oldPID := s.Worker.PID()

	// 2. The upgrade: the old worker stops as a deploy stops it, the server goes down and
	// comes back from its database, then the current build takes over the task queue.
	require.NoError(t, s.Worker.Stop(), "stop the previous release's worker")
	require.NoError(t, s.Temporal.Stop(), "stop the dev server")
	o.restart(ctx, s.Temporal, "the dev server on "+filepath.Join(s.Dir, "temporal.db"))
	o.await(ctx, "the onboarding in the restarted server, still at the declaration", func(ctx context.Context) (bool, string, error) {
		d, err := tc.DescribeWorkflowExecution(ctx, ref, started.RunID)
		if err != nil {
			return false, "", err
		}
		info := d.GetWorkflowExecutionInfo()
		stage := string(info.GetSearchAttributes().GetIndexedFields()["OnboardingStage"].GetData())
		return info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING && strings.Contains(stage, string(api.StageAwaitingDeclaration)),
			fmt.Sprintf("execution %s, OnboardingStage %s", info.GetStatus(), stage), nil
	})
	require.NoError(t, s.Worker.SetPath(cur.Worker))
	o.restart(ctx, s.Worker, "the current build's worker")
	newPID := s.Worker.PID()
	require.NotEqual(t, oldPID, newPID)

	// 3. The human steps, on the current build: declare, the side checks, sign. The run
	// reaches its credit analysis after the deploy, so it takes the fix that asks the app for
	// the merchant's bank data (a change ID of its own) instead of inventing it.
	o.control(ctx, "/control/quickr/cases/"+ref+"/declare")
	o.awaitStage(ctx, api.StageAwaitingSignature)
	o.uploadBankData(ctx)
	// The side checks start with the signature stage; their provider objects appear once
	// their first activities ran.
	o.await(ctx, "the IDV session, credit analysis and credit terms to be created", func(ctx context.Context) (bool, string, error) {
		counts, err := s.CountersFor(ctx, ref)
		if err != nil {
			return false, "", err
		}
		return counts[sandbox.CountIDVSessions] > 0 && counts[sandbox.CountAnalyses] > 0 && counts[sandbox.CountCreditTerms] > 0,
			fmt.Sprintf("counters %v", counts), nil
	})
	o.control(ctx, "/control/idv/sessions/"+ref+"/finish")
	o.control(ctx, "/control/openbanking/analyses/"+ref+"/finish")
	o.control(ctx, "/control/deepidv/credit-terms/"+ref+"/finish")
	o.control(ctx, "/control/quickr/cases/"+ref+"/sign")

	// 4. The outcome, and a history both builds wrote without a task failure.
	res := o.awaitOutcome(ctx)
	require.Equal(t, api.OutcomeApproved, res.Outcome, res.Reason)
	failures, identities, err := o.history(ctx)
	require.NoError(t, err)
	require.Empty(t, failures, "workflow task failures in %s's history. %s", ref, replayHint)
	require.True(t, hasPrefix(identities, strconv.Itoa(oldPID)+"@"), "no workflow task completed by the previous release's worker (pid %d): %v", oldPID, identities)
	require.True(t, hasPrefix(identities, strconv.Itoa(newPID)+"@"), "no workflow task completed by the current build's worker (pid %d): %v", newPID, identities)

	counts, err := s.CountersFor(ctx, ref)
	require.NoError(t, err)
	for _, kind := range []string{sandbox.CountCases, sandbox.CountCustomers, sandbox.CountAnalyses, sandbox.CountCreditTerms,
		sandbox.CountIDVSessions, sandbox.CountDecisions} {
		require.Equal(t, 1, counts[kind], "%s for %s: %v", kind, ref, counts)
	}
	var doc map[string]any
	require.NoError(t, s.SandboxControl(ctx, http.MethodGet, "/control/quickr/cases/"+ref, nil, &doc))
	require.Equal(t, "ACTIVE", doc["agent_determined_status"], "the decision written back to Quickr")
}

// fastPolicy keeps polls short, as in e2e: the sandbox answers in milliseconds.
func fastPolicy() api.Policy {
	s := api.Duration(time.Second)
	return api.Policy{
		DeclarationPoll: s, SigningPoll: s, IDVPoll: s, CreditAnalysisPoll: s, CreditTermsPoll: s,
		ReviewSLA: api.Duration(time.Hour),
	}
}

// buildBaseWorker builds ./worker as of commit into a temporary directory and returns the
// binary, from a detached git worktree of the repository at root that is removed again.
// Without git or the commit (a shallow clone, an exported tree) the test fails: the upgrade
// is not tested, and that must not pass unnoticed.
func buildBaseWorker(t *testing.T, ctx context.Context, root, commit string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("the upgrade test builds the previous release (upgrade.BaseCommit %s) with git, which is not on PATH: %v", commit, err)
	}
	full, err := git(ctx, root, "rev-parse", "--verify", "--quiet", commit+"^{commit}")
	if err != nil {
		t.Fatalf("the previous release's commit %s (upgrade.BaseCommit) is not in the git history of %s (%v).\n"+
			"A shallow clone lacks it: run `git fetch --unshallow` or clone with the full history; `go test -short` skips this test.", commit, root, err)
	}
	subject, _ := git(ctx, root, "log", "-1", "--format=%h %s", full)
	head, _ := git(ctx, root, "rev-parse", "--short", "HEAD")
	t.Logf("previous release: %s; current build: the working tree at %s", subject, head)

	tmp := t.TempDir()
	tree := filepath.Join(tmp, "base")
	if out, err := git(ctx, root, "worktree", "add", "--detach", tree, full); err != nil {
		t.Fatalf("git worktree add %s %s: %v\n%s", tree, full, err, out)
	}
	defer func() {
		if out, err := git(context.Background(), root, "worktree", "remove", "--force", tree); err != nil {
			t.Errorf("git worktree remove %s: %v\n%s", tree, err, out)
		}
	}()
	bin := filepath.Join(tmp, "worker-base")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./worker")
	cmd.Dir = tree
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the previous release's worker (%s) in %s: %v\n%s", full, tree, err, out)
	}
	return bin
}

// git runs git in dir and returns its trimmed output.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// startStack starts a file-backed dev server, the sandbox in manual mode (only control calls
// play the humans), the given worker and the gateway. When the test fails, the tail of every
// process's log is printed and the run directory (logs, temporal.db) is kept.
func startStack(t *testing.T, ctx context.Context, bin stackrun.Binaries) *stackrun.Stack {
	t.Helper()
	dir, err := os.MkdirTemp("", "upgrade-test-")
	require.NoError(t, err)
	s, err := stackrun.Start(ctx, stackrun.Config{
		Bin: bin, Dir: dir, PersistTemporal: true,
		Sandbox: stackrun.SandboxConfig{Manual: true, Seed: 1},
	})
	if err != nil {
		printLogs(t, dir)
		t.Fatalf("start the stack: %v (run directory kept: %s)", err, dir)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("stop the stack: %v", err)
		}
		if t.Failed() {
			printLogs(t, dir)
			t.Logf("run directory kept: %s", dir)
			return
		}
		_ = os.RemoveAll(dir)
	})
	return s
}

// printLogs logs the end of every process log in dir: the last 40 lines, at most 8 KB.
func printLogs(t *testing.T, dir string) {
	t.Helper()
	const maxBytes = 8 << 10
	for _, name := range []string{stackrun.ProcTemporal, stackrun.ProcSandbox, stackrun.ProcWorker, stackrun.ProcGateway} {
		path := filepath.Join(dir, name+".log")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Logf("%s: %v", path, err)
			continue
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		tail := strings.Join(lines, "\n")
		if len(tail) > maxBytes {
			tail = "…" + tail[len(tail)-maxBytes:]
		}
		t.Logf("---- end of %s:\n%s", path, tail)
	}
}

// onboarding is the one onboarding under test.
type onboarding struct {
	t         *testing.T
	s         *stackrun.Stack
	c         client.Client
	eng       *engine.Engine
	id, runID string
}

// await polls cond until it holds, failing the test when phaseTimeout passes or as soon as
// the onboarding's history has a workflow task failure (a workflow that cannot replay makes
// no progress, and its queries hang). state describes the last look, for the failure message.
func (o *onboarding) await(ctx context.Context, what string, cond func(ctx context.Context) (ok bool, state string, err error)) {
	o.t.Helper()
	ctx, cancel := context.WithTimeout(ctx, phaseTimeout)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var state string
	var last error
	for {
		// A history that cannot be read now is read again on the next tick.
		if failures, _, _ := o.history(ctx); len(failures) > 0 {
			o.t.Fatalf("waiting for %s: workflow task failures in %s's history:\n%s\n%s", what, o.id, strings.Join(failures, "\n"), replayHint)
		}
		// One look at most a few seconds: a query to a workflow whose task fails waits for
		// the server's query timeout.
		cctx, ccancel := context.WithTimeout(ctx, 3*time.Second)
		ok, st, err := cond(cctx)
		ccancel()
		if ok && err == nil {
			return
		}
		state, last = st, err
		select {
		case <-ctx.Done():
			o.t.Fatalf("waiting for %s: not within %s (last: %s, error: %v)", what, phaseTimeout, state, last)
		case <-tick.C:
		}
	}
}

// replayHint says what a workflow task failure after the upgrade usually means.
const replayHint = "A NonDeterministicError means the current build cannot replay the previous release's history: " +
	"put the change behind workflow.GetVersion (README, Tests)."

// awaitStage waits until the status query reports stage.
func (o *onboarding) awaitStage(ctx context.Context, stage api.Stage) *api.Status {
	o.t.Helper()
	var st *api.Status
	o.await(ctx, "stage "+string(stage), func(ctx context.Context) (bool, string, error) {
		var err error
		if st, err = o.eng.Status(ctx, o.id); err != nil {
			return false, "", err
		}
		return st.Stage == stage, fmt.Sprintf("stage %s, waiting for %q", st.Stage, st.WaitingFor), nil
	})
	return st
}

// awaitOutcome waits until the onboarding closes and returns its result.
func (o *onboarding) awaitOutcome(ctx context.Context) *api.OnboardingResult {
	o.t.Helper()
	o.await(ctx, "the outcome", func(ctx context.Context) (bool, string, error) {
		d, err := o.c.DescribeWorkflowExecution(ctx, o.id, o.runID)
		if err != nil {
			return false, "", err
		}
		status := d.GetWorkflowExecutionInfo().GetStatus()
		return status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, "execution " + status.String(), nil
	})
	var res api.OnboardingResult
	require.NoError(o.t, o.c.GetWorkflow(ctx, o.id, o.runID).Get(ctx, &res), "the onboarding's result")
	return &res
}

// history reads the onboarding's history: every workflow task failure (cause and message)
// and the identities of the workers that completed workflow tasks.
func (o *onboarding) history(ctx context.Context) (failures, identities []string, err error) {
	it := o.c.GetWorkflowHistory(ctx, o.id, o.runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return failures, identities, fmt.Errorf("read the history of %s: %w", o.id, err)
		}
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED:
			a := ev.GetWorkflowTaskFailedEventAttributes()
			failures = append(failures, fmt.Sprintf("event %d: %s by %s: %s", ev.GetEventId(), a.GetCause(), a.GetIdentity(), a.GetFailure().GetMessage()))
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			identities = append(identities, ev.GetWorkflowTaskCompletedEventAttributes().GetIdentity())
		}
	}
	return failures, identities, nil
}

// restart starts a stopped process of the stack and waits until it is healthy.
func (o *onboarding) restart(ctx context.Context, p *stackrun.Proc, what string) {
	o.t.Helper()
	ctx, cancel := context.WithTimeout(ctx, phaseTimeout)
	defer cancel()
	require.NoError(o.t, p.Start(ctx), "start %s", what)
}

// control POSTs an empty body to a sandbox control endpoint.
func (o *onboarding) control(ctx context.Context, path string) {
	o.t.Helper()
	require.NoError(o.t, o.s.SandboxControl(ctx, http.MethodPost, path, nil, nil))
}

// uploadBankData plays the app: the sandbox's good sample, through the gateway's API.
func (o *onboarding) uploadBankData(ctx context.Context) {
	o.t.Helper()
	body, err := sandbox.SampleBankData("good", time.Now())
	require.NoError(o.t, err)
	o.await(ctx, "the bank data to be taken", func(ctx context.Context) (bool, string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, o.s.GatewayURL+"/v1/onboardings/"+o.id+"/bank-data", bytes.NewReader(body))
		if err != nil {
			return false, "", err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+o.s.AppToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, err.Error(), nil
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// 409 until the run has asked for it.
		return resp.StatusCode == http.StatusOK, fmt.Sprintf("HTTP %d %s", resp.StatusCode, answer), nil
	})
}

func hasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
