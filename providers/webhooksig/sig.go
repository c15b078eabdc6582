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

// Verify checks h against body with any of the secrets, allowing a clock difference of
// tolerance. It returns the event id on success.
func Verify(h http.Header, body []byte, secrets [][]byte, now time.Time, tolerance time.Duration) (string, error) {
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return "", ErrMissing
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return "", ErrMissing
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return "", ErrStale
	}
	for _, part := range strings.Split(sigs, ",") {
		hexSig, ok := strings.CutPrefix(strings.TrimSpace(part), "v1=")
		if !ok {
			continue
		}
		got, err := hex.DecodeString(hexSig)
		if err != nil {
			continue
		}
		for _, s := range secrets {
			if hmac.Equal(got, mac(s, ts, body)) {
				return id, nil
			}
		}
	}
	return "", ErrSignature
}

func mac(secret []byte, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}
