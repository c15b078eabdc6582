// Package bankdata is the merchant's bank data as the app supplies it for the open-banking
// credit analysis: accounts and booked transactions, validated here, kept encrypted in a store
// shared by the gateway (which writes it) and the worker (which uploads it to the provider),
// and passed through Temporal only by reference, so no payload nears Temporal's size limit.
package bankdata

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
)

// Dataset is one upload: the merchant's accounts and their transactions.
type Dataset struct {
	Accounts     []Account     `json:"accounts"`
	Transactions []Transaction `json:"transactions"`
}

// Account is one of the merchant's bank accounts.
type Account struct {
	ID       string  `json:"id"` // the app's id, referenced by Transaction.AccountID
	Name     string  `json:"name,omitempty"`
	IBAN     string  `json:"iban,omitempty"`
	BIC      string  `json:"bic,omitempty"`
	Type     string  `json:"type,omitempty"`  // CHECKING, SAVINGS, ...
	Usage    string  `json:"usage,omitempty"` // PERSONAL or PROFESSIONAL
	Currency string  `json:"currency"`        // ISO 4217
	Balance  float64 `json:"balance"`
	// BalanceDate is the day the balance was read, YYYY-MM-DD.
	BalanceDate string `json:"balanceDate,omitempty"`
}

// Transaction is one booked transaction; a negative amount is a debit.
type Transaction struct {
	ID          string  `json:"id"`
	AccountID   string  `json:"accountId"`
	Amount      float64 `json:"amount"`
	Currency    string  `json:"currency"`
	Description string  `json:"description,omitempty"`
	Date        string  `json:"date"` // YYYY-MM-DD, booking date
	Category    string  `json:"category,omitempty"`
}

// Bounds of one upload. A year of a busy merchant's transactions fits; the body stays well
// under the gateway's upload limit (MaxBodyBytes).
const (
	MaxAccounts     = 20
	MaxTransactions = 50000
	MaxBodyBytes    = 16 << 20
	// MaxHistory is how far back a transaction may lie from the upload.
	MaxHistory = 400 * 24 * time.Hour
	maxText    = 200
	maxID      = 128
	maxAmount  = 1e12
)

