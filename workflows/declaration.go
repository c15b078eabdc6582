package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
)

// declarationNotice is the message and data of the notification that hands the app the
// declaration URL. A case that names none (none in the places the seed documents, see
// quickr.Case.DeclarationLink) gets a message that says so and a timeline note, so nobody
// waits for a form link that never comes; the notification itself is sent either way, so the
// commands are the same.
func (o *onboarding) declarationNotice(ctx workflow.Context, kyc *activities.CaseSnapshot) (string, map[string]any) {
	data := map[string]any{"declarationUrl": kyc.DeclarationURL, "caseId": kyc.ID}
	if kyc.DeclarationURL != "" {
		return "The declaration form is ready for the merchant.", data
	}
	o.note(ctx, "no declaration URL", "KYC case "+kyc.ID+" names no declaration URL (urls.declaration_url, declaration_url or another urls field)")
	data["declarationUrlMissing"] = true
	return "The KYC case " + kyc.ID + " has no declaration URL, so the merchant cannot be sent the form: " +
		"look the case up in Quickr and send its form link by hand.", data
}
