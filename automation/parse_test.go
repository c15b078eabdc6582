package automation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/api"
)

const oneAutomation = `{
	"id": "a1",
	"name": "Approve",
	"triggers": [{"type": "case_status_updated", "status": "READY_FOR_REVIEW"}],
	"conditions": [{"type": "equal", "field": "$.status", "value": "READY_FOR_REVIEW"}],
	"actions": [{"type": "set_case_status", "status": "ACTIVE"}]
}`

func TestParseForms(t *testing.T) {
	want := Automation{
		ID:         "a1",
		Name:       "Approve",
		Triggers:   []Trigger{{Type: TriggerCaseStatusUpdated, Status: "READY_FOR_REVIEW"}},
		Conditions: []Condition{{Type: CondEqual, Field: "$.status", Value: "READY_FOR_REVIEW"}},
		Actions:    []api.RuleAction{{Type: ActionSetCaseStatus, Status: "ACTIVE"}},
	}
	tests := []struct {
		name string
		in   string
	}{
		{"object", oneAutomation},
		{"array", `[` + oneAutomation + `]`},
		{"automations key", `{"automations": [` + oneAutomation + `]}`},
		{"quickr list response", `{"data": [` + oneAutomation + `], "pagination": {"cursor": "x"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			require.NoError(t, err)
			require.Equal(t, []Automation{want}, got)
		})
	}
}

func TestParseTriggerKeys(t *testing.T) {
	base := `"name": "x", "conditions": [{"type": "equal_to_null", "field": "$.a"}], "actions": [{"type": "set_case_status", "status": "DECLINED"}]`
	tests := []struct {
		name string
		in   string
		want []Trigger
	}{
		{"guide trigger array", `{"trigger": [{"type": "case_status_updated", "status": "READY_FOR_REVIEW"}], ` + base + `}`,
			[]Trigger{{Type: "case_status_updated", Status: "READY_FOR_REVIEW"}}},
		{"guide trigger object", `{"trigger": {"type": "case_status_change"}, ` + base + `}`,
			[]Trigger{{Type: "case_status_change"}}},
		{"reference triggers object", `{"triggers": {"type": "case_status_updated"}, ` + base + `}`,
			[]Trigger{{Type: "case_status_updated"}}},
		{"both keys", `{"triggers": [{"type": "case_status_updated", "status": "ACTIVE"}], "trigger": {"type": "case_status_change", "status": "DECLINED"}, ` + base + `}`,
			[]Trigger{{Type: "case_status_updated", Status: "ACTIVE"}, {Type: "case_status_change", Status: "DECLINED"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			require.NoError(t, err)
			require.Equal(t, tt.want, got[0].Triggers)
		})
	}
}

func TestParseValuesAndActions(t *testing.T) {
	got, err := Parse([]byte(`{
		"name": "x",
		"trigger": {"type": "case_status_updated"},
		"conditions": [
			{"type": "equal", "field": "$.a", "value": 0},
			{"type": "equal", "field": "$.b", "value": true},
			{"type": "greater_than_or_equal", "field": "$.c", "value": 70.5}
		],
		"actions": [{"type": "set_check_status", "status": "COMPLETED"}, {"type": "set_case_status", "status": "ACTIVE"}]
	}`))
	require.NoError(t, err)
	require.Equal(t, "0", got[0].Conditions[0].Value)
	require.Equal(t, "true", got[0].Conditions[1].Value)
	require.Equal(t, "70.5", got[0].Conditions[2].Value)
	require.Equal(t, api.RuleAction{Type: "set_check_status", Status: "COMPLETED"}, got[0].Actions[0])

	_, err = Parse([]byte(`{"name": "x", "trigger": {"type": "case_status_updated"}, "conditions": [{"type": "equal", "field": "$.a", "value": {"x": 1}}], "actions": [{"type": "set_case_status", "status": "ACTIVE"}]}`))
	require.ErrorContains(t, err, "value must be a string, number or boolean")
}

func TestParseErrors(t *testing.T) {
	// automation builds one automation with the given JSON members replaced.
	automation := func(members ...string) string {
		m := map[string]string{
			"name":       `"Rule"`,
			"triggers":   `[{"type": "case_status_updated", "status": "READY_FOR_REVIEW"}]`,
			"conditions": `[{"type": "equal", "field": "$.a", "value": "1"}]`,
			"actions":    `[{"type": "set_case_status", "status": "ACTIVE"}]`,
		}
		for i := 0; i < len(members); i += 2 {
			m[members[i]] = members[i+1]
		}
		var parts []string
		for _, k := range []string{"name", "triggers", "conditions", "actions"} {
			if m[k] != "" {
				parts = append(parts, `"`+k+`": `+m[k])
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty input", ``, []string{"input is empty"}},
		{"empty list", `[]`, []string{"no automations"}},
		{"not json", `{"name": `, []string{"unexpected end"}},
		{"scalar", `42`, []string{"JSON object or array"}},
		{"missing name", automation("name", `""`), []string{`automation 0 "": name is required`}},
		{"no triggers", automation("triggers", ""), []string{"at least one trigger"}},
		{"unknown trigger", automation("triggers", `[{"type": "case_created"}]`), []string{`triggers[0]: unknown trigger type "case_created"`}},
		{"unknown trigger status", automation("triggers", `[{"type": "case_status_updated", "status": "READY"}]`), []string{`triggers[0]: unknown case status "READY"`}},
		{"no conditions", automation("conditions", `[]`), []string{"at least one condition"}},
		{"unknown condition", automation("conditions", `[{"type": "equal", "field": "$.a", "value": "1"}, {"type": "equals", "field": "$.a", "value": "1"}]`),
			[]string{`automation 0 "Rule": conditions[1]: unknown condition type "equals"`}},
		{"missing type", automation("conditions", `[{"field": "$.a"}]`), []string{"conditions[0]: condition type is required"}},
		{"missing field", automation("conditions", `[{"type": "equal", "value": "1"}]`), []string{`conditions[0]: equal needs "field"`}},
		{"missing value", automation("conditions", `[{"type": "equal", "field": "$.a"}]`), []string{`conditions[0]: equal needs a non-empty "value"`}},
		{"non-numeric gte", automation("conditions", `[{"type": "greater_than_or_equal", "field": "$.a", "value": "high"}]`),
			[]string{`conditions[0]: greater_than_or_equal needs a numeric "value", got "high"`}},
		{"every without path", automation("conditions", `[{"type": "every", "field": "$.a"}]`), []string{`conditions[0]: every needs "path"`}},
		{"empty or", automation("conditions", `[{"type": "or", "conditions": []}]`), []string{"conditions[0]: or needs at least one nested condition"}},
		{"nested bad path", automation("conditions", `[{"type": "and", "conditions": [{"type": "equal_to_null", "field": "$.a"}, {"type": "equal_to_null", "field": "$.checks[?(@.type=='x'"}]}]`),
			[]string{`conditions[0].conditions[1]: field "$.checks[?(@.type=='x'" does not compile`}},
		{"path without root", automation("conditions", `[{"type": "equal_to_null", "field": "checks"}]`), []string{"must start with $"}},
		{"no actions", automation("actions", `[]`), []string{"at least one action"}},
		{"action without type", automation("actions", `[{"status": "ACTIVE"}]`), []string{"actions[0]: action type is required"}},
		{"set_case_status without status", automation("actions", `[{"type": "set_case_status"}]`), []string{"actions[0]: set_case_status needs a status"}},
		{"unknown status", automation("actions", `[{"type": "set_case_status", "status": "APPROVED"}]`), []string{`actions[0]: unknown case status "APPROVED"`}},
		{"several problems", automation("name", `"Bad"`, "conditions", `[{"type": "nope"}]`, "actions", `[]`),
			[]string{`automation 0 "Bad": conditions[0]: unknown condition type "nope"`, `automation 0 "Bad": at least one action`}},
		{"second automation named", `[` + automation() + `, ` + automation("name", `"Other"`, "conditions", `[{"type": "every", "field": "$.a"}]`) + `]`,
			[]string{`automation 1 "Other": conditions[0]: every needs "path"`}},
		{"duplicate id", `[{"id": "x", ` + automation()[1:] + `, {"id": "x", ` + automation()[1:] + `]`, []string{`id "x" already used by automation 0`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			require.Error(t, err)
			require.Nil(t, got)
			for _, w := range tt.want {
				require.ErrorContains(t, err, w)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	a := Automation{Name: "x", Triggers: []Trigger{{Type: TriggerCaseStatusUpdated}}, Actions: []api.RuleAction{{Type: ActionSetCaseStatus, Status: "ACTIVE"}}}
	require.ErrorContains(t, a.Validate(), "at least one condition")
	a.Conditions = []Condition{{Type: CondEqualToNull, Field: "$.a"}}
	require.NoError(t, a.Validate())
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "rules.json")
	require.NoError(t, os.WriteFile(good, []byte(oneAutomation), 0o600))
	got, err := Load(good)
	require.NoError(t, err)
	require.Len(t, got, 1)

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"name": "x"}`), 0o600))
	_, err = Load(bad)
	require.ErrorContains(t, err, "bad.json")

	_, err = Load(filepath.Join(dir, "missing.json"))
	require.Error(t, err)

	fromFile, err := Load("rules/default.json")
	require.NoError(t, err)
	require.Equal(t, Default(), fromFile)
}

func TestMarshalRoundTrip(t *testing.T) {
	b, err := json.Marshal(Default())
	require.NoError(t, err)
	require.Contains(t, string(b), `"triggers":`)
	again, err := Parse(b)
	require.NoError(t, err)
	require.Equal(t, Default(), again)
}
