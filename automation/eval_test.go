package automation

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/api"
)

const fixtureCase = `{
	"status": "READY_FOR_REVIEW",
	"checks": [
		{"type": "sanctions", "data": [{"flags": [], "status": "COMPLETED"}]},
		{"type": "company", "data": [{"flags": [{"type": "ERROR", "code": "COMPANY_INACTIVE"}], "status": "COMPLETED"}]},
		{"type": "credit_score", "data": [{"flags": [], "status": "COMPLETED"}]}
	],
	"current_information": [{"type": "credit_score", "data": [{"current_credit_score": {"grade": "A", "value": 100}}]}],
	"prefills": [
		{"type": "company", "data": [{"country": "NO"}]},
		{"type": "ultimate_beneficial_ownership", "data": [{"country": "NO"}, {"country": "NO"}]}
	],
	"scores": [80, 90, "75"],
	"mixed_scores": [80, "n/a"],
	"countries": ["NO", "SE"],
	"mixed": ["NO", "DK"],
	"nothing": null,
	"nulls": [null, null],
	"rate": 24.5,
	"long": "` + "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz" + `",
	"many": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
}`

func fixtureDoc(t *testing.T) map[string]any {
	return mustDoc(t, fixtureCase, map[string]any{"company_age": 3, "identity_match": true, "credit_terms_status": "COMPLETED"})
}

func TestConditions(t *testing.T) {
	doc := fixtureDoc(t)
	eq := func(field, value string) Condition { return Condition{Type: CondEqual, Field: field, Value: value} }
	gte := func(field, value string) Condition {
		return Condition{Type: CondGreaterThanOrEqual, Field: field, Value: value}
	}
	every := func(field, path string) Condition { return Condition{Type: CondEvery, Field: field, Path: path} }
	isNull := func(field string) Condition { return Condition{Type: CondEqualToNull, Field: field} }

	tests := []struct {
		name string
		cond Condition
		want bool
		note string // substring of the trace note
	}{
		{"equal string", eq("$.status", "READY_FOR_REVIEW"), true, ""},
		{"equal string mismatch", eq("$.status", "ACTIVE"), false, `"READY_FOR_REVIEW" != "ACTIVE"`},
		{"equal number as string", eq("$.checks[?(@.type==='sanctions')].data[0].flags.length", "0"), true, ""},
		{"equal number mismatch", eq("$.checks[?(@.type==='company')].data[0].flags.length", "0"), false, `1 != "0"`},
		{"equal float canonical", eq("$.rate", "24.50"), true, ""},
		{"equal bool", eq("$.context.identity_match", "true"), true, ""},
		{"equal bool mismatch", eq("$.context.identity_match", "false"), false, ""},
		{"equal null never", eq("$.nothing", "null"), false, ""},
		{"equal nothing", eq("$.checks[?(@.type==='pep')].data.length", "0"), false, "field matched nothing"},
		{"equal all values", eq("$.prefills[?(@.type=='ultimate_beneficial_ownership')].data[*].country", "NO"), true, ""},
		{"equal not all values", eq("$.countries[*]", "NO"), false, `"SE" != "NO"`},
		{"equal flag code filter", eq("$.checks[*].data[*].flags[?(@.code=='COMPANY_INACTIVE')].code", "COMPANY_INACTIVE"), true, ""},
		{"equal filter no match", eq("$.checks[*].data[*].flags[?(@.code=='COMPANY_IN_SANCTIONS')].code", "COMPANY_IN_SANCTIONS"), false, "field matched nothing"},
		{"equal string length", eq("$.status.length", "16"), true, ""},

		{"gte true", gte("$.current_information[?(@.type==='credit_score')].data[*].current_credit_score.value", "70"), true, ""},
		{"gte equal bound", gte("$.context.company_age", "3"), true, ""},
		{"gte false", gte("$.context.company_age", "3.5"), false, "3 < 3.5"},
		{"gte numeric strings", gte("$.scores[*]", "75"), true, ""},
		{"gte one value low", gte("$.scores[*]", "76"), false, "75 < 76"},
		{"gte non-numeric", gte("$.status", "1"), false, `"READY_FOR_REVIEW" is not a number`},
		{"gte mixed non-numeric", gte("$.mixed_scores[*]", "1"), false, `"n/a" is not a number`},
		{"gte bool", gte("$.context.identity_match", "0"), false, "true is not a number"},
		{"gte nothing", gte("$.context.credit_analysis_score", "60"), false, "field matched nothing"},
		{"gte bad expected", gte("$.rate", "x"), false, `expected value "x" is not a number`},

		{"every single path value", every("$.prefills[?(@.type==='ultimate_beneficial_ownership')].data[*].country", "$.prefills[?(@.type==='company')].data[*].country"), true, ""},
		{"every mismatch", every("$.countries[*]", "$.prefills[?(@.type==='company')].data[*].country"), false, `"SE" not in NO`},
		{"every against set", every("$.prefills[?(@.type=='ultimate_beneficial_ownership')].data[*].country", "$.countries[*]"), true, ""},
		{"every against set mismatch", every("$.mixed[*]", "$.countries[*]"), false, `"DK" not in one of: NO, SE`},
		{"every field nothing", every("$.prefills[?(@.type==='signatory')].data[*].country", "$.countries[*]"), false, "field matched nothing"},
		{"every path nothing", every("$.countries[*]", "$.prefills[?(@.type==='bank')].data[*].country"), false, "path matched nothing"},

		{"null missing", isNull("$.context.prior_kyc_status"), true, "field matched nothing"},
		{"null value", isNull("$.nothing"), true, "field is null"},
		{"null all nulls", isNull("$.nulls[*]"), true, "field is null"},
		{"null empty flags", isNull("$.checks[?(@.type==='sanctions')].data[*].flags[*]"), true, ""},
		{"null defined", isNull("$.status"), false, "non-null"},
		{"null some flags", isNull("$.checks[*].data[*].flags[*]"), false, "non-null"},

		{"and true", Condition{Type: CondAnd, Conditions: []Condition{eq("$.status", "READY_FOR_REVIEW"), gte("$.rate", "20")}}, true, "2 of 2 held"},
		{"and false", Condition{Type: CondAnd, Conditions: []Condition{eq("$.status", "READY_FOR_REVIEW"), gte("$.rate", "30")}}, false, "1 of 2 held"},
		{"or true", Condition{Type: CondOr, Conditions: []Condition{eq("$.status", "ACTIVE"), gte("$.rate", "20")}}, true, "1 of 2 held"},
		{"or false", Condition{Type: CondOr, Conditions: []Condition{eq("$.status", "ACTIVE"), gte("$.rate", "30")}}, false, "0 of 2 held"},
		{"empty and", Condition{Type: CondAnd}, false, "0 of 0 held"},

		{"unknown type", Condition{Type: "contains", Field: "$.a"}, false, `unknown condition type "contains"`},
		{"invalid path", eq("$.checks[", "x"), false, "invalid field"},
		{"invalid every path", every("$.status", "nope"), false, "invalid path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := evalCondition(doc, tt.cond)
			require.Equal(t, tt.want, got.Result, "note: %s", got.Note)
			require.Contains(t, got.Note, tt.note)
		})
	}
}

