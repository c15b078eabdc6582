package quickr

import (
	"fmt"
	"strings"

	"github.com/merchantflow/onboarding/providers/sandbox/seeddata"
)

// The persons the checks screen: who they are, and the sanctions, PEP and UBO checks.

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
func (c *qCase) lookupPerson(name string) (seeddata.TestPerson, bool) {
	var companies []seeddata.TestCompany
	if c.Company != nil {
		companies = append(companies, *c.Company)
	}
	for _, org := range seeddata.CompanyOrgs() {
		companies = append(companies, seeddata.TestCompanies[org])
	}
	for _, tc := range companies {
		for _, list := range [][]seeddata.TestPerson{tc.Board, tc.UBOs} {
			for _, p := range list {
				if strings.EqualFold(p.Name, name) {
					return p, true
				}
			}
		}
	}
	for _, p := range seeddata.TestPersons {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return seeddata.TestPerson{}, false
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
