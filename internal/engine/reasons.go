package engine

import (
	"strings"

	"github.com/merchantflow/onboarding/api"
)

// Reason is one reason an onboarding awaits an agent, in words, with the detail behind it.
type Reason struct {
	// Sentence names the check, flag or fact and its value (or says what happened: a
	// rejected signature, a mismatching identity).
	Sentence string `json:"sentence"`
	// Rule is the approval rule a finding belongs to, when it is one.
	Rule string `json:"rule,omitempty"`
	// Detail is the rule's condition as written, JSONPath included.
	Detail string `json:"detail,omitempty"`
}

// rulesReasonPrefix starts the review reason the workflow records when the rules cannot decide.
const rulesReasonPrefix = "the rules could not decide"

// ReviewReasons lists why the onboarding is in review, one reason per line for the console
// and the CLI: each review reason, the rules' one replaced by its findings (one per check,
// flag or fact at fault, each with its condition as the detail). An evaluation recorded
// before findings existed keeps its one-line reason.
func ReviewReasons(st *api.Status) []Reason {
	var out []Reason
	for _, r := range st.ReviewReasons {
		if strings.HasPrefix(r, rulesReasonPrefix) && st.Evaluation != nil && st.Evaluation.Trace != nil && len(st.Evaluation.Trace.Findings) > 0 {
			for _, f := range st.Evaluation.Trace.Findings {
				out = append(out, Reason{Sentence: f.Sentence, Rule: f.Automation, Detail: f.Condition})
			}
			continue
		}
		out = append(out, Reason{Sentence: r})
	}
	return out
}
