package api

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Policy is the onboarding's timing, as data: part of the start input (zero fields take the
// defaults) and changeable on a running onboarding through the extend-deadline update.
//
// Defaults are resolved once, when the onboarding starts (Resolve, called by the engine before
// it starts the workflow, or inside the workflow as a recorded side effect for starts that
// bypass the engine), so changing a default never changes an onboarding already running.
// What each field means, its default and its limits are its row in the policy table
// (PolicyFields), which defaults, validation, changes and the starter's flags all read.
type Policy struct {
	DeclarationDeadline      Duration `json:"declarationDeadline,omitempty"`
	DeclarationReminderEvery Duration `json:"declarationReminderEvery,omitempty"`
	DeclarationPoll          Duration `json:"declarationPoll,omitempty"`
	SigningReminderEvery     Duration `json:"signingReminderEvery,omitempty"`
	SigningPoll              Duration `json:"signingPoll,omitempty"`
	MaxContractRenewals      int      `json:"maxContractRenewals,omitempty"`
	IDVPoll                  Duration `json:"idvPoll,omitempty"`
	IDVMaxWait               Duration `json:"idvMaxWait,omitempty"`
	BankDataMaxWait          Duration `json:"bankDataMaxWait,omitempty"`
	BankDataReminderEvery    Duration `json:"bankDataReminderEvery,omitempty"`
	CreditAnalysisPoll       Duration `json:"creditAnalysisPoll,omitempty"`
	CreditAnalysisMaxWait    Duration `json:"creditAnalysisMaxWait,omitempty"`
	CreditTermsPoll          Duration `json:"creditTermsPoll,omitempty"`
	CreditTermsMaxWait       Duration `json:"creditTermsMaxWait,omitempty"`
	PriorKYCMaxWait          Duration `json:"priorKycMaxWait,omitempty"`
	ReviewSLA                Duration `json:"reviewSla,omitempty"`
	ReviewReminderEvery      Duration `json:"reviewReminderEvery,omitempty"`
	ProviderCallBudget       Duration `json:"providerCallBudget,omitempty"`
}

// PolicyChange is a partial Policy for the extend-deadline update: nil fields stay. It has
// a field for every extendable row of the policy table.
type PolicyChange struct {
	DeclarationReminderEvery *Duration `json:"declarationReminderEvery,omitempty"`
	SigningReminderEvery     *Duration `json:"signingReminderEvery,omitempty"`
	MaxContractRenewals      *int      `json:"maxContractRenewals,omitempty"`
	ReviewSLA                *Duration `json:"reviewSla,omitempty"`
	ReviewReminderEvery      *Duration `json:"reviewReminderEvery,omitempty"`
}

// Limits of MaxContractRenewals (negative: never re-open) and of the declaration deadline,
// which never lies further ahead than MaxDeadlineAhead, at start or after an extend.
const (
	MaxContractRenewalsLimit = 10
	MaxDeadlineAhead         = 365 * Day
)

// SinceFirst is the Since of the fields the first release had: the workflow's default
// version (workflow.DefaultVersion), the one onboardings recorded before versioning.
const SinceFirst = -1

// PolicyField is one row of the policy table: a field of Policy with its JSON name, the
// starter's flag, a line of documentation, its default and its limits (the same at start
// and at extend). A row is a duration, or a count (MaxContractRenewals).
type PolicyField struct {
	Name string // JSON name, e.g. "reviewSla"
	Flag string // the starter's flag, e.g. "review-sla"
	Doc  string
	// Default, Min and Max of a duration row.
	Default, Min, Max time.Duration
	// DefaultCount and MaxCount of a count row.
	DefaultCount, MaxCount int
	// Since is the onboarding version (the workflow's "onboarding" change) that introduced
	// the field; runs that recorded an older one neither resolve nor clamp it.
	Since int

	dur         func(*Policy) *Duration
	count       func(*Policy) *int
	changeDur   func(*PolicyChange) **Duration
	changeCount func(*PolicyChange) **int
}

// IsCount reports whether the row is a count, not a duration.
func (f PolicyField) IsCount() bool { return f.count != nil }

