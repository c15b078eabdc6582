package quickr

import (
	"slices"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
	"github.com/merchantflow/onboarding/providers/sandbox/seeddata"
)

// The case as Quickr keeps it, and how the API renders it.

// Case statuses the sandbox sets.
const (
	qFormNotStarted    = "FORM_NOT_STARTED"
	qFormInProgress    = "FORM_IN_PROGRESS"
	qProcessingDetails = "PROCESSING_DETAILS"
	qReadyForReview    = "READY_FOR_REVIEW"
	qArchived          = "ARCHIVED"
	qDeclined          = "DECLINED"
)

type typeData struct {
	Type string           `json:"type"`
	Data []map[string]any `json:"data"`
}

type qCheck struct {
	Type    string         `json:"type"`
	Options map[string]any `json:"options,omitempty"`
	Data    []qCheckData   `json:"data"`
}

type qCheckData struct {
	Status    string           `json:"status"`
	Flags     []map[string]any `json:"flags"`
	Ref       map[string]any   `json:"ref,omitempty"`
	UpdatedAt string           `json:"updated_at,omitempty"`
}

type qEvent struct {
	ID           string         `json:"id"`
	Type         string         `json:"type"`
	SubEventType string         `json:"sub_event_type,omitempty"`
	CreatedAt    string         `json:"created_at"`
	CreatedBy    string         `json:"created_by"`
	Case         map[string]any `json:"case"`
	Contract     map[string]any `json:"contract,omitempty"`
}

// qCase is a case's full state. doc() renders it as the API shows it.
type qCase struct {
	ID                  string
	Reference           string
	Status              string
	StatusUpdatedReason string
	Actions             []string
	Sections            []string
	Checks              []*qCheck
	Prefills            []typeData
	Declarations        []typeData
	Discovered          []typeData // what Quickr found itself (credit_score)
	DeclarationID       string
	CallbackURL         string
	DeclarationURL      string
	Base                string // public base URL for links (sign URLs)
	Metadata            map[string]string
	Automations         []map[string]any
	CreatedAt           time.Time
	UpdatedAt           time.Time
	StatusUpdatedAt     time.Time
	DeclaredAt          time.Time
	RiskLevel           string
	AgentStatus         string
	AgentRisk           string
	FormSubmitter       map[string]any
	Company             *seeddata.TestCompany // nil when the prefill names no test company
	Contract            *qContract
	Notes               []map[string]any
	Events              []qEvent
}

// qFx collects what a state change must do once s.mu is released: webhooks to send and
// follow-up work (timers, inline steps).
type qFx struct {
	hooks []qEvent
	later []func()
}

func notStarted() qCheckData { return qCheckData{Status: "NOT_STARTED", Flags: []map[string]any{}} }

// setChecksStatus replaces every check's data with one item in status.
func (c *qCase) setChecksStatus(status string, now time.Time) {
	for _, ch := range c.Checks {
		ch.Data = []qCheckData{{Status: status, Flags: []map[string]any{}, UpdatedAt: now.Format(time.RFC3339Nano)}}
	}
}

func (c *qCase) hasCheck(types ...string) bool {
	for _, ch := range c.Checks {
		if slices.Contains(types, ch.Type) {
			return true
		}
	}
	return false
}

func (c *qCase) setDeclaration(d typeData) {
	for i := range c.Declarations {
		if c.Declarations[i].Type == d.Type {
			c.Declarations[i] = d
			return
		}
	}
	c.Declarations = append(c.Declarations, d)
}

func (c *qCase) declaration(typ string) []map[string]any {
	for _, d := range c.Declarations {
		if d.Type == typ {
			return d.Data
		}
	}
	return nil
}

func (c *qCase) prefill(typ string) []map[string]any {
	for _, d := range c.Prefills {
		if d.Type == typ {
			return d.Data
		}
	}
	return nil
}

// requestedCompany is the organisation number and country of the company prefill.
func (c *qCase) requestedCompany() (org, country string) {
	for _, p := range c.Prefills {
		if p.Type == "company" && len(p.Data) > 0 {
			org, _ = p.Data[0]["organization_number"].(string)
			country, _ = p.Data[0]["country"].(string)
		}
	}
	return org, country
}

func (c *qCase) matches(search string) bool {
	if strings.Contains(strings.ToLower(c.Reference), search) || strings.Contains(strings.ToLower(c.ID), search) {
		return true
	}
	return c.Company != nil && (strings.Contains(strings.ToLower(c.Company.Name), search) || strings.Contains(c.Company.OrgNumber, search))
}

// summary is the case summary carried by events and webhooks, the seed's fields only (no
// reference).
func (c *qCase) summary() map[string]any {
	return map[string]any{
		"id": c.ID, "status": c.Status, "risk_level": c.RiskLevel,
		"agent_determined_risk_level": c.AgentRisk, "agent_determined_status": c.AgentStatus,
	}
}

