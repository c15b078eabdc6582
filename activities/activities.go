package activities

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/merchantflow/onboarding/automation"
	"github.com/merchantflow/onboarding/internal/bankdata"
	"github.com/merchantflow/onboarding/internal/callback"
	"github.com/merchantflow/onboarding/providers/creditro"
	"github.com/merchantflow/onboarding/providers/deepidv"
	"github.com/merchantflow/onboarding/providers/idv"
	"github.com/merchantflow/onboarding/providers/openbanking"
	"github.com/merchantflow/onboarding/providers/quickr"
)

// QuickrAPI is the part of the Quickr client the activities use.
type QuickrAPI interface {
	CreateCase(ctx context.Context, in quickr.CaseCreate) (*quickr.Case, error)
	GetCase(ctx context.Context, caseID string) (*quickr.Case, error)
	FindCaseByReference(ctx context.Context, ref string) (*quickr.Case, error)
	ListCases(ctx context.Context, p quickr.ListCasesParams) (*quickr.CaseList, error)
	ReopenContract(ctx context.Context, caseID, contractID string) (*quickr.ContractDetails, error)
	AgentDecision(ctx context.Context, caseID string, d quickr.AgentDecision) (*quickr.Case, error)
	CreateNote(ctx context.Context, caseID string, n quickr.Note) (*quickr.Note, error)
	ListNotes(ctx context.Context, caseID string, p quickr.PageParams) (*quickr.NoteList, error)
	GetAutomation(ctx context.Context, id string) (*quickr.Automation, error)
}

// CreditroAPI is the part of the Creditro client the activities use.
type CreditroAPI interface {
	KYCCases(ctx context.Context) ([]creditro.KYCCase, error)
}

// IDVAPI is the part of the session IDV client the activities use.
type IDVAPI interface {
	CreateSession(ctx context.Context, in idv.CreateSessionInput) (*idv.CreatedSession, error)
	GetSession(ctx context.Context, id int64) (*idv.Session, error)
}

// CreditTermsAPI is the part of the DeepIDV credit terms client the activities use.
type CreditTermsAPI interface {
	CreateCreditTerms(ctx context.Context, in deepidv.CreateInput) (*deepidv.CreateResult, error)
	GetCreditTerms(ctx context.Context, id string) (*deepidv.CreditTerms, error)
	FindByExternalID(ctx context.Context, externalID string) (*deepidv.CreditTerms, error)
}

// OpenBankingAPI is the part of the open-banking client the activities use.
type OpenBankingAPI interface {
	CreateCustomer(ctx context.Context, customIdentifier string) (*openbanking.Customer, bool, error)
	ListAnalyses(ctx context.Context, customerID string) ([]openbanking.Analysis, error)
	CreateAnalysis(ctx context.Context, customerID string, in openbanking.AnalysisInput) (*openbanking.Analysis, error)
	GetAnalysis(ctx context.Context, customerID, analysisID string) (*openbanking.Analysis, error)
}

// Activities are the engine's activities. Register a pointer to it with the worker; the
// workflows call its methods through a nil *Activities (var a *Activities).
//
// A nil provider client makes that provider's activities fail with a non-retryable
// NotConfigured error, except the prior-KYC lookup, which is evidence only and answers
// "unavailable".
// BankDataSource reads a stored bank-data upload by reference; bankdata.ErrNotFound when it
// holds none.
type BankDataSource interface {
	Get(ctx context.Context, ref string) (bankdata.Dataset, error)
}

type Activities struct {
	Quickr      QuickrAPI
	Creditro    CreditroAPI
	IDV         IDVAPI
	CreditTerms CreditTermsAPI // DeepIDV
	OpenBanking OpenBankingAPI

	// Temporal is the worker's own client, for the reconciler's sweep (SweepQuickrCases):
	// describe an onboarding, signal it. workerapp.New sets it; nil makes the sweep fail
	// NotConfigured.
	Temporal TemporalAPI

	// QuickrCallbackURL is the gateway's Quickr webhook route (…/webhooks/quickr); each case's
	// callback_url is it + "/" + a token from Callbacks naming the onboarding.
	QuickrCallbackURL string
	// IDVCallbackURL is the gateway's IDV webhook route (…/webhooks/idv), likewise per session.
	IDVCallbackURL string
	// Callbacks mints the callback URL tokens (internal/callback). Nil gives the providers the
	// routes as they are: the gateway's signed, reference-routed routes.
	Callbacks *callback.Keys

	// BankData reads the merchant's bank data the app uploaded (internal/bankdata's store,
	// shared with the gateway). Nil makes the credit analysis fail NotConfigured.
	BankData BankDataSource

	// Rules is the shipped rule set (automation.DefaultRules); EvaluateRules adds the Quickr
	// automations linked to the case on every evaluation.
	Rules []automation.Automation

	// NotifyURL is the app's notification endpoint; empty turns Notify into a no-op.
	NotifyURL string
	// NotifySecret signs notifications (HMAC-SHA256); never logged.
	NotifySecret []byte
	// NotifyHTTP sends notifications; nil means a client with a 10 s timeout.
	NotifyHTTP *http.Client

	// Now is the clock for reminders, contract expiry and company age; nil means time.Now.
	Now func() time.Time

	noNotifyURL sync.Once
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
