package main

import (
	"flag"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/api"
)

// policyFlagNames lists the policy flags a flag set gets.
func policyFlagNames(extendableOnly bool) map[string]bool {
	fs := newFlags("t")
	addPolicyFlags(fs, extendableOnly)
	names := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { names[f.Name] = true })
	return names
}

// start has a flag for exactly every row of the policy table, extend for exactly the
// extendable ones, and each flag sets its row's field.
func TestPolicyFlagsAreThePolicyTable(t *testing.T) {
	all, extendable := map[string]bool{}, map[string]bool{}
	for _, f := range api.PolicyFields() {
		all[f.Flag] = true
		if f.Extendable() {
			extendable[f.Flag] = true
		}
	}
	require.Equal(t, all, policyFlagNames(false))
	require.Equal(t, extendable, policyFlagNames(true))

	for _, f := range api.PolicyFields() {
		value := "90m"
		if f.IsCount() {
			value = "3"
		}
		fs := newFlags("start")
		pf := addPolicyFlags(fs, false)
		_, err := parseFlags(fs, []string{"--" + f.Flag, value})
		require.NoError(t, err)
		var p api.Policy
		pf.setIn(&p, setFlags(fs))
		want := api.Policy{}
		if f.IsCount() {
			n, _ := strconv.Atoi(value)
			*f.Count(&want) = n
		} else {
			*f.Duration(&want) = api.Duration(90 * time.Minute)
		}
		require.Equal(t, want, p, "--%s", f.Flag)

		if !f.Extendable() {
			continue
		}
		fs = newFlags("extend")
		pf = addPolicyFlags(fs, true)
		_, err = parseFlags(fs, []string{"--" + f.Flag, value})
		require.NoError(t, err)
		c := pf.change(setFlags(fs), func(flag, msg string) { t.Fatalf("--%s: %s", flag, msg) })
		require.Equal(t, want, c.Apply(api.Policy{}), "--%s", f.Flag)
	}
}
