package main

import (
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
)

// Actions are a history's billable actions by Temporal Cloud's rules ("Temporal Cloud
// Actions", docs.temporal.io/cloud/actions):
//   - workflow started: 1 (search attributes given at start are free);
//   - activity started or retried: 1 per scheduled activity plus 1 per retry; a history shows
//     the retries of an activity only through the attempt number of its final
//     ActivityTaskStarted event, so the retries of an activity cancelled while it waited for
//     its next attempt are invisible here (the server's action counter sees them);
//   - timer started (AwaitWithTimeout's implicit timer included): 1;
//   - signal received: 1; update accepted: 1 (a rejected update is billed but not in history);
//   - search attribute upsert: 1 per command, however many attributes it sets
//     (TemporalChangeVersion alone is free);
//   - child workflow: 2; signal to another workflow: 1; side effect: 1; local activities: 1
//     per workflow task that records any; workflow options updated: 1.
//
// Not in any history, so not here: queries, activity heartbeats that reach the server,
// rejected updates.
type Actions struct {
	WorkflowStarted int `json:"workflowStarted"`
	Activities      int `json:"activities"`
	// ActivityRetries are the retries visible in history (see above).
	ActivityRetries int `json:"activityRetries"`
	Timers          int `json:"timers"`
	Signals         int `json:"signals"`
	Updates         int `json:"updates"`
	Upserts         int `json:"searchAttributeUpserts"`
	Other           int `json:"other"`
}

// Total is the sum.
func (a Actions) Total() int {
	return a.WorkflowStarted + a.Activities + a.ActivityRetries + a.Timers + a.Signals + a.Updates + a.Upserts + a.Other
}

// HistoryCost is what one workflow's history says about its cost and timing.
type HistoryCost struct {
	Events  int     `json:"events"`
	Actions Actions `json:"actions"`
	// ActivityTypes counts scheduled activities by type, and those run in a workflow task
	// under their type and inTaskSuffix; RetriesByType the visible retries.
	ActivityTypes map[string]int `json:"activityTypes"`
	RetriesByType map[string]int `json:"retriesByType,omitempty"`
	Started       time.Time      `json:"started"`
	Closed        time.Time      `json:"closed"` // zero while running
	// LastProviderEvent is the last provider event before the close: the later of the last
	// signal (a provider webhook) and the last completion of a scheduled activity that is not
	// an app notification (Notify). Steps run inside a workflow task (local activities) are
	// not events from outside: their time counts towards the interval to the close.
	LastProviderEvent time.Time `json:"lastProviderEvent"`
}

// StartToOutcome is the time from the start event to the close event.
func (c HistoryCost) StartToOutcome() time.Duration { return c.Closed.Sub(c.Started) }

// LastProviderToOutcome is the time from the last provider event to the close event.
func (c HistoryCost) LastProviderToOutcome() time.Duration {
	if c.LastProviderEvent.IsZero() {
		return 0
	}
	return c.Closed.Sub(c.LastProviderEvent)
}

// notifyActivity is the app notification activity, the one activity that calls no provider.
const notifyActivity = "Notify"

// inTaskSuffix marks, in ActivityTypes, an activity run inside a workflow task (a local
// activity's marker) rather than scheduled.
const inTaskSuffix = " (in task)"

// localActivityType is the activity type a local activity's marker names, decoded with dc
// ("?" when it cannot be read).
func localActivityType(m *historypb.MarkerRecordedEventAttributes, dc converter.DataConverter) string {
	var data struct{ ActivityType string }
	if err := dc.FromPayloads(m.GetDetails()["data"], &data); err != nil || data.ActivityType == "" {
		return "?"
	}
	return data.ActivityType
}

// Analyze counts a history's events and billable actions and finds its timestamps; dc (nil:
// the SDK's default) decodes what it reads of payloads (the stack encrypts them).
func Analyze(events []*historypb.HistoryEvent, dc converter.DataConverter) HistoryCost {
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	c := HistoryCost{Events: len(events), ActivityTypes: map[string]int{}, RetriesByType: map[string]int{}}
	actType := map[int64]string{}
	markerTasks := map[int64]bool{}
	for _, e := range events {
		at := e.GetEventTime().AsTime()
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			c.Actions.WorkflowStarted++
			c.Started = at
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			name := e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
			actType[e.GetEventId()] = name
			c.ActivityTypes[name]++
			c.Actions.Activities++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			if n := e.GetActivityTaskStartedEventAttributes().GetAttempt(); n > 1 {
				c.Actions.ActivityRetries += int(n - 1)
				c.RetriesByType[actType[e.GetActivityTaskStartedEventAttributes().GetScheduledEventId()]] += int(n - 1)
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			if actType[e.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()] != notifyActivity {
				c.LastProviderEvent = latest(c.LastProviderEvent, at)
			}
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			c.Actions.Timers++
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			c.Actions.Signals++
			c.LastProviderEvent = latest(c.LastProviderEvent, at)
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			c.Actions.Updates++
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			fields := e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()
			if _, ok := fields["TemporalChangeVersion"]; !(ok && len(fields) == 1) {
				c.Actions.Upserts++
			}
		case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
			c.Actions.Other += 2
		case enumspb.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED:
			c.Actions.Other++
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			m := e.GetMarkerRecordedEventAttributes()
			switch m.GetMarkerName() {
			case "SideEffect", "MutableSideEffect":
				c.Actions.Other++
			case "LocalActivity":
				if !markerTasks[m.GetWorkflowTaskCompletedEventId()] {
					markerTasks[m.GetWorkflowTaskCompletedEventId()] = true
					c.Actions.Other++
				}
				c.ActivityTypes[localActivityType(m, dc)+inTaskSuffix]++
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
			enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
			c.Closed = at
		}
	}
	return c
}

// StageReached is when the onboarding's OnboardingStage search attribute was first set to
// stage (zero if never).
func StageReached(events []*historypb.HistoryEvent, stage string) time.Time {
	want := `"` + stage + `"`
	for _, e := range events {
		if e.GetEventType() != enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES {
			continue
		}
		p := e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes().GetIndexedFields()["OnboardingStage"]
		if p != nil && string(p.GetData()) == want {
			return e.GetEventTime().AsTime()
		}
	}
	return time.Time{}
}

// FirstSignalAfter is the first signal received at or after t (zero if none).
func FirstSignalAfter(events []*historypb.HistoryEvent, t time.Time) time.Time {
	for _, e := range events {
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED && !e.GetEventTime().AsTime().Before(t) {
			return e.GetEventTime().AsTime()
		}
	}
	return time.Time{}
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
