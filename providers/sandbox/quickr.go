package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Quickr imitation, served under /quickr/v2/accounts/{aid}/.
//
// Files: quickr.go (auth, cases, declarations, events, rendering), quickr_contracts.go
// (contracts and signing), quickr_checks.go (check results from the test data),
// quickr_agent.go (agent decisions, notes, automations), quickr_control.go (control endpoints).
//
// Sandbox choices where the seed is silent (copied into the README):
//
// Transport and ids
//   - Errors are {"error":{code,errors,message}} with 400 validation, 401 bad or expired
//     token, 404 unknown id, 409 illegal state change (finishing a finished declaration,
//     re-opening a signed or closed contract, a second contract, a decision on an archived
//     case). Lists take limit 1..100 (default 10) and starting_after (the last id of the
//     previous page); events and notes are oldest first, automations in creation order. An
//     unknown starting_after is a 400 except on the case list, which starts over.
//   - The case list takes the seed's status filter as a repeated parameter (status=A&status=B;
//     status[] is a 400), sort_by status_updated_at|created_at and sort_order DESC|ASC
//     (defaults status_updated_at, DESC; ties in creation order, reversed under DESC).
//     status_updated_at is the sandbox clock at creation and at every change of status.
//   - Ids: case {aid}.1000000NN; declaration, contract and signatory ids are uuid-shaped and
//     come from counters (00000000-..., 5a0dc0de-..., 5a0d5160-...), so runs are repeatable;
//     events {aid}.event.N, notes {aid}.note.N, automations {aid}.automation.N.
//   - The declaration URL is urls.declaration_url (/quickr/forms/{cid}); the case document
//     also carries declaration_id, which the seed does not name. A declaration on an
//     ARCHIVED case is a 409.
//   - A test company's company section carries additional_data [{type: "norwegian_company",
//     status, registration_date, incorporation_date}], shaped after the seed's swedish_company
//     item (the type name and the dates are choices); the company prefill carries no dates,
//     as the seed documents none there.
//   - Test data is used only on TQ accounts, for a company prefill whose organization_number
//     and country match a test company; persons are looked up by name (case-insensitive) in
//     the case's company, then every test company, then the test persons.
//
// Statuses and events
//   - request_declaration => FORM_NOT_STARTED; a declarations_update => FORM_IN_PROGRESS; a
//     declarations_finish (or "declarations_finished") => PROCESSING_DETAILS. perform_checks,
//     or a case whose only check is credit_score, starts in PROCESSING_DETAILS. The case stays
//     in PROCESSING_DETAILS while the contract awaits signatures (the seed has no status for
//     "awaiting signatures"); the checks run Config.ChecksDelay after the last data arrives
//     (declaration without contract, or last signature), then READY_FOR_REVIEW.
//   - Check data: one NOT_STARTED item per check at creation, IN_PROGRESS while Quickr works,
//     then one COMPLETED item per entity checked (company first, then persons), each with
//     ref {type,id}; every flag is {type: WARNING|ERROR, code, ref} (plus details where
//     useful). A rule that must see every flag reads data[*].flags[*], not data[0].
//   - Events (GET /cases/{cid}/events) and webhooks: every event except CASE_CREATED is also
//     POSTed to urls.callback_url as it was given (the seed: "sent if your case has a
//     callback_url"), unsigned like the seed's, with the seed's event shape {id, type,
//     sub_event_type, created_at, created_by, case{id, status, risk_level,
//     agent_determined_risk_level, agent_determined_status}}: no reference, so the receiver
//     knows the case by its callback URL (Config.SignWebhooks signs them). Each copy of a
//     delivery carries the event's own id. Types: CASE_CREATED, CASE_STATUS_UPDATED
//     (sub_event_type = new status), CASE_DECLARED, CASE_CHECKS_COMPLETED, CONTRACT_CREATED,
//     SIGNATORY_SIGNED, CONTRACT_SIGNED, CONTRACT_REJECTED, CONTRACT_EXPIRED,
//     CONTRACT_REOPENED, CONTRACT_CLOSED; contract events carry contract {id, status,
//     expires_at, signatory?, reason?} and sub_event_type = the contract status.
//
// Contracts
//   - Finishing the declaration of a case with a signatory check creates one contract with
//     one entry per declared signatory (the signatory prefills when none was declared; no
//     contract, and DECLARATION_MISSING on the signatory check, when there is neither).
//     contracts[] has an "unsigned" group (every entry not signed) and a "signed" group.
//     Each entry's id is the contract id (the seed repeats one id across a contract's
//     entries); signatory_id is the sid of the sign link; sign_url is the link; a non-signed
//     entry shows its contract's status; contract_status is the whole contract's status.
//   - Contract status: signed when every entry is signed; else closed, rejected or expired
//     (now >= expires_at, computed from the clock) in that order; else unsigned.
//     expires_at = creation (or re-open) + Config.ContractTTL (30 days by default, matching
//     the month of reminders). A CONTRACT_EXPIRED event fires at expiry.
//   - A signatory rejecting (control endpoint "reject") makes the contract "rejected"; its
//     non-signed entries read "rejected" with rejected_by / rejected_reason.
//   - create_new_contract_signing is allowed on unsigned, expired and rejected contracts: the
//     same contract id and signatory ids, every signature cleared, a new expires_at; 409 on
//     signed and closed contracts. contracts/new creates a contract only for a declared case
//     without one (409 otherwise). A contract is closed when the case is DECLINED or
//     ARCHIVED before it was signed (or by the control endpoint "close").
//   - The sign link GET .../contracts/{id}/signatories/{sid}/sign?token= (token from
//     sign_url) signs at once, standing in for BankID. In Auto mode every signatory signs
//     Delays.Sign after the contract is created or re-opened (a signer scheduled before a
//     re-open does nothing). contracts/new takes the same body as a re-open, or none.
//   - Counters: CountContractsNew per contract created (on declaration or contracts/new),
//     CountContractsReopen per accepted re-open, CountNotes per note.
//
// Checks (per test data, see seeddata.go) and risk
//   - company: COMPANY_INACTIVE (ERROR) when not ACTIVE, COMPANY_IN_SANCTIONS (ERROR),
//     DATA_MISMATCH (WARNING) when the declared org number differs, DISCOVERY_MISSING
//     (WARNING) for a company outside the test set.
//   - sanction / sanctions (the requested spelling is kept): company item
//     (COMPANY_IN_SANCTIONS) plus one item per person (signatory and UBO prefills, declared
//     signatories and UBOs, form submitter): PERSON_IN_SANCTIONS (ERROR).
//   - politically_exposed_person: the same items, PERSON_IN_PEP (WARNING); a self-declared
//     PEP in the politically_exposed_person declaration flags the form submitter.
//   - ultimate_beneficial_ownership: COMPANY_TYPE_NOT_SUPPORTED (WARNING) for ENK; else one
//     item per UBO with PERSON_IN_SANCTIONS / PERSON_IN_PEP, and DATA_MANUALLY_ADDED
//     (WARNING) for a declared UBO not among the prefills.
//   - bank_account: BANK_ACCOUNT_NUMBER_UNSUPPORTED (WARNING) when the country is not NO,
//     BANK_ACCOUNT_NUMBER_INVALID (ERROR) for a NO number not in the four valid ones (the
//     seed's "failed check result" is read as COMPLETED with that flag, since flags no
//     longer mean FAILED); NOT_STARTED until an account is declared.
//   - credit_score: grade -> value A=100, B=75, C=45, D=30, E=15 in current_information
//     (credit_score, source_type discovery), COMPANY_HAS_PAYMENT_REMARKS (WARNING) for C and
//     E, COMPANY_HAS_HIGH_RISK (ERROR) below 30, CASE_TYPE_NOT_SUPPORTED (WARNING) outside
//     the test set. Floki (ENK) keeps its grade B: the test table wins over the prose.
//   - signatory: CONTRACT_NOT_SIGNED (WARNING) per unsigned signatory, SIGNATORY_MISMATCH
//     (WARNING) for a signatory who is not a board member of a test company.
//   - website (payment_information website, website_url or url): the test websites' flags,
//     TOO_MANY_REDIRECTS / REDIRECTED with the redirect chain in details, INVALID_URL for a
//     value that is not an http(s) URL; WEBSITE_UNREACHABLE, TOO_MANY_REDIRECTS and
//     INVALID_URL are ERROR, the others WARNING.
//   - form_submitter: DECLARATION_MISSING (WARNING) without one. Other check types complete
//     without flags. Checks needing declared data stay NOT_STARTED on an undeclared case.
//   - risk_level (set when the checks run): HIGH for COMPANY_IN_SANCTIONS,
//     PERSON_IN_SANCTIONS, COMPANY_INACTIVE or COMPANY_HAS_HIGH_RISK; else MEDIUM for
//     PERSON_IN_PEP or a sole proprietorship (ENK); else LOW.
//
// Agent, notes, automations
//   - POST /cases/{cid}/agent-decisions {determined_status?, determined_risk_level?} (one
//     required, enums checked) sets agent_determined_* and moves the case to the determined
//     status. ARCHIVED is final: a later decision other than ARCHIVED is a 409. Agent
//     checklists are not imitated, so nothing blocks ACTIVE. CountDecisions counts every
//     accepted decision, CountArchived each move into ARCHIVED.
//   - Notes: POST/GET /cases/{cid}/notes; body required, section checked against the seed's
//     enum; automation_action_changeset is accepted on create (an extension).
//   - Automations: POST/GET /automations, GET/PUT /automations/{atid}; name, triggers
//     ("trigger" accepted and stored as "triggers"), conditions (may be empty) and actions
//     are required and condition/action types are checked. The sandbox never evaluates
//     automations (the engine does, with package automation); automations:[{id}] on a case
//     is echoed, not checked. ODD schedules are echoed as given, never run.

