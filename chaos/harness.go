package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/stackrun"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// onceKinds are the side effects a test company's onboarding causes exactly once. For identity
// it is the session the person opens: the seed gives session.create no idempotency and no
// lookup, so a worker killed between the provider's answer and the activity's heartbeat can
// leave a second, unused session (counted as UnusedIDVSessions, not a failure).
var onceKinds = []string{sandbox.CountCases, sandbox.CountCustomers, sandbox.CountAnalyses, sandbox.CountCreditTerms, sandbox.CountIDVOpened}

// result is one scenario's line and the details behind it.
type result struct {
	Scenario     string        `json:"scenario"`
	Started      int           `json:"started"`
	Finished     int           `json:"finished"`
	Lost         int           `json:"lost"`
	WrongOutcome int           `json:"wrongOutcome"`
	Duplicated   int           `json:"duplicatedSideEffects"` // onboardings with a side effect counted other than once
	Duration     time.Duration `json:"-"`
	Took         string        `json:"took"`
	Chaos        []string      `json:"chaos"` // what was done to the stack, in order
	Pass         bool          `json:"pass"`
	Failures     []string      `json:"failures,omitempty"`
	// Outcomes counts the finished onboardings by outcome.
	Outcomes map[api.Outcome]int `json:"outcomes"`
	// Blocked counts the onboardings seen blocked on a provider (the ProviderBlocked search
	// attribute set) while the batch ran, -1 when they could not be counted; BlockedBy splits
	// them by provider. Information only: it does not decide the verdict.
	Blocked   int            `json:"blocked"`
	BlockedBy map[string]int `json:"blockedBy,omitempty"`
	// Notes are remarks that do not fail the scenario (a count that was skipped, ...).
	Notes []string `json:"notes,omitempty"`
	// CaseReads are the Quickr case reads per started onboarding, where the scenario bounds them.
	CaseReads float64 `json:"caseReadsPerOnboarding,omitempty"`
	// UnusedIDVSessions are identity sessions created beyond the one each onboarding used.
	UnusedIDVSessions int `json:"unusedIdvSessions"`
}

