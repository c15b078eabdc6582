package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/workflows"
)

// Decisions go through the gateway, not straight to Temporal: the agent is the name of the
// API token the gateway authenticates, so nobody can decide in somebody else's name by typing
// it, and the CLI takes exactly the path the API does (the same checks, the same four-eyes
// rule, the same scoped idempotency keys).

// GatewayConfig is where the CLI reaches the gateway and as whom.
type GatewayConfig struct {
	GatewayURL string `envconfig:"GATEWAY_URL" default:"http://127.0.0.1:8081" desc:"the gateway's base URL; decide goes through its API"`
	// AgentToken is the agent's API token (role agent); its name is the deciding agent.
	AgentToken string `envconfig:"AGENT_TOKEN" desc:"the deciding agent's API token (secret); its name is recorded as the agent"`
}

// gatewayAction is a parsed command that talks to the gateway instead of Temporal.
type gatewayAction func(ctx context.Context, gw *gatewayClient, out io.Writer) error

// gatewayClient calls the gateway's /v1 API with the agent's token.
type gatewayClient struct {
	base  string
	token string
	http  *http.Client
}

func newGatewayClient(cfg GatewayConfig) (*gatewayClient, error) {
	v := &engine.ValidationError{}
	u, err := url.Parse(cfg.GatewayURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.Add("ONBOARDING_GATEWAY_URL", "must be the gateway's http(s) base URL")
	}
	if strings.TrimSpace(cfg.AgentToken) == "" {
		v.Add("ONBOARDING_AGENT_TOKEN", "is required: decisions are taken with an agent's API token, whose name is the agent")
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	return &gatewayClient{base: strings.TrimRight(cfg.GatewayURL, "/"), token: strings.TrimSpace(cfg.AgentToken),
		http: &http.Client{Timeout: commandTimeout}}, nil
}

// problem is the gateway's error body.
type gatewayProblem struct {
	Error  string              `json:"error"`
	Fields []engine.FieldError `json:"fields"`
}

// decide sends the decision and maps the gateway's answer to the CLI's errors (and so to its
// exit codes).
func (g *gatewayClient) decide(ctx context.Context, id, requestID string, d workflows.Decision) (*workflows.DecideResult, error) {
	body, err := json.Marshal(map[string]string{"decision": d.Decision, "reason": d.Reason, "riskLevel": d.RiskLevel})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.base+"/v1/onboardings/"+url.PathEscape(id)+"/decision", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+g.token)
	if requestID != "" {
		req.Header.Set("Idempotency-Key", requestID)
	}
	resp, err := g.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach the gateway at %s: %w", g.base, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode == http.StatusOK {
		var res workflows.DecideResult
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, fmt.Errorf("read the gateway's answer: %w", err)
		}
		return &res, nil
	}
	var p gatewayProblem
	_ = json.Unmarshal(raw, &p)
	if p.Error == "" {
		p.Error = strings.TrimSpace(string(raw))
	}
	switch resp.StatusCode {
	case http.StatusNotFound:
		return nil, fmt.Errorf("%s: %w", id, engine.ErrNotFound)
	case http.StatusConflict:
		return nil, &engine.RejectedError{Reason: p.Error}
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		if len(p.Fields) > 0 {
			return nil, &engine.ValidationError{Fields: p.Fields}
		}
		return nil, fmt.Errorf("%w: %s", errInvalid, p.Error)
	case http.StatusUnauthorized, http.StatusForbidden:
		return nil, fmt.Errorf("%w: the gateway refused ONBOARDING_AGENT_TOKEN (HTTP %d: %s); decisions need an agent's token", errUsage, resp.StatusCode, p.Error)
	default:
		return nil, errors.New("the gateway answered HTTP " + resp.Status + ": " + p.Error + " (" + time.Now().UTC().Format(time.RFC3339) + ")")
	}
}
