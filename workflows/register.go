package workflows

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// Registry is what Register needs: a worker, a replayer's registry or a test environment.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// WorkflowRegistry is the part of Registry a replayer offers.
type WorkflowRegistry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// RegisterWorkflows registers every workflow of the engine under its stable name. The
// bench's floor workflow is not one of them: bench/floor registers it on the bench's worker.
func RegisterWorkflows(r WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(OnboardMerchant, workflow.RegisterOptions{Name: api.OnboardMerchantType})
	r.RegisterWorkflowWithOptions(ReconcileQuickr, workflow.RegisterOptions{Name: ReconcileQuickrType})
}

// Register registers every workflow and the activities a.
func Register(r Registry, a *activities.Activities) {
	RegisterWorkflows(r)
	r.RegisterActivityWithOptions(a, activity.RegisterOptions{})
}
