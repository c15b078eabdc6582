package sandbox

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Quickr check results computed from the seed's test data. The flag table is at the top of
// quickr.go.

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

// quickrRunChecksLocked computes every check's result, the discovered credit score and the
// risk level.
func (s *Server) quickrRunChecksLocked(c *qCase, now time.Time) {
	at := now.Format(time.RFC3339Nano)
	c.Discovered = nil
	for _, ch := range c.Checks {
		if ch.Type == "signatory" && c.Contract != nil && !c.DeclaredAt.IsZero() {
			s.quickrSignatoryCheckLocked(c, now, "COMPLETED")
			continue
		}
		ch.Data = c.checkData(ch.Type, now)
		for i := range ch.Data {
			ch.Data[i].UpdatedAt = at
			ch.Data[i].Flags = nonNilMaps(ch.Data[i].Flags)
		}
	}
	c.RiskLevel = c.risk()
	c.UpdatedAt = now
}

func completed(ref map[string]any, flags ...map[string]any) qCheckData {
	return qCheckData{Status: "COMPLETED", Flags: nonNilMaps(flags), Ref: ref}
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

// qEntity is a person the checks look at.
type qEntity struct {
	kind      string // signatory, ultimate_beneficial_ownership, form_submitter
	name      string
	prefilled bool
	declared  bool
}

func (e qEntity) ref(caseID string) map[string]any {
	return map[string]any{"type": e.kind, "id": refID(caseID, e.kind, e.name)}
}

// people lists persons from the given sources ("prefill:<type>", "declaration:<type>",
// "form_submitter"), first mention first, one entry per name.
func (c *qCase) people(sources ...string) []qEntity {
	var out []qEntity
	idx := map[string]int{}
	add := func(kind, name string, prefilled bool) {
		if strings.TrimSpace(name) == "" {
			return
		}
		key := strings.ToLower(name)
		if i, ok := idx[key]; ok {
			out[i].prefilled = out[i].prefilled || prefilled
			out[i].declared = out[i].declared || !prefilled
			return
		}
		idx[key] = len(out)
		out = append(out, qEntity{kind: kind, name: name, prefilled: prefilled, declared: !prefilled})
	}
	for _, src := range sources {
		if src == "form_submitter" {
			if c.FormSubmitter != nil {
				n, _ := c.FormSubmitter["name"].(string)
				add("form_submitter", n, false)
			}
			continue
		}
		origin, typ, _ := strings.Cut(src, ":")
		items := c.declaration(typ)
		if origin == "prefill" {
			items = c.prefill(typ)
		}
		for _, it := range items {
			n, _ := it["name"].(string)
			add(typ, n, origin == "prefill")
		}
	}
	return out
}

// lookupPerson finds a person in the test data: the case's company first, then the other
// test companies, then the test persons.
func (c *qCase) lookupPerson(name string) (TestPerson, bool) {
	var companies []TestCompany
	if c.Company != nil {
		companies = append(companies, *c.Company)
	}
	orgs := make([]string, 0, len(TestCompanies))
	for org := range TestCompanies {
		orgs = append(orgs, org)
	}
	sort.Strings(orgs)
	for _, org := range orgs {
		companies = append(companies, TestCompanies[org])
	}
	for _, tc := range companies {
		for _, list := range [][]TestPerson{tc.Board, tc.UBOs} {
			for _, p := range list {
				if strings.EqualFold(p.Name, name) {
					return p, true
				}
			}
		}
	}
	for _, p := range TestPersons {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return TestPerson{}, false
}

// selfDeclaredPEP reports a politically_exposed_person declaration answering yes.
func (c *qCase) selfDeclaredPEP() bool {
	for _, it := range c.declaration("politically_exposed_person") {
		if b, _ := it["politically_exposed_person"].(bool); b {
			return true
		}
		if b, _ := it["affiliated_to_politically_exposed_person"].(bool); b {
			return true
		}
	}
	return false
}

var screenedSources = []string{
	"prefill:signatory", "prefill:ultimate_beneficial_ownership",
	"declaration:signatory", "declaration:ultimate_beneficial_ownership", "form_submitter",
}

// screen is the sanctions (sanctions=true) or PEP screening: the company, then every person.
func (c *qCase) screen(sanctions bool) []qCheckData {
	cref := c.companyRef()
	company := completed(cref)
	if sanctions && c.Company != nil && c.Company.Sanction {
		company = completed(cref, qFlag(flagError, "COMPANY_IN_SANCTIONS", cref))
	}
	out := []qCheckData{company}
	submitterSeen := false
	for _, e := range c.people(screenedSources...) {
		ref := e.ref(c.ID)
		var flags []map[string]any
		p, known := c.lookupPerson(e.name)
		if sanctions && known && p.Sanction {
			flags = append(flags, qFlag(flagError, "PERSON_IN_SANCTIONS", ref))
		}
		isSubmitter := c.FormSubmitter != nil && strings.EqualFold(fmt.Sprint(c.FormSubmitter["name"]), e.name)
		submitterSeen = submitterSeen || isSubmitter
		if !sanctions && ((known && p.PEP) || (isSubmitter && c.selfDeclaredPEP())) {
			flags = append(flags, qFlag(flagWarning, "PERSON_IN_PEP", ref))
		}
		out = append(out, completed(ref, flags...))
	}
	if !sanctions && !submitterSeen && c.selfDeclaredPEP() {
		ref := map[string]any{"type": "form_submitter", "id": refID(c.ID, "form_submitter")}
		out = append(out, completed(ref, qFlag(flagWarning, "PERSON_IN_PEP", ref)))
	}
	return out
}

func (c *qCase) uboCheck() []qCheckData {
	var out []qCheckData
	sources := []string{"prefill:ultimate_beneficial_ownership", "declaration:ultimate_beneficial_ownership"}
	if c.Company != nil && c.Company.SoleProprietorship() {
		cref := c.companyRef()
		out = append(out, completed(cref, qFlag(flagWarning, "COMPANY_TYPE_NOT_SUPPORTED", cref)))
		sources = sources[1:]
	}
	for _, e := range c.people(sources...) {
		ref := e.ref(c.ID)
		var flags []map[string]any
		if p, ok := c.lookupPerson(e.name); ok {
			if p.Sanction {
				flags = append(flags, qFlag(flagError, "PERSON_IN_SANCTIONS", ref))
			}
			if p.PEP {
				flags = append(flags, qFlag(flagWarning, "PERSON_IN_PEP", ref))
			}
		}
		if c.Company != nil && !e.prefilled {
			flags = append(flags, qFlag(flagWarning, "DATA_MANUALLY_ADDED", ref))
		}
		out = append(out, completed(ref, flags...))
	}
	if len(out) == 0 {
		out = append(out, completed(c.companyRef()))
	}
	return out
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
		case !ValidBankAccounts[num]:
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
	value := CreditScores[grade]
	remarks := PaymentRemarkGrades[grade]
	remarkText := "No payment remarks"
	if remarks {
		remarkText = "Payment remarks registered"
	}
	score := map[string]any{"grade": grade, "value": value}
	c.Discovered = append(c.Discovered, typeData{Type: "credit_score", Data: []map[string]any{{
		"id":                    refID(c.ID, "credit_score"),
		"created_at":            now.Format(time.RFC3339Nano),
		"created_by":            "Creditsafe/quickr",
		"credit_limit":          CreditLimits[grade],
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
	code := TestWebsites[norm]
	if code == "" {
		return completed(ref)
	}
	level := flagWarning
	if code == "WEBSITE_UNREACHABLE" || code == "TOO_MANY_REDIRECTS" {
		level = flagError
	}
	f := qFlag(level, code, ref)
	switch {
	case len(TestWebsiteRedirects[norm]) > 0:
		f = withDetails(f, map[string]any{"path": "redirects", "value": TestWebsiteRedirects[norm], "expected": "at most 3 redirects"})
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