func (r *result) fail(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

// line is the scenario's one-line summary.
func (r *result) line() string {
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	blocked := "-"
	if r.Blocked >= 0 {
		blocked = strconv.Itoa(r.Blocked)
	}
	reads := ""
	if r.CaseReads > 0 {
		reads = fmt.Sprintf(" caseReads/onboarding=%.1f", r.CaseReads)
	}
	if r.UnusedIDVSessions > 0 {
		reads += fmt.Sprintf(" unusedIdvSessions=%d", r.UnusedIDVSessions)
	}
	return fmt.Sprintf("%-22s started=%-4d finished=%-4d lost=%-3d wrong=%-3d dup=%-3d blocked=%-4s took=%-8s chaos=%-3d %s%s",
		r.Scenario, r.Started, r.Finished, r.Lost, r.WrongOutcome, r.Duplicated, blocked, r.Took, len(r.Chaos), verdict, reads)
}

// harness drives one batch on one stack.
type harness struct {
	stack     *stackrun.Stack
	opts      options
	policy    api.Policy
	rnd       *rand.Rand
	merchants []merchant
	timeout   time.Duration // longest time the batch may take
	// maxCaseReads bounds the Quickr case reads per onboarding (0: not checked).
	maxCaseReads float64

	started  atomic.Int64
	finished atomic.Int64

	blocked blockedWatch

	mu    sync.Mutex
	chaos []string
}

// note records a chaos action (with the time since the batch began).
func (h *harness) note(begin time.Time, format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.chaos = append(h.chaos, fmt.Sprintf("%6.1fs ", time.Since(begin).Seconds())+fmt.Sprintf(format, args...))
}

// outcome is how one onboarding ended, as the harness saw it.
type outcome struct {
	m        merchant
	started  bool
	finished bool
	result   *api.OnboardingResult
	status   string // the execution status when it did not complete
	err      error
}

func (h *harness) run(ctx context.Context, sc scenario, res *result) {
	tc, err := h.stack.Client(ctx)
	if err != nil {
		res.fail("client: %v", err)
		return
	}
	bctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	begin := time.Now()

	chaosCtx, stopChaos := context.WithCancel(bctx)
	chaosDone := make(chan struct{})
	go func() {
		defer close(chaosDone)
		if sc.chaos != nil {
			sc.chaos(chaosCtx, h, begin)
		}
	}()

	reviewCtx, stopReviewer := context.WithCancel(bctx)
	reviewerDone := make(chan struct{})
	go func() {
		defer close(reviewerDone)
		h.reviewer(reviewCtx, tc)
	}()

	watchCtx, stopWatch := context.WithCancel(bctx)
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		h.watchBlocked(watchCtx, tc, &h.blocked)
	}()

	progressDone := make(chan struct{})
	go func() {
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-progressDone:
				return
			case <-t.C:
				fmt.Fprintf(os.Stderr, "  %s: %ds, %d started, %d finished\n", sc.name, int(time.Since(begin).Seconds()), h.started.Load(), h.finished.Load())
			}
		}
	}()

	sem := make(chan struct{}, h.opts.concurrency)
	outs := make([]outcome, len(h.merchants))
	var wg sync.WaitGroup
	for i, m := range h.merchants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i] = h.drive(bctx, tc, m, sem)
		}()
	}
	wg.Wait()
	close(progressDone)
	res.Duration = time.Since(begin).Round(100 * time.Millisecond)
	res.Took = res.Duration.String()
	stopChaos()
	stopReviewer()
	stopWatch()
	<-chaosDone
	<-reviewerDone
	<-watchDone
	h.blocked.report(res)
	h.mu.Lock()
	res.Chaos = h.chaos
	h.mu.Unlock()

	// Whatever the chaos left stopped must run again before the counts are read.
	rctx, rcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer rcancel()
	for _, p := range h.stack.Procs() {
		if !p.Running() {
			if err := p.Start(rctx); err != nil {
				res.fail("restart %s after the run: %v", p.Name, err)
			}
		}
	}
	if sc.after != nil {
		sc.after(rctx, h, res)
	}
	h.check(rctx, tc, outs, res)
}

// drive starts one onboarding (retrying while the stack is down: the start is idempotent),
// decides it when it goes to review as expected, and waits for its result.
func (h *harness) drive(ctx context.Context, tc client.Client, m merchant, sem chan struct{}) outcome {
	out := outcome{m: m}
	in := api.OnboardingInput{
		Company: m.company, Contact: m.contact, Address: m.address,
		Credit: api.Credit{Amount: 100000, Currency: "NOK", PeriodDays: 30},
		Policy: h.policy,
	}
	var started *engine.Started
	sem <- struct{}{}
	for {
		var err error
		started, err = engine.New(tc, stackrun.Namespace, h.stack.TaskQueue).Start(ctx, in)
		if err == nil {
			break
		}
		out.err = err
		var invalid *api.ValidationError
		if errors.As(err, &invalid) || !pause(ctx, 500*time.Millisecond) { // bad input stays bad
			<-sem
			return out
		}
	}
	<-sem
	out.started, out.err = true, nil
	h.started.Add(1)

	for {
		var r api.OnboardingResult
		err := tc.GetWorkflow(ctx, started.WorkflowID, "").Get(ctx, &r)
		if err == nil {
			out.finished, out.result = true, &r
			h.finished.Add(1)
			return out
		}
		out.err = err
		if ctx.Err() != nil {
			out.status = h.describe(tc, started.WorkflowID)
			return out
		}
		// Get fails both when Temporal is away (retry) and when the workflow failed or was
		// terminated (lost): the execution status tells them apart.
		if d, derr := tc.DescribeWorkflowExecution(ctx, started.WorkflowID, ""); derr == nil {
			st := d.GetWorkflowExecutionInfo().GetStatus()
			if st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING && st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
				out.status = st.String()
				return out
			}
		}
		if !pause(ctx, 500*time.Millisecond) {
			out.status = h.describe(tc, started.WorkflowID)
			return out
		}
	}
}

