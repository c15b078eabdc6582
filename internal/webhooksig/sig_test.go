package webhooksig_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/webhooksig"
)

func TestVerify(t *testing.T) {
	secret, other := []byte("s3cret"), []byte("rotated")
	body := []byte(`{"type":"CASE_STATUS_UPDATED"}`)
	signedAt := time.Unix(1_800_000_000, 0)

	signed := func() http.Header {
		h := http.Header{}
		webhooksig.SetHeaders(h, secret, "evt-1", signedAt, body)
		return h
	}
	tests := []struct {
		name    string
		header  func() http.Header
		body    []byte
		secrets [][]byte
		now     time.Time
		wantErr error
	}{
		{"valid", signed, body, [][]byte{secret}, signedAt.Add(time.Minute), nil},
		{"valid with rotated secrets", signed, body, [][]byte{other, secret}, signedAt, nil},
		{"tampered body", signed, []byte(`{"type":"X"}`), [][]byte{secret}, signedAt, webhooksig.ErrSignature},
		{"wrong secret", signed, body, [][]byte{other}, signedAt, webhooksig.ErrSignature},
		{"stale", signed, body, [][]byte{secret}, signedAt.Add(6 * time.Minute), webhooksig.ErrStale},
		{"from the future", signed, body, [][]byte{secret}, signedAt.Add(-6 * time.Minute), webhooksig.ErrStale},
		{"no headers", func() http.Header { return http.Header{} }, body, [][]byte{secret}, signedAt, webhooksig.ErrMissing},
		{"garbage signature", func() http.Header {
			h := signed()
			h.Set(webhooksig.HeaderSignature, "v1=zz,v0=abc")
			return h
		}, body, [][]byte{secret}, signedAt, webhooksig.ErrMalformed},
		{"only another scheme", func() http.Header {
			h := signed()
			h.Set(webhooksig.HeaderSignature, "v0=abc")
			return h
		}, body, [][]byte{secret}, signedAt, webhooksig.ErrSignature},
		{"valid among rotated entries", func() http.Header {
			h := signed()
			h.Set(webhooksig.HeaderSignature, webhooksig.Sign(other, signedAt, body)+", "+h.Get(webhooksig.HeaderSignature))
			return h
		}, body, [][]byte{secret}, signedAt, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := webhooksig.Verify(tt.header(), tt.body, tt.secrets, tt.now, 5*time.Minute)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, "evt-1", id)
		})
	}
}
