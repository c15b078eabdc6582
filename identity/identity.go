// Package identity is the one rule for the names that identify a caller: the name of an API
// token (agent:alice=...) and the agent a decision records. Names are compared after
// Normalize, and Normalize refuses everything outside a small ASCII set, so two names that
// look the same are either the same name ("Alice", "alice ", a fullwidth "ａｌｉｃｅ") or one of
// them is refused (a Cyrillic "а", a zero-width space): a lookalike is never a second agent.
//
// It imports only the standard library and golang.org/x/text/unicode/norm, all of it
// deterministic, so workflow code may use it (a test keeps it that way).
package identity

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxLen is the longest name, in characters (all ASCII, so also bytes).
const MaxLen = 64

// Rule says in words what Normalize accepts, for error messages and documentation.
const Rule = "1-64 characters a-z, 0-9 and . _ @ -, starting with a letter or digit (upper case is folded to lower case)"

// Normalize returns the canonical form of name: Unicode NFKC, surrounding white space
// trimmed, lower case; and refuses it unless the result matches ^[a-z0-9][a-z0-9._@-]{0,63}$.
// Normalize(Normalize(x)) == Normalize(x). A refusal is a *NameError.
func Normalize(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(norm.NFKC.String(name)))
	if n == "" {
		return "", &NameError{Name: name, Problem: "is empty"}
	}
	for i, r := range n {
		if !allowed(r, i == 0) {
			if i == 0 && allowed(r, false) {
				return "", &NameError{Name: name, Problem: fmt.Sprintf("starts with %q", r)}
			}
			return "", &NameError{Name: name, Problem: fmt.Sprintf("has %U", r)}
		}
	}
	if len(n) > MaxLen {
		return "", &NameError{Name: name, Problem: fmt.Sprintf("is %d characters", len(n))}
	}
	return n, nil
}

// NameError is a name Normalize refuses. Problem says why without repeating the name ("has
// U+0430"), for callers that must not echo what they were given; Error quotes it.
type NameError struct {
	Name    string
	Problem string
}

func (e *NameError) Error() string {
	return "identity: the name " + quote(e.Name) + " " + e.Problem + "; a name is " + Rule
}

func allowed(r rune, first bool) bool {
	switch {
	case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
		return true
	case r == '.' || r == '_' || r == '@' || r == '-':
		return !first
	}
	return false
}

// quote quotes name for an error message, shortened: a name can come from a caller.
func quote(name string) string {
	const max = 80
	if utf8.RuneCountInString(name) > max {
		name = string([]rune(name)[:max]) + "…"
	}
	return fmt.Sprintf("%+q", name)
}
