package activities

import (
	"context"
	"errors"
	"math"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/bankdata"
	"github.com/merchantflow/onboarding/providers/openbanking"
)

// StartCreditAnalysis starts the merchant's open-banking credit analysis, once per Reference:
// the customer is created with customIdentifier = Reference (a 422 means it exists and is
// looked up), an analysis the customer already has is reused (the newest one that did not
// fail), and only then is one created from the accounts and transactions the merchant's app
// uploaded (BankDataRef, read from the bank-data store). There is no other data: without an
// upload the analysis does not run (non-retryable BankDataMissing), so no credit decision
// rests on data nobody supplied.
func (a *Activities) StartCreditAnalysis(ctx context.Context, in CreditAnalysisInput) (*CreditAnalysisRef, error) {
	if in.Reference == "" || in.Company.OrgNumber == "" {
		return nil, invalidInput("reference and company orgNumber are required")
	}
	if in.BankDataRef == "" {
		return nil, temporal.NewNonRetryableApplicationError("no bank data was uploaded for this onboarding: the credit analysis runs only on the merchant's own data", ErrBankDataMissing, nil)
	}
	if a.OpenBanking == nil {
		return nil, notConfigured("openbanking")
	}
	if a.BankData == nil {
		return nil, notConfigured("bank data store (ONBOARDING_BANK_DATA_DIR)")
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
	data, err := a.BankData.Get(ctx, in.BankDataRef)
	switch {
	case errors.Is(err, bankdata.ErrNotFound):
		return nil, temporal.NewNonRetryableApplicationError("the uploaded bank data "+in.BankDataRef+" is not in the bank-data store", ErrBankDataMissing, err)
	case err != nil:
		return nil, err // the store's trouble (a mount, a key): retried
	}
	an, err := a.OpenBanking.CreateAnalysis(ctx, cust.ID, analysisInput(data))
	if err != nil {
		return nil, providerError(err)
	}
	return &CreditAnalysisRef{CustomerID: cust.ID, AnalysisID: an.ID}, nil
}

// analysisInput is the upload in the provider's "Account and Transactions upload" shape.
func analysisInput(d bankdata.Dataset) openbanking.AnalysisInput {
	out := openbanking.AnalysisInput{
		Accounts:     make([]openbanking.Account, len(d.Accounts)),
		Transactions: make([]openbanking.Transaction, len(d.Transactions)),
	}
	for i, ac := range d.Accounts {
		out.Accounts[i] = openbanking.Account{ID: ac.ID, Name: ac.Name, IBAN: ac.IBAN, BIC: ac.BIC, Type: ac.Type,
			Usage: ac.Usage, Currency: ac.Currency, Balance: ac.Balance}
		if ac.BalanceDate != "" {
			out.Accounts[i].BalanceDate = ac.BalanceDate + "T00:00:00Z"
		}
	}
	for i, t := range d.Transactions {
		out.Transactions[i] = openbanking.Transaction{ID: t.ID, AccountID: t.AccountID, Amount: t.Amount,
			Currency: t.Currency, Description: t.Description, Date: t.Date, Category: t.Category}
	}
	return out
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
func (a *Activities) AwaitCreditAnalysis(ctx context.Context, ref CreditAnalysisRef) (*api.CreditAnalysisResult, error) {
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
	return &api.CreditAnalysisResult{
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