func TestConditionTrace(t *testing.T) {
	doc := fixtureDoc(t)

	got := evalCondition(doc, Condition{Type: CondOr, Conditions: []Condition{
		{Type: CondEqual, Field: "$.checks[?(@.type==='sanctions')].data[0].flags.length", Value: "0"},
		{Type: CondEvery, Field: "$.countries[*]", Path: "$.prefills[?(@.type=='company')].data[*].country"},
	}})
	require.Equal(t, api.ConditionTrace{
		Type:   CondOr,
		Result: true,
		Note:   "1 of 2 held",
		Children: []api.ConditionTrace{
			{Type: CondEqual, Field: "$.checks[?(@.type==='sanctions')].data[0].flags.length", Expected: "0", Values: []any{int64(0)}, Result: true,
				Sentences: []string{"the number of flags of the sanctions check is 0"}},
			{Type: CondEvery, Field: "$.countries[*]", Path: "$.prefills[?(@.type=='company')].data[*].country", Expected: "NO", Values: []any{"NO", "SE"}, Note: `"SE" not in NO`,
				Sentences: []string{"$.countries[1] is SE, not the country of the company prefill (NO)"}},
		},
	}, got)

	long := evalCondition(doc, Condition{Type: CondEqual, Field: "$.long", Value: "x"})
	require.Len(t, []rune(long.Values[0].(string)), maxTraceString)

	many := evalCondition(doc, Condition{Type: CondGreaterThanOrEqual, Field: "$.many[*]", Value: "1"})
	require.True(t, many.Result)
	require.Len(t, many.Values, maxTraceValues)
	require.Equal(t, "showing 10 of 12 values", many.Note)

	obj := evalCondition(doc, Condition{Type: CondEqual, Field: "$.current_information[0].data[0].current_credit_score", Value: "A"})
	require.Equal(t, []any{`{"grade":"A","value":100}`}, obj.Values)
}

