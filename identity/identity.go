// Package identity holds the one rule for the names of the people who act on onboardings
// (agents deciding, ops extending): the gateway applies it to its tokens' names, the workflow
// to every decision it compares. It imports nothing but Unicode normalisation, so workflow
// code may use it.
package identity

import (
	"errors"
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// namePattern is what a name may be after normalisation: plain ASCII, so two names that look
// the same are the same (no Cyrillic "а" for a Latin "a", no zero-width characters).
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

// Normalize returns the canonical form of name (trimmed, Unicode NFKC, lower-case) or an error
// when that form is not a plain name of at most 64 characters.
func Normalize(name string) (string, error) {
	n := strings.ToLower(norm.NFKC.String(strings.TrimSpace(name)))
	if !namePattern.MatchString(n) {
		return "", errors.New("a name is 1-64 of a-z, 0-9 and . _ @ - (after trimming, NFKC and lower-casing), starting with a letter or digit")
	}
	return n, nil
}
