package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// Open-banking credit decisioning imitation, served under /openbanking. Every path and shape
// here is a sandbox convention ([SBX] in providers.md §6): the seed's code samples were
// stripped.
//
// Sandbox choices (also in the README):
//   - POST /openbanking/oauth/token takes client_id and client_secret as a form, JSON or HTTP
//     Basic, and returns {access_token, token_type: "Bearer", expires_in: 3600};
//   - POST /customers {customIdentifier} -> 201 {id, customIdentifier, createdAt}; a second one
//     with the same customIdentifier -> 422; GET /customers?customIdentifier= -> {"data":[...]};
//   - POST /customers/{id}/analyses {accounts, transactions} -> 202 {id, status: IN_PROGRESS};
//     GET /customers/{id}/analyses/{analysisId} -> {id, status, scores, creditInsights}, the
//     last two once COMPLETED (automatically after Delays.Analysis, or on
//     POST /control/openbanking/analyses/{ref}/finish in manual mode);
//   - scores.creditScore {value 0..1000, indicators} is 820 with no indicators for the good
//     profile and 310 with four raised indicators for the risky one. An analysis is risky
//     when its upload reads so (more spent than earned, an account overdrawn, or a
//     transaction categorised GAMBLING, DEBT_COLLECTION or UNPAID_DIRECT_DEBIT), or its
//     customer is: a customIdentifier containing "risky", or after POST
//     /control/openbanking/customers/{ref}/profile {"profile":"risky"}; a finish call may also
//     name the profile. creditInsights are computed from the uploaded transactions;
//   - GET /customers/{id}/analyses -> {"data":[analysis...]}, oldest first (404 for an unknown
//     customer), so a client can find the analysis it started before a lost response;
//   - errors are {"code", "message"}; token errors are OAuth's {error, error_description}.
//   - no completion webhook (its configuration is undocumented).

const obTokenTTL = time.Hour

type obState struct {
	tokens    map[string]time.Time // access token -> expiry
	customers map[string]*obCustomer
	byIdent   map[string]string // customIdentifier -> customer id
	analyses  map[string]*obAnalysis
	order     []string // analysis ids, oldest first
	seq       int
}

type obCustomer struct {
	ID, CustomIdentifier string
	CreatedAt            time.Time
	Risky                bool
}

type obAnalysis struct {
	ID, CustomerID, Status string
	CreatedAt              time.Time
	Accounts               int
	Income, Expenses       float64
	Currency               string
	Months                 int
	Risky                  bool // decided when it completes
	// DataRisky: the upload itself reads risky (more spent than earned, an overdrawn
	// account, gambling, debt collection or unpaid direct debits).
	DataRisky bool
}

type obAccount struct {
	ID       string  `json:"id"`
	Currency string  `json:"currency"`
	Balance  float64 `json:"balance"`
}

type obTransaction struct {
	AccountID string  `json:"accountId"`
	Amount    float64 `json:"amount"`
	Currency  string  `json:"currency"`
	Date      string  `json:"date"`
	Category  string  `json:"category"`
}

// obRiskyCategories are transaction categories that make an upload read risky.
var obRiskyCategories = map[string]bool{"GAMBLING": true, "DEBT_COLLECTION": true, "UNPAID_DIRECT_DEBIT": true}

func (s *Server) mountOpenBanking() {
	s.openbanking = &obState{
		tokens: map[string]time.Time{}, customers: map[string]*obCustomer{}, byIdent: map[string]string{},
		analyses: map[string]*obAnalysis{},
	}
	s.handle("openbanking", "POST /openbanking/oauth/token", s.obToken)
	s.handle("openbanking", "POST /openbanking/customers", s.obAuth(s.obCreateCustomer))
	s.handle("openbanking", "GET /openbanking/customers", s.obAuth(s.obListCustomers))
	s.handle("openbanking", "GET /openbanking/customers/{id}", s.obAuth(s.obGetCustomer))
	s.handle("openbanking", "POST /openbanking/customers/{id}/analyses", s.obAuth(s.obCreateAnalysis))
	s.handle("openbanking", "GET /openbanking/customers/{id}/analyses", s.obAuth(s.obListAnalyses))
	s.handle("openbanking", "GET /openbanking/customers/{id}/analyses/{analysisId}", s.obAuth(s.obGetAnalysis))

	s.mux.HandleFunc("POST /control/openbanking/customers/{ref}/profile", s.obControlProfile)
	s.mux.HandleFunc("GET /control/openbanking/analyses/{ref}", s.obControlGet)
	s.mux.HandleFunc("POST /control/openbanking/analyses/{ref}/finish", s.obControlFinish)
}

