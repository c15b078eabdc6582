package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/merchantflow/onboarding/api"
)

// parseDecide is `starter decide ID --decision D`, sent through the gateway as the token's agent.
func parseDecide(_ cli, args []string) (gatewayAction, error) {
	fs := newFlags("decide")
	var d api.Decision
	fs.StringVar(&d.Decision, "decision", "", "approve or decline")
	agent := fs.String("agent", "", "refused: the agent is the name of ONBOARDING_AGENT_TOKEN")
	fs.StringVar(&d.Reason, "reason", "", "why (recorded on the onboarding)")
	fs.StringVar(&d.RiskLevel, "risk", "", "LOW, MEDIUM or HIGH; empty keeps the case's")
	requestID := fs.String("request-id", "", "idempotency key: a retry with the same id gets the same answer")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := parseID(fs, args)
	if err != nil {
		return nil, err
	}
	d.Decision = strings.ToLower(strings.TrimSpace(d.Decision))
	d.RiskLevel = strings.ToUpper(strings.TrimSpace(d.RiskLevel))
	v := &api.ValidationError{}
	if d.Decision != api.DecisionApprove && d.Decision != api.DecisionDecline {
		v.Fields = append(v.Fields, api.FieldError{Field: "--decision", Message: "must be approve or decline"})
	}
	if *agent != "" {
		v.Fields = append(v.Fields, api.FieldError{Field: "--agent", Message: "is not taken: the agent is the name of the API token in ONBOARDING_AGENT_TOKEN, so nobody decides in another's name"})
	}
	if d.RiskLevel != "" && d.RiskLevel != "LOW" && d.RiskLevel != "MEDIUM" && d.RiskLevel != "HIGH" {
		v.Fields = append(v.Fields, api.FieldError{Field: "--risk", Message: "must be LOW, MEDIUM or HIGH"})
	}
	if len(v.Fields) > 0 {
		return nil, v
	}
	return func(ctx context.Context, gw *gatewayClient, out io.Writer) error {
		res, err := gw.decide(ctx, id, *requestID, d)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, res)
		}
		switch {
		case res.Outcome != "":
			fmt.Fprintf(out, "onboarding %s: %s, outcome %s\n", id, res.Status, res.Outcome)
		default:
			fmt.Fprintf(out, "onboarding %s: %s (a HIGH risk approval needs a second, different agent)\n", id, res.Status)
		}
		return nil
	}, nil
}
