// Package floor is the baseline `make bench` measures the onboarding against: the BenchFloor
// workflow and its no-op activity. Only the bench's worker (bench/worker, the production
// worker with these added) registers them; bin/worker does not.
package floor

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/workflows"
)

// Registered names: the bench starts the workflow by name, and recorded floor runs name both.
const (
	WorkflowType = "BenchFloor"
	NoopType     = "FloorNoop"
)

// Activities is how many provider-calling activities the automated path schedules: the
// activity tasks of the recorded auto_approve history other than app notifications (Notify).
// A test checks it against the recorded history, so it cannot drift silently.
const Activities = 16

// Input sets how many no-op activities a floor run executes (zero means Activities).
type Input struct {
	Activities int `json:"activities"`
}

// Result says how many activities ran.
type Result struct {
	Activities int `json:"activities"`
}

// NoopInput is the no-op activity's input: Seq numbers the call within its floor run.
type NoopInput struct {
	Seq int `json:"seq"`
}

// NoopResult echoes the call's number.
type NoopResult struct {
	Seq int `json:"seq"`
}

// Register adds the floor workflow and its activity to r (the bench worker's).
func Register(r workflows.Registry) {
	r.RegisterWorkflowWithOptions(BenchFloor, workflow.RegisterOptions{Name: WorkflowType})
	r.RegisterActivityWithOptions(FloorNoop, activity.RegisterOptions{Name: NoopType})
}

// BenchFloor executes as many no-op activities, one after another, as the automated
// onboarding calls providers, and nothing else: no timers, signals, search attributes or
// notifications. The ratio of onboarding throughput to floor throughput on the same server
// and worker says what the onboarding's own logic costs above Temporal's minimum for the
// same number of provider calls.
func BenchFloor(ctx workflow.Context, in Input) (*Result, error) {
	n := in.Activities
	if n <= 0 {
		n = Activities
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	for i := 1; i <= n; i++ {
		if err := workflow.ExecuteActivity(ctx, NoopType, NoopInput{Seq: i}).Get(ctx, nil); err != nil {
			return nil, err
		}
	}
	return &Result{Activities: n}, nil
}

// FloorNoop does nothing and returns at once: what Temporal and the worker cost for one
// activity, with no provider behind it.
func FloorNoop(_ context.Context, in NoopInput) (*NoopResult, error) {
	return &NoopResult{Seq: in.Seq}, nil
}
