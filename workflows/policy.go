package workflows

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"
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
			return errors.New("invalid duration " + strconv.Quote(clip(s)) + `: use Go syntax like "72h" or "15m"`)
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

// clip shortens an echoed input to 32 runes, so an error never carries a large one back.
func clip(s string) string {
	if r := []rune(s); len(r) > 32 {
		return string(r[:32]) + "…"
	}
	return s
}

// Policy is the onboarding's timing, as data: part of the start input (zero fields take the
// defaults) and changeable on a running onboarding through the extend-deadline update.
//
// Defaults are resolved once, when the onboarding starts (Resolve, called by the engine before
// it starts the workflow, or inside the workflow as a recorded side effect for starts that
// bypass the engine), so changing DefaultPolicy never changes an onboarding already running.
type Policy struct {
	// DeclarationDeadline: time from start for the merchant to submit the declaration.
	DeclarationDeadline Duration `json:"declarationDeadline,omitempty"`
	// DeclarationReminderEvery: the app is reminded to chase the merchant this often.
	DeclarationReminderEvery Duration `json:"declarationReminderEvery,omitempty"`
	// DeclarationPoll and SigningPoll: the fallback poll period of onboardings started before
	// the sparse waits (vSparseWaits). Newer ones do not poll the case: they check it on an
	// event (webhook or reconciler), at every reminder and at the deadline.
	DeclarationPoll Duration `json:"declarationPoll,omitempty"`
	// SigningReminderEvery: the engine's own escalation while signatories have not signed
	// (Quickr mails them as well).
	SigningReminderEvery Duration `json:"signingReminderEvery,omitempty"`
	SigningPoll          Duration `json:"signingPoll,omitempty"`
	// MaxContractRenewals: how often an expired contract is re-opened before the onboarding
	// ends EXPIRED. Negative means never (zero takes the default).
	MaxContractRenewals int `json:"maxContractRenewals,omitempty"`
	// Identity verification, credit analysis and credit terms: the longest gap between two
	// polls, and the longest wait before the onboarding goes on without the result (and so
	// to review). Polls start 5 s apart and double up to the gap: eager while results are
	// likely, sparse later. When the signatures are in and a result is still missing, it is
	// polled at once.
	IDVPoll    Duration `json:"idvPoll,omitempty"`
	IDVMaxWait Duration `json:"idvMaxWait,omitempty"`
	// BankDataMaxWait: how long the credit analysis waits for the merchant's bank data (the
	// app uploads it, PUT /v1/onboardings/{id}/bank-data) before the onboarding goes on
	// without the analysis; BankDataReminderEvery: the app is reminded this often meanwhile.
	BankDataMaxWait       Duration `json:"bankDataMaxWait,omitempty"`
	BankDataReminderEvery Duration `json:"bankDataReminderEvery,omitempty"`
	CreditAnalysisPoll    Duration `json:"creditAnalysisPoll,omitempty"`
	CreditAnalysisMaxWait Duration `json:"creditAnalysisMaxWait,omitempty"`
	CreditTermsPoll       Duration `json:"creditTermsPoll,omitempty"`
	CreditTermsMaxWait    Duration `json:"creditTermsMaxWait,omitempty"`
	PriorKYCMaxWait       Duration `json:"priorKycMaxWait,omitempty"`
	// ReviewSLA: an agent should decide within this; afterwards reminders escalate every
	// ReviewReminderEvery. There is never an automatic decision.
	ReviewSLA           Duration `json:"reviewSla,omitempty"`
	ReviewReminderEvery Duration `json:"reviewReminderEvery,omitempty"`
	// ProviderCallBudget: how long one provider call may keep failing transiently (outage,
	// 5xx, timeouts) before the onboarding reports itself blocked on that provider. Blocked
	// onboardings keep retrying and resume by themselves; they never fail for it.
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
		// Sparse: a late result is asked for again when the signatures are in (vSparseWaits).
		IDVPoll:               Duration(4 * time.Hour),
		IDVMaxWait:            Duration(7 * 24 * time.Hour),
		BankDataMaxWait:       Duration(7 * 24 * time.Hour),
		BankDataReminderEvery: Duration(2 * 24 * time.Hour),
		CreditAnalysisPoll:    Duration(2 * time.Minute),
		CreditAnalysisMaxWait: Duration(2 * time.Hour),
		CreditTermsPoll:       Duration(4 * time.Hour),
		CreditTermsMaxWait:    Duration(14 * 24 * time.Hour),
		PriorKYCMaxWait:       Duration(10 * time.Minute),
		ReviewSLA:             Duration(48 * time.Hour),
		ReviewReminderEvery:   Duration(24 * time.Hour),
		ProviderCallBudget:    Duration(6 * time.Hour),
	}
}

// day is 24 hours, for the limits below.
const day = 24 * time.Hour

// Limit is the range one policy field accepts, at start and at extend alike.
type Limit struct {
	Name     string // JSON name
	Min, Max time.Duration
}

