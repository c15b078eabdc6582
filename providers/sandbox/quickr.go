package sandbox

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Quickr imitation, served under /quickr/v2/accounts/{aid}/.
//
// Sandbox choices where the seed is silent (also in the README):
//   - the declaration URL is urls.declaration_url and points at /quickr/forms/{cid};
//   - webhooks are POST {callback_url} with an event {id, type, sub_event_type, created_at,
//     case:{id, reference, status, risk_level, ...}}; type CASE_STATUS_UPDATED carries the new
//     status as sub_event_type;
//   - a declared case waits in PROCESSING_DETAILS until Quickr's checks finish, then moves to
//     READY_FOR_REVIEW.

const quickrTokenTTL = time.Hour

var quickrAccountRE = regexp.MustCompile(`^[PT]Q\d{7}$`)

type quickrState struct {
	tokens map[string]time.Time // access token -> expiry
	cases  map[string]*qCase
	order  []string // case ids, oldest first
	seq    int
}

type typeData struct {
	Type string           `json:"type"`
	Data []map[string]any `json:"data"`
}

type qCheck struct {
	Type    string         `json:"type"`
	Options map[string]any `json:"options,omitempty"`
	Data    []qCheckData   `json:"data"`
}

type qCheckData struct {
	Status    string           `json:"status"`
	Flags     []map[string]any `json:"flags"`
	Ref       map[string]any   `json:"ref,omitempty"`
	UpdatedAt string           `json:"updated_at,omitempty"`
}

type qEvent struct {
	ID           string         `json:"id"`
	Type         string         `json:"type"`
	SubEventType string         `json:"sub_event_type,omitempty"`
	CreatedAt    string         `json:"created_at"`
	CreatedBy    string         `json:"created_by"`
	Case         map[string]any `json:"case"`
}

// qCase is a case's full state. doc() renders it as the API shows it.
type qCase struct {
	ID                  string
	Reference           string
	Status              string
	StatusUpdatedReason string
	Actions             []string
	Sections            []string
	Checks              []*qCheck
	Prefills            []typeData
	Declarations        []typeData
	DeclarationID       string
	CallbackURL         string
	DeclarationURL      string
	Metadata            map[string]string
	Automations         []map[string]any
	CreatedAt           time.Time
	UpdatedAt           time.Time
	StatusUpdatedAt     time.Time
	DeclaredAt          time.Time
	RiskLevel           string
	AgentStatus         string
	AgentRisk           string
	FormSubmitter       map[string]any
	Company             *TestCompany // nil when the prefill names no test company
	Events              []qEvent
}

func (s *Server) mountQuickr() {
	s.quickr = &quickrState{tokens: map[string]time.Time{}, cases: map[string]*qCase{}}
	providerErrorWriters["quickr"] = writeQuickrError
	const base = "/quickr/v2/accounts/{aid}"
	s.handle("quickr", "POST "+base+"/auth/token", s.quickrToken)
	s.handle("quickr", "POST "+base+"/cases", s.quickrAuth(s.quickrCreateCase))
	s.handle("quickr", "GET "+base+"/cases", s.quickrAuth(s.quickrListCases))
	s.handle("quickr", "GET "+base+"/cases/{cid}", s.quickrAuth(s.quickrGetCase))
	s.handle("quickr", "GET "+base+"/cases/{cid}/declarations/{did}", s.quickrAuth(s.quickrGetDeclaration))
	s.handle("quickr", "PUT "+base+"/cases/{cid}/declarations/{did}", s.quickrAuth(s.quickrPutDeclaration))
	s.handle("quickr", "GET "+base+"/cases/{cid}/events", s.quickrAuth(s.quickrListEvents))

	s.mux.HandleFunc("POST /control/quickr/cases/{ref}/declare", s.quickrControlDeclare)
	s.mux.HandleFunc("GET /control/quickr/cases/{ref}", s.quickrControlGet)
}

func writeQuickrError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "errors": []any{}, "message": msg}})
}