// reviewer plays the agent: it finds onboardings awaiting review through the stage search
// attribute (as ops would in the Temporal UI) and approves those the batch expects to go to
// review. An onboarding that goes to review unexpectedly is left there, to be reported.
func (h *harness) reviewer(ctx context.Context, tc client.Client) {
	expect := map[string]bool{}
	for _, m := range h.merchants {
		if m.review {
			expect[m.workflowID()] = true
		}
	}
	decided := map[string]bool{}
	query := fmt.Sprintf(`WorkflowType = "%s" AND %s = "%s" AND ExecutionStatus = "Running" AND TaskQueue = "%s"`,
		api.OnboardMerchantType, api.SAStage.GetName(), api.StageAwaitingReview, h.stack.TaskQueue)
	for pause(ctx, 500*time.Millisecond) {
		var todo []string
		var token []byte
		for {
			resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: 1000, NextPageToken: token})
			if err != nil {
				break
			}
			for _, e := range resp.GetExecutions() {
				id := e.GetExecution().GetWorkflowId()
				if expect[id] && !decided[id] {
					todo = append(todo, id)
				}
			}
			token = resp.GetNextPageToken()
			if len(token) == 0 {
				break
			}
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		sem := make(chan struct{}, h.opts.concurrency)
		for _, id := range todo {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				if h.decide(ctx, tc, id) {
					mu.Lock()
					decided[id] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
}

// decide approves one onboarding as an agent; false when the update did not complete (it is
// tried again on the next round; the validator rejects it once the onboarding moved on).
func (h *harness) decide(ctx context.Context, tc client.Client, id string) bool {
	uctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	uh, err := tc.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateName: api.UpdateDecide, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{api.Decision{Decision: api.DecisionApprove, Agent: "agent.chaos", Reason: "chaos run: checked by hand"}},
	})
	return err == nil && uh.Get(uctx, nil) == nil
}

// describe names an unfinished onboarding's state for the report.
func (h *harness) describe(tc client.Client, id string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if st, err := engine.New(tc, stackrun.Namespace, h.stack.TaskQueue).Status(ctx, id); err == nil {
		desc := "RUNNING at " + string(st.Stage)
		if len(st.ReviewReasons) > 0 {
			desc += " (" + strings.Join(st.ReviewReasons, "; ") + ")"
		}
		if p := h.blocked.blockedOn(id); len(p) > 0 {
			desc += ", blocked on " + strings.Join(p, ", ")
		}
		return desc
	}
	if d, err := tc.DescribeWorkflowExecution(ctx, id, ""); err == nil {
		return d.GetWorkflowExecutionInfo().GetStatus().String()
	}
	return "unknown"
}

