package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
)

// startRun is the run ExecuteWorkflow hands back.
type startRun struct {
	client.WorkflowRun // nil: only the IDs are read
	id, runID          string
}

func (r startRun) GetID() string    { return r.id }
func (r startRun) GetRunID() string { return r.runID }

// ExecuteWorkflow is a start with USE_EXISTING: a running ID is handed back, not started twice.
func (f *fakeServer) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, running := f.types[o.ID]; !running {
		f.types[o.ID] = workflow.(string)
		f.ran = append(f.ran, "start "+o.ID)
		f.started = append(f.started, args[0].(api.OnboardingInput))
	}
	return startRun{id: o.ID, runID: "run-" + o.ID}, nil
}

func merchant(org string) api.OnboardingInput {
	return api.OnboardingInput{
		Company: api.Company{OrgNumber: org, Country: " no", Name: " Ragnarok AS "},
		Contact: api.Person{Name: "Ragnar Lothbrok", Email: "ragnar@example.test"},
		Credit:  api.Credit{Amount: 50000},
	}
}

func TestStartWithASpacedCompanyNumberFindsTheRunningOnboarding(t *testing.T) {
	fs := newFakeServer()
	e := engine.New(fs, "default", "onboarding")
	first, err := e.Start(context.Background(), merchant("987 654 321"))
	require.NoError(t, err)
	require.Equal(t, "onboarding:NO:987654321", first.WorkflowID)
	require.False(t, first.Existing)

	again, err := e.Start(context.Background(), merchant("987654321"))
	require.NoError(t, err)
	require.Equal(t, first.WorkflowID, again.WorkflowID)
	require.True(t, again.Existing, "the second start finds the running onboarding")
	require.Equal(t, []string{"start onboarding:NO:987654321"}, fs.ran, "one onboarding, no twin")

	// What started is normalized, with the whole policy resolved.
	in := fs.started[0]
	require.Equal(t, api.Company{OrgNumber: "987654321", Country: "NO", Name: "Ragnarok AS"}, in.Company)
	require.Equal(t, api.DefaultPolicy(), in.Policy)
}

func TestStartRefusesBadInputWithEveryFieldAndStartsNothing(t *testing.T) {
	fs := newFakeServer()
	in := merchant("12")
	in.Contact = api.Person{Email: "not an address"}
	in.Credit.PeriodDays = 45
	in.Policy.ReviewSLA = api.Duration(1)
	_, err := engine.New(fs, "default", "onboarding").Start(context.Background(), in)
	var verr *api.ValidationError
	require.ErrorAs(t, err, &verr)
	var fields []string
	for _, f := range verr.Fields {
		fields = append(fields, f.Field)
	}
	require.Equal(t, []string{"company.orgNumber", "contact.name", "contact.email", "credit.periodDays", "policy.reviewSla"}, fields)
	require.Contains(t, err.Error(), "company.orgNumber: is not a NO company number")
	require.Empty(t, fs.ran, "nothing started")
}

func TestStartUnderABenchSuffixSkipsTheLookupAndTakesCompressedTime(t *testing.T) {
	fs := newFakeServer()
	in := merchant("987654321")
	in.Policy.DeclarationReminderEvery = api.Duration(5e9)
	st, err := engine.New(fs, "default", "onboarding").StartWith(context.Background(), in,
		engine.StartOptions{IDSuffix: "bench-t-1", Timescale: api.CompressedTime})
	require.NoError(t, err)
	require.Equal(t, "onboarding:NO:987654321:bench-t-1", st.WorkflowID)
	require.Equal(t, api.Duration(5e9), fs.started[0].Policy.DeclarationReminderEvery)

	_, err = engine.New(fs, "default", "onboarding").Start(context.Background(), in)
	require.ErrorContains(t, err, "policy.declarationReminderEvery: must be at least 1m")
}

func TestListFilterQueryRefusesUnknownValues(t *testing.T) {
	q, err := engine.ListFilter{Stage: "AWAITING_REVIEW", Country: "NO"}.Query()
	require.NoError(t, err)
	require.Equal(t, "WorkflowType = 'OnboardMerchant' AND OnboardingStage = 'AWAITING_REVIEW' AND MerchantCountry = 'NO'", q)
	_, err = engine.ListFilter{Stage: "X' OR '1'='1"}.Query()
	require.ErrorContains(t, err, "stage")
}

// Swedish numbers lose their dash since the start path normalizes them; an onboarding started
// before that still runs under the dashed ID, and a start for the same merchant, in either
// spelling, must find it instead of starting a twin under the new ID.
func TestStartFindsAnOnboardingRunningUnderTheDashedSwedishID(t *testing.T) {
	fs := newFakeServer()
	fs.types["onboarding:SE:556123-4567"] = api.OnboardMerchantType
	e := engine.New(fs, "default", "onboarding")
	for _, org := range []string{"556123-4567", "5561234567", "556 123 4567"} {
		in := merchant(org)
		in.Company.Country = "SE"
		st, err := e.Start(context.Background(), in)
		require.NoError(t, err, org)
		require.Equal(t, "onboarding:SE:556123-4567", st.WorkflowID, org)
		require.Equal(t, "run-onboarding:SE:556123-4567", st.RunID, org)
		require.True(t, st.Existing, org)
	}
	require.Empty(t, fs.ran, "no twin under onboarding:SE:5561234567")

	// A merchant with no earlier onboarding starts under the dashless ID.
	in := merchant("556987-6543")
	in.Company.Country = "SE"
	st, err := e.Start(context.Background(), in)
	require.NoError(t, err)
	require.Equal(t, "onboarding:SE:5569876543", st.WorkflowID)
	require.False(t, st.Existing)
}
