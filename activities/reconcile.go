package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/providers/quickr"
)

// The fleet-wide reconciler (workflows.ReconcileQuickr) runs SweepQuickrCases every few
// minutes: it lists the Quickr cases whose status changed since the last sweep, newest first,
// and nudges every onboarding still waiting for a status the case has reached, so that a
// lost webhook costs at most one sweep period. Quickr requests per sweep: one page per 100
// changed cases (at least one). Temporal calls: one DescribeWorkflowExecution (no billable
// action) per changed case that belongs to an onboarding, one signal per onboarding that
// really waits.

// TemporalAPI is the part of the Temporal client the sweep uses; client.Client has it. The
// worker sets Activities.Temporal from its own client.
type TemporalAPI interface {
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
}

// CaseEventReconciled is the Type of the case events the sweep sends.
const CaseEventReconciled = "CASE_RECONCILED"

// Sweep bounds: Quickr's largest page, and pages per sweep (10,000 changed cases).
const (
	sweepPageSize = 100
	sweepMaxPages = 100
)

// SettlesStage reports whether a case in status can end the wait of an onboarding in stage,
// as the workflow's case event handler decides it: a declared status (PROCESSING_DETAILS and
// later) ends the declaration wait; READY_FOR_REVIEW and later end the signature wait.
// Other stages wait for no case status.
func SettlesStage(stage, status string) bool {
	switch stage {
	case string(api.StageAwaitingDeclaration):
		return CaseProgressOf(status) >= CaseDeclared
	case string(api.StageAwaitingSignature):
		return CaseProgressOf(status) >= CaseChecked
	default:
		return false
	}
}

// sweepStatuses are the statuses that settle some wait, in lifecycle order: the sweep asks
// Quickr only for these.
var sweepStatuses = []string{
	quickr.StatusProcessingDetails, quickr.StatusReadyForReview, quickr.StatusReviewInProgress,
	quickr.StatusWaitingForDetails, quickr.StatusActive, quickr.StatusDeclined, quickr.StatusSuspended,
	quickr.StatusArchived,
}

// ReconciledCaseEvent is the case event signal the sweep sends: the JSON of api.CaseEvent
// (workflows/reconcile_test.go checks they agree). The workflow dedupes by EventID and treats
// the event as a hint: it re-reads the case before it acts.
type ReconciledCaseEvent struct {
	EventID    string    `json:"eventId"`
	Type       string    `json:"type"`
	CaseID     string    `json:"caseId"`
	Status     string    `json:"status"`
	OccurredAt time.Time `json:"occurredAt"`
}

// SweepInput is one sweep.
type SweepInput struct {
	// Since is the watermark: every status change before it was handled by earlier sweeps.
	Since time.Time `json:"since"`
	// Overlap re-reads this much before Since, for clock skew between Quickr's servers and
	// changes stamped just before an earlier sweep read the list.
	Overlap time.Duration `json:"overlap"`
	// Resume continues a sweep an earlier round cut short at its page bound.
	Resume *SweepResume `json:"resume,omitempty"`
	// SignalName is the onboarding's case event signal (api.SignalCaseEvent).
	SignalName string `json:"signalName"`
	// TaskQueue, when set, limits the sweep to onboardings on that task queue (the
	// reconciler's own), so fleets sharing a namespace leave each other's onboardings alone.
	TaskQueue string `json:"taskQueue,omitempty"`
	// PageSize (1..100, default 100) and MaxPages (default 100) bound one sweep.
	PageSize int `json:"pageSize,omitempty"`
	MaxPages int `json:"maxPages,omitempty"`
}

// SweepResume is where a sweep cut short at its page bound stopped.
type SweepResume struct {
	// Cursor is the starting_after of the next page to read.
	Cursor string `json:"cursor"`
	// Top is the newest status change the cut-short pass has seen: once the pass reaches the
	// watermark, Top becomes the new watermark.
	Top time.Time `json:"top"`
}

// SweepCounts are what one sweep did.
type SweepCounts struct {
	Pages  int `json:"pages"`  // list requests to Quickr
	Listed int `json:"listed"` // cases read, the one past the floor included
	// Candidates are listed cases of an onboarding (reference with the onboarding prefix).
	Candidates int `json:"candidates"`
	Described  int `json:"described"` // onboardings described in Temporal
	Signalled  int `json:"signalled"` // onboardings signalled
	// Skipped cases: no such onboarding, or it has finished; the onboarding waits for nothing
	// this status settles (another stage, another task queue or workflow type); no or an
	// unreadable status_updated_at.
	NotFound   int `json:"notFound,omitempty"`
	Finished   int `json:"finished,omitempty"`
	NotWaiting int `json:"notWaiting,omitempty"`
	Undated    int `json:"undated,omitempty"`
}