func writeOBError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"code": code, "message": msg})
}

// obToken: client credentials as a form, JSON or Basic auth.
func (s *Server) obToken(w http.ResponseWriter, r *http.Request) {
	var id, secret, grant string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var in struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
			GrantType    string `json:"grant_type"`
		}
		if err := readJSON(r, &in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "body is not valid JSON"})
			return
		}
		id, secret, grant = in.ClientID, in.ClientSecret, in.GrantType
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
		if err := r.ParseForm(); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "body is not a form"})
			return
		}
		id, secret, grant = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), r.PostForm.Get("grant_type")
	}
	if u, p, ok := r.BasicAuth(); ok && id == "" {
		id, secret = u, p
	}
	if grant != "" && grant != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "only client_credentials is supported"})
		return
	}
	if id != s.cfg.Credentials.OpenBankingClientID || secret != s.cfg.Credentials.OpenBankingSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "unknown client_id or wrong client_secret"})
		return
	}
	s.mu.Lock()
	tok := fmt.Sprintf("obtok_%08x%08x", s.intn(1<<31), s.intn(1<<31))
	s.openbanking.tokens[tok] = s.clock.Now().Add(obTokenTTL)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(obTokenTTL / time.Second)})
}

func (s *Server) obAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		exp, ok := s.openbanking.tokens[bearer(r)]
		s.mu.Unlock()
		if !ok || !s.clock.Now().Before(exp) {
			writeOBError(w, http.StatusUnauthorized, "UNAUTHORIZED", "access token missing, unknown or expired")
			return
		}
		h(w, r)
	}
}

func (c *obCustomer) doc() map[string]any {
	return map[string]any{"id": c.ID, "customIdentifier": c.CustomIdentifier, "createdAt": c.CreatedAt.UTC().Format(time.RFC3339)}
}

func (s *Server) obCreateCustomer(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CustomIdentifier string `json:"customIdentifier"`
	}
	if err := readJSON(r, &in); err != nil {
		writeOBError(w, http.StatusBadRequest, "INVALID_REQUEST", "body is not valid JSON: "+err.Error())
		return
	}
	if strings.TrimSpace(in.CustomIdentifier) == "" {
		writeOBError(w, http.StatusBadRequest, "INVALID_REQUEST", "customIdentifier is required")
		return
	}
	s.mu.Lock()
	if _, dup := s.openbanking.byIdent[in.CustomIdentifier]; dup {
		s.mu.Unlock()
		writeOBError(w, http.StatusUnprocessableEntity, "CUSTOMER_ALREADY_EXISTS", "a customer with customIdentifier "+in.CustomIdentifier+" already exists")
		return
	}
	s.openbanking.seq++
	c := &obCustomer{
		ID:               fmt.Sprintf("cus_%06d", s.openbanking.seq),
		CustomIdentifier: in.CustomIdentifier,
		CreatedAt:        s.clock.Now(),
		Risky:            strings.Contains(strings.ToLower(in.CustomIdentifier), "risky"),
	}
	s.openbanking.customers[c.ID] = c
	s.openbanking.byIdent[c.CustomIdentifier] = c.ID
	doc := c.doc()
	s.mu.Unlock()
	s.counters.Add(c.CustomIdentifier, CountCustomers)
	writeJSON(w, http.StatusCreated, doc)
}

