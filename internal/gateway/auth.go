package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/identity"
)

// Role is what a token may do. An app starts, reads, lists and cancels onboardings; an agent
// may also decide them and change their deadlines.
type Role string

// Roles.
const (
	RoleApp   Role = "app"
	RoleAgent Role = "agent"
)

// Token is one API credential. Name identifies the caller in logs and in the decisions it
// records, in the form identity.Normalize gives it; Secret is never logged.
type Token struct {
	Role   Role
	Name   string
	Secret string
}

// String never shows the secret.
func (t Token) String() string { return string(t.Role) + ":" + t.Name }

// minSecretLen keeps guessable tokens out of configuration.
const minSecretLen = 16

// ParseTokens reads "role:name=secret" entries separated by commas or newlines, e.g.
// "agent:alice=...,app:shop=...". Each part is trimmed once, here, and the name normalised
// by identity.Normalize: it is the identity decisions record, so "Alice" is alice and a
// lookalike such as a Cyrillic "а" is refused. Also refused: an unknown role, a secret under
// 16 characters, a name used twice (after normalisation, whatever the roles: a name is one
// identity) and a secret used twice (a secret is one identity). Errors name the entries by
// position and role:name, never a secret.
func ParseTokens(spec string) ([]Token, error) {
	var out []Token
	byName := map[string]int{}   // normalised name -> index in out
	bySecret := map[string]int{} // secret -> index in out
	pos := map[int]int{}         // index in out -> entry position
	for i, raw := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == '\n' }) {
		raw = strings.TrimSpace(raw)
		if raw == "" || strings.HasPrefix(raw, "#") {
			continue
		}
		entry := "entry " + strconv.Itoa(i+1)
		who, secret, ok := strings.Cut(raw, "=")
		role, name, ok2 := strings.Cut(who, ":")
		if !ok || !ok2 {
			return nil, errors.New(entry + ` must look like role:name=secret`)
		}
		role, name, secret = strings.TrimSpace(role), strings.TrimSpace(name), strings.TrimSpace(secret)
		if Role(role) != RoleApp && Role(role) != RoleAgent {
			return nil, errors.New(entry + ` has role "` + api.Clip(role, 64) + `"; use app or agent`)
		}
		norm, err := identity.Normalize(name)
		if err != nil {
			// The problem, not the name: a mistyped entry could hold part of a secret there.
			problem := "is refused"
			var ne *identity.NameError
			if errors.As(err, &ne) {
				problem = ne.Problem
			}
			return nil, errors.New(entry + ": the name " + problem + "; a name is " + identity.Rule)
		}
		t := Token{Role: Role(role), Name: norm, Secret: secret}
		if len(secret) < minSecretLen {
			return nil, errors.New(entry + " (" + t.String() + "): the secret must be at least 16 characters")
		}
		if !bearerSecret(secret) {
			return nil, errors.New(entry + " (" + t.String() + "): the secret must be printable ASCII without spaces (a bearer token carries no others)")
		}
		if j, dup := byName[norm]; dup {
			return nil, fmt.Errorf("%s (%s): the name %s is used twice, also by entry %d (%s); a name is one identity", entry, t, norm, pos[j], out[j])
		}
		if j, dup := bySecret[secret]; dup {
			return nil, fmt.Errorf("%s (%s) has the same secret as entry %d (%s); every token needs its own", entry, t, pos[j], out[j])
		}
		byName[norm], bySecret[secret], pos[len(out)] = len(out), len(out), i+1
		out = append(out, t)
	}
	return out, nil
}

type callerKey struct{}

// callerOf is the token that authenticated the request (set by requireRole).
func callerOf(ctx context.Context) Token {
	t, _ := ctx.Value(callerKey{}).(Token)
	return t
}

// authenticate finds the bearer token's Token. Every configured secret is compared, in
// constant time over fixed-size digests, so timing tells nothing about which one nearly matched.
//
// The header is read strictly: exactly one Authorization, "Bearer", one space, and a token of
// printable ASCII without whitespace. Anything else (two headers, two spaces, a tab or a
// space inside the token) is no credential, not something to tidy up into one.
func (s *Server) authenticate(r *http.Request) (Token, bool) {
	hs := r.Header.Values("Authorization")
	if len(hs) != 1 {
		return Token{}, false
	}
	scheme, presented, ok := strings.Cut(hs[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !bearerSecret(presented) {
		return Token{}, false
	}
	want := sha256.Sum256([]byte(presented))
	var found Token
	match := 0
	for _, t := range s.cfg.APITokens {
		have := sha256.Sum256([]byte(t.Secret))
		if subtle.ConstantTimeCompare(want[:], have[:]) == 1 {
			found, match = t, 1
		}
	}
	return found, match == 1
}

// bearerSecret reports whether s can be a bearer token: non-empty, printable ASCII, no spaces.
func bearerSecret(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// requireRole wraps an API handler: 401 without a valid token, 403 when the token's role may
// not do this.
func (s *Server) requireRole(role Role, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, ok := s.authenticate(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="onboarding"`)
			writeProblem(w, http.StatusUnauthorized, "a valid bearer token is required", nil)
			return
		}
		if role == RoleAgent && t.Role != RoleAgent {
			writeProblem(w, http.StatusForbidden, "this needs an agent token; "+t.Name+" is an app token", nil)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, t)))
	}
}
