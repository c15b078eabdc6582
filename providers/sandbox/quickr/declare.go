package quickr

import (
	"slices"
	"strings"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
	"github.com/merchantflow/onboarding/providers/sandbox/seeddata"
)

// The merchant's declaration as the control endpoint fills it in.

// declareInput is what the declare control endpoint accepts. Empty fields take the test
// company's own data: its board as signatories, its UBOs, the first valid bank account and the
// first signatory as form submitter.
type declareInput struct {
	// Partial saves with declarations_update and leaves the form open.
	Partial bool `json:"partial"`
	// BankAccount and BankAccountCountry (default NO) declare one bank account.
	BankAccount        string `json:"bankAccount"`
	BankAccountCountry string `json:"bankAccountCountry"`
	// Website goes into payment_information.website (the website check reads it).
	Website string `json:"website"`
	// FormSubmitter, Signatories and UBOs are raw declaration items.
	FormSubmitter map[string]any   `json:"formSubmitter"`
	Signatories   []map[string]any `json:"signatories"`
	UBOs          []map[string]any `json:"ubos"`
	// SignatoryNames and UBONames pick persons by name from the company's board and UBOs or
	// the test persons (Ivar, Ubbe, Hvitserk Ragnarsson); they replace the defaults.
	SignatoryNames []string `json:"signatoryNames"`
	UBONames       []string `json:"uboNames"`
	// PEP self-declares the form submitter as a politically exposed person.
	PEP bool `json:"pep"`
}

// declare fills (and unless Partial, finishes) the declaration as the merchant would.
func (s *Sim) declare(caseID string, in declareInput) error {
	s.mu.Lock()
	c, ok := s.cases[caseID]
	if !ok {
		s.mu.Unlock()
		return qNotFound("case_not_found", "no case "+caseID)
	}
	decls, err := c.defaultDeclarations(in)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.applyDeclaration(caseID, decls, !in.Partial)
}

func personItem(p seeddata.TestPerson, country string, signatory bool) map[string]any {
	m := map[string]any{"name": p.Name, "birth_date": p.BirthDate, "country": country}
	if signatory {
		m["title"] = p.Title
		m["email"] = emailFor(p.Name)
	} else {
		m["confirm_correct"] = true
	}
	return m
}

func (c *qCase) defaultDeclarations(in declareInput) ([]typeData, error) {
	var decls []typeData
	var board, ubos []map[string]any
	company := seeddata.TestCompany{Country: "NO"}
	if c.Company != nil {
		company = *c.Company
		decls = append(decls, typeData{Type: "company", Data: []map[string]any{companyData(company)}})
		for _, p := range company.Board {
			board = append(board, personItem(p, company.Country, true))
		}
		for _, p := range company.UBOs {
			ubos = append(ubos, personItem(p, company.Country, false))
		}
	}
	pick := func(names []string, signatory bool) ([]map[string]any, error) {
		out := []map[string]any{}
		for _, n := range names {
			p, ok := personByName(company, n)
			if !ok {
				return nil, qNotFound("person_not_found", "no test person named "+n)
			}
			out = append(out, personItem(p, company.Country, signatory))
		}
		return out, nil
	}
	var err error
	if in.SignatoryNames != nil {
		if board, err = pick(in.SignatoryNames, true); err != nil {
			return nil, err
		}
	}
	if in.UBONames != nil {
		if ubos, err = pick(in.UBONames, false); err != nil {
			return nil, err
		}
	}
	if in.Signatories != nil {
		board = in.Signatories
	}
	if in.UBOs != nil {
		ubos = in.UBOs
	}
	if slices.Contains(c.Sections, "signatory") && board != nil {
		decls = append(decls, typeData{Type: "signatory", Data: board})
	}
	if slices.Contains(c.Sections, "ultimate_beneficial_ownership") {
		decls = append(decls, typeData{Type: "ultimate_beneficial_ownership", Data: core.NonNil(ubos)})
	}
	if slices.Contains(c.Sections, "bank_account") || in.BankAccount != "" {
		acct, country := in.BankAccount, in.BankAccountCountry
		if acct == "" {
			acct = "24681357902"
		}
		if country == "" {
			country = "NO"
		}
		currency := map[string]string{"NO": "NOK", "SE": "SEK", "DK": "DKK", "FI": "EUR"}[strings.ToUpper(country)]
		decls = append(decls, typeData{Type: "bank_account", Data: []map[string]any{{"number": acct, "type": "bban", "currency": currency, "country": country}}})
	}
	if in.Website != "" {
		decls = append(decls, typeData{Type: "payment_information", Data: []map[string]any{{"website": in.Website, "merchant_category_code": "5734"}}})
	}
	sub := in.FormSubmitter
	if sub == nil && len(board) > 0 {
		sub = map[string]any{"name": board[0]["name"], "birth_date": board[0]["birth_date"], "email": board[0]["email"], "role": board[0]["title"]}
	}
	if sub != nil {
		decls = append(decls, typeData{Type: "form_submitter", Data: []map[string]any{sub}})
	}
	if in.PEP {
		decls = append(decls, typeData{Type: "politically_exposed_person", Data: []map[string]any{{"politically_exposed_person": true, "affiliated_to_politically_exposed_person": false, "reason": "declared in the sandbox"}}})
	}
	return decls, nil
}

func emailFor(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.test"
}

// personByName finds a person in the company's board and UBOs or in the test persons.
func personByName(c seeddata.TestCompany, name string) (seeddata.TestPerson, bool) {
	for _, list := range [][]seeddata.TestPerson{c.Board, c.UBOs} {
		for _, p := range list {
			if p.Name == name {
				return p, true
			}
		}
	}
	p, ok := seeddata.TestPersons[name]
	return p, ok
}
