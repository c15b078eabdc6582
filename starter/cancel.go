package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
)

// parseCancel is `starter cancel ID --reason R`: the onboarding archives its case and ends CANCELLED.
func parseCancel(_ cli, args []string) (action, error) {
	fs := newFlags("cancel")
	reason := fs.String("reason", "", "why (recorded on the workflow)")
	by := fs.String("by", "starter", "who cancels (recorded as the request's identity)")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := parseID(fs, args)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(*reason) == "" {
		return nil, &api.ValidationError{Fields: []api.FieldError{{Field: "--reason", Message: "is required: a cancellation says why"}}}
	}
	return func(ctx context.Context, e *engine.Engine, out io.Writer) error {
		if err := e.Cancel(ctx, id, strings.TrimSpace(*reason), strings.TrimSpace(*by)); err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, map[string]any{"workflowId": id, "cancelRequested": true})
		}
		fmt.Fprintf(out, "cancel requested: %s (the onboarding archives its KYC case and ends CANCELLED)\n", id)
		return nil
	}, nil
}
