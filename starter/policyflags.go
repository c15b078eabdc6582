package main

import (
	"flag"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/api"
)

// The policy's flags come from its table (api.PolicyFields): start has one per field, extend
// one per field a running onboarding can change. A flag left out leaves the field alone.

// policyFlags are the policy flags registered on one flag set.
type policyFlags struct {
	rows   []api.PolicyField
	durs   map[string]*time.Duration // by row name
	counts map[string]*int
}

// addPolicyFlags registers the policy table's flags on fs: every row, or only the
// extendable ones.
func addPolicyFlags(fs *flag.FlagSet, extendableOnly bool) *policyFlags {
	pf := &policyFlags{durs: map[string]*time.Duration{}, counts: map[string]*int{}}
	for _, f := range api.PolicyFields() {
		if extendableOnly && !f.Extendable() {
			continue
		}
		pf.rows = append(pf.rows, f)
		help := "policy: " + f.Doc + " (default " + f.DefaultText() + ", " + f.LimitsText() + ")"
		if f.IsCount() {
			pf.counts[f.Name] = fs.Int(f.Flag, 0, help)
		} else {
			pf.durs[f.Name] = fs.Duration(f.Flag, 0, help)
		}
	}
	return pf
}

// setIn writes the flags given on the command line (set) into p.
func (pf *policyFlags) setIn(p *api.Policy, set map[string]bool) {
	for _, f := range pf.rows {
		switch {
		case !set[f.Flag]:
		case f.IsCount():
			*f.Count(p) = *pf.counts[f.Name]
		default:
			*f.Duration(p) = api.Duration(*pf.durs[f.Name])
		}
	}
}

// change is the policy change the flags given (set) ask for, nil for none. Values must be
// positive (a count not negative); bad reports each that is not, by its flag. The finer
// limits are api.ValidateDeadlineChange's, which the engine runs before it sends anything.
func (pf *policyFlags) change(set map[string]bool, bad func(flag, msg string)) *api.PolicyChange {
	c := &api.PolicyChange{}
	for _, f := range pf.rows {
		if !set[f.Flag] {
			continue
		}
		if f.IsCount() {
			n := *pf.counts[f.Name]
			if n < 0 {
				bad(f.Flag, "must not be negative")
			}
			*f.ChangeCount(c) = &n
			continue
		}
		if *pf.durs[f.Name] <= 0 {
			bad(f.Flag, "must be a positive duration")
		}
		d := api.Duration(*pf.durs[f.Name])
		*f.ChangeDuration(c) = &d
	}
	if *c == (api.PolicyChange{}) {
		return nil
	}
	return c
}

// fieldFlags maps each row's input field ("policy.reviewSla") onto its flag, for
// withFlagNames.
func (pf *policyFlags) fieldFlags(into map[string]string) map[string]string {
	for _, f := range pf.rows {
		into["policy."+f.Name] = f.Flag
	}
	return into
}

// policyUsage lists the table's flags for the usage text; * marks the extendable ones.
func policyUsage() string {
	var b strings.Builder
	for _, f := range api.PolicyFields() {
		arg, mark := "D", " "
		if f.IsCount() {
			arg = "N"
		}
		if f.Extendable() {
			mark = "*"
		}
		name := "--" + f.Flag + " " + arg
		b.WriteString(" " + mark + " " + name + strings.Repeat(" ", max(1, 32-len(name))) +
			f.DefaultText() + ", " + f.LimitsText() + ": " + f.Doc + "\n")
	}
	return b.String()
}
