package quickr

import (
	"context"
	"net/http"
	"net/url"

	"github.com/merchantflow/onboarding/providers"
)

// Event types. CASE_CREATED is the seed's; the others are the sandbox's names for events the
// seed leaves unnamed [SBX]. A webhook carries the same Event; treat it as a hint and re-read
// the case.
const (
	EventCaseCreated         = "CASE_CREATED"
	EventCaseStatusUpdated   = "CASE_STATUS_UPDATED" // sub_event_type: the new status
	EventCaseDeclared        = "CASE_DECLARED"
	EventCaseChecksCompleted = "CASE_CHECKS_COMPLETED"
	EventContractCreated     = "CONTRACT_CREATED"
	EventSignatorySigned     = "SIGNATORY_SIGNED"
	EventContractSigned      = "CONTRACT_SIGNED"
	EventContractRejected    = "CONTRACT_REJECTED"
	EventContractExpired     = "CONTRACT_EXPIRED"
	EventContractReopened    = "CONTRACT_REOPENED"
	EventContractClosed      = "CONTRACT_CLOSED"
)

// EventCase is the case summary an event carries, as the seed shows it: no reference, so a
// webhook's receiver knows the case by the callback URL it was sent to.
type EventCase struct {
	ID                       string `json:"id"`
	Status                   string `json:"status"`
	RiskLevel                string `json:"risk_level,omitempty"`
	AgentDeterminedRiskLevel string `json:"agent_determined_risk_level,omitempty"`
	AgentDeterminedStatus    string `json:"agent_determined_status,omitempty"`
}

// EventContract is the contract summary contract events carry (sandbox).
type EventContract struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	ExpiresAt string `json:"expires_at,omitempty"`
	Signatory string `json:"signatory,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// Event is a case event (GET /cases/{cid}/events) and the body of a webhook.
type Event struct {
	ID           string         `json:"id"`
	Type         string         `json:"type"`
	SubEventType string         `json:"sub_event_type,omitempty"`
	CreatedAt    string         `json:"created_at"`
	CreatedBy    string         `json:"created_by,omitempty"`
	Case         EventCase      `json:"case"`
	Contract     *EventContract `json:"contract,omitempty"`
}

// EventList is a page of events.
type EventList struct {
	Data       []Event    `json:"data"`
	Pagination Pagination `json:"pagination"`
}

// ListEventsParams filters GET /cases/{cid}/events.
type ListEventsParams struct {
	Types         []string // type filter, repeated (type=A&type=B) as the seed spells arrays
	Limit         int      // 1..100; the API's default is 10
	StartingAfter string
}

// ListCaseEvents returns one page of a case's events.
func (c *Client) ListCaseEvents(ctx context.Context, caseID string, p ListEventsParams) (*EventList, error) {
	const op = "list case events"
	if err := required(op, "case id", caseID); err != nil {
		return nil, err
	}
	extra := url.Values{}
	for _, t := range p.Types {
		extra.Add("type", t)
	}
	q := PageParams{Limit: p.Limit, StartingAfter: p.StartingAfter}.query(extra)
	var out EventList
	u := c.url("/cases/"+url.PathEscape(caseID)+"/events") + q
	if _, err := c.do(ctx, providers.Request{Op: op, Method: http.MethodGet, URL: u}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PageParams are the common list parameters.
type PageParams struct {
	Limit         int // 1..100; the API's default is 10
	StartingAfter string
}

// query renders the parameters (plus extra) as "?..." or "".
func (p PageParams) query(extra url.Values) string {
	q := url.Values{}
	for k, vs := range extra {
		q[k] = vs
	}
	if p.Limit > 0 {
		q.Set("limit", itoa(p.Limit))
	}
	if p.StartingAfter != "" {
		q.Set("starting_after", p.StartingAfter)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}