const quickrTokenTTL = time.Hour

var quickrAccountRE = regexp.MustCompile(`^[PT]Q\d{7}$`)

// Case statuses the sandbox sets.
const (
	qFormNotStarted    = "FORM_NOT_STARTED"
	qFormInProgress    = "FORM_IN_PROGRESS"
	qProcessingDetails = "PROCESSING_DETAILS"
	qReadyForReview    = "READY_FOR_REVIEW"
	qArchived          = "ARCHIVED"
	qDeclined          = "DECLINED"
)

type quickrState struct {
	tokens map[string]time.Time // access token -> expiry
	cases  map[string]*qCase
	order  []string // case ids, oldest first
	seq    int

	eventSeq    int
	contractSeq int
	sigSeq      int
	noteSeq     int

	automations map[string]map[string]any
	autoOrder   []string
	autoSeq     int
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
	Contract     map[string]any `json:"contract,omitempty"`
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
	Discovered          []typeData // what Quickr found itself (credit_score)
	DeclarationID       string
	CallbackURL         string
	DeclarationURL      string
	Base                string // public base URL for links (sign URLs)
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
	Contract            *qContract
	Notes               []map[string]any
	Events              []qEvent
}

// qFx collects what a state change must do once s.mu is released: webhooks to send and
// follow-up work (timers, inline steps).
type qFx struct {
	hooks []qEvent
	later []func()
}

