package callback

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	newer = []byte("callback-secret-2026-12-aaaaaaaa")
	older = []byte("callback-secret-2026-06-bbbbbbbb")
	other = []byte("someone-elses-secret-cccccccccccc")
)

const wid = "onboarding:NO:987654321"

func keys(t *testing.T, secrets ...[]byte) *Keys {
	t.Helper()
	k, err := New(secrets)
	require.NoError(t, err)
	return k
}

func TestMintAndVerify(t *testing.T) {
	k := keys(t, newer)
	tok, err := k.Token(Quickr, wid)
	require.NoError(t, err)
	require.Regexp(t, `^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$`, tok, "URL-safe, no padding, 128-bit MAC")
	got, err := k.Verify(Quickr, tok)
	require.NoError(t, err)
	require.Equal(t, wid, got)

	again, err := k.Token(Quickr, wid)
	require.NoError(t, err)
	require.Equal(t, tok, again, "deterministic: a retried activity gives the provider the same URL")

	u, err := k.URL("https://gw.example/webhooks/quickr/", Quickr, wid)
	require.NoError(t, err)
	require.Equal(t, "https://gw.example/webhooks/quickr/"+tok, u)
}

func TestRotation(t *testing.T) {
	before := keys(t, older)
	oldTok, err := before.Token(IDV, wid)
	require.NoError(t, err)

	rotated := keys(t, newer, older)
	got, err := rotated.Verify(IDV, oldTok)
	require.NoError(t, err, "an onboarding opened before the rotation keeps its URL")
	require.Equal(t, wid, got)
	newTok, err := rotated.Token(IDV, wid)
	require.NoError(t, err)
	require.NotEqual(t, oldTok, newTok, "the first secret mints")
	_, err = before.Verify(IDV, newTok)
	require.ErrorIs(t, err, ErrToken, "the new token needs the new secret")

	retired := keys(t, newer)
	_, err = retired.Verify(IDV, oldTok)
	require.ErrorIs(t, err, ErrToken, "dropping a secret revokes its tokens")
}

func TestVerifyRefuses(t *testing.T) {
	k := keys(t, newer)
	tok, err := k.Token(Quickr, wid)
	require.NoError(t, err)
	idPart, macPart, _ := strings.Cut(tok, ".")
	otherID := base64.RawURLEncoding.EncodeToString([]byte("onboarding:NO:123456789"))
	flip := func(s string) string {
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}
	foreign, err := keys(t, other).Token(Quickr, wid)
	require.NoError(t, err)
	for name, bad := range map[string]string{
		"another onboarding, same MAC": otherID + "." + macPart,
		"MAC changed":                  idPart + "." + flip(macPart),
		"MAC truncated":                idPart + "." + macPart[:21],
		"MAC with padding":             idPart + "." + macPart + "==",
		"no dot":                       idPart + macPart,
		"empty workflow ID":            "." + macPart,
		"not base64":                   "*!*." + macPart,
		"standard base64 alphabet":     strings.ReplaceAll(idPart, "-", "+") + "+/." + macPart,
		"another secret's token":       foreign,
		"MAC spelt another way":        idPart + "." + macPart[:21] + string(macPart[21]+1),
		"empty":                        "",
		"too long":                     strings.Repeat("A", MaxTokenLen+1) + "." + macPart,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := k.Verify(Quickr, bad)
			require.ErrorIs(t, err, ErrToken)
			require.Empty(t, got)
		})
	}
	t.Run("wrong provider", func(t *testing.T) {
		_, err := k.Verify(IDV, tok)
		require.ErrorIs(t, err, ErrToken, "a Quickr token does not open the IDV route")
	})
}

func TestVerifyComputesEveryMACWhicheverMatches(t *testing.T) {
	k := keys(t, newer, older, other)
	calls := 0
	inner := k.mac
	k.mac = func(s []byte, p, w string) []byte { calls++; return inner(s, p, w) }
	tok, err := k.Token(Quickr, wid) // minted with the first secret
	require.NoError(t, err)
	for _, tt := range []struct {
		name string
		tok  string
		ok   bool
	}{
		{"matches the first", tok, true},
		{"matches none", tok[:len(tok)-1] + map[bool]string{true: "B", false: "A"}[tok[len(tok)-1] == 'A'], false},
	} {
		calls = 0
		_, err := k.Verify(Quickr, tt.tok)
		require.Equal(t, tt.ok, err == nil, tt.name)
		require.Equal(t, 3, calls, "%s: one MAC per secret, no early exit", tt.name)
	}
	calls = 0
	_, err = k.Verify(Quickr, "garbage")
	require.ErrorIs(t, err, ErrToken)
	require.Zero(t, calls, "a malformed token costs no MAC")
}

func TestSecrets(t *testing.T) {
	got, err := ParseSecrets([]string{" " + string(newer) + " ", string(older)})
	require.NoError(t, err)
	require.Equal(t, [][]byte{newer, older}, got)
	for name, tt := range map[string]struct {
		in   []string
		want string
	}{
		"none":      {nil, "at least one"},
		"empty":     {[]string{string(newer), " "}, "entry 2 is empty"},
		"short":     {[]string{"tiny-secret"}, "entry 1 is shorter than 16 bytes"},
		"twice":     {[]string{string(newer), string(older), string(newer)}, "entry 3 repeats entry 1"},
		"too many":  {[]string{string(newer) + "1", string(newer) + "2", string(newer) + "3", string(newer) + "4", string(newer) + "5"}, "at most 4"},
		"no values": {[]string{"a-secret-that-is-long-enough", "tiny"}, "entry 2"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseSecrets(tt.in)
			require.ErrorContains(t, err, tt.want)
			for _, s := range tt.in {
				if strings.TrimSpace(s) != "" {
					require.NotContains(t, err.Error(), strings.TrimSpace(s), "an error shows a secret")
				}
			}
		})
	}
	_, err = New(nil)
	require.Error(t, err)
}

func TestMintRefusesWhatCannotBeVerified(t *testing.T) {
	k := keys(t, newer)
	_, err := k.Token(Quickr, "")
	require.Error(t, err)
	_, err = k.Token(Quickr, strings.Repeat("x", MaxWorkflowIDLen+1))
	require.Error(t, err)
	_, err = k.Token("qu\x00ickr", wid)
	require.Error(t, err)
	longest := strings.Repeat("x", MaxWorkflowIDLen)
	tok, err := k.Token(Quickr, longest)
	require.NoError(t, err)
	require.LessOrEqual(t, len(tok), MaxTokenLen)
	got, err := k.Verify(Quickr, tok)
	require.NoError(t, err)
	require.Equal(t, longest, got)
}
