package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/automation"
	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/quickr"
)

// EvaluateRules decides the onboarding by rules: it reads the case (the raw case-details
// document Quickr's automations evaluate), adds the engine's facts under $.context and runs
// a.Rules (automation.Default() when nil) plus every Quickr automation linked to the case on
// the event "case status updated to READY_FOR_REVIEW". Any fired decline wins, then any
// approval, else REVIEW; the trace records every condition and the values its path saw.
//
// Context keys (see package automation): company_age (whole years since the company's
// registration, else incorporation, date where the seed documents it: the company section's
// additional_data or the company discoveries' (quickr.Case.CompanyFounded); never guessed from
// elsewhere; when the case has none it is absent and Unknown says so, so the shipped rules
// review), credit_score (the
// current_information credit score value), credit_analysis_score (0..100),
// credit_terms_status, identity_match, prior_kyc_status and prior_kyc_cases from Facts. A fact
// the engine does not have is left out, so conditions on it fail and the case goes to review.
//
// A linked automation that cannot be fetched transiently makes the activity retry; one that
// is gone (404) or does not parse is traced with the reason and withholds an approval (the
// decision becomes REVIEW): an unread rule might have declined. None is skipped silently.
func (a *Activities) EvaluateRules(ctx context.Context, in EvaluateInput) (*api.Evaluation, error) {
	if in.CaseID == "" {
		return nil, invalidInput("caseId is required")
	}
	if a.Quickr == nil {
		return nil, notConfigured("quickr")
	}
	c, err := a.readCase(ctx, in.CaseID, in.Reference)
	if err != nil {
		return nil, err
	}
	rules := a.Rules
	if rules == nil {
		rules = automation.Default()
	}
	rules = append([]automation.Automation(nil), rules...)
	var unread []api.AutomationTrace
	for _, ref := range c.Automations {
		if ref.ID == "" {
			continue
		}
		list, problem, err := a.linkedAutomation(ctx, ref.ID)
		if err != nil {
			return nil, providerError(err)
		}
		if problem != "" {
			unread = append(unread, api.AutomationTrace{ID: ref.ID, Name: ref.ID, Note: "not evaluated: " + problem})
			continue
		}
		rules = append(rules, list...)
	}

	facts := caseFacts(c, in.Facts, a.now())
	raw := c.Raw
	if len(raw) == 0 {
		if raw, err = json.Marshal(c); err != nil {
			return nil, invalidInput("encode case: %v", err)
		}
	}
	doc, err := automation.Document(raw, facts)
	if err != nil {
		return nil, providerError(&providers.Error{Provider: "quickr", Op: "get case", Status: http.StatusBadGateway, Message: err.Error()})
	}
	res := automation.Evaluate(doc, rules, automation.StatusUpdated(quickr.StatusReadyForReview))
	if len(unread) > 0 {
		res.Automations = append(res.Automations, unread...)
		names := make([]string, 0, len(unread))
		for _, u := range unread {
			names = append(names, u.ID)
		}
		if res.Decision == automation.DecisionApprove {
			res.Decision = automation.DecisionReview
			res.Reason = fmt.Sprintf("approval withheld: automation %s could not be evaluated (%s)", strings.Join(names, ", "), res.Reason)
		}
	}
	ev := &api.Evaluation{Decision: res.Decision, Reason: res.Reason, RiskLevel: c.RiskLevel, Context: facts, Trace: res, Checks: checkResults(c)}
	if _, ok := facts["company_age"]; !ok {
		ev.Unknown = map[string]string{"company_age": companyAgeUnknown}
	}
	return ev, nil
}

// linkedAutomation fetches and parses one automation linked to a case. problem says why it
// cannot be used (gone, unparsable); err is a failure worth retrying or reporting.
func (a *Activities) linkedAutomation(ctx context.Context, id string) (list []automation.Automation, problem string, err error) {
	qa, err := a.Quickr.GetAutomation(ctx, id)
	if providers.IsStatus(err, http.StatusNotFound) {
		return nil, "automation not found in Quickr", nil
	}
	if err != nil {
		return nil, "", err
	}
	raw := []byte(qa.Raw)
	if len(raw) == 0 {
		if raw, err = json.Marshal(qa); err != nil {
			return nil, "cannot encode: " + err.Error(), nil
		}
	}
	list, perr := automation.Parse(raw)
	if perr != nil {
		return nil, perr.Error(), nil
	}
	for i := range list {
		if list[i].ID == "" {
			list[i].ID = id
		}
	}
	return list, "", nil
}

// caseFacts builds the rules' $.context from the case and the engine's facts.
func caseFacts(c *quickr.Case, f Facts, now time.Time) map[string]any {
	ctx := map[string]any{"prior_kyc_cases": f.PriorKYCCases}
	if founded, ok := companyFounded(c); ok {
		ctx["company_age"] = wholeYears(founded, now)
	}
	if _, v, ok := c.CreditScore(); ok {
		ctx["credit_score"] = v
	}
	if f.CreditAnalysisScore != nil {
		ctx["credit_analysis_score"] = *f.CreditAnalysisScore
	}
	if f.CreditTermsStatus != "" {
		ctx["credit_terms_status"] = f.CreditTermsStatus
	}
	if f.IdentityMatch != nil {
		ctx["identity_match"] = *f.IdentityMatch
	}
	if f.PriorKYCStatus != "" {
		ctx["prior_kyc_status"] = f.PriorKYCStatus
	}
	return ctx
}

// companyAgeUnknown is what the evaluation reports when the case documents no company date.
const companyAgeUnknown = "the case carries no registration_date or incorporation_date in its company section's or company discoveries' additional_data"

// companyFounded is the company's documented registration (else incorporation) date.
func companyFounded(c *quickr.Case) (time.Time, bool) {
	d, ok := c.CompanyFounded()
	if !ok {
		return time.Time{}, false
	}
	return parseDate(d.Date)
}

// parseDate reads YYYY-MM-DD, an RFC 3339 time or a bare year (read as 1 January).
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if len(s) == 4 {
		if y, err := strconv.Atoi(s); err == nil {
			return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, false
}

// wholeYears counts the anniversaries of from up to now (0 when from is in the future).
func wholeYears(from, now time.Time) int {
	now = now.UTC()
	from = from.UTC()
	years := now.Year() - from.Year()
	if now.Month() < from.Month() || (now.Month() == from.Month() && now.Day() < from.Day()) {
		years--
	}
	return max(years, 0)
}
