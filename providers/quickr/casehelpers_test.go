package quickr_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers/quickr"
)

func item(id, name, status, expires string) quickr.ContractItem {
	return quickr.ContractItem{ID: id, Signatory: quickr.Person{Name: name}, Status: status, ExpiresAt: expires}
}

func TestSummarizeContracts(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	past, future := "2026-05-01T00:00:00Z", "2026-07-01T00:00:00.5Z"
	tests := []struct {
		name   string
		groups []quickr.ContractGroup
		want   quickr.ContractSummary
	}{
		{name: "none", want: quickr.ContractSummary{}},
		{
			name: "all signed",
			groups: []quickr.ContractGroup{{Type: "signed", Data: []quickr.ContractItem{
				item("k1", "A", "signed", ""), item("k1", "B", "signed", ""),
			}}},
			want: quickr.ContractSummary{Present: true, ContractIDs: []string{"k1"}, Signatories: 2, Signed: 2, AllSigned: true},
		},
		{
			name: "one waiting",
			groups: []quickr.ContractGroup{
				{Type: "unsigned", Data: []quickr.ContractItem{item("k1", "B", "unsigned", future)}},
				{Type: "signed", Data: []quickr.ContractItem{item("k1", "A", "signed", future)}},
			},
			want: quickr.ContractSummary{Present: true, ContractIDs: []string{"k1"}, Signatories: 2, Signed: 1,
				Unsigned: []string{"B"}, ExpiresAt: time.Date(2026, 7, 1, 0, 0, 0, 5e8, time.UTC)},
		},
		{
			name:   "status expired",
			groups: []quickr.ContractGroup{{Type: "unsigned", Data: []quickr.ContractItem{item("k1", "A", "expired", past)}}},
			want: quickr.ContractSummary{Present: true, ContractIDs: []string{"k1"}, Signatories: 1, Unsigned: []string{"A"},
				AnyExpired: true, ExpiresAt: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)},
		},
		{
			name:   "unsigned past its deadline counts as expired",
			groups: []quickr.ContractGroup{{Type: "unsigned", Data: []quickr.ContractItem{item("k1", "A", "unsigned", past)}}},
			want: quickr.ContractSummary{Present: true, ContractIDs: []string{"k1"}, Signatories: 1, Unsigned: []string{"A"},
				AnyExpired: true, ExpiresAt: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)},
		},
		{
			name: "rejected and closed, group type as fallback status",
			groups: []quickr.ContractGroup{
				{Type: "unsigned", Data: []quickr.ContractItem{item("k1", "A", "rejected", ""), item("k2", "B", "closed", "")}},
				{Type: "signed", Data: []quickr.ContractItem{item("k2", "C", "", "")}},
			},
			want: quickr.ContractSummary{Present: true, ContractIDs: []string{"k1", "k2"}, Signatories: 3, Signed: 1,
				Unsigned: []string{"A", "B"}, AnyRejected: true, AnyClosed: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := quickr.SummarizeContracts(tc.groups, now)
			require.Len(t, got.Contracts, len(got.ContractIDs), "one state per contract")
			got.Contracts = nil // held below
			require.Equal(t, tc.want, got)
			c := quickr.Case{Contracts: tc.groups}
			sum := c.ContractSummary(now)
			sum.Contracts = nil
			require.Equal(t, tc.want, sum)
		})
	}
	// Each contract on its own: k1 rejected, k2 closed though one of its entries is signed.
	per := quickr.SummarizeContracts(tests[len(tests)-1].groups, now).Contracts
	require.Equal(t, []quickr.ContractStatus{
		{ID: "k1", Status: "rejected", Signatories: 1},
		{ID: "k2", Status: "closed", Signed: 1, Signatories: 2},
	}, per)
	s := quickr.SummarizeContracts([]quickr.ContractGroup{{Type: "unsigned", Data: []quickr.ContractItem{item("k1", "A", "unsigned", past)}}}, time.Time{})
	require.False(t, s.AnyExpired, "a zero now skips the deadline test")
	require.Equal(t, "", quickr.ContractSummary{}.ContractID())
}

