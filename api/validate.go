package api

import (
	"math"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// FieldError is one problem with one input field, named by its JSON path.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every problem with an input; nothing was started.
type ValidationError struct {
	Fields []FieldError `json:"fields"`
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a problem with field.
func (e *ValidationError) Add(field, msg string) { e.Fields = append(e.Fields, FieldError{field, msg}) }

// OrNil returns e when it holds a problem, else nil.
func (e *ValidationError) OrNil() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// orgNumberFormats are the company-number formats of the countries Quickr serves, after
// spaces are removed. Only the shape is checked: the sandbox's documented test companies do
// not carry valid check digits, so a checksum rule would refuse them.
var orgNumberFormats = map[string]struct {
	re      *regexp.Regexp
	example string
	// dropDash: the number is the same without its dash, so NormalizeInput drops it.
	dropDash bool
}{
	"NO": {regexp.MustCompile(`^\d{9}$`), "9 digits, e.g. 987654321", false},
	"SE": {regexp.MustCompile(`^\d{6}-?\d{4}$`), "10 digits, e.g. 5561234567 or 556123-4567", true},
	"DK": {regexp.MustCompile(`^\d{8}$`), "8 digits (CVR), e.g. 12345678", false},
	"FI": {regexp.MustCompile(`^\d{7}-\d$`), "Business ID, e.g. 1234567-8", false},
}

// Currencies the credit providers are asked in.
var currencies = map[string]bool{"NOK": true, "SEK": true, "DKK": true, "EUR": true}

// echoLen bounds a value an error message echoes.
const echoLen = 64

// Input bounds. The amount bound keeps requests within what a credit provider takes seriously
// and far from float64 rounding.
const (
	maxAmount   = 1_000_000_000
	maxNameLen  = 200
	maxEmailLen = 254
	maxAddrLen  = 300
)

// NormalizeInput trims the input's strings and upper-cases codes, so the same merchant always
// maps to the same workflow ID: the company number loses its spaces ("987 654 321" is
// 987654321), and a Swedish one the dash its format allows (556123-4567 is 5561234567).
func NormalizeInput(in OnboardingInput) OnboardingInput {
	in.Company.OrgNumber = strings.Join(strings.Fields(in.Company.OrgNumber), "")
	in.Company.Country = strings.ToUpper(strings.TrimSpace(in.Company.Country))
	if f, ok := orgNumberFormats[in.Company.Country]; ok && f.dropDash && f.re.MatchString(in.Company.OrgNumber) {
		in.Company.OrgNumber = strings.ReplaceAll(in.Company.OrgNumber, "-", "")
	}
	in.Company.Name = strings.TrimSpace(in.Company.Name)
	in.Contact.Name = strings.TrimSpace(in.Contact.Name)
	in.Contact.Email = strings.TrimSpace(in.Contact.Email)
	in.Contact.Title = strings.TrimSpace(in.Contact.Title)
	in.Address = strings.TrimSpace(in.Address)
	in.Credit.Currency = strings.ToUpper(strings.TrimSpace(in.Credit.Currency))
	return in
}

// Timescale says which limits a start's policy is held to.
type Timescale int

const (
	// RealTime: every policy field within its row's limits (PolicyFields), as callers get.
	RealTime Timescale = iota
	// CompressedTime: the durations may go down to CompressedTimeMin, for the harnesses (tests,
	// bench, chaos) that play weeks in minutes; everything else is checked as in RealTime.
	CompressedTime
)

// ValidateInput is the one check of a start's input, normalized (NormalizeInput), field by
// field against what the providers accept: every problem is reported, not only the first. It
// returns a *ValidationError.
func ValidateInput(in OnboardingInput, ts Timescale) error {
	v := &ValidationError{}
	f, known := orgNumberFormats[in.Company.Country]
	switch {
	case in.Company.Country == "":
		v.Add("company.country", "is required (NO, SE, DK or FI)")
	case !known:
		v.Add("company.country", `must be one of NO, SE, DK, FI (ISO 3166-1 alpha-2), got "`+Clip(in.Company.Country, echoLen)+`"`)
	}
	// The number's format depends on the country; whether there is one does not.
	switch {
	case in.Company.OrgNumber == "":
		v.Add("company.orgNumber", "is required")
	case known && !f.re.MatchString(in.Company.OrgNumber):
		v.Add("company.orgNumber", "is not a "+in.Company.Country+" company number: expected "+f.example)
	}
	if len(in.Company.Name) > maxNameLen {
		v.Add("company.name", "must be at most 200 characters")
	}
	switch {
	case in.Contact.Name == "":
		v.Add("contact.name", "is required (the credit terms request is addressed to a person)")
	case len(in.Contact.Name) > maxNameLen:
		v.Add("contact.name", "must be at most 200 characters")
	}
	switch {
	case in.Contact.Email == "":
		v.Add("contact.email", "is required")
	case len(in.Contact.Email) > maxEmailLen || !plainEmail(in.Contact.Email):
		v.Add("contact.email", "is not an e-mail address like name@example.com")
	}
	if in.Contact.BirthDate != "" {
		if _, err := time.Parse(time.DateOnly, in.Contact.BirthDate); err != nil {
			v.Add("contact.birthDate", "must be a date like 1980-01-31")
		}
	}
	if len(in.Contact.Title) > maxNameLen {
		v.Add("contact.title", "must be at most 200 characters")
	}
	if len(in.Address) > maxAddrLen {
		v.Add("address", "must be at most 300 characters")
	}
	c := in.Credit
	switch {
	case math.IsNaN(c.Amount) || c.Amount <= 0:
		v.Add("credit.amount", "must be a positive number")
	case c.Amount > maxAmount:
		v.Add("credit.amount", "must be at most 1000000000")
	case math.Abs(c.Amount*100-math.Round(c.Amount*100)) > 1e-6:
		v.Add("credit.amount", "must have at most two decimals")
	}
	if c.Currency != "" && !currencies[c.Currency] {
		v.Add("credit.currency", `must be NOK, SEK, DKK or EUR, got "`+Clip(c.Currency, echoLen)+`"`)
	}
	switch c.PeriodDays {
	case 0, 30, 60, 90:
	default:
		v.Add("credit.periodDays", "must be 30, 60 or 90 (bank-statement days)")
	}
	for _, pr := range in.Policy.problems(ts == CompressedTime) {
		v.Add("policy."+pr.Field, pr.Message)
	}
	return v.OrNil()
}

// plainEmail accepts a bare address (no display name, no angle brackets) with a dotted domain.
func plainEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// maxOnboardingIDLen bounds an onboarding ID: "onboarding:", a country code, ":" and the
// longest company number come to 25; anything much longer is not one.
const maxOnboardingIDLen = 64

// IsOnboardingID reports whether id has the shape WorkflowID gives a normalized,
// valid start input: onboarding:<CC>:<company number>, with a supported country and a number
// in its format. It says nothing about whether the onboarding exists.
func IsOnboardingID(id string) bool {
	if len(id) > maxOnboardingIDLen {
		return false
	}
	rest, ok := strings.CutPrefix(id, IDPrefix)
	cc, org, ok2 := strings.Cut(rest, ":")
	f, known := orgNumberFormats[cc]
	return ok && ok2 && known && f.re.MatchString(org)
}

// ValidateDeadlineChange checks an extend-deadline change field by field, with the limits a
// start has; the workflow's validator then checks it against the onboarding's state.
func ValidateDeadlineChange(ch DeadlineChange, now time.Time) error {
	v := &ValidationError{}
	switch {
	case ch.DeclarationDeadline == nil && ch.ExtendBy == 0 && ch.Policy == nil:
		v.Add("(body)", "nothing to change: give declarationDeadline, extendBy or policy")
	case ch.DeclarationDeadline != nil && ch.ExtendBy != 0:
		v.Add("extendBy", "give declarationDeadline or extendBy, not both")
	case ch.Policy != nil && *ch.Policy == (PolicyChange{}):
		v.Add("policy", "names no field to change")
	}
	switch {
	case ch.ExtendBy < 0:
		v.Add("extendBy", "must be positive: deadlines only move later")
	case ch.ExtendBy.D() > MaxDeadlineAhead:
		v.Add("extendBy", "must be at most 365d")
	}
	if d := ch.DeclarationDeadline; d != nil && d.After(now.Add(MaxDeadlineAhead)) {
		v.Add("declarationDeadline", "must be at most 365 days ahead")
	}
	for _, pr := range ch.Policy.Problems() {
		v.Add("policy."+pr.Field, pr.Message)
	}
	return v.OrNil()
}

// PrepareStart is the pure part of starting an onboarding: the input normalized and checked
// (a *ValidationError listing every problem), its policy's defaults resolved, so the
// onboarding carries its whole policy from the start and a later change to a default never
// reaches it, and the workflow ID it starts under.
func PrepareStart(in OnboardingInput, ts Timescale) (OnboardingInput, string, error) {
	in = NormalizeInput(in)
	if err := ValidateInput(in, ts); err != nil {
		return in, "", err
	}
	in.Policy = in.Policy.Resolve()
	return in, WorkflowID(in.Company.Country, in.Company.OrgNumber), nil
}

// EarlierWorkflowIDs are the IDs an onboarding of this merchant (normalized input) may run
// under from before the company number was normalized as it is now: until 2026-12-02 a
// Swedish number kept the dash it was given, so 556123-4567 ran as onboarding:SE:556123-4567.
// Starts look there first, so such an onboarding is found, not twinned.
func EarlierWorkflowIDs(in OnboardingInput) []string {
	org := in.Company.OrgNumber
	if in.Company.Country == "SE" && len(org) == 10 && orgNumberFormats["SE"].re.MatchString(org) {
		return []string{WorkflowID("SE", org[:6]+"-"+org[6:])}
	}
	return nil
}

// IsCountry reports whether cc is a country onboardings are for (NO, SE, DK or FI).
func IsCountry(cc string) bool {
	_, ok := orgNumberFormats[cc]
	return ok
}