// policyField ties a JSON name to its field and its limit: the one table that validation,
// resolution, clamping and the limits shown to callers all read.
type policyField struct {
	Limit
	get func(*Policy) *Duration
	// since is the onboarding version that introduced the field: runs that recorded an
	// older one neither resolve nor clamp it, so their replay stays what it was.
	since workflow.Version
}

var policyFields = []policyField{
	{Limit{"declarationDeadline", time.Minute, 365 * day}, func(p *Policy) *Duration { return &p.DeclarationDeadline }, vOriginal},
	{Limit{"declarationReminderEvery", time.Minute, 365 * day}, func(p *Policy) *Duration { return &p.DeclarationReminderEvery }, vOriginal},
	{Limit{"declarationPoll", time.Second, day}, func(p *Policy) *Duration { return &p.DeclarationPoll }, vOriginal},
	{Limit{"signingReminderEvery", time.Minute, 365 * day}, func(p *Policy) *Duration { return &p.SigningReminderEvery }, vOriginal},
	{Limit{"signingPoll", time.Second, day}, func(p *Policy) *Duration { return &p.SigningPoll }, vOriginal},
	{Limit{"idvPoll", time.Second, day}, func(p *Policy) *Duration { return &p.IDVPoll }, vOriginal},
	{Limit{"idvMaxWait", time.Second, 365 * day}, func(p *Policy) *Duration { return &p.IDVMaxWait }, vOriginal},
	{Limit{"bankDataMaxWait", time.Minute, 90 * day}, func(p *Policy) *Duration { return &p.BankDataMaxWait }, vProviderContracts},
	{Limit{"bankDataReminderEvery", time.Minute, 90 * day}, func(p *Policy) *Duration { return &p.BankDataReminderEvery }, vProviderContracts},
	{Limit{"creditAnalysisPoll", time.Second, day}, func(p *Policy) *Duration { return &p.CreditAnalysisPoll }, vOriginal},
	{Limit{"creditAnalysisMaxWait", time.Second, 365 * day}, func(p *Policy) *Duration { return &p.CreditAnalysisMaxWait }, vOriginal},
	{Limit{"creditTermsPoll", time.Second, day}, func(p *Policy) *Duration { return &p.CreditTermsPoll }, vOriginal},
	{Limit{"creditTermsMaxWait", time.Second, 365 * day}, func(p *Policy) *Duration { return &p.CreditTermsMaxWait }, vOriginal},
	{Limit{"priorKycMaxWait", time.Second, day}, func(p *Policy) *Duration { return &p.PriorKYCMaxWait }, vOriginal},
	{Limit{"reviewSla", time.Minute, 365 * day}, func(p *Policy) *Duration { return &p.ReviewSLA }, vOriginal},
	{Limit{"reviewReminderEvery", time.Minute, 365 * day}, func(p *Policy) *Duration { return &p.ReviewReminderEvery }, vOriginal},
	{Limit{"providerCallBudget", 10 * time.Second, 30 * day}, func(p *Policy) *Duration { return &p.ProviderCallBudget }, vOriginal},
}

// Limits of MaxContractRenewals (negative: never re-open) and of the declaration deadline,
// which never lies further ahead than MaxDeadlineAhead, at start or after an extend.
const (
	MaxContractRenewalsLimit = 10
	MaxDeadlineAhead         = 365 * day
)

// PolicyLimits lists every duration field's range, for documentation and clients.
func PolicyLimits() []Limit {
	out := make([]Limit, len(policyFields))
	for i, f := range policyFields {
		out[i] = f.Limit
	}
	return out
}

// FieldProblem is one policy field outside its limits.
type FieldProblem struct {
	Field   string // JSON name, e.g. "reviewReminderEvery"
	Message string
}

// checkDuration says what is wrong with d for l; "" when nothing.
func (l Limit) checkDuration(d Duration) string {
	switch {
	case d < 0:
		return "must not be negative"
	case d.D() < l.Min:
		return "must be at least " + shortDuration(l.Min)
	case d.D() > l.Max:
		return "must be at most " + shortDuration(l.Max)
	}
	return ""
}

// Problems lists the fields of a start's policy outside their limits. Zero fields take the
// defaults and are fine.
func (p Policy) Problems() []FieldProblem {
	var out []FieldProblem
	for _, f := range policyFields {
		if d := *f.get(&p); d != 0 {
			if msg := f.checkDuration(d); msg != "" {
				out = append(out, FieldProblem{f.Name, msg})
			}
		}
	}
	if p.MaxContractRenewals > MaxContractRenewalsLimit {
		out = append(out, FieldProblem{"maxContractRenewals", "must be at most " + strconv.Itoa(MaxContractRenewalsLimit)})
	}
	return out
}

// Complete reports whether no field is left to a default.
func (p Policy) Complete() bool { return p.completeFor(vLatest) }

// completeFor is Complete over the fields a run of version v knows.
func (p Policy) completeFor(v workflow.Version) bool {
	for _, f := range policyFields {
		if f.since > v {
			continue
		}
		if *f.get(&p) <= 0 {
			return false
		}
	}
	return p.MaxContractRenewals != 0
}

