package automation

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/api"
)

// The reasons an agent reads name the check, flag or fact and its value; the JSONPath stays
// beside each as the detail.
func TestFindingsInWords(t *testing.T) {
	eval := func(c sandboxCase, ctx map[string]any) *api.RuleResult {
		doc, err := Document(c.json(t), ctx)
		require.NoError(t, err)
		return Evaluate(doc, Default(), StatusUpdated("READY_FOR_REVIEW"))
	}
	const approve = "Auto approve: clean company"

	floki := eval(floki(), goodContext())
	require.Equal(t, DecisionReview, floki.Decision)
	require.NotEmpty(t, floki.Findings)
	first := floki.Findings[0]
	require.Equal(t, approve, first.Automation)
	require.Equal(t, "the UBO check flagged COMPANY_TYPE_NOT_SUPPORTED (error: Quickr does not support this check for the company type, mostly a sole proprietorship)", first.Sentence)
	require.True(t, strings.HasPrefix(first.Condition, "$.checks[?(@.type=='sanction'"), first.Condition)
	require.True(t, strings.HasSuffix(first.Condition, "].data[*].flags[*] is null"), first.Condition)
	require.NotContains(t, floki.Reason, "$.", "the one-line reason is words, not paths")

	// The example: an invalid bank account on an otherwise clean company.
	bank := with(ragnarok(), func(c *sandboxCase) { c.flags = map[string][]string{"bank_account": {"BANK_ACCOUNT_NUMBER_INVALID"}} })
	res := eval(bank, goodContext())
	require.Equal(t, []api.Finding{{
		Automation: approve,
		Sentence:   "the bank account check flagged BANK_ACCOUNT_NUMBER_INVALID (error: the bank account is invalid or not the company's)",
		Condition:  describe(Default()[2].Conditions[0]),
	}}, res.Findings)
	require.Contains(t, res.Reason, `"Auto approve: clean company" did not approve: the bank account check flagged BANK_ACCOUNT_NUMBER_INVALID`)

	// Facts the engine lacks or that fail, one sentence each, with the path as detail.
	res = eval(ragnarok(), map[string]any{"company_age": 1, "identity_match": false, "credit_analysis_score": 59.5, "prior_kyc_cases": 0})
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Sentence+" | "+f.Condition)
	}
	require.Equal(t, []string{
		"the company's age in years is 1, below 2 | $.context.company_age >= 2",
		`the identity match is false, not true | $.context.identity_match == "true"`,
		"the credit analysis score is 59.5, below 60 | $.context.credit_analysis_score >= 60",
		`the credit terms status is not known, where it must be COMPLETED | $.context.credit_terms_status == "COMPLETED"`,
	}, got)
	require.Contains(t, res.Reason, "; and 1 more")

	// A decline says which flag made it.
	ecbert := eval(ecbert(), goodContext())
	require.Equal(t, DecisionDecline, ecbert.Decision)
	var sentences []string
	for _, f := range ecbert.Findings {
		sentences = append(sentences, f.Automation+": "+f.Sentence)
	}
	require.Contains(t, sentences, "Auto decline: company inactive or bankrupt: the company check flagged COMPANY_INACTIVE (error: the company is inactive in the public register)")
	require.Contains(t, ecbert.Reason, "flagged COMPANY_IN_SANCTIONS")
}

func with(c sandboxCase, f func(*sandboxCase)) sandboxCase { f(&c); return c }

func TestWords(t *testing.T) {
	require.Equal(t, "UBO", CheckLabel("ultimate_beneficial_ownership"))
	require.Equal(t, "mystery check", CheckLabel("mystery_check"))
	require.Equal(t, "", FlagMeaning("NOT_A_FLAG"))
	require.Equal(t, "X_Y", FlagPhrase("X_Y", ""))
	require.Equal(t, "PERSON_IN_PEP (warning: a person is, or is close to, a politically exposed person)", FlagPhrase("PERSON_IN_PEP", "WARNING"))
	for path, want := range map[string]string{
		"$.context.company_age": "the company's age in years",
		"$.checks[?(@.type=='sanction' || @.type=='company')].data[*].flags[*]":               "a flag of the sanctions or company check",
		"$.checks[?(@.type==='company')].data[*].status":                                      "the status of the company check",
		"$.prefills[?(@.type=='company')].data[*].country":                                    "the country of the company prefill",
		"$.current_information[?(@.type=='credit_score')].data[*].current_credit_score.value": "the value of the credit score in Quickr's current information",
		"$.other": "$.other",
	} {
		require.Equal(t, want, pathSubject(path), path)
	}
}
