package openbanking

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
)

// Analyses of the uploaded accounts and transactions, and their scores.

type analysis struct {
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

type account struct {
	ID       string  `json:"id"`
	Currency string  `json:"currency"`
	Balance  float64 `json:"balance"`
}

type transaction struct {
	AccountID string  `json:"accountId"`
	Amount    float64 `json:"amount"`
	Currency  string  `json:"currency"`
	Date      string  `json:"date"`
	Category  string  `json:"category"`
}

// riskyCategories are transaction categories that make an upload read risky.
var riskyCategories = map[string]bool{"GAMBLING": true, "DEBT_COLLECTION": true, "UNPAID_DIRECT_DEBIT": true}

// riskIndicators are raised for the risky profile.
var riskIndicators = []string{"FREQUENT_OVERDRAFT", "GAMBLING_TRANSACTIONS", "UNPAID_DIRECT_DEBITS", "IRREGULAR_INCOME"}

func (s *Sim) createAnalysis(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Accounts     []account     `json:"accounts"`
		Transactions []transaction `json:"transactions"`
	}
	if err := core.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST", "body must be {accounts, transactions}: "+err.Error())
		return
	}
	if len(in.Accounts) == 0 {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST", "accounts must not be empty")
		return
	}
	a := &analysis{Status: "IN_PROGRESS", Accounts: len(in.Accounts), Currency: in.Accounts[0].Currency}
	months := map[string]bool{}
	for _, acc := range in.Accounts {
		a.DataRisky = a.DataRisky || acc.Balance < 0
	}
	for _, t := range in.Transactions {
		a.DataRisky = a.DataRisky || riskyCategories[strings.ToUpper(t.Category)]
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
	c, ok := s.customers[r.PathValue("id")]
	if !ok {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "CUSTOMER_NOT_FOUND", "no customer "+r.PathValue("id"))
		return
	}
	s.seq++
	a.ID = fmt.Sprintf("an_%06d", s.seq)
	a.CustomerID, a.CreatedAt = c.ID, s.core.Now()
	s.analyses[a.ID] = a
	s.order = append(s.order, a.ID)
	ident := c.CustomIdentifier
	s.mu.Unlock()

	s.core.Counters().Add(ident, CountAnalyses)
	if s.core.Auto() {
		id := a.ID
		s.core.After(s.cfg.Delay, func() { _ = s.finish(id, "") })
	}
	core.WriteJSON(w, http.StatusAccepted, map[string]any{"id": a.ID, "status": "IN_PROGRESS"})
}

func (s *Sim) getAnalysis(w http.ResponseWriter, r *http.Request) {
	cust, id := r.PathValue("id"), r.PathValue("analysisId")
	doc := core.Locked(&s.mu, func() map[string]any {
		if a, ok := s.analyses[id]; ok && a.CustomerID == cust {
			return a.doc()
		}
		return nil
	})
	core.WriteFound(w, doc, func(w http.ResponseWriter) {
		writeError(w, http.StatusNotFound, "ANALYSIS_NOT_FOUND", "no analysis "+id+" for customer "+cust)
	})
}

// listAnalyses: GET /customers/{id}/analyses -> {"data":[...]}, oldest first.
func (s *Sim) listAnalyses(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	_, ok := s.customers[id]
	data := []map[string]any{}
	for _, aid := range s.order {
		if a := s.analyses[aid]; a.CustomerID == id {
			data = append(data, a.doc())
		}
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "CUSTOMER_NOT_FOUND", "no customer "+id)
		return
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"data": data})
}

// doc renders an analysis; scores and creditInsights only once COMPLETED. Call with s.mu held.
func (a *analysis) doc() map[string]any {
	doc := map[string]any{"id": a.ID, "customerId": a.CustomerID, "status": a.Status, "createdAt": a.CreatedAt.UTC().Format(time.RFC3339)}
	if a.Status != "COMPLETED" {
		return doc
	}
	score, indicators, risk, overdraft := 820, []string{}, "LOW", 0
	if a.Risky {
		score, indicators, risk, overdraft = 310, riskIndicators, "HIGH", 41
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

// finish completes an analysis. profile "good" or "risky" overrides the customer's.
func (s *Sim) finish(id, profile string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.analyses[id]
	if !ok {
		return fmt.Errorf("no analysis %s", id)
	}
	if a.Status == "COMPLETED" {
		return fmt.Errorf("analysis %s is already COMPLETED", id)
	}
	a.Risky = s.customers[a.CustomerID].Risky || a.DataRisky
	switch profile {
	case "risky":
		a.Risky = true
	case "good":
		a.Risky = false
	}
	a.Status = "COMPLETED"
	return nil
}

// analysisRef resolves {ref}: an analysis id or, failing that, the newest analysis of the
// customer with that id or customIdentifier.
func (s *Sim) analysisRef() core.Lookup[string] {
	return core.Lookup[string]{Find: s.findAnalysis, Missing: "no analysis for "}
}

func (s *Sim) findAnalysis(ref string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cust := ref
	if id, ok := s.byIdent[ref]; ok {
		cust = id
	}
	return core.IDOrNewest(s.analyses, s.order, ref, func(a *analysis) bool { return a.CustomerID == cust })
}

// controlGet: GET /control/openbanking/analyses/{ref}
func (s *Sim) controlGet(w http.ResponseWriter, r *http.Request) {
	s.analysisRef().Show(func(id string) map[string]any {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.analyses[id].doc()
	})(w, r)
}

// controlFinish: POST /control/openbanking/analyses/{ref}/finish [{"profile":"good"|"risky"}]
func (s *Sim) controlFinish(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Profile string `json:"profile"`
	}
	if err := core.ReadJSON(r, &in); err != nil || (in.Profile != "" && in.Profile != "good" && in.Profile != "risky") {
		core.ControlError(w, http.StatusBadRequest, `body must be empty or {"profile": "good"|"risky"}`)
		return
	}
	s.analysisRef().Step(func(id string) error { return s.finish(id, in.Profile) }, s.controlGet)(w, r)
}
