package workerapp

import (
	"fmt"

	"go.temporal.io/sdk/worker"

	"github.com/merchantflow/onboarding/internal/config"
)

// Tuning is how the worker polls Temporal and how much it runs at once (ONBOARDING_WORKER_*).
// A zero count leaves the Go SDK's own default. The defaults are the ones `make bench` chose:
// with the SDK's defaults (two pollers per task kind), 500 webhooks arriving at once queue
// their workflow tasks behind two pollers and the onboardings stall; autoscaled pollers drain
// the same burst in a few seconds (README, "Benchmarks").
type Tuning struct {
	PollerAutoscaling bool `envconfig:"WORKER_POLLER_AUTOSCALING" default:"true" desc:"scale workflow and activity pollers on the server's feedback (SDK NewPollerBehaviorAutoscaling); false uses fixed poller counts"`
	PollersMin        int  `envconfig:"WORKER_POLLERS_MIN" default:"2" desc:"autoscaling: fewest pollers per task kind"`
	PollersInitial    int  `envconfig:"WORKER_POLLERS_INITIAL" default:"8" desc:"autoscaling: pollers per task kind at start"`
	PollersMax        int  `envconfig:"WORKER_POLLERS_MAX" default:"64" desc:"autoscaling: most pollers per task kind"`
	// Fixed poller counts apply only with autoscaling off.
	WorkflowPollers int `envconfig:"WORKER_WORKFLOW_POLLERS" desc:"fixed workflow task pollers when autoscaling is off; 0: SDK default (2)"`
	ActivityPollers int `envconfig:"WORKER_ACTIVITY_POLLERS" desc:"fixed activity task pollers when autoscaling is off; 0: SDK default (2)"`

	MaxConcurrentWorkflowTasks int `envconfig:"WORKER_MAX_CONCURRENT_WORKFLOW_TASKS" desc:"workflow tasks executed at once; 0: SDK default (1000)"`
	MaxConcurrentActivities    int `envconfig:"WORKER_MAX_CONCURRENT_ACTIVITIES" desc:"activities executed at once; 0: SDK default (1000)"`
	// The sticky cache holds onboardings between tasks. Parked ones wait for days, so
	// keeping every one (the SDK's 10,000) costs about 100 KB each for nothing; an evicted
	// onboarding replays its few dozen events on its next task.
	StickyCacheSize int `envconfig:"WORKER_STICKY_CACHE_SIZE" default:"1000" desc:"workflows kept in memory between tasks (process-wide); 0: SDK default (10000)"`
}

// SDKDefaults is the tuning that leaves every setting to the Go SDK (fixed pollers, two per
// task kind), the bench's point of comparison.
func SDKDefaults() Tuning { return Tuning{} }

// Validate checks the tuning, naming the variable at fault.
func (t Tuning) Validate() error {
	for _, v := range []struct {
		name string
		n    int
	}{
		{"WORKER_POLLERS_MIN", t.PollersMin}, {"WORKER_POLLERS_INITIAL", t.PollersInitial}, {"WORKER_POLLERS_MAX", t.PollersMax},
		{"WORKER_WORKFLOW_POLLERS", t.WorkflowPollers}, {"WORKER_ACTIVITY_POLLERS", t.ActivityPollers},
		{"WORKER_MAX_CONCURRENT_WORKFLOW_TASKS", t.MaxConcurrentWorkflowTasks},
		{"WORKER_MAX_CONCURRENT_ACTIVITIES", t.MaxConcurrentActivities}, {"WORKER_STICKY_CACHE_SIZE", t.StickyCacheSize},
	} {
		if v.n < 0 {
			return fmt.Errorf("config: %s_%s must not be negative, got %d", config.Prefix, v.name, v.n)
		}
	}
	if t.PollerAutoscaling {
		if t.PollersMax > 0 && t.PollersMin > t.PollersMax {
			return fmt.Errorf("config: %s_WORKER_POLLERS_MIN (%d) must not exceed %s_WORKER_POLLERS_MAX (%d)", config.Prefix, t.PollersMin, config.Prefix, t.PollersMax)
		}
		if t.PollersInitial > 0 && ((t.PollersMin > 0 && t.PollersInitial < t.PollersMin) || (t.PollersMax > 0 && t.PollersInitial > t.PollersMax)) {
			return fmt.Errorf("config: %s_WORKER_POLLERS_INITIAL (%d) must lie between the minimum and the maximum", config.Prefix, t.PollersInitial)
		}
		// The SDK requires at least two workflow task pollers (normal and sticky queue).
		if t.PollersMin == 1 {
			return fmt.Errorf("config: %s_WORKER_POLLERS_MIN must be 0 (SDK default) or at least 2", config.Prefix)
		}
	}
	if t.WorkflowPollers == 1 {
		return fmt.Errorf("config: %s_WORKER_WORKFLOW_POLLERS must be 0 (SDK default) or at least 2", config.Prefix)
	}
	return nil
}

// Options returns the worker options the tuning sets. The sticky cache is process-wide in the
// Go SDK, so Options does not set it; ApplyStickyCache does, before the first worker starts.
func (t Tuning) Options() worker.Options {
	o := worker.Options{
		MaxConcurrentWorkflowTaskExecutionSize: t.MaxConcurrentWorkflowTasks,
		MaxConcurrentActivityExecutionSize:     t.MaxConcurrentActivities,
	}
	if t.PollerAutoscaling {
		auto := worker.PollerBehaviorAutoscalingOptions{
			MinimumNumberOfPollers: t.PollersMin,
			InitialNumberOfPollers: t.PollersInitial,
			MaximumNumberOfPollers: t.PollersMax,
		}
		o.WorkflowTaskPollerBehavior = worker.NewPollerBehaviorAutoscaling(auto)
		o.ActivityTaskPollerBehavior = worker.NewPollerBehaviorAutoscaling(auto)
		return o
	}
	o.MaxConcurrentWorkflowTaskPollers = t.WorkflowPollers
	o.MaxConcurrentActivityTaskPollers = t.ActivityPollers
	return o
}

// ApplyStickyCache sets the process-wide sticky workflow cache size when the tuning names
// one. Call it once, before any worker starts.
func (t Tuning) ApplyStickyCache() {
	if t.StickyCacheSize > 0 {
		worker.SetStickyWorkflowCacheSize(t.StickyCacheSize)
	}
}
