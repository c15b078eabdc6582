package workflows

import (
	"math"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/api"
)

// The policy (its fields, defaults, limits and changes) is the api package's table. What
// depends on the onboarding version a run recorded stays here: which fields a run knows,
// the clamping floor, and the defaults of the first release.

// knows reports whether a run of version v has the row's field.
func knows(f api.PolicyField, v workflow.Version) bool { return workflow.Version(f.Since) <= v }

// completeFor reports whether p leaves no field a run of version v knows to a default.
func completeFor(p api.Policy, v workflow.Version) bool {
	for _, f := range api.PolicyFields() {
		if knows(f, v) && !f.IsSet(p) {
			return false
		}
	}
	return true
}

// clamped brings every field into a range the workflow can run safely, whatever a caller that
// bypassed validation sent: at least a second, at most a year (so no arithmetic overflows),
// and no more renewals than the limit. Validation (Policy.Problems) is stricter; this is the
// floor. Fields the run's version does not know stay as they are.
func clamped(p api.Policy, ver workflow.Version) api.Policy {
	for _, f := range api.PolicyFields() {
		if !knows(f, ver) {
			continue
		}
		if n := f.Count(&p); n != nil {
			*n = min(*n, f.MaxCount)
			continue
		}
		v := f.Duration(&p)
		*v = api.Duration(min(max(v.D(), time.Second), api.MaxDeadlineAhead))
	}
	return p
}

// maxRenewals is how many re-openings the policy allows (negative means none).
func maxRenewals(p api.Policy) int { return max(p.MaxContractRenewals, 0) }

// withDefaultsV0 is how onboardings started before versioning (vOriginal) resolved their
// policy inside the workflow, with the defaults of that release frozen here: changing
// the api's defaults must not change them on replay. Remove with the vOriginal branch.
func withDefaultsV0(p api.Policy) api.Policy {
	d := api.Policy{
		DeclarationDeadline:      api.Duration(14 * api.Day),
		DeclarationReminderEvery: api.Duration(3 * api.Day),
		DeclarationPoll:          api.Duration(15 * time.Minute),
		SigningReminderEvery:     api.Duration(5 * api.Day),
		SigningPoll:              api.Duration(30 * time.Minute),
		MaxContractRenewals:      2,
		IDVPoll:                  api.Duration(time.Minute),
		IDVMaxWait:               api.Duration(7 * api.Day),
		CreditAnalysisPoll:       api.Duration(30 * time.Second),
		CreditAnalysisMaxWait:    api.Duration(2 * time.Hour),
		CreditTermsPoll:          api.Duration(5 * time.Minute),
		CreditTermsMaxWait:       api.Duration(14 * api.Day),
		PriorKYCMaxWait:          api.Duration(10 * time.Minute),
		ReviewSLA:                api.Duration(48 * time.Hour),
		ReviewReminderEvery:      api.Duration(24 * time.Hour),
		ProviderCallBudget:       api.Duration(6 * time.Hour),
	}
	for _, f := range api.PolicyFields() {
		if v := f.Duration(&p); v != nil && *v <= 0 {
			*v = *f.Duration(&d)
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

// shortDuration writes d as people write it: "1m", "24h", "365d".
func shortDuration(d time.Duration) string { return api.ShortDuration(d) }

// clip shortens an echoed input, so an error never carries a large one back.
func clip(s string) string { return api.Clip(s, 32) }

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