// qErr is a refusal with an HTTP status, for API handlers and control endpoints alike.
type qErr struct {
	status int
	code   string
	msg    string
}

func (e *qErr) Error() string { return e.msg }

func qNotFound(code, msg string) error { return &qErr{http.StatusNotFound, code, msg} }
func qConflict(code, msg string) error { return &qErr{http.StatusConflict, code, msg} }

// writeQErr answers err in Quickr's error shape (500 for anything that is not a *qErr).
func writeQErr(w http.ResponseWriter, err error) {
	var qe *qErr
	if errors.As(err, &qe) {
		writeQuickrError(w, qe.status, qe.code, qe.msg)
		return
	}
	writeQuickrError(w, http.StatusInternalServerError, "internal_error", err.Error())
}

func (s *Server) mountQuickr() {
	s.quickr = &quickrState{tokens: map[string]time.Time{}, cases: map[string]*qCase{}, automations: map[string]map[string]any{}}
	const base = "/quickr/v2/accounts/{aid}"
	s.handle("quickr", "POST "+base+"/auth/token", s.quickrToken)
	s.handle("quickr", "POST "+base+"/cases", s.quickrAuth(s.quickrCreateCase))
	s.handle("quickr", "GET "+base+"/cases", s.quickrAuth(s.quickrListCases))
	s.handle("quickr", "GET "+base+"/cases/{cid}", s.quickrAuth(s.quickrGetCase))
	s.handle("quickr", "GET "+base+"/cases/{cid}/declarations/{did}", s.quickrAuth(s.quickrGetDeclaration))
	s.handle("quickr", "PUT "+base+"/cases/{cid}/declarations/{did}", s.quickrAuth(s.quickrPutDeclaration))
	s.handle("quickr", "GET "+base+"/cases/{cid}/events", s.quickrAuth(s.quickrListEvents))
	s.handle("quickr", "GET "+base+"/cases/{cid}/contracts/{kid}", s.quickrAuth(s.quickrGetContract))
	s.handle("quickr", "POST "+base+"/cases/{cid}/contracts/new", s.quickrAuth(s.quickrNewContract))
	s.handle("quickr", "POST "+base+"/cases/{cid}/contracts/{kid}", s.quickrAuth(s.quickrContractAction))
	s.handle("quickr", "GET "+base+"/cases/{cid}/contracts/{kid}/signatories/{sid}/sign", s.quickrSignLink)
	s.handle("quickr", "POST "+base+"/cases/{cid}/agent-decisions", s.quickrAuth(s.quickrAgentDecision))
	s.handle("quickr", "POST "+base+"/cases/{cid}/notes", s.quickrAuth(s.quickrCreateNote))
	s.handle("quickr", "GET "+base+"/cases/{cid}/notes", s.quickrAuth(s.quickrListNotes))
	s.handle("quickr", "POST "+base+"/automations", s.quickrAuth(s.quickrCreateAutomation))
	s.handle("quickr", "GET "+base+"/automations", s.quickrAuth(s.quickrListAutomations))
	s.handle("quickr", "GET "+base+"/automations/{atid}", s.quickrAuth(s.quickrGetAutomation))
	s.handle("quickr", "PUT "+base+"/automations/{atid}", s.quickrAuth(s.quickrUpdateAutomation))

	s.mountQuickrControl()
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
	for _, ch := range in.Checks {
		if strings.TrimSpace(ch.Type) == "" {
			writeQuickrError(w, http.StatusBadRequest, "validation_error", "every check needs a type")
			return
		}
	}
	now := s.clock.Now()
	s.mu.Lock()
	s.quickr.seq++
	c := &qCase{
		ID:                  s.cfg.Credentials.QuickrAccountID + "." + s.token(9),
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
		Base:                s.publicURL(r),
	}
	if len(c.Actions) == 0 {
		c.Actions = []string{"request_declaration"}
	}
	for _, sec := range in.Sections {
		c.Sections = append(c.Sections, sec.Type)
	}
	for _, ch := range in.Checks {
		c.Checks = append(c.Checks, &qCheck{Type: ch.Type, Options: ch.Options, Data: []qCheckData{notStarted()}})
	}
	for _, a := range in.Automations {
		c.Automations = append(c.Automations, map[string]any{"id": a.ID, "updated_at": now.Format(time.RFC3339Nano)})
	}
	c.DeclarationURL = fmt.Sprintf("%s/quickr/forms/%s", c.Base, c.ID)
	s.quickrPrefill(c)
	performOnly := contains(c.Actions, "perform_checks") && !contains(c.Actions, "request_declaration")
	// A case with only a credit_score check completes by itself (the seed's third life cycle).
	creditOnly := true
	for _, ch := range c.Checks {
		creditOnly = creditOnly && ch.Type == "credit_score"
	}
	checksNow := performOnly || creditOnly
	if checksNow {
		c.Status = qProcessingDetails
		c.setChecksStatus("IN_PROGRESS", now)
	} else {
		c.Status = qFormNotStarted
	}
	s.quickr.cases[c.ID] = c
	s.quickr.order = append(s.quickr.order, c.ID)
	s.quickrEmitLocked(c, nil, "CASE_CREATED", "", nil)
	doc := c.doc(now)
	s.mu.Unlock()

	s.counters.Add(c.Reference, CountCases)
	if checksNow {
		s.step(s.cfg.ChecksDelay, func() { s.quickrChecksDone(c.ID) })
	} else if s.cfg.Auto {
		s.after(s.cfg.Delays.Declare, func() { _ = s.quickrDeclare(c.ID, declareInput{}) })
	}
	writeJSON(w, http.StatusOK, doc)
}

