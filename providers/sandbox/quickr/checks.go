package quickr

import (
	"crypto/sha1"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
	"github.com/merchantflow/onboarding/providers/sandbox/seeddata"
)

// Check results computed from the seed's test data (the flag table is in BEHAVIOUR.md).

const (
	flagWarning = "WARNING"
	flagError   = "ERROR"
)

// qFlag is one flag: {type, code, ref}.
func qFlag(level, code string, ref map[string]any) map[string]any {
	return map[string]any{"type": level, "code": code, "ref": ref}
}

// withDetails adds the seed's details [{path, value, expected}] to a flag.
func withDetails(f map[string]any, details ...map[string]any) map[string]any {
	f["details"] = details
	return f
}

// refID is a stable uuid-shaped id for an entity of a case.
func refID(parts ...string) string {
	sum := sha1.Sum([]byte(strings.ToLower(strings.Join(parts, "|"))))
	h := hex.EncodeToString(sum[:])
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}

// checksNeedingDeclaration are not performed before the declaration is finished.
var checksNeedingDeclaration = map[string]bool{
	"bank_account": true, "website": true, "signatory": true, "form_submitter": true,
	"agreement": true, "payment_information": true, "product_service": true,
}

// runChecksLocked computes every check's result, the discovered credit score and the
// risk level.
func (s *Sim) runChecksLocked(c *qCase, now time.Time) {
	at := now.Format(time.RFC3339Nano)
	c.Discovered = nil
	for _, ch := range c.Checks {
		if ch.Type == "signatory" && c.Contract != nil && !c.DeclaredAt.IsZero() {
			s.signatoryCheckLocked(c, now, "COMPLETED")
			continue
		}
		ch.Data = c.checkData(ch.Type, now)
		for i := range ch.Data {
			ch.Data[i].UpdatedAt = at
			ch.Data[i].Flags = core.NonNil(ch.Data[i].Flags)
		}
	}
	c.RiskLevel = c.risk()
	c.UpdatedAt = now
}

func completed(ref map[string]any, flags ...map[string]any) qCheckData {
	return qCheckData{Status: "COMPLETED", Flags: core.NonNil(flags), Ref: ref}
}

func (c *qCase) checkData(typ string, now time.Time) []qCheckData {
	if c.DeclaredAt.IsZero() && checksNeedingDeclaration[typ] {
		return []qCheckData{notStarted()}
	}
	switch typ {
	case "company":
		return []qCheckData{c.companyCheck()}
	case "sanction", "sanctions":
		return c.screen(true)
	case "politically_exposed_person":
		return c.screen(false)
	case "ultimate_beneficial_ownership":
		return c.uboCheck()
	case "bank_account":
		return c.bankAccountCheck()
	case "credit_score":
		return []qCheckData{c.creditScoreCheck(now)}
	case "signatory":
		// Reached only without a contract: nobody was declared to sign.
		return []qCheckData{completed(map[string]any{"type": "signatory", "id": refID(c.ID, "signatory")},
			qFlag(flagWarning, "DECLARATION_MISSING", map[string]any{"type": "signatory", "id": refID(c.ID, "signatory")}))}
	case "website":
		return []qCheckData{c.websiteCheck()}
	case "form_submitter":
		ref := map[string]any{"type": "form_submitter", "id": refID(c.ID, "form_submitter")}
		if c.FormSubmitter == nil {
			return []qCheckData{completed(ref, qFlag(flagWarning, "DECLARATION_MISSING", ref))}
		}
		return []qCheckData{completed(ref)}
	default:
		return []qCheckData{completed(nil)}
	}
}

func (c *qCase) companyRef() map[string]any {
	org, _ := c.requestedCompany()
	if c.Company != nil {
		org = c.Company.OrgNumber
	}
	return map[string]any{"type": "company", "id": org}
}

func (c *qCase) companyCheck() qCheckData {
	ref := c.companyRef()
	if c.Company == nil {
		return completed(ref, qFlag(flagWarning, "DISCOVERY_MISSING", ref))
	}
	var flags []map[string]any
	if !c.Company.Active() {
		flags = append(flags, withDetails(qFlag(flagError, "COMPANY_INACTIVE", ref),
			map[string]any{"path": "status", "value": c.Company.Status, "expected": "ACTIVE"}))
	}
	if c.Company.Sanction {
		flags = append(flags, qFlag(flagError, "COMPANY_IN_SANCTIONS", ref))
	}
	if d := c.declaration("company"); len(d) > 0 {
		if org, _ := d[0]["organization_number"].(string); org != "" && org != c.Company.OrgNumber {
			flags = append(flags, withDetails(qFlag(flagWarning, "DATA_MISMATCH", ref),
				map[string]any{"path": "organization_number", "value": org, "expected": c.Company.OrgNumber}))
		}
	}
	return completed(ref, flags...)
}

// normalizeAccount drops the spaces and dots people write account numbers with.
func normalizeAccount(n string) string {
	return strings.NewReplacer(" ", "", ".", "", "-", "").Replace(n)
}