var (
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
	ibanRE     = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$`)
	bicRE      = regexp.MustCompile(`^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$`)
)

// Problem is one field of an upload that is wrong.
type Problem struct {
	Field   string `json:"field"` // e.g. "transactions[3].date"
	Message string `json:"message"`
}

// Problems is every problem of an upload (at most maxProblems are listed).
type Problems []Problem

func (p Problems) Error() string {
	if len(p) == 0 {
		return "bank data is valid"
	}
	return fmt.Sprintf("bank data: %s %s (and %d more)", p[0].Field, p[0].Message, len(p)-1)
}

const maxProblems = 20

// Validate checks an upload made at now: sizes, ids, currencies (ISO 4217 shape, and each
// transaction in its account's currency), dates (YYYY-MM-DD, not after now, not older than
// MaxHistory), amounts (finite, at most two decimals, bounded). It returns Problems or nil.
func (d Dataset) Validate(now time.Time) error {
	var ps Problems
	add := func(field, format string, args ...any) {
		if len(ps) < maxProblems {
			ps = append(ps, Problem{field, fmt.Sprintf(format, args...)})
		}
	}
	switch {
	case len(d.Accounts) == 0:
		add("accounts", "must list at least one account")
	case len(d.Accounts) > MaxAccounts:
		add("accounts", "must list at most %d accounts", MaxAccounts)
	}
	switch {
	case len(d.Transactions) == 0:
		add("transactions", "must list at least one transaction")
	case len(d.Transactions) > MaxTransactions:
		add("transactions", "must list at most %d transactions", MaxTransactions)
	}
	if len(ps) > 0 {
		return ps
	}
	today := now.UTC().Format(time.DateOnly)
	oldest := now.Add(-MaxHistory).UTC().Format(time.DateOnly)
	currencyOf := map[string]string{}
	for i, a := range d.Accounts {
		f := "accounts[" + strconv.Itoa(i) + "]"
		checkID(add, f+".id", a.ID)
		if _, dup := currencyOf[a.ID]; dup {
			add(f+".id", "repeats an earlier account's id")
		}
		if !currencyRE.MatchString(a.Currency) {
			add(f+".currency", "must be an ISO 4217 code such as NOK")
		}
		currencyOf[a.ID] = a.Currency
		if a.IBAN != "" && !ibanRE.MatchString(a.IBAN) {
			add(f+".iban", "must be an IBAN (upper case, no spaces)")
		}
		if a.BIC != "" && !bicRE.MatchString(a.BIC) {
			add(f+".bic", "must be a BIC of 8 or 11 characters")
		}
		checkAmount(add, f+".balance", a.Balance)
		if a.BalanceDate != "" {
			checkDate(add, f+".balanceDate", a.BalanceDate, oldest, today)
		}
		for name, v := range map[string]string{"name": a.Name, "type": a.Type, "usage": a.Usage} {
			checkText(add, f+"."+name, v)
		}
	}
	seen := make(map[string]bool, len(d.Transactions))
	for i, t := range d.Transactions {
		f := "transactions[" + strconv.Itoa(i) + "]"
		checkID(add, f+".id", t.ID)
		if seen[t.ID] {
			add(f+".id", "repeats an earlier transaction's id")
		}
		seen[t.ID] = true
		cur, ok := currencyOf[t.AccountID]
		switch {
		case !ok:
			add(f+".accountId", "names no account of this upload")
		case t.Currency != cur:
			add(f+".currency", "must be its account's currency (%s)", cur)
		}
		checkAmount(add, f+".amount", t.Amount)
		checkDate(add, f+".date", t.Date, oldest, today)
		checkText(add, f+".description", t.Description)
		checkText(add, f+".category", t.Category)
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

func checkID(add func(string, string, ...any), field, id string) {
	if id == "" || len(id) > maxID {
		add(field, "must be 1 to %d characters", maxID)
	}
}

func checkText(add func(string, string, ...any), field, s string) {
	if len(s) > maxText {
		add(field, "must be at most %d characters", maxText)
	}
}

func checkAmount(add func(string, string, ...any), field string, v float64) {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= maxAmount:
		add(field, "must be a number below %g in size", maxAmount)
	case math.Abs(math.Round(v*100)-v*100) > 1e-6:
		add(field, "must have at most two decimals")
	}
}

func checkDate(add func(string, string, ...any), field, s, oldest, today string) {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		add(field, "must be a date YYYY-MM-DD")
		return
	}
	switch {
	case s > today:
		add(field, "must not be in the future")
	case s < oldest:
		add(field, "must be within the last %d days", int(MaxHistory.Hours()/24))
	}
}

// Summary describes an upload without its contents: what the workflow keeps.
type Summary struct {
	// Ref names the stored upload (Store.Get); it is the SHA-256 of its canonical form.
	Ref          string `json:"ref"`
	Accounts     int    `json:"accounts"`
	Transactions int    `json:"transactions"`
	// From and To are the first and last booking dates.
	From  string `json:"from"`
	To    string `json:"to"`
	Bytes int    `json:"bytes"`
}

// ErrNotFound is a reference the store does not hold.
var ErrNotFound = errors.New("bank data not found")

// summarise describes d, stored as ref in n bytes.
func summarise(d Dataset, ref string, n int) Summary {
	s := Summary{Ref: ref, Accounts: len(d.Accounts), Transactions: len(d.Transactions), Bytes: n}
	for _, t := range d.Transactions {
		if s.From == "" || t.Date < s.From {
			s.From = t.Date
		}
		if t.Date > s.To {
			s.To = t.Date
		}
	}
	return s
}
