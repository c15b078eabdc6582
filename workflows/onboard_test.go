package workflows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/workflows"
)

var a *activities.Activities

const wfID = "onboarding:NO:987654321"

func input() workflows.OnboardingInput {
	return workflows.OnboardingInput{
		Company: activities.Company{OrgNumber: "987654321", Country: "NO"},
		Contact: activities.Person{Name: "Ragnar Lothbrok", Email: "ragnar@example.test"},
		Policy:  workflows.Policy{DeclarationDeadline: 72 * time.Hour, DeclarationPollInterval: time.Hour},
	}
}

var (
	created  = &activities.CaseSnapshot{ID: "TQ1234567.100000001", Reference: wfID, Status: "FORM_NOT_STARTED", DeclarationURL: "http://sandbox/forms/1"}
	declared = &activities.CaseSnapshot{ID: "TQ1234567.100000001", Reference: wfID, Status: "PROCESSING_DETAILS", DeclaredAt: "2026-11-02T10:00:00Z"}
)

func newEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartWorkflowOptions(startOptions())
	workflows.Register(env, a)
	return env
}

func startOptions() client.StartWorkflowOptions { return client.StartWorkflowOptions{ID: wfID} }

func notYet() error {
	return temporal.NewApplicationError("not declared yet", activities.ErrStillWaiting)
}

func caseEvent(id, status string) workflows.CaseEvent {
	return workflows.CaseEvent{EventID: id, Type: "CASE_STATUS_UPDATED", SubEventType: status, CaseID: created.ID, Status: status}
}

func result(t *testing.T, env *testsuite.TestWorkflowEnvironment) *workflows.OnboardingResult {
	t.Helper()
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res workflows.OnboardingResult
	require.NoError(t, env.GetWorkflowResult(&res))
	return &res
}

func status(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.Status {
	t.Helper()
	v, err := env.QueryWorkflow(workflows.QueryStatus)
	require.NoError(t, err)
	var st workflows.Status
	require.NoError(t, v.Get(&st))
	return st
}

func TestDeclaredByWebhookInTime(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(a.CreateKYCCase, mock.Anything, mock.MatchedBy(func(in activities.CreateCaseInput) bool {
		return in.Reference == wfID && in.Company.OrgNumber == "987654321"
	})).Return(created, nil).Once()
	env.OnActivity(a.AwaitDeclaration, mock.Anything, mock.Anything).Return(nil, notYet())
	env.OnActivity(a.GetKYCCase, mock.Anything, activities.CaseRef{CaseID: created.ID}).Return(declared, nil).Once()

	var start time.Time
	env.RegisterDelayedCallback(func() {
		start = env.Now()
		st := status(t, env)
		require.Equal(t, workflows.StageAwaitingDeclaration, st.Stage)
		require.Equal(t, created.DeclarationURL, st.DeclarationURL)
		require.Equal(t, "the merchant's declaration", st.WaitingFor)
		env.SignalWorkflow(workflows.SignalCaseEvent, caseEvent("e1", "PROCESSING_DETAILS"))
	}, 5*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	res := result(t, env)
	require.Equal(t, workflows.OutcomeDeclared, res.Outcome)
	require.Equal(t, declared.DeclaredAt, res.Case.DeclaredAt)
	require.WithinDuration(t, start, env.Now(), time.Minute, "the webhook, not the hourly poll, moved it on")
	env.AssertExpectations(t)
}

func TestDeclaredOnlyViaPoll(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(a.CreateKYCCase, mock.Anything, mock.Anything).Return(created, nil)
	polls := 0
	env.OnActivity(a.AwaitDeclaration, mock.Anything, mock.Anything).Return(
		func(_ context.Context, _ activities.CaseRef) (*activities.CaseSnapshot, error) {
			polls++
			if polls < 4 {
				return nil, notYet()
			}
			return declared, nil
		})
	begin := env.Now()
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	res := result(t, env)
	require.Equal(t, workflows.OutcomeDeclared, res.Outcome)
	require.Equal(t, 4, polls)
	// Three failed polls, each retried after exactly the poll interval.
	require.WithinDuration(t, begin.Add(3*time.Hour), env.Now(), time.Minute)
}

func TestDeclarationDeadlinePasses(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(a.CreateKYCCase, mock.Anything, mock.Anything).Return(created, nil)
	env.OnActivity(a.AwaitDeclaration, mock.Anything, mock.Anything).Return(nil, notYet())
	begin := env.Now()
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	res := result(t, env)
	require.Equal(t, workflows.OutcomeExpired, res.Outcome)
	require.Contains(t, res.Reason, "deadline")
	require.WithinDuration(t, begin.Add(72*time.Hour), env.Now(), time.Minute)
}

func TestDuplicateAndOutOfOrderEvents(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(a.CreateKYCCase, mock.Anything, mock.Anything).Return(created, nil)
	env.OnActivity(a.AwaitDeclaration, mock.Anything, mock.Anything).Return(nil, notYet())
	env.OnActivity(a.GetKYCCase, mock.Anything, mock.Anything).Return(declared, nil).Once()

	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalCaseEvent, caseEvent("e1", "FORM_IN_PROGRESS"))
		env.SignalWorkflow(workflows.SignalCaseEvent, caseEvent("e1", "FORM_IN_PROGRESS")) // duplicate delivery
	}, time.Hour)
	env.RegisterDelayedCallback(func() {
		st := status(t, env)
		require.Equal(t, 1, st.EventsReceived, "a duplicate event id counts once")
		require.Equal(t, workflows.StageAwaitingDeclaration, st.Stage, "FORM_IN_PROGRESS is not a declaration")
		env.SignalWorkflow(workflows.SignalCaseEvent, caseEvent("e3", "READY_FOR_REVIEW"))
		env.SignalWorkflow(workflows.SignalCaseEvent, caseEvent("e2", "PROCESSING_DETAILS")) // late, older
		env.SignalWorkflow(workflows.SignalCaseEvent, caseEvent("e9", "FORM_NOT_STARTED"))   // stale
	}, 2*time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	res := result(t, env)
	require.Equal(t, workflows.OutcomeDeclared, res.Outcome)
	env.AssertExpectations(t) // the case was read once, not once per event
}

