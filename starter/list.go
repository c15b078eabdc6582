package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
)

// listFlags maps ListFilter's fields onto list's flags.
var listFlags = map[string]string{"stage": "stage", "outcome": "outcome", "country": "country", "pageSize": "limit", "pageToken": "page-token"}

// parseList is `starter list`: onboardings from visibility, one page or --all.
func parseList(_ cli, args []string) (action, error) {
	fs := newFlags("list")
	var f engine.ListFilter
	fs.StringVar(&f.Stage, "stage", "", "only onboardings in this stage")
	fs.StringVar(&f.Outcome, "outcome", "", "only onboardings with this outcome")
	fs.StringVar(&f.Country, "country", "", "only merchants of this country")
	fs.IntVar(&f.PageSize, "limit", 0, "page size (default 50, at most 1000)")
	fs.StringVar(&f.PageToken, "page-token", "", "continue after a previous page")
	all := fs.Bool("all", false, "follow the pages to the end")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, fmt.Errorf("%w: list takes no arguments, got %q", errUsage, pos[0])
	}
	f.Stage = strings.ToUpper(strings.TrimSpace(f.Stage))
	f.Outcome = strings.ToUpper(strings.TrimSpace(f.Outcome))
	f.Country = strings.ToUpper(strings.TrimSpace(f.Country))
	if setFlags(fs)["limit"] && f.PageSize <= 0 {
		return nil, &api.ValidationError{Fields: []api.FieldError{{Field: "--limit", Message: "must be between 1 and 1000"}}}
	}
	if _, err := f.Query(); err != nil {
		return nil, withFlagNames(err, listFlags)
	}
	return func(ctx context.Context, e *engine.Engine, out io.Writer) error {
		page, err := e.List(ctx, f)
		for err == nil && *all && page.NextPageToken != "" {
			next := f
			next.PageToken = page.NextPageToken
			var more *engine.Page
			if more, err = e.List(ctx, next); err == nil {
				page.Onboardings = append(page.Onboardings, more.Onboardings...)
				page.NextPageToken = more.NextPageToken
			}
		}
		if err != nil {
			return withFlagNames(err, listFlags)
		}
		if *asJSON {
			return writeJSON(out, page)
		}
		printList(out, page, time.Now())
		return nil
	}, nil
}

// printList writes a page as a table; now makes the start and close times relative.
func printList(out io.Writer, page *engine.Page, now time.Time) {
	if len(page.Onboardings) == 0 {
		fmt.Fprintln(out, "no onboardings match")
	} else {
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "WORKFLOW ID\tSTATUS\tSTAGE\tOUTCOME\tCOUNTRY\tORG\tRISK\tSTARTED\tCLOSED")
		for _, s := range page.Onboardings {
			closed := "-"
			if s.ClosedAt != nil {
				closed = ago(*s.ClosedAt, now)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.WorkflowID, dash(s.Status), dash(s.Stage),
				dash(s.Outcome), dash(s.Country), dash(s.OrgNumber), dash(s.RiskLevel), ago(s.StartedAt, now), closed)
		}
		tw.Flush()
	}
	if page.NextPageToken != "" {
		fmt.Fprintf(out, "\nmore: add --page-token %s (or --all)\n", page.NextPageToken)
	}
}

// ago says how long before now t was: "45s ago", "12m ago", "5h ago", "3d ago", and a date
// beyond a week.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return t.Local().Format("2006-01-02 15:04")
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s ago"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m ago"
	case d < 24*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h ago"
	case d < 7*24*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d ago"
	default:
		return t.Local().Format("2006-01-02")
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
