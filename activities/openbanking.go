package activities

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/big"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/merchantflow/onboarding/providers/openbanking"
)

// StartCreditAnalysis starts the merchant's open-banking credit analysis, once per Reference:
// the customer is created with customIdentifier = Reference (a 422 means it exists and is
// looked up), an analysis the customer already has is reused (the newest one that did not
// fail), and only then is one created from the merchant's accounts and transactions.
//
// The engine has no bank connection yet, so the upload is sampleBankData: a small sample
// derived from the company alone (deterministic, no randomness), enough for the sandbox and
// for a demo. A real integration replaces it with the aggregator's data.
func (a *Activities) StartCreditAnalysis(ctx context.Context, in CreditAnalysisInput) (*CreditAnalysisRef, error) {
	if in.Reference == "" || in.Company.OrgNumber == "" {
		return nil, invalidInput("reference and company orgNumber are required")
	}
	if a.OpenBanking == nil {
		return nil, notConfigured("openbanking")
	}
	cust, _, err := a.OpenBanking.CreateCustomer(ctx, in.Reference)
	if err != nil {
		return nil, providerError(err)
	}
	existing, err := a.OpenBanking.ListAnalyses(ctx, cust.ID)
	if err != nil {
		return nil, providerError(err)
	}
	for i := len(existing) - 1; i >= 0; i-- {
		if an := existing[i]; an.ID != "" && !failedAnalysis(an.Status) {
			activity.GetLogger(ctx).Info("Credit analysis already exists", "analysisId", an.ID, "status", an.Status)
			return &CreditAnalysisRef{CustomerID: cust.ID, AnalysisID: an.ID}, nil
		}
	}
	an, err := a.OpenBanking.CreateAnalysis(ctx, cust.ID, sampleBankData(in.Company, a.now()))
	if err != nil {
		return nil, providerError(err)
	}
	return &CreditAnalysisRef{CustomerID: cust.ID, AnalysisID: an.ID}, nil
}

// failedAnalysis reports a status that will never complete. The seed names only COMPLETED;
// these are the usual spellings of a failure, kept defensively.
func failedAnalysis(status string) bool {
	switch strings.ToUpper(status) {
	case "FAILED", "ERROR", "CANCELLED", "CANCELED", "REJECTED", "EXPIRED":
		return true
	}
	return false
}

// AwaitCreditAnalysis polls the analysis until it is COMPLETED (StillWaiting before that,
// and also while a completed analysis still lacks its credit score). The provider's score is
// normalised to 0..100: value * 100 / openbanking.CreditScoreMax (the 0..1000 scale of the
// [SBX] reading, so the sandbox's 820 and 310 become 82 and 31), rounded to one decimal and
// clamped; that is the scale $.context.credit_analysis_score has in the rules.
func (a *Activities) AwaitCreditAnalysis(ctx context.Context, ref CreditAnalysisRef) (*CreditAnalysisResult, error) {
	if ref.CustomerID == "" || ref.AnalysisID == "" {
		return nil, invalidInput("customerId and analysisId are required")
	}
	if a.OpenBanking == nil {
		return nil, notConfigured("openbanking")
	}
	an, err := a.OpenBanking.GetAnalysis(ctx, ref.CustomerID, ref.AnalysisID)
	if err != nil {
		return nil, providerError(err)
	}
	if !an.Completed() {
		return nil, stillWaiting("credit analysis %s is %s", ref.AnalysisID, an.Status)
	}
	if an.Scores == nil || an.Scores.CreditScore == nil {
		return nil, stillWaiting("credit analysis %s is COMPLETED but has no credit score yet", ref.AnalysisID)
	}
	return &CreditAnalysisResult{
		AnalysisID: ref.AnalysisID,
		Score:      normaliseScore(an.Scores.CreditScore.Value),
		Indicators: an.Scores.CreditScore.Indicators,
		Insights:   an.CreditInsights,
	}, nil
}

