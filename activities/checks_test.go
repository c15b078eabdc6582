package activities_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// The evaluation says in words why Floki, a sole proprietorship, goes to review, and lists
// every check with its flags for the agent.
func TestEvaluationReasonsInWords(t *testing.T) {
	e := newEnv(t)
	c := e.reviewReady(orgFloki)
	ev := must[api.Evaluation](e, e.acts.EvaluateRules, activities.EvaluateInput{CaseID: c.ID, Facts: goodFacts(0)})
	const ubo = "the UBO check flagged COMPANY_TYPE_NOT_SUPPORTED (warning: Quickr does not support this check for the company type, mostly a sole proprietorship)"
	require.Contains(t, ev.Reason, `"Auto approve: clean company" did not approve: `+ubo)
	require.NotEmpty(t, ev.Trace.Findings)
	require.Equal(t, ubo, ev.Trace.Findings[0].Sentence)
	require.Contains(t, ev.Trace.Findings[0].Condition, "@.type=='ultimate_beneficial_ownership'", "the JSONPath is the detail")

	byType := map[string]api.CheckResult{}
	for _, ch := range ev.Checks {
		byType[ch.Type] = ch
	}
	u, ok := byType["ultimate_beneficial_ownership"]
	require.True(t, ok, "%+v", ev.Checks)
	require.Equal(t, "UBO", u.Label)
	require.Equal(t, "COMPLETED", u.Status)
	require.Len(t, u.Flags, 1)
	require.Equal(t, api.FlagFound{Code: "COMPANY_TYPE_NOT_SUPPORTED", Level: "WARNING", On: "company",
		Meaning: "Quickr does not support this check for the company type, mostly a sole proprietorship", Sentence: ubo}, u.Flags[0])
	require.Contains(t, byType, "company")
	require.Empty(t, byType["company"].Flags)
}