func (s *Server) quickrToken(w http.ResponseWriter, r *http.Request) {
	aid := r.PathValue("aid")
	if !quickrAccountRE.MatchString(aid) {
		writeQuickrError(w, http.StatusBadRequest, "invalid_account_id", "account id must match ^[PT]Q\\d{7}$")
		return
	}
	if aid != s.cfg.Credentials.QuickrAccountID || bearer(r) != s.cfg.Credentials.QuickrAPIKey {
		writeQuickrError(w, http.StatusUnauthorized, "unauthorized", "invalid API key for this account")
		return
	}
	s.mu.Lock()
	tok := fmt.Sprintf("qtok_%x", s.intn(1<<30)) + fmt.Sprintf("%x", s.intn(1<<30))
	s.quickr.tokens[tok] = s.clock.Now().Add(quickrTokenTTL)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(quickrTokenTTL / time.Second)})
}

// quickrAuth accepts a live access token for the configured account.
func (s *Server) quickrAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("aid") != s.cfg.Credentials.QuickrAccountID {
			writeQuickrError(w, http.StatusNotFound, "account_not_found", "unknown account")
			return
		}
		tok := bearer(r)
		s.mu.Lock()
		exp, ok := s.quickr.tokens[tok]
		s.mu.Unlock()
		if !ok || !s.clock.Now().Before(exp) {
			writeQuickrError(w, http.StatusUnauthorized, "unauthorized", "access token missing, unknown or expired")
			return
		}
		h(w, r)
	}
}

type quickrCreateBody struct {
	Actions   []string   `json:"actions"`
	Reference string     `json:"reference"`
	Prefills  []typeData `json:"prefills"`
	Sections  []struct {
		Type string `json:"type"`
	} `json:"sections"`
	Checks []struct {
		Type    string         `json:"type"`
		Options map[string]any `json:"options"`
	} `json:"checks"`
	Automations []struct {
		ID string `json:"id"`
	} `json:"automations"`
	URLs     map[string]string `json:"urls"`
	Metadata map[string]string `json:"metadata"`
}

var quickrActions = map[string]bool{
	"request_declaration": true, "perform_checks": true,
	"enable_declaration_notifications": true, "enable_signing_notifications": true,
}

func (s *Server) quickrCreateCase(w http.ResponseWriter, r *http.Request) {
	var in quickrCreateBody
	if err := readJSON(r, &in); err != nil {
		writeQuickrError(w, http.StatusBadRequest, "invalid_request", "body is not valid JSON: "+err.Error())
		return
	}
	if len(in.Sections) == 0 || len(in.Checks) == 0 {
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "sections and checks must be non-empty")
		return
	}
	for _, a := range in.Actions {
		if !quickrActions[a] {
			writeQuickrError(w, http.StatusBadRequest, "validation_error", "unknown action "+a)
			return
		}
	}
	now := s.clock.Now()
	s.mu.Lock()
	s.quickr.seq++
	c := &qCase{
		ID:                  fmt.Sprintf("%s.%09d", s.cfg.Credentials.QuickrAccountID, 100000000+s.quickr.seq),
		Reference:           in.Reference,
		Actions:             in.Actions,
		Prefills:            in.Prefills,
		CallbackURL:         in.URLs["callback_url"],
		Metadata:            in.Metadata,
		CreatedAt:           now,
		UpdatedAt:           now,
		StatusUpdatedAt:     now,
		StatusUpdatedReason: "case_created",
		DeclarationID:       fmt.Sprintf("00000000-0000-4000-8000-%012d", s.quickr.seq),
	}
	if len(c.Actions) == 0 {
		c.Actions = []string{"request_declaration"}
	}
	for _, sec := range in.Sections {
		c.Sections = append(c.Sections, sec.Type)
	}
	for _, ch := range in.Checks {
		c.Checks = append(c.Checks, &qCheck{Type: ch.Type, Options: ch.Options, Data: []qCheckData{}})
	}
	for _, a := range in.Automations {
		c.Automations = append(c.Automations, map[string]any{"id": a.ID, "updated_at": now.Format(time.RFC3339Nano)})
	}
	c.DeclarationURL = fmt.Sprintf("%s/quickr/forms/%s", s.publicURL(r), c.ID)
	s.quickrPrefill(c)
	performOnly := contains(c.Actions, "perform_checks") && !contains(c.Actions, "request_declaration")
	if performOnly {
		c.Status = "PROCESSING_DETAILS"
	} else {
		c.Status = "FORM_NOT_STARTED"
	}
	s.quickr.cases[c.ID] = c
	s.quickr.order = append(s.quickr.order, c.ID)
	s.quickrEventLocked(c, "CASE_CREATED", "")
	doc := c.doc()
	s.mu.Unlock()

	s.counters.Add(c.Reference, CountCases)
	if performOnly {
		s.step(s.cfg.ChecksDelay, func() { s.quickrChecksDone(c.ID) })
	} else if s.cfg.Auto {
		s.after(s.cfg.Delays.Declare, func() { _ = s.quickrDeclare(c.ID, declareInput{}) })
	}
	writeJSON(w, http.StatusOK, doc)
}

