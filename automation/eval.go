package automation

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Trace limits: enough for an agent to see what a path matched without
// bloating workflow history.
const (
	maxTraceValues  = 10
	maxTraceString  = 80
	maxReasonItems  = 3
	maxReasonString = 120
)

// Evaluate runs every automation whose trigger matches event against doc
// (usually built by Document) and decides: any fired decline wins, else any
// fired approval, else REVIEW. Automations are traced in the order given.
func Evaluate(doc map[string]any, automations []Automation, event Event) *Result {
	var data any = doc
	if doc == nil {
		data = map[string]any{}
	}
	res := &Result{Automations: make([]AutomationTrace, 0, len(automations))}
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

// reviewFindings are the conditions, in words, that kept each triggered approving rule from
// firing.
func reviewFindings(traces []AutomationTrace, automations []Automation) []Finding {
	var out []Finding
	for i, tr := range traces {
		if !tr.Triggered || tr.Fired || !approving(automations[i].Actions) {
			continue
		}
		for j, ct := range tr.Conditions {
			if !ct.Result {
				out = append(out, findings(displayName(automations[i]), automations[i].Conditions[j], ct, false)...)
			}
		}
		if len(tr.Conditions) == 0 && tr.Note != "" {
			out = append(out, Finding{Automation: displayName(automations[i]), Sentence: tr.Note})
		}
	}
	return out
}

// declineFindings are the conditions, in words, that made each declining rule fire.
func declineFindings(traces []AutomationTrace, automations []Automation) []Finding {
	var out []Finding
	for i, tr := range traces {
		if !tr.Fired {
			continue
		}
		declining := false
		for _, a := range automations[i].Actions {
			declining = declining || (a.Type == ActionSetCaseStatus && decisionFor(a.Status) == DecisionDecline)
		}
		if !declining {
			continue
		}
		for j, ct := range tr.Conditions {
			out = append(out, findings(displayName(automations[i]), automations[i].Conditions[j], ct, true)...)
		}
	}
	return out
}

// joinSentences joins the first findings' sentences, saying how many more there are.
func joinSentences(fs []Finding) string {
	items := make([]string, 0, len(fs))
	seen := map[string]bool{}
	for _, f := range fs {
		if !seen[f.Sentence] {
			seen[f.Sentence] = true
			items = append(items, truncateMiddle(f.Sentence, maxReasonString*2))
		}
	}
	if len(items) > maxReasonItems {
		return strings.Join(items[:maxReasonItems], "; ") + fmt.Sprintf("; and %d more", len(items)-maxReasonItems)
	}
	return strings.Join(items, "; ")
}

// decisionFor maps a set_case_status target to a decision; "" means the
// status is not decisive.
func decisionFor(status string) string {
	switch status {
	case "ACTIVE":
		return DecisionApprove
	case "DECLINED", "SUSPENDED", "ARCHIVED":
		return DecisionDecline
	}
	return ""
}

func reviewReason(traces []AutomationTrace, automations []Automation, triggered int, others []string, ev Event, fs []Finding) string {
	if triggered == 0 {
		return fmt.Sprintf("no automation is triggered by %s %s", eventType(ev.Type), ev.Status)
	}
	reason := fmt.Sprintf("no approve or decline rule fired (%d of %d automations triggered)", triggered, len(automations))
	if len(others) > 0 {
		reason += "; not decisive: " + joinItems(others)
	}
	// Say why the automations that could have approved did not, in words; a decline rule
	// that does not fire needs no explanation.
	byRule := map[string][]Finding{}
	var order []string
	for _, f := range fs {
		if byRule[f.Automation] == nil {
			order = append(order, f.Automation)
		}
		byRule[f.Automation] = append(byRule[f.Automation], f)
	}
	for _, name := range order {
		reason += fmt.Sprintf("; %q did not approve: %s", name, joinSentences(byRule[name]))
	}
	return reason
}

func approving(actions []Action) bool {
	for _, a := range actions {
		if a.Type == ActionSetCaseStatus && decisionFor(a.Status) == DecisionApprove {
			return true
		}
	}
	return false
}

// describe is a one-line summary of a condition for the decision reason.
func describe(c Condition) string {
	switch c.Type {
	case CondEqual:
		return fmt.Sprintf("%s == %q", c.Field, c.Value)
	case CondGreaterThanOrEqual:
		return fmt.Sprintf("%s >= %s", c.Field, c.Value)
	case CondEvery:
		return fmt.Sprintf("every %s in %s", c.Field, c.Path)
	case CondEqualToNull:
		return c.Field + " is null"
	case CondAnd, CondOr:
		return fmt.Sprintf("%s of %d conditions", c.Type, len(c.Conditions))
	}
	return c.Type
}

func joinItems(items []string) string {
	if len(items) > maxReasonItems {
		return strings.Join(items[:maxReasonItems], ", ") + fmt.Sprintf(" and %d more", len(items)-maxReasonItems)
	}
	return strings.Join(items, ", ")
}

func displayName(a Automation) string {
	if a.Name != "" {
		return a.Name
	}
	return a.ID
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

func evalAutomation(data any, a Automation, ev Event) AutomationTrace {
	tr := AutomationTrace{ID: a.ID, Name: a.Name, Actions: append([]Action(nil), a.Actions...)}
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

func evalCondition(data any, c Condition) ConditionTrace {
	t := ConditionTrace{Type: c.Type, Field: c.Field, Path: c.Path}
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
	vals := make([]any, len(locs))
	for i, l := range locs {
		vals[i] = l.v
	}
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
	locs := p.expr.Locate(data, 0)
	sort.SliceStable(locs, func(i, j int) bool { return lessLocation(locs[i], locs[j]) })
	out := make([]located, 0, len(locs))
	for _, loc := range locs {
		v, ok := loc.FirstFound(data)
		if !ok {
			continue
		}
		if p.length {
			if v, ok = lengthOf(v); !ok {
				continue
			}
		}
		out = append(out, located{loc: loc, v: v, length: p.length})
	}
	return out, nil
}

func resolveString(data any, s string) ([]any, error) {
	p, err := compilePath(s)
	if err != nil {
		return nil, err
	}
	return p.resolve(data), nil
}

func evalEqual(vals []any, want string) (bool, string) {
	if len(vals) == 0 {
		return false, "field matched nothing"
	}
	for _, v := range vals {
		if !equalValue(v, want) {
			return false, fmt.Sprintf("%s != %q", show(v), want)
		}
	}
	return true, ""
}

// equalValue compares as strings, numerically when v is a number and want
// parses as one. Null equals nothing.
func equalValue(v any, want string) bool {
	if v == nil {
		return false
	}
	if f, ok := toFloat(v); ok {
		if w, err := strconv.ParseFloat(strings.TrimSpace(want), 64); err == nil {
			return f == w
		}
	}
	return canonical(v) == want
}

func evalGTE(vals []any, want string) (bool, string) {
	limit, ok := number(want)
	if !ok {
		return false, fmt.Sprintf("expected value %q is not a number", want)
	}
	if len(vals) == 0 {
		return false, "field matched nothing"
	}
	for _, v := range vals {
		n, ok := number(v)
		if !ok {
			return false, fmt.Sprintf("%s is not a number", show(v))
		}
		if n < limit {
			return false, fmt.Sprintf("%s < %s", canonical(v), want)
		}
	}
	return true, ""
}

// number accepts JSON numbers and numeric strings, as JavaScript's >= would.
func number(v any) (float64, bool) {
	if f, ok := toFloat(v); ok {
		return f, true
	}
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func evalNull(vals []any) (bool, string) {
	if len(vals) == 0 {
		return true, "field matched nothing"
	}
	for _, v := range vals {
		if v != nil {
			return false, "field has a non-null value"
		}
	}
	return true, "field is null"
}

func evalEvery(vals, want []any) (bool, string) {
	if len(vals) == 0 {
		return false, "field matched nothing"
	}
	if len(want) == 0 {
		return false, "path matched nothing"
	}
	for _, v := range vals {
		found := false
		for _, w := range want {
			if w != nil && equalValue(v, canonical(w)) {
				found = true
				break
			}
		}
		if !found {
			return false, fmt.Sprintf("%s not in %s", show(v), expectedSet(want))
		}
	}
	return true, ""
}

func expectedSet(want []any) string {
	if len(want) == 1 {
		return canonical(want[0])
	}
	seen := map[string]bool{}
	var parts []string
	for _, w := range want {
		s := canonical(w)
		if !seen[s] {
			seen[s] = true
			parts = append(parts, truncate(s))
		}
	}
	return "one of: " + joinItems(parts)
}

// preview makes matched values compact for the trace: scalars kept, long
// strings cut, objects and arrays as short JSON text.
func preview(vals []any) ([]any, string) {
	var note string
	if len(vals) > maxTraceValues {
		note = fmt.Sprintf("showing %d of %d values", maxTraceValues, len(vals))
		vals = vals[:maxTraceValues]
	}
	out := make([]any, 0, len(vals))
	for _, v := range vals {
		switch t := v.(type) {
		case nil, bool, int64, float64:
			out = append(out, t)
		case string:
			out = append(out, truncate(t))
		default:
			if f, ok := toFloat(v); ok {
				out = append(out, f)
			} else {
				out = append(out, truncate(canonical(v)))
			}
		}
	}
	return out, note
}

// show writes a value for a note: strings quoted, the rest canonical.
func show(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(truncate(s))
	}
	return truncate(canonical(v))
}

func truncate(s string) string {
	if utf8.RuneCountInString(s) <= maxTraceString {
		return s
	}
	return string([]rune(s)[:maxTraceString-1]) + "…"
}

// truncateMiddle keeps both ends of a long condition summary: the start
// names the data, the end says what was tested.
func truncateMiddle(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head := (n - 1) / 2
	return string(r[:head]) + "…" + string(r[len(r)-(n-1-head):])
}

func joinNotes(notes ...string) string {
	var kept []string
	for _, n := range notes {
		if n != "" {
			kept = append(kept, n)
		}
	}
	return strings.Join(kept, "; ")
}
