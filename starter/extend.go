package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
)

// parseExtend is `starter extend ID`: a later declaration deadline and/or a policy change.
func parseExtend(_ cli, args []string) (action, error) {
	fs := newFlags("extend")
	var ch api.DeadlineChange
	var by time.Duration
	var until string
	fs.DurationVar(&by, "by", 0, "move the declaration deadline later by this much")
	fs.StringVar(&until, "until", "", "move the declaration deadline to this RFC 3339 time")
	fs.StringVar(&ch.By, "agent", "", "who changes it (recorded on the onboarding)")
	fs.StringVar(&ch.Reason, "reason", "", "why (recorded on the onboarding)")
	policy := addPolicyFlags(fs, true)
	requestID := fs.String("request-id", "", "idempotency key: a retry with the same id gets the same answer")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := parseID(fs, args)
	if err != nil {
		return nil, err
	}
	set := setFlags(fs)
	v := &api.ValidationError{}
	bad := func(name, msg string) {
		v.Fields = append(v.Fields, api.FieldError{Field: "--" + name, Message: msg})
	}
	if set["by"] && set["until"] {
		bad("by", "give --by or --until, not both")
	}
	if set["by"] {
		if by <= 0 {
			bad("by", "must be a positive duration like 72h")
		}
		ch.ExtendBy = api.Duration(by)
	}
	if set["until"] {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(until))
		if err != nil {
			bad("until", "must be an RFC 3339 time like 2026-07-01T12:00:00Z")
		}
		ch.DeclarationDeadline = &t
	}
	// Positive only here; the engine checks the limits (exit 2) and the workflow's validator
	// what depends on the onboarding (renewals already used: exit 4).
	ch.Policy = policy.change(set, bad)
	if len(v.Fields) > 0 {
		return nil, v
	}
	if ch.ExtendBy == 0 && ch.DeclarationDeadline == nil && ch.Policy == nil {
		return nil, fmt.Errorf("%w: extend needs --by, --until or a policy flag", errUsage)
	}
	ch.By, ch.Reason = strings.TrimSpace(ch.By), strings.TrimSpace(ch.Reason)
	return func(ctx context.Context, e *engine.Engine, out io.Writer) error {
		st, err := e.ExtendDeadline(ctx, id, *requestID, ch)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, struct {
				WorkflowID string               `json:"workflowId"`
				Stage      api.Stage            `json:"stage"`
				Deadlines  map[string]time.Time `json:"deadlines"`
				Policy     api.Policy           `json:"policy"`
			}{id, st.Stage, st.Deadlines, st.Policy})
		}
		printDeadlines(out, id, st)
		return nil
	}, nil
}

// printDeadlines writes what an extend changed: the deadlines and the policy's cadences.
func printDeadlines(out io.Writer, id string, st *api.Status) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "onboarding\t%s\n", id)
	fmt.Fprintf(tw, "stage\t%s\n", st.Stage)
	writeDeadlines(tw, st.Deadlines)
	p := st.Policy
	fmt.Fprintf(tw, "declaration reminders every\t%s\n", p.DeclarationReminderEvery.D())
	fmt.Fprintf(tw, "signing reminders every\t%s\n", p.SigningReminderEvery.D())
	fmt.Fprintf(tw, "max contract renewals\t%d (used %d)\n", p.MaxContractRenewals, st.RenewalsUsed)
	fmt.Fprintf(tw, "review SLA\t%s\n", p.ReviewSLA.D())
	fmt.Fprintf(tw, "review reminders every\t%s\n", p.ReviewReminderEvery.D())
	tw.Flush()
}
