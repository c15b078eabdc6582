package automation

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ohler55/ojg/jp"

	"github.com/merchantflow/onboarding/api"
)

// Reasons in words. A condition's trace carries a sentence that names what it looked at (the
// check, flag or fact, found from where each matched value sits in the case document) and the
// value it saw; the JSONPath stays in the trace as the detail. The words for Quickr's check
// types and flag codes follow the case-details reference (seed 002).

var checkLabels = map[string]string{
	"sanction":                      "sanctions",
	"sanctions":                     "sanctions",
	"politically_exposed_person":    "PEP",
	"company":                       "company",
	"ultimate_beneficial_ownership": "UBO",
	"bank_account":                  "bank account",
	"signatory":                     "signatory",
	"credit_score":                  "credit score",
	"website":                       "website",
	"form_submitter":                "form submitter",
	"agreement":                     "agreement",
	"adverse_media":                 "adverse media",
	"identity_verification":         "identity verification",
	"payment_information":           "payment information",
	"product_service":               "product or service",
}

// CheckLabel is a Quickr check type in words ("ultimate_beneficial_ownership" -> "UBO").
func CheckLabel(typ string) string {
	return labelOr(checkLabels, typ, strings.ReplaceAll(typ, "_", " "))
}

// labelOr is key's label, or otherwise for a key without one.
func labelOr(labels map[string]string, key, otherwise string) string {
	if l, ok := labels[key]; ok {
		return l
	}
	return otherwise
}

// flagMeanings are the case-details reference's explanations of each flag code, shortened.
var flagMeanings = map[string]string{
	"DECLARATION_MISSING":                 "the declaration is missing",
	"PREFILL_MISSING":                     "a required prefill is missing",
	"DATA_MISSING":                        "required data is missing",
	"DATA_MISMATCH":                       "the declared data does not match the prefill",
	"DATA_MANUAL_UPDATE":                  "the declared data was changed by hand from the prefill",
	"DISCOVERY_MISSING":                   "Quickr found no information in the public register",
	"THIRD_PARTY_ERROR":                   "Quickr could not get the information from its source",
	"THIRD_PARTY_API_ERROR":               "Quickr could not get the information from its source",
	"INTERNAL_SERVER_ERROR":               "Quickr failed while checking",
	"INTERNAL_API_ERROR":                  "Quickr failed while checking",
	"COMPANY_INACTIVE":                    "the company is inactive in the public register",
	"COMPANY_IN_SANCTIONS":                "the company is on a sanctions list",
	"PARENT_COMPANY_CHANGED":              "the parent company has changed",
	"DISCOVERY_UPDATED":                   "the public register's information has changed",
	"CONTRACT_NOT_SIGNED":                 "the contract is not signed",
	"SIGNATORY_MISMATCH":                  "the declared signatory does not match who signed",
	"PERSON_IN_SANCTIONS":                 "a person is on a sanctions list",
	"PERSON_IN_PEP":                       "a person is, or is close to, a politically exposed person",
	"COMPANY_TYPE_NOT_SUPPORTED":          "Quickr does not support this check for the company type, mostly a sole proprietorship",
	"POSSIBLE_FAMILY_RELATIONS":           "the beneficial owners may be related",
	"DATA_MANUALLY_ADDED":                 "a declared entry is not in the public register",
	"POSSIBLE_ULTIMATE_BENEFICIAL_OWNERS": "there may be beneficial owners not declared",
	"BANK_ACCOUNT_NUMBER_INVALID":         "the bank account is invalid or not the company's",
	"BANK_ACCOUNT_NUMBER_UNSUPPORTED":     "Quickr cannot verify the account number (only Norwegian ones)",
	"COMPANY_HAS_HIGH_RISK":               "the credit score is below Quickr's threshold of 30",
	"COMPANY_HAS_PAYMENT_REMARKS":         "the company has payment remarks",
	"CASE_TYPE_NOT_SUPPORTED":             "Quickr does not support this check for the case type (sandbox data outside the test set)",
	"AGREEMENT_NOT_ACCEPTED":              "the agreement was not accepted",
	"MERCHANT_CATEGORY_CODE_UPDATED":      "the merchant category code differs from the declared one",
	"TRAFFIC_UPDATED":                     "the website's traffic has changed",
	"INVALID_URL":                         "the website address is invalid",
	"TOO_MANY_REDIRECTS":                  "the website redirects more than 3 times",
	"WEBSITE_UNREACHABLE":                 "the website is unreachable",
	"REDIRECTED":                          "the website redirects elsewhere",
}

