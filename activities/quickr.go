package activities

import (
	"context"
	"strings"

	"go.temporal.io/sdk/activity"

	"github.com/merchantflow/onboarding/providers/quickr"
)

// kycChecks are the checks every onboarding case runs (design §1 step 3).
var kycChecks = []string{
	"company", "signatory", "sanction", "politically_exposed_person",
	"ultimate_beneficial_ownership", "bank_account", "credit_score",
}

// kycSections are the form sections the merchant fills in.
var kycSections = []string{
	"company", "signatory", "ultimate_beneficial_ownership", "politically_exposed_person",
	"bank_account", "form_submitter",
}

// CreateKYCCase creates the merchant's Quickr case with the workflow ID as its reference. It
// looks the reference up first, so a retry after a lost response never makes a second case.
func (a *Activities) CreateKYCCase(ctx context.Context, in CreateCaseInput) (*CaseSnapshot, error) {
	if in.Reference == "" || in.Company.OrgNumber == "" || in.Company.Country == "" {
		return nil, invalidInput("reference, company orgNumber and country are required")
	}
	existing, err := a.Quickr.FindCaseByReference(ctx, in.Reference)
	if err != nil {
		return nil, providerError(err)
	}
	if existing != nil {
		activity.GetLogger(ctx).Info("KYC case already exists", "caseId", existing.ID)
		snap := caseSnapshot(existing)
		snap.Existing = true
		return snap, nil
	}
	req := quickr.CaseCreate{
		Actions: []string{
			quickr.ActionRequestDeclaration,
			quickr.ActionEnableDeclarationNotifications,
			quickr.ActionEnableSigningNotifications,
		},
		Reference: in.Reference,
		Prefills: []quickr.TypeData{{Type: "company", Data: []map[string]any{{
			"organization_number": in.Company.OrgNumber,
			"country":             strings.ToUpper(in.Company.Country),
		}}}},
		URLs:     &quickr.URLs{CallbackURL: a.QuickrCallbackURL},
		Metadata: map[string]string{"source": "onboarding-engine"},
	}
	if in.Contact.Name != "" || in.Contact.Email != "" {
		req.Prefills = append(req.Prefills, quickr.TypeData{Type: "form_submitter", Data: []map[string]any{{
			"name": in.Contact.Name, "email": in.Contact.Email,
		}}})
	}
	for _, s := range kycSections {
		req.Sections = append(req.Sections, quickr.Section{Type: s})
	}
	for _, c := range kycChecks {
		req.Checks = append(req.Checks, quickr.CheckSpec{Type: c})
	}
	created, err := a.Quickr.CreateCase(ctx, req)
	if err != nil {
		return nil, providerError(err)
	}
	return caseSnapshot(created), nil
}

// GetKYCCase reads the case once.
func (a *Activities) GetKYCCase(ctx context.Context, ref CaseRef) (*CaseSnapshot, error) {
	if ref.CaseID == "" {
		return nil, invalidInput("caseId is required")
	}
	c, err := a.Quickr.GetCase(ctx, ref.CaseID)
	if err != nil {
		return nil, providerError(err)
	}
	return caseSnapshot(c), nil
}

// AwaitDeclaration polls by failing: it returns the case once the declaration is submitted and
// a retryable StillWaiting error until then. The workflow's retry policy sets the interval, so a
// long wait costs a few history events, not one per poll.
func (a *Activities) AwaitDeclaration(ctx context.Context, ref CaseRef) (*CaseSnapshot, error) {
	snap, err := a.GetKYCCase(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !snap.Declared() {
		return nil, stillWaiting("case %s not declared yet (status %s)", snap.ID, snap.Status)
	}
	return snap, nil
}

func caseSnapshot(c *quickr.Case) *CaseSnapshot {
	s := &CaseSnapshot{
		ID:             c.ID,
		Reference:      c.Reference,
		Status:         c.Status,
		RiskLevel:      c.RiskLevel,
		DeclarationURL: c.URLs.DeclarationURL,
		DeclaredAt:     c.DeclaredAt,
	}
	if fs := c.FormSubmitter; fs != nil {
		title := fs.Title
		if title == "" {
			title = fs.Role
		}
		s.FormSubmitter = &Person{Name: fs.Name, Email: fs.Email, BirthDate: fs.BirthDate, Title: title}
	}
	return s
}
