package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/bench/floor"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// benchOrg is the test company every bench onboarding uses: Ragnarok AS, which the rules
// approve automatically.
const benchOrg = "987654321"

// benchRun names bench onboarding i of run tag. Production IDs are onboarding:<country>:<org>,
// one per merchant; the bench needs many onboardings of the same test company, so the
// engine appends this to the ID (StartOptions.IDSuffix). The sandbox keys its test data on
// the organisation number inside the reference, so each one still takes the automated path.
func benchRun(tag string, i int) string { return fmt.Sprintf("bench-%s-%d", tag, i) }

// onboardingInput is Ragnarok's onboarding with policy p (zero fields: the defaults).
func onboardingInput(p api.Policy) api.OnboardingInput {
	co := sandbox.TestCompanies[benchOrg]
	return api.OnboardingInput{
		Company: api.Company{OrgNumber: co.OrgNumber, Country: co.Country, Name: co.Name},
		Contact: api.Person{Name: co.Board[0].Name, Email: "contact@example.test"},
		Address: co.Address + ", " + co.PostalCode + " " + co.City,
		Credit:  api.Credit{Amount: 100000, Currency: "NOK", PeriodDays: 30},
		Policy:  p,
	}
}

// startOnboarding starts bench onboarding run through the engine's one start path, under the
// bench's own ID (benchRun; production IDs are one per merchant), and hands it the merchant's
// bank data at once, as an app that has it already would: the bench's IDs are not
// addressable through the gateway, where the sandbox's app would upload it (README,
// Benchmarks). Time is compressed: a bench policy plays days in seconds.
func startOnboarding(ctx context.Context, e *env, run string, p api.Policy) (client.WorkflowRun, error) {
	eng := engine.New(e.c, e.namespace, e.tq)
	st, err := eng.StartWith(ctx, onboardingInput(p), engine.StartOptions{IDSuffix: run, Timescale: api.CompressedTime})
	if err != nil {
		return nil, err
	}
	id := st.WorkflowID
	upload, err := e.bankData(ctx)
	if err != nil {
		return nil, err
	}
	h, err := e.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, RunID: st.RunID, UpdateName: api.UpdateSupplyBankData,
		Args: []any{upload}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("bank data for %s: %w", id, err)
	}
	return e.c.GetWorkflow(ctx, id, st.RunID), nil
}

// startFloor starts one floor run.
func startFloor(ctx context.Context, c client.Client, tq, id string) (client.WorkflowRun, error) {
	return c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: tq}, floor.WorkflowType, floor.Input{})
}

// starter starts workflow i.
type starter func(ctx context.Context, i int) (client.WorkflowRun, error)

// batchResult is one batch of workflows run to their end.
type batchResult struct {
	IDs      []string
	Outcomes map[string]int // onboarding outcome (or "completed"/"failed: ...") -> count
	Elapsed  time.Duration  // first start to last result, as the bench saw it
}

// runBatch starts n workflows with at most par starts in flight and waits for every result.
// A start that fails ends the starting; the batch then fails with it.
func runBatch(ctx context.Context, n, par int, start starter) (*batchResult, error) {
	res := &batchResult{IDs: make([]string, n), Outcomes: map[string]int{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, par)
	var startErr, firstErr atomic.Value
	t0 := time.Now()
	for i := range n {
		sem <- struct{}{}
		if startErr.Load() != nil {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			run, err := start(ctx, i)
			if err != nil {
				// Said before the slot is freed, so the loop sees it before the next start.
				startErr.CompareAndSwap(nil, fmt.Errorf("start %d: %w", i, err))
			}
			<-sem
			if err != nil {
				return
			}
			res.IDs[i] = run.GetID()
			var out struct {
				Outcome string `json:"outcome"`
			}
			key := ""
			if err := run.Get(ctx, &out); err != nil {
				key = "error: " + firstLine(err.Error())
				firstErr.CompareAndSwap(nil, err)
			} else if out.Outcome != "" {
				key = out.Outcome
			} else {
				key = "completed"
			}
			mu.Lock()
			res.Outcomes[key]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(t0)
	if err, _ := startErr.Load().(error); err != nil {
		return nil, err
	}
	if err, _ := firstErr.Load().(error); err != nil && ctx.Err() != nil {
		return nil, err
	}
	return res, nil
}

// startAll starts n workflows with par starts in flight and does not wait for them.
func startAll(ctx context.Context, n, par int, start starter) ([]string, error) {
	ids := make([]string, n)
	err := forEach(ctx, n, par, func(i int) error {
		run, err := start(ctx, i)
		if err != nil {
			return fmt.Errorf("start %d: %w", i, err)
		}
		ids[i] = run.GetID()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// histories fetches the full history of every workflow ID, par at a time.
func histories(ctx context.Context, c client.Client, ids []string, par int) (map[string][]*historypb.HistoryEvent, error) {
	out := make(map[string][]*historypb.HistoryEvent, len(ids))
	var mu sync.Mutex
	err := forEach(ctx, len(ids), par, func(i int) error {
		var events []*historypb.HistoryEvent
		it := c.GetWorkflowHistory(ctx, ids[i], "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return fmt.Errorf("history of %s: %w", ids[i], err)
			}
			events = append(events, e)
		}
		mu.Lock()
		out[ids[i]] = events
		mu.Unlock()
		return nil
	})
	return out, err
}

// forEach calls f(0..n-1) with par calls in flight and returns the first error.
func forEach(ctx context.Context, n, par int, f func(i int) error) error {
	var wg sync.WaitGroup
	var next atomic.Int64
	var once sync.Once
	var first error
	for range min(par, max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// countRunning counts running onboardings in stage (visibility, which lags by a moment).
func countRunning(ctx context.Context, c client.Client, stage api.Stage) (int64, error) {
	resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
		Query: fmt.Sprintf(`WorkflowType = "OnboardMerchant" AND ExecutionStatus = "Running" AND OnboardingStage = %q`, string(stage)),
	})
	if err != nil {
		return 0, err
	}
	return resp.GetCount(), nil
}

// waitCount polls until count() reaches want or timeout passes.
func waitCount(ctx context.Context, timeout time.Duration, want int64, count func(context.Context) (int64, error)) (int64, error) {
	deadline := time.Now().Add(timeout)
	var n int64
	for {
		var err error
		n, err = count(ctx)
		if err == nil && n >= want {
			return n, nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return n, err
			}
			return n, fmt.Errorf("only %d of %d after %s", n, want, timeout)
		}
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
