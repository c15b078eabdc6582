package activities

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"go.temporal.io/sdk/activity"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/providers/deepidv"
)

// RequestCreditTerms asks DeepIDV for the merchant's credit terms, once per ExternalID (the
// workflow ID): it looks the external id up first and returns what it finds (Existing = true;
// the lookup carries no applicant URL, DeepIDV has e-mailed it already), else it creates the
// request with the e-mail invite on.
//
// Field mapping: businessName = Company.Name (the organisation number when the name is not
// known yet), businessAddress = Address (the country code when empty: the API requires a
// value and uses it only on the statement), firstName/lastName = Contact.Name split at its
// last space (a one-word name is used for both), businessEmail = Contact.Email,
// requestedCreditPeriod = PeriodDays (30, 60 or 90; 0 leaves the provider's 30).
func (a *Activities) RequestCreditTerms(ctx context.Context, in CreditTermsInput) (*CreditTermsRef, error) {
	req, err := creditTermsRequest(in)
	if err != nil {
		return nil, err
	}
	if a.CreditTerms == nil {
		return nil, notConfigured("deepidv")
	}
	found, err := a.CreditTerms.FindByExternalID(ctx, in.ExternalID)
	if err != nil {
		return nil, providerError(err)
	}
	if found != nil {
		activity.GetLogger(ctx).Info("Credit terms already requested", "creditTermsId", found.ID, "status", found.Status)
		return &CreditTermsRef{ID: found.ID, Existing: true}, nil
	}
	created, err := a.CreditTerms.CreateCreditTerms(ctx, req)
	if err != nil {
		var v *deepidv.ValidationError
		if errors.As(err, &v) {
			return nil, invalidInput("credit terms: %v", v)
		}
		return nil, providerError(err)
	}
	return &CreditTermsRef{ID: created.CreditTermsID, URL: created.CreditTermsURL}, nil
}

// creditTermsRequest maps the input onto the API's request (see RequestCreditTerms).
func creditTermsRequest(in CreditTermsInput) (deepidv.CreateInput, error) {
	var missing []string
	if in.ExternalID == "" {
		missing = append(missing, "externalId")
	}
	if in.Contact.Email == "" {
		missing = append(missing, "contact email")
	}
	if strings.TrimSpace(in.Contact.Name) == "" {
		missing = append(missing, "contact name")
	}
	if in.Company.Name == "" && in.Company.OrgNumber == "" {
		missing = append(missing, "company name or orgNumber")
	}
	if in.Amount <= 0 {
		missing = append(missing, "a positive amount")
	}
	if len(missing) > 0 {
		return deepidv.CreateInput{}, invalidInput("credit terms need %s", strings.Join(missing, ", "))
	}
	period := ""
	if in.PeriodDays != 0 {
		period = strconv.Itoa(in.PeriodDays)
		if !slices.Contains(deepidv.Periods, period) {
			return deepidv.CreateInput{}, invalidInput("periodDays must be 30, 60 or 90, not %d", in.PeriodDays)
		}
	}
	name := strings.Join(strings.Fields(in.Contact.Name), " ")
	first, last := name, name
	if i := strings.LastIndex(name, " "); i > 0 {
		first, last = name[:i], name[i+1:]
	}
	business := in.Company.Name
	if business == "" {
		business = in.Company.OrgNumber
	}
	address := strings.TrimSpace(in.Address)
	if address == "" {
		address = strings.ToUpper(in.Company.Country)
	}
	invite := true
	return deepidv.CreateInput{
		BusinessEmail:         in.Contact.Email,
		FirstName:             first,
		LastName:              last,
		BusinessName:          business,
		BusinessAddress:       address,
		RequestedCreditAmount: in.Amount,
		ExternalID:            in.ExternalID,
		RequestedCreditPeriod: period,
		SendEmailInvite:       &invite,
	}, nil
}

// AwaitCreditTerms polls the request until it is COMPLETED (StillWaiting before that; the
// seed documents no failure or expiry state, so the workflow's deadline ends a wait that
// never completes).
func (a *Activities) AwaitCreditTerms(ctx context.Context, ref CreditTermsRef) (*api.CreditTermsResult, error) {
	if ref.ID == "" {
		return nil, invalidInput("credit terms id is required")
	}
	if a.CreditTerms == nil {
		return nil, notConfigured("deepidv")
	}
	ct, err := a.CreditTerms.GetCreditTerms(ctx, ref.ID)
	if err != nil {
		return nil, providerError(err)
	}
	if ct.Status != deepidv.StatusCompleted {
		return nil, stillWaiting("credit terms %s are %s", ref.ID, ct.Status)
	}
	return &api.CreditTermsResult{ID: ct.ID, Status: ct.Status}, nil
}