func notStarted() qCheckData { return qCheckData{Status: "NOT_STARTED", Flags: []map[string]any{}} }

// setChecksStatus replaces every check's data with one item in status.
func (c *qCase) setChecksStatus(status string, now time.Time) {
	for _, ch := range c.Checks {
		ch.Data = []qCheckData{{Status: status, Flags: []map[string]any{}, UpdatedAt: now.Format(time.RFC3339Nano)}}
	}
}

func (c *qCase) hasCheck(types ...string) bool {
	for _, ch := range c.Checks {
		if contains(types, ch.Type) {
			return true
		}
	}
	return false
}

// quickrPrefill fills company, signatory and UBO prefills from the test companies when the
// company prefill names one and the matching sections are present.
func (s *Server) quickrPrefill(c *qCase) {
	org, country := c.requestedCompany()
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

// requestedCompany is the organisation number and country of the company prefill.
func (c *qCase) requestedCompany() (org, country string) {
	for _, p := range c.Prefills {
		if p.Type == "company" && len(p.Data) > 0 {
			org, _ = p.Data[0]["organization_number"].(string)
			country, _ = p.Data[0]["country"].(string)
		}
	}
	return org, country
}

func companyData(tc TestCompany) map[string]any {
	return map[string]any{
		"name": tc.Name, "organization_number": tc.OrgNumber, "country": tc.Country,
		"address_line": tc.Address, "address_postal_code": tc.PostalCode, "address_city": tc.City,
		"entity_type": "main_unit", "status": tc.Status, "company_type": tc.EntityType,
	}
}

// companyAdditionalData is the company section's additional_data of a test company, shaped
// after the seed's swedish_company item (type, status, registration_date, incorporation_date).
// The type name norwegian_company is a choice (the seed names swedish_company and
// norwegian_sub_unit_company); the dates are the sandbox's own (the seed gives none for its
// test companies). It is where Quickr documents registry data, so the engine's company age
// comes from here.
func companyAdditionalData(tc TestCompany) []map[string]any {
	return []map[string]any{{
		"type": "norwegian_company", "status": tc.Status,
		"registration_date": tc.RegistrationDate, "incorporation_date": tc.RegistrationDate,
	}}
}

// sectionDocs are the case details' sections: {type}, and for a test company's company
// section its additional_data.
func (c *qCase) sectionDocs() []map[string]any {
	out := make([]map[string]any, 0, len(c.Sections))
	for _, s := range c.Sections {
		m := map[string]any{"type": s}
		if s == "company" && c.Company != nil {
			m["additional_data"] = companyAdditionalData(*c.Company)
		}
		out = append(out, m)
	}
	return out
}

// quickrLoad finds a case, applies what the clock says has happened (contract expiry) and
// returns its document.
func (s *Server) quickrLoad(caseID string) (map[string]any, bool) {
	now := s.clock.Now()
	s.mu.Lock()
	c, ok := s.quickr.cases[caseID]
	if !ok {
		s.mu.Unlock()
		return nil, false
	}
	fx := &qFx{}
	s.quickrSweepLocked(c, fx, now)
	doc := c.doc(now)
	s.mu.Unlock()
	s.quickrFlush(c, fx)
	return doc, true
}

func (s *Server) quickrGetCase(w http.ResponseWriter, r *http.Request) {
	doc, ok := s.quickrLoad(r.PathValue("cid"))
	if !ok {
		writeQuickrError(w, http.StatusNotFound, "case_not_found", "no case with id "+r.PathValue("cid"))
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// quickrListCases: GET /cases with the seed's search, status (repeated: status=A&status=B),
// sort_by (status_updated_at | created_at, default status_updated_at), sort_order (DESC | ASC,
// default DESC), limit and starting_after. Ties keep creation order (older first) under ASC
// and reverse it under DESC, so DESC is exactly ASC reversed. starting_after names the last
// case of the previous page; it is looked up in the order as it is now (a case whose status
// changed since has moved), and an unknown one starts over.
func (s *Server) quickrListCases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := pageLimit(w, q.Get("limit"))
	if !ok {
		return
	}
	if _, ok := q["status[]"]; ok {
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "status is an array parameter: repeat it (status=A&status=B), no []")
		return
	}
	sortBy := q.Get("sort_by")
	switch sortBy {
	case "", "status_updated_at":
		sortBy = "status_updated_at"
	case "created_at":
	default:
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "sort_by must be status_updated_at or created_at")
		return
	}
	desc := true
	switch q.Get("sort_order") {
	case "", "DESC":
	case "ASC":
		desc = false
	default:
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "sort_order must be DESC or ASC")
		return
	}
	search := strings.ToLower(q.Get("search"))
	statuses := q["status"]
	now := s.clock.Now()
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
	key := func(c *qCase) time.Time { return c.StatusUpdatedAt }
	if sortBy == "created_at" {
		key = func(c *qCase) time.Time { return c.CreatedAt }
	}
	sort.SliceStable(matched, func(i, j int) bool { return key(matched[i]).Before(key(matched[j])) })
	if desc {
		slices.Reverse(matched)
	}
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
		data = append(data, c.doc(now))
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

