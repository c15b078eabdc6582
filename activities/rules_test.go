package activities_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/automation"
	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/quickr"
)

// goodFacts are what the engine learns about a merchant that passes every side check.
func goodFacts(priorCases int) activities.Facts {
	match, score := true, 82.0
	f := activities.Facts{IdentityMatch: &match, CreditAnalysisScore: &score, CreditTermsStatus: "COMPLETED", PriorKYCStatus: api.PriorKYCNone}
	if priorCases > 0 {
		f.PriorKYCStatus, f.PriorKYCCases = api.PriorKYCFound, priorCases
	}
	return f
}

// reviewReady takes the company's case through declaration and signing to READY_FOR_REVIEW.
func (e *env) reviewReady(org string) *api.CaseSnapshot {
	e.t.Helper()
	c := e.createCase(org)
	e.declare(org)
	e.control(http.MethodPost, "/control/quickr/cases/"+refFor(org)+"/sign", "")
	snap := must[api.CaseSnapshot](e, e.acts.AwaitSignature, activities.AwaitCaseInput{CaseID: c.ID})
	require.Equal(e.t, quickr.StatusReadyForReview, snap.Status)
	return snap
}

func TestEvaluateRulesOnTheTestCompanies(t *testing.T) {
	tests := []struct {
		name         string
		org          string
		prior        int
		wantDecision string
		wantRisk     string
		wantAge      int
		wantScore    float64
		wantReason   string
	}{
		// Ages from the company section's additional_data (the sandbox's registration dates).
		{"Ragnarok is approved", orgRagnarok, 1, automation.DecisionApprove, "LOW", 14, 100, "Auto approve: clean company"},
		{"Floki (sole proprietorship) goes to review", orgFloki, 0, automation.DecisionReview, "MEDIUM", 7, 75, ""},
		{"Ecbert (sanctioned, in liquidation) is declined", orgEcbert, 1, automation.DecisionDecline, "HIGH", 18, 45, "Auto decline: sanctions"},
		{"Rollo (sanctioned, inactive) is declined", orgRollo, 0, automation.DecisionDecline, "HIGH", 9, 15, "Auto decline: company inactive or bankrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.reviewReady(tt.org)
			ev := must[api.Evaluation](e, e.acts.EvaluateRules, activities.EvaluateInput{CaseID: c.ID, Facts: goodFacts(tt.prior)})
			require.Equal(t, tt.wantDecision, ev.Decision, "%s\n%+v", ev.Reason, ev.Trace)
			require.Contains(t, ev.Reason, tt.wantReason)
			require.Equal(t, tt.wantRisk, ev.RiskLevel)
			require.EqualValues(t, tt.wantAge, ev.Context["company_age"])
			require.EqualValues(t, tt.wantScore, ev.Context["credit_score"])
			require.Equal(t, 82.0, ev.Context["credit_analysis_score"])
			require.Equal(t, true, ev.Context["identity_match"])
			require.Equal(t, "COMPLETED", ev.Context["credit_terms_status"])
			require.EqualValues(t, tt.prior, ev.Context["prior_kyc_cases"])
			require.NotNil(t, ev.Trace)
			require.Len(t, ev.Trace.Automations, 3, "the shipped rules, all traced")
			for _, a := range ev.Trace.Automations {
				require.True(t, a.Triggered, a.Name)
				require.NotEmpty(t, a.Conditions, a.Name)
			}
		})
	}
}

func TestEvaluateRulesWithoutFactsReviews(t *testing.T) {
	e := newEnv(t)
	c := e.reviewReady(orgRagnarok)
	ev := must[api.Evaluation](e, e.acts.EvaluateRules, activities.EvaluateInput{CaseID: c.ID})
	require.Equal(t, automation.DecisionReview, ev.Decision)
	require.NotContains(t, ev.Context, "identity_match", "unknown facts are left out")
	require.NotContains(t, ev.Context, "credit_analysis_score")

	// Nil rules mean the shipped ones.
	e.acts.Rules = nil
	ev = must[api.Evaluation](e, e.acts.EvaluateRules, activities.EvaluateInput{CaseID: c.ID, Facts: goodFacts(0)})
	require.Equal(t, automation.DecisionApprove, ev.Decision)
}