func TestCaseHelpers(t *testing.T) {
	doc := `{
		"id": "TQ1234567.100000001", "status": "READY_FOR_REVIEW",
		"urls": {"declaration_url": "https://forms.example/d/4338bb5c-59c0-45fd-a9f7-3d64dd3f20c4?x=1"},
		"checks": [
			{"type": "sanctions", "data": [{"status": "COMPLETED", "flags": [{"type": "ERROR", "code": "PERSON_IN_SANCTIONS", "ref": {"type": "signatory", "id": "p"}}]}]},
			{"type": "company", "data": [{"status": "COMPLETED", "flags": [{"severity": "ERROR", "code": "COMPANY_INACTIVE"}, {"type": "ERROR", "code": "COMPANY_IN_SANCTIONS"}]}]}
		],
		"current_information": [
			{"type": "company", "data": [{"name": "x"}]},
			{"type": "credit_score", "data": [{"current_credit_score": {"grade": "C", "value": 45}}]}
		]
	}`
	var c quickr.Case
	require.NoError(t, json.Unmarshal([]byte(doc), &c))
	require.Equal(t, "4338bb5c-59c0-45fd-a9f7-3d64dd3f20c4", c.DeclarationID(), "read from the URL when the field is absent")
	c.RawDeclarationID = "d-1"
	require.Equal(t, "d-1", c.DeclarationID())
	require.Equal(t, "", (&quickr.Case{}).DeclarationID())

	require.Equal(t, "sanctions", c.FindCheck("sanction", "sanctions").Type)
	require.Nil(t, c.FindCheck("bank_account"))
	require.Equal(t, []string{"PERSON_IN_SANCTIONS"}, c.FlagCodes("sanction", "sanctions"))
	require.Equal(t, []string{"PERSON_IN_SANCTIONS", "COMPANY_INACTIVE", "COMPANY_IN_SANCTIONS"}, c.FlagCodes())
	require.Equal(t, "ERROR", c.Checks[1].Data[0].Flags[0].Level())
	require.Equal(t, "signatory", c.Checks[0].Data[0].Flags[0].Ref["type"])

	grade, value, ok := c.CreditScore()
	require.True(t, ok)
	require.Equal(t, "C", grade)
	require.Equal(t, 45.0, value)
	_, _, ok = (&quickr.Case{}).CreditScore()
	require.False(t, ok)
	var s quickr.Case
	require.NoError(t, json.Unmarshal([]byte(`{"current_information":[{"type":"credit_score","data":[{"current_credit_score":{"grade":"B","value":"75"}}]}]}`), &s))
	_, value, ok = s.CreditScore()
	require.True(t, ok)
	require.Equal(t, 75.0, value)
}

func decodeCase(t *testing.T, doc string) *quickr.Case {
	t.Helper()
	var c quickr.Case
	require.NoError(t, json.Unmarshal([]byte(doc), &c))
	return &c
}

// The declaration URL: urls.declaration_url, a top-level declaration_url (the sequence
// diagram's "Return case with declaration_url"), then any other urls field naming a
// declaration; none is "".
func TestDeclarationLink(t *testing.T) {
	tests := []struct {
		name, doc, want, source string
	}{
		{"urls.declaration_url", `{"urls":{"declaration_url":"https://q/forms/1","callback_url":"https://cb"}}`, "https://q/forms/1", "urls.declaration_url"},
		{"top level", `{"declaration_url":"https://q/forms/2","urls":{}}`, "https://q/forms/2", "declaration_url"},
		{"another urls field", `{"urls":{"callback_url":"https://cb","declaration_form_url":"https://q/forms/3"}}`, "https://q/forms/3", "urls.declaration_form_url"},
		{"not a URL", `{"urls":{"declaration":"pending"}}`, "", ""},
		{"none (the seed's urls: {})", `{"urls":{}}`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link, source := decodeCase(t, tt.doc).DeclarationLink()
			require.Equal(t, tt.want, link)
			require.Equal(t, tt.source, source)
		})
	}
	c := decodeCase(t, `{"declaration_url":"https://q/forms/9f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"}`)
	require.Equal(t, "9f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b", c.DeclarationID(), "the id is read from wherever the URL was found")
}

// Company dates only from the documented places; a prefill's registration_date (not a field
// the seed documents there) is ignored.
func TestCompanyFounded(t *testing.T) {
	tests := []struct {
		name, doc string
		want      quickr.CompanyDate
		ok        bool
	}{
		{"section additional_data", `{"sections":[{"type":"company","additional_data":[{"type":"swedish_company","registration_date":"2019-01-01","incorporation_date":"2018-06-01"}]}]}`,
			quickr.CompanyDate{Date: "2019-01-01", Key: "registration_date", Source: "sections[company].additional_data[swedish_company]"}, true},
		{"incorporation only", `{"sections":[{"type":"company","additional_data":[{"type":"norwegian_sub_unit_company","incorporation_date":"2018-06-01"}]}]}`,
			quickr.CompanyDate{Date: "2018-06-01", Key: "incorporation_date", Source: "sections[company].additional_data[norwegian_sub_unit_company]"}, true},
		{"company discovery", `{"discoveries":[{"type":"company","data":[{"id":"d1","additional_data":[{"type":"swedish_company","registration_date":"2015-03-02"}]}]}]}`,
			quickr.CompanyDate{Date: "2015-03-02", Key: "registration_date", Source: "discoveries[company].data.additional_data[swedish_company]"}, true},
		{"prefill is not a documented place", `{"prefills":[{"type":"company","data":[{"registration_date":"2012-05-10"}]}],"sections":[{"type":"company"}]}`, quickr.CompanyDate{}, false},
		{"other section", `{"sections":[{"type":"signatory","additional_data":[{"registration_date":"2012-05-10"}]}]}`, quickr.CompanyDate{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := decodeCase(t, tt.doc).CompanyFounded()
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}