// rule builds a valid automation triggered on READY_FOR_REVIEW.
func rule(id, status string, conds ...Condition) Automation {
	return Automation{
		ID:         id,
		Name:       "Rule " + id,
		Triggers:   []Trigger{{Type: TriggerCaseStatusUpdated, Status: "READY_FOR_REVIEW"}},
		Conditions: conds,
		Actions:    []api.RuleAction{{Type: ActionSetCaseStatus, Status: status}},
	}
}

var (
	holds = Condition{Type: CondEqual, Field: "$.status", Value: "READY_FOR_REVIEW"}
	fails = Condition{Type: CondGreaterThanOrEqual, Field: "$.context.company_age", Value: "10"}
)

func TestTriggers(t *testing.T) {
	doc := fixtureDoc(t)
	tests := []struct {
		name    string
		trigger Trigger
		event   Event
		want    bool
	}{
		{"same type and status", Trigger{Type: "case_status_updated", Status: "READY_FOR_REVIEW"}, StatusUpdated("READY_FOR_REVIEW"), true},
		{"other status", Trigger{Type: "case_status_updated", Status: "READY_FOR_REVIEW"}, StatusUpdated("ACTIVE"), false},
		{"no status matches any", Trigger{Type: "case_status_updated"}, StatusUpdated("WAITING_FOR_DETAILS"), true},
		{"changelog spelling", Trigger{Type: "case_status_change", Status: "READY_FOR_REVIEW"}, StatusUpdated("READY_FOR_REVIEW"), true},
		{"changelog spelling event", Trigger{Type: "case_status_updated"}, Event{Type: "case_status_change", Status: "READY_FOR_REVIEW"}, true},
		{"empty event type", Trigger{Type: "case_status_change"}, Event{Status: "READY_FOR_REVIEW"}, true},
		{"other event type", Trigger{Type: "case_status_updated"}, Event{Type: "case_created", Status: "READY_FOR_REVIEW"}, false},
		{"trigger without type", Trigger{Status: "READY_FOR_REVIEW"}, StatusUpdated("READY_FOR_REVIEW"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := rule("a", "ACTIVE", holds)
			a.Triggers = []Trigger{tt.trigger}
			res := Evaluate(doc, []Automation{a}, tt.event)
			require.Equal(t, tt.want, res.Automations[0].Triggered)
			require.Equal(t, tt.want, res.Automations[0].Fired)
			if !tt.want {
				require.Equal(t, DecisionReview, res.Decision)
				require.Empty(t, res.Automations[0].Conditions)
			}
		})
	}
}

func TestDecision(t *testing.T) {
	doc := fixtureDoc(t)
	ready := StatusUpdated("READY_FOR_REVIEW")
	tests := []struct {
		name     string
		rules    []Automation
		event    Event
		decision string
		reason   string
	}{
		{"approve", []Automation{rule("a", "ACTIVE", holds)}, ready, DecisionApprove, `approved by "Rule a" (set_case_status ACTIVE)`},
		{"decline", []Automation{rule("d", "DECLINED", holds)}, ready, DecisionDecline, `declined by "Rule d" (set_case_status DECLINED)`},
		{"suspended declines", []Automation{rule("s", "SUSPENDED", holds)}, ready, DecisionDecline, "SUSPENDED"},
		{"archived declines", []Automation{rule("s", "ARCHIVED", holds)}, ready, DecisionDecline, "ARCHIVED"},
		{"decline beats approve", []Automation{rule("a", "ACTIVE", holds), rule("d", "DECLINED", holds)}, ready, DecisionDecline,
			`declined by "Rule d" (set_case_status DECLINED): $.status is READY_FOR_REVIEW; decline overrides approval by "Rule a" (set_case_status ACTIVE)`},
		{"decline that does not fire", []Automation{rule("a", "ACTIVE", holds), rule("d", "DECLINED", fails)}, ready, DecisionApprove, `approved by "Rule a"`},
		{"nothing fires", []Automation{rule("a", "ACTIVE", holds, fails)}, ready, DecisionReview,
			`no approve or decline rule fired (1 of 1 automations triggered); "Rule a" did not approve: the company's age in years is 3, below 10`},
		{"not decisive", []Automation{rule("w", "WAITING_FOR_DETAILS", holds)}, ready, DecisionReview,
			`not decisive: "Rule w" (set_case_status WAITING_FOR_DETAILS)`},
		{"nothing triggered", []Automation{rule("a", "ACTIVE", holds)}, StatusUpdated("ACTIVE"), DecisionReview,
			"no automation is triggered by case_status_updated ACTIVE"},
		{"no rules", nil, ready, DecisionReview, "no automation is triggered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Evaluate(doc, tt.rules, tt.event)
			require.Equal(t, tt.decision, res.Decision)
			require.Contains(t, res.Reason, tt.reason)
			require.Len(t, res.Automations, len(tt.rules))
		})
	}
}

