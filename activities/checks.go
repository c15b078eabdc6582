package activities

import (
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/automation"
	"github.com/merchantflow/onboarding/providers/quickr"
)

// maxCheckFlags bounds the flags kept per check: the evaluation goes into history.
const maxCheckFlags = 20

// checkResults summarises the case's checks: one entry per check, its worst-placed status
// (the first item not COMPLETED, else COMPLETED) and its flags in words.
func checkResults(c *quickr.Case) []api.CheckResult {
	out := make([]api.CheckResult, 0, len(c.Checks))
	for _, ch := range c.Checks {
		r := api.CheckResult{Type: ch.Type, Label: automation.CheckLabel(ch.Type), Items: len(ch.Data)}
		for _, d := range ch.Data {
			if r.Status == "" || (r.Status == "COMPLETED" && d.Status != "COMPLETED") {
				r.Status = d.Status
			}
			for _, f := range d.Flags {
				if len(r.Flags) == maxCheckFlags {
					break
				}
				on, _ := d.Ref["type"].(string)
				r.Flags = append(r.Flags, api.FlagFound{
					Code: f.Code, Level: f.Level(), Meaning: automation.FlagMeaning(f.Code), On: on,
					Sentence: "the " + r.Label + " check flagged " + automation.FlagPhrase(f.Code, f.Level()),
				})
			}
		}
		out = append(out, r)
	}
	return out
}
