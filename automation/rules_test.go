package automation

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/api"
)

// sandboxCase describes a case-details document shaped like the ones the
// Quickr sandbox returns for its test companies (providers.md 2.4, 2.5, 2.10,
// 2.15).
type sandboxCase struct {
	org, name    string
	sanctionType string              // "sanction" (create examples) or "sanctions"
	flags        map[string][]string // check type -> flag codes
	status       map[string]string   // check type -> status, default COMPLETED
	omit         []string            // check types not on the case
	creditGrade  string
	creditValue  int
	creditNoData bool     // credit_score check present with data: []
	uboCountries []string // prefilled UBOs
}

func (c sandboxCase) json(t *testing.T) []byte {
	t.Helper()
	var checks []any
	for i, typ := range []string{c.sanctionType, "politically_exposed_person", "company", "ultimate_beneficial_ownership", "bank_account", "signatory", "credit_score"} {
		if slices.Contains(c.omit, typ) {
			continue
		}
		flags := []any{}
		for _, code := range c.flags[typ] {
			flags = append(flags, map[string]any{"type": "ERROR", "code": code})
		}
		status := c.status[typ]
		if status == "" {
			status = "COMPLETED"
		}
		data := []any{map[string]any{
			"flags":      flags,
			"ref":        map[string]any{"type": typ, "id": fmt.Sprintf("ref-%d", i)},
			"updated_at": "2024-05-02T10:00:00.000Z",
			"status":     status,
		}}
		if typ == "credit_score" && c.creditNoData {
			data = []any{}
		}
		checks = append(checks, map[string]any{
			"type":    typ,
			"options": map[string]any{"schedule": "R-1/P1M", "next_schedules": []any{"2024-06-02T10:00:00.000Z"}},
			"data":    data,
		})
	}
	const country = "NO"
	var ubos []any
	for i, uc := range c.uboCountries {
		ubos = append(ubos, map[string]any{"name": fmt.Sprintf("UBO %d", i), "birth_date": "1980", "country": uc, "percent_shares": 50})
	}
	prefills := []any{map[string]any{"type": "company", "data": []any{map[string]any{"organization_number": c.org, "country": country, "name": c.name}}}}
	if len(ubos) > 0 {
		prefills = append(prefills, map[string]any{"type": "ultimate_beneficial_ownership", "data": ubos})
	}
	doc := map[string]any{
		"id":         "TQ1234567.4F8B78EA9",
		"account_id": "TQ1234567",
		"status":     "READY_FOR_REVIEW",
		"risk_level": "LOW",
		"prefills":   prefills,
		"checks":     checks,
		"current_information": []any{
			map[string]any{"type": "credit_score", "data": []any{map[string]any{
				"credit_limit": 10000, "credit_limit_currency": "NOK",
				"current_credit_score":  map[string]any{"grade": c.creditGrade, "value": c.creditValue},
				"previous_credit_score": map[string]any{"grade": c.creditGrade, "value": c.creditValue},
				"payment_remarks":       "No payment remarks",
				"created_by":            "Dintero/quickr", "source_type": "discovery",
			}}},
			map[string]any{"type": "company", "data": []any{map[string]any{
				"name": c.name, "organization_number": c.org, "country": country, "source_type": "discovery",
			}}},
		},
	}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	return b
}

// The four sandbox test companies (providers.md 2.15), with the flags the
// sandbox raises for them.
func ragnarok() sandboxCase {
	return sandboxCase{org: "987654321", name: "Ragnarok AS", sanctionType: "sanction",
		creditGrade: "A", creditValue: 100, uboCountries: []string{"NO", "NO"}}
}

func floki() sandboxCase {
	return sandboxCase{org: "123456789", name: "Floki Shipbuilders", sanctionType: "sanction",
		flags:       map[string][]string{"ultimate_beneficial_ownership": {"COMPANY_TYPE_NOT_SUPPORTED"}},
		creditGrade: "B", creditValue: 75}
}

