package quickr_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers/sandbox"
)

// TestQuickrTestCompanies walks each documented test company (and one outside the set)
// through declaration, signing and checks, and compares every check's flags.
func TestQuickrTestCompanies(t *testing.T) {
	none := []string{}
	tests := []struct {
		org    string
		flags  map[string][]string
		risk   string
		grade  string
		value  float64
		signed bool // the company has board members, so a contract is signed
	}{
		{
			org: "987654321", risk: "LOW", grade: "A", value: 100, signed: true,
			flags: map[string][]string{
				"company": none, "sanction": none, "politically_exposed_person": none,
				"ultimate_beneficial_ownership": none, "bank_account": none, "credit_score": none, "signatory": none,
			},
		},
		{
			org: "123456789", risk: "MEDIUM", grade: "B", value: 75, signed: true,
			flags: map[string][]string{
				"company": none, "sanction": none, "politically_exposed_person": none,
				"ultimate_beneficial_ownership": {"COMPANY_TYPE_NOT_SUPPORTED"}, "bank_account": none,
				"credit_score": none, "signatory": none,
			},
		},
		{
			org: "987123654", risk: "HIGH", grade: "C", value: 45, signed: true,
			flags: map[string][]string{
				"company": {"COMPANY_INACTIVE", "COMPANY_IN_SANCTIONS"},
				// Aethelwulf and Aethelred are sanctioned.
				"sanction": {"COMPANY_IN_SANCTIONS", "PERSON_IN_SANCTIONS", "PERSON_IN_SANCTIONS"},
				// Ecbert and Aethelwulf are PEPs.
				"politically_exposed_person":    {"PERSON_IN_PEP", "PERSON_IN_PEP"},
				"ultimate_beneficial_ownership": {"PERSON_IN_PEP", "PERSON_IN_PEP", "PERSON_IN_SANCTIONS"},
				"bank_account":                  none,
				"credit_score":                  {"COMPANY_HAS_PAYMENT_REMARKS"},
				"signatory":                     none,
			},
		},
		{
			org: "159753468", risk: "HIGH", grade: "E", value: 15, signed: true,
			flags: map[string][]string{
				"company":                       {"COMPANY_INACTIVE", "COMPANY_IN_SANCTIONS"},
				"sanction":                      {"COMPANY_IN_SANCTIONS", "PERSON_IN_SANCTIONS"},
				"politically_exposed_person":    none,
				"ultimate_beneficial_ownership": {"COMPANY_TYPE_NOT_SUPPORTED"},
				"bank_account":                  none,
				"credit_score":                  {"COMPANY_HAS_HIGH_RISK", "COMPANY_HAS_PAYMENT_REMARKS"},
				"signatory":                     none,
			},
		},
		{
			// The guide's Dintero AS is outside the test set: nothing is discovered, nobody
			// signs, and the credit score is unsupported.
			org: "919656395", risk: "LOW",
			flags: map[string][]string{
				"company": {"DISCOVERY_MISSING"}, "sanction": none, "politically_exposed_person": none,
				"ultimate_beneficial_ownership": none, "bank_account": none,
				"credit_score": {"CASE_TYPE_NOT_SUPPORTED"}, "signatory": {"DECLARATION_MISSING"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.org, func(t *testing.T) {
			e := qtNew(t, nil)
			id := e.create("ref-"+tc.org, tc.org, qtAllChecks...)
			doc := e.mustControl(id, "declare", nil)
			if tc.signed {
				require.Equal(t, "PROCESSING_DETAILS", doc["status"], "awaiting signatures")
				require.Equal(t, "unsigned", qtContractStatus(t, doc))
				require.Equal(t, []string{"NOT_STARTED"}, qtCheckStatuses(doc, "company"), "checks wait for the signatures")
				doc = e.mustControl(id, "sign", nil)
			}
			require.Equal(t, "READY_FOR_REVIEW", doc["status"])
			require.Equal(t, tc.risk, doc["risk_level"])
			for typ, want := range tc.flags {
				require.Equal(t, want, qtFlags(doc, typ), "check %s", typ)
				for _, st := range qtCheckStatuses(doc, typ) {
					require.Equal(t, "COMPLETED", st, "check %s", typ)
				}
				for _, d := range qtCheckData(doc, typ) {
					for _, f := range d["flags"].([]any) {
						fm := f.(map[string]any)
						require.Contains(t, []any{"WARNING", "ERROR"}, fm["type"])
						require.Equal(t, d["ref"], fm["ref"], "a flag points at its item's entity")
					}
				}
			}
			var credit map[string]any
			for _, ci := range doc["current_information"].([]any) {
				if m := ci.(map[string]any); m["type"] == "credit_score" {
					credit = m["data"].([]any)[0].(map[string]any)["current_credit_score"].(map[string]any)
				}
			}
			if tc.grade == "" {
				require.Nil(t, credit)
				return
			}
			require.Equal(t, tc.grade, credit["grade"])
			require.Equal(t, tc.value, credit["value"])
		})
	}
}

func TestQuickrTestBankAccounts(t *testing.T) {
	tests := []struct {
		number, country, flag string
	}{
		{"24681357902", "", ""},
		{"13579246801", "NO", ""},
		{"12345678901", "NO", ""},
		{"98765432101", "NO", ""},
		{"86011117947", "NO", "BANK_ACCOUNT_NUMBER_INVALID"}, // the guide's example account
		{"50001234567", "SE", "BANK_ACCOUNT_NUMBER_UNSUPPORTED"},
	}
	for _, tc := range tests {
		t.Run(tc.number+tc.country, func(t *testing.T) {
			e := qtNew(t, nil)
			id := e.create("ref", "987654321", "bank_account")
			doc := e.mustControl(id, "declare", map[string]any{"bankAccount": tc.number, "bankAccountCountry": tc.country})
			require.Equal(t, "READY_FOR_REVIEW", doc["status"], "no signatory check, no contract")
			want := []string{}
			if tc.flag != "" {
				want = []string{tc.flag}
			}
			require.Equal(t, want, qtFlags(doc, "bank_account"))
			data := qtCheckData(doc, "bank_account")
			require.Len(t, data, 1)
			require.Equal(t, map[string]any{"type": "bank_account", "id": tc.number}, data[0]["ref"])
		})
	}
}

func TestQuickrTestPersons(t *testing.T) {
	tests := []struct {
		name string
		risk string
		// flags per check when the person is the only declared signatory and UBO (and so the
		// form submitter) of Ragnarok AS, whose own people are clean.
		flags map[string][]string
	}{
		{"Ivar Ragnarsson", "HIGH", map[string][]string{
			"sanction":                      {"PERSON_IN_SANCTIONS"},
			"politically_exposed_person":    {"PERSON_IN_PEP"},
			"ultimate_beneficial_ownership": {"DATA_MANUALLY_ADDED", "PERSON_IN_PEP", "PERSON_IN_SANCTIONS"},
			"signatory":                     {"SIGNATORY_MISMATCH"},
		}},
		{"Ubbe Ragnarsson", "MEDIUM", map[string][]string{
			"sanction":                      {},
			"politically_exposed_person":    {"PERSON_IN_PEP"},
			"ultimate_beneficial_ownership": {"DATA_MANUALLY_ADDED", "PERSON_IN_PEP"},
			"signatory":                     {"SIGNATORY_MISMATCH"},
		}},
		{"Hvitserk Ragnarsson", "HIGH", map[string][]string{
			"sanction":                      {"PERSON_IN_SANCTIONS"},
			"politically_exposed_person":    {},
			"ultimate_beneficial_ownership": {"DATA_MANUALLY_ADDED", "PERSON_IN_SANCTIONS"},
			"signatory":                     {"SIGNATORY_MISMATCH"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := qtNew(t, nil)
			id := e.create("ref", "987654321", "sanction", "politically_exposed_person", "ultimate_beneficial_ownership", "signatory")
			doc := e.mustControl(id, "declare", map[string]any{"signatoryNames": []string{tc.name}, "uboNames": []string{tc.name}})
			items := qtContractItems(doc)
			require.Len(t, items, 1)
			require.Equal(t, tc.name, items[0]["signatory"].(map[string]any)["name"])
			require.Equal(t, []string{"CONTRACT_NOT_SIGNED", "SIGNATORY_MISMATCH"}, qtFlags(doc, "signatory"))
			doc = e.mustControl(id, "sign", map[string]any{"signatory": tc.name})
			require.Equal(t, "READY_FOR_REVIEW", doc["status"])
			require.Equal(t, tc.risk, doc["risk_level"])
			for typ, want := range tc.flags {
				require.Equal(t, want, qtFlags(doc, typ), "check %s", typ)
			}
		})
	}
}

func TestQuickrTestWebsites(t *testing.T) {
	tests := []struct {
		site, flag string
		redirects  int
	}{
		{"https://traffic-update.test", "TRAFFIC_UPDATED", 0},
		{"https://mcc-update.test", "MERCHANT_CATEGORY_CODE_UPDATED", 0},
		{"https://too-many-redirects.test", "TOO_MANY_REDIRECTS", 3},
		{"https://website-unreachable.test", "WEBSITE_UNREACHABLE", 0},
		{"https://redirected.test/", "REDIRECTED", 1},
		{"https://example.test", "", 0},
		{"not a url", "INVALID_URL", 0},
	}
	for _, tc := range tests {
		t.Run(tc.site, func(t *testing.T) {
			e := qtNew(t, nil)
			id := e.create("ref", "987654321", "website")
			require.Equal(t, []string{"NOT_STARTED"}, qtCheckStatuses(e.getCase(id), "website"))
			doc := e.mustControl(id, "declare", map[string]any{"website": tc.site})
			require.Equal(t, "READY_FOR_REVIEW", doc["status"])
			want := []string{}
			if tc.flag != "" {
				want = []string{tc.flag}
			}
			require.Equal(t, want, qtFlags(doc, "website"))
			if tc.redirects > 0 {
				f := qtCheckData(doc, "website")[0]["flags"].([]any)[0].(map[string]any)
				chain := f["details"].([]any)[0].(map[string]any)["value"].([]any)
				require.Len(t, chain, tc.redirects)
			}
		})
	}
}

// Without a website the website check is not performed; other declaration checks likewise.
func TestQuickrChecksWaitForData(t *testing.T) {
	e := qtNew(t, nil)
	id := e.create("ref", "987654321", "website", "bank_account", "form_submitter", "company")
	doc := e.mustControl(id, "declare", map[string]any{"signatories": []any{}})
	require.Equal(t, "READY_FOR_REVIEW", doc["status"])
	require.Equal(t, []string{"NOT_STARTED"}, qtCheckStatuses(doc, "website"))
	require.Equal(t, []string{"COMPLETED"}, qtCheckStatuses(doc, "bank_account"), "the default declaration has an account")
	require.Equal(t, []string{"DECLARATION_MISSING"}, qtFlags(doc, "form_submitter"), "nobody declared, nobody submitted")
}

func TestQuickrSelfDeclaredPEP(t *testing.T) {
	e := qtNew(t, nil)
	id := e.create("ref", "987654321", "politically_exposed_person")
	doc := e.mustControl(id, "declare", map[string]any{"pep": true})
	require.Equal(t, []string{"PERSON_IN_PEP"}, qtFlags(doc, "politically_exposed_person"))
	require.Equal(t, "MEDIUM", doc["risk_level"])
}

func TestQuickrPerformChecksAndCreditOnly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		actions []string
		checks  []string
	}{
		{"perform_checks", []string{"perform_checks"}, []string{"company", "credit_score", "bank_account"}},
		{"credit_score only", []string{"request_declaration"}, []string{"credit_score"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := qtNew(t, func(c *sandbox.Config) { c.ChecksDelay = 3 * time.Second })
			body := qtCaseBody("ref", "987123654", tc.checks...)
			body["actions"] = tc.actions
			st, doc := e.api(http.MethodPost, "/cases", body)
			require.Equal(t, http.StatusOK, st, doc)
			require.Equal(t, "PROCESSING_DETAILS", doc["status"])
			require.Equal(t, []string{"IN_PROGRESS"}, qtCheckStatuses(doc, "credit_score"))
			e.Clock.Advance(3 * time.Second)
			doc = e.getCase(doc["id"].(string))
			require.Equal(t, "READY_FOR_REVIEW", doc["status"])
			require.Equal(t, []string{"COMPANY_HAS_PAYMENT_REMARKS"}, qtFlags(doc, "credit_score"))
			if qtContains(tc.checks, "bank_account") {
				require.Equal(t, []string{"NOT_STARTED"}, qtCheckStatuses(doc, "bank_account"), "nothing declared")
			}
		})
	}
}

func qtContains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