// Company age comes only from where the seed documents registry dates (the company section's
// additional_data); a case without them, here Ragnarok's case created without the company
// section, has no company_age, says so, and the shipped rules send it to review although every
// other fact is good. Its prefill carries no registration_date (not a documented field).
func TestEvaluateRulesWithoutCompanyAgeReviews(t *testing.T) {
	e := newEnv(t)
	req := quickr.CaseCreate{
		Actions:   []string{quickr.ActionRequestDeclaration},
		Reference: refFor(orgRagnarok),
		Prefills:  []quickr.TypeData{{Type: "company", Data: []map[string]any{{"organization_number": orgRagnarok, "country": "NO"}}}},
	}
	for _, s := range []string{"signatory", "ultimate_beneficial_ownership", "politically_exposed_person", "bank_account", "form_submitter"} {
		req.Sections = append(req.Sections, quickr.Section{Type: s})
	}
	for _, c := range []string{"company", "signatory", "sanction", "politically_exposed_person", "ultimate_beneficial_ownership", "bank_account", "credit_score"} {
		req.Checks = append(req.Checks, quickr.CheckSpec{Type: c})
	}
	c, err := e.quickr.CreateCase(ctx, req)
	require.NoError(t, err)
	for _, p := range c.Prefills {
		for _, d := range p.Data {
			require.NotContains(t, d, "registration_date", "the prefill's documented fields have no dates")
		}
	}
	e.declare(orgRagnarok)
	e.control(http.MethodPost, "/control/quickr/cases/"+c.ID+"/sign", "")

	ev := must[api.Evaluation](e, e.acts.EvaluateRules, activities.EvaluateInput{CaseID: c.ID, Facts: goodFacts(0)})
	require.Equal(t, automation.DecisionReview, ev.Decision, ev.Reason)
	require.NotContains(t, ev.Context, "company_age")
	require.Contains(t, ev.Unknown["company_age"], "registration_date")
	require.Contains(t, ev.Reason, "the company's age in years is not known")
}

// linkedCase creates Ragnarok's case with Quickr automations linked, the way CreateKYCCase
// shapes it, and takes it to READY_FOR_REVIEW.
func (e *env) linkedCase(ids ...string) string {
	e.t.Helper()
	req := quickr.CaseCreate{
		Actions:   []string{quickr.ActionRequestDeclaration},
		Reference: refFor(orgRagnarok),
		Prefills:  []quickr.TypeData{{Type: "company", Data: []map[string]any{{"organization_number": orgRagnarok, "country": "NO"}}}},
	}
	for _, s := range []string{"company", "signatory", "ultimate_beneficial_ownership", "politically_exposed_person", "bank_account", "form_submitter"} {
		req.Sections = append(req.Sections, quickr.Section{Type: s})
	}
	for _, c := range []string{"company", "signatory", "sanction", "politically_exposed_person", "ultimate_beneficial_ownership", "bank_account", "credit_score"} {
		req.Checks = append(req.Checks, quickr.CheckSpec{Type: c})
	}
	for _, id := range ids {
		req.Automations = append(req.Automations, quickr.IDRef{ID: id})
	}
	c, err := e.quickr.CreateCase(ctx, req)
	require.NoError(e.t, err)
	e.declare(orgRagnarok)
	e.control(http.MethodPost, "/control/quickr/cases/"+c.ID+"/sign", "")
	return c.ID
}

func (e *env) automation(a quickr.Automation) string {
	e.t.Helper()
	a.Triggers = []quickr.AutomationTrigger{{Type: "case_status_updated", Status: "READY_FOR_REVIEW"}}
	created, err := e.quickr.CreateAutomation(ctx, a)
	require.NoError(e.t, err)
	return created.ID
}

// repeatApplicantCase is a case linked to a Quickr automation that declines anyone with a
// prior KYC case: the automation's id and the case's.
func (e *env) repeatApplicantCase() (automationID, caseID string) {
	id := e.automation(quickr.Automation{
		Name:       "Decline repeat applicants",
		Conditions: []quickr.Condition{{Type: "greater_than_or_equal", Field: "$.context.prior_kyc_cases", Value: "1"}},
		Actions:    []quickr.AutomationAction{{Type: "set_case_status", Status: "DECLINED"}},
	})
	return id, e.linkedCase(id)
}