func ecbert() sandboxCase {
	return sandboxCase{org: "987123654", name: "Ecbert Holdings AS", sanctionType: "sanction",
		flags: map[string][]string{
			"company":                       {"COMPANY_INACTIVE", "COMPANY_IN_SANCTIONS"},
			"sanction":                      {"PERSON_IN_SANCTIONS", "PERSON_IN_SANCTIONS"},
			"politically_exposed_person":    {"PERSON_IN_PEP", "PERSON_IN_PEP"},
			"ultimate_beneficial_ownership": {"PERSON_IN_PEP", "PERSON_IN_SANCTIONS"},
			"credit_score":                  {"COMPANY_HAS_PAYMENT_REMARKS"},
		},
		creditGrade: "C", creditValue: 45, uboCountries: []string{"NO", "NO"}}
}

func rollo() sandboxCase {
	return sandboxCase{org: "159753468", name: "ROLLO THE WARRIOR", sanctionType: "sanction",
		flags: map[string][]string{
			"company":                       {"COMPANY_INACTIVE", "COMPANY_IN_SANCTIONS"},
			"sanction":                      {"PERSON_IN_SANCTIONS"},
			"ultimate_beneficial_ownership": {"COMPANY_TYPE_NOT_SUPPORTED"},
			"credit_score":                  {"COMPANY_HAS_HIGH_RISK", "COMPANY_HAS_PAYMENT_REMARKS"},
		},
		creditGrade: "E", creditValue: 15}
}

func goodContext() map[string]any {
	return map[string]any{
		"company_age":           12,
		"credit_score":          100,
		"credit_analysis_score": 82,
		"credit_terms_status":   "COMPLETED",
		"identity_match":        true,
		"prior_kyc_cases":       0,
		"prior_kyc_status":      "none",
	}
}

