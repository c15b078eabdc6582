package workflows_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/workflows"
)

func TestBenchFloorRunsItsNoopActivities(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   int
		want int
	}{
		{"default is the automated path's provider calls", 0, workflows.FloorActivities},
		{"explicit count", 3, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			workflows.Register(env, &activities.Activities{})
			calls := 0
			env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) { calls++ })
			env.ExecuteWorkflow(workflows.BenchFloor, workflows.BenchFloorInput{Activities: tt.in})
			require.True(t, env.IsWorkflowCompleted())
			require.NoError(t, env.GetWorkflowError())
			var res workflows.BenchFloorResult
			require.NoError(t, env.GetWorkflowResult(&res))
			require.Equal(t, tt.want, res.Activities)
			require.Equal(t, tt.want, calls)
		})
	}
}

// TestFloorActivitiesMatchesTheRecordedAutomatedPath keeps FloorActivities equal to the
// provider-calling activities (every activity but Notify) the recorded auto_approve history
// schedules. It reads the frozen v0 recording: how many polls a run restarts depends on when
// the webhooks arrived, so a re-recorded history may schedule one or two more.
func TestFloorActivitiesMatchesTheRecordedAutomatedPath(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "histories", "v0", "auto_approve.json"))
	require.NoError(t, err)
	var h historypb.History
	require.NoError(t, protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, &h))
	provider := 0
	for _, e := range h.GetEvents() {
		if e.GetEventType() != enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED {
			continue
		}
		if e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() != "Notify" {
			provider++
		}
	}
	require.Equal(t, workflows.FloorActivities, provider)
}
