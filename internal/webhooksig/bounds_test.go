package webhooksig

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestHostileHeadersCostNoMAC: a header crafted to make the receiver compute MACs (a 1 MiB
// list of empty v1= entries cost 36-88 s of CPU before the limits) is refused before any.
func TestHostileHeadersCostNoMAC(t *testing.T) {
	secrets := [][]byte{[]byte("s1"), []byte("s2"), []byte("s3")}
	body := []byte(`{"id":"x"}`)
	at := time.Unix(1_800_000_000, 0)
	macs := 0
	counting := func(s []byte, ts int64, b []byte) []byte { macs++; return mac(s, ts, b) }
	good := Sign(secrets[0], at, body)
	hex64 := strings.Repeat("ab", 32)

	headers := func(sig string, edit ...func(http.Header)) http.Header {
		h := http.Header{}
		h.Set(HeaderID, "evt-1")
		h.Set(HeaderTimestamp, "1800000000")
		h.Set(HeaderSignature, sig)
		for _, e := range edit {
			e(h)
		}
		return h
	}
	for name, h := range map[string]http.Header{
		"1 MiB of empty v1= entries":   headers(strings.Repeat("v1=,", 1<<18)),
		"just over the header limit":   headers(good + "," + strings.Repeat(" ", MaxSignatureHeader)),
		"more entries than allowed":    headers(strings.Repeat("v1="+hex64+",", MaxSignatures) + good),
		"many entries of other scheme": headers(strings.Repeat("v0=a,", MaxSignatures) + good),
		"a short v1 entry":             headers("v1=abcd," + good),
		"a long v1 entry":              headers("v1=" + hex64 + "00"),
		"a v1 entry not hex":           headers("v1=" + strings.Repeat("zz", 32)),
		"two signature headers":        headers(good, func(h http.Header) { h.Add(HeaderSignature, good) }),
		"an id longer than 128 bytes":  headers(good, func(h http.Header) { h.Set(HeaderID, strings.Repeat("i", MaxIDLen+1)) }),
	} {
		t.Run(name, func(t *testing.T) {
			macs = 0
			_, err := verify(h, body, secrets, at, time.Minute, counting)
			require.ErrorIs(t, err, ErrMalformed)
			require.Zero(t, macs, "refused before any MAC")
		})
	}

	t.Run("a valid header costs one MAC per secret, whatever the entries", func(t *testing.T) {
		macs = 0
		sig := "v1=" + hex64 + ", v1=" + hex64 + "," + good // the match is last
		id, err := verify(headers(sig), body, secrets, at, time.Minute, counting)
		require.NoError(t, err)
		require.Equal(t, "evt-1", id)
		require.Equal(t, len(secrets), macs)
	})
	t.Run("no more MACs than MaxSecrets however many secrets are passed", func(t *testing.T) {
		macs = 0
		many := make([][]byte, 50)
		for i := range many {
			many[i] = []byte{byte(i)}
		}
		_, err := verify(headers(good), body, many, at, time.Minute, counting)
		require.ErrorIs(t, err, ErrSignature)
		require.Equal(t, MaxSecrets, macs)
	})
}
