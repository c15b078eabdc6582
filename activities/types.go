package activities

import "github.com/merchantflow/onboarding/api"

// The activities' results that become the onboarding's evidence and status, and the
// notifications to the app, are the api package's (aliased here): clients read them without
// importing the activities.
type (
	Company              = api.Company
	Person               = api.Person
	CaseSnapshot         = api.CaseSnapshot
	PriorKYC             = api.PriorKYC
	PriorCase            = api.PriorCase
	ContractState        = api.ContractState
	ContractEntry        = api.ContractEntry
	IDVResult            = api.IDVResult
	CreditAnalysisResult = api.CreditAnalysisResult
	CreditTermsResult    = api.CreditTermsResult
	Evaluation           = api.Evaluation
	CheckResult          = api.CheckResult
	FlagFound            = api.FlagFound
	RecordDecisionInput  = api.RecordDecisionInput
	Notification         = api.Notification
)

// Evidence and notification constants (api).
const (
	PriorKYCFound       = api.PriorKYCFound
	PriorKYCNone        = api.PriorKYCNone
	PriorKYCUnavailable = api.PriorKYCUnavailable

	ContractNone     = api.ContractNone
	ContractUnsigned = api.ContractUnsigned
	ContractSigned   = api.ContractSigned
	ContractExpired  = api.ContractExpired
	ContractRejected = api.ContractRejected
	ContractClosed   = api.ContractClosed

	IDVCompleted = api.IDVCompleted
	IDVFailed    = api.IDVFailed
	IDVExpired   = api.IDVExpired

	NotifyDeclarationURL       = api.NotifyDeclarationURL
	NotifyReminder             = api.NotifyReminder
	NotifyContractRenewed      = api.NotifyContractRenewed
	NotifyBankDataRequested    = api.NotifyBankDataRequested
	NotifyBankDataReminder     = api.NotifyBankDataReminder
	NotifyIdentityVerification = api.NotifyIdentityVerification
	NotifyReviewNeeded         = api.NotifyReviewNeeded
	NotifyReviewOverdue        = api.NotifyReviewOverdue
	NotifyFinished             = api.NotifyFinished
)

// CreateCaseInput creates (or finds) the merchant's KYC case.
type CreateCaseInput struct {
	// Reference is the onboarding's workflow ID; it is the case's reference and what makes a
	// retried create find the case it already made.
	Reference string  `json:"reference"`
	Company   Company `json:"company"`
	Contact   Person  `json:"contact"`
}

// CaseRef names a case.
type CaseRef struct {
	CaseID    string `json:"caseId"`
	Reference string `json:"reference,omitempty"`
}
