package codec_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/merchantflow/onboarding/internal/codec"
)

// Fixed test keys, so failures reproduce.
var (
	keyA = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	keyB = base64.StdEncoding.EncodeToString([]byte("fedcba9876543210fedcba9876543210"))
)

func keyring(t *testing.T, spec string) *codec.Keyring {
	t.Helper()
	k, err := codec.ParseKeys(spec)
	require.NoError(t, err)
	return k
}

// applicant is the kind of PII onboarding payloads carry.
type applicant struct {
	Name      string `json:"name"`
	Email     string `json:"email"`
	BirthDate string `json:"birthDate"`
}

var kari = applicant{Name: "Kari Nordmann", Email: "kari.nordmann@example.no", BirthDate: "1984-02-29"}

// plainPayload is what the default converter makes of v, before any codec.
func plainPayload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}

func encode(t *testing.T, k *codec.Keyring, ps ...*commonpb.Payload) []*commonpb.Payload {
	t.Helper()
	out, err := codec.NewCodec(k).Encode(ps)
	require.NoError(t, err)
	return out
}

func TestDataConverterRoundTrip(t *testing.T) {
	k := keyring(t, "k1="+keyA)
	dc := codec.DataConverter(k)

	p, err := dc.ToPayload(kari)
	require.NoError(t, err)
	require.Equal(t, codec.EncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))
	require.Equal(t, "k1", string(p.Metadata[codec.MetadataKeyID]))
	require.Len(t, p.Metadata, 2, "only the encoding and the key id are in clear")
	stored, err := proto.Marshal(p)
	require.NoError(t, err)
	for _, secret := range []string{kari.Name, kari.Email, kari.BirthDate, "json/plain", "Nordmann"} {
		require.NotContains(t, string(stored), secret)
	}

	var got applicant
	require.NoError(t, dc.FromPayload(p, &got))
	require.Equal(t, kari, got)

	ps, err := dc.ToPayloads(kari, "second", 42)
	require.NoError(t, err)
	var (
		a applicant
		s string
		n int
	)
	require.NoError(t, dc.FromPayloads(ps, &a, &s, &n))
	require.Equal(t, kari, a)
	require.Equal(t, "second", s)
	require.Equal(t, 42, n)
}

func TestEncodeKeepsOriginalMetadataAndInput(t *testing.T) {
	k := keyring(t, "k1="+keyA)
	in := plainPayload(t, kari)
	in.Metadata["custom"] = []byte("kept")
	before := proto.Clone(in)

	enc := encode(t, k, in)
	require.True(t, proto.Equal(before, in), "Encode must not mutate its input")

	dec, err := codec.NewCodec(k).Decode(enc)
	require.NoError(t, err)
	require.True(t, proto.Equal(in, dec[0]), "the whole payload, metadata included, comes back")
}

func TestEncodeUsesFreshNonces(t *testing.T) {
	k := keyring(t, "k1="+keyA)
	p := plainPayload(t, kari)
	enc := encode(t, k, p, p)
	require.NotEqual(t, enc[0].Data, enc[1].Data)
}

