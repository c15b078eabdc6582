package activities

import (
	"context"
	"strings"

	"go.temporal.io/sdk/activity"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/providers/creditro"
)

// LookupPriorKYC lists the KYC cases Creditro already holds for the company: evidence for the
// agent and the rules, never a gate. Without a Creditro client it answers "unavailable".
//
// Creditro returns every case of our customer, so the activity picks the company's own
// (matchesCompany): a case whose registration number is given matches on that number alone
// (digits compared, so "NO 987 654 321 MVA" equals "987654321"), and its country, when both
// sides have one, must agree; a case without a registration number matches on the company
// name (case, accents, punctuation and spacing ignored) when the input carries a name.
//
// Failures go through providerError: 429 waits at least two minutes (creditro.RetryRule), a
// rejected request is not retried. The workflow turns a final failure into "unavailable".
func (a *Activities) LookupPriorKYC(ctx context.Context, in PriorKYCInput) (*api.PriorKYC, error) {
	if in.Company.OrgNumber == "" && in.Company.Name == "" {
		return nil, invalidInput("company orgNumber or name is required")
	}
	if a.Creditro == nil {
		activity.GetLogger(ctx).Info("Creditro is not configured; prior KYC unavailable")
		return &api.PriorKYC{Status: api.PriorKYCUnavailable, Reason: "creditro is not configured"}, nil
	}
	all, err := a.Creditro.KYCCases(ctx)
	if err != nil {
		return nil, providerError(err)
	}
	out := &api.PriorKYC{Status: api.PriorKYCNone}
	for _, k := range all {
		if !matchesCompany(k, in.Company) {
			continue
		}
		out.Cases = append(out.Cases, api.PriorCase{ID: k.ID, Status: k.Status, CreatedAt: k.CreatedAt})
	}
	if len(out.Cases) > 0 {
		out.Status = api.PriorKYCFound
	}
	return out, nil
}

// matchesCompany reports whether a Creditro case is about company (see LookupPriorKYC).
func matchesCompany(k creditro.KYCCase, company api.Company) bool {
	if reg := digits(k.RegistrationNumber); reg != "" {
		if reg != digits(company.OrgNumber) {
			return false
		}
		return k.Country == "" || company.Country == "" || strings.EqualFold(k.Country, company.Country)
	}
	name := foldName(company.Name)
	return name != "" && foldName(k.CompanyName) == name
}
