package creditro

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// KYCCase is one KYC case of our Creditro customer. The seed documents no item schema, so the
// known fields are the plausible ones (each read under the spellings listed in aliases) and Raw
// keeps the whole item as sent.
type KYCCase struct {
	ID                 string
	CompanyName        string
	RegistrationNumber string // company/organisation number (CVR, VAT, org no)
	Country            string
	Status             string
	CreatedAt          string
	UpdatedAt          string
	Raw                map[string]any
}

// aliases lists, per known field, the keys it is read from, first match wins. The first key
// is the one MarshalJSON writes (camelCase, as the seed's `items`/`customer` suggest).
var aliases = struct {
	id, companyName, registrationNumber, country, status, createdAt, updatedAt []string
}{
	id:                 []string{"id", "_id", "caseId", "kycCaseId"},
	companyName:        []string{"companyName", "company_name", "name"},
	registrationNumber: []string{"registrationNumber", "registration_number", "companyNumber", "company_number", "organizationNumber", "organization_number", "cvr", "vat", "vatNumber"},
	country:            []string{"country", "countryCode", "country_code"},
	status:             []string{"status", "state"},
	createdAt:          []string{"createdAt", "created_at", "created"},
	updatedAt:          []string{"updatedAt", "updated_at", "updated"},
}

// UnmarshalJSON reads a case under any of the accepted spellings.
func (k *KYCCase) UnmarshalJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return err
	}
	*k = KYCCase{
		ID:                 pick(m, aliases.id),
		CompanyName:        pick(m, aliases.companyName),
		RegistrationNumber: pick(m, aliases.registrationNumber),
		Country:            pick(m, aliases.country),
		Status:             pick(m, aliases.status),
		CreatedAt:          pick(m, aliases.createdAt),
		UpdatedAt:          pick(m, aliases.updatedAt),
		Raw:                m,
	}
	return nil
}

// MarshalJSON writes Raw with the known fields laid over it under their first spelling.
func (k KYCCase) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(k.Raw)+7)
	for key, v := range k.Raw {
		m[key] = v
	}
	set := func(keys []string, v string) {
		if v != "" {
			m[keys[0]] = v
		}
	}
	set(aliases.id, k.ID)
	set(aliases.companyName, k.CompanyName)
	set(aliases.registrationNumber, k.RegistrationNumber)
	set(aliases.country, k.Country)
	set(aliases.status, k.Status)
	set(aliases.createdAt, k.CreatedAt)
	set(aliases.updatedAt, k.UpdatedAt)
	return json.Marshal(m)
}

// pick returns the first non-empty scalar under keys, numbers and booleans as text.
func pick(m map[string]any, keys []string) string {
	for _, key := range keys {
		switch v := m[key].(type) {
		case string:
			if v != "" {
				return v
			}
		case json.Number:
			return v.String()
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			return strconv.FormatBool(v)
		}
	}
	return ""
}

// caseList is the documented response: {"items":[...]}.
type caseList struct {
	Items []KYCCase `json:"items"`
}

// apiError is the JSON error body some Creditro endpoints may send; the seed documents none
// except the 429 text, so every key is optional.
type apiError struct {
	Message      string `json:"message"`
	Error        any    `json:"error"`
	ErrorMessage string `json:"error_message"`
	Code         any    `json:"code"`
}
