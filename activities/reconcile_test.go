package activities_test

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/providers/quickr"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// fakeRun is one workflow as the fake Temporal describes it.
type fakeRun struct {
	typ, taskQueue, stage string
	status                enumspb.WorkflowExecutionStatus
}

// fakeTemporal answers Describe from runs and records signals.
type fakeTemporal struct {
	mu        sync.Mutex
	runs      map[string]fakeRun
	describes int
	signals   []signal
	failWith  error // every call fails with it when set
}

type signal struct {
	workflowID, runID, name string
	ev                      activities.ReconciledCaseEvent
}

func (f *fakeTemporal) DescribeWorkflowExecution(_ context.Context, id, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failWith != nil {
		return nil, f.failWith
	}
	f.describes++
	r, ok := f.runs[id]
	if !ok {
		return nil, serviceerror.NewNotFound("workflow not found for ID: " + id)
	}
	info := &workflowpb.WorkflowExecutionInfo{
		Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: "run-" + id},
		Type:      &commonpb.WorkflowType{Name: r.typ},
		Status:    r.status,
		TaskQueue: r.taskQueue,
	}
	if r.stage != "" {
		p, err := converter.GetDefaultDataConverter().ToPayload(r.stage)
		if err != nil {
			return nil, err
		}
		info.SearchAttributes = &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{api.SAStageName: p}}
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: info}, nil
}

func (f *fakeTemporal) SignalWorkflow(_ context.Context, id, runID, name string, arg any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failWith != nil {
		return f.failWith
	}
	f.signals = append(f.signals, signal{workflowID: id, runID: runID, name: name, ev: arg.(activities.ReconciledCaseEvent)})
	return nil
}

func (f *fakeTemporal) signalled() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, s := range f.signals {
		ids = append(ids, s.workflowID)
	}
	sort.Strings(ids)
	return ids
}

// waiting is a running onboarding in stage on the default test queue.
func waiting(stage string) fakeRun {
	return fakeRun{typ: api.OnboardMerchantType, taskQueue: "q", stage: stage, status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}
}

// sweepEnv is a sandbox with the sweep wired to a fake Temporal.
type sweepEnv struct {
	*env
	tc *fakeTemporal
}

func newSweepEnv(t *testing.T) *sweepEnv {
	e := newEnv(t)
	tc := &fakeTemporal{runs: map[string]fakeRun{}}
	e.acts.Temporal = tc
	return &sweepEnv{env: e, tc: tc}
}

// newCase creates a case of Ragnarok with reference ref and returns its id. Declared, it waits
// in PROCESSING_DETAILS for the board's signatures.
func (e *sweepEnv) newCase(ref string) string {
	e.t.Helper()
	c, err := e.quickr.CreateCase(context.Background(), quickr.CaseCreate{
		Actions:   []string{quickr.ActionRequestDeclaration},
		Reference: ref,
		Prefills:  []quickr.TypeData{{Type: "company", Data: []map[string]any{{"organization_number": orgRagnarok, "country": "NO"}}}},
		Sections:  []quickr.Section{{Type: "company"}, {Type: "signatory"}},
		Checks:    []quickr.CheckSpec{{Type: "company"}, {Type: "signatory"}},
	})
	require.NoError(e.t, err)
	return c.ID
}

// declareRef declares the case with reference ref now (sandbox clock).
func (e *sweepEnv) declareRef(ref string) {
	e.t.Helper()
	e.control(http.MethodPost, "/control/quickr/cases/"+ref+"/declare", "")
}

func (e *sweepEnv) sweep(in activities.SweepInput) *activities.SweepResult {
	e.t.Helper()
	if in.SignalName == "" {
		in.SignalName = "quickr-case-event"
	}
	return must[activities.SweepResult](e.env, e.acts.SweepQuickrCases, in)
}

