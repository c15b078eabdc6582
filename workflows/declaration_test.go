package workflows_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/workflows"
)

// A case that names no declaration URL is said to have none: the app's notification says so
// (and flags it in its data) and the timeline notes it, instead of announcing a form with an
// empty link. The onboarding itself goes on (the merchant may still be sent the form by hand).
func TestCaseWithoutDeclarationURLSaysSo(t *testing.T) {
	f := newFake()
	env := newEnvFirst(t, f, func(env *testsuite.TestWorkflowEnvironment) {
		env.OnActivity(a.CreateKYCCase, mock.Anything, mock.Anything).Return(
			func(context.Context, activities.CreateCaseInput) (*api.CaseSnapshot, error) {
				s := f.snapshot("FORM_NOT_STARTED", "")
				s.DeclarationURL = ""
				return s, nil
			})
	})
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, api.OutcomeApproved, result(t, env).Outcome)

	sent := f.notified(api.NotifyDeclarationURL)
	require.Len(t, sent, 1)
	require.Contains(t, sent[0].Message, "has no declaration URL")
	require.Equal(t, true, sent[0].Data["declarationUrlMissing"])
	_, noted := timelineAt(status(t, env), "no declaration URL")
	require.True(t, noted, "the timeline says so")
}

// With a URL, the notification is the usual one.
func TestDeclarationURLIsAnnounced(t *testing.T) {
	f := newFake()
	env := newEnv(t, f)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	sent := f.notified(api.NotifyDeclarationURL)
	require.Len(t, sent, 1)
	require.Equal(t, "The declaration form is ready for the merchant.", sent[0].Message)
	require.Equal(t, "http://sandbox/quickr/forms/"+caseID, sent[0].Data["declarationUrl"])
	require.NotContains(t, sent[0].Data, "declarationUrlMissing")
}