// Resolve fills every zero field from DefaultPolicy. A negative MaxContractRenewals stays
// (it means never), so a resolved policy is Complete and resolving it again changes nothing.
func (p Policy) Resolve() Policy {
	d := DefaultPolicy()
	for _, f := range policyFields {
		if v := f.get(&p); *v <= 0 {
			*v = *f.get(&d)
		}
	}
	if p.MaxContractRenewals == 0 {
		p.MaxContractRenewals = d.MaxContractRenewals
	}
	return p
}

// clamped brings every field into a range the workflow can run safely, whatever a caller that
// bypassed validation sent: at least a second, at most a year (so no arithmetic overflows),
// and no more renewals than the limit. Validation (Problems) is stricter; this is the floor.
func (p Policy) clamped(ver workflow.Version) Policy {
	for _, f := range policyFields {
		if f.since > ver {
			continue
		}
		v := f.get(&p)
		*v = Duration(min(max(v.D(), time.Second), MaxDeadlineAhead))
	}
	p.MaxContractRenewals = min(p.MaxContractRenewals, MaxContractRenewalsLimit)
	return p
}

// maxRenewals is how many re-openings the policy allows (negative means none).
func (p Policy) maxRenewals() int { return max(p.MaxContractRenewals, 0) }

// withDefaultsV0 is how onboardings started before versioning (vOriginal) resolved their
// policy inside the workflow, with the defaults of that release frozen here: changing
// DefaultPolicy must not change them on replay. Remove with the vOriginal branch.
func (p Policy) withDefaultsV0() Policy {
	d := Policy{
		DeclarationDeadline:      Duration(14 * day),
		DeclarationReminderEvery: Duration(3 * day),
		DeclarationPoll:          Duration(15 * time.Minute),
		SigningReminderEvery:     Duration(5 * day),
		SigningPoll:              Duration(30 * time.Minute),
		MaxContractRenewals:      2,
		IDVPoll:                  Duration(time.Minute),
		IDVMaxWait:               Duration(7 * day),
		CreditAnalysisPoll:       Duration(30 * time.Second),
		CreditAnalysisMaxWait:    Duration(2 * time.Hour),
		CreditTermsPoll:          Duration(5 * time.Minute),
		CreditTermsMaxWait:       Duration(14 * day),
		PriorKYCMaxWait:          Duration(10 * time.Minute),
		ReviewSLA:                Duration(48 * time.Hour),
		ReviewReminderEvery:      Duration(24 * time.Hour),
		ProviderCallBudget:       Duration(6 * time.Hour),
	}
	for _, f := range policyFields {
		if v := f.get(&p); *v <= 0 {
			*v = *f.get(&d)
		}
	}
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

// changeField is one duration of a PolicyChange with its field's limit.
type changeField struct {
	limit Limit
	v     *Duration
}

// durations pairs each changeable duration with the limit a start has for it.
func (c *PolicyChange) durations() []changeField {
	byName := map[string]*Duration{
		"declarationReminderEvery": c.DeclarationReminderEvery,
		"signingReminderEvery":     c.SigningReminderEvery,
		"reviewSla":                c.ReviewSLA,
		"reviewReminderEvery":      c.ReviewReminderEvery,
	}
	var out []changeField
	for _, f := range policyFields {
		if v, ok := byName[f.Name]; ok {
			out = append(out, changeField{f.Limit, v})
		}
	}
	return out
}

// Problems lists the fields of the change outside the limits a start has.
func (c *PolicyChange) Problems() []FieldProblem {
	if c == nil {
		return nil
	}
	var out []FieldProblem
	for _, d := range c.durations() {
		if d.v != nil {
			msg := d.limit.checkDuration(*d.v)
			if msg == "" && *d.v == 0 {
				msg = "must be at least " + shortDuration(d.limit.Min)
			}
			if msg != "" {
				out = append(out, FieldProblem{d.limit.Name, msg})
			}
		}
	}
	if n := c.MaxContractRenewals; n != nil && (*n < 0 || *n > MaxContractRenewalsLimit) {
		out = append(out, FieldProblem{"maxContractRenewals", "must be between 0 and " + strconv.Itoa(MaxContractRenewalsLimit)})
	}
	return out
}

// validate checks the change on its own.
func (c *PolicyChange) validate() error {
	if ps := c.Problems(); len(ps) > 0 {
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = "policy." + p.Field + " " + p.Message
		}
		return errors.New(strings.Join(msgs, "; "))
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

// shortDuration writes d as people write it: "1m", "24h", "365d".
func shortDuration(d time.Duration) string {
	switch {
	case d >= day && d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

// addSat is t+d without overflow: durations saturate instead of wrapping around.
func addSat(a, b time.Duration) time.Duration {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	if b < 0 && a < math.MinInt64-b {
		return math.MinInt64
	}
	return a + b
}