// normaliseScore maps the provider's 0..CreditScoreMax score onto 0..100.
func normaliseScore(v float64) float64 {
	pct := v * 100 / openbanking.CreditScoreMax
	return math.Round(min(max(pct, 0), 100)*10) / 10
}

// currencies maps a country to the currency of the sample account.
var currencies = map[string]string{"NO": "NOK", "SE": "SEK", "DK": "DKK", "GB": "GBP", "CH": "CHF", "PL": "PLN"}

// sampleDays is how many days of transactions the sample covers (the seed's 90-day period).
const sampleDays = 90

// sampleBankData builds one business account and 90 days of transactions up to the day
// before now, all derived from the organisation number: the same company on the same day
// always uploads the same data.
func sampleBankData(c Company, now time.Time) openbanking.AnalysisInput {
	h := fnv.New64a()
	h.Write([]byte(strings.ToUpper(c.Country) + ":" + c.OrgNumber))
	seed := h.Sum64()
	country := strings.ToUpper(c.Country)
	if country == "" {
		country = "NO"
	}
	currency := currencies[country]
	if currency == "" {
		currency = "EUR"
	}
	// Monthly turnover 60 000 .. 180 000 in the account's currency, chosen by the seed.
	turnover := 60000 + float64(seed%120)*1000
	acct := openbanking.Account{
		ID:       "acc-" + c.OrgNumber,
		Name:     "Business account",
		IBAN:     sampleIBAN(country, c.OrgNumber),
		Type:     "CHECKING",
		Usage:    "PROFESSIONAL",
		Currency: currency,
	}
	end := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	var txs []openbanking.Transaction
	balance := turnover * 1.5
	add := func(day time.Time, amount float64, desc, category string) {
		amount = math.Round(amount*100) / 100
		balance += amount
		txs = append(txs, openbanking.Transaction{
			ID:          fmt.Sprintf("tx-%s-%03d", c.OrgNumber, len(txs)+1),
			AccountID:   acct.ID,
			Amount:      amount,
			Currency:    currency,
			Description: desc,
			Date:        day.Format(time.DateOnly),
			Category:    category,
		})
	}
	for i := sampleDays; i >= 1; i-- {
		day := end.AddDate(0, 0, -i)
		bits := seed >> (uint(i) % 60)
		switch {
		case i%3 == 0: // customer payments twice a week or so
			add(day, turnover/30*3*(0.8+float64(bits%9)/20), "Customer payment", "INCOME")
		case i%7 == 2:
			add(day, -turnover*0.08*(0.9+float64(bits%5)/20), "Supplier invoice", "SUPPLIERS")
		}
		switch i % 30 {
		case 5:
			add(day, -turnover*0.35, "Salaries", "PAYROLL")
		case 12:
			add(day, -turnover*0.10, "Office rent", "RENT")
		case 20:
			add(day, -turnover*0.04, "Tax and VAT", "TAXES")
		}
	}
	acct.Balance = math.Round(balance*100) / 100
	acct.BalanceDate = end.Format(time.RFC3339)
	return openbanking.AnalysisInput{Accounts: []openbanking.Account{acct}, Transactions: txs}
}

// sampleIBAN is an IBAN with valid ISO 7064 check digits whose 11-digit BBAN is the
// organisation number's digits padded with zeros (not a real account).
func sampleIBAN(country, org string) string {
	bban := digits(org)
	if len(bban) > 11 {
		bban = bban[:11]
	}
	bban += strings.Repeat("0", 11-len(bban))
	// Check digits: 98 - (BBAN + country letters as numbers + "00") mod 97.
	var num strings.Builder
	num.WriteString(bban)
	for _, r := range country + "00" {
		if r >= 'A' && r <= 'Z' {
			fmt.Fprintf(&num, "%d", r-'A'+10)
		} else {
			num.WriteRune(r)
		}
	}
	n, _ := new(big.Int).SetString(num.String(), 10)
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%s%02d%s", country, check, bban)
}