func fired(res *api.RuleResult) []string {
	var ids []string
	for _, a := range res.Automations {
		if a.Fired {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

func TestDefaultRulesParse(t *testing.T) {
	rules, err := DefaultRules()
	require.NoError(t, err)
	require.Len(t, rules, 3)
	require.Equal(t, rules, Default())
	for _, r := range rules {
		require.Equal(t, []Trigger{{Type: TriggerCaseStatusUpdated, Status: "READY_FOR_REVIEW"}}, r.Triggers, r.Name)
	}
}

func TestDefaultRulesSandboxCompanies(t *testing.T) {
	const (
		sanctions = "default.auto_decline_sanctions"
		inactive  = "default.auto_decline_company_inactive"
		approve   = "default.auto_approve_clean_company"
	)
	with := func(c sandboxCase, f func(*sandboxCase)) sandboxCase { f(&c); return c }
	ctxWith := func(k string, v any) map[string]any { m := goodContext(); m[k] = v; return m }
	ctxWithout := func(k string) map[string]any { m := goodContext(); delete(m, k); return m }

	tests := []struct {
		name     string
		c        sandboxCase
		ctx      map[string]any
		decision string
		fired    []string
		reason   string
	}{
		{"987654321 Ragnarok AS clean", ragnarok(), goodContext(), DecisionApprove, []string{approve}, `approved by "Auto approve: clean company"`},
		{"987123654 Ecbert Holdings bankrupt and sanctioned", ecbert(), goodContext(), DecisionDecline, []string{sanctions, inactive},
			`declined by "Auto decline: sanctions" (set_case_status DECLINED), "Auto decline: company inactive or bankrupt" (set_case_status DECLINED)`},
		{"159753468 Rollo inactive and sanctioned", rollo(), goodContext(), DecisionDecline, []string{sanctions, inactive}, "declined by"},
		{"123456789 Floki ENK", floki(), goodContext(), DecisionReview, nil, `"Auto approve: clean company" did not approve: the UBO check flagged COMPANY_TYPE_NOT_SUPPORTED (error: Quickr does not support this check for the company type, mostly a sole proprietorship)`},

		{"Ragnarok with sanctions spelling", with(ragnarok(), func(c *sandboxCase) { c.sanctionType = "sanctions" }), goodContext(), DecisionApprove, []string{approve}, ""},
		{"Ragnarok without context", ragnarok(), nil, DecisionReview, nil, "the company's age in years is not known, where it must be at least 2"},
		{"Ragnarok young company", ragnarok(), ctxWith("company_age", 1), DecisionReview, nil, "the company's age in years is 1, below 2"},
		{"Ragnarok identity mismatch", ragnarok(), ctxWith("identity_match", false), DecisionReview, nil, "the identity match is false, not true"},
		{"Ragnarok weak credit analysis", ragnarok(), ctxWith("credit_analysis_score", 59.5), DecisionReview, nil, "the credit analysis score is 59.5, below 60"},
		{"Ragnarok credit terms pending", ragnarok(), ctxWith("credit_terms_status", "IN_PROGRESS"), DecisionReview, nil, "the credit terms status is IN_PROGRESS, not COMPLETED"},
		{"Ragnarok no credit analysis", ragnarok(), ctxWithout("credit_analysis_score"), DecisionReview, nil, "the credit analysis score is not known, where it must be at least 60"},
		{"Ragnarok low credit score", with(ragnarok(), func(c *sandboxCase) { c.creditValue = 69 }), goodContext(), DecisionReview, nil, "Quickr's current credit score is 69, below 70"},
		{"Ragnarok foreign UBO", with(ragnarok(), func(c *sandboxCase) { c.uboCountries = []string{"NO", "SE"} }), goodContext(), DecisionReview, nil, "the UBO prefill's country is SE, not the country of the company prefill (NO)"},
		{"Ragnarok sanctions check failed", with(ragnarok(), func(c *sandboxCase) { c.status = map[string]string{"sanction": "FAILED"} }), goodContext(), DecisionReview, nil, "the sanctions check's status is FAILED, not COMPLETED"},
		{"Ragnarok without sanctions check", with(ragnarok(), func(c *sandboxCase) { c.omit = []string{"sanction"} }), goodContext(), DecisionReview, nil, "the status of the sanctions check is not known, where it must be COMPLETED"},
		{"Ragnarok without company check", with(ragnarok(), func(c *sandboxCase) { c.omit = []string{"company"} }), goodContext(), DecisionReview, nil, "the status of the company check is not known, where it must be COMPLETED"},
		{"Ragnarok signatory warning", with(ragnarok(), func(c *sandboxCase) { c.flags = map[string][]string{"signatory": {"DATA_MANUAL_UPDATE"}} }), goodContext(), DecisionReview, nil, "the signatory check flagged DATA_MANUAL_UPDATE"},
		{"Ragnarok PEP", with(ragnarok(), func(c *sandboxCase) { c.flags = map[string][]string{"politically_exposed_person": {"PERSON_IN_PEP"}} }), goodContext(), DecisionReview, nil, "the PEP check flagged PERSON_IN_PEP"},
		{"company check sanctions only", with(ragnarok(), func(c *sandboxCase) { c.flags = map[string][]string{"company": {"COMPANY_IN_SANCTIONS"}} }), goodContext(), DecisionDecline, []string{sanctions}, "the company check flagged COMPANY_IN_SANCTIONS"},
		{"UBO sanctioned only", with(ragnarok(), func(c *sandboxCase) {
			c.flags = map[string][]string{"ultimate_beneficial_ownership": {"PERSON_IN_SANCTIONS"}}
		}), goodContext(), DecisionDecline, []string{sanctions}, "the UBO check flagged PERSON_IN_SANCTIONS"},
		{"sanctions spelling with flag", with(ragnarok(), func(c *sandboxCase) {
			c.sanctionType = "sanctions"
			c.flags = map[string][]string{"sanctions": {"COMPANY_IN_SANCTIONS"}}
		}), goodContext(), DecisionDecline, []string{sanctions}, ""},
		{"inactive only", with(ragnarok(), func(c *sandboxCase) { c.flags = map[string][]string{"company": {"COMPANY_INACTIVE"}} }), goodContext(), DecisionDecline, []string{inactive},
			"the company check flagged COMPANY_INACTIVE (error: the company is inactive in the public register)"},
	}
	rules := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Document(tt.c.json(t), tt.ctx)
			require.NoError(t, err)
			res := Evaluate(doc, rules, StatusUpdated("READY_FOR_REVIEW"))
			require.Equal(t, tt.decision, res.Decision, res.Reason)
			require.Equal(t, tt.fired, fired(res))
			require.Contains(t, res.Reason, tt.reason)
		})
	}
}

func TestDefaultRulesOnlyOnReadyForReview(t *testing.T) {
	doc, err := Document(ecbert().json(t), goodContext())
	require.NoError(t, err)
	res := Evaluate(doc, Default(), StatusUpdated("PROCESSING_DETAILS"))
	require.Equal(t, DecisionReview, res.Decision)
	require.Equal(t, "no automation is triggered by case_status_updated PROCESSING_DETAILS", res.Reason)
}