// quickrPage cuts one page out of an append-only list (oldest first): limit and
// starting_after as everywhere in Quickr. An unknown cursor is a 400.
func quickrPage[T any](w http.ResponseWriter, r *http.Request, items []T, id func(T) string) ([]T, string, bool) {
	q := r.URL.Query()
	limit, ok := pageLimit(w, q.Get("limit"))
	if !ok {
		return nil, "", false
	}
	start := 0
	if after := q.Get("starting_after"); after != "" {
		start = -1
		for i, it := range items {
			if id(it) == after {
				start = i + 1
				break
			}
		}
		if start < 0 {
			writeQuickrError(w, http.StatusBadRequest, "validation_error", "unknown starting_after cursor "+after)
			return nil, "", false
		}
	}
	end := min(start+limit, len(items))
	cursor := ""
	if end < len(items) && end > start {
		cursor = id(items[end-1])
	}
	return nonNil(items[start:end]), cursor, true
}

func (c *qCase) matches(search string) bool {
	if strings.Contains(strings.ToLower(c.Reference), search) || strings.Contains(strings.ToLower(c.ID), search) {
		return true
	}
	return c.Company != nil && (strings.Contains(strings.ToLower(c.Company.Name), search) || strings.Contains(c.Company.OrgNumber, search))
}