func TestEvaluateRulesAddsLinkedQuickrAutomations(t *testing.T) {
	e := newEnv(t)
	id, caseID := e.repeatApplicantCase()

	ev := must[api.Evaluation](e, e.acts.EvaluateRules, activities.EvaluateInput{CaseID: caseID, Facts: goodFacts(1)})
	require.Equal(t, automation.DecisionDecline, ev.Decision)
	require.Contains(t, ev.Reason, "Decline repeat applicants")
	require.Contains(t, ev.Reason, "decline overrides approval", "the shipped rule approved")
	require.Len(t, ev.Trace.Automations, 4)
	require.Equal(t, id, ev.Trace.Automations[3].ID)
	require.True(t, ev.Trace.Automations[3].Fired)

	ev = must[api.Evaluation](e, e.acts.EvaluateRules, activities.EvaluateInput{CaseID: caseID, Facts: goodFacts(0)})
	require.Equal(t, automation.DecisionApprove, ev.Decision)
}

func TestEvaluateRulesNeverSkipsAnUnreadableAutomation(t *testing.T) {
	e := newEnv(t)
	// Quickr accepts an automation without conditions; the engine refuses to act on one.
	empty := e.automation(quickr.Automation{Name: "Approve everything", Actions: []quickr.AutomationAction{{Type: "set_case_status", Status: "ACTIVE"}}})
	gone := "TQ1234567.automation.999"
	caseID := e.linkedCase(empty, gone)

	ev := must[api.Evaluation](e, e.acts.EvaluateRules, activities.EvaluateInput{CaseID: caseID, Facts: goodFacts(0)})
	require.Equal(t, automation.DecisionReview, ev.Decision, "an approval is withheld while a rule is unread")
	require.True(t, strings.HasPrefix(ev.Reason, "approval withheld: automation "+empty+", "+gone), ev.Reason)
	require.Len(t, ev.Trace.Automations, 5)
	require.Contains(t, ev.Trace.Automations[3].Note, "not evaluated")
	require.Contains(t, ev.Trace.Automations[4].Note, "not found")
}

func TestEvaluateRulesRetriesWhenAutomationsCannotBeFetched(t *testing.T) {
	e := newEnv(t)
	_, caseID := e.repeatApplicantCase()
	e.acts.Quickr = failingAutomations{e.quickr}
	_, err := run[api.Evaluation](e, nil, e.acts.EvaluateRules, activities.EvaluateInput{CaseID: caseID, Facts: goodFacts(1)})
	require.Equal(t, activities.ErrProviderUnavailable, errType(err), "%v", err)
}

// failingAutomations answers every automation read with a 503.
type failingAutomations struct{ *quickr.Client }

func (failingAutomations) GetAutomation(context.Context, string) (*quickr.Automation, error) {
	return nil, &providers.Error{Provider: "quickr", Op: "get automation", Status: http.StatusServiceUnavailable, Message: "down"}
}

// TestQuickrGuideExampleOnSandboxCases evaluates the Quickr guide's complete "Auto approve"
// example, as the seed writes it, against the case documents the sandbox produces for its four
// test companies. The example requires the credit_score check's data to be empty ("length ==
// 0") while also reading a score from it, so on real case documents, where the check returned
// data, it never approves: every company goes to review, and the trace says why.
func TestQuickrGuideExampleOnSandboxCases(t *testing.T) {
	guide, err := automation.Load(filepath.Join("..", "automation", "testdata", "guide_auto_approve.json"))
	require.NoError(t, err)
	for _, org := range []string{orgRagnarok, orgFloki, orgEcbert, orgRollo} {
		t.Run(org, func(t *testing.T) {
			e := newEnv(t)
			e.acts.Rules = guide
			c := e.reviewReady(org)
			ev := must[api.Evaluation](e, e.acts.EvaluateRules, activities.EvaluateInput{CaseID: c.ID, Facts: goodFacts(0)})
			require.Equal(t, automation.DecisionReview, ev.Decision)
			require.Len(t, ev.Trace.Automations, 1)
			guideTrace := ev.Trace.Automations[0]
			require.True(t, guideTrace.Triggered)
			require.False(t, guideTrace.Fired)
			found := false
			var walk func([]api.ConditionTrace)
			walk = func(cs []api.ConditionTrace) {
				for _, c := range cs {
					if strings.Contains(c.Field, "credit_score") && strings.HasSuffix(c.Field, ".length") {
						require.False(t, c.Result, "the credit check has data on a sandbox case")
						require.Len(t, c.Values, 1, "%+v", c)
						require.EqualValues(t, 1, c.Values[0], "one credit_score item: %+v", c)
						found = true
					}
					walk(c.Children)
				}
			}
			walk(guideTrace.Conditions)
			require.True(t, found, "the trace shows the credit_score data length condition")
		})
	}
}
