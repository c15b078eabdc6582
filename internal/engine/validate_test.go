package engine_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
)

func input(country, org string) api.OnboardingInput {
	return api.OnboardingInput{
		Company: api.Company{OrgNumber: org, Country: country},
		Contact: api.Person{Name: "Kari Nordmann", Email: "kari@example.test"},
		Credit:  api.Credit{Amount: 1000.5},
	}
}

func TestCompanyNumberFormats(t *testing.T) {
	for _, tc := range []struct {
		country, org string
		ok           bool
	}{
		{"no", " 987 654 321 ", true}, {"NO", "98765432", false},
		{"SE", "5561234567", true}, {"SE", "556123-4567", true}, {"SE", "55612-34567", false},
		{"DK", "12345678", true}, {"DK", "123456789", false},
		{"FI", "1234567-8", true}, {"FI", "12345678", false},
		{"DE", "12345678", false}, {"", "", false},
	} {
		in := input(tc.country, tc.org)
		engine.Normalize(&in)
		err := engine.ValidateInput(in)
		if tc.ok {
			require.NoError(t, err, "%s %q", tc.country, tc.org)
		} else {
			require.Error(t, err, "%s %q", tc.country, tc.org)
		}
	}
}

func TestIsOnboardingIDAcceptsWhatStartsMake(t *testing.T) {
	for _, in := range []api.OnboardingInput{input("no", " 987 654 321 "), input("SE", "5561234567"), input("SE", "556123-4567"), input("DK", "12345678"), input("FI", "1234567-8")} {
		engine.Normalize(&in)
		require.NoError(t, engine.ValidateInput(in))
		id := api.WorkflowID(in.Company.Country, in.Company.OrgNumber)
		require.True(t, engine.IsOnboardingID(id), id)
	}
	for _, id := range []string{
		"", "payroll-run-2026-11", "onboarding:", "onboarding:NO", "onboarding:NO:", "onboarding:no:987654321",
		"onboarding:US:987654321", "onboarding:NO:98765432", "onboarding:NO:987654321:bench-x-1", "onboarding:NO:987654321 ",
		"onboarding%3ANO%3A987654321", "onboarding:NO:987/654321", "onboarding:NO:９８７６５４３２１", "Onboarding:NO:987654321",
		"onboarding:NO:" + strings.Repeat("9", 100), "onboarding:NO:987654321\x00",
	} {
		require.False(t, engine.IsOnboardingID(id), "%q", id)
	}
}

func TestNormalizeMakesOneWorkflowIDPerMerchant(t *testing.T) {
	a, b := input(" no", "987 654 321"), input("NO", "987654321")
	engine.Normalize(&a)
	engine.Normalize(&b)
	require.Equal(t, api.WorkflowID(b.Company.Country, b.Company.OrgNumber), api.WorkflowID(a.Company.Country, a.Company.OrgNumber))
}

func TestListFilterQueryRefusesUnknownValues(t *testing.T) {
	q, err := engine.ListFilter{Stage: "AWAITING_REVIEW", Country: "NO"}.Query()
	require.NoError(t, err)
	require.Equal(t, "WorkflowType = 'OnboardMerchant' AND OnboardingStage = 'AWAITING_REVIEW' AND MerchantCountry = 'NO'", q)
	_, err = engine.ListFilter{Stage: "X' OR '1'='1"}.Query()
	require.ErrorContains(t, err, "stage")
}