func (c *qCase) bankAccountCheck() []qCheckData {
	accts := c.declaration("bank_account")
	if len(accts) == 0 {
		accts = c.prefill("bank_account")
	}
	if len(accts) == 0 {
		return []qCheckData{notStarted()} // performed once an account is declared
	}
	var out []qCheckData
	for _, a := range accts {
		num, _ := a["number"].(string)
		num = normalizeAccount(num)
		country, _ := a["country"].(string)
		if country == "" {
			country = "NO"
		}
		ref := map[string]any{"type": "bank_account", "id": num}
		switch {
		case !strings.EqualFold(country, "NO"):
			out = append(out, completed(ref, qFlag(flagWarning, "BANK_ACCOUNT_NUMBER_UNSUPPORTED", ref)))
		case !seeddata.ValidBankAccounts[num]:
			out = append(out, completed(ref, qFlag(flagError, "BANK_ACCOUNT_NUMBER_INVALID", ref)))
		default:
			out = append(out, completed(ref))
		}
	}
	return out
}

func (c *qCase) creditScoreCheck(now time.Time) qCheckData {
	ref := c.companyRef()
	if c.Company == nil {
		return completed(ref, qFlag(flagWarning, "CASE_TYPE_NOT_SUPPORTED", ref))
	}
	grade := c.Company.CreditGrade
	value := seeddata.CreditScores[grade]
	remarks := seeddata.PaymentRemarkGrades[grade]
	remarkText := "No payment remarks"
	if remarks {
		remarkText = "Payment remarks registered"
	}
	score := map[string]any{"grade": grade, "value": value}
	c.Discovered = append(c.Discovered, typeData{Type: "credit_score", Data: []map[string]any{{
		"id":                    refID(c.ID, "credit_score"),
		"created_at":            now.Format(time.RFC3339Nano),
		"created_by":            "Creditsafe/quickr",
		"credit_limit":          seeddata.CreditLimits[grade],
		"credit_limit_currency": "NOK",
		"current_credit_score":  score,
		"previous_credit_score": score,
		"payment_remarks":       remarkText,
	}}})
	var flags []map[string]any
	if remarks {
		flags = append(flags, qFlag(flagWarning, "COMPANY_HAS_PAYMENT_REMARKS", ref))
	}
	if value < 30 {
		flags = append(flags, withDetails(qFlag(flagError, "COMPANY_HAS_HIGH_RISK", ref),
			map[string]any{"path": "current_credit_score.value", "value": value, "expected": ">= 30"}))
	}
	return completed(ref, flags...)
}

// declaredWebsite reads the website from payment_information (the seed strips the field's
// name; website, website_url and url are accepted).
func (c *qCase) declaredWebsite() string {
	for _, it := range c.declaration("payment_information") {
		for _, k := range []string{"website", "website_url", "url"} {
			if v, _ := it[k].(string); v != "" {
				return v
			}
		}
	}
	return ""
}

func (c *qCase) websiteCheck() qCheckData {
	site := c.declaredWebsite()
	if site == "" {
		return notStarted()
	}
	ref := map[string]any{"type": "website", "id": site}
	u, err := url.Parse(site)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return completed(ref, qFlag(flagError, "INVALID_URL", ref))
	}
	norm := strings.TrimRight(strings.ToLower(site), "/")
	code := seeddata.TestWebsites[norm]
	if code == "" {
		return completed(ref)
	}
	level := flagWarning
	if code == "WEBSITE_UNREACHABLE" || code == "TOO_MANY_REDIRECTS" {
		level = flagError
	}
	f := qFlag(level, code, ref)
	switch {
	case len(seeddata.TestWebsiteRedirects[norm]) > 0:
		f = withDetails(f, map[string]any{"path": "redirects", "value": seeddata.TestWebsiteRedirects[norm], "expected": "at most 3 redirects"})
	case code == "TRAFFIC_UPDATED":
		f = withDetails(f, map[string]any{"path": "traffic.monthly_visits", "value": "12000", "expected": "4000"})
	}
	return completed(ref, f)
}

// risk is the case risk level from the flags: HIGH for sanctions, an inactive company or a
// high credit risk; MEDIUM for a PEP or a sole proprietorship; else LOW.
func (c *qCase) risk() string {
	codes := map[string]bool{}
	for _, ch := range c.Checks {
		for _, d := range ch.Data {
			for _, f := range d.Flags {
				if code, ok := f["code"].(string); ok {
					codes[code] = true
				}
			}
		}
	}
	switch {
	case codes["COMPANY_IN_SANCTIONS"] || codes["PERSON_IN_SANCTIONS"] || codes["COMPANY_INACTIVE"] || codes["COMPANY_HAS_HIGH_RISK"]:
		return "HIGH"
	case codes["PERSON_IN_PEP"] || (c.Company != nil && c.Company.SoleProprietorship()):
		return "MEDIUM"
	default:
		return "LOW"
	}
}