func TestEarlyEventBeforeCaseCreated(t *testing.T) {
	env := newEnv(t)
	// The case creation takes a while; the webhook for it arrives first.
	env.OnActivity(a.CreateKYCCase, mock.Anything, mock.Anything).After(10*time.Minute).Return(created, nil)
	env.OnActivity(a.AwaitDeclaration, mock.Anything, mock.Anything).Return(nil, notYet())
	env.OnActivity(a.GetKYCCase, mock.Anything, mock.Anything).Return(declared, nil)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalCaseEvent, caseEvent("e1", "READY_FOR_REVIEW"))
	}, time.Minute)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, workflows.OutcomeDeclared, result(t, env).Outcome)
}

func TestEventForAnotherCaseIgnored(t *testing.T) {
	env := newEnv(t)
	env.OnActivity(a.CreateKYCCase, mock.Anything, mock.Anything).Return(created, nil)
	env.OnActivity(a.AwaitDeclaration, mock.Anything, mock.Anything).Return(nil, notYet())
	env.RegisterDelayedCallback(func() {
		ev := caseEvent("x1", "READY_FOR_REVIEW")
		ev.CaseID = "TQ1234567.999999999"
		env.SignalWorkflow(workflows.SignalCaseEvent, ev)
	}, time.Hour)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, workflows.OutcomeExpired, result(t, env).Outcome)
}

func TestCaseCreationRejected(t *testing.T) {
	env := newEnv(t)
	rejected := temporal.NewNonRetryableApplicationError("quickr create case: HTTP 400 validation_error: sections must be non-empty", activities.ErrProviderRejected, nil)
	env.OnActivity(a.CreateKYCCase, mock.Anything, mock.Anything).Return(nil, rejected).Once()
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())

	res := result(t, env)
	require.Equal(t, workflows.OutcomeFailed, res.Outcome)
	require.Contains(t, res.Reason, "HTTP 400")
	env.AssertExpectations(t) // not retried
}

func TestTransientFailureIsRetried(t *testing.T) {
	env := newEnv(t)
	calls := 0
	env.OnActivity(a.CreateKYCCase, mock.Anything, mock.Anything).Return(
		func(_ context.Context, _ activities.CreateCaseInput) (*activities.CaseSnapshot, error) {
			calls++
			if calls < 3 {
				return nil, temporal.NewApplicationError("quickr create case: HTTP 503", activities.ErrProviderUnavailable)
			}
			return created, nil
		})
	env.OnActivity(a.AwaitDeclaration, mock.Anything, mock.Anything).Return(declared, nil)
	env.ExecuteWorkflow(workflows.OnboardMerchant, input())
	require.Equal(t, workflows.OutcomeDeclared, result(t, env).Outcome)
	require.Equal(t, 3, calls)
}

func TestInvalidInput(t *testing.T) {
	env := newEnv(t)
	in := input()
	in.Company.Country = "Norway"
	env.ExecuteWorkflow(workflows.OnboardMerchant, in)
	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	var ae *temporal.ApplicationError
	require.True(t, errors.As(err, &ae))
	require.Equal(t, activities.ErrInvalidInput, ae.Type())
	require.Contains(t, ae.Error(), "company.country")
}

func TestWorkflowID(t *testing.T) {
	require.Equal(t, "onboarding:NO:987654321", workflows.WorkflowID(" no", "987654321 "))
}
