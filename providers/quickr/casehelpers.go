package quickr

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/providers"
)

// ContractSummary condenses a case's contract entries into what the engine decides on.
type ContractSummary struct {
	// Present is true when the case has at least one contract entry.
	Present bool
	// ContractIDs are the distinct contract ids, in the order they first appear.
	ContractIDs []string
	// Signatories counts entries (one per signatory and contract); Signed those signed.
	Signatories int
	Signed      int
	// Unsigned names the signatories still to sign (or whose entry expired, was rejected or closed).
	Unsigned []string
	// AllSigned: every entry is signed (false without entries).
	AllSigned bool
	// AnyExpired: an entry reads expired, or reads unsigned with expires_at at or before now.
	AnyExpired bool
	// AnyRejected: a signatory rejected (sandbox status "rejected").
	AnyRejected bool
	// AnyClosed: an entry is closed; a closed contract cannot be re-opened.
	AnyClosed bool
	// ExpiresAt is the earliest expires_at among entries not signed; zero when none.
	ExpiresAt time.Time
	// Contracts is each contract id's own state, in ContractIDs order: a case may carry
	// several contracts (the seed's examples show several ids and separate groups), and each
	// is signed, expires or is re-opened on its own.
	Contracts []ContractStatus
}

// ContractStatus is one contract of a case: Status is signed (every entry signed), closed,
// rejected, expired (an entry expired, or unsigned past its expires_at) or unsigned, first
// match wins; ExpiresAt is the earliest expires_at of its entries not signed.
type ContractStatus struct {
	ID          string
	Status      string
	Signed      int
	Signatories int
	ExpiresAt   time.Time
}

// Expired lists the ids of the contracts that expired unsigned.
func (s ContractSummary) Expired() []string {
	var ids []string
	for _, c := range s.Contracts {
		if c.Status == ContractExpired {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// ContractID is the first contract's id, or "" without contracts.
func (s ContractSummary) ContractID() string {
	if len(s.ContractIDs) == 0 {
		return ""
	}
	return s.ContractIDs[0]
}

// SummarizeContracts reads contract groups defensively: an entry's own status wins over its
// group's type, and an unsigned entry whose expires_at has passed counts as expired (Quickr
// may flip the status later than the deadline). A zero now skips that time test.
func SummarizeContracts(groups []ContractGroup, now time.Time) ContractSummary {
	var s ContractSummary
	var all entryTally
	byID := map[string]*entryTally{}
	for _, g := range groups {
		for _, it := range g.Data {
			if !all.add(g, it, now) {
				s.Unsigned = append(s.Unsigned, it.Signatory.Name)
			}
			if it.ID == "" {
				continue
			}
			one := byID[it.ID]
			if one == nil {
				one = &entryTally{}
				byID[it.ID] = one
				s.ContractIDs = append(s.ContractIDs, it.ID)
			}
			one.add(g, it, now)
		}
	}
	s.Present = all.signatories > 0
	s.Signatories, s.Signed, s.ExpiresAt = all.signatories, all.signed, all.expiresAt
	s.AnyExpired, s.AnyRejected, s.AnyClosed = all.expired, all.rejected, all.closed
	s.AllSigned = s.Present && s.Signed == s.Signatories
	for _, id := range s.ContractIDs {
		one := byID[id]
		s.Contracts = append(s.Contracts, ContractStatus{
			ID: id, Status: one.status(), Signed: one.signed, Signatories: one.signatories, ExpiresAt: one.expiresAt,
		})
	}
	return s
}

// entryTally adds up contract entries (one per signatory and contract) the way
// SummarizeContracts reads them.
type entryTally struct {
	signatories, signed       int
	expired, rejected, closed bool
	// expiresAt is the earliest expires_at of the entries not signed.
	expiresAt time.Time
}

// add counts entry it of group g and reports whether it is signed.
func (t *entryTally) add(g ContractGroup, it ContractItem, now time.Time) bool {
	t.signatories++
	status := strings.ToLower(it.Status)
	if status == "" {
		status = strings.ToLower(g.Type)
	}
	if status == ContractSigned {
		t.signed++
		return true
	}
	exp, expOK := parseTime(it.ExpiresAt)
	if expOK && (t.expiresAt.IsZero() || exp.Before(t.expiresAt)) {
		t.expiresAt = exp
	}
	switch status {
	case ContractExpired:
		t.expired = true
	case ContractRejected:
		t.rejected = true
	case ContractClosed:
		t.closed = true
	case ContractUnsigned:
		t.expired = t.expired || (expOK && !now.IsZero() && !now.Before(exp))
	}
	return false
}

// status is what the entries read together, first match wins: signed (every one signed),
// closed, rejected, expired, else unsigned.
func (t *entryTally) status() string {
	switch {
	case t.signatories > 0 && t.signed == t.signatories:
		return ContractSigned
	case t.closed:
		return ContractClosed
	case t.rejected:
		return ContractRejected
	case t.expired:
		return ContractExpired
	default:
		return ContractUnsigned
	}
}

// ContractSummary condenses the case's contracts; see SummarizeContracts.
func (c *Case) ContractSummary(now time.Time) ContractSummary {
	return SummarizeContracts(c.Contracts, now)
}

var uuidRE = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// DeclarationID returns the case's declaration id: the declaration_id field when present,
// else the last uuid in the declaration URL (the seed strips that URL's shape), else "".
func (c *Case) DeclarationID() string {
	if c.RawDeclarationID != "" {
		return c.RawDeclarationID
	}
	link, _ := c.DeclarationLink()
	if all := uuidRE.FindAllString(link, -1); len(all) > 0 {
		return all[len(all)-1]
	}
	return ""
}

// FindCheck returns the first check whose type is one of types, or nil. Pass both "sanction"
// and "sanctions": the seed uses both spellings.
func (c *Case) FindCheck(types ...string) *Check {
	for i := range c.Checks {
		for _, t := range types {
			if c.Checks[i].Type == t {
				return &c.Checks[i]
			}
		}
	}
	return nil
}

// FlagCodes lists the flag codes of every check whose type is one of types (all checks when
// types is empty), in case order, duplicates kept.
func (c *Case) FlagCodes(types ...string) []string {
	var out []string
	for _, ch := range c.Checks {
		if len(types) > 0 && !containsString(types, ch.Type) {
			continue
		}
		for _, d := range ch.Data {
			for _, f := range d.Flags {
				out = append(out, f.Code)
			}
		}
	}
	return out
}

// CreditScore returns the current credit score from current_information (grade and numeric
// value), or ok=false when the case has none.
func (c *Case) CreditScore() (grade string, value float64, ok bool) {
	for _, ti := range c.CurrentInformation {
		if ti.Type != "credit_score" {
			continue
		}
		for _, d := range ti.Data {
			cur, _ := d["current_credit_score"].(map[string]any)
			if cur == nil {
				continue
			}
			grade, _ = cur["grade"].(string)
			switch v := cur["value"].(type) {
			case float64:
				return grade, v, true
			case string:
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					return grade, f, true
				}
			}
			if grade != "" {
				return grade, 0, true
			}
		}
	}
	return "", 0, false
}

func containsString(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// required returns a 400 *providers.Error naming the first empty value; pairs are
// (name, value). A call with an empty path id would otherwise hit a different endpoint.
func required(op string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return &providers.Error{Provider: Provider, Op: op, Status: http.StatusBadRequest, Code: "client_validation", Message: pairs[i] + " is required"}
		}
	}
	return nil
}

// StatusUpdatedTime parses status_updated_at (RFC 3339, fractional seconds allowed); ok is
// false when the case carries none or it does not parse.
func (c *Case) StatusUpdatedTime() (t time.Time, ok bool) {
	if c.StatusUpdatedAt == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, c.StatusUpdatedAt)
	return t, err == nil
}

