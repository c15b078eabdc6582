package api_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/api"
)

// jsonNames lists the JSON names of a struct type's fields, in order.
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

// keysOf is the JSON object v marshals to, by key.
func keysOf(t *testing.T, v any) map[string]json.RawMessage {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// Every field of Policy has one row, and the row's accessor is that field: setting it
// through the row writes the JSON key the row names, and nothing else.
func TestThePolicyTableHasOneRowPerField(t *testing.T) {
	rows := api.PolicyFields()
	var names []string
	flags := map[string]bool{}
	for _, f := range rows {
		names = append(names, f.Name)
		require.False(t, flags[f.Flag], "flag --%s twice", f.Flag)
		flags[f.Flag] = true
		require.NotEmpty(t, f.Doc, f.Name)

		var p api.Policy
		if f.IsCount() {
			*f.Count(&p) = 1
			require.Nil(t, f.Duration(&p))
		} else {
			*f.Duration(&p) = api.Duration(time.Second)
			require.Nil(t, f.Count(&p))
			require.True(t, f.Min > 0 && f.Min <= f.Default && f.Default <= f.Max, "%s: %s <= %s <= %s", f.Name, f.Min, f.Default, f.Max)
		}
		require.Equal(t, []string{f.Name}, keys(keysOf(t, p)), "row %s sets another field", f.Name)
	}
	require.ElementsMatch(t, jsonNames(reflect.TypeFor[api.Policy]()), names)
}

// PolicyChange has a field exactly for each extendable row, and the row's change accessor is it.
func TestPolicyChangeCoversTheExtendableRows(t *testing.T) {
	var extendable []string
	for _, f := range api.PolicyFields() {
		if !f.Extendable() {
			continue
		}
		extendable = append(extendable, f.Name)
		var c api.PolicyChange
		if f.IsCount() {
			n := 3
			*f.ChangeCount(&c) = &n
		} else {
			d := api.Duration(time.Hour)
			*f.ChangeDuration(&c) = &d
		}
		require.Equal(t, []string{f.Name}, keys(keysOf(t, c)), "row %s changes another field", f.Name)
		// Apply writes the changed field of the policy, the same JSON key.
		changed := c.Apply(api.Policy{})
		require.Equal(t, []string{f.Name}, keys(keysOf(t, changed)))
	}
	require.ElementsMatch(t, jsonNames(reflect.TypeFor[api.PolicyChange]()), extendable)
}

func TestDefaultsAreTheTablesAndResolveFillsOnlyZeroFields(t *testing.T) {
	d := api.DefaultPolicy()
	require.True(t, d.Complete())
	require.Equal(t, d, api.Policy{}.Resolve())
	for _, f := range api.PolicyFields() {
		if f.IsCount() {
			require.Equal(t, f.DefaultCount, *f.Count(&d), f.Name)
		} else {
			require.Equal(t, api.Duration(f.Default), *f.Duration(&d), f.Name)
		}
	}
	p := api.Policy{ReviewSLA: api.Duration(time.Hour), MaxContractRenewals: -1}.Resolve()
	require.Equal(t, api.Duration(time.Hour), p.ReviewSLA)
	require.Equal(t, -1, p.MaxContractRenewals, "negative means never and stays")
	require.Equal(t, d.IDVMaxWait, p.IDVMaxWait)
}

// Each row's limits hold at start and at extend alike.
func TestEveryRowsLimitsAreChecked(t *testing.T) {
	for _, f := range api.PolicyFields() {
		var low, high api.Policy
		var c api.PolicyChange
		if f.IsCount() {
			*f.Count(&high) = f.MaxCount + 1
			n := -1
			*f.ChangeCount(&c) = &n
			require.Empty(t, low.Problems())
		} else {
			*f.Duration(&low) = api.Duration(f.Min - 1)
			*f.Duration(&high) = api.Duration(f.Max + 1)
			require.Equal(t, []api.FieldProblem{{Field: f.Name, Message: "must be at least " + api.ShortDuration(f.Min)}}, low.Problems())
			if f.Extendable() {
				zero := api.Duration(0)
				*f.ChangeDuration(&c) = &zero
			}
		}
		require.Equal(t, f.Name, high.Problems()[0].Field)
		if f.Extendable() {
			require.Len(t, c.Problems(), 1, f.Name)
			require.Equal(t, f.Name, c.Problems()[0].Field)
			require.ErrorContains(t, c.Err(), "policy."+f.Name+" ")
		}
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