// FlagMeaning is what a Quickr flag code means, in words; "" for a code the reference does
// not explain.
func FlagMeaning(code string) string { return flagMeanings[code] }

var factLabels = map[string]string{
	"company_age":           "the company's age in years",
	"credit_score":          "the credit score",
	"credit_analysis_score": "the credit analysis score",
	"credit_terms_status":   "the credit terms status",
	"identity_match":        "the identity match",
	"prior_kyc_status":      "the prior KYC look-up",
	"prior_kyc_cases":       "the number of prior KYC cases",
}

// FactLabel is one of the engine's facts ($.context.<key>) in words.
func FactLabel(key string) string { return labelOr(factLabels, key, "the fact "+key) }

var sectionLabels = map[string]string{
	"current_information": "Quickr's current information",
	"prefills":            "prefill",
	"declarations":        "declaration",
}

// located is one value a path matched and where it sits.
type located struct {
	loc    jp.Expr
	v      any
	length bool // v is the .length of what loc points at
}

// FlagPhrase is a flag in words: "COMPANY_TYPE_NOT_SUPPORTED (warning: Quickr does not ...)".
func FlagPhrase(code, level string) string {
	var extra []string
	if level != "" {
		extra = append(extra, strings.ToLower(level))
	}
	if m := FlagMeaning(code); m != "" {
		extra = append(extra, m)
	}
	if len(extra) == 0 {
		return code
	}
	return code + " (" + strings.Join(extra, ": ") + ")"
}

// subject names where a matched value sits, and says whether it is a flag (or a flag's
// code) of a check: "the UBO check", "the company prefill's country", "the identity match".
func subject(doc any, loc jp.Expr) (name string, flag bool) {
	frags := []jp.Frag(loc)
	if len(frags) > 0 {
		switch frags[0].(type) {
		case jp.Root, jp.At:
			frags = frags[1:]
		}
	}
	key := func(i int) (string, bool) {
		if i < len(frags) {
			c, ok := frags[i].(jp.Child)
			return string(c), ok
		}
		return "", false
	}
	top, _ := key(0)
	var rest []string
	tail := func(from int) {
		for i := from; i < len(frags); i++ {
			switch f := frags[i].(type) {
			case jp.Child:
				if string(f) != "data" {
					rest = append(rest, strings.ReplaceAll(string(f), "_", " "))
				}
			}
		}
	}
	switch top {
	case "context":
		if k, ok := key(1); ok {
			return FactLabel(k), false
		}
	case "checks":
		typ := typeAt(doc, frags, "checks")
		name = "the " + CheckLabel(typ) + " check"
		for i := 2; i < len(frags); i++ {
			if k, ok := frags[i].(jp.Child); ok && k == "flags" {
				return name, true
			}
		}
		tail(2)
		if len(rest) > 0 {
			return name + "'s " + strings.Join(rest, " "), false
		}
		return name, false
	case "current_information", "prefills", "declarations":
		typ := strings.ReplaceAll(typeAt(doc, frags, top), "_", " ")
		if typ == "ultimate beneficial ownership" {
			typ = "UBO"
		}
		tail(2)
		// The last key names the value ("current_credit_score.value": current credit score).
		if len(rest) > 1 && rest[len(rest)-1] == "value" {
			rest = rest[:len(rest)-1]
		}
		last := typ
		if len(rest) > 0 {
			last = rest[len(rest)-1]
		}
		if top == "current_information" {
			return "Quickr's " + last, false
		}
		if len(rest) == 0 {
			return "the " + typ + " " + sectionLabels[top], false
		}
		return "the " + typ + " " + sectionLabels[top] + "'s " + last, false
	}
	return loc.String(), false
}

