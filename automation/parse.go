package automation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// caseStatuses are the case statuses seen in Quickr's documentation; the
// agent-determined ones are also valid set_case_status targets.
var caseStatuses = map[string]bool{
	"FORM_NOT_STARTED": true, "FORM_IN_PROGRESS": true, "PROCESSING_DETAILS": true,
	"READY_FOR_REVIEW": true, "REVIEW_IN_PROGRESS": true, "WAITING_FOR_DETAILS": true,
	"ACTIVE": true, "DECLINED": true, "SUSPENDED": true, "ARCHIVED": true,
}

// Parse decodes and validates automations given as one automation object, an
// array of them, {"automations":[...]} or a Quickr list response
// {"data":[...]}. The error lists every problem found, each naming the
// automation and the condition's position.
func Parse(data []byte) ([]Automation, error) {
	list, err := decodeList(data)
	if err != nil {
		return nil, fmt.Errorf("automation: %w", err)
	}
	var errs []error
	ids := map[string]int{}
	for i, a := range list {
		where := fmt.Sprintf("automation %d %q", i, a.Name)
		for _, p := range a.problems() {
			errs = append(errs, fmt.Errorf("automation: %s: %s", where, p))
		}
		if a.ID == "" {
			continue
		}
		if j, dup := ids[a.ID]; dup {
			errs = append(errs, fmt.Errorf("automation: %s: id %q already used by automation %d", where, a.ID, j))
		}
		ids[a.ID] = i
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return list, nil
}

// Load reads and parses a rules file.
func Load(path string) ([]Automation, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("automation: %w", err)
	}
	list, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return list, nil
}

func decodeList(data []byte) ([]Automation, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("no automations: input is empty")
	}
	var list []Automation
	switch data[0] {
	case '[':
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, err
		}
	case '{':
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(data, &keys); err != nil {
			return nil, err
		}
		wrapped, ok := keys["automations"]
		if !ok && keys["name"] == nil {
			wrapped, ok = keys["data"]
		}
		if ok {
			if err := json.Unmarshal(wrapped, &list); err != nil {
				return nil, err
			}
			break
		}
		var a Automation
		if err := json.Unmarshal(data, &a); err != nil {
			return nil, err
		}
		list = []Automation{a}
	default:
		return nil, errors.New("input must be a JSON object or array")
	}
	if len(list) == 0 {
		return nil, errors.New("no automations in input")
	}
	return list, nil
}

// Validate reports every problem for which Parse rejects a: missing name,
// triggers or actions, unknown trigger or condition types, missing fields or
// values, JSONPaths that do not compile and unknown case statuses.
func (a Automation) Validate() error {
	var errs []error
	for _, p := range a.problems() {
		errs = append(errs, errors.New(p))
	}
	return errors.Join(errs...)
}

func (a Automation) problems() []string {
	var ps []string
	add := func(format string, args ...any) { ps = append(ps, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(a.Name) == "" {
		add("name is required")
	}
	if len(a.Triggers) == 0 {
		add("at least one trigger is required (key \"trigger\" or \"triggers\")")
	}
	for i, t := range a.Triggers {
		if !knownTrigger(t.Type) {
			add("triggers[%d]: unknown trigger type %q (want %s or %s)", i, t.Type, TriggerCaseStatusUpdated, TriggerCaseStatusChange)
		}
		if t.Status != "" && !caseStatuses[t.Status] {
			add("triggers[%d]: unknown case status %q", i, t.Status)
		}
	}
	if len(a.Conditions) == 0 {
		add("at least one condition is required: without conditions the actions would apply to every case")
	}
	for i, c := range a.Conditions {
		c.problems(fmt.Sprintf("conditions[%d]", i), add)
	}
	if len(a.Actions) == 0 {
		add("at least one action is required")
	}
	for i, act := range a.Actions {
		switch {
		case act.Type == "":
			add("actions[%d]: action type is required", i)
		case act.Type == ActionSetCaseStatus && act.Status == "":
			add("actions[%d]: %s needs a status", i, ActionSetCaseStatus)
		case act.Type == ActionSetCaseStatus && !caseStatuses[act.Status]:
			add("actions[%d]: unknown case status %q", i, act.Status)
		}
	}
	return ps
}

func (c Condition) problems(at string, add func(string, ...any)) {
	needPath := func(key, p string) {
		if strings.TrimSpace(p) == "" {
			add("%s: %s needs %q", at, c.Type, key)
			return
		}
		if _, err := compilePath(p); err != nil {
			add("%s: %s %q does not compile: %v", at, key, p, err)
		}
	}
	switch c.Type {
	case CondEqual:
		needPath("field", c.Field)
		if c.Value == "" {
			add("%s: %s needs a non-empty \"value\" (use %s to test for absence)", at, c.Type, CondEqualToNull)
		}
	case CondGreaterThanOrEqual:
		needPath("field", c.Field)
		if _, err := strconv.ParseFloat(strings.TrimSpace(c.Value), 64); err != nil {
			add("%s: %s needs a numeric \"value\", got %q", at, c.Type, c.Value)
		}
	case CondEvery:
		needPath("field", c.Field)
		needPath("path", c.Path)
	case CondEqualToNull:
		needPath("field", c.Field)
	case CondAnd, CondOr:
		if len(c.Conditions) == 0 {
			add("%s: %s needs at least one nested condition", at, c.Type)
		}
		for i, n := range c.Conditions {
			n.problems(fmt.Sprintf("%s.conditions[%d]", at, i), add)
		}
	case "":
		add("%s: condition type is required", at)
	default:
		add("%s: unknown condition type %q", at, c.Type)
	}
}

func knownTrigger(t string) bool {
	return t == TriggerCaseStatusUpdated || t == TriggerCaseStatusChange
}
