package activities

import "github.com/merchantflow/onboarding/api"

// CreateCaseInput creates (or finds) the merchant's KYC case.
type CreateCaseInput struct {
	// Reference is the onboarding's workflow ID; it is the case's reference and what makes a
	// retried create find the case it already made.
	Reference string      `json:"reference"`
	Company   api.Company `json:"company"`
	Contact   api.Person  `json:"contact"`
}

// CaseRef names a case.
type CaseRef struct {
	CaseID    string `json:"caseId"`
	Reference string `json:"reference,omitempty"`
}