// check fills res from the outcomes and the sandbox's counters.
func (h *harness) check(ctx context.Context, tc client.Client, outs []outcome, res *result) {
	const maxListed = 10
	var lost, wrong, dup []string
	wrongBy := map[string]int{} // outcome and the start of its reason -> onboardings
	counts, err := h.stack.Counters(ctx)
	if err != nil {
		res.fail("read counters: %v", err)
	}
	res.Outcomes = map[api.Outcome]int{}
	want := map[api.Outcome]int{}
	for _, o := range outs {
		want[o.m.want]++
	}
	for _, o := range outs {
		id := o.m.workflowID()
		if o.started {
			res.Started++
		}
		switch {
		case !o.started:
			lost = append(lost, fmt.Sprintf("%s (%s): never started: %v", id, o.m.kind, o.err))
			continue
		case !o.finished:
			lost = append(lost, fmt.Sprintf("%s (%s): %s: %v", id, o.m.kind, o.status, o.err))
		default:
			res.Finished++
			res.Outcomes[o.result.Outcome]++
			if o.result.Outcome != o.m.want {
				reason, _, _ := strings.Cut(o.result.Reason, ":")
				wrongBy[fmt.Sprintf("%s (%s)", o.result.Outcome, reason)]++
				wrong = append(wrong, fmt.Sprintf("%s (%s): %s, want %s (%s)", id, o.m.kind, o.result.Outcome, o.m.want, o.result.Reason))
			}
		}
		if counts != nil {
			c := counts[id]
			res.UnusedIDVSessions += max(c[sandbox.CountIDVSessions]-c[sandbox.CountIDVOpened], 0)
			var off []string
			for _, k := range onceKinds {
				want := 0
				if slices.Contains(o.m.once, k) {
					want = 1
				}
				if c[k] != want {
					off = append(off, fmt.Sprintf("%s=%d (want %d)", k, c[k], want))
				}
			}
			if len(off) > 0 && o.finished {
				dup = append(dup, fmt.Sprintf("%s (%s): %s", id, o.m.kind, strings.Join(off, " ")))
			}
		}
	}
	res.Lost, res.WrongOutcome, res.Duplicated = len(lost), len(wrong), len(dup)
	if len(wrong) > 0 {
		// The tally first: with many wrong outcomes only the first few are listed.
		res.fail("outcomes: %s; want %s", tally(res.Outcomes, len(lost)), tally(want, 0))
		keys := slices.Collect(maps.Keys(wrongBy))
		sort.Slice(keys, func(i, j int) bool {
			if wrongBy[keys[i]] != wrongBy[keys[j]] {
				return wrongBy[keys[i]] > wrongBy[keys[j]]
			}
			return keys[i] < keys[j]
		})
		var by []string
		for _, k := range keys {
			by = append(by, fmt.Sprintf("%d %s", wrongBy[k], k))
		}
		res.fail("wrong outcomes by reason: %s", strings.Join(by, "; "))
	}
	for _, group := range []struct {
		what  string
		items []string
	}{{"lost", lost}, {"wrong outcome", wrong}, {"side effects not as expected", dup}} {
		sort.Strings(group.items)
		for i, it := range group.items {
			if i == maxListed {
				res.fail("%s: ... and %d more", group.what, len(group.items)-maxListed)
				break
			}
			res.fail("%s: %s", group.what, it)
		}
	}
	if h.maxCaseReads > 0 && res.Started > 0 {
		reads, err := h.stack.Requests(ctx)
		if err != nil {
			res.fail("read request counts: %v", err)
		} else {
			res.CaseReads = float64(reads[sandbox.RequestQuickrGetCase]) / float64(res.Started)
			if res.CaseReads > h.maxCaseReads {
				res.fail("case reads per onboarding %.1f, want at most %.0f: a wait reads the case on a schedule", res.CaseReads, h.maxCaseReads)
			}
		}
	}
	res.Pass = len(res.Failures) == 0 && res.Started == len(outs)
}

// tally writes outcome counts as "APPROVED=3 FAILED=2", then "unfinished=n" when n > 0.
func tally(m map[api.Outcome]int, unfinished int) string {
	var parts []string
	for o, n := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", o, n))
	}
	sort.Strings(parts)
	if unfinished > 0 {
		parts = append(parts, fmt.Sprintf("unfinished=%d", unfinished))
	}
	return strings.Join(parts, " ")
}

// pause waits d or until ctx ends; false when ctx ended.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// midRun waits until the batch is in full flight: a third of it started and the first
// onboarding finished (so those in flight span every stage), or 25 s, whichever comes first.
// A fixed delay does not do: on two cores a batch of 200 is all started within about 15 s
// and done within about 20, so a fault 25 s in would find it over. False when ctx ended
// first.
func (h *harness) midRun(ctx context.Context) bool {
	n := int64(len(h.merchants))
	deadline := time.Now().Add(25 * time.Second)
	for h.started.Load() < (n+2)/3 || h.finished.Load() < 1 {
		if time.Now().After(deadline) {
			return true
		}
		if !pause(ctx, 100*time.Millisecond) {
			return false
		}
	}
	return ctx.Err() == nil
}

// allDone reports whether every onboarding of the batch has finished.
func (h *harness) allDone() bool { return h.finished.Load() >= int64(len(h.merchants)) }