// quickrPrefill fills company, signatory and UBO prefills from the test companies when the
// company prefill names one and the matching sections are present.
func (s *Server) quickrPrefill(c *qCase) {
	var org, country string
	for _, p := range c.Prefills {
		if p.Type == "company" && len(p.Data) > 0 {
			org, _ = p.Data[0]["organization_number"].(string)
			country, _ = p.Data[0]["country"].(string)
		}
	}
	tc, ok := TestCompanies[org]
	if !ok || !strings.EqualFold(country, tc.Country) || !strings.HasPrefix(s.cfg.Credentials.QuickrAccountID, "TQ") {
		return
	}
	c.Company = &tc
	prefills := []typeData{{Type: "company", Data: []map[string]any{companyData(tc)}}}
	if contains(c.Sections, "signatory") {
		var board []map[string]any
		for _, p := range tc.Board {
			board = append(board, map[string]any{"name": p.Name, "birth_date": p.BirthDate, "title": p.Title, "country": tc.Country})
		}
		prefills = append(prefills, typeData{Type: "signatory", Data: board})
	}
	if contains(c.Sections, "ultimate_beneficial_ownership") {
		ubos := []map[string]any{}
		for _, p := range tc.UBOs {
			ubos = append(ubos, map[string]any{"name": p.Name, "birth_date": p.BirthDate, "country": tc.Country})
		}
		prefills = append(prefills, typeData{Type: "ultimate_beneficial_ownership", Data: ubos})
	}
	// Keep any other prefills the caller sent (bank account, form submitter, ...).
	for _, p := range c.Prefills {
		if p.Type != "company" && p.Type != "signatory" && p.Type != "ultimate_beneficial_ownership" {
			prefills = append(prefills, p)
		}
	}
	c.Prefills = prefills
}

func companyData(tc TestCompany) map[string]any {
	return map[string]any{
		"name": tc.Name, "organization_number": tc.OrgNumber, "country": tc.Country,
		"address_line": tc.Address, "address_postal_code": tc.PostalCode, "address_city": tc.City,
		"entity_type": "main_unit", "status": tc.Status, "company_type": tc.EntityType,
		"registration_date": tc.RegistrationDate,
	}
}

func (s *Server) quickrGetCase(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.quickr.cases[r.PathValue("cid")]
	var doc map[string]any
	if ok {
		doc = c.doc()
	}
	s.mu.Unlock()
	if !ok {
		writeQuickrError(w, http.StatusNotFound, "case_not_found", "no case with id "+r.PathValue("cid"))
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// quickrListCases: newest status update first, search over reference, id, name and org number.
func (s *Server) quickrListCases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := pageLimit(w, q.Get("limit"))
	if !ok {
		return
	}
	search := strings.ToLower(q.Get("search"))
	statuses := q["status[]"]
	s.mu.Lock()
	var matched []*qCase
	for _, id := range s.quickr.order {
		c := s.quickr.cases[id]
		if search != "" && !c.matches(search) {
			continue
		}
		if len(statuses) > 0 && !contains(statuses, c.Status) {
			continue
		}
		matched = append(matched, c)
	}
	sort.SliceStable(matched, func(i, j int) bool { return matched[i].StatusUpdatedAt.After(matched[j].StatusUpdatedAt) })
	start := 0
	if after := q.Get("starting_after"); after != "" {
		for i, c := range matched {
			if c.ID == after {
				start = i + 1
			}
		}
	}
	end := min(start+limit, len(matched))
	data := []map[string]any{}
	for _, c := range matched[start:end] {
		data = append(data, c.doc())
	}
	cursor := ""
	if end < len(matched) && end > start {
		cursor = matched[end-1].ID
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "pagination": map[string]any{"cursor": cursor}})
}