// Extendable reports whether a running onboarding's value can change (PolicyChange).
func (f PolicyField) Extendable() bool { return f.changeDur != nil || f.changeCount != nil }

// Duration is the row's field of p; nil for a count row.
func (f PolicyField) Duration(p *Policy) *Duration {
	if f.dur == nil {
		return nil
	}
	return f.dur(p)
}

// Count is the row's field of p; nil for a duration row.
func (f PolicyField) Count(p *Policy) *int {
	if f.count == nil {
		return nil
	}
	return f.count(p)
}

// ChangeDuration is the row's field of c; nil for a count row or one that is not extendable.
func (f PolicyField) ChangeDuration(c *PolicyChange) **Duration {
	if f.changeDur == nil {
		return nil
	}
	return f.changeDur(c)
}

// ChangeCount is the row's field of c; nil for a duration row or one that is not extendable.
func (f PolicyField) ChangeCount(c *PolicyChange) **int {
	if f.changeCount == nil {
		return nil
	}
	return f.changeCount(c)
}

// DefaultText is the default as the documentation writes it: "336h", "2".
func (f PolicyField) DefaultText() string {
	if f.IsCount() {
		return strconv.Itoa(f.DefaultCount)
	}
	switch d := f.Default; {
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	default:
		return d.String()
	}
}

// LimitsText is the range as the documentation writes it: "1m – 365d", "at most 10".
func (f PolicyField) LimitsText() string {
	if f.IsCount() {
		return "at most " + strconv.Itoa(f.MaxCount)
	}
	return ShortDuration(f.Min) + " – " + ShortDuration(f.Max)
}

