package activities_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

func TestCheckCase(t *testing.T) {
	e := newEnv(t)
	c := e.createCase(orgRagnarok)
	day := 24 * time.Hour
	ref := refFor(orgRagnarok)
	remind := func(k int) *activities.ReminderDue {
		return &activities.ReminderDue{
			Reminders: activities.Reminders{WorkflowID: ref, Kind: "declaration", Since: t0, Every: 2 * day, Detail: c.DeclarationURL},
			K:         k, DueAt: t0.Add(time.Duration(k) * 2 * day),
		}
	}
	check := func(in activities.CheckCaseInput) *activities.CaseCheck {
		t.Helper()
		out, err := run[activities.CaseCheck](e, e.activityEnv(), e.acts.CheckCase, in)
		require.NoError(t, err)
		return out
	}

	// Not declared, no reminder due: a plain look.
	out := check(activities.CheckCaseInput{CaseID: c.ID, Reference: ref, Wait: activities.WaitDeclaration})
	require.False(t, out.Done)
	require.False(t, out.ReminderSent)
	require.Equal(t, c.ID, out.Case.ID)
	require.Empty(t, e.app.all())

	// A reminder due: sent once, with the poll's notification ID and its due time.
	e.clock.Advance(2*day + time.Hour)
	out = check(activities.CheckCaseInput{CaseID: c.ID, Reference: ref, Wait: activities.WaitDeclaration, Remind: remind(1)})
	require.False(t, out.Done)
	require.True(t, out.ReminderSent)
	require.Equal(t, []string{ref + "/reminder/declaration/1"}, e.app.ids())
	first := e.app.all()[0]
	require.Equal(t, api.NotifyReminder, first.N.Type)
	require.Equal(t, t0.Add(2*day), first.N.At)
	require.Equal(t, c.DeclarationURL, first.N.Data["detail"])

	// The app unreachable: not sent, and the check still answers.
	e.app.answer(http.StatusServiceUnavailable)
	out = check(activities.CheckCaseInput{CaseID: c.ID, Reference: ref, Wait: activities.WaitDeclaration, Remind: remind(2)})
	require.False(t, out.ReminderSent)
	// The app refusing it: counted as sent (retrying cannot help).
	e.app.answer(http.StatusUnprocessableEntity)
	out = check(activities.CheckCaseInput{CaseID: c.ID, Reference: ref, Wait: activities.WaitDeclaration, Remind: remind(2)})
	require.True(t, out.ReminderSent)

	// Declared: done, and no reminder goes out however due.
	e.declare(orgRagnarok)
	before := len(e.app.all())
	out = check(activities.CheckCaseInput{CaseID: c.ID, Reference: ref, Wait: activities.WaitDeclaration, Remind: remind(3)})
	require.True(t, out.Done)
	require.Equal(t, c.ID, out.Case.ID)
	require.NotEmpty(t, out.Case.DeclaredAt)
	require.Len(t, e.app.all(), before)

	// The signing wait is not over while the contract is unsigned.
	out = check(activities.CheckCaseInput{CaseID: c.ID, Reference: ref, Wait: activities.WaitSignature})
	require.False(t, out.Done)

	// A case of another onboarding and an unknown wait are refused.
	_, err := run[activities.CaseCheck](e, e.activityEnv(), e.acts.CheckCase, activities.CheckCaseInput{CaseID: c.ID, Reference: "onboarding:NO:000000000", Wait: activities.WaitDeclaration})
	require.Error(t, err)
	_, err = run[activities.CaseCheck](e, e.activityEnv(), e.acts.CheckCase, activities.CheckCaseInput{CaseID: c.ID, Reference: ref, Wait: "poll"})
	require.Equal(t, activities.ErrInvalidInput, errType(err))
}
