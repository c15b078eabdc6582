package automation

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/merchantflow/onboarding/api"
)

// Trigger types. Quickr's guide and reference say case_status_updated, its
// changelog says case_status_change; both mean the same trigger.
const (
	TriggerCaseStatusUpdated = "case_status_updated"
	TriggerCaseStatusChange  = "case_status_change"
)

// Condition types.
const (
	CondEqual              = "equal"
	CondGreaterThanOrEqual = "greater_than_or_equal"
	CondEvery              = "every"
	CondAnd                = "and"
	CondOr                 = "or"
	CondEqualToNull        = "equal_to_null"
)

// ActionSetCaseStatus is the only action type the engine acts on.
const ActionSetCaseStatus = "set_case_status"

// Decisions returned in api.RuleResult.Decision.
const (
	DecisionApprove = "APPROVE"
	DecisionDecline = "DECLINE"
	DecisionReview  = "REVIEW"
)

// Automation is one Quickr automation: when a trigger matches and all
// conditions hold, its actions fire.
type Automation struct {
	ID          string           `json:"id,omitempty"`
	Name        string           `json:"name"`
	Description string           `json:"description,omitempty"`
	Triggers    []Trigger        `json:"triggers"`
	Conditions  []Condition      `json:"conditions"`
	Actions     []api.RuleAction `json:"actions"`
}

// Trigger selects the events an automation runs on. An empty Status matches
// any status.
type Trigger struct {
	Type   string `json:"type"`
	Status string `json:"status,omitempty"`
}

// Condition is one node of an automation's condition tree. Which fields are
// used depends on Type (see the package documentation).
type Condition struct {
	Type       string      `json:"type"`
	Field      string      `json:"field,omitempty"`
	Value      string      `json:"value,omitempty"`
	Path       string      `json:"path,omitempty"`
	Conditions []Condition `json:"conditions,omitempty"`
}

// Event is what happened to the case, matched against triggers. An empty
// Type means case_status_updated, the only trigger Quickr has.
type Event struct {
	Type   string `json:"type,omitempty"`
	Status string `json:"status"`
}

// StatusUpdated is the event for a case entering status.
func StatusUpdated(status string) Event {
	return Event{Type: TriggerCaseStatusUpdated, Status: status}
}

// UnmarshalJSON accepts the reference's "triggers" and the guide's
// "trigger" key, each holding one trigger object or an array of them.
func (a *Automation) UnmarshalJSON(data []byte) error {
	type plain Automation
	var raw struct {
		plain
		Trigger  json.RawMessage `json:"trigger"`
		Triggers json.RawMessage `json:"triggers"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*a = Automation(raw.plain)
	a.Triggers = nil
	for _, key := range []struct {
		name string
		msg  json.RawMessage
	}{{"triggers", raw.Triggers}, {"trigger", raw.Trigger}} {
		ts, err := decodeTriggers(key.msg)
		if err != nil {
			return fmt.Errorf("%s: %w", key.name, err)
		}
		a.Triggers = append(a.Triggers, ts...)
	}
	return nil
}

func decodeTriggers(msg json.RawMessage) ([]Trigger, error) {
	msg = bytes.TrimSpace(msg)
	if len(msg) == 0 || bytes.Equal(msg, []byte("null")) {
		return nil, nil
	}
	if msg[0] == '{' {
		var t Trigger
		if err := json.Unmarshal(msg, &t); err != nil {
			return nil, err
		}
		return []Trigger{t}, nil
	}
	var ts []Trigger
	if err := json.Unmarshal(msg, &ts); err != nil {
		return nil, err
	}
	return ts, nil
}

// UnmarshalJSON accepts a number or boolean where a string value is
// expected, writing it the way equal compares it.
func (c *Condition) UnmarshalJSON(data []byte) error {
	type plain Condition
	var raw struct {
		plain
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*c = Condition(raw.plain)
	c.Value = ""
	v := bytes.TrimSpace(raw.Value)
	switch {
	case len(v) == 0 || bytes.Equal(v, []byte("null")):
	case v[0] == '"':
		return json.Unmarshal(v, &c.Value)
	case v[0] == 't' || v[0] == 'f' || v[0] == '-' || (v[0] >= '0' && v[0] <= '9'):
		x, err := decodeJSON(v)
		if err != nil {
			return err
		}
		c.Value = canonical(x)
	default:
		return fmt.Errorf("value must be a string, number or boolean, got %s", v)
	}
	return nil
}
