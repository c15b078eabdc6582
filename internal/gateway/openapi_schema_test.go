package gateway

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/api"
)

// jsonFields lists the JSON names of a struct's fields.
func jsonFields(v any) []string {
	t := reflect.TypeOf(v)
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// The contract's policy schemas list exactly the fields the engine takes, so a new policy
// field cannot be forgotten in the document apps read.
func TestOpenAPIPolicySchemasMatchTheTypes(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(OpenAPI(), &doc))
	for name, v := range map[string]any{"Policy": api.Policy{}, "PolicyChange": api.PolicyChange{}} {
		var have []string
		for p := range doc.Components.Schemas[name].Properties {
			have = append(have, p)
		}
		sort.Strings(have)
		require.Equal(t, jsonFields(v), have, "schema %s", name)
	}
	// A count's bound is the policy table's.
	for _, f := range api.PolicyFields() {
		if !f.IsCount() {
			continue
		}
		for _, schema := range []string{"Policy", "PolicyChange"} {
			var prop struct {
				Maximum int `json:"maximum"`
			}
			require.NoError(t, json.Unmarshal(doc.Components.Schemas[schema].Properties[f.Name], &prop))
			require.Equal(t, f.MaxCount, prop.Maximum, "%s.%s", schema, f.Name)
		}
	}
	status := doc.Components.Schemas["Status"].Properties
	require.Contains(t, status, "blocked", "the status documents blocked providers")
}
