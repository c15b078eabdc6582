package engine

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"

	"github.com/merchantflow/onboarding/api"
)

// Note is one note the onboarding wrote to its KYC case in Quickr, with the status it set.
type Note struct {
	At        time.Time `json:"at"`
	Status    string    `json:"status"`
	RiskLevel string    `json:"riskLevel,omitempty"`
	Text      string    `json:"text"`
	// Written is false while the activity that writes it has not completed (retrying, or
	// the onboarding is still on its way there).
	Written bool `json:"written"`
}

// maxNoteEvents bounds the history read for notes: an onboarding's history is a few hundred
// events; one far longer is read only this far.
const maxNoteEvents = 20000

// Notes reads from the onboarding's history the notes it wrote to Quickr (the inputs of its
// RecordDecision activities): the workflow keeps no copy of them in its status, and the
// history is where they are recorded. The payloads are decoded with e.Converter (the
// encrypting one the process dials with).
func (e *Engine) Notes(ctx context.Context, workflowID string) ([]Note, error) {
	d, err := e.onboarding(ctx, workflowID)
	if err != nil {
		return nil, err
	}
	dc := e.Converter
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	runID := d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	it := e.Client.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var notes []Note
	byScheduled := map[int64]int{}
	for n := 0; it.HasNext() && n < maxNoteEvents; n++ {
		ev, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", workflowID, err)
		}
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == api.RecordDecisionActivity {
			var in api.RecordDecisionInput
			if err := dc.FromPayloads(a.GetInput(), &in); err != nil {
				return nil, fmt.Errorf("decode a note of %s: %w", workflowID, err)
			}
			byScheduled[ev.GetEventId()] = len(notes)
			notes = append(notes, Note{At: ev.GetEventTime().AsTime(), Status: in.Status, RiskLevel: in.RiskLevel, Text: in.Note})
		}
		if c := ev.GetActivityTaskCompletedEventAttributes(); c != nil {
			if i, ok := byScheduled[c.GetScheduledEventId()]; ok {
				notes[i].Written = true
			}
		}
	}
	return notes, nil
}