// SweepResult is the outcome of a sweep.
type SweepResult struct {
	// Watermark is the next sweep's Since: the newest status change seen, or Since when
	// nothing newer changed (or when the sweep was cut short).
	Watermark time.Time `json:"watermark"`
	// Resume is set when the page bound cut the sweep short: the next sweep continues there
	// before it moves the watermark.
	Resume *SweepResume `json:"resume,omitempty"`
	// Floor is where the sweep stopped reading: Since - Overlap.
	Floor time.Time `json:"floor"`
	SweepCounts
}

// sweepProgress is the heartbeat: the page being read and what the pass has done, so a
// retried attempt resumes at that page (re-signalling it is harmless: the events dedupe).
type sweepProgress struct {
	Cursor string      `json:"cursor"`
	Top    time.Time   `json:"top"`
	Counts SweepCounts `json:"counts"`
}

// SweepQuickrCases lists the cases with a settling status newest status change first
// (sort_by status_updated_at, DESC), page by page, until the first case older than
// Since - Overlap, and signals each onboarding that is running and waits in a stage the
// case's status settles (Temporal's OnboardingStage search attribute). Onboardings not found
// or finished are skipped. It heartbeats per page with its cursor; at MaxPages it stops and
// returns Resume with the watermark unchanged.
func (a *Activities) SweepQuickrCases(ctx context.Context, in SweepInput) (*SweepResult, error) {
	if a.Quickr == nil {
		return nil, notConfigured("quickr")
	}
	if a.Temporal == nil {
		return nil, notConfigured("temporal")
	}
	if in.Since.IsZero() || in.SignalName == "" || in.Overlap < 0 || in.PageSize < 0 || in.PageSize > 100 || in.MaxPages < 0 {
		return nil, invalidInput("sweep: since and signalName are required, overlap, pageSize (0..100) and maxPages must not be negative")
	}
	pageSize, maxPages := in.PageSize, in.MaxPages
	if pageSize == 0 {
		pageSize = sweepPageSize
	}
	if maxPages == 0 {
		maxPages = sweepMaxPages
	}
	floor := in.Since.Add(-in.Overlap)

	var prog sweepProgress
	if in.Resume != nil {
		prog.Cursor, prog.Top = in.Resume.Cursor, in.Resume.Top
	}
	if activity.HasHeartbeatDetails(ctx) {
		var hb sweepProgress
		if err := activity.GetHeartbeatDetails(ctx, &hb); err == nil {
			prog = hb
		}
	}
	seen := map[string]bool{} // a case listed twice (it moved while we paged) is handled once
	log := activity.GetLogger(ctx)
	for {
		if prog.Counts.Pages >= maxPages {
			log.Warn("sweep cut short at its page bound; the next sweep continues", "pages", prog.Counts.Pages, "cursor", prog.Cursor)
			return &SweepResult{Watermark: in.Since, Resume: &SweepResume{Cursor: prog.Cursor, Top: prog.Top}, Floor: floor, SweepCounts: prog.Counts}, nil
		}
		activity.RecordHeartbeat(ctx, prog)
		page, err := a.Quickr.ListCases(ctx, quickr.ListCasesParams{
			Status: sweepStatuses, SortBy: quickr.SortByStatusUpdatedAt, SortOrder: quickr.SortDesc,
			Limit: pageSize, StartingAfter: prog.Cursor,
		})
		if err != nil {
			return nil, providerError(err)
		}
		prog.Counts.Pages++
		done := page.Pagination.Cursor == "" || len(page.Data) == 0
		var todo []listedCase
		for i := range page.Data {
			cs := &page.Data[i]
			prog.Counts.Listed++
			at, ok := cs.StatusUpdatedTime()
			if !ok {
				prog.Counts.Undated++
				continue
			}
			if at.Before(floor) {
				done = true
				break
			}
			if at.After(prog.Top) {
				prog.Top = at
			}
			todo = append(todo, listedCase{cs, at})
		}
		if err := a.reconcilePage(ctx, in, todo, seen, &prog.Counts); err != nil {
			return nil, err
		}
		if done {
			wm := in.Since
			if prog.Top.After(wm) {
				wm = prog.Top
			}
			return &SweepResult{Watermark: wm, Floor: floor, SweepCounts: prog.Counts}, nil
		}
		prog.Cursor = page.Pagination.Cursor
	}
}