func TestIgnoredActions(t *testing.T) {
	a := rule("x", "ACTIVE", holds)
	a.Actions = []api.RuleAction{{Type: "set_check_status", Status: "COMPLETED"}, {Type: ActionSetCaseStatus, Status: "REVIEW_IN_PROGRESS"}}
	res := Evaluate(fixtureDoc(t), []Automation{a}, StatusUpdated("READY_FOR_REVIEW"))
	require.Equal(t, DecisionReview, res.Decision)
	tr := res.Automations[0]
	require.True(t, tr.Fired)
	require.Equal(t, a.Actions, tr.Actions)
	require.Equal(t, "action set_check_status ignored: not supported; set_case_status REVIEW_IN_PROGRESS recorded: not decisive", tr.Note)
}

func TestNoConditionsNeverFires(t *testing.T) {
	res := Evaluate(fixtureDoc(t), []Automation{rule("x", "ACTIVE")}, StatusUpdated("READY_FOR_REVIEW"))
	require.Equal(t, DecisionReview, res.Decision)
	require.False(t, res.Automations[0].Fired)
	require.Contains(t, res.Reason, "no conditions")
}

func TestNilDocument(t *testing.T) {
	res := Evaluate(nil, []Automation{rule("n", "ACTIVE", Condition{Type: CondEqualToNull, Field: "$.anything"})}, StatusUpdated("READY_FOR_REVIEW"))
	require.Equal(t, DecisionApprove, res.Decision)
}

func TestResultJSON(t *testing.T) {
	res := Evaluate(fixtureDoc(t), []Automation{
		rule("a", "ACTIVE", holds),
		func() Automation { r := rule("n", "ACTIVE", holds); r.Triggers[0].Status = "ACTIVE"; return r }(),
	}, StatusUpdated("READY_FOR_REVIEW"))
	b, err := json.Marshal(res)
	require.NoError(t, err)
	require.JSONEq(t, `{
		"decision": "APPROVE",
		"reason": "approved by \"Rule a\" (set_case_status ACTIVE)",
		"automations": [
			{"id": "a", "name": "Rule a", "triggered": true, "fired": true,
			 "actions": [{"type": "set_case_status", "status": "ACTIVE"}],
			 "conditions": [{"type": "equal", "field": "$.status", "expected": "READY_FOR_REVIEW", "values": ["READY_FOR_REVIEW"], "result": true,
			   "sentences": ["$.status is READY_FOR_REVIEW"]}]},
			{"id": "n", "name": "Rule n", "triggered": false, "fired": false,
			 "actions": [{"type": "set_case_status", "status": "ACTIVE"}]}
		]
	}`, string(b))

	// Same input, same bytes: the result goes into workflow history.
	rules := []Automation{rule("a", "ACTIVE", holds, Condition{Type: CondEqual, Field: "$.context.*", Value: "x"})}
	first, err := json.Marshal(Evaluate(fixtureDoc(t), rules, StatusUpdated("READY_FOR_REVIEW")))
	require.NoError(t, err)
	for range 10 {
		again, err := json.Marshal(Evaluate(fixtureDoc(t), rules, StatusUpdated("READY_FOR_REVIEW")))
		require.NoError(t, err)
		require.Equal(t, string(first), string(again))
	}
}

func TestTruncateMiddle(t *testing.T) {
	require.Equal(t, "short", truncateMiddle("short", 10))
	require.Equal(t, "abcd…6789", truncateMiddle("abcdefghij0123456789", 9))
}
