package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
)

// startFlags maps start's input fields onto its flags (the policy's come with them).
var startFlags = map[string]string{
	"company.orgNumber": "company", "company.country": "country", "company.name": "name",
	"contact.name": "contact-name", "contact.email": "contact-email", "address": "address",
	"credit.amount": "amount", "credit.currency": "currency", "credit.periodDays": "period",
}

// parseStart is `starter start`: the input from flags or --file, checked before it connects.
func parseStart(c cli, args []string) (action, error) {
	fs := newFlags("start")
	var in api.OnboardingInput
	fs.StringVar(&in.Company.OrgNumber, "company", "", "company (organisation) number")
	fs.StringVar(&in.Company.Country, "country", "", "ISO 3166-1 alpha-2 country, e.g. NO")
	fs.StringVar(&in.Company.Name, "name", "", "company name (optional, for the summary)")
	fs.StringVar(&in.Contact.Name, "contact-name", "", "contact person")
	fs.StringVar(&in.Contact.Email, "contact-email", "", "contact e-mail")
	fs.StringVar(&in.Address, "address", "", "business address (for the credit terms request)")
	fs.Float64Var(&in.Credit.Amount, "amount", 0, "requested credit amount")
	fs.StringVar(&in.Credit.Currency, "currency", "NOK", "currency of the amount")
	fs.IntVar(&in.Credit.PeriodDays, "period", 30, "bank-statement period in days: 30, 60 or 90")
	policy := addPolicyFlags(fs, false)
	file := fs.String("file", "", "read the OnboardingInput from this JSON file (- for stdin)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, fmt.Errorf("%w: start takes no arguments, got %q", errUsage, pos[0])
	}
	if *file != "" {
		var clash []string
		for name := range setFlags(fs) {
			if name != "file" && name != "json" {
				clash = append(clash, "--"+name)
			}
		}
		if len(clash) > 0 {
			slices.Sort(clash)
			return nil, fmt.Errorf("%w: --file gives the whole input; drop %s", errUsage, strings.Join(clash, ", "))
		}
		if in, err = readInput(c.stdin, *file); err != nil {
			return nil, err
		}
	} else {
		policy.setIn(&in.Policy, setFlags(fs))
	}
	// The engine's own check (api.PrepareStart), here already, so bad input never connects.
	if _, _, err := api.PrepareStart(in, api.RealTime); err != nil {
		if *file == "" {
			err = withFlagNames(err, policy.fieldFlags(maps.Clone(startFlags)))
		}
		return nil, err
	}
	return func(ctx context.Context, e *engine.Engine, out io.Writer) error {
		st, err := e.Start(ctx, in)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, st)
		}
		verb := "started"
		if st.Existing {
			verb = "already running"
		}
		fmt.Fprintf(out, "onboarding %s: %s (run %s)\nstatus: starter status %s\n", verb, st.WorkflowID, st.RunID, st.WorkflowID)
		return nil
	}, nil
}

// readInput reads one OnboardingInput JSON document from path ("-": r). Unknown fields and
// trailing data are errors: a misspelt field must not silently take its default.
func readInput(r io.Reader, path string) (api.OnboardingInput, error) {
	var in api.OnboardingInput
	name := path
	if path == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return in, fmt.Errorf("%w: %v", errInvalid, err)
		}
		defer f.Close()
		r = f
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("%w: %s: %v", errInvalid, name, err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return in, fmt.Errorf("%w: %s: more than one JSON value", errInvalid, name)
	}
	return in, nil
}
