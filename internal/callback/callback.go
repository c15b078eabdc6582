// Package callback mints and verifies the per-onboarding capability URLs the providers call
// back on: <base>/<token>, given to Quickr as a case's urls.callback_url and to the IDV
// provider as a session's callback_url. Neither provider signs its callbacks (the seeds
// document none), so the URL itself is the credential: the token names the onboarding (its
// workflow ID) and carries a MAC over it, and the gateway trusts nothing in the body to say
// which onboarding an event is for.
//
// Token:  base64url(workflowID) "." base64url(MAC[:16])   (no padding)
// MAC:    HMAC-SHA256(secret, provider || 0x00 || workflowID)
//
// The provider is part of the MAC, so a Quickr token does not open the IDV route. The worker
// mints with the first secret; the gateway verifies with every secret (at most MaxSecrets),
// so a secret rotates by putting the new one first and keeping the old one listed for as long
// as onboardings created under it are open. The package depends on nothing of the project.
package callback

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Providers whose callback URLs are minted here.
const (
	Quickr = "quickr"
	IDV    = "idv"
)

// Limits.
const (
	// MaxSecrets bounds the list: verifying costs one HMAC per secret.
	MaxSecrets = 4
	// MinSecretLen is the shortest secret accepted, in bytes.
	MinSecretLen = 16
	// MACLen is the truncated MAC, 128 bits.
	MACLen = 16
	// MaxWorkflowIDLen is Temporal's default limit on a workflow ID.
	MaxWorkflowIDLen = 1000
	// MaxTokenLen bounds a token before anything is decoded.
	MaxTokenLen = (MaxWorkflowIDLen*4+2)/3 + 1 + (MACLen*4+2)/3
)

// DevSecret is the local profile's callback secret (ONBOARDING_PROFILE=local), published like
// the sandbox's credentials: it protects nothing outside a developer's machine.
const DevSecret = "local-profile-callback-secret-not-for-production"

// ErrToken is every refusal of a token. It says nothing about which part failed.
var ErrToken = errors.New("callback token not valid")

// Keys mints and verifies tokens.
type Keys struct {
	secrets [][]byte
	// mac computes one MAC; a field so that tests can count the calls.
	mac func(secret []byte, provider, workflowID string) []byte
}

// New returns keys over secrets, the first minting (see ParseSecrets for the rules).
func New(secrets [][]byte) (*Keys, error) {
	if err := checkSecrets(secrets); err != nil {
		return nil, err
	}
	cp := make([][]byte, len(secrets))
	for i, s := range secrets {
		cp[i] = append([]byte(nil), s...)
	}
	return &Keys{secrets: cp, mac: mac}, nil
}

// ParseSecrets reads a configured list (entries trimmed of spaces): 1 to MaxSecrets entries,
// each at least MinSecretLen bytes and none twice. Errors name entries by position, never
// by value.
func ParseSecrets(entries []string) ([][]byte, error) {
	out := make([][]byte, 0, len(entries))
	for i, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			return nil, fmt.Errorf("entry %d is empty", i+1)
		}
		out = append(out, []byte(e))
	}
	if err := checkSecrets(out); err != nil {
		return nil, err
	}
	return out, nil
}

func checkSecrets(secrets [][]byte) error {
	switch {
	case len(secrets) == 0:
		return errors.New("must name at least one secret")
	case len(secrets) > MaxSecrets:
		return fmt.Errorf("names %d secrets; at most %d (drop the oldest once no open onboarding uses it)", len(secrets), MaxSecrets)
	}
	for i, s := range secrets {
		if len(s) < MinSecretLen {
			return fmt.Errorf("entry %d is shorter than %d bytes", i+1, MinSecretLen)
		}
		for j := range i {
			if hmac.Equal(s, secrets[j]) {
				return fmt.Errorf("entry %d repeats entry %d", i+1, j+1)
			}
		}
	}
	return nil
}

// Token is the token for the onboarding workflowID at provider, minted with the first secret.
func (k *Keys) Token(provider, workflowID string) (string, error) {
	if err := checkInput(provider, workflowID); err != nil {
		return "", err
	}
	m := k.mac(k.secrets[0], provider, workflowID)
	return b64.EncodeToString([]byte(workflowID)) + "." + b64.EncodeToString(m[:MACLen]), nil
}

// URL is base + "/" + Token(provider, workflowID); base is the provider's callback route
// (e.g. https://gateway.example/webhooks/quickr), a trailing slash ignored.
func (k *Keys) URL(base, provider, workflowID string) (string, error) {
	tok, err := k.Token(provider, workflowID)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(base, "/") + "/" + tok, nil
}

// Verify returns the workflow ID token names when its MAC matches one of the secrets for
// provider, and ErrToken otherwise. Every secret's MAC is computed and compared in constant
// time, whichever matches, so the time taken does not tell which secret (or none) did.
func (k *Keys) Verify(provider, token string) (string, error) {
	if len(token) > MaxTokenLen {
		return "", ErrToken
	}
	idPart, macPart, ok := strings.Cut(token, ".")
	if !ok || idPart == "" || len(macPart) != b64.EncodedLen(MACLen) {
		return "", ErrToken
	}
	id, err := b64.DecodeString(idPart)
	if err != nil {
		return "", ErrToken
	}
	got, err := b64.DecodeString(macPart)
	if err != nil || len(got) != MACLen {
		return "", ErrToken
	}
	workflowID := string(id)
	if checkInput(provider, workflowID) != nil {
		return "", ErrToken
	}
	ok = false
	for _, s := range k.secrets {
		want := k.mac(s, provider, workflowID)
		ok = hmac.Equal(got, want[:MACLen]) || ok // every secret is tried: no early exit
	}
	if !ok {
		return "", ErrToken
	}
	return workflowID, nil
}

// checkInput keeps the MAC input unambiguous: the provider is a plain name without 0x00,
// so provider || 0x00 || workflowID splits one way only.
func checkInput(provider, workflowID string) error {
	if provider == "" || strings.IndexByte(provider, 0) >= 0 {
		return errors.New("callback: provider must be a name without NUL")
	}
	if workflowID == "" || len(workflowID) > MaxWorkflowIDLen {
		return fmt.Errorf("callback: workflow ID must be 1 to %d bytes", MaxWorkflowIDLen)
	}
	return nil
}

// b64 is base64url without padding, decoded strictly: the unused low bits of the last
// character must be zero, so each MAC and workflow ID has exactly one token spelling.
var b64 = base64.RawURLEncoding.Strict()

func mac(secret []byte, provider, workflowID string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(provider))
	m.Write([]byte{0})
	m.Write([]byte(workflowID))
	return m.Sum(nil)
}