func (c *qCase) declarationDoc() map[string]any {
	return map[string]any{"publisher": quickrPublisher(), "prefills": nonNil(c.Prefills), "sections": sectionList(c.Sections), "declarations": nonNil(c.Declarations), "attachments": []any{}}
}

func quickrPublisher() map[string]any {
	return map[string]any{"name": "Merchantflow sandbox", "support_email": "support@example.test", "language": "en"}
}

func (s *Server) quickrGetDeclaration(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.quickr.cases[r.PathValue("cid")]
	var out map[string]any
	if ok && c.DeclarationID == r.PathValue("did") {
		out = c.declarationDoc()
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
	for _, d := range in.Declarations {
		if strings.TrimSpace(d.Type) == "" {
			writeQuickrError(w, http.StatusBadRequest, "validation_error", "every declaration needs a type")
			return
		}
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
		writeQErr(w, err)
		return
	}
	s.mu.Lock()
	out := c.declarationDoc()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// quickrApplyDeclaration merges declarations into the case; finish submits the form.
func (s *Server) quickrApplyDeclaration(caseID string, decls []typeData, finish bool) error {
	now := s.clock.Now()
	s.mu.Lock()
	c := s.quickr.cases[caseID]
	if c.Status == qArchived {
		s.mu.Unlock()
		return qConflict("case_archived", "case "+caseID+" is archived")
	}
	if finish && !c.DeclaredAt.IsZero() {
		s.mu.Unlock()
		return qConflict("declaration_finished", fmt.Sprintf("the declaration of case %s is already finished", caseID))
	}
	for _, d := range decls {
		c.setDeclaration(d)
	}
	c.UpdatedAt = now
	fx := &qFx{}
	if finish {
		c.DeclaredAt = now
		for _, d := range c.Declarations {
			if d.Type == "form_submitter" && len(d.Data) > 0 {
				c.FormSubmitter = d.Data[0]
			}
		}
		s.quickrEmitLocked(c, fx, "CASE_DECLARED", "", nil)
		s.quickrSetStatusLocked(c, fx, qProcessingDetails, "case_declared")
		if !c.hasCheck("signatory") || s.quickrNewContractLocked(c, fx, now) == nil {
			s.quickrStartChecksLocked(c, fx, now)
		}
	} else if c.Status == qFormNotStarted {
		s.quickrSetStatusLocked(c, fx, qFormInProgress, "declaration_updated")
	}
	s.mu.Unlock()
	s.quickrFlush(c, fx)
	return nil
}

// quickrStartChecksLocked marks the checks as running and has them finish after ChecksDelay.
func (s *Server) quickrStartChecksLocked(c *qCase, fx *qFx, now time.Time) {
	c.setChecksStatus("IN_PROGRESS", now)
	id := c.ID
	fx.later = append(fx.later, func() { s.step(s.cfg.ChecksDelay, func() { s.quickrChecksDone(id) }) })
}

// quickrChecksDone runs the checks and moves the case to READY_FOR_REVIEW.
func (s *Server) quickrChecksDone(caseID string) {
	now := s.clock.Now()
	s.mu.Lock()
	c := s.quickr.cases[caseID]
	if c == nil || c.Status != qProcessingDetails {
		s.mu.Unlock()
		return
	}
	fx := &qFx{}
	s.quickrRunChecksLocked(c, now)
	s.quickrEmitLocked(c, fx, "CASE_CHECKS_COMPLETED", "", nil)
	s.quickrSetStatusLocked(c, fx, qReadyForReview, "checks_completed")
	s.mu.Unlock()
	s.quickrFlush(c, fx)
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

func (c *qCase) declaration(typ string) []map[string]any {
	for _, d := range c.Declarations {
		if d.Type == typ {
			return d.Data
		}
	}
	return nil
}

func (c *qCase) prefill(typ string) []map[string]any {
	for _, d := range c.Prefills {
		if d.Type == typ {
			return d.Data
		}
	}
	return nil
}

// quickrSetStatusLocked changes the status and records CASE_STATUS_UPDATED; it reports
// whether the status changed.
func (s *Server) quickrSetStatusLocked(c *qCase, fx *qFx, status, reason string) bool {
	if c.Status == status {
		return false
	}
	now := s.clock.Now()
	c.Status, c.StatusUpdatedReason, c.StatusUpdatedAt, c.UpdatedAt = status, reason, now, now
	s.quickrEmitLocked(c, fx, "CASE_STATUS_UPDATED", status, nil)
	return true
}

// quickrEmitLocked records an event on the case and, unless it is CASE_CREATED or fx is
// nil, queues it as a webhook.
func (s *Server) quickrEmitLocked(c *qCase, fx *qFx, typ, sub string, contract map[string]any) qEvent {
	s.quickr.eventSeq++
	ev := qEvent{
		ID:           fmt.Sprintf("%s.event.%d", s.cfg.Credentials.QuickrAccountID, 1_000_000_000+s.quickr.eventSeq),
		Type:         typ,
		SubEventType: sub,
		CreatedAt:    s.clock.Now().Format(time.RFC3339Nano),
		CreatedBy:    "api.SANDBOX",
		Case:         c.summary(),
		Contract:     contract,
	}
	c.Events = append(c.Events, ev)
	if fx != nil && typ != "CASE_CREATED" {
		fx.hooks = append(fx.hooks, ev)
	}
	return ev
}

// quickrFlush sends the queued webhooks, then runs the follow-up work. Call without s.mu.
func (s *Server) quickrFlush(c *qCase, fx *qFx) {
	for i := range fx.hooks {
		s.quickrNotify(c, &fx.hooks[i])
	}
	for _, f := range fx.later {
		f()
	}
}

// quickrNotify sends the event to the case's callback URL.
func (s *Server) quickrNotify(c *qCase, ev *qEvent) {
	if ev == nil || c.CallbackURL == "" {
		return
	}
	s.hooks.send("quickr", c.CallbackURL, c.Reference, ev.Type, ev)
}

// quickrListEvents: GET /cases/{cid}/events, oldest first, type filter (repeated, like every
// array parameter of the seed; type[] is a 400), paginated.
func (s *Server) quickrListEvents(w http.ResponseWriter, r *http.Request) {
	now := s.clock.Now()
	s.mu.Lock()
	c, ok := s.quickr.cases[r.PathValue("cid")]
	var events []qEvent
	fx := &qFx{}
	if ok {
		s.quickrSweepLocked(c, fx, now)
		events = append(events, c.Events...)
	}
	s.mu.Unlock()
	if !ok {
		writeQuickrError(w, http.StatusNotFound, "case_not_found", "no case with id "+r.PathValue("cid"))
		return
	}
	s.quickrFlush(c, fx)
	if _, ok := r.URL.Query()["type[]"]; ok {
		writeQuickrError(w, http.StatusBadRequest, "validation_error", "type is an array parameter: repeat it (type=A&type=B), no []")
		return
	}
	if types := r.URL.Query()["type"]; len(types) > 0 {
		var kept []qEvent
		for _, e := range events {
			if contains(types, e.Type) {
				kept = append(kept, e)
			}
		}
		events = kept
	}
	page, cursor, ok := quickrPage(w, r, events, func(e qEvent) string { return e.ID })
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": page, "pagination": map[string]any{"cursor": cursor}})
}

// summary is the case summary carried by events and webhooks, the seed's fields only (no
// reference).
func (c *qCase) summary() map[string]any {
	return map[string]any{
		"id": c.ID, "status": c.Status, "risk_level": c.RiskLevel,
		"agent_determined_risk_level": c.AgentRisk, "agent_determined_status": c.AgentStatus,
	}
}

// doc renders the case details as GET /cases/{cid} returns them. Call with s.mu held.
func (c *qCase) doc(now time.Time) map[string]any {
	checks := make([]map[string]any, 0, len(c.Checks))
	for _, ch := range c.Checks {
		m := map[string]any{"type": ch.Type, "data": ch.Data}
		if ch.Options != nil {
			m["options"] = ch.Options
		}
		checks = append(checks, m)
	}
	var currentInfo, discoveries []map[string]any
	for _, p := range c.Prefills {
		currentInfo = append(currentInfo, map[string]any{"type": p.Type, "data": p.Data, "source_type": "discovery"})
	}
	for _, d := range c.Declarations {
		currentInfo = append(currentInfo, map[string]any{"type": d.Type, "data": d.Data, "source_type": "declaration"})
	}
	for _, d := range c.Discovered {
		currentInfo = append(currentInfo, map[string]any{"type": d.Type, "data": d.Data, "source_type": "discovery"})
		var refs []map[string]any
		for _, it := range d.Data {
			refs = append(refs, map[string]any{"id": it["id"], "created_at": it["created_at"], "created_by": it["created_by"]})
		}
		discoveries = append(discoveries, map[string]any{"type": d.Type, "data": nonNilMaps(refs)})
	}
	contracts := []map[string]any{}
	if c.Contract != nil {
		contracts = c.Contract.groups(c, now)
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
		"sections":                    c.sectionDocs(),
		"checks":                      checks,
		"prefills":                    nonNil(c.Prefills),
		"declarations":                nonNil(c.Declarations),
		"current_information":         nonNilMaps(currentInfo),
		"discoveries":                 nonNilMaps(discoveries),
		"automations":                 nonNilMaps(c.Automations),
		"urls":                        map[string]any{"callback_url": c.CallbackURL, "declaration_url": c.DeclarationURL},
		"metadata":                    c.Metadata,
		"risk_level":                  c.RiskLevel,
		"agent_determined_status":     c.AgentStatus,
		"agent_determined_risk_level": c.AgentRisk,
		"declaration_id":              c.DeclarationID,
		"contracts":                   contracts,
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
