package main

import (
	"fmt"
	"strconv"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// merchant is one onboarding of a batch and what it must end as.
type merchant struct {
	org     string
	company api.Company
	contact api.Person
	address string
	want    api.Outcome
	// review: the rules send it to an agent; the harness approves it as "agent.chaos".
	review bool
	kind   string // which behaviour it stands for, for reports
	// once lists the side effects (sandbox count kinds) it must cause exactly once; every
	// other kind of onceKinds must not happen at all.
	once []string
}

// workflowID is the onboarding's workflow ID (and the sandbox reference).
func (m merchant) workflowID() string { return api.WorkflowID(m.company.Country, m.org) }

// known are the four test companies with the outcome the sandbox's test data gives each (the
// same table as the end-to-end tests): Ragnarok is clean, Floki (ENK: UBO check unsupported)
// goes to manual review and is approved there, Ecbert (bankrupt, sanctions) and Rollo
// (inactive, sanctions) are declined by the rules.
var known = []struct {
	org    string
	want   api.Outcome
	review bool
	kind   string
}{
	{"987654321", api.OutcomeApproved, false, "ragnarok"},
	{"123456789", api.OutcomeApproved, true, "floki-review"},
	{"987123654", api.OutcomeDeclined, false, "ecbert"},
	{"159753468", api.OutcomeDeclined, false, "rollo"},
}

// batch returns n merchants: the four test companies (while n allows) and then generated
// organisation numbers. The sandbox gives the test companies' behaviour only to their four
// fixed numbers; any other number takes the default path (no registry prefill, the default
// IDV person, who is the contact given here), whose outcome is generatedOutcome.
func batch(n int) []merchant {
	var out []merchant
	for _, k := range known {
		if len(out) == n {
			return out
		}
		tc := sandbox.TestCompanies[k.org]
		out = append(out, merchant{
			org:     k.org,
			company: api.Company{OrgNumber: k.org, Country: tc.Country, Name: tc.Name},
			contact: api.Person{Name: tc.Board[0].Name, Email: "contact@example.test"},
			address: tc.Address + ", " + tc.PostalCode + " " + tc.City,
			want:    k.want, review: k.review, kind: k.kind, once: onceKinds,
		})
	}
	for i := 0; len(out) < n; i++ {
		org, ok := orgNumber(91000000 + i)
		if !ok {
			continue
		}
		if _, isTest := sandbox.TestCompanies[org]; isTest {
			continue
		}
		out = append(out, merchant{
			org:     org,
			company: api.Company{OrgNumber: org, Country: "NO", Name: "Chaos Merchant " + org + " AS"},
			contact: api.Person{Name: "Kari Nordmann", Email: "kari." + org + "@example.test"},
			address: "Testveien 1, 0150 Oslo",
			want:    generatedOutcome, review: generatedReview, kind: "generated", once: generatedOnce,
		})
	}
	return out
}

// Outcome of a generated organisation number on the sandbox's default path: the registry
// knows nothing of it (no credit score, no company age), so no approve or decline rule fires
// and the onboarding goes to manual review, where the harness approves it: APPROVED.
const (
	generatedOutcome = api.OutcomeApproved
	generatedReview  = true
)

// generatedOnce are a generated number's side effects: the sandbox's automatic declaration
// of an unknown company has no board, so it names no signatory and no form submitter; the
// engine then has nobody to verify and starts no IDV session (identity is recorded as
// unavailable). Case, customer, analysis and credit terms happen once as for the others.
var generatedOnce = []string{sandbox.CountCases, sandbox.CountCustomers, sandbox.CountAnalyses, sandbox.CountCreditTerms}

// orgNumber appends the mod-11 check digit to an 8-digit base, making a valid Norwegian
// organisation number; false when the base has no valid check digit.
func orgNumber(base int) (string, bool) {
	digits := strconv.Itoa(base)
	if len(digits) != 8 {
		return "", false
	}
	weights := []int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, w := range weights {
		sum += int(digits[i]-'0') * w
	}
	check := 11 - sum%11
	switch check {
	case 11:
		check = 0
	case 10:
		return "", false
	}
	return fmt.Sprintf("%s%d", digits, check), true
}
