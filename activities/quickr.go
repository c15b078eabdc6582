package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/callback"
	"github.com/merchantflow/onboarding/providers"
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

// CreateKYCCase creates the merchant's Quickr case with the workflow ID as its reference and
// the onboarding's own callback URL (QuickrCallbackURL + "/" + token). It looks the reference
// up first, so a retry after a lost response never makes a second case; a case found keeps
// the callback URL it was created with.
func (a *Activities) CreateKYCCase(ctx context.Context, in CreateCaseInput) (*api.CaseSnapshot, error) {
	if a.Quickr == nil {
		return nil, notConfigured("quickr")
	}
	if in.Reference == "" || in.Company.OrgNumber == "" || in.Company.Country == "" {
		return nil, invalidInput("reference, company orgNumber and country are required")
	}
	existing, err := a.Quickr.FindCaseByReference(ctx, in.Reference)
	if err != nil {
		return nil, providerError(err)
	}
	if existing != nil {
		activity.GetLogger(ctx).Info("KYC case already exists", "caseId", existing.ID)
		snap := a.caseSnapshot(existing)
		snap.Existing = true
		return snap, nil
	}
	// The callback URL names this onboarding: Quickr's events carry neither a signature nor
	// our reference, so the URL is what authenticates them and routes them.
	callbackURL, err := a.callbackURL(a.QuickrCallbackURL, callback.Quickr, in.Reference)
	if err != nil {
		return nil, err
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
		URLs:     &quickr.URLs{CallbackURL: callbackURL},
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
	return a.caseSnapshot(created), nil
}

// GetKYCCase reads the case once.
func (a *Activities) GetKYCCase(ctx context.Context, ref CaseRef) (*api.CaseSnapshot, error) {
	if ref.CaseID == "" {
		return nil, invalidInput("caseId is required")
	}
	if a.Quickr == nil {
		return nil, notConfigured("quickr")
	}
	c, err := a.readCase(ctx, ref.CaseID, ref.Reference)
	if err != nil {
		return nil, err
	}
	return a.caseSnapshot(c), nil
}

// readCase reads a case and, when reference is given, checks the case still belongs to it.
// Every activity that acts on a case by id reads it through here.
func (a *Activities) readCase(ctx context.Context, caseID, reference string) (*quickr.Case, error) {
	c, err := a.Quickr.GetCase(ctx, caseID)
	if err != nil {
		return nil, providerError(err)
	}
	if reference != "" && c.Reference != reference {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("case %s belongs to %q, not to %q: the provider no longer has this onboarding's case", caseID, c.Reference, reference),
			ErrCaseMismatch, nil)
	}
	return c, nil
}

// AwaitDeclaration polls by failing: it returns the case once the declaration is submitted and
// a retryable StillWaiting error until then, sending the reminders that fell due first (see
// reminders.go). The workflow's retry policy sets the interval, so a long wait costs a few
// history events, not one per poll or per reminder.
func (a *Activities) AwaitDeclaration(ctx context.Context, in AwaitCaseInput) (*api.CaseSnapshot, error) {
	snap, err := a.GetKYCCase(ctx, CaseRef{CaseID: in.CaseID, Reference: in.Reference})
	if err != nil {
		return nil, err
	}
	if snap.Declared() {
		snap.RemindersSent = remindersSent(ctx)
		return snap, nil
	}
	sent := a.sendDueReminders(ctx, in.Reminders)
	return nil, stillWaiting("case %s not declared yet (status %s, %d reminders sent)", snap.ID, snap.Status, sent)
}

// AwaitSignature polls the case until signing needs no more waiting:
//   - the contract is settled but not signed (expired, rejected or closed): the workflow
//     re-opens it or gives up;
//   - the contract is signed and Quickr has run the checks that signing releases (status
//     READY_FOR_REVIEW or later);
//   - the case has no contract (nobody to sign) and is past PROCESSING_DETAILS.
//
// Otherwise it sends the reminders that fell due and fails with StillWaiting.
func (a *Activities) AwaitSignature(ctx context.Context, in AwaitCaseInput) (*api.CaseSnapshot, error) {
	snap, err := a.GetKYCCase(ctx, CaseRef{CaseID: in.CaseID, Reference: in.Reference})
	if err != nil {
		return nil, err
	}
	if signingSettled(snap) {
		snap.RemindersSent = remindersSent(ctx)
		return snap, nil
	}
	sent := a.sendDueReminders(ctx, in.Reminders)
	contract := api.ContractNone
	if snap.Contract != nil {
		contract = snap.Contract.Status
	}
	return nil, stillWaiting("case %s: contract %s, status %s (%d reminders sent)", snap.ID, contract, snap.Status, sent)
}

// signingSettled is AwaitSignature's exit test.
func signingSettled(s *api.CaseSnapshot) bool {
	c := s.Contract
	switch {
	case c == nil || c.Status == api.ContractNone:
		return s.Declared() && checksDone(s.Status)
	case c.Status == api.ContractSigned:
		return checksDone(s.Status)
	default:
		return c.Settled()
	}
}

