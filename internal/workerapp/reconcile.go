package workerapp

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/workflows"
)

// Reconcile configures the Quickr reconciler the worker keeps running (README, "Reconciler").
type Reconcile struct {
	ReconcileEvery time.Duration `envconfig:"RECONCILE_EVERY" default:"4m" desc:"how often the Quickr reconciler sweeps the cases whose status changed (10s to 1h; 0: this worker starts no reconciler)"`
}

// Validate checks the period, naming the variable.
func (r Reconcile) Validate() error {
	if r.ReconcileEvery == 0 {
		return nil
	}
	if err := workflows.CheckReconcileEvery(r.ReconcileEvery); err != nil {
		return fmt.Errorf("config: %s_RECONCILE_EVERY must be 0 (off) or from %s to %s, got %s", config.Prefix,
			workflows.MinReconcileEvery, workflows.MaxReconcileEvery, r.ReconcileEvery)
	}
	return nil
}

// Enabled reports whether the worker should start the reconciler: a period is set and the
// worker has Quickr.
func (r Reconcile) Enabled(acts *activities.Activities) bool {
	return r.ReconcileEvery > 0 && acts != nil && acts.Quickr != nil
}

// StartReconciler makes sure the Quickr reconciler of taskQueue runs with period every: it
// signals the running one (workflows.ReconcilerWorkflowID) with the period, or starts it with
// that signal when none runs. Signal-with-start never makes a twin (the conflict policy is
// USE_EXISTING), so every worker of the fleet calls it at boot, and the last one to boot sets
// the period. It needs no worker to be polling yet.
func StartReconciler(ctx context.Context, c client.Client, taskQueue string, every time.Duration) (client.WorkflowRun, error) {
	if err := workflows.CheckReconcileEvery(every); err != nil {
		return nil, err
	}
	d := api.Duration(every)
	return c.SignalWithStartWorkflow(ctx, workflows.ReconcilerWorkflowID(taskQueue), workflows.SignalReconcileConfigure,
		workflows.ReconcileConfig{Every: &d},
		client.StartWorkflowOptions{
			ID:                       workflows.ReconcilerWorkflowID(taskQueue),
			TaskQueue:                taskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			StaticSummary:            "Quickr reconciler: nudges onboardings whose case status changed without a webhook",
		},
		workflows.ReconcileQuickrType, workflows.ReconcileInput{Every: d})
}
