package automation

import (
	"fmt"
	"strings"

	"github.com/merchantflow/onboarding/api"
)

// Evaluate runs every automation whose trigger matches event against doc
// (usually built by Document) and decides: any fired decline wins, else any
// fired approval, else REVIEW. Automations are traced in the order given.
func Evaluate(doc map[string]any, automations []Automation, event Event) *api.RuleResult {
	var data any = doc
	if doc == nil {
		data = map[string]any{}
	}
	res := &api.RuleResult{Automations: make([]api.AutomationTrace, 0, len(automations))}
	var declines, approves, others []string
	triggered := 0
	for _, a := range automations {
		tr := evalAutomation(data, a, event)
		res.Automations = append(res.Automations, tr)
		if tr.Triggered {
			triggered++
		}
		if !tr.Fired {
			continue
		}
		for _, act := range a.Actions {
			if act.Type != ActionSetCaseStatus {
				continue
			}
			item := fmt.Sprintf("%q (%s %s)", displayName(a), act.Type, act.Status)
			switch decisionFor(act.Status) {
			case DecisionDecline:
				declines = append(declines, item)
			case DecisionApprove:
				approves = append(approves, item)
			default:
				others = append(others, item)
			}
		}
	}

	switch {
	case len(declines) > 0:
		res.Decision = DecisionDecline
		res.Findings = declineFindings(res.Automations, automations)
		res.Reason = "declined by " + joinItems(declines)
		if len(res.Findings) > 0 {
			res.Reason += ": " + joinSentences(res.Findings)
		}
		if len(approves) > 0 {
			res.Reason += "; decline overrides approval by " + joinItems(approves)
		}
	case len(approves) > 0:
		res.Decision = DecisionApprove
		res.Reason = "approved by " + joinItems(approves)
	default:
		res.Decision = DecisionReview
		res.Findings = reviewFindings(res.Automations, automations)
		res.Reason = reviewReason(res.Automations, automations, triggered, others, event, res.Findings)
	}
	return res
}

// eventType folds the changelog's trigger spelling (and an empty type) into
// case_status_updated.
func eventType(t string) string {
	if t == "" || t == TriggerCaseStatusChange {
		return TriggerCaseStatusUpdated
	}
	return t
}

func triggeredBy(triggers []Trigger, ev Event) bool {
	for _, t := range triggers {
		if t.Type != "" && eventType(t.Type) == eventType(ev.Type) && (t.Status == "" || t.Status == ev.Status) {
			return true
		}
	}
	return false
}

func evalAutomation(data any, a Automation, ev Event) api.AutomationTrace {
	tr := api.AutomationTrace{ID: a.ID, Name: a.Name, Actions: append([]api.RuleAction(nil), a.Actions...)}
	if !triggeredBy(a.Triggers, ev) {
		return tr
	}
	tr.Triggered = true
	tr.Fired = true
	for _, c := range a.Conditions {
		ct := evalCondition(data, c)
		tr.Conditions = append(tr.Conditions, ct)
		tr.Fired = tr.Fired && ct.Result
	}
	if len(a.Conditions) == 0 {
		// Parse rejects this; a hand-built automation without conditions
		// still must not act on every case.
		tr.Fired = false
		tr.Note = "no conditions: not fired"
		return tr
	}
	if tr.Fired {
		var notes []string
		for _, act := range a.Actions {
			switch {
			case act.Type != ActionSetCaseStatus:
				notes = append(notes, fmt.Sprintf("action %s ignored: not supported", act.Type))
			case decisionFor(act.Status) == "":
				notes = append(notes, fmt.Sprintf("%s %s recorded: not decisive", act.Type, act.Status))
			}
		}
		tr.Note = strings.Join(notes, "; ")
	}
	return tr
}

func evalCondition(data any, c Condition) api.ConditionTrace {
	t := api.ConditionTrace{Type: c.Type, Field: c.Field, Path: c.Path}
	switch c.Type {
	case CondAnd, CondOr:
		held := 0
		for _, n := range c.Conditions {
			ct := evalCondition(data, n)
			if ct.Result {
				held++
			}
			t.Children = append(t.Children, ct)
		}
		if c.Type == CondAnd {
			t.Result = len(c.Conditions) > 0 && held == len(c.Conditions)
		} else {
			t.Result = held > 0
		}
		t.Note = fmt.Sprintf("%d of %d held", held, len(c.Conditions))
		return t
	case CondEqual, CondGreaterThanOrEqual, CondEvery, CondEqualToNull:
	default:
		t.Note = fmt.Sprintf("unknown condition type %q", c.Type)
		return t
	}

	locs, err := resolveLocated(data, c.Field)
	if err != nil {
		t.Note = fmt.Sprintf("invalid field: %v", err)
		return t
	}
	vals := values(locs)
	t.Values, t.Note = preview(vals)
	var want []any
	var note string
	switch c.Type {
	case CondEqual:
		t.Expected = c.Value
		t.Result, note = evalEqual(vals, c.Value)
	case CondGreaterThanOrEqual:
		t.Expected = c.Value
		t.Result, note = evalGTE(vals, c.Value)
	case CondEqualToNull:
		t.Expected = "null"
		t.Result, note = evalNull(vals)
	case CondEvery:
		if want, err = resolveString(data, c.Path); err != nil {
			note = fmt.Sprintf("invalid path: %v", err)
			break
		}
		t.Expected = expectedSet(want)
		t.Result, note = evalEvery(vals, want)
	}
	t.Note = joinNotes(note, t.Note)
	t.Sentences = sentences(data, c, t, locs, want)
	return t
}

// resolveLocated is resolveString with where each value sits in the document (for .length
// paths, where the measured value sits).
func resolveLocated(data any, s string) ([]located, error) {
	p, err := compilePath(s)
	if err != nil {
		return nil, err
	}
	return p.locate(data), nil
}

func resolveString(data any, s string) ([]any, error) {
	p, err := compilePath(s)
	if err != nil {
		return nil, err
	}
	return p.resolve(data), nil
}