// policyFields is the policy table. Problems are reported in its order.
var policyFields = []PolicyField{
	durationRow("declarationDeadline", "declaration-deadline", 14*Day, time.Minute, 365*Day, SinceFirst,
		"time from start to submit the declaration, then EXPIRED",
		func(p *Policy) *Duration { return &p.DeclarationDeadline }, nil),
	durationRow("declarationReminderEvery", "declaration-reminder-every", 3*Day, time.Minute, 365*Day, SinceFirst,
		"reminder to the app while the declaration is missing",
		func(p *Policy) *Duration { return &p.DeclarationReminderEvery },
		func(c *PolicyChange) **Duration { return &c.DeclarationReminderEvery }),
	durationRow("declarationPoll", "declaration-poll", 15*time.Minute, time.Second, Day, SinceFirst,
		"fallback poll period of the declaration wait in onboardings before version 2",
		func(p *Policy) *Duration { return &p.DeclarationPoll }, nil),
	durationRow("signingReminderEvery", "signing-reminder-every", 5*Day, time.Minute, 365*Day, SinceFirst,
		"the engine's escalation while signatories have not signed",
		func(p *Policy) *Duration { return &p.SigningReminderEvery },
		func(c *PolicyChange) **Duration { return &c.SigningReminderEvery }),
	durationRow("signingPoll", "signing-poll", 30*time.Minute, time.Second, Day, SinceFirst,
		"fallback poll period of the signing wait in onboardings before version 2",
		func(p *Policy) *Duration { return &p.SigningPoll }, nil),
	// Sparse polls: a late result is asked for again when the signatures are in.
	durationRow("idvPoll", "idv-poll", 4*time.Hour, time.Second, Day, SinceFirst,
		"identity verification: the longest gap between two polls",
		func(p *Policy) *Duration { return &p.IDVPoll }, nil),
	durationRow("idvMaxWait", "idv-max-wait", 7*Day, time.Second, 365*Day, SinceFirst,
		"identity verification: the longest wait, then it is unavailable",
		func(p *Policy) *Duration { return &p.IDVMaxWait }, nil),
	durationRow("bankDataMaxWait", "bank-data-max-wait", 7*Day, time.Minute, 90*Day, 3,
		"how long the credit analysis waits for the merchant's bank data",
		func(p *Policy) *Duration { return &p.BankDataMaxWait }, nil),
	durationRow("bankDataReminderEvery", "bank-data-reminder-every", 2*Day, time.Minute, 90*Day, 3,
		"reminder to the app while the bank data is missing",
		func(p *Policy) *Duration { return &p.BankDataReminderEvery }, nil),
	durationRow("creditAnalysisPoll", "credit-analysis-poll", 2*time.Minute, time.Second, Day, SinceFirst,
		"open-banking analysis: the longest gap between two polls",
		func(p *Policy) *Duration { return &p.CreditAnalysisPoll }, nil),
	durationRow("creditAnalysisMaxWait", "credit-analysis-max-wait", 2*time.Hour, time.Second, 365*Day, SinceFirst,
		"open-banking analysis: the longest wait",
		func(p *Policy) *Duration { return &p.CreditAnalysisMaxWait }, nil),
	durationRow("creditTermsPoll", "credit-terms-poll", 4*time.Hour, time.Second, Day, SinceFirst,
		"DeepIDV credit terms: the longest gap between two polls",
		func(p *Policy) *Duration { return &p.CreditTermsPoll }, nil),
	durationRow("creditTermsMaxWait", "credit-terms-max-wait", 14*Day, time.Second, 365*Day, SinceFirst,
		"DeepIDV credit terms: the longest wait",
		func(p *Policy) *Duration { return &p.CreditTermsMaxWait }, nil),
	durationRow("priorKycMaxWait", "prior-kyc-max-wait", 10*time.Minute, time.Second, Day, SinceFirst,
		"then prior KYC is recorded as unavailable",
		func(p *Policy) *Duration { return &p.PriorKYCMaxWait }, nil),
	durationRow("reviewSla", "review-sla", 48*time.Hour, time.Minute, 365*Day, SinceFirst,
		"time an agent has to decide; never an automatic decision",
		func(p *Policy) *Duration { return &p.ReviewSLA },
		func(c *PolicyChange) **Duration { return &c.ReviewSLA }),
	durationRow("reviewReminderEvery", "review-reminder-every", 24*time.Hour, time.Minute, 365*Day, SinceFirst,
		"review reminder cadence after the SLA",
		func(p *Policy) *Duration { return &p.ReviewReminderEvery },
		func(c *PolicyChange) **Duration { return &c.ReviewReminderEvery }),
	durationRow("providerCallBudget", "provider-call-budget", 6*time.Hour, 10*time.Second, 30*Day, SinceFirst,
		"how long one provider call may fail transiently before the onboarding reports itself blocked",
		func(p *Policy) *Duration { return &p.ProviderCallBudget }, nil),
	{
		Name: "maxContractRenewals", Flag: "max-renewals", DefaultCount: 2, MaxCount: MaxContractRenewalsLimit, Since: SinceFirst,
		Doc:   "re-openings of an expired contract before the onboarding ends EXPIRED; negative: never",
		count: func(p *Policy) *int { return &p.MaxContractRenewals }, changeCount: func(c *PolicyChange) **int { return &c.MaxContractRenewals },
	},
}

func durationRow(name, flag string, def, lo, hi time.Duration, since int, doc string,
	get func(*Policy) *Duration, change func(*PolicyChange) **Duration) PolicyField {
	return PolicyField{Name: name, Flag: flag, Doc: doc, Default: def, Min: lo, Max: hi, Since: since, dur: get, changeDur: change}
}

// PolicyFields is the policy table, one row per field of Policy.
func PolicyFields() []PolicyField { return append([]PolicyField(nil), policyFields...) }

// DefaultPolicy fills every zero field of a start's Policy.
func DefaultPolicy() Policy {
	var p Policy
	for _, f := range policyFields {
		if f.IsCount() {
			*f.count(&p) = f.DefaultCount
		} else {
			*f.dur(&p) = Duration(f.Default)
		}
	}
	return p
}

// FieldProblem is one policy field outside its limits.
type FieldProblem struct {
	Field   string // JSON name, e.g. "reviewReminderEvery"
	Message string
}

