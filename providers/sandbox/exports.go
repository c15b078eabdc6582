package sandbox

import (
	"encoding/json"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/app"
	"github.com/merchantflow/onboarding/providers/sandbox/core"
	"github.com/merchantflow/onboarding/providers/sandbox/creditro"
	"github.com/merchantflow/onboarding/providers/sandbox/deepidv"
	"github.com/merchantflow/onboarding/providers/sandbox/idv"
	"github.com/merchantflow/onboarding/providers/sandbox/openbanking"
	"github.com/merchantflow/onboarding/providers/sandbox/quickr"
	"github.com/merchantflow/onboarding/providers/sandbox/seeddata"
)

// The names the engine's tests, the bench and the chaos suite use, kept in one place so they
// need not know which simulator or core file holds each.

// Time, faults, counters and the delivery log (package core).
type (
	Clock       = core.Clock
	RealClock   = core.RealClock
	ManualClock = core.ManualClock
	Fault       = core.Fault
	Counters    = core.Counters
	Delivery    = core.Delivery
	InboxEvent  = core.InboxEvent
)

// NewManualClock starts a manual clock at t.
func NewManualClock(t time.Time) *ManualClock { return core.NewManualClock(t) }

// Side-effect kinds counted per reference, by the simulator that counts them.
const (
	CountCases           = quickr.CountCases
	CountContractsReopen = quickr.CountContractsReopen
	CountContractsNew    = quickr.CountContractsNew
	CountDecisions       = quickr.CountDecisions
	CountNotes           = quickr.CountNotes
	CountArchived        = quickr.CountArchived
	CountIDVSessions     = idv.CountSessions
	// CountIDVOpened counts the sessions a person opened with their token (each once).
	CountIDVOpened   = idv.CountOpened
	CountCustomers   = openbanking.CountCustomers
	CountAnalyses    = openbanking.CountAnalyses
	CountCreditTerms = deepidv.CountCreditTerms
)

// Provider API requests are counted by route: the provider's name and the route pattern.
// RequestQuickrListCases is the case list the reconciler sweeps; RequestQuickrGetCase one
// read of one case.
const (
	RequestQuickrListCases = quickr.RequestListCases
	RequestQuickrGetCase   = quickr.RequestGetCase
)

// IDVPerson is the person a control call completes a session for.
type IDVPerson = idv.Person

// CreditroToken mints a sandbox Creditro API token for customerID (zero exp: never expires).
func CreditroToken(customerID string, exp time.Time) string { return creditro.Token(customerID, exp) }

// SampleBankData is one of the app's shipped datasets ("good" or "risky") with its dates
// moved so that its asOf day is the day of now.
func SampleBankData(profile string, now time.Time) (json.RawMessage, error) {
	return app.SampleBankData(profile, now)
}

// The seed's test data (package seeddata).
type (
	TestCompany = seeddata.TestCompany
	TestPerson  = seeddata.TestPerson
)

// The seed's test data (package seeddata).
var (
	TestCompanies        = seeddata.TestCompanies
	TestPersons          = seeddata.TestPersons
	ValidBankAccounts    = seeddata.ValidBankAccounts
	TestWebsites         = seeddata.TestWebsites
	TestWebsiteRedirects = seeddata.TestWebsiteRedirects
	CreditScores         = seeddata.CreditScores
	PaymentRemarkGrades  = seeddata.PaymentRemarkGrades
	CreditLimits         = seeddata.CreditLimits
)
