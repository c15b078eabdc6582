package activities

// Company identifies the merchant.
type Company struct {
	OrgNumber string `json:"orgNumber"`
	Country   string `json:"country"` // ISO 3166-1 alpha-2
	Name      string `json:"name,omitempty"`
}

// Person is a contact, signatory or form submitter.
type Person struct {
	Name      string `json:"name,omitempty"`
	Email     string `json:"email,omitempty"`
	BirthDate string `json:"birthDate,omitempty"`
	Title     string `json:"title,omitempty"`
}

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

// CaseSnapshot is what the engine keeps of a KYC case.
type CaseSnapshot struct {
	ID             string  `json:"id"`
	Reference      string  `json:"reference,omitempty"`
	Status         string  `json:"status"`
	RiskLevel      string  `json:"riskLevel,omitempty"`
	DeclarationURL string  `json:"declarationUrl,omitempty"`
	DeclaredAt     string  `json:"declaredAt,omitempty"`
	FormSubmitter  *Person `json:"formSubmitter,omitempty"`
	// Contract summarises the signing state (nil before the declaration).
	Contract *ContractState `json:"contract,omitempty"`
	// RemindersSent counts the reminders a waiting poll sent (see Reminders).
	RemindersSent int `json:"remindersSent,omitempty"`
	// Existing is true when the case was found by its reference instead of created.
	Existing bool `json:"existing,omitempty"`
}

// Declared reports whether the merchant has submitted the declaration.
func (c *CaseSnapshot) Declared() bool { return c != nil && c.DeclaredAt != "" }
