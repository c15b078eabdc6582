package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/merchantflow/onboarding/internal/engine"
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
// records; Secret is never logged.
type Token struct {
	Role   Role
	Name   string
	Secret string
}

// String never shows the secret.
func (t Token) String() string { return string(t.Role) + ":" + t.Name }

var tokenName = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// minSecretLen keeps guessable tokens out of configuration.
const minSecretLen = 16

// ParseTokens reads "role:name=secret" entries separated by commas or newlines, e.g.
// "agent:alice=...,app:shop=...". Errors name the entry by position and name, never the secret.
func ParseTokens(spec string) ([]Token, error) {
	var out []Token
	seen := map[string]bool{}
	for i, raw := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == '\n' }) {
		raw = strings.TrimSpace(raw)
		if raw == "" || strings.HasPrefix(raw, "#") {
			continue
		}
		who, secret, ok := strings.Cut(raw, "=")
		role, name, ok2 := strings.Cut(who, ":")
		pos := "entry " + strconv.Itoa(i+1)
		switch {
		case !ok || !ok2:
			return nil, errors.New(pos + ` must look like role:name=secret`)
		case Role(role) != RoleApp && Role(role) != RoleAgent:
			return nil, errors.New(pos + ` has role "` + engine.Clip(role) + `"; use app or agent`)
		case !tokenName.MatchString(name):
			return nil, errors.New(pos + ": name must be 1-64 letters, digits or ._@-")
		case len(secret) < minSecretLen:
			return nil, errors.New(pos + " (" + name + "): the secret must be at least 16 characters")
		case !bearerSecret(secret):
			return nil, errors.New(pos + " (" + name + "): the secret must be printable ASCII without spaces (a bearer token carries no others)")
		case seen[name]:
			return nil, errors.New(pos + ": the name " + name + " is used twice")
		}
		seen[name] = true
		out = append(out, Token{Role: Role(role), Name: name, Secret: secret})
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
