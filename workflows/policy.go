package workflows

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// Duration is a time.Duration that reads and writes JSON as a Go duration string ("72h",
// "15m"), so apps and the Temporal UI show policies readably. A JSON number is taken as
// nanoseconds.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes "72h0m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string or nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return errors.New("invalid duration " + strconv.Quote(s) + `: use Go syntax like "72h" or "15m"`)
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("a duration must be a string like \"72h\" or a number of nanoseconds")
	}
	*d = Duration(n)
	return nil
}

// Policy is the onboarding's timing, as data: part of the start input (zero fields take the
// defaults) and changeable on a running onboarding through the extend-deadline update.
type Policy struct {
	// DeclarationDeadline: time from start for the merchant to submit the declaration.
	DeclarationDeadline Duration `json:"declarationDeadline,omitempty"`
	// DeclarationReminderEvery: the app is reminded to chase the merchant this often.
	DeclarationReminderEvery Duration `json:"declarationReminderEvery,omitempty"`
	// DeclarationPoll: fallback poll period when a webhook is lost.
	DeclarationPoll Duration `json:"declarationPoll,omitempty"`
	// SigningReminderEvery: the engine's own escalation while signatories have not signed
	// (Quickr mails them as well).
	SigningReminderEvery Duration `json:"signingReminderEvery,omitempty"`
	SigningPoll          Duration `json:"signingPoll,omitempty"`
	// MaxContractRenewals: how often an expired contract is re-opened before the onboarding
	// ends EXPIRED. Negative means never (zero takes the default).
	MaxContractRenewals int `json:"maxContractRenewals,omitempty"`
	// Identity verification, credit analysis and credit terms: poll period and the longest
	// wait before the onboarding goes on without the result (and so to review).
	IDVPoll               Duration `json:"idvPoll,omitempty"`
	IDVMaxWait            Duration `json:"idvMaxWait,omitempty"`
	CreditAnalysisPoll    Duration `json:"creditAnalysisPoll,omitempty"`
	CreditAnalysisMaxWait Duration `json:"creditAnalysisMaxWait,omitempty"`
	CreditTermsPoll       Duration `json:"creditTermsPoll,omitempty"`
	CreditTermsMaxWait    Duration `json:"creditTermsMaxWait,omitempty"`
	PriorKYCMaxWait       Duration `json:"priorKycMaxWait,omitempty"`
	// ReviewSLA: an agent should decide within this; afterwards reminders escalate every
	// ReviewReminderEvery. There is never an automatic decision.
	ReviewSLA           Duration `json:"reviewSla,omitempty"`
	ReviewReminderEvery Duration `json:"reviewReminderEvery,omitempty"`
	// ProviderCallBudget: how long one provider call may keep failing before the onboarding
	// counts the provider as down and waits for it, blocked in its stage (default 6h,
	// at least 10s). Placeholder on this branch: not read yet; the blocked-provider change
	// brings the logic.
	ProviderCallBudget Duration `json:"providerCallBudget,omitempty"`
}

// DefaultPolicy fills every zero field of a start's Policy.
func DefaultPolicy() Policy {
	return Policy{
		DeclarationDeadline:      Duration(14 * 24 * time.Hour),
		DeclarationReminderEvery: Duration(3 * 24 * time.Hour),
		DeclarationPoll:          Duration(15 * time.Minute),
		SigningReminderEvery:     Duration(5 * 24 * time.Hour),
		SigningPoll:              Duration(30 * time.Minute),
		MaxContractRenewals:      2,
		IDVPoll:                  Duration(time.Minute),
		IDVMaxWait:               Duration(7 * 24 * time.Hour),
		CreditAnalysisPoll:       Duration(30 * time.Second),
		CreditAnalysisMaxWait:    Duration(2 * time.Hour),
		CreditTermsPoll:          Duration(5 * time.Minute),
		CreditTermsMaxWait:       Duration(14 * 24 * time.Hour),
		PriorKYCMaxWait:          Duration(10 * time.Minute),
		ReviewSLA:                Duration(48 * time.Hour),
		ReviewReminderEvery:      Duration(24 * time.Hour),
	}
}

// withDefaults fills zero fields from DefaultPolicy.
func (p Policy) withDefaults() Policy {
	d := DefaultPolicy()
	fill := func(v *Duration, def Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	fill(&p.DeclarationDeadline, d.DeclarationDeadline)
	fill(&p.DeclarationReminderEvery, d.DeclarationReminderEvery)
	fill(&p.DeclarationPoll, d.DeclarationPoll)
	fill(&p.SigningReminderEvery, d.SigningReminderEvery)
	fill(&p.SigningPoll, d.SigningPoll)
	fill(&p.IDVPoll, d.IDVPoll)
	fill(&p.IDVMaxWait, d.IDVMaxWait)
	fill(&p.CreditAnalysisPoll, d.CreditAnalysisPoll)
	fill(&p.CreditAnalysisMaxWait, d.CreditAnalysisMaxWait)
	fill(&p.CreditTermsPoll, d.CreditTermsPoll)
	fill(&p.CreditTermsMaxWait, d.CreditTermsMaxWait)
	fill(&p.PriorKYCMaxWait, d.PriorKYCMaxWait)
	fill(&p.ReviewSLA, d.ReviewSLA)
	fill(&p.ReviewReminderEvery, d.ReviewReminderEvery)
	switch {
	case p.MaxContractRenewals == 0:
		p.MaxContractRenewals = d.MaxContractRenewals
	case p.MaxContractRenewals < 0:
		p.MaxContractRenewals = 0
	}
	return p
}

// PolicyChange is a partial Policy for the extend-deadline update: nil fields stay.
type PolicyChange struct {
	DeclarationReminderEvery *Duration `json:"declarationReminderEvery,omitempty"`
	SigningReminderEvery     *Duration `json:"signingReminderEvery,omitempty"`
	MaxContractRenewals      *int      `json:"maxContractRenewals,omitempty"`
	ReviewSLA                *Duration `json:"reviewSla,omitempty"`
	ReviewReminderEvery      *Duration `json:"reviewReminderEvery,omitempty"`
}

// validate checks the change on its own.
func (c *PolicyChange) validate() error {
	if c == nil {
		return nil
	}
	for _, d := range []*Duration{c.DeclarationReminderEvery, c.SigningReminderEvery, c.ReviewSLA, c.ReviewReminderEvery} {
		if d != nil && *d < Duration(time.Minute) {
			return errors.New("policy durations must be at least one minute")
		}
	}
	if c.MaxContractRenewals != nil && *c.MaxContractRenewals < 0 {
		return errors.New("maxContractRenewals must not be negative")
	}
	return nil
}

// apply returns p with the change.
func (c *PolicyChange) apply(p Policy) Policy {
	if c == nil {
		return p
	}
	set := func(dst *Duration, v *Duration) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.DeclarationReminderEvery, c.DeclarationReminderEvery)
	set(&p.SigningReminderEvery, c.SigningReminderEvery)
	set(&p.ReviewSLA, c.ReviewSLA)
	set(&p.ReviewReminderEvery, c.ReviewReminderEvery)
	if c.MaxContractRenewals != nil {
		p.MaxContractRenewals = *c.MaxContractRenewals
	}
	return p
}
