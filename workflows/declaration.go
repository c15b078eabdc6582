package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// createCase creates the merchant's KYC case (found by reference on a retry) and hands the
// app its declaration URL. It returns a result only when the onboarding ends here.
func (o *onboarding) createCase(ctx workflow.Context) (*api.OnboardingResult, error) {
	o.setStage(ctx, api.StageCreatingCase, "the KYC case to be created", nil)
	var kyc api.CaseSnapshot
	err := o.call(ctx, "Create KYC case in Quickr", a.CreateKYCCase, activities.CreateCaseInput{
		Reference: o.status.WorkflowID,
		Company:   o.in.Company,
		Contact:   o.in.Contact,
	}, &kyc)
	if err != nil {
		return o.failed(ctx, "creating the KYC case failed", err)
	}
	o.updateCase(&kyc)
	o.note(ctx, "case created", kyc.ID)
	o.pendingSA = append(o.pendingSA, api.SAKycCaseID.ValueSet(kyc.ID))
	msg, data := o.declarationNotice(ctx, &kyc)
	o.notify(ctx, api.NotifyDeclarationURL, msg, data)
	return nil, nil
}

// declarationNotice is the message and data of the notification that hands the app the
// declaration URL. A case that names none (none in the places the seed documents, see
// quickr.Case.DeclarationLink) gets a message that says so and a timeline note, so nobody
// waits for a form link that never comes; the notification itself is sent either way, so the
// commands are the same.
func (o *onboarding) declarationNotice(ctx workflow.Context, kyc *api.CaseSnapshot) (string, map[string]any) {
	data := map[string]any{"declarationUrl": kyc.DeclarationURL, "caseId": kyc.ID}
	if kyc.DeclarationURL != "" {
		return "The declaration form is ready for the merchant.", data
	}
	o.note(ctx, "no declaration URL", "KYC case "+kyc.ID+" names no declaration URL (urls.declaration_url, declaration_url or another urls field)")
	data["declarationUrlMissing"] = true
	return "The KYC case " + kyc.ID + " has no declaration URL, so the merchant cannot be sent the form: " +
		"look the case up in Quickr and send its form link by hand.", data
}

// awaitDeclaration waits for the merchant's declaration: webhook, poll or deadline. It returns
// an outcome only when the onboarding must end here.
func (o *onboarding) awaitDeclaration(ctx workflow.Context) (api.Outcome, string, error) {
	o.setStage(ctx, api.StageAwaitingDeclaration, "the merchant's declaration", &o.declarationDeadline)
	if o.atLeast(vSparseWaits) {
		return o.awaitDeclarationSparse(ctx)
	}
	since := workflow.Now(ctx)
	var snap api.CaseSnapshot
	res, err := o.awaitPolled(ctx, pollSpec{
		Kind:     "declaration",
		Summary:  "Poll Quickr for the declaration (webhook fallback; sends reminders)",
		Interval: o.policy().DeclarationPoll.D(),
		Deadline: func() time.Time { return o.declarationDeadline },
		Activity: a.AwaitDeclaration,
		Arg: func() any {
			return activities.AwaitCaseInput{CaseID: o.kyc.ID, Reference: o.status.WorkflowID,
				Reminders: o.reminders("declaration", since, o.policy().DeclarationReminderEvery, o.kyc.DeclarationURL)}
		},
	}, &snap)
	if errors.Is(err, errCancelled) {
		return "", "", err
	}
	switch res {
	case waitDone:
		o.updateCase(&snap)
		o.status.RemindersSent["declaration"] = snap.RemindersSent
		o.note(ctx, "declaration submitted", snap.DeclaredAt)
		return "", "", nil
	case waitExpired:
		o.status.RemindersSent["declaration"] = dueReminders(since, workflow.Now(ctx), o.policy().DeclarationReminderEvery.D())
		o.archive(ctx, "declaration deadline passed")
		return api.OutcomeExpired, "declaration deadline " + o.declarationDeadline.Format(time.RFC3339) + " passed", nil
	default:
		return api.OutcomeFailed, "waiting for the declaration failed: " + cause(err), nil
	}
}

// awaitDeclarationSparse is the declaration wait from vSparseWaits on.
func (o *onboarding) awaitDeclarationSparse(ctx workflow.Context) (api.Outcome, string, error) {
	res, chk, err := o.awaitCase(ctx, caseWait{
		Kind:         activities.WaitDeclaration,
		Summary:      "Check the case for the declaration (on an event, a reminder or the deadline)",
		ReminderKind: "declaration",
		Every:        func() time.Duration { return o.policy().DeclarationReminderEvery.D() },
		Detail:       o.kyc.DeclarationURL,
		Deadline:     func() time.Time { return o.declarationDeadline },
	})
	if res != waitDone {
		o.caseTimer.stop() // no case wait follows
	}
	switch {
	case errors.Is(err, errCancelled):
		return "", "", err
	case res == waitDone:
		o.note(ctx, "declaration submitted", chk.Case.DeclaredAt)
		return "", "", nil
	case res == waitExpired:
		o.archive(ctx, "declaration deadline passed")
		return api.OutcomeExpired, "declaration deadline " + o.declarationDeadline.Format(time.RFC3339) + " passed", nil
	default:
		return api.OutcomeFailed, "waiting for the declaration failed: " + cause(err), nil
	}
}
