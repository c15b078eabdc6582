package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
)

// FloorActivities is how many provider-calling activities the automated path schedules: the
// activity tasks of the recorded auto_approve history other than app notifications (Notify).
// bench checks it against the recorded history, so it cannot drift silently.
const FloorActivities = 16

// BenchFloorInput sets how many no-op activities a floor run executes (zero means
// FloorActivities).
type BenchFloorInput struct {
	Activities int `json:"activities"`
}

// BenchFloorResult says how many activities ran.
type BenchFloorResult struct {
	Activities int `json:"activities"`
}

// BenchFloor is the baseline of `make bench`: one workflow that executes as many no-op
// activities, one after another, as the automated onboarding calls providers, and nothing
// else: no timers, signals, search attributes or notifications. The ratio of onboarding
// throughput to floor throughput on the same server and worker says what the onboarding's
// own logic costs above Temporal's minimum for the same number of provider calls.
func BenchFloor(ctx workflow.Context, in BenchFloorInput) (*BenchFloorResult, error) {
	n := in.Activities
	if n <= 0 {
		n = FloorActivities
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	for i := 1; i <= n; i++ {
		if err := workflow.ExecuteActivity(ctx, a.FloorNoop, activities.FloorInput{Seq: i}).Get(ctx, nil); err != nil {
			return nil, err
		}
	}
	return &BenchFloorResult{Activities: n}, nil
}