// pageLimit validates Quickr's limit parameter (1..100, default 10).
func pageLimit(w http.ResponseWriter, raw string) (int, bool) {
	if raw == "" {
		return 10, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 100 {
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "limit must be an integer from 1 to 100")
		return 0, false
	}
	return n, true
}

func (c *qCase) matches(search string) bool {
	if strings.Contains(strings.ToLower(c.Reference), search) || strings.Contains(strings.ToLower(c.ID), search) {
		return true
	}
	return c.Company != nil && (strings.Contains(strings.ToLower(c.Company.Name), search) || strings.Contains(c.Company.OrgNumber, search))
}

func (s *Server) quickrGetDeclaration(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.quickr.cases[r.PathValue("cid")]
	var out map[string]any
	if ok && c.DeclarationID == r.PathValue("did") {
		out = map[string]any{"prefills": c.Prefills, "sections": sectionList(c.Sections), "declarations": nonNil(c.Declarations), "attachments": []any{}}
	}
	s.mu.Unlock()
	if out == nil {
		writeQuickrError(w, http.StatusNotFound, "declaration_not_found", "no such case or declaration")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) quickrPutDeclaration(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Intent       string     `json:"intent"`
		Declarations []typeData `json:"declarations"`
	}
	if err := readJSON(r, &in); err != nil {
		writeQuickrError(w, http.StatusBadRequest, "invalid_request", "body is not valid JSON: "+err.Error())
		return
	}
	// The seed's diagram spells the intent declarations_finished; accept both.
	finish := in.Intent == "declarations_finish" || in.Intent == "declarations_finished"
	if !finish && in.Intent != "declarations_update" {
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "intent must be declarations_update or declarations_finish")
		return
	}
	if in.Declarations == nil {
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "declarations is required")
		return
	}
	s.mu.Lock()
	c, ok := s.quickr.cases[r.PathValue("cid")]
	if !ok || c.DeclarationID != r.PathValue("did") {
		s.mu.Unlock()
		writeQuickrError(w, http.StatusNotFound, "declaration_not_found", "no such case or declaration")
		return
	}
	id := c.ID
	s.mu.Unlock()
	if err := s.quickrApplyDeclaration(id, in.Declarations, finish); err != nil {
		writeQuickrError(w, http.StatusConflict, "invalid_state", err.Error())
		return
	}
	s.mu.Lock()
	out := map[string]any{"prefills": c.Prefills, "sections": sectionList(c.Sections), "declarations": nonNil(c.Declarations), "attachments": []any{}}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// quickrApplyDeclaration merges declarations into the case; finish submits the form.
func (s *Server) quickrApplyDeclaration(caseID string, decls []typeData, finish bool) error {
	s.mu.Lock()
	c := s.quickr.cases[caseID]
	if finish && !c.DeclaredAt.IsZero() {
		s.mu.Unlock()
		return fmt.Errorf("the declaration of case %s is already finished", caseID)
	}
	for _, d := range decls {
		c.setDeclaration(d)
	}
	var webhook *qEvent
	if finish {
		c.DeclaredAt = s.clock.Now()
		for _, d := range c.Declarations {
			if d.Type == "form_submitter" && len(d.Data) > 0 {
				c.FormSubmitter = d.Data[0]
			}
		}
		webhook = s.quickrSetStatusLocked(c, "PROCESSING_DETAILS", "case_declared")
	} else if c.Status == "FORM_NOT_STARTED" {
		webhook = s.quickrSetStatusLocked(c, "FORM_IN_PROGRESS", "declaration_updated")
	}
	s.mu.Unlock()
	s.quickrNotify(c, webhook)
	if finish {
		s.quickrAfterDeclared(caseID)
	}
	return nil
}

// quickrAfterDeclared runs what follows a finished declaration: the checks, a few seconds later.
func (s *Server) quickrAfterDeclared(caseID string) {
	s.step(s.cfg.ChecksDelay, func() { s.quickrChecksDone(caseID) })
}

// quickrChecksDone marks the checks as run and moves the case to READY_FOR_REVIEW.
func (s *Server) quickrChecksDone(caseID string) {
	s.mu.Lock()
	c := s.quickr.cases[caseID]
	if c == nil || c.Status != "PROCESSING_DETAILS" {
		s.mu.Unlock()
		return
	}
	now := s.clock.Now().Format(time.RFC3339Nano)
	for _, ch := range c.Checks {
		ch.Data = []qCheckData{{Status: "COMPLETED", Flags: []map[string]any{}, UpdatedAt: now}}
	}
	ev := s.quickrSetStatusLocked(c, "READY_FOR_REVIEW", "checks_completed")
	s.mu.Unlock()
	s.quickrNotify(c, ev)
}

