package main

import (
	"context"
	"fmt"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/bench/floor"
)

// Workload is one batch of N workflows of one kind run to their end on one stack.
type Workload struct {
	Kind     string         `json:"kind"` // "onboarding" or "floor"
	N        int            `json:"n"`
	Outcomes map[string]int `json:"outcomes"`
	// Rate is workflows per second from the first start event to the last close event.
	Rate        float64 `json:"ratePerSecond"`
	WallSeconds float64 `json:"wallSeconds"`
	// StartToOutcome: WorkflowExecutionStarted -> WorkflowExecutionCompleted (history).
	StartToOutcome Percentiles `json:"startToOutcome"`
	// LastProviderToOutcome: the last provider event (signal, or completion of an activity
	// other than Notify) -> WorkflowExecutionCompleted (history).
	LastProviderToOutcome Percentiles `json:"lastProviderToOutcome"`
	Events                Spread      `json:"eventsPerWorkflow"`
	Actions               Spread      `json:"historyActionsPerWorkflow"`
	// ActionsOfMedian is the breakdown of the workflow with the median action total.
	ActionsOfMedian Actions `json:"actionsOfMedianWorkflow"`
	// Server is the dev server's own counters per workflow over the batch.
	Server        ServerCounters `json:"serverCountersPerWorkflow"`
	ServerActions float64        `json:"serverActionsPerWorkflow"`
	Usage         Usage          `json:"usage"`
	WorkerCPUms   float64        `json:"workerCpuMsPerWorkflow"`
	ServerCPUms   float64        `json:"serverCpuMsPerWorkflow"`
	ActivityTypes map[string]int `json:"activityTypesOfMedianWorkflow"`
}

// Throughput is the onboarding against the floor on one stack.
type Throughput struct {
	Variant    string    `json:"variant"` // "memory" or "file"
	Onboarding *Workload `json:"onboarding"`
	Floor      *Workload `json:"floor"`
	// Ratio is onboarding rate / floor rate.
	Ratio float64 `json:"ratio"`
	// Unloaded is a few onboardings run one at a time on the same stack, for the wake-up
	// latency without a queue in front of it.
	Unloaded *Workload `json:"unloaded,omitempty"`
}

// unloadedRuns is how many onboardings the unloaded measurement runs, one after another.
const unloadedRuns = 20

// runThroughput runs a warm-up, then n onboardings, then n floor runs.
func runThroughput(ctx context.Context, e *env, variant string, n, par int) (*Throughput, error) {
	tq := e.tq
	tag := fmt.Sprintf("%d", time.Now().UnixNano())
	onb := func(label string) starter {
		return func(ctx context.Context, i int) (client.WorkflowRun, error) {
			return startOnboarding(ctx, e, benchRun(tag+"-"+label, i), api.Policy{})
		}
	}
	floor := func(label string) starter {
		return func(ctx context.Context, i int) (client.WorkflowRun, error) {
			return startFloor(ctx, e.c, tq, fmt.Sprintf("bench-floor-%s-%s-%d", tag, label, i))
		}
	}
	// Warm-up: connections, caches and the JIT-free Go runtime's first allocations.
	warm := min(20, n)
	if _, err := runBatch(ctx, warm, par, onb("warm")); err != nil {
		return nil, err
	}
	if _, err := runBatch(ctx, warm, par, floor("warm")); err != nil {
		return nil, err
	}
	t := &Throughput{Variant: variant}
	var err error
	logf("%s: %d onboardings", e.name, n)
	if t.Onboarding, err = measureWorkload(ctx, e, "onboarding", n, par, onb("run")); err != nil {
		return nil, err
	}
	logf("%s: %d floor runs", e.name, n)
	if t.Floor, err = measureWorkload(ctx, e, "floor", n, par, floor("run")); err != nil {
		return nil, err
	}
	if t.Floor.Rate > 0 {
		t.Ratio = t.Onboarding.Rate / t.Floor.Rate
	}
	logf("%s: %d onboardings one at a time (unloaded)", e.name, unloadedRuns)
	if t.Unloaded, err = measureWorkload(ctx, e, "onboarding (unloaded)", unloadedRuns, 1, onb("unloaded")); err != nil {
		return nil, err
	}
	return t, nil
}

func measureWorkload(ctx context.Context, e *env, kind string, n, par int, start starter) (*Workload, error) {
	before := e.counters(ctx)
	m := startMeter(e)
	b, err := runBatch(ctx, n, par, start)
	usage := m.stop()
	if err != nil {
		return nil, err
	}
	// The server counts some actions when a task completes; let the last ones land.
	after := e.counters(ctx)
	hs, err := histories(ctx, e.c, b.IDs, 16)
	if err != nil {
		return nil, err
	}
	w := summarize(kind, b.IDs, hs, e.dc)
	w.Outcomes = b.Outcomes
	w.WallSeconds = b.Elapsed.Seconds()
	w.Server = after.Sub(before).Div(float64(n))
	w.ServerActions = w.Server.ActionsTotal()
	w.Usage = usage
	w.WorkerCPUms = usage.WorkerCPUSec * 1000 / float64(n)
	w.ServerCPUms = usage.ServerCPUSec * 1000 / float64(n)
	return w, nil
}

// summarize computes rates, latencies, events and actions from the histories.
func summarize(kind string, ids []string, hs map[string][]*historypb.HistoryEvent, dc converter.DataConverter) *Workload {
	w := &Workload{Kind: kind, N: len(ids)}
	var total, lastProv []time.Duration
	var events, actions []float64
	var first, last time.Time
	costs := make([]HistoryCost, 0, len(ids))
	for _, id := range ids {
		c := Analyze(hs[id], dc)
		costs = append(costs, c)
		if c.Closed.IsZero() {
			continue
		}
		if first.IsZero() || c.Started.Before(first) {
			first = c.Started
		}
		last = latest(last, c.Closed)
		total = append(total, c.StartToOutcome())
		lastProv = append(lastProv, c.LastProviderToOutcome())
		events = append(events, float64(c.Events))
		actions = append(actions, float64(c.Actions.Total()))
	}
	if span := last.Sub(first); span > 0 {
		w.Rate = float64(len(total)) / span.Seconds()
	}
	w.StartToOutcome = percentiles(total)
	w.LastProviderToOutcome = percentiles(lastProv)
	w.Events = spread(events)
	w.Actions = spread(actions)
	best := -1.0
	for _, c := range costs {
		if d := abs(float64(c.Actions.Total()) - w.Actions.Median); !c.Closed.IsZero() && (best < 0 || d < best) {
			best, w.ActionsOfMedian, w.ActivityTypes = d, c.Actions, c.ActivityTypes
		}
	}
	return w
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func floorActivities() int { return floor.Activities }
