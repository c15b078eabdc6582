// Package seeddata is the Quickr guide's sandbox test data (providers.md 2.15): the test
// companies, persons, bank accounts, websites and credit grades. Quickr shows it only to test
// accounts (TQ...); the other simulators borrow its companies (Creditro's prior cases, the
// person IDV verifies).
package seeddata

import "sort"

// TestPerson is a board member, UBO or declarable person.
type TestPerson struct {
	Name      string
	BirthDate string // the seed gives only a year for some UBOs
	Title     string
	PEP       bool
	Sanction  bool
}

// TestCompany is one of the four documented test companies.
type TestCompany struct {
	OrgNumber string
	Country   string
	Name      string
	// Status is the API value. The seed's "Bankrupt" becomes FORCED_LIQUIDATION (the API value
	// the seed lists) and "InActive" becomes INACTIVE.
	Status      string
	EntityType  string // AS or ENK (sole proprietorship)
	Sanction    bool
	CreditGrade string
	// RegistrationDate is a sandbox choice (the seed gives none). It is served where the seed
	// documents registry dates, the company section's additional_data (registration_date and
	// incorporation_date), never in the company prefill, whose documented fields have none.
	RegistrationDate string
	Address          string
	PostalCode       string
	City             string
	Board            []TestPerson
	UBOs             []TestPerson
}

// Active reports whether the registry shows the company as active.
func (c TestCompany) Active() bool { return c.Status == "ACTIVE" }

// SoleProprietorship reports whether UBO checks are unsupported for the company type.
func (c TestCompany) SoleProprietorship() bool { return c.EntityType == "ENK" }

// TestCompanies are keyed by organisation number (all NO).
var TestCompanies = map[string]TestCompany{
	"987654321": {
		OrgNumber: "987654321", Country: "NO", Name: "Ragnarok AS", Status: "ACTIVE", EntityType: "AS",
		CreditGrade: "A", RegistrationDate: "2012-05-10", Address: "Kattegat 1", PostalCode: "0150", City: "Oslo",
		Board: []TestPerson{
			{Name: "Ragnar Lothbrok", BirthDate: "1980-01-01", Title: "CEO"},
			{Name: "Lagertha Shieldmaiden", BirthDate: "1982-04-15", Title: "Chairperson"},
			{Name: "Bjorn Ironside", BirthDate: "1960-07-25", Title: "Board member"},
		},
		UBOs: []TestPerson{
			{Name: "Ragnar Lothbrok", BirthDate: "1980", Title: "CEO"},
			{Name: "Lagertha Shieldmaiden", BirthDate: "1982", Title: "Chairperson"},
		},
	},
	"123456789": {
		OrgNumber: "123456789", Country: "NO", Name: "Floki Shipbuilders", Status: "ACTIVE", EntityType: "ENK",
		CreditGrade: "B", RegistrationDate: "2019-08-15", Address: "Fjordveien 7", PostalCode: "5003", City: "Bergen",
		Board: []TestPerson{{Name: "Floki Vilgerdarson", BirthDate: "1982-01-01", Title: "CEO"}},
	},
	"987123654": {
		OrgNumber: "987123654", Country: "NO", Name: "Ecbert Holdings AS", Status: "FORCED_LIQUIDATION", EntityType: "AS",
		Sanction: true, CreditGrade: "C", RegistrationDate: "2008-01-20", Address: "Wessex gate 3", PostalCode: "7010", City: "Trondheim",
		Board: []TestPerson{
			{Name: "Ecbert Sigurdson", BirthDate: "1980-01-01", Title: "CEO", PEP: true},
			{Name: "Aethelwulf Sigurdson", BirthDate: "1982-04-15", Title: "Chairperson", PEP: true, Sanction: true},
			{Name: "Aethelred Sigurdson", BirthDate: "1960-07-25", Title: "Board member", Sanction: true},
		},
		UBOs: []TestPerson{
			{Name: "Ecbert Sigurdson", BirthDate: "1980-01-01", Title: "CEO", PEP: true},
			{Name: "Aethelwulf Sigurdson", BirthDate: "1982-04-15", Title: "Chairperson", PEP: true, Sanction: true},
		},
	},
	"159753468": {
		OrgNumber: "159753468", Country: "NO", Name: "ROLLO THE WARRIOR", Status: "INACTIVE", EntityType: "ENK",
		Sanction: true, CreditGrade: "E", RegistrationDate: "2016-11-03", Address: "Normandigata 9", PostalCode: "4006", City: "Stavanger",
		Board: []TestPerson{{Name: "Rollo Lothbrok", BirthDate: "1979-01-01", Title: "CEO", Sanction: true}},
	},
}

// TestPersons are the guide's persons for declaring signatories and UBOs.
var TestPersons = map[string]TestPerson{
	"Ivar Ragnarsson":     {Name: "Ivar Ragnarsson", BirthDate: "1990-02-10", Title: "CEO", PEP: true, Sanction: true},
	"Ubbe Ragnarsson":     {Name: "Ubbe Ragnarsson", BirthDate: "1992-04-15", Title: "Chairperson", PEP: true},
	"Hvitserk Ragnarsson": {Name: "Hvitserk Ragnarsson", BirthDate: "1995-07-25", Title: "Board member", Sanction: true},
}

// ValidBankAccounts are the NO account numbers the bank_account check accepts; any other fails.
var ValidBankAccounts = map[string]bool{
	"24681357902": true, "13579246801": true, "12345678901": true, "98765432101": true,
}

// TestWebsites maps a website to the flag the website check raises.
var TestWebsites = map[string]string{
	"https://traffic-update.test":      "TRAFFIC_UPDATED",
	"https://mcc-update.test":          "MERCHANT_CATEGORY_CODE_UPDATED",
	"https://too-many-redirects.test":  "TOO_MANY_REDIRECTS",
	"https://website-unreachable.test": "WEBSITE_UNREACHABLE",
	"https://redirected.test":          "REDIRECTED",
}

// CreditScores maps grades to numeric values (sandbox choice: the seed shows A = 100 only).
var CreditScores = map[string]int{"A": 100, "B": 75, "C": 45, "D": 30, "E": 15}

// PaymentRemarkGrades are the grades whose companies have payment remarks (sandbox choice:
// the two weakest test grades, C and E).
var PaymentRemarkGrades = map[string]bool{"C": true, "E": true}

// CreditLimits is the credit limit (NOK) reported per grade (sandbox choice; the seed's one
// example is 10000).
var CreditLimits = map[string]int{"A": 500000, "B": 100000, "C": 10000, "D": 5000, "E": 0}

// TestWebsiteRedirects are the redirect chains the seed documents for two test websites.
var TestWebsiteRedirects = map[string][]string{
	"https://too-many-redirects.test": {
		"https://too-many-redirects.test/redirect1",
		"https://too-many-redirects.test/redirect2",
		"https://too-many-redirects.test/redirect3",
	},
	"https://redirected.test": {"https://another-site.test/"},
}

// CompanyOrgs are the test companies' organisation numbers, sorted, so a walk over them is
// the same in every run.
func CompanyOrgs() []string {
	orgs := make([]string, 0, len(TestCompanies))
	for org := range TestCompanies {
		orgs = append(orgs, org)
	}
	sort.Strings(orgs)
	return orgs
}