// checkDuration says what is wrong with d for the row, whose minimum is lo; "" when nothing.
func (f PolicyField) checkDuration(d Duration, lo time.Duration) string {
	switch {
	case d < 0:
		return "must not be negative"
	case d.D() < lo:
		return "must be at least " + ShortDuration(lo)
	case d.D() > f.Max:
		return "must be at most " + ShortDuration(f.Max)
	}
	return ""
}

// Problems lists the fields of a start's policy outside their limits. Zero fields take the
// defaults and are fine.
func (p Policy) Problems() []FieldProblem { return p.problems(false) }

// CompressedTimeMin is the least any duration may be when time is compressed (harnesses
// that play weeks in minutes): the workflow's own floor.
const CompressedTimeMin = time.Second

// problems is Problems; compressed lowers every duration's minimum to CompressedTimeMin.
func (p Policy) problems(compressed bool) []FieldProblem {
	var out []FieldProblem
	for _, f := range policyFields {
		if f.IsCount() {
			if n := *f.count(&p); n > f.MaxCount {
				out = append(out, FieldProblem{f.Name, "must be at most " + strconv.Itoa(f.MaxCount)})
			}
			continue
		}
		lo := f.Min
		if compressed {
			lo = CompressedTimeMin
		}
		if d := *f.dur(&p); d != 0 {
			if msg := f.checkDuration(d, lo); msg != "" {
				out = append(out, FieldProblem{f.Name, msg})
			}
		}
	}
	return out
}

// Complete reports whether no field is left to a default.
func (p Policy) Complete() bool {
	for _, f := range policyFields {
		if !f.IsSet(p) {
			return false
		}
	}
	return true
}

// IsSet reports whether p sets the row's field (a positive duration, a non-zero count).
func (f PolicyField) IsSet(p Policy) bool {
	if f.IsCount() {
		return *f.count(&p) != 0
	}
	return *f.dur(&p) > 0
}

// Resolve fills every zero field from DefaultPolicy. A negative MaxContractRenewals stays
// (it means never), so a resolved policy is Complete and resolving it again changes nothing.
func (p Policy) Resolve() Policy {
	d := DefaultPolicy()
	for _, f := range policyFields {
		if !f.IsSet(p) {
			f.copyField(&p, &d)
		}
	}
	return p
}

// copyField sets the row's field of dst to src's.
func (f PolicyField) copyField(dst, src *Policy) {
	if f.IsCount() {
		*f.count(dst) = *f.count(src)
	} else {
		*f.dur(dst) = *f.dur(src)
	}
}

// Problems lists the fields of the change outside the limits a start has; a change to zero
// is below the minimum (it would not take the default).
func (c *PolicyChange) Problems() []FieldProblem {
	if c == nil {
		return nil
	}
	var out []FieldProblem
	for _, f := range policyFields {
		switch {
		case f.changeDur != nil:
			v := *f.changeDur(c)
			if v == nil {
				continue
			}
			msg := f.checkDuration(*v, f.Min)
			if msg == "" && *v == 0 {
				msg = "must be at least " + ShortDuration(f.Min)
			}
			if msg != "" {
				out = append(out, FieldProblem{f.Name, msg})
			}
		case f.changeCount != nil:
			if n := *f.changeCount(c); n != nil && (*n < 0 || *n > f.MaxCount) {
				out = append(out, FieldProblem{f.Name, "must be between 0 and " + strconv.Itoa(f.MaxCount)})
			}
		}
	}
	return out
}

// Err is the change's problems as one error ("policy.<field> <problem>; ..."), or nil.
func (c *PolicyChange) Err() error {
	ps := c.Problems()
	if len(ps) == 0 {
		return nil
	}
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = "policy." + p.Field + " " + p.Message
	}
	return errors.New(strings.Join(msgs, "; "))
}

// Apply returns p with the change.
func (c *PolicyChange) Apply(p Policy) Policy {
	if c == nil {
		return p
	}
	for _, f := range policyFields {
		switch {
		case f.changeDur != nil:
			if v := *f.changeDur(c); v != nil {
				*f.dur(&p) = *v
			}
		case f.changeCount != nil:
			if v := *f.changeCount(c); v != nil {
				*f.count(&p) = *v
			}
		}
	}
	return p
}
