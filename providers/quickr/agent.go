package quickr

import (
	"context"
	"net/http"
	"net/url"

	"github.com/merchantflow/onboarding/providers"
)

// Risk levels (CaseRiskLevel).
const (
	RiskLow    = "LOW"
	RiskMedium = "MEDIUM"
	RiskHigh   = "HIGH"
)

// AgentDecision is an agent's (or the engine's) decision on a case. Either field may be
// empty, not both. DeterminedStatus is an AgentDeterminedStatus: ACTIVE (approve), DECLINED,
// ARCHIVED, SUSPENDED, READY_FOR_REVIEW, REVIEW_IN_PROGRESS, WAITING_FOR_DETAILS,
// FORM_NOT_STARTED or FORM_IN_PROGRESS.
type AgentDecision struct {
	DeterminedStatus    string `json:"determined_status,omitempty"`
	DeterminedRiskLevel string `json:"determined_risk_level,omitempty"`
}

// AgentDecision records a decision and returns the case details. The seed gives this
// operation no path; POST /cases/{cid}/agent-decisions is the sandbox's convention [SBX].
func (c *Client) AgentDecision(ctx context.Context, caseID string, d AgentDecision) (*Case, error) {
	const op = "agent decision"
	if err := required(op, "case id", caseID); err != nil {
		return nil, err
	}
	if d.DeterminedStatus == "" && d.DeterminedRiskLevel == "" {
		return nil, required(op, "determined_status or determined_risk_level", "")
	}
	var out Case
	u := c.url("/cases/" + url.PathEscape(caseID) + "/agent-decisions")
	if _, err := c.do(ctx, providers.Request{Op: op, Method: http.MethodPost, URL: u, Body: d}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
