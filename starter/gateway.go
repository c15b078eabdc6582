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

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
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
	// AppToken is an app's API token (role app), for uploading a merchant's bank data.
	AppToken string `envconfig:"APP_TOKEN" desc:"an app's API token (secret), for bank-data"`
}

// gatewayAction is a parsed command that talks to the gateway instead of Temporal.
type gatewayAction func(ctx context.Context, gw *gatewayClient, out io.Writer) error

// gatewayClient calls the gateway's /v1 API with the agent's token.
type gatewayClient struct {
	base     string
	token    string
	tokenVar string // the variable the token came from, for errors
	http     *http.Client
}

// newGatewayClient calls the gateway as an agent (decide) or, with asApp, as an app.
func newGatewayClient(cfg GatewayConfig, asApp bool) (*gatewayClient, error) {
	v := &api.ValidationError{}
	u, err := url.Parse(cfg.GatewayURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.Add("ONBOARDING_GATEWAY_URL", "must be the gateway's http(s) base URL")
	}
	token, name := cfg.AgentToken, "ONBOARDING_AGENT_TOKEN"
	if asApp {
		token, name = cfg.AppToken, "ONBOARDING_APP_TOKEN"
	}
	if strings.TrimSpace(token) == "" {
		if asApp {
			v.Add(name, "is required: bank data is uploaded with an app's API token")
		} else {
			v.Add(name, "is required: decisions are taken with an agent's API token, whose name is the agent")
		}
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	return &gatewayClient{base: strings.TrimRight(cfg.GatewayURL, "/"), token: strings.TrimSpace(token), tokenVar: name,
		http: &http.Client{Timeout: commandTimeout}}, nil
}

// problem is the gateway's error body.
type gatewayProblem struct {
	Error  string           `json:"error"`
	Fields []api.FieldError `json:"fields"`
}

// decide sends the decision and maps the gateway's answer to the CLI's errors (and so to its
// exit codes).
func (g *gatewayClient) decide(ctx context.Context, id, requestID string, d api.Decision) (*api.DecideResult, error) {
	body, err := json.Marshal(map[string]string{"decision": d.Decision, "reason": d.Reason, "riskLevel": d.RiskLevel})
	if err != nil {
		return nil, err
	}
	var res api.DecideResult
	return &res, g.send(ctx, http.MethodPost, id, "/decision", requestID, body, &res)
}

// supplyBankData uploads the merchant's bank data (a JSON body as the API takes it).
func (g *gatewayClient) supplyBankData(ctx context.Context, id, requestID string, body []byte) (*api.BankDataStatus, error) {
	var res api.BankDataStatus
	return &res, g.send(ctx, http.MethodPut, id, "/bank-data", requestID, body, &res)
}

// send calls /v1/onboardings/{id}{sub} and decodes a 200 into out; any other answer becomes
// the CLI's error for it (and so its exit code).
func (g *gatewayClient) send(ctx context.Context, method, id, sub, requestID string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, g.base+"/v1/onboardings/"+url.PathEscape(id)+sub, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+g.token)
	if requestID != "" {
		req.Header.Set("Idempotency-Key", requestID)
	}
	resp, err := g.http.Do(req)
	if err != nil {
		return fmt.Errorf("reach the gateway at %s: %w", g.base, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("read the gateway's answer: %w", err)
		}
		return nil
	}
	var p gatewayProblem
	_ = json.Unmarshal(raw, &p)
	if p.Error == "" {
		p.Error = strings.TrimSpace(string(raw))
	}
	switch resp.StatusCode {
	case http.StatusNotFound:
		return fmt.Errorf("%s: %w", id, engine.ErrNotFound)
	case http.StatusConflict:
		return &engine.RejectedError{Reason: p.Error}
	case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge:
		if len(p.Fields) > 0 {
			return &api.ValidationError{Fields: p.Fields}
		}
		return fmt.Errorf("%w: %s", errInvalid, p.Error)
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%w: the gateway refused %s (HTTP %d: %s)", errUsage, g.tokenVar, resp.StatusCode, p.Error)
	default:
		return errors.New("the gateway answered HTTP " + resp.Status + ": " + p.Error + " (" + time.Now().UTC().Format(time.RFC3339) + ")")
	}
}