// TestGuideAutoApprove evaluates the guide's complete "Auto approve" example,
// copied from the seed (its JSON payload plus the actions block shown right
// after it). The example does not do what its comments say:
//   - "$.checks[?(@.type==='sanctions')].data.length" == "0" is meant as "no
//     sanctions check", but a missing check resolves to nothing, which is
//     false; the branch only holds for a sanctions check with empty data.
//   - "$.checks[?(@.type==='credit_score')].data.length" == "0" is commented
//     "we should have a credit score check", but it holds only when the
//     check has no data, so a case whose credit check ran is never approved.
//   - The filters spell the check "sanctions"; cases created as the guide's
//     own create example does (type "sanction") never match them.
func TestGuideAutoApprove(t *testing.T) {
	rules, err := Load("testdata/guide_auto_approve.json")
	require.NoError(t, err)
	require.Len(t, rules, 1)
	require.Equal(t, "Auto approve", rules[0].Name)
	require.Equal(t, []Trigger{{Type: TriggerCaseStatusUpdated, Status: "READY_FOR_REVIEW"}}, rules[0].Triggers)

	sanctionsSpelling := func(c sandboxCase) sandboxCase {
		flags := map[string][]string{"sanctions": c.flags["sanction"]}
		for k, v := range c.flags {
			if k != "sanction" {
				flags[k] = v
			}
		}
		c.sanctionType, c.flags = "sanctions", flags
		return c
	}
	emptyCreditData := func(c sandboxCase) sandboxCase { c.creditNoData = true; return c }

	tests := []struct {
		name     string
		c        sandboxCase
		decision string
		failed   []int // top-level conditions that do not hold
	}{
		// A clean company whose credit check ran is not approved: the
		// credit_score data length is 1, not "0".
		{"Ragnarok, credit check with data", sanctionsSpelling(ragnarok()), DecisionReview, []int{1}},
		// With the create example's "sanction" spelling the OR sees nothing.
		{"Ragnarok, sanction spelling", ragnarok(), DecisionReview, []int{0, 1}},
		// What it takes to approve: a credit_score check with empty data
		// next to a credit_score discovery of 70 or more.
		{"Ragnarok, credit check without data", emptyCreditData(sanctionsSpelling(ragnarok())), DecisionApprove, nil},
		// No sanctions check at all: the "otherwise" branch does not hold.
		{"Ragnarok, no sanctions check", func() sandboxCase {
			c := emptyCreditData(sanctionsSpelling(ragnarok()))
			c.omit = []string{"sanctions"}
			return c
		}(), DecisionReview, []int{0}},
		// Only approves, never declines: the sanctioned company goes to review.
		{"Ecbert", emptyCreditData(sanctionsSpelling(ecbert())), DecisionReview, []int{0, 1}},
		// No prefilled UBOs: every over nothing is false.
		{"Floki", emptyCreditData(sanctionsSpelling(floki())), DecisionReview, []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Document(tt.c.json(t), goodContext())
			require.NoError(t, err)
			res := Evaluate(doc, rules, StatusUpdated("READY_FOR_REVIEW"))
			require.Equal(t, tt.decision, res.Decision, res.Reason)
			var failed []int
			for i, ct := range res.Automations[0].Conditions {
				if !ct.Result {
					failed = append(failed, i)
				}
			}
			require.Equal(t, tt.failed, failed)
		})
	}

	// The trace shows why: the credit_score data length seen is 1.
	doc, err := Document(sanctionsSpelling(ragnarok()).json(t), goodContext())
	require.NoError(t, err)
	credit := Evaluate(doc, rules, StatusUpdated("READY_FOR_REVIEW")).Automations[0].Conditions[1]
	require.Equal(t, api.ConditionTrace{
		Type: CondEqual, Field: "$.checks[?(@.type==='credit_score')].data.length",
		Expected: "0", Values: []any{int64(1)}, Note: `1 != "0"`,
		Sentences: []string{"the number of results of the credit score check is 1, not 0"},
	}, credit.Children[0])
	require.True(t, credit.Children[1].Result)
}