// doc renders the case details as GET /cases/{cid} returns them. Call with s.mu held.
func (c *qCase) doc(now time.Time) map[string]any {
	checks := make([]map[string]any, 0, len(c.Checks))
	for _, ch := range c.Checks {
		m := map[string]any{"type": ch.Type, "data": ch.Data}
		if ch.Options != nil {
			m["options"] = ch.Options
		}
		checks = append(checks, m)
	}
	var currentInfo, discoveries []map[string]any
	for _, p := range c.Prefills {
		currentInfo = append(currentInfo, map[string]any{"type": p.Type, "data": p.Data, "source_type": "discovery"})
	}
	for _, d := range c.Declarations {
		currentInfo = append(currentInfo, map[string]any{"type": d.Type, "data": d.Data, "source_type": "declaration"})
	}
	for _, d := range c.Discovered {
		currentInfo = append(currentInfo, map[string]any{"type": d.Type, "data": d.Data, "source_type": "discovery"})
		var refs []map[string]any
		for _, it := range d.Data {
			refs = append(refs, map[string]any{"id": it["id"], "created_at": it["created_at"], "created_by": it["created_by"]})
		}
		discoveries = append(discoveries, map[string]any{"type": d.Type, "data": core.NonNil(refs)})
	}
	contracts := []map[string]any{}
	if c.Contract != nil {
		contracts = c.Contract.groups(c, now)
	}
	doc := map[string]any{
		"object":                      "case",
		"id":                          c.ID,
		"account_id":                  strings.SplitN(c.ID, ".", 2)[0],
		"reference":                   c.Reference,
		"status":                      c.Status,
		"status_updated_reason":       c.StatusUpdatedReason,
		"status_updated_at":           c.StatusUpdatedAt.Format(time.RFC3339Nano),
		"created_at":                  c.CreatedAt.Format(time.RFC3339Nano),
		"updated_at":                  c.UpdatedAt.Format(time.RFC3339Nano),
		"actions":                     c.Actions,
		"sections":                    c.sectionDocs(),
		"checks":                      checks,
		"prefills":                    core.NonNil(c.Prefills),
		"declarations":                core.NonNil(c.Declarations),
		"current_information":         core.NonNil(currentInfo),
		"discoveries":                 core.NonNil(discoveries),
		"automations":                 core.NonNil(c.Automations),
		"urls":                        map[string]any{"callback_url": c.CallbackURL, "declaration_url": c.DeclarationURL},
		"metadata":                    c.Metadata,
		"risk_level":                  c.RiskLevel,
		"agent_determined_status":     c.AgentStatus,
		"agent_determined_risk_level": c.AgentRisk,
		"declaration_id":              c.DeclarationID,
		"contracts":                   contracts,
		"attachments":                 []any{},
		"identity_verifications":      []any{},
	}
	if !c.DeclaredAt.IsZero() {
		doc["declared_at"] = c.DeclaredAt.Format(time.RFC3339Nano)
	}
	if c.FormSubmitter != nil {
		doc["form_submitter"] = c.FormSubmitter
	}
	return doc
}

func sectionList(ss []string) []map[string]string {
	out := make([]map[string]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, map[string]string{"type": s})
	}
	return out
}

// sectionDocs are the case details' sections: {type}, and for a test company's company
// section its additional_data.
func (c *qCase) sectionDocs() []map[string]any {
	out := make([]map[string]any, 0, len(c.Sections))
	for _, s := range c.Sections {
		m := map[string]any{"type": s}
		if s == "company" && c.Company != nil {
			m["additional_data"] = companyAdditionalData(*c.Company)
		}
		out = append(out, m)
	}
	return out
}

func companyData(tc seeddata.TestCompany) map[string]any {
	return map[string]any{
		"name": tc.Name, "organization_number": tc.OrgNumber, "country": tc.Country,
		"address_line": tc.Address, "address_postal_code": tc.PostalCode, "address_city": tc.City,
		"entity_type": "main_unit", "status": tc.Status, "company_type": tc.EntityType,
	}
}

// companyAdditionalData is the company section's additional_data of a test company, shaped
// after the seed's swedish_company item (type, status, registration_date, incorporation_date).
// The type name norwegian_company is a choice (the seed names swedish_company and
// norwegian_sub_unit_company); the dates are the sandbox's own (the seed gives none for its
// test companies). It is where Quickr documents registry data, so the engine's company age
// comes from here.
func companyAdditionalData(tc seeddata.TestCompany) []map[string]any {
	return []map[string]any{{
		"type": "norwegian_company", "status": tc.Status,
		"registration_date": tc.RegistrationDate, "incorporation_date": tc.RegistrationDate,
	}}
}