func TestDecodeFailures(t *testing.T) {
	sealed := encode(t, keyring(t, "k1="+keyA), plainPayload(t, kari))[0]
	with := func(mutate func(p *commonpb.Payload)) *commonpb.Payload {
		p := proto.Clone(sealed).(*commonpb.Payload)
		mutate(p)
		return p
	}
	tests := []struct {
		name    string
		keys    string
		payload *commonpb.Payload
		wantErr string
	}{
		{"wrong key under the same id", "k1=" + keyB, sealed, `key "k1"`},
		{"unknown key id", "other=" + keyA, sealed, `key "k1", which is not in the keyring`},
		{"tampered nonce", "k1=" + keyA, with(func(p *commonpb.Payload) { p.Data[0] ^= 1 }), `key "k1"`},
		{"tampered ciphertext", "k1=" + keyA, with(func(p *commonpb.Payload) { p.Data[len(p.Data)/2] ^= 1 }), `key "k1"`},
		{"tampered tag", "k1=" + keyA, with(func(p *commonpb.Payload) { p.Data[len(p.Data)-1] ^= 1 }), `key "k1"`},
		{"truncated", "k1=" + keyA, with(func(p *commonpb.Payload) { p.Data = p.Data[:5] }), `key "k1"`},
		{"no key id", "k1=" + keyA, with(func(p *commonpb.Payload) { delete(p.Metadata, codec.MetadataKeyID) }), codec.MetadataKeyID},
		{"malformed key id", "k1=" + keyA, with(func(p *commonpb.Payload) { p.Metadata[codec.MetadataKeyID] = []byte("k 1") }), "malformed"},
		// Both ids hold the same bytes: only the key id as additional data catches this.
		{"relabelled to another id", "k1=" + keyA + ",k2=" + keyA, with(func(p *commonpb.Payload) { p.Metadata[codec.MetadataKeyID] = []byte("k2") }), `key "k2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := codec.NewCodec(keyring(t, tt.keys)).Decode([]*commonpb.Payload{tt.payload})
			require.ErrorContains(t, err, tt.wantErr)
			require.Nil(t, out)
			require.NotContains(t, err.Error(), keyA)
			require.NotContains(t, err.Error(), keyB)
		})
	}
}

func TestRelabelledBackDecodes(t *testing.T) {
	k := keyring(t, "k1="+keyA+",k2="+keyA)
	p := encode(t, k, plainPayload(t, kari))[0]
	require.Equal(t, "k1", string(p.Metadata[codec.MetadataKeyID]))
	_, err := codec.NewCodec(k).Decode([]*commonpb.Payload{p})
	require.NoError(t, err)
}

func TestRotation(t *testing.T) {
	old := keyring(t, "2026-01="+keyA)
	written := encode(t, old, plainPayload(t, kari))[0]

	rotated := keyring(t, "2026-07="+keyB+"\n2026-01="+keyA)
	require.Equal(t, "2026-07", rotated.ActiveID())
	require.Equal(t, []string{"2026-07", "2026-01"}, rotated.IDs())

	var got applicant
	require.NoError(t, codec.DataConverter(rotated).FromPayload(written, &got), "old payloads still decode")
	require.Equal(t, kari, got)

	fresh, err := codec.DataConverter(rotated).ToPayload(kari)
	require.NoError(t, err)
	require.Equal(t, "2026-07", string(fresh.Metadata[codec.MetadataKeyID]), "new payloads use the new key")

	_, err = codec.NewCodec(old).Decode([]*commonpb.Payload{fresh})
	require.ErrorContains(t, err, `"2026-07"`, "a worker without the new key says which key it lacks")
}

func TestPlaintextPassesThrough(t *testing.T) {
	k := keyring(t, "k1="+keyA)
	plain := plainPayload(t, kari)
	binary := &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte("binary/plain")}, Data: []byte{1, 2}}
	bare := &commonpb.Payload{Data: []byte("no metadata")}

	out, err := codec.NewCodec(k).Decode([]*commonpb.Payload{plain, binary, bare})
	require.NoError(t, err)
	require.Same(t, plain, out[0])
	require.Same(t, binary, out[1])
	require.Same(t, bare, out[2])

	var got applicant
	require.NoError(t, codec.DataConverter(k).FromPayload(plain, &got), "histories from before encryption read")
	require.Equal(t, kari, got)
}

func TestEmptyKeyringRefusesToEncode(t *testing.T) {
	_, err := codec.NewCodec(nil).Encode([]*commonpb.Payload{plainPayload(t, kari)})
	require.ErrorContains(t, err, "no keys")
	_, err = codec.NewCodec(nil).Decode([]*commonpb.Payload{encode(t, keyring(t, "k1="+keyA), plainPayload(t, kari))[0]})
	require.ErrorContains(t, err, `"k1"`)
	require.False(t, strings.Contains(err.Error(), keyA))
}
