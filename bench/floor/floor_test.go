package floor_test

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

	"github.com/merchantflow/onboarding/bench/floor"
)

func TestBenchFloorRunsItsNoopActivities(t *testing.T) {
	tests := []struct {
		name string
		in   int
		want int
	}{
		{"default is the automated path's provider calls", 0, floor.Activities},
		{"explicit count", 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			env := s.NewTestWorkflowEnvironment()
			floor.Register(env)
			var seqs []int
			env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
				require.Equal(t, floor.NoopType, info.ActivityType.Name)
				var in floor.NoopInput
				require.NoError(t, args.Get(&in))
				seqs = append(seqs, in.Seq)
			})
			env.ExecuteWorkflow(floor.WorkflowType, floor.Input{Activities: tt.in})
			require.True(t, env.IsWorkflowCompleted())
			require.NoError(t, env.GetWorkflowError())
			var res floor.Result
			require.NoError(t, env.GetWorkflowResult(&res))
			require.Equal(t, tt.want, res.Activities)
			require.Len(t, seqs, tt.want)
			for i, s := range seqs {
				require.Equal(t, i+1, s, "one after another, numbered from 1")
			}
		})
	}
}

// TestActivitiesMatchesTheRecordedAutomatedPath keeps Activities equal to the
// provider-calling activities (every activity but Notify) the recorded auto_approve history
// schedules. It reads the frozen v0 recording: how many polls a run restarts depends on when
// the webhooks arrived, so a re-recorded history may schedule one or two more.
func TestActivitiesMatchesTheRecordedAutomatedPath(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "workflows", "testdata", "histories", "v0", "auto_approve.json"))
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
	require.Equal(t, floor.Activities, provider)
}