// typeAt reads the "type" of the array element frags[1] indexes in doc[top].
func typeAt(doc any, frags []jp.Frag, top string) string {
	m, _ := doc.(map[string]any)
	list, _ := m[top].([]any)
	if len(frags) < 2 {
		return top
	}
	n, ok := frags[1].(jp.Nth)
	if !ok || int(n) < 0 || int(n) >= len(list) {
		return top
	}
	el, _ := list[int(n)].(map[string]any)
	if t, ok := el["type"].(string); ok && t != "" {
		return t
	}
	return top
}

var (
	typeFilterRE = regexp.MustCompile(`@\.type\s*={2,3}\s*'([A-Za-z_]+)'`)
	contextRE    = regexp.MustCompile(`^\$\.context\.([A-Za-z_]+)`)
)

// pathSubject names what a path asks for, from its text alone, for when it matched nothing.
func pathSubject(path string) string {
	path = strings.TrimSpace(path)
	if m := contextRE.FindStringSubmatch(path); m != nil {
		return FactLabel(m[1])
	}
	var labels []string
	seen := map[string]bool{}
	for _, m := range typeFilterRE.FindAllStringSubmatch(path, -1) {
		var l string
		switch {
		case strings.HasPrefix(path, "$.checks"):
			l = CheckLabel(m[1])
		case m[1] == "ultimate_beneficial_ownership":
			l = "UBO"
		default:
			l = strings.ReplaceAll(m[1], "_", " ")
		}
		if !seen[l] {
			seen[l] = true
			labels = append(labels, l)
		}
	}
	what := strings.Join(labels, ", ")
	if i := strings.LastIndex(what, ", "); i >= 0 {
		what = what[:i] + " or " + what[i+2:]
	}
	last := path
	if i := strings.LastIndexAny(path, ".]"); i >= 0 {
		last = strings.Trim(path[i+1:], "[]*.")
	}
	last = strings.ReplaceAll(last, "_", " ")
	switch {
	case strings.HasPrefix(path, "$.checks") && what != "":
		if strings.Contains(path, ".flags") {
			return "a flag of the " + what + " check"
		}
		if last != "" {
			return "the " + last + " of the " + what + " check"
		}
		return "the " + what + " check"
	case what != "":
		for top, label := range sectionLabels {
			if strings.HasPrefix(path, "$."+top) {
				if top == "current_information" {
					label = "in " + label
				}
				if last != "" {
					return "the " + last + " of the " + what + " " + label
				}
				return "the " + what + " " + label
			}
		}
	}
	return path
}

// show writes a value for a sentence: strings as they are, the rest canonical.
func word(v any) string {
	if s, ok := v.(string); ok {
		return truncate(s)
	}
	return truncate(canonical(v))
}

// flagOf reads a flag object, or a flag's code, matched under a check's flags.
func flagOf(doc any, l located) (code, level string, ok bool) {
	switch t := l.v.(type) {
	case map[string]any:
		code, _ = t["code"].(string)
		level, _ = t["severity"].(string)
		if level == "" {
			level, _ = t["type"].(string)
		}
		return code, level, code != ""
	case string:
		// ...flags[k].code: the flag object is one step up.
		if len(l.loc) > 1 {
			if k, isKey := l.loc[len(l.loc)-1].(jp.Child); isKey && k == "code" {
				if parent, found := jp.Expr(l.loc[:len(l.loc)-1]).FirstFound(doc); found {
					if m, isMap := parent.(map[string]any); isMap {
						level, _ = m["severity"].(string)
						if level == "" {
							level, _ = m["type"].(string)
						}
					}
				}
				return t, level, true
			}
		}
	}
	return "", "", false
}

