package automation

import (
	"fmt"
	"strings"

	"github.com/merchantflow/onboarding/api"
)

// reviewFindings are the conditions, in words, that kept each triggered approving rule from
// firing.
func reviewFindings(traces []api.AutomationTrace, automations []Automation) []api.Finding {
	var out []api.Finding
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
			out = append(out, api.Finding{Automation: displayName(automations[i]), Sentence: tr.Note})
		}
	}
	return out
}

// declineFindings are the conditions, in words, that made each declining rule fire.
func declineFindings(traces []api.AutomationTrace, automations []Automation) []api.Finding {
	var out []api.Finding
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
func joinSentences(fs []api.Finding) string {
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

func reviewReason(traces []api.AutomationTrace, automations []Automation, triggered int, others []string, ev Event, fs []api.Finding) string {
	if triggered == 0 {
		return fmt.Sprintf("no automation is triggered by %s %s", eventType(ev.Type), ev.Status)
	}
	reason := fmt.Sprintf("no approve or decline rule fired (%d of %d automations triggered)", triggered, len(automations))
	if len(others) > 0 {
		reason += "; not decisive: " + joinItems(others)
	}
	// Say why the automations that could have approved did not, in words; a decline rule
	// that does not fire needs no explanation.
	byRule := map[string][]api.Finding{}
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

func approving(actions []api.RuleAction) bool {
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
