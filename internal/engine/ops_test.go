package engine_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/grpc"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
)

// fakeServer is the part of Temporal the engine's updates and describes touch, with the
// server's update semantics: an update whose ID the workflow has already seen returns that
// update's answer without running again, whatever its name or argument.
type fakeServer struct {
	client.Client // nil: any other call panics
	mu            sync.Mutex
	types         map[string]string            // workflow ID -> type; absent: no such workflow
	answers       map[string]map[string][]byte // workflow ID -> update ID -> JSON answer
	approvals     map[string]int
	ran           []string // update names that ran, "query" and "cancel"
	updateIDs     []string
	runIDs        []string // the run each update, query and cancel named
	started       []api.OnboardingInput
}

func newFakeServer() *fakeServer {
	return &fakeServer{types: map[string]string{}, answers: map[string]map[string][]byte{}, approvals: map[string]int{}}
}

func (f *fakeServer) DescribeWorkflowExecution(_ context.Context, id, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	typ, ok := f.types[id]
	if !ok {
		return nil, serviceerror.NewNotFound("workflow not found")
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: "run-" + id},
		Type:      &commonpb.WorkflowType{Name: typ},
		Status:    enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
	}}, nil
}

func (f *fakeServer) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updateIDs = append(f.updateIDs, o.UpdateID)
	f.runIDs = append(f.runIDs, o.RunID)
	seen := f.answers[o.WorkflowID]
	if seen == nil {
		seen = map[string][]byte{}
		f.answers[o.WorkflowID] = seen
	}
	if o.UpdateID != "" {
		if b, ok := seen[o.UpdateID]; ok {
			return handle(b), nil
		}
	}
	f.ran = append(f.ran, o.UpdateName)
	var answer any
	switch o.UpdateName {
	case api.UpdateDecide:
		d := o.Args[0].(api.Decision)
		switch {
		case d.Decision == api.DecisionApprove && d.RiskLevel == "HIGH" && f.approvals[o.WorkflowID] == 0:
			f.approvals[o.WorkflowID]++
			answer = api.DecideResult{Status: "awaiting_second_approval"}
		case d.Decision == api.DecisionApprove:
			answer = api.DecideResult{Status: "decided", Outcome: api.OutcomeApproved}
		default:
			answer = api.DecideResult{Status: "decided", Outcome: api.OutcomeDeclined}
		}
	case api.UpdateExtendDeadline:
		answer = api.Status{WorkflowID: o.WorkflowID, Stage: api.StageAwaitingDeclaration}
	}
	b, _ := json.Marshal(answer)
	if o.UpdateID != "" {
		seen[o.UpdateID] = b
	}
	return handle(b), nil
}

func (f *fakeServer) QueryWorkflow(_ context.Context, id, runID, name string, _ ...any) (converter.EncodedValue, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ran = append(f.ran, "query")
	f.runIDs = append(f.runIDs, runID)
	if _, ok := f.types[id]; !ok {
		return nil, serviceerror.NewNotFound("workflow not found")
	}
	b, _ := json.Marshal(api.Status{WorkflowID: id, Stage: api.StageAwaitingDeclaration})
	return value(b), nil
}

type value []byte

func (v value) HasValue() bool    { return true }
func (v value) Get(out any) error { return json.Unmarshal(v, out) }

func (f *fakeServer) WorkflowService() workflowservice.WorkflowServiceClient {
	return fakeService{f: f}
}

type fakeService struct {
	workflowservice.WorkflowServiceClient
	f *fakeServer
}

func (s fakeService) RequestCancelWorkflowExecution(_ context.Context, req *workflowservice.RequestCancelWorkflowExecutionRequest, _ ...grpc.CallOption) (*workflowservice.RequestCancelWorkflowExecutionResponse, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.f.ran = append(s.f.ran, "cancel")
	s.f.runIDs = append(s.f.runIDs, req.GetWorkflowExecution().GetRunId())
	return &workflowservice.RequestCancelWorkflowExecutionResponse{}, nil
}

type handle []byte

func (h handle) WorkflowID() string                       { return "" }
func (h handle) RunID() string                            { return "" }
func (h handle) UpdateID() string                         { return "" }
func (h handle) HasValue() bool                           { return true }
func (h handle) Get(_ context.Context, out any) error     { return json.Unmarshal(h, out) }
func (f *fakeServer) onboarding(id string) *fakeServer    { f.types[id] = "OnboardMerchant"; return f }
func (f *fakeServer) workflow(id, typ string) *fakeServer { f.types[id] = typ; return f }

const wf = "onboarding:NO:987654321"