func (c *qCase) setDeclaration(d typeData) {
	for i := range c.Declarations {
		if c.Declarations[i].Type == d.Type {
			c.Declarations[i] = d
			return
		}
	}
	c.Declarations = append(c.Declarations, d)
}

// quickrSetStatusLocked changes the status, records the event and returns the webhook to send
// (after s.mu is released), or nil when the status did not change.
func (s *Server) quickrSetStatusLocked(c *qCase, status, reason string) *qEvent {
	if c.Status == status {
		return nil
	}
	now := s.clock.Now()
	c.Status, c.StatusUpdatedReason, c.StatusUpdatedAt, c.UpdatedAt = status, reason, now, now
	ev := s.quickrEventLocked(c, "CASE_STATUS_UPDATED", status)
	return &ev
}

func (s *Server) quickrEventLocked(c *qCase, typ, sub string) qEvent {
	ev := qEvent{
		ID:           fmt.Sprintf("%s.event.%d", s.cfg.Credentials.QuickrAccountID, 1_000_000_000+len(c.Events)+s.quickr.seq*1000),
		Type:         typ,
		SubEventType: sub,
		CreatedAt:    s.clock.Now().Format(time.RFC3339Nano),
		CreatedBy:    "api.SANDBOX",
		Case:         c.summary(),
	}
	c.Events = append(c.Events, ev)
	return ev
}

// quickrNotify sends the event to the case's callback URL.
func (s *Server) quickrNotify(c *qCase, ev *qEvent) {
	if ev == nil || c.CallbackURL == "" {
		return
	}
	s.hooks.send("quickr", c.CallbackURL, c.Reference, ev.Type, ev)
}

func (s *Server) quickrListEvents(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.quickr.cases[r.PathValue("cid")]
	var events []qEvent
	if ok {
		events = append(events, c.Events...)
	}
	s.mu.Unlock()
	if !ok {
		writeQuickrError(w, http.StatusNotFound, "case_not_found", "no case with id "+r.PathValue("cid"))
		return
	}
	if types := r.URL.Query()["type[]"]; len(types) > 0 {
		var kept []qEvent
		for _, e := range events {
			if contains(types, e.Type) {
				kept = append(kept, e)
			}
		}
		events = kept
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": nonNil(events), "pagination": map[string]any{"cursor": ""}})
}

// declareInput is what the declare control endpoint accepts. Empty fields take the test
// company's own data: its board as signatories, its UBOs, the first valid bank account and the
// first board member as form submitter.
type declareInput struct {
	Partial       bool             `json:"partial"`
	BankAccount   string           `json:"bankAccount"`
	Website       string           `json:"website"`
	FormSubmitter map[string]any   `json:"formSubmitter"`
	Signatories   []map[string]any `json:"signatories"`
	UBOs          []map[string]any `json:"ubos"`
}

// quickrDeclare fills (and unless Partial, finishes) the declaration as the merchant would.
func (s *Server) quickrDeclare(caseID string, in declareInput) error {
	s.mu.Lock()
	c, ok := s.quickr.cases[caseID]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("no case %s", caseID)
	}
	decls := c.defaultDeclarations(in)
	s.mu.Unlock()
	return s.quickrApplyDeclaration(caseID, decls, !in.Partial)
}