// CompanyDate is a date the case documents about its company, and where it was read.
type CompanyDate struct {
	Date   string // as the case carries it, e.g. "2019-01-01"
	Key    string // registration_date or incorporation_date
	Source string // e.g. "sections[company].additional_data[swedish_company]"
}

// companyDateKeys are the date fields of the company's additional_data the seed documents,
// in the order they are preferred: the registry's registration first, then incorporation.
var companyDateKeys = []string{"registration_date", "incorporation_date"}

// CompanyFounded finds the company's registration (else incorporation) date in the places the
// seed documents it: the company section's additional_data, then the additional_data of the
// company discoveries ("This field will contain the same data as the company section of the
// case", seed 002 changelog). ok is false when the case carries none; prefills, declarations
// and current_information document no such field and are not read.
func (c *Case) CompanyFounded() (CompanyDate, bool) {
	for _, key := range companyDateKeys {
		for _, s := range c.Sections {
			if s.Type != "company" {
				continue
			}
			if d, ok := dateIn(s.AdditionalData, key, "sections[company].additional_data"); ok {
				return d, true
			}
		}
		for _, td := range c.Discoveries {
			if td.Type != "company" {
				continue
			}
			for _, item := range td.Data {
				if d, ok := dateIn(additionalData(item["additional_data"]), key, "discoveries[company].data.additional_data"); ok {
					return d, true
				}
			}
		}
	}
	return CompanyDate{}, false
}

func dateIn(items []map[string]any, key, where string) (CompanyDate, bool) {
	for _, it := range items {
		if v, ok := it[key].(string); ok && strings.TrimSpace(v) != "" {
			typ, _ := it["type"].(string)
			return CompanyDate{Date: strings.TrimSpace(v), Key: key, Source: where + "[" + typ + "]"}, true
		}
	}
	return CompanyDate{}, false
}

// additionalData reads a raw additional_data value: a list of objects.
func additionalData(v any) []map[string]any {
	list, _ := v.([]any)
	out := make([]map[string]any, 0, len(list))
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// DeclarationLink returns the case's declaration URL and where it was found, "" when the case
// has none. The seed's examples strip it (urls: {}); its sequence diagram says POST /cases
// returns the case "with declaration_url", and the case's URLs live in its urls object. So,
// in order: urls.declaration_url; a top-level declaration_url; as a fallback, any other field
// of urls whose name contains "declaration" and whose value is an http(s) URL (first by name).
func (c *Case) DeclarationLink() (link, source string) {
	if c.URLs.DeclarationURL != "" {
		return c.URLs.DeclarationURL, "urls.declaration_url"
	}
	var raw struct {
		DeclarationURL string         `json:"declaration_url"`
		URLs           map[string]any `json:"urls"`
	}
	if len(c.Raw) == 0 || json.Unmarshal(c.Raw, &raw) != nil {
		return "", ""
	}
	if isHTTPURL(raw.DeclarationURL) {
		return raw.DeclarationURL, "declaration_url"
	}
	keys := make([]string, 0, len(raw.URLs))
	for k := range raw.URLs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v, ok := raw.URLs[k].(string); ok && strings.Contains(strings.ToLower(k), "declaration") && isHTTPURL(v) {
			return v, "urls." + k
		}
	}
	return "", ""
}

func isHTTPURL(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}