// sentences says in words what a leaf condition saw: one sentence per value at fault (or, for
// a condition that held, per value that made it hold), naming where each sits.
func sentences(doc any, c Condition, ct api.ConditionTrace, vals []located, want []any) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] { // many items of one check say the same
			seen[s] = true
			out = append(out, s)
		}
	}
	named := func(l located) string {
		name, _ := subject(doc, l.loc)
		if l.length {
			what := "entries"
			if k, ok := l.loc[len(l.loc)-1].(jp.Child); ok && len(l.loc) > 1 {
				what = strings.ReplaceAll(string(k), "_", " ")
			}
			if what == "data" {
				what = "results"
			}
			return "the number of " + what + " of " + name
		}
		return name
	}
	flagged := func(l located) bool {
		if _, isFlag := subject(doc, l.loc); !isFlag || l.length {
			return false
		}
		code, level, ok := flagOf(doc, l)
		if ok {
			add(named(l) + " flagged " + FlagPhrase(code, level))
		}
		return ok
	}
	nothing := len(vals) == 0
	what := pathSubject(c.Field)
	switch c.Type {
	case CondEqualToNull:
		if ct.Result {
			add("no " + strings.TrimPrefix(what, "a ") + " is set, as required")
			break
		}
		for _, l := range vals {
			if l.v == nil || flagged(l) {
				continue
			}
			name := named(l)
			add(name + " is " + word(l.v) + ", where it must have no value")
		}
	case CondEqual:
		if nothing {
			add(what + " is not known, where it must be " + c.Value)
			break
		}
		for _, l := range vals {
			held := equalValue(l.v, c.Value)
			if held != ct.Result {
				continue
			}
			if held && flagged(l) {
				continue
			}
			name := named(l)
			if held {
				add(name + " is " + word(l.v))
			} else {
				add(name + " is " + word(l.v) + ", not " + c.Value)
			}
		}
	case CondGreaterThanOrEqual:
		if nothing {
			add(what + " is not known, where it must be at least " + c.Value)
			break
		}
		limit, _ := number(c.Value)
		for _, l := range vals {
			n, isNum := number(l.v)
			name := named(l)
			switch {
			case !isNum && !ct.Result:
				add(name + " is " + word(l.v) + ", not a number")
			case isNum && n < limit && !ct.Result:
				add(name + " is " + word(l.v) + ", below " + c.Value)
			case isNum && n >= limit && ct.Result:
				add(name + " is " + word(l.v) + ", at least " + c.Value)
			}
		}
	case CondEvery:
		switch {
		case nothing:
			add(what + " is not known, so it cannot be compared with " + pathSubject(c.Path))
		case len(want) == 0:
			add(pathSubject(c.Path) + " is not known, so " + what + " cannot be compared with it")
		default:
			for _, l := range vals {
				in := false
				for _, w := range want {
					if w != nil && equalValue(l.v, canonical(w)) {
						in = true
						break
					}
				}
				name := named(l)
				if !in && !ct.Result {
					add(name + " is " + word(l.v) + ", not " + pathSubject(c.Path) + " (" + ct.Expected + ")")
				}
			}
			if ct.Result {
				add("every " + strings.TrimPrefix(what, "the ") + " is " + pathSubject(c.Path) + " (" + ct.Expected + ")")
			}
		}
	}
	if len(out) == 0 && ct.Note != "" {
		add(what + ": " + ct.Note)
	}
	return out
}

// findings collects the sentences under a condition trace: the leaves at fault when want is
// false (an approving rule that did not fire), the leaves that held when want is true (a
// declining rule that fired).
func findings(rule string, c Condition, ct api.ConditionTrace, want bool) []api.Finding {
	if len(ct.Children) > 0 {
		var out []api.Finding
		for i, child := range ct.Children {
			if i < len(c.Conditions) && child.Result == want {
				out = append(out, findings(rule, c.Conditions[i], child, want)...)
			}
		}
		return out
	}
	if ct.Result != want {
		return nil
	}
	cond := describe(c)
	var out []api.Finding
	for _, s := range ct.Sentences {
		out = append(out, api.Finding{Automation: rule, Sentence: s, Condition: cond})
	}
	if len(out) == 0 {
		out = append(out, api.Finding{Automation: rule, Sentence: fmt.Sprintf("the condition %s did not hold", cond), Condition: cond})
	}
	return out
}