// listedCase is a case of a page with its parsed status_updated_at.
type listedCase struct {
	c  *quickr.Case
	at time.Time
}

// sweepParallel is how many onboardings of a page are described and signalled at once: a
// burst of changed cases (500 declared in one sweep period) then moves on in a couple of
// seconds instead of one round trip after another.
const sweepParallel = 16

// reconcilePage reconciles a page's cases, sweepParallel at a time, and adds up their counts.
// The first error wins; the sweep is then retried from the page's heartbeat.
func (a *Activities) reconcilePage(ctx context.Context, in SweepInput, todo []listedCase, seen map[string]bool, n *SweepCounts) error {
	counts := make([]SweepCounts, len(todo))
	errs := make([]error, len(todo))
	var unique []int
	for i, lc := range todo {
		// seen is read and written here, before the workers start: it needs no lock.
		if lc.c.Reference == "" || !a.markSeen(lc, seen) {
			continue
		}
		unique = append(unique, i)
	}
	sem := make(chan struct{}, sweepParallel)
	var wg sync.WaitGroup
	for _, i := range unique {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = a.reconcileCase(ctx, in, todo[i].c, todo[i].at, &counts[i])
		}()
	}
	wg.Wait()
	for i := range todo {
		n.add(counts[i])
	}
	return errors.Join(errs...)
}

// markSeen records the event a listed case stands for and reports whether it is new (a case
// listed twice, because it moved while we paged, is handled once).
func (a *Activities) markSeen(lc listedCase, seen map[string]bool) bool {
	id := sweepEventID(lc.c)
	if seen[id] {
		return false
	}
	seen[id] = true
	return true
}

func sweepEventID(cs *quickr.Case) string {
	return "sweep:" + cs.ID + ":" + cs.Status + ":" + cs.StatusUpdatedAt
}

// add adds the per-case counts of o to c (pages and listed are the sweep's own).
func (c *SweepCounts) add(o SweepCounts) {
	c.Candidates += o.Candidates
	c.Described += o.Described
	c.Signalled += o.Signalled
	c.NotFound += o.NotFound
	c.Finished += o.Finished
	c.NotWaiting += o.NotWaiting
}

// reconcileCase signals the case's onboarding when it waits for what the case's status
// settles.
func (a *Activities) reconcileCase(ctx context.Context, in SweepInput, cs *quickr.Case, at time.Time, n *SweepCounts) error {
	if !strings.HasPrefix(cs.Reference, api.IDPrefix) {
		return nil
	}
	if !SettlesStage(string(api.StageAwaitingDeclaration), cs.Status) && !SettlesStage(string(api.StageAwaitingSignature), cs.Status) {
		return nil
	}
	eventID := sweepEventID(cs)
	n.Candidates++
	desc, err := a.Temporal.DescribeWorkflowExecution(ctx, cs.Reference, "")
	if isNotFound(err) {
		n.NotFound++
		return nil
	}
	if err != nil {
		return fmt.Errorf("describe %s: %w", cs.Reference, err)
	}
	n.Described++
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		n.Finished++
		return nil
	}
	if info.GetType().GetName() != api.OnboardMerchantType || (in.TaskQueue != "" && info.GetTaskQueue() != in.TaskQueue) ||
		!SettlesStage(stageOf(info), cs.Status) {
		n.NotWaiting++
		return nil
	}
	ev := ReconciledCaseEvent{EventID: eventID, Type: CaseEventReconciled, CaseID: cs.ID, Status: cs.Status, OccurredAt: at}
	err = a.Temporal.SignalWorkflow(ctx, cs.Reference, info.GetExecution().GetRunId(), in.SignalName, ev)
	if isNotFound(err) {
		n.Finished++ // it finished between the describe and the signal
		return nil
	}
	if err != nil {
		return fmt.Errorf("signal %s: %w", cs.Reference, err)
	}
	n.Signalled++
	activity.GetLogger(ctx).Info("reconciled a case the onboarding had not heard of", "workflowId", cs.Reference, "caseId", cs.ID, "status", cs.Status)
	return nil
}

// stageOf reads the onboarding's OnboardingStage search attribute ("" when unset).
func stageOf(info *workflowpb.WorkflowExecutionInfo) string {
	p := info.GetSearchAttributes().GetIndexedFields()[api.SAStageName]
	if p == nil {
		return ""
	}
	var stage string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &stage); err != nil {
		return ""
	}
	return stage
}

// isNotFound reports whether a Temporal call failed because the workflow does not exist (or,
// for a signal, has finished).
func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return err != nil && errors.As(err, &nf)
}
