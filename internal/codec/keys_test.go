package codec_test

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/config"
)

func TestParseKeys(t *testing.T) {
	rawA := []byte("0123456789abcdef0123456789abcdef")
	short := base64.StdEncoding.EncodeToString(rawA[:16])
	long := base64.StdEncoding.EncodeToString(append(rawA, 'x'))
	tests := []struct {
		name    string
		spec    string
		wantIDs []string
		wantErr string
	}{
		{name: "one key, standard base64", spec: "k1=" + keyA, wantIDs: []string{"k1"}},
		{name: "raw URL-safe base64", spec: "k1=" + base64.RawURLEncoding.EncodeToString(rawA), wantIDs: []string{"k1"}},
		{name: "raw standard base64", spec: "k1=" + base64.RawStdEncoding.EncodeToString(rawA), wantIDs: []string{"k1"}},
		{name: "commas and spaces", spec: " new = " + keyB + " , old=" + keyA + ",", wantIDs: []string{"new", "old"}},
		{name: "newlines", spec: "new=" + keyB + "\r\nold=" + keyA + "\n", wantIDs: []string{"new", "old"}},
		{name: "id characters", spec: "Key_2026.07-a=" + keyA, wantIDs: []string{"Key_2026.07-a"}},
		{name: "64-character id", spec: strings.Repeat("x", 64) + "=" + keyA, wantIDs: []string{strings.Repeat("x", 64)}},
		{
			name:    "file with comments",
			spec:    "# payload keys, newest first\n\nnew=" + keyB + "  # rotated 2026-07\n# old=" + keyB + "\nold=" + keyA + "\n",
			wantIDs: []string{"new", "old"},
		},
		{name: "empty", spec: "", wantErr: "no payload keys"},
		{name: "only comments", spec: "# nothing yet\n , \n", wantErr: "no payload keys"},
		{name: "no id", spec: base64.RawURLEncoding.EncodeToString(rawA), wantErr: "entry 1 is not id=base64key"},
		// A padded key without an id looks like "id=" with no key; its text must not be echoed.
		{name: "no id, padded key", spec: keyA, wantErr: "entry 1 has no key after '='"},
		{name: "empty id", spec: "=" + keyA, wantErr: "entry 1: the id must match"},
		{name: "id with a space", spec: "k1=" + keyA + ",my key=" + keyB, wantErr: "entry 2: the id must match"},
		{name: "id with a slash", spec: "a/b=" + keyA, wantErr: "the id must match"},
		{name: "65-character id", spec: strings.Repeat("x", 65) + "=" + keyA, wantErr: "the id must match"},
		{name: "id but no key", spec: "k1=", wantErr: "entry 1 has no key"},
		{name: "not base64", spec: "k1=not*base64", wantErr: `key "k1" is not base64`},
		{name: "16-byte key", spec: "k1=" + keyA + ",weak=" + short, wantErr: `key "weak" is 16 bytes, want 32`},
		{name: "33-byte key", spec: "k1=" + long, wantErr: `key "k1" is 33 bytes, want 32`},
		{name: "duplicate id", spec: "k1=" + keyA + "\nk1=" + keyB, wantErr: `key id "k1" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := codec.ParseKeys(tt.spec)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				for _, secret := range []string{keyA, keyB, short, long, strings.TrimRight(keyA, "="), base64.RawURLEncoding.EncodeToString(rawA)} {
					require.NotContains(t, err.Error(), secret)
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantIDs, k.IDs())
			require.Equal(t, tt.wantIDs[0], k.ActiveID())
		})
	}
}

func TestNewKeyAndGenerateSpec(t *testing.T) {
	a, b := codec.NewKey(), codec.NewKey()
	require.NotEqual(t, a, b)
	raw, err := base64.StdEncoding.DecodeString(a)
	require.NoError(t, err)
	require.Len(t, raw, codec.KeySize)

	line, err := codec.GenerateSpec("2026-07")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "2026-07="))
	k := keyring(t, line+"\nold="+keyA)
	require.Equal(t, "2026-07", k.ActiveID())

	_, err = codec.GenerateSpec("bad id")
	require.ErrorContains(t, err, "must match")
}

func TestKeyringFormattingDoesNotLeakKeys(t *testing.T) {
	raw := []byte("0123456789abcdef0123456789abcdef")
	k := keyring(t, "k1="+keyA+",k2="+base64.RawURLEncoding.EncodeToString([]byte("fedcba9876543210fedcba9876543210")))
	leaks := []string{
		string(raw), keyA, strings.TrimRight(keyA, "="), base64.RawURLEncoding.EncodeToString(raw),
		hex.EncodeToString(raw), "fedcba9876543210", "0123456789abcdef",
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		for name, v := range map[string]any{"pointer": k, "value": *k, "in a struct": struct{ K *codec.Keyring }{k}} {
			out := fmt.Sprintf(verb, v)
			for _, leak := range leaks {
				require.NotContains(t, out, leak, "%s of %s", verb, name)
			}
		}
	}
	require.Equal(t, `codec.Keyring{active: "k1", ids: ["k1" "k2"]}`, fmt.Sprintf("%+v", k))
}

func TestFromConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "payload-keys")
	require.NoError(t, os.WriteFile(file, []byte("# newest first\nnew="+keyB+"\nold="+keyA+"\n"), 0o600))
	badFile := filepath.Join(dir, "bad-keys")
	require.NoError(t, os.WriteFile(badFile, []byte("weak=c2hvcnQ=\n"), 0o600))

	tests := []struct {
		name    string
		cfg     config.Payload
		wantIDs []string
		wantErr []string
	}{
		{name: "keys in the variable", cfg: config.Payload{PayloadKeys: "k1=" + keyA}, wantIDs: []string{"k1"}},
		{name: "keys in a file", cfg: config.Payload{PayloadKeysFile: file}, wantIDs: []string{"new", "old"}},
		{name: "neither", cfg: config.Payload{}, wantErr: []string{"ONBOARDING_PAYLOAD_KEYS ", "ONBOARDING_PAYLOAD_KEYS_FILE"}},
		{name: "both", cfg: config.Payload{PayloadKeys: "k1=" + keyA, PayloadKeysFile: file}, wantErr: []string{"only one", "ONBOARDING_PAYLOAD_KEYS_FILE"}},
		{name: "bad key in the variable", cfg: config.Payload{PayloadKeys: "k1=" + keyA + ",weak=c2hvcnQ="}, wantErr: []string{"ONBOARDING_PAYLOAD_KEYS:", `"weak"`}},
		{name: "bad key in the file", cfg: config.Payload{PayloadKeysFile: badFile}, wantErr: []string{"ONBOARDING_PAYLOAD_KEYS_FILE", badFile, `"weak"`}},
		{name: "missing file", cfg: config.Payload{PayloadKeysFile: filepath.Join(dir, "nope")}, wantErr: []string{"ONBOARDING_PAYLOAD_KEYS_FILE", "nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := codec.FromConfig(tt.cfg)
			if tt.wantErr != nil {
				for _, want := range tt.wantErr {
					require.ErrorContains(t, err, want)
				}
				require.NotContains(t, err.Error(), keyA)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantIDs, k.IDs())
		})
	}
}