func TestSweepSignalsOnlyWaitingOnboardings(t *testing.T) {
	e := newSweepEnv(t)
	since := t0
	e.clock.Advance(time.Minute)
	refs := map[string]fakeRun{
		"onboarding:NO:1": waiting(string(api.StageAwaitingDeclaration)), // declared below: signalled
		"onboarding:NO:2": waiting(string(api.StageAwaitingDeclaration)), // not declared: not even listed
		"onboarding:NO:3": {typ: api.OnboardMerchantType, taskQueue: "q", stage: string(api.StageAwaitingDeclaration), status: enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED},
		"onboarding:NO:5": waiting(string(api.StageAwaitingSignature)), // declared is not enough for a signature wait
		"onboarding:NO:6": waiting("AWAITING_REVIEW"),
		"onboarding:NO:7": {typ: api.OnboardMerchantType, taskQueue: "other", stage: string(api.StageAwaitingDeclaration), status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING},
	}
	for id, r := range refs {
		e.tc.runs[id] = r
	}
	ids := map[string]string{}
	for _, ref := range []string{"onboarding:NO:1", "onboarding:NO:2", "onboarding:NO:3", "onboarding:NO:4", "onboarding:NO:5", "onboarding:NO:6", "onboarding:NO:7", "someone-else"} {
		ids[ref] = e.newCase(ref)
	}
	e.clock.Advance(time.Minute)
	for _, ref := range []string{"onboarding:NO:1", "onboarding:NO:3", "onboarding:NO:4", "onboarding:NO:5", "onboarding:NO:6", "onboarding:NO:7", "someone-else"} {
		e.declareRef(ref)
	}
	declaredAt := e.clock.Now()

	res := e.sweep(activities.SweepInput{Since: since, Overlap: time.Minute, TaskQueue: "q"})
	require.Equal(t, []string{"onboarding:NO:1"}, e.tc.signalled())
	sig := e.tc.signals[0]
	require.Equal(t, "quickr-case-event", sig.name)
	require.Equal(t, "run-onboarding:NO:1", sig.runID, "the run that was described")
	doc, err := e.quickr.GetCase(context.Background(), ids["onboarding:NO:1"])
	require.NoError(t, err)
	require.Equal(t, activities.ReconciledCaseEvent{
		EventID: "sweep:" + doc.ID + ":" + doc.Status + ":" + doc.StatusUpdatedAt, Type: activities.CaseEventReconciled,
		CaseID: doc.ID, Status: doc.Status, OccurredAt: declaredAt,
	}, sig.ev)

	require.Equal(t, declaredAt, res.Watermark, "the newest status change seen")
	require.Nil(t, res.Resume)
	require.Equal(t, since.Add(-time.Minute), res.Floor)
	require.Equal(t, activities.SweepCounts{
		Pages: 1, Listed: 7, Candidates: 6, Described: 5, Signalled: 1,
		NotFound: 1, Finished: 1, NotWaiting: 3,
	}, res.SweepCounts)

	// The same sweep again signals the same event (the workflow dedupes it by EventID).
	again := e.sweep(activities.SweepInput{Since: since, Overlap: time.Minute, TaskQueue: "q"})
	require.Equal(t, res.SweepCounts, again.SweepCounts)
	require.Equal(t, sig.ev.EventID, e.tc.signals[1].ev.EventID)
}

func TestSweepSettlesTheSignatureWaitFromReadyForReview(t *testing.T) {
	e := newSweepEnv(t)
	e.tc.runs["onboarding:NO:1"] = waiting(string(api.StageAwaitingSignature))
	e.clock.Advance(time.Minute)
	id := e.newCase("onboarding:NO:1")
	e.declareRef("onboarding:NO:1")
	res := e.sweep(activities.SweepInput{Since: t0, Overlap: time.Minute})
	require.Zero(t, res.Signalled, "declared, the case waits for signatures")
	require.Equal(t, 1, res.NotWaiting)

	e.clock.Advance(time.Minute)
	e.control(http.MethodPost, "/control/quickr/cases/onboarding:NO:1/sign", "")
	doc, err := e.quickr.GetCase(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, quickr.StatusReadyForReview, doc.Status, "signed: the checks ran at once")
	res = e.sweep(activities.SweepInput{Since: res.Watermark, Overlap: time.Minute})
	require.Equal(t, 1, res.Signalled)
	require.Equal(t, quickr.StatusReadyForReview, e.tc.signals[0].ev.Status)
}

// declaredOneAMinute makes n waiting onboardings ("onboarding:NO:a", ...) whose cases are
// declared one a minute, in that order, and returns their references.
func (e *sweepEnv) declaredOneAMinute(n int) []string {
	var refs []string
	for i := range n {
		ref := "onboarding:NO:" + string(rune('a'+i))
		refs = append(refs, ref)
		e.newCase(ref)
		e.tc.runs[ref] = waiting(string(api.StageAwaitingDeclaration))
	}
	for _, ref := range refs {
		e.clock.Advance(time.Minute)
		e.declareRef(ref)
	}
	return refs
}

func TestSweepStopsAtTheWatermark(t *testing.T) {
	e := newSweepEnv(t)
	refs := e.declaredOneAMinute(12)
	// The last sweep handled everything up to half a minute after the 9th declaration; 3
	// changed since.
	since := t0.Add(9*time.Minute + 30*time.Second)
	res := e.sweep(activities.SweepInput{Since: since, Overlap: 20 * time.Second, PageSize: 2})
	require.Equal(t, []string{refs[9], refs[10], refs[11]}, e.tc.signalled())
	require.Equal(t, 2, res.Pages, "3 changed cases and the first one past the floor, 2 a page")
	require.Equal(t, 4, res.Listed)
	require.Equal(t, t0.Add(12*time.Minute), res.Watermark)
	require.Equal(t, 2, e.sb.Counters().Requests()[sandbox.RequestQuickrListCases])

	// Nothing changed since: one page, nothing signalled, the watermark stays.
	n := len(e.tc.signals)
	quietSince := res.Watermark.Add(time.Second)
	quiet := e.sweep(activities.SweepInput{Since: quietSince, Overlap: 0})
	require.Equal(t, quietSince, quiet.Watermark)
	require.Equal(t, 1, quiet.Pages)
	require.Equal(t, n, len(e.tc.signals))
	require.Equal(t, 1, quiet.Listed, "only the newest, which is already past the floor")

	// The overlap re-reads what changed just before the watermark.
	overlap := e.sweep(activities.SweepInput{Since: res.Watermark, Overlap: 90 * time.Second})
	require.Equal(t, 2, overlap.Signalled)
	require.Equal(t, res.Watermark, overlap.Watermark)
}

