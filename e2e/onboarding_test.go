package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/workflows"
)

// TestDeclarationSlice starts an onboarding for Ragnarok AS, completes its declaration in the
// sandbox and sees the webhook carry the workflow to its end.
func TestDeclarationSlice(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s := newStack(t, sandbox.Config{})
	in := workflows.OnboardingInput{
		Company: activities.Company{OrgNumber: "987654321", Country: "NO", Name: "Ragnarok AS"},
		Contact: activities.Person{Name: "Ragnar Lothbrok", Email: "ragnar@example.test"},
		// A poll interval far longer than the test: only the webhook can finish it in time.
		Policy: workflows.Policy{DeclarationPollInterval: time.Hour},
	}
	started, err := engine.Start(ctx, s.tc, s.taskQueue, in)
	require.NoError(t, err)
	require.False(t, started.Existing)
	require.Equal(t, "onboarding:NO:987654321", started.WorkflowID)

	var st *workflows.Status
	require.Eventually(t, func() bool {
		st, err = engine.Status(ctx, s.tc, started.WorkflowID)
		return err == nil && st.Stage == workflows.StageAwaitingDeclaration
	}, 30*time.Second, 100*time.Millisecond)
	require.NotEmpty(t, st.CaseID)
	require.NotEmpty(t, st.DeclarationURL)
	require.NotNil(t, st.Until)

	// A second start for the same merchant returns the running onboarding.
	again, err := engine.Start(ctx, s.tc, s.taskQueue, in)
	require.NoError(t, err)
	require.True(t, again.Existing)
	require.Equal(t, started.RunID, again.RunID)

	// Ops see the stage and case in visibility.
	desc, err := s.tc.DescribeWorkflowExecution(ctx, started.WorkflowID, started.RunID)
	require.NoError(t, err)
	sa := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	require.Contains(t, string(sa["OnboardingStage"].GetData()), "AWAITING_DECLARATION")
	require.Contains(t, string(sa["KycCaseId"].GetData()), st.CaseID)
	require.Contains(t, string(sa["MerchantOrgNumber"].GetData()), "987654321")

	s.control(t, "/control/quickr/cases/"+started.WorkflowID+"/declare")

	var res workflows.OnboardingResult
	require.NoError(t, s.tc.GetWorkflow(ctx, started.WorkflowID, started.RunID).Get(ctx, &res))
	require.Equal(t, workflows.OutcomeDeclared, res.Outcome)
	require.Equal(t, st.CaseID, res.Case.ID)
	require.NotEmpty(t, res.Case.DeclaredAt)
	require.Equal(t, "Ragnar Lothbrok", res.Case.FormSubmitter.Name)

	desc, err = s.tc.DescribeWorkflowExecution(ctx, started.WorkflowID, started.RunID)
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, desc.GetWorkflowExecutionInfo().GetStatus())
	require.Contains(t, string(desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["Outcome"].GetData()), "DECLARED")

	// Exactly one case, though the start was sent twice.
	require.Equal(t, 1, s.sandbox.Counters().Get(started.WorkflowID, sandbox.CountCases))
}
