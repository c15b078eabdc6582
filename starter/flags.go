package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/merchantflow/onboarding/api"
)

// The plumbing every command shares: flag sets that report instead of printing, positional
// arguments anywhere, field errors named after flags, JSON output.

// newFlags is a flag set that reports errors to the caller instead of printing them.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args into fs and returns the positional arguments, which may stand
// before, between or after the flags (the flag package alone stops at the first one).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, fmt.Errorf("%w: %s: %v", errUsage, fs.Name(), err)
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseID parses a command that takes exactly one workflow id.
func parseID(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		return "", fmt.Errorf("%w: %s needs one workflow id, got %d arguments", errUsage, fs.Name(), len(pos))
	}
	return strings.TrimSpace(pos[0]), nil
}

// setFlags names the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// withFlagNames renames a validation error's JSON fields after the flags that set them, so
// a person sees "--company (company.orgNumber)" rather than a path into a JSON document.
func withFlagNames(err error, flags map[string]string) error {
	var verr *api.ValidationError
	if !errors.As(err, &verr) {
		return err
	}
	out := &api.ValidationError{Fields: make([]api.FieldError, len(verr.Fields))}
	for i, f := range verr.Fields {
		if name, ok := flags[f.Field]; ok {
			f.Field = "--" + name + " (" + f.Field + ")"
		}
		out.Fields[i] = f
	}
	return out
}

func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