// obListCustomers: GET /customers[?customIdentifier=] -> {"data":[...]}
func (s *Server) obListCustomers(w http.ResponseWriter, r *http.Request) {
	ident := r.URL.Query().Get("customIdentifier")
	s.mu.Lock()
	data := []map[string]any{}
	if ident != "" {
		if id, ok := s.openbanking.byIdent[ident]; ok {
			data = append(data, s.openbanking.customers[id].doc())
		}
	} else {
		for i := 1; i <= s.openbanking.seq; i++ {
			if c, ok := s.openbanking.customers[fmt.Sprintf("cus_%06d", i)]; ok {
				data = append(data, c.doc())
			}
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

func (s *Server) obGetCustomer(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.openbanking.customers[r.PathValue("id")]
	var doc map[string]any
	if ok {
		doc = c.doc()
	}
	s.mu.Unlock()
	if !ok {
		writeOBError(w, http.StatusNotFound, "CUSTOMER_NOT_FOUND", "no customer "+r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) obCreateAnalysis(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Accounts     []obAccount     `json:"accounts"`
		Transactions []obTransaction `json:"transactions"`
	}
	if err := readJSON(r, &in); err != nil {
		writeOBError(w, http.StatusBadRequest, "INVALID_REQUEST", "body must be {accounts, transactions}: "+err.Error())
		return
	}
	if len(in.Accounts) == 0 {
		writeOBError(w, http.StatusBadRequest, "INVALID_REQUEST", "accounts must not be empty")
		return
	}
	a := &obAnalysis{Status: "IN_PROGRESS", Accounts: len(in.Accounts), Currency: in.Accounts[0].Currency}
	months := map[string]bool{}
	for _, acc := range in.Accounts {
		a.DataRisky = a.DataRisky || acc.Balance < 0
	}
	for _, t := range in.Transactions {
		a.DataRisky = a.DataRisky || obRiskyCategories[strings.ToUpper(t.Category)]
		if t.Amount >= 0 {
			a.Income += t.Amount
		} else {
			a.Expenses -= t.Amount
		}
		if len(t.Date) >= 7 {
			months[t.Date[:7]] = true
		}
	}
	a.Months = max(len(months), 1)
	a.DataRisky = a.DataRisky || a.Expenses > a.Income

	s.mu.Lock()
	c, ok := s.openbanking.customers[r.PathValue("id")]
	if !ok {
		s.mu.Unlock()
		writeOBError(w, http.StatusNotFound, "CUSTOMER_NOT_FOUND", "no customer "+r.PathValue("id"))
		return
	}
	s.openbanking.seq++
	a.ID = fmt.Sprintf("an_%06d", s.openbanking.seq)
	a.CustomerID, a.CreatedAt = c.ID, s.clock.Now()
	s.openbanking.analyses[a.ID] = a
	s.openbanking.order = append(s.openbanking.order, a.ID)
	ident := c.CustomIdentifier
	s.mu.Unlock()

	s.counters.Add(ident, CountAnalyses)
	if s.cfg.Auto {
		id := a.ID
		s.after(s.cfg.Delays.Analysis, func() { _ = s.obFinish(id, "") })
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"id": a.ID, "status": "IN_PROGRESS"})
}

func (s *Server) obGetAnalysis(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a, ok := s.openbanking.analyses[r.PathValue("analysisId")]
	var doc map[string]any
	if ok && a.CustomerID == r.PathValue("id") {
		doc = a.doc()
	}
	s.mu.Unlock()
	if doc == nil {
		writeOBError(w, http.StatusNotFound, "ANALYSIS_NOT_FOUND", "no analysis "+r.PathValue("analysisId")+" for customer "+r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// obListAnalyses: GET /customers/{id}/analyses -> {"data":[...]}, oldest first.
func (s *Server) obListAnalyses(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	_, ok := s.openbanking.customers[id]
	data := []map[string]any{}
	for _, aid := range s.openbanking.order {
		if a := s.openbanking.analyses[aid]; a.CustomerID == id {
			data = append(data, a.doc())
		}
	}
	s.mu.Unlock()
	if !ok {
		writeOBError(w, http.StatusNotFound, "CUSTOMER_NOT_FOUND", "no customer "+id)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// obRiskIndicators are raised for the risky profile.
var obRiskIndicators = []string{"FREQUENT_OVERDRAFT", "GAMBLING_TRANSACTIONS", "UNPAID_DIRECT_DEBITS", "IRREGULAR_INCOME"}

// doc renders an analysis; scores and creditInsights only once COMPLETED. Call with s.mu held.
func (a *obAnalysis) doc() map[string]any {
	doc := map[string]any{"id": a.ID, "customerId": a.CustomerID, "status": a.Status, "createdAt": a.CreatedAt.UTC().Format(time.RFC3339)}
	if a.Status != "COMPLETED" {
		return doc
	}
	score, indicators, risk, overdraft := 820, []string{}, "LOW", 0
	if a.Risky {
		score, indicators, risk, overdraft = 310, obRiskIndicators, "HIGH", 41
	}
	round := func(f float64) float64 { return math.Round(f*100) / 100 }
	doc["scores"] = map[string]any{"creditScore": map[string]any{"value": score, "indicators": indicators}}
	doc["creditInsights"] = map[string]any{
		"riskLevel":             risk,
		"profile":               map[bool]string{false: "GOOD", true: "RISKY"}[a.Risky],
		"accountCount":          a.Accounts,
		"currency":              a.Currency,
		"totalIncome":           round(a.Income),
		"totalExpenses":         round(a.Expenses),
		"averageMonthlyIncome":  round(a.Income / float64(a.Months)),
		"averageMonthlyExpense": round(a.Expenses / float64(a.Months)),
		"overdraftDays":         overdraft,
	}
	return doc
}

// obFinish completes an analysis. profile "good" or "risky" overrides the customer's.
func (s *Server) obFinish(id, profile string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.openbanking.analyses[id]
	if !ok {
		return fmt.Errorf("no analysis %s", id)
	}
	if a.Status == "COMPLETED" {
		return fmt.Errorf("analysis %s is already COMPLETED", id)
	}
	a.Risky = s.openbanking.customers[a.CustomerID].Risky || a.DataRisky
	switch profile {
	case "risky":
		a.Risky = true
	case "good":
		a.Risky = false
	}
	a.Status = "COMPLETED"
	return nil
}

// obFindAnalysis resolves {ref}: an analysis id or, failing that, the newest analysis of the
// customer with that id or customIdentifier.
func (s *Server) obFindAnalysis(ref string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.openbanking.analyses[ref]; ok {
		return ref, true
	}
	cust := ref
	if id, ok := s.openbanking.byIdent[ref]; ok {
		cust = id
	}
	for i := len(s.openbanking.order) - 1; i >= 0; i-- {
		if a := s.openbanking.analyses[s.openbanking.order[i]]; a.CustomerID == cust {
			return a.ID, true
		}
	}
	return "", false
}

// obControlGet: GET /control/openbanking/analyses/{ref}
func (s *Server) obControlGet(w http.ResponseWriter, r *http.Request) {
	id, ok := s.obFindAnalysis(r.PathValue("ref"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no analysis for " + r.PathValue("ref")})
		return
	}
	s.mu.Lock()
	doc := s.openbanking.analyses[id].doc()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, doc)
}

// obControlFinish: POST /control/openbanking/analyses/{ref}/finish [{"profile":"good"|"risky"}]
func (s *Server) obControlFinish(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Profile string `json:"profile"`
	}
	if err := readJSON(r, &in); err != nil || (in.Profile != "" && in.Profile != "good" && in.Profile != "risky") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be empty or {"profile": "good"|"risky"}`})
		return
	}
	id, ok := s.obFindAnalysis(r.PathValue("ref"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no analysis for " + r.PathValue("ref")})
		return
	}
	if err := s.obFinish(id, in.Profile); err != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		return
	}
	s.obControlGet(w, r)
}

// obControlProfile: POST /control/openbanking/customers/{ref}/profile {"profile":"good"|"risky"}
// sets the profile of a customer (id or customIdentifier) for analyses that finish later.
func (s *Server) obControlProfile(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Profile string `json:"profile"`
	}
	if err := readJSON(r, &in); err != nil || (in.Profile != "good" && in.Profile != "risky") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"profile": "good"|"risky"}`})
		return
	}
	ref := r.PathValue("ref")
	s.mu.Lock()
	c, ok := s.openbanking.customers[ref]
	if !ok {
		if id, found := s.openbanking.byIdent[ref]; found {
			c, ok = s.openbanking.customers[id], true
		}
	}
	var doc map[string]any
	if ok {
		c.Risky = in.Profile == "risky"
		doc = c.doc()
		doc["profile"] = in.Profile
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no customer with id or customIdentifier " + ref})
		return
	}
	writeJSON(w, http.StatusOK, doc)
}