func TestSweepBoundedAndContinued(t *testing.T) {
	e := newSweepEnv(t)
	refs := e.declaredOneAMinute(7)
	in := activities.SweepInput{Since: t0, Overlap: 0, PageSize: 2, MaxPages: 2}
	first := e.sweep(in)
	require.NotNil(t, first.Resume, "7 changed cases do not fit in 2 pages of 2")
	require.Equal(t, t0, first.Watermark, "the watermark stays until the pass is done")
	require.Equal(t, t0.Add(7*time.Minute), first.Resume.Top)
	require.Equal(t, 4, first.Signalled)

	// Meanwhile another case changes: it is newer than the pass, so the pass leaves it to the
	// sweep after, which starts from the top.
	e.clock.Advance(time.Minute)
	late := "onboarding:NO:late"
	e.newCase(late)
	e.tc.runs[late] = waiting(string(api.StageAwaitingDeclaration))
	e.declareRef(late)

	in.Resume = first.Resume
	second := e.sweep(in)
	require.Nil(t, second.Resume)
	require.Equal(t, t0.Add(7*time.Minute), second.Watermark, "the pass's top, not the late change")
	require.Equal(t, 3, second.Signalled)
	require.Equal(t, refs, e.tc.signalled(), "each once so far")

	third := e.sweep(activities.SweepInput{Since: second.Watermark, Overlap: 0, PageSize: 2, MaxPages: 2})
	require.Nil(t, third.Resume)
	require.Equal(t, 2, third.Signalled, "the late one, and the one at the watermark itself (re-read: the floor is inclusive)")
	// One page: its onboardings are signalled in parallel, so in no particular order.
	lastTwo := []string{e.tc.signals[len(e.tc.signals)-2].workflowID, e.tc.signals[len(e.tc.signals)-1].workflowID}
	require.ElementsMatch(t, []string{late, refs[len(refs)-1]}, lastTwo, "the newest two")
	require.Equal(t, e.clock.Now(), third.Watermark)
}

func TestSweepRetryResumesAtTheHeartbeatCursor(t *testing.T) {
	e := newSweepEnv(t)
	var ids []string
	for _, ref := range []string{"onboarding:NO:a", "onboarding:NO:b", "onboarding:NO:c"} {
		ids = append(ids, e.newCase(ref))
		e.tc.runs[ref] = waiting(string(api.StageAwaitingDeclaration))
	}
	for _, ref := range []string{"onboarding:NO:a", "onboarding:NO:b", "onboarding:NO:c"} {
		e.clock.Advance(time.Minute)
		e.declareRef(ref)
	}
	// The first attempt read page one (c) and heartbeat the cursor of page two.
	ae := e.activityEnv()
	ae.SetHeartbeatDetails(map[string]any{"cursor": ids[2], "top": t0.Add(3 * time.Minute), "counts": map[string]any{"pages": 1, "listed": 1, "signalled": 1}})
	res, err := run[activities.SweepResult](e.env, ae, e.acts.SweepQuickrCases, activities.SweepInput{Since: t0, SignalName: "s", PageSize: 1})
	require.NoError(t, err)
	require.Equal(t, []string{"onboarding:NO:a", "onboarding:NO:b"}, e.tc.signalled(), "page one is not read again")
	require.Equal(t, 3, res.Signalled)
	require.Equal(t, t0.Add(3*time.Minute), res.Watermark)
}

func TestSweepFailures(t *testing.T) {
	e := newSweepEnv(t)
	e.clock.Advance(time.Minute)
	e.newCase("onboarding:NO:1")
	e.declareRef("onboarding:NO:1")
	in := activities.SweepInput{Since: t0, Overlap: time.Minute, SignalName: "s"}

	e.tc.failWith = serviceerror.NewUnavailable("frontend down")
	_, err := run[activities.SweepResult](e.env, nil, e.acts.SweepQuickrCases, in)
	require.ErrorContains(t, err, "frontend down")
	require.False(t, activities.IsRejected(err), "retried")

	e.tc.failWith = nil
	e.acts.Temporal = nil
	_, err = run[activities.SweepResult](e.env, nil, e.acts.SweepQuickrCases, in)
	require.Equal(t, activities.ErrNotConfigured, errType(err))

	e.acts.Temporal = e.tc
	_, err = run[activities.SweepResult](e.env, nil, e.acts.SweepQuickrCases, activities.SweepInput{SignalName: "s"})
	require.Equal(t, activities.ErrInvalidInput, errType(err), "no watermark")

	e.control(http.MethodPut, "/control/faults", `{"quickr":{"errorRate":1,"errorStatus":503}}`)
	_, err = run[activities.SweepResult](e.env, nil, e.acts.SweepQuickrCases, in)
	require.Equal(t, activities.ErrProviderUnavailable, errType(err))
}
