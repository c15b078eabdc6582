package sandbox

import (
	"net/http"
	"strings"
)

// Quickr control endpoints: they play the merchant and the signatories. {ref} is a case id
// or a case reference (the newest case with it). Each answers with the case document
// (200), 404 for an unknown case, contract or signatory, and 409 for a step the case's
// state does not allow. None is faulted or needs auth.
//
//	POST /control/quickr/cases/{ref}/declare  declareInput (all optional; empty = the test
//	     company's own data, finished)
//	POST /control/quickr/cases/{ref}/sign     {"signatory":"name"} (optional; empty = everyone)
//	POST /control/quickr/cases/{ref}/reject   {"reason":"...","signatory":"name"} (both optional)
//	POST /control/quickr/cases/{ref}/expire   no body: the contract expires now
//	POST /control/quickr/cases/{ref}/close    no body: the contract is closed
//	GET  /control/quickr/cases/{ref}          the case document
func (s *Server) mountQuickrControl() {
	s.mux.HandleFunc("POST /control/quickr/cases/{ref}/declare", s.quickrControlDeclare)
	s.mux.HandleFunc("POST /control/quickr/cases/{ref}/sign", s.quickrControlSign)
	s.mux.HandleFunc("POST /control/quickr/cases/{ref}/reject", s.quickrControlReject)
	s.mux.HandleFunc("POST /control/quickr/cases/{ref}/expire", s.quickrControlContract(s.quickrExpire))
	s.mux.HandleFunc("POST /control/quickr/cases/{ref}/close", s.quickrControlContract(s.quickrClose))
	s.mux.HandleFunc("GET /control/quickr/cases/{ref}", s.quickrControlGet)
}

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

// quickrDeclare fills (and unless Partial, finishes) the declaration as the merchant would.
func (s *Server) quickrDeclare(caseID string, in declareInput) error {
	s.mu.Lock()
	c, ok := s.quickr.cases[caseID]
	if !ok {
		s.mu.Unlock()
		return qNotFound("case_not_found", "no case "+caseID)
	}
	decls, err := c.defaultDeclarations(in)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.quickrApplyDeclaration(caseID, decls, !in.Partial)
}

func personItem(p TestPerson, country string, signatory bool) map[string]any {
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
	company := TestCompany{Country: "NO"}
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
	if contains(c.Sections, "signatory") && board != nil {
		decls = append(decls, typeData{Type: "signatory", Data: board})
	}
	if contains(c.Sections, "ultimate_beneficial_ownership") {
		decls = append(decls, typeData{Type: "ultimate_beneficial_ownership", Data: nonNilMaps(ubos)})
	}
	if contains(c.Sections, "bank_account") || in.BankAccount != "" {
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

// quickrFind resolves a control endpoint's {ref}: a case id or, failing that, the newest case
// with that reference.
func (s *Server) quickrFind(ref string) (*qCase, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.quickr.cases[ref]; ok {
		return c, true
	}
	for i := len(s.quickr.order) - 1; i >= 0; i-- {
		if c := s.quickr.cases[s.quickr.order[i]]; c.Reference == ref {
			return c, true
		}
	}
	return nil, false
}

// controlError answers a control endpoint's failure as {"error": "..."}.
func controlError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	if qe, ok := err.(*qErr); ok {
		status = qe.status
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

// quickrControlCase reads the body into in (when not nil) and resolves {ref}.
func (s *Server) quickrControlCase(w http.ResponseWriter, r *http.Request, in any) (*qCase, bool) {
	if in != nil {
		if err := readJSON(r, in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON: " + err.Error()})
			return nil, false
		}
	}
	c, ok := s.quickrFind(r.PathValue("ref"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no case with id or reference " + r.PathValue("ref")})
		return nil, false
	}
	return c, true
}

// quickrControlDeclare: POST /control/quickr/cases/{ref}/declare
func (s *Server) quickrControlDeclare(w http.ResponseWriter, r *http.Request) {
	var in declareInput
	c, ok := s.quickrControlCase(w, r, &in)
	if !ok {
		return
	}
	if err := s.quickrDeclare(c.ID, in); err != nil {
		controlError(w, err)
		return
	}
	s.quickrControlGet(w, r)
}

// quickrControlSign: POST /control/quickr/cases/{ref}/sign {"signatory":"name"}
func (s *Server) quickrControlSign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Signatory string `json:"signatory"`
	}
	c, ok := s.quickrControlCase(w, r, &in)
	if !ok {
		return
	}
	match := func(sg *qSignature) bool { return in.Signatory == "" || strings.EqualFold(sg.Name, in.Signatory) }
	if err := s.quickrSign(c.ID, -1, match); err != nil {
		controlError(w, err)
		return
	}
	s.quickrControlGet(w, r)
}

// quickrControlReject: POST /control/quickr/cases/{ref}/reject {"reason":"...","signatory":"name"}
func (s *Server) quickrControlReject(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Signatory string `json:"signatory"`
		Reason    string `json:"reason"`
	}
	c, ok := s.quickrControlCase(w, r, &in)
	if !ok {
		return
	}
	if err := s.quickrReject(c.ID, in.Signatory, in.Reason); err != nil {
		controlError(w, err)
		return
	}
	s.quickrControlGet(w, r)
}

// quickrControlContract wraps a bodiless contract step (expire, close).
func (s *Server) quickrControlContract(step func(caseID string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.quickrControlCase(w, r, nil)
		if !ok {
			return
		}
		if err := step(c.ID); err != nil {
			controlError(w, err)
			return
		}
		s.quickrControlGet(w, r)
	}
}

// quickrControlGet: GET /control/quickr/cases/{ref} returns the case document without auth.
func (s *Server) quickrControlGet(w http.ResponseWriter, r *http.Request) {
	c, ok := s.quickrFind(r.PathValue("ref"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no case with id or reference " + r.PathValue("ref")})
		return
	}
	doc, _ := s.quickrLoad(c.ID)
	writeJSON(w, http.StatusOK, doc)
}
