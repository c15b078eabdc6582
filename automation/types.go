package automation

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// Decisions returned in Result.Decision.
const (
	DecisionApprove = "APPROVE"
	DecisionDecline = "DECLINE"
	DecisionReview  = "REVIEW"
)

// Automation is one Quickr automation: when a trigger matches and all
// conditions hold, its actions fire.
type Automation struct {
	ID          string      `json:"id,omitempty"`
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	Triggers    []Trigger   `json:"triggers"`
	Conditions  []Condition `json:"conditions"`
	Actions     []Action    `json:"actions"`
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

// Action is what a fired automation does. Only set_case_status is acted on.
type Action struct {
	Type   string `json:"type"`
	Status string `json:"status,omitempty"`
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

// Result is the outcome of evaluating a rule set against one case.
type Result struct {
	Decision    string            `json:"decision"`
	Reason      string            `json:"reason"`
	Automations []AutomationTrace `json:"automations"`
	// Findings say in words why: for REVIEW, each condition that kept an approving rule from
	// firing; for DECLINE, each condition of a declining rule that held.
	Findings []Finding `json:"findings,omitempty"`
}

// AutomationTrace records how one automation was evaluated. Conditions are
// only evaluated, and traced, when the automation was triggered.
type AutomationTrace struct {
	ID         string           `json:"id,omitempty"`
	Name       string           `json:"name"`
	Triggered  bool             `json:"triggered"`
	Fired      bool             `json:"fired"`
	Actions    []Action         `json:"actions,omitempty"`
	Conditions []ConditionTrace `json:"conditions,omitempty"`
	Note       string           `json:"note,omitempty"`
}

// ConditionTrace records one evaluated condition: what its path saw and why
// it held or not.
type ConditionTrace struct {
	Type     string `json:"type"`
	Field    string `json:"field,omitempty"`
	Path     string `json:"path,omitempty"`
	Expected string `json:"expected,omitempty"`
	Values   []any  `json:"values,omitempty"`
	Result   bool   `json:"result"`
	Note     string `json:"note,omitempty"`
	// Sentences say what the condition saw, in words, naming the check, flag or fact and its
	// value (leaf conditions; and/or nodes have their children's).
	Sentences []string         `json:"sentences,omitempty"`
	Children  []ConditionTrace `json:"children,omitempty"`
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
