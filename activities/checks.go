package activities

import (
	"github.com/merchantflow/onboarding/automation"
	"github.com/merchantflow/onboarding/providers/quickr"
)

// CheckResult is one Quickr check as the rules saw it, in words for the agent who reviews:
// its status and every flag with what it means.
type CheckResult struct {
	Type   string `json:"type"`
	Label  string `json:"label"` // "UBO", "bank account", ...
	Status string `json:"status,omitempty"`
	// Items counts the check's data items (one per entity checked).
	Items int         `json:"items"`
	Flags []FlagFound `json:"flags,omitempty"`
}

// FlagFound is one flag a check raised.
type FlagFound struct {
	Code  string `json:"code"`
	Level string `json:"level,omitempty"` // WARNING or ERROR
	// Meaning is the case-details reference's explanation of the code ("" if it has none).
	Meaning string `json:"meaning,omitempty"`
	// On names the entity the flag is about (the data item's ref type), when it says.
	On string `json:"on,omitempty"`
	// Sentence is the flag in words: "the UBO check flagged COMPANY_TYPE_NOT_SUPPORTED (...)".
	Sentence string `json:"sentence"`
}

// maxCheckFlags bounds the flags kept per check: the evaluation goes into history.
const maxCheckFlags = 20

// checkResults summarises the case's checks: one entry per check, its worst-placed status
// (the first item not COMPLETED, else COMPLETED) and its flags in words.
func checkResults(c *quickr.Case) []CheckResult {
	out := make([]CheckResult, 0, len(c.Checks))
	for _, ch := range c.Checks {
		r := CheckResult{Type: ch.Type, Label: automation.CheckLabel(ch.Type), Items: len(ch.Data)}
		for _, d := range ch.Data {
			if r.Status == "" || (r.Status == "COMPLETED" && d.Status != "COMPLETED") {
				r.Status = d.Status
			}
			for _, f := range d.Flags {
				if len(r.Flags) == maxCheckFlags {
					break
				}
				on, _ := d.Ref["type"].(string)
				r.Flags = append(r.Flags, FlagFound{
					Code: f.Code, Level: f.Level(), Meaning: automation.FlagMeaning(f.Code), On: on,
					Sentence: "the " + r.Label + " check flagged " + automation.FlagPhrase(f.Code, f.Level()),
				})
			}
		}
		out = append(out, r)
	}
	return out
}
