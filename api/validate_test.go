package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/api"
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
		err := api.ValidateInput(api.NormalizeInput(input(tc.country, tc.org)), api.RealTime)
		if tc.ok {
			require.NoError(t, err, "%s %q", tc.country, tc.org)
		} else {
			require.Error(t, err, "%s %q", tc.country, tc.org)
		}
	}
}

func TestIsOnboardingIDAcceptsWhatStartsMake(t *testing.T) {
	for _, in := range []api.OnboardingInput{input("no", " 987 654 321 "), input("SE", "5561234567"), input("SE", "556123-4567"), input("DK", "12345678"), input("FI", "1234567-8")} {
		in = api.NormalizeInput(in)
		require.NoError(t, api.ValidateInput(in, api.RealTime))
		id := api.WorkflowID(in.Company.Country, in.Company.OrgNumber)
		require.True(t, api.IsOnboardingID(id), id)
	}
	for _, id := range []string{
		"", "payroll-run-2026-11", "onboarding:", "onboarding:NO", "onboarding:NO:", "onboarding:no:987654321",
		"onboarding:US:987654321", "onboarding:NO:98765432", "onboarding:NO:987654321:bench-x-1", "onboarding:NO:987654321 ",
		"onboarding%3ANO%3A987654321", "onboarding:NO:987/654321", "onboarding:NO:９８７６５４３２１", "Onboarding:NO:987654321",
		"onboarding:NO:" + strings.Repeat("9", 100), "onboarding:NO:987654321\x00",
	} {
		require.False(t, api.IsOnboardingID(id), "%q", id)
	}
}

func TestNormalizeMakesOneWorkflowIDPerMerchant(t *testing.T) {
	for _, pair := range [][2]api.OnboardingInput{
		{input(" no", "987 654 321"), input("NO", "987654321")},
		{input("se", "556123-4567"), input("SE", "5561234567")},
		{input("FI", " 1234567-8 "), input("FI", "1234567-8")},
	} {
		a, b := api.NormalizeInput(pair[0]), api.NormalizeInput(pair[1])
		require.Equal(t, api.WorkflowID(b.Company.Country, b.Company.OrgNumber), api.WorkflowID(a.Company.Country, a.Company.OrgNumber))
	}
}

func TestCompressedTimeLowersOnlyThePolicyMinimums(t *testing.T) {
	in := input("NO", "987654321")
	in.Policy.BankDataMaxWait = api.Duration(3 * time.Second)
	err := api.ValidateInput(in, api.RealTime)
	require.ErrorContains(t, err, "policy.bankDataMaxWait: must be at least 1m")
	require.NoError(t, api.ValidateInput(in, api.CompressedTime))

	in.Policy.BankDataMaxWait = api.Duration(time.Millisecond)
	require.ErrorContains(t, api.ValidateInput(in, api.CompressedTime), "policy.bankDataMaxWait: must be at least 1s")
	in.Policy.BankDataMaxWait = api.Duration(91 * api.Day)
	require.ErrorContains(t, api.ValidateInput(in, api.CompressedTime), "must be at most 90d")
	in.Policy.BankDataMaxWait = 0
	in.Contact.Email = ""
	require.ErrorContains(t, api.ValidateInput(in, api.CompressedTime), "contact.email")
}

func TestPrepareStartResolvesThePolicyOnlyForValidInput(t *testing.T) {
	in, id, err := api.PrepareStart(input(" no ", "987 654 321"), api.RealTime)
	require.NoError(t, err)
	require.Equal(t, "onboarding:NO:987654321", id)
	require.True(t, in.Policy.Complete())
	require.Equal(t, api.DefaultPolicy(), in.Policy)

	_, id, err = api.PrepareStart(input("NO", "12"), api.RealTime)
	var verr *api.ValidationError
	require.ErrorAs(t, err, &verr)
	require.Empty(t, id)
	require.Equal(t, "company.orgNumber", verr.Fields[0].Field)
}

// Every problem at once: a missing company number is reported whatever the country says,
// even a country that is itself wrong.
func TestMissingCompanyNumberIsReportedBesideABadCountry(t *testing.T) {
	for _, country := range []string{"", "NORWAY", "NO"} {
		err := api.ValidateInput(input(country, ""), api.RealTime)
		var verr *api.ValidationError
		require.ErrorAs(t, err, &verr, country)
		fields := map[string]string{}
		for _, f := range verr.Fields {
			require.NotContains(t, fields, f.Field, "%q: %s reported twice", country, f.Field)
			fields[f.Field] = f.Message
		}
		require.Equal(t, "is required", fields["company.orgNumber"], "country %q", country)
		if country != "NO" {
			require.Contains(t, fields, "company.country", "country %q", country)
		}
	}
}
