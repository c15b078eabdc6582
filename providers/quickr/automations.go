package quickr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/merchantflow/onboarding/providers"
)

// AutomationTrigger starts an automation, e.g. {"type":"case_status_updated","status":"READY_FOR_REVIEW"}.
// The changelog calls the type case_status_change; both are passed through as given.
type AutomationTrigger struct {
	Type   string `json:"type"`
	Status string `json:"status,omitempty"`
}

// Condition is one node of an automation's condition tree: equal / greater_than_or_equal
// {field, value}, every {field, path}, and / or {conditions}, equal_to_null {field}.
type Condition struct {
	Type       string      `json:"type"`
	Field      string      `json:"field,omitempty"`
	Value      Scalar      `json:"value,omitempty"`
	Path       string      `json:"path,omitempty"`
	Conditions []Condition `json:"conditions,omitempty"`
}

// AutomationAction is what an automation does, e.g. {"type":"set_case_status","status":"ACTIVE"}.
// set_check_status appears in the reference with an undocumented shape; Status is all that is kept.
type AutomationAction struct {
	Type   string `json:"type"`
	Status string `json:"status,omitempty"`
}

// Scalar is a condition value. The seed writes values as strings; numbers and booleans are
// accepted and kept in their JSON text, and it is always sent as a string.
type Scalar string

// UnmarshalJSON accepts a string, number, boolean or null.
func (s *Scalar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = Scalar(v)
		return nil
	}
	if string(b) == "null" {
		*s = ""
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch t := v.(type) {
	case float64:
		*s = Scalar(strconv.FormatFloat(t, 'f', -1, 64))
	case bool:
		*s = Scalar(strconv.FormatBool(t))
	default:
		return fmt.Errorf("quickr: condition value %s is not a string, number or boolean", b)
	}
	return nil
}

// Automation is an account-level automation. The request body is Name, Description,
// Triggers, Conditions, Actions and Metadata; the rest comes back from Quickr. Raw keeps the
// whole JSON document as received.
type Automation struct {
	Object      string              `json:"object,omitempty"`
	ID          string              `json:"id,omitempty"`
	AccountID   string              `json:"account_id,omitempty"`
	Name        string              `json:"name"`
	Description string              `json:"description,omitempty"`
	Triggers    []AutomationTrigger `json:"triggers"`
	Conditions  []Condition         `json:"conditions"`
	Actions     []AutomationAction  `json:"actions"`
	Metadata    map[string]string   `json:"metadata,omitempty"`
	CreatedBy   string              `json:"created_by,omitempty"`
	CreatedAt   string              `json:"created_at,omitempty"`
	UpdatedBy   string              `json:"updated_by,omitempty"`
	UpdatedAt   string              `json:"updated_at,omitempty"`

	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON reads the reference's "triggers" and the guide's "trigger" key alike and
// keeps the raw document.
func (a *Automation) UnmarshalJSON(b []byte) error {
	type plain Automation
	var aux struct {
		plain
		Trigger []AutomationTrigger `json:"trigger"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*a = Automation(aux.plain)
	if len(a.Triggers) == 0 && len(aux.Trigger) > 0 {
		a.Triggers = aux.Trigger
	}
	a.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// AutomationList is a page of automations.
type AutomationList struct {
	Data       []Automation `json:"data"`
	Pagination Pagination   `json:"pagination"`
}

// automationBody is what create and update send: the reference's field names only.
type automationBody struct {
	Name        string              `json:"name"`
	Description string              `json:"description,omitempty"`
	Triggers    []AutomationTrigger `json:"triggers"`
	Conditions  []Condition         `json:"conditions"`
	Actions     []AutomationAction  `json:"actions"`
	Metadata    map[string]string   `json:"metadata,omitempty"`
}

func bodyOf(a Automation) automationBody {
	b := automationBody{Name: a.Name, Description: a.Description, Triggers: a.Triggers, Conditions: a.Conditions, Actions: a.Actions, Metadata: a.Metadata}
	if b.Conditions == nil {
		b.Conditions = []Condition{} // required, may be empty
	}
	return b
}

// CreateAutomation creates an automation (POST /automations).
func (c *Client) CreateAutomation(ctx context.Context, a Automation) (*Automation, error) {
	var out Automation
	req := providers.Request{Op: "create automation", Method: http.MethodPost, URL: c.url("/automations"), Body: bodyOf(a)}
	if _, err := c.do(ctx, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetAutomation returns one automation (GET /automations/{atid}).
func (c *Client) GetAutomation(ctx context.Context, id string) (*Automation, error) {
	const op = "get automation"
	if err := required(op, "automation id", id); err != nil {
		return nil, err
	}
	var out Automation
	req := providers.Request{Op: op, Method: http.MethodGet, URL: c.url("/automations/" + url.PathEscape(id))}
	if _, err := c.do(ctx, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListAutomations returns one page of the account's automations (GET /automations).
func (c *Client) ListAutomations(ctx context.Context, p PageParams) (*AutomationList, error) {
	var out AutomationList
	req := providers.Request{Op: "list automations", Method: http.MethodGet, URL: c.url("/automations") + p.query(nil)}
	if _, err := c.do(ctx, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateAutomation replaces an automation's definition (PUT /automations/{atid}).
func (c *Client) UpdateAutomation(ctx context.Context, id string, a Automation) (*Automation, error) {
	const op = "update automation"
	if err := required(op, "automation id", id); err != nil {
		return nil, err
	}
	var out Automation
	req := providers.Request{Op: op, Method: http.MethodPut, URL: c.url("/automations/" + url.PathEscape(id)), Body: bodyOf(a)}
	if _, err := c.do(ctx, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