// checksDone reports whether a case status lies past the check run: anything but the form
// and PROCESSING_DETAILS states (READY_FOR_REVIEW, review, decided, archived).
func checksDone(status string) bool {
	switch status {
	case "", quickr.StatusFormNotStarted, quickr.StatusFormInProgress, quickr.StatusProcessingDetails:
		return false
	}
	return true
}

// ReopenContract starts a new signing round on every contract of the case that expired
// unsigned or was rejected (create_new_contract_signing, once per contract); every signatory
// of those signs again. A case may carry several contracts: each such one is re-opened, the
// signed and still unsigned ones are left as they are. ContractID, when given, must be one of the case's contracts.
//
// It reads the case first and re-opens only what still reads expired, so a retry after a lost
// response never re-opens twice. Should Quickr answer 409 for a contract, the case is read
// again and that contract counts as re-opened when it reads unsigned; a closed contract stays
// a non-retryable rejection.
func (a *Activities) ReopenContract(ctx context.Context, ref ContractRef) (*api.CaseSnapshot, error) {
	if ref.CaseID == "" {
		return nil, invalidInput("caseId is required")
	}
	c, err := a.readCase(ctx, ref.CaseID, ref.Reference)
	if err != nil {
		return nil, err
	}
	sum := c.ContractSummary(a.now())
	if !sum.Present {
		return nil, invalidInput("case %s has no contract to re-open", ref.CaseID)
	}
	if ref.ContractID != "" && !slices.Contains(sum.ContractIDs, ref.ContractID) {
		return nil, invalidInput("case %s has contracts %s, not %s", ref.CaseID, strings.Join(sum.ContractIDs, ", "), ref.ContractID)
	}
	// Every contract that can no longer be signed as it stands: expired, rejected (re-opened
	// too) or closed (which Quickr refuses, a rejection for the workflow).
	var expired []string
	for _, one := range sum.Contracts {
		if one.Status != quickr.ContractUnsigned && one.Status != quickr.ContractSigned {
			expired = append(expired, one.ID)
		}
	}
	if len(expired) == 0 {
		activity.GetLogger(ctx).Info("No contract needs re-opening", "caseId", ref.CaseID)
		return a.caseSnapshot(c), nil
	}
	var conflicts []string
	for _, id := range expired {
		if _, err := a.Quickr.ReopenContract(ctx, ref.CaseID, id); err != nil {
			if !providers.IsStatus(err, http.StatusConflict) {
				return nil, providerError(err)
			}
			conflicts = append(conflicts, id)
		}
	}
	after, err := a.readCase(ctx, ref.CaseID, ref.Reference)
	if err != nil {
		return nil, err
	}
	now := a.now()
	for _, one := range after.ContractSummary(now).Contracts {
		if slices.Contains(conflicts, one.ID) && one.Status != quickr.ContractUnsigned {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("Quickr refused to re-open contract %s of case %s (409), which is %s", one.ID, ref.CaseID, one.Status), ErrProviderRejected, nil)
		}
	}
	return a.caseSnapshot(after), nil
}

// decisionSections is the note section per decided status.
var decisionSections = map[string]string{
	quickr.StatusActive:   quickr.NoteSectionCaseApproved,
	quickr.StatusDeclined: quickr.NoteSectionCaseDeclined,
}

// RecordDecision writes the onboarding's decision back to the case: an agent decision with
// determined_status and determined_risk_level, then a note in case_approved, case_declined or
// all_sections. Both steps look before they write, so a retry duplicates neither: the decision
// is skipped when the case already carries it, the note when the case already has a note with
// the same section and body (notes are listed page by page). An empty Note gets a standard
// body naming the status and risk level.
func (a *Activities) RecordDecision(ctx context.Context, in api.RecordDecisionInput) error {
	switch {
	case in.CaseID == "":
		return invalidInput("caseId is required")
	case in.Status != quickr.StatusActive && in.Status != quickr.StatusDeclined && in.Status != quickr.StatusArchived &&
		in.Status != quickr.StatusSuspended:
		return invalidInput("status must be ACTIVE, DECLINED, ARCHIVED or SUSPENDED, not %q", in.Status)
	case in.RiskLevel != "" && in.RiskLevel != quickr.RiskLow && in.RiskLevel != quickr.RiskMedium && in.RiskLevel != quickr.RiskHigh:
		return invalidInput("riskLevel must be LOW, MEDIUM or HIGH, not %q", in.RiskLevel)
	}
	if a.Quickr == nil {
		return notConfigured("quickr")
	}
	c, err := a.readCase(ctx, in.CaseID, in.Reference)
	if err != nil {
		return err
	}
	if c.AgentDeterminedStatus != in.Status || (in.RiskLevel != "" && c.AgentDeterminedRiskLevel != in.RiskLevel) {
		d := quickr.AgentDecision{DeterminedStatus: in.Status, DeterminedRiskLevel: in.RiskLevel}
		if _, err := a.Quickr.AgentDecision(ctx, in.CaseID, d); err != nil {
			return providerError(err)
		}
	}
	section, ok := decisionSections[in.Status]
	if !ok {
		section = quickr.NoteSectionAll
	}
	body := in.Note
	if strings.TrimSpace(body) == "" {
		body = "Onboarding decision: " + in.Status
		if in.RiskLevel != "" {
			body += ", risk level " + in.RiskLevel
		}
		body += "."
	}
	exists, err := a.hasNote(ctx, in.CaseID, section, body)
	if err != nil {
		return providerError(err)
	}
	if exists {
		return nil
	}
	if _, err := a.Quickr.CreateNote(ctx, in.CaseID, quickr.Note{Body: body, Section: section}); err != nil {
		return providerError(err)
	}
	return nil
}