// A key names one caller's one operation on one onboarding. Reused by another agent or for
// another operation it must not hand back the first call's cached answer.
func TestIdempotencyKeysAreScoped(t *testing.T) {
	ctx := context.Background()
	approve := api.Decision{Decision: api.DecisionApprove, RiskLevel: "HIGH"}

	t.Run("another agent's decision with alice's key runs and gets its own answer", func(t *testing.T) {
		fs := newFakeServer().onboarding(wf)
		e := engine.New(fs, "default", "onboarding")
		alice, bob := approve, approve
		alice.Agent, bob.Agent = "alice", "bob"
		res, err := e.Decide(ctx, wf, "k-1", alice)
		require.NoError(t, err)
		require.Equal(t, "awaiting_second_approval", res.Status)
		res, err = e.Decide(ctx, wf, "k-1", bob)
		require.NoError(t, err)
		require.Equal(t, "decided", res.Status, "bob's approval must run, not return alice's cached answer")
		require.Equal(t, []string{api.UpdateDecide, api.UpdateDecide}, fs.ran)
	})
	t.Run("a retry by the same agent gets the first answer and runs once", func(t *testing.T) {
		fs := newFakeServer().onboarding(wf)
		e := engine.New(fs, "default", "onboarding")
		alice := approve
		alice.Agent = "alice"
		for range 3 {
			res, err := e.Decide(ctx, wf, "k-1", alice)
			require.NoError(t, err)
			require.Equal(t, "awaiting_second_approval", res.Status)
		}
		require.Len(t, fs.ran, 1)
	})
	t.Run("an extend's key reused for a decline does not return the extend's status", func(t *testing.T) {
		fs := newFakeServer().onboarding(wf)
		e := engine.New(fs, "default", "onboarding")
		_, err := e.ExtendDeadline(ctx, wf, "k-2", api.DeadlineChange{ExtendBy: api.Duration(3600e9), By: "alice"})
		require.NoError(t, err)
		res, err := e.Decide(ctx, wf, "k-2", api.Decision{Decision: api.DecisionDecline, Agent: "alice"})
		require.NoError(t, err)
		require.Equal(t, "decided", res.Status, "the decline must run: an empty status is the extend's cached answer")
		require.Equal(t, api.OutcomeDeclined, res.Outcome)
	})
	t.Run("the update id is derived, bounded and never the key itself", func(t *testing.T) {
		fs := newFakeServer().onboarding(wf)
		e := engine.New(fs, "default", "onboarding")
		_, err := e.Decide(ctx, wf, "alice-key", api.Decision{Decision: api.DecisionDecline, Agent: "alice"})
		require.NoError(t, err)
		_, err = e.Decide(ctx, wf, "", api.Decision{Decision: api.DecisionDecline, Agent: "alice"})
		require.NoError(t, err)
		require.NotEqual(t, "alice-key", fs.updateIDs[0])
		require.LessOrEqual(t, len(fs.updateIDs[0]), 100)
		require.Empty(t, fs.updateIDs[1], "no key: the SDK makes a fresh id")
		ids := map[string]bool{}
		for _, c := range [][4]string{
			{"alice", "decide", wf, "k"}, {"bob", "decide", wf, "k"}, {"alice", "extend", wf, "k"},
			{"alice", "decide", "onboarding:NO:123456789", "k"}, {"alice", "decide", wf, "k2"},
			{"alice:decide", "", wf, "k"}, {"alice", "decide:" + wf, "", "k"},
		} {
			id := engine.UpdateID(c[0], c[1], c[2], c[3])
			require.False(t, ids[id], "%v collides", c)
			ids[id] = true
		}
		require.Equal(t, engine.UpdateID("alice", "decide", wf, "k"), engine.UpdateID("alice", "decide", wf, "k"))
	})
}

// The engine acts on onboardings only: another workflow type, whatever its ID, is answered
// as if nothing had that ID, and nothing is queried, updated or cancelled.
func TestEngineActsOnOnboardingsOnly(t *testing.T) {
	ctx := context.Background()
	for _, id := range []string{"payroll-run-2026-11", "onboarding:NO:111222333", "onboarding:NO:404040404"} {
		t.Run(id, func(t *testing.T) {
			fs := newFakeServer().workflow("payroll-run-2026-11", "PayrollRun").workflow("onboarding:NO:111222333", "BenchFloor")
			e := engine.New(fs, "default", "onboarding")
			_, err := e.Status(ctx, id)
			require.ErrorIs(t, err, engine.ErrNotFound, "status")
			_, err = e.Decide(ctx, id, "k", api.Decision{Decision: api.DecisionApprove, Agent: "alice"})
			require.ErrorIs(t, err, engine.ErrNotFound, "decide")
			_, err = e.ExtendDeadline(ctx, id, "", api.DeadlineChange{ExtendBy: api.Duration(3600e9), By: "alice"})
			require.ErrorIs(t, err, engine.ErrNotFound, "extend")
			require.ErrorIs(t, e.Cancel(ctx, id, "test", "alice"), engine.ErrNotFound, "cancel")
			require.Empty(t, fs.ran, "nothing was queried, updated or cancelled")
		})
	}
	t.Run("an onboarding is acted on in the run that was checked", func(t *testing.T) {
		fs := newFakeServer().onboarding(wf)
		e := engine.New(fs, "default", "onboarding")
		_, err := e.Status(ctx, wf)
		require.NoError(t, err)
		_, err = e.Decide(ctx, wf, "", api.Decision{Decision: api.DecisionDecline, Agent: "alice"})
		require.NoError(t, err)
		_, err = e.ExtendDeadline(ctx, wf, "", api.DeadlineChange{ExtendBy: api.Duration(3600e9), By: "alice"})
		require.NoError(t, err)
		require.NoError(t, e.Cancel(ctx, wf, "test", "alice"))
		require.Equal(t, []string{"query", api.UpdateDecide, api.UpdateExtendDeadline, "cancel"}, fs.ran)
		require.Equal(t, []string{"run-" + wf, "run-" + wf, "run-" + wf, "run-" + wf}, fs.runIDs)
	})
}

// A start never answers another workflow that holds the merchant's ID as its onboarding.
func TestStartRefusesAnIDHeldByAnotherWorkflow(t *testing.T) {
	fs := newFakeServer().workflow(wf, "BenchFloor")
	_, err := engine.New(fs, "default", "onboarding").Start(context.Background(), merchant("987654321"))
	require.ErrorIs(t, err, engine.ErrIDTaken)
	require.Empty(t, fs.ran, "nothing started")
}
