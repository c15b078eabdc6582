package api

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

// Credit is what the merchant asks for.
type Credit struct {
	Amount     float64 `json:"amount"`
	Currency   string  `json:"currency,omitempty"`
	PeriodDays int     `json:"periodDays,omitempty"` // 30, 60 or 90
}

// OnboardingInput starts an onboarding.
type OnboardingInput struct {
	Company Company `json:"company"`
	Contact Person  `json:"contact"`
	Address string  `json:"address,omitempty"`
	Credit  Credit  `json:"credit"`
	Policy  Policy  `json:"policy"`
}
