package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
)

// parseStatus is `starter status ID`: the status as a table, or --json.
func parseStatus(_ cli, args []string) (action, error) {
	fs := newFlags("status")
	asJSON := fs.Bool("json", false, "print JSON")
	paths := fs.Bool("paths", false, "print the condition (JSONPath) behind each reason the rules give")
	id, err := parseID(fs, args)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, e *engine.Engine, out io.Writer) error {
		st, err := e.Status(ctx, id)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, st)
		}
		printStatus(out, st, *paths)
		return nil
	}, nil
}

// writeDeadlines writes one "<name> deadline" row per deadline, in name order.
func writeDeadlines(tw io.Writer, deadlines map[string]time.Time) {
	names := make([]string, 0, len(deadlines))
	for name := range deadlines {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(tw, "%s deadline\t%s\n", name, deadlines[name].Format(time.RFC3339))
	}
}

// printStatus writes the status as a table; paths adds each rule finding's condition (JSONPath).
func printStatus(out io.Writer, st *api.Status, paths bool) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("onboarding", st.WorkflowID)
	row("company", companyLabel(st.Company))
	row("stage", string(st.Stage))
	row("waiting for", st.WaitingFor)
	if st.Until != nil {
		row("until", st.Until.Format(time.RFC3339))
	}
	for _, b := range st.Blocked {
		line := b.Provider + ": " + b.Reason + " since " + b.Since.UTC().Format(time.RFC3339) + ", retrying " + b.Activity
		if b.Attempts > 0 {
			line += " (attempt " + strconv.Itoa(int(b.Attempts)) + ")"
		}
		row("BLOCKED on", line)
		row("  last error", b.LastError)
	}
	if st.Stage != api.StageFinished {
		writeDeadlines(tw, st.Deadlines)
	}
	row("KYC case", strings.TrimSpace(st.CaseID+" "+paren(st.CaseStatus)))
	row("declaration URL", st.DeclarationURL)
	row("declared at", st.DeclaredAt)
	if bd := st.BankData; bd != nil {
		if u := bd.Upload; u != nil {
			row("bank data", fmt.Sprintf("uploaded by %s: %d account(s), %d transaction(s), %s to %s", u.By, u.Accounts, u.Transactions, u.From, u.To))
		} else if !bd.RequestedAt.IsZero() {
			row("bank data", "asked of the app at "+bd.RequestedAt.UTC().Format(time.RFC3339)+", not uploaded yet ("+strconv.Itoa(bd.Reminders)+" reminder(s))")
		}
	}
	if wb := st.WriteBack; wb != nil {
		row("WRITE-BACK", "Quickr has not recorded the decision ("+wb.Status+"): record it by hand; "+wb.Error)
	}
	reasons := engine.ReviewReasons(st)
	if ev := st.Evaluation; ev != nil {
		summary := ev.Reason
		if ev.Trace != nil && len(ev.Trace.Findings) > 0 && ev.Decision == "REVIEW" {
			summary, _, _ = strings.Cut(summary, "; ") // the findings follow, one a line
		}
		row("rules", ev.Decision+" "+paren(summary))
	}
	for i, r := range reasons {
		k := ""
		if i == 0 {
			k = "review because"
		}
		line := "- " + r.Sentence
		if r.Rule != "" {
			line += " (rule " + strconv.Quote(r.Rule) + ")"
		}
		row(k, line)
		if paths && r.Detail != "" {
			row("", "    condition: "+r.Detail)
		}
	}
	if st.Decision != nil {
		row("decision", strings.TrimSpace(st.Decision.Decision+" by "+st.Decision.Agent+" "+paren(st.Decision.Reason)))
	}
	row("renewals used", nonZero(st.RenewalsUsed))
	row("outcome", strings.TrimSpace(string(st.Outcome)+" "+paren(st.Reason)))
	tw.Flush()
	fmt.Fprintln(out, "\ntimeline:")
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, e := range st.Timeline {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", e.At.Format(time.RFC3339), e.Stage, e.Event, e.Detail)
	}
	tw.Flush()
}

func companyLabel(c api.Company) string {
	return strings.TrimSpace(c.Name + " " + c.OrgNumber + " " + paren(c.Country))
}

func nonZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}
