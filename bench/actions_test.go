package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// recorded reads a frozen v0 history: the exact counts and times below are that recording's,
// and v0 is never re-recorded.
func recorded(t *testing.T, name string) []*historypb.HistoryEvent {
	t.Helper()
	return recordedAt(t, "v0", name)
}

// recordedAt reads a history of the version directory dir.
func recordedAt(t *testing.T, dir, name string) []*historypb.HistoryEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "workflows", "testdata", "histories", dir, name+".json"))
	require.NoError(t, err)
	var h historypb.History
	require.NoError(t, protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, &h))
	return h.GetEvents()
}

func TestAnalyzeTheRecordedAutomatedPath(t *testing.T) {
	events := recorded(t, "auto_approve")
	c := Analyze(events, nil)
	require.Equal(t, 142, c.Events)
	require.Equal(t, Actions{
		WorkflowStarted: 1,
		Activities:      18, // 16 provider calls and 2 notifications
		ActivityRetries: 2,  // the credit analysis and credit terms polls answered on attempt 2
		Timers:          2,  // the declaration deadline, started twice (AwaitWithOptions)
		Signals:         12,
		Upserts:         6,
	}, c.Actions)
	require.Equal(t, 41, c.Actions.Total())
	require.Equal(t, 2, c.ActivityTypes["Notify"])
	require.False(t, c.Closed.IsZero())
	// The last provider event is the decision written back to Quickr and the webhook it
	// causes; after it come the finished notification and the close.
	require.Equal(t, "03:03:37.953", c.LastProviderEvent.Format("15:04:05.000"))
	require.Equal(t, 16*time.Millisecond, c.LastProviderToOutcome().Truncate(time.Millisecond))
	require.Equal(t, 1362*time.Millisecond, c.StartToOutcome().Round(time.Millisecond))
}

// From vLocalSteps the cheap steps are markers of local activities: counted by type, one
// action per workflow task that records any, and not provider events.
func TestAnalyzeCountsStepsRunInTheTask(t *testing.T) {
	events := recordedAt(t, "v4", "auto_approve")
	c := Analyze(events, nil)
	require.Equal(t, 1, c.ActivityTypes["EvaluateRules (in task)"])
	require.Positive(t, c.ActivityTypes["CheckCase (in task)"])
	require.Positive(t, c.ActivityTypes["Notify (in task)"])
	require.Zero(t, c.ActivityTypes["EvaluateRules"], "the rules ran in the task, not scheduled")
	require.Zero(t, c.ActivityTypes["?"+inTaskSuffix], "every marker names its activity")
	tasks := map[int64]bool{}
	var lastMarker time.Time
	for _, e := range events {
		if m := e.GetMarkerRecordedEventAttributes(); m.GetMarkerName() == "LocalActivity" {
			tasks[m.GetWorkflowTaskCompletedEventId()] = true
			lastMarker = e.GetEventTime().AsTime()
		}
	}
	require.Equal(t, len(tasks), c.Actions.Other, "one action per workflow task with local activities")
	require.True(t, c.LastProviderEvent.Before(lastMarker), "the rules and the finished notification come after the last provider event")
}

func TestAnalyzeCountsAnAcceptedUpdate(t *testing.T) {
	c := Analyze(recorded(t, "manual_review"), nil)
	require.Equal(t, 1, c.Actions.Updates)
}

func TestStageAndSignalTimes(t *testing.T) {
	events := recorded(t, "auto_approve")
	sig := StageReached(events, "AWAITING_SIGNATURE")
	require.Equal(t, "03:03:36.874", sig.Format("15:04:05.000"))
	require.True(t, StageReached(events, "AWAITING_REVIEW").IsZero())
	decl := StageReached(events, "AWAITING_DECLARATION")
	require.Equal(t, "03:03:36.851", FirstSignalAfter(events, decl).Format("15:04:05.000"))
}

// The real-duration figures follow the schedules: retries at 5 s, 15 s, 35 s, 55 s for a
// 20 s gap and a result after a minute; two actions (timer and check) per reminder.
func TestExpectedAtRealDurations(t *testing.T) {
	require.Equal(t, 4, pollRetries(20*time.Second, time.Minute))
	require.Equal(t, 0, pollRetries(time.Minute, 5*time.Second), "a result before the first retry")
	// Past the doubling, one retry per gap: a day at a 4-hour gap is 12 doublings (to 5.7 h),
	// then retries at 9.7, 13.7, 17.7 and 21.7 h.
	require.Equal(t, 16, pollRetries(4*time.Hour, 24*time.Hour))
	e := expected(10, sidePoll{20 * time.Second, time.Minute}, sidePoll{time.Minute, 5 * time.Second})
	require.Equal(t, Expected{Reminders: 10, PollRetries: 4, ExtraActions: 24}, e)
}