func (c *qCase) defaultDeclarations(in declareInput) []typeData {
	var decls []typeData
	var board, ubos []map[string]any
	if c.Company != nil {
		decls = append(decls, typeData{Type: "company", Data: []map[string]any{companyData(*c.Company)}})
		for _, p := range c.Company.Board {
			board = append(board, map[string]any{"name": p.Name, "birth_date": p.BirthDate, "title": p.Title, "email": emailFor(p.Name), "country": c.Company.Country})
		}
		for _, p := range c.Company.UBOs {
			ubos = append(ubos, map[string]any{"name": p.Name, "birth_date": p.BirthDate, "country": c.Company.Country, "confirm_correct": true})
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
		acct := in.BankAccount
		if acct == "" {
			acct = "24681357902"
		}
		decls = append(decls, typeData{Type: "bank_account", Data: []map[string]any{{"number": acct, "type": "bban", "currency": "NOK", "country": "NO"}}})
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
	return decls
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

// quickrControlDeclare: POST /control/quickr/cases/{ref}/declare
func (s *Server) quickrControlDeclare(w http.ResponseWriter, r *http.Request) {
	var in declareInput
	if err := readJSON(r, &in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON: " + err.Error()})
		return
	}
	c, ok := s.quickrFind(r.PathValue("ref"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no case with id or reference " + r.PathValue("ref")})
		return
	}
	if err := s.quickrDeclare(c.ID, in); err != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		return
	}
	s.quickrControlGet(w, r)
}

// quickrControlGet: GET /control/quickr/cases/{ref} returns the case document without auth.
func (s *Server) quickrControlGet(w http.ResponseWriter, r *http.Request) {
	c, ok := s.quickrFind(r.PathValue("ref"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no case with id or reference " + r.PathValue("ref")})
		return
	}
	s.mu.Lock()
	doc := c.doc()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, doc)
}

// summary is the case summary carried by events and webhooks.
func (c *qCase) summary() map[string]any {
	return map[string]any{
		"id": c.ID, "reference": c.Reference, "status": c.Status, "risk_level": c.RiskLevel,
		"agent_determined_risk_level": c.AgentRisk, "agent_determined_status": c.AgentStatus,
	}
}

// doc renders the case details as GET /cases/{cid} returns them. Call with s.mu held.
func (c *qCase) doc() map[string]any {
	checks := make([]map[string]any, 0, len(c.Checks))
	for _, ch := range c.Checks {
		m := map[string]any{"type": ch.Type, "data": ch.Data}
		if ch.Options != nil {
			m["options"] = ch.Options
		}
		checks = append(checks, m)
	}
	var currentInfo []map[string]any
	for _, p := range c.Prefills {
		currentInfo = append(currentInfo, map[string]any{"type": p.Type, "data": p.Data, "source_type": "discovery"})
	}
	for _, d := range c.Declarations {
		currentInfo = append(currentInfo, map[string]any{"type": d.Type, "data": d.Data, "source_type": "declaration"})
	}
	doc := map[string]any{
		"object":                      "case",
		"id":                          c.ID,
		"account_id":                  strings.SplitN(c.ID, ".", 2)[0],
		"reference":                   c.Reference,
		"status":                      c.Status,
		"status_updated_reason":       c.StatusUpdatedReason,
		"status_updated_at":           c.StatusUpdatedAt.Format(time.RFC3339Nano),
		"created_at":                  c.CreatedAt.Format(time.RFC3339Nano),
		"updated_at":                  c.UpdatedAt.Format(time.RFC3339Nano),
		"actions":                     c.Actions,
		"sections":                    sectionList(c.Sections),
		"checks":                      checks,
		"prefills":                    nonNil(c.Prefills),
		"declarations":                nonNil(c.Declarations),
		"current_information":         nonNilMaps(currentInfo),
		"automations":                 nonNilMaps(c.Automations),
		"urls":                        map[string]any{"callback_url": c.CallbackURL, "declaration_url": c.DeclarationURL},
		"metadata":                    c.Metadata,
		"risk_level":                  c.RiskLevel,
		"agent_determined_status":     c.AgentStatus,
		"agent_determined_risk_level": c.AgentRisk,
		"declaration_id":              c.DeclarationID,
		"contracts":                   []any{},
		"attachments":                 []any{},
		"identity_verifications":      []any{},
	}
	if !c.DeclaredAt.IsZero() {
		doc["declared_at"] = c.DeclaredAt.Format(time.RFC3339Nano)
	}
	if c.FormSubmitter != nil {
		doc["form_submitter"] = c.FormSubmitter
	}
	return doc
}

func sectionList(ss []string) []map[string]string {
	out := make([]map[string]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, map[string]string{"type": s})
	}
	return out
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func nonNilMaps(xs []map[string]any) []map[string]any { return nonNil(xs) }

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// publicURL is the base URL links are built on: Config.PublicURL, else the request's host.
func (s *Server) publicURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	return "http://" + r.Host
}