// maxNotePages bounds the note scan against a server that keeps returning a cursor.
const maxNotePages = 50

// hasNote reports whether the case has a note with section and body.
func (a *Activities) hasNote(ctx context.Context, caseID, section, body string) (bool, error) {
	p := quickr.PageParams{Limit: 100}
	seen := map[string]bool{}
	for range maxNotePages {
		page, err := a.Quickr.ListNotes(ctx, caseID, p)
		if err != nil {
			return false, err
		}
		for _, n := range page.Data {
			if n.Body == body && (n.Section == section || (n.Section == "" && section == quickr.NoteSectionAll)) {
				return true, nil
			}
		}
		cur := page.Pagination.Cursor
		if cur == "" || len(page.Data) == 0 || seen[cur] {
			return false, nil
		}
		seen[cur] = true
		p.StartingAfter = cur
	}
	return false, errors.New("quickr list notes: too many pages")
}

// caseSnapshot translates a Quickr case into the engine's snapshot, contract included.
func (a *Activities) caseSnapshot(c *quickr.Case) *api.CaseSnapshot {
	s := &api.CaseSnapshot{
		ID:             c.ID,
		Reference:      c.Reference,
		Status:         c.Status,
		RiskLevel:      c.RiskLevel,
		DeclarationURL: declarationURL(c),
		DeclaredAt:     c.DeclaredAt,
		Contract:       contractState(c, a.now()),
	}
	if fs := c.FormSubmitter; fs != nil {
		title := fs.Title
		if title == "" {
			title = fs.Role
		}
		s.FormSubmitter = &api.Person{Name: fs.Name, Email: fs.Email, BirthDate: fs.BirthDate, Title: title}
	}
	return s
}

// contractState summarises the case's contracts (quickr.SummarizeContracts), or nil when the
// case has none yet. The state reads, first match wins: signed (every entry signed), closed,
// rejected, expired (also an unsigned entry past its expires_at), else unsigned.
func contractState(c *quickr.Case, now time.Time) *api.ContractState {
	sum := c.ContractSummary(now)
	if !sum.Present {
		return nil
	}
	st := &api.ContractState{ID: sum.ContractID(), Signed: sum.Signed, Signatories: sum.Signatories}
	switch {
	case sum.AllSigned:
		st.Status = api.ContractSigned
	case sum.AnyClosed:
		st.Status = api.ContractClosed
	case sum.AnyRejected:
		st.Status = api.ContractRejected
	case sum.AnyExpired:
		st.Status = api.ContractExpired
	default:
		st.Status = api.ContractUnsigned
	}
	if !sum.ExpiresAt.IsZero() {
		st.ExpiresAt = sum.ExpiresAt.UTC().Format(time.RFC3339)
	}
	if len(sum.Contracts) > 1 {
		for _, one := range sum.Contracts {
			e := api.ContractEntry{ID: one.ID, Status: one.Status, Signed: one.Signed, Signatories: one.Signatories}
			if !one.ExpiresAt.IsZero() {
				e.ExpiresAt = one.ExpiresAt.UTC().Format(time.RFC3339)
			}
			st.Contracts = append(st.Contracts, e)
		}
	}
	for _, g := range c.Contracts {
		for _, it := range g.Data {
			if st.ExpiresAt == "" && it.ExpiresAt != "" {
				st.ExpiresAt = it.ExpiresAt
			}
			if st.RejectReason == "" && it.RejectedReason != "" {
				st.RejectReason = it.RejectedReason
				if it.RejectedBy != "" {
					st.RejectReason = fmt.Sprintf("%s (%s)", it.RejectedReason, it.RejectedBy)
				}
			}
		}
	}
	return st
}

// declarationURL is the case's declaration URL from the places the seed documents
// (quickr.Case.DeclarationLink), or "" when it has none; the onboarding then says so.
func declarationURL(c *quickr.Case) string {
	link, _ := c.DeclarationLink()
	return link
}
