// Package webhooksig signs and verifies provider webhooks: HMAC-SHA256 over
// "<unix timestamp>.<body>", sent with an event id. The sandbox signs with it and the gateway
// verifies with it, so both sides agree on one scheme.
//
// Headers:
//
//	Webhook-Id:        unique event id (receivers deduplicate on it)
//	Webhook-Timestamp: unix seconds when the delivery was signed
//	Webhook-Signature: v1=<hex hmac>[,v1=<hex hmac>...] (several during a secret rotation)
package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names.
const (
	HeaderID        = "Webhook-Id"
	HeaderTimestamp = "Webhook-Timestamp"
	HeaderSignature = "Webhook-Signature"
)

// Errors returned by Verify. They are safe to show to the sender.
var (
	ErrMissing   = errors.New("webhook signature headers missing")
	ErrStale     = errors.New("webhook timestamp outside the allowed window")
	ErrSignature = errors.New("webhook signature does not match")
	ErrMalformed = errors.New("webhook signature headers malformed or too large")
)

// Sign returns the signature header value for body signed at ts.
func Sign(secret []byte, ts time.Time, body []byte) string {
	return "v1=" + hex.EncodeToString(mac(secret, ts.Unix(), body))
}

// SetHeaders signs body and sets the three headers on h.
func SetHeaders(h http.Header, secret []byte, id string, ts time.Time, body []byte) {
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, Sign(secret, ts, body))
}

// Limits on what Verify reads before it computes any MAC: a hostile sender must not be able
// to buy CPU with header bytes.
const (
	// MaxSignatureHeader bounds the Webhook-Signature value.
	MaxSignatureHeader = 1 << 10
	// MaxSignatures bounds the entries of the Webhook-Signature value, of any version.
	MaxSignatures = 4
	// MaxIDLen bounds the Webhook-Id (receivers keep it to deduplicate).
	MaxIDLen = 128
	// MaxSecrets bounds the secrets a receiver verifies with: one MAC each.
	MaxSecrets = 4
)

// sigHexLen is the length of one v1 entry's hex MAC.
const sigHexLen = 2 * sha256.Size

// Verify checks h against body with any of the secrets, allowing a clock difference of
// tolerance. It returns the event id on success.
//
// Cost is bounded before any MAC: one Webhook-Signature header of at most
// MaxSignatureHeader bytes, at most MaxSignatures entries, each v1 entry exactly 64 hex
// digits (other versions are skipped), an id of at most MaxIDLen bytes; anything else is
// ErrMalformed. Then one MAC per secret (at most MaxSecrets) is computed once and compared
// in constant time with every v1 entry.
func Verify(h http.Header, body []byte, secrets [][]byte, now time.Time, tolerance time.Duration) (string, error) {
	return verify(h, body, secrets, now, tolerance, mac)
}

func verify(h http.Header, body []byte, secrets [][]byte, now time.Time, tolerance time.Duration,
	mac func(secret []byte, ts int64, body []byte) []byte) (string, error) {
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return "", ErrMissing
	}
	if len(h.Values(HeaderSignature)) != 1 || len(h.Values(HeaderID)) != 1 || len(h.Values(HeaderTimestamp)) != 1 ||
		len(sigs) > MaxSignatureHeader || len(id) > MaxIDLen || len(tsText) > 20 {
		return "", ErrMalformed
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return "", ErrMissing
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return "", ErrStale
	}
	if strings.Count(sigs, ",") >= MaxSignatures {
		return "", ErrMalformed
	}
	var got [][]byte
	for _, part := range strings.Split(sigs, ",") {
		hexSig, ok := strings.CutPrefix(strings.TrimSpace(part), "v1=")
		if !ok {
			continue // another scheme's entry
		}
		if len(hexSig) != sigHexLen {
			return "", ErrMalformed
		}
		b, err := hex.DecodeString(hexSig)
		if err != nil {
			return "", ErrMalformed
		}
		got = append(got, b)
	}
	if len(got) == 0 {
		return "", ErrSignature
	}
	if len(secrets) > MaxSecrets {
		secrets = secrets[:MaxSecrets] // configuration refuses more; never pay for them
	}
	ok := false
	for _, s := range secrets {
		want := mac(s, ts, body)
		for _, g := range got {
			ok = hmac.Equal(g, want) || ok
		}
	}
	if !ok {
		return "", ErrSignature
	}
	return id, nil
}

func mac(secret []byte, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}
