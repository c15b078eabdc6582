package identity_test

import (
	"go/build"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/identity"
)

func TestNormalize(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		wantErr  string
	}{
		{in: "alice", want: "alice"},
		{in: "alice ", want: "alice"},
		{in: "\talice\n", want: "alice"},
		{in: "Alice", want: "alice"},
		{in: "ALICE@Corp.example", want: "alice@corp.example"},
		{in: "ａｌｉｃｅ", want: "alice"},             // fullwidth letters are the same letters (NFKC)
		{in: "\u00a0alice\u3000", want: "alice"}, // no-break and ideographic spaces are spaces
		{in: "\u212aelvin", want: "kelvin"},      // KELVIN SIGN is K
		{in: "demo-app", want: "demo-app"},
		{in: "a", want: "a"},
		{in: "0", want: "0"},
		{in: "bot_1.v2-x@y", want: "bot_1.v2-x@y"},
		{in: strings.Repeat("a", 64), want: strings.Repeat("a", 64)},

		{in: "", wantErr: "empty"},
		{in: "   ", wantErr: "empty"},
		{in: "\u0430lice", wantErr: "U+0430"},  // Cyrillic а
		{in: "alice\u200b", wantErr: "U+200B"}, // zero-width space
		{in: "\ufeffalice", wantErr: "U+FEFF"}, // byte order mark
		{in: "al\u0131ce", wantErr: "U+0131"},  // dotless ı
		{in: "alic\u00e9", wantErr: "U+00E9"},  // é: a letter, but not ASCII
		{in: "ali ce", wantErr: "U+0020"},      // inner space
		{in: "alice\x00", wantErr: "U+0000"},   // control character
		{in: "alice\xff", wantErr: "U+FFFD"},   // invalid UTF-8
		{in: "al:ice", wantErr: "U+003A"},      // the token separators are not name characters
		{in: "al=ice", wantErr: "U+003D"},
		{in: "al,ice", wantErr: "U+002C"},
		{in: ".alice", wantErr: `starts with '.'`},
		{in: "-alice", wantErr: `starts with '-'`},
		{in: "@alice", wantErr: `starts with '@'`},
		{in: strings.Repeat("a", 65), wantErr: "65 characters"},
	} {
		got, err := identity.Normalize(tt.in)
		if tt.wantErr != "" {
			require.ErrorContains(t, err, tt.wantErr, "%+q", tt.in)
			require.ErrorContains(t, err, identity.Rule, "%+q", tt.in)
			var ne *identity.NameError
			require.ErrorAs(t, err, &ne)
			require.Equal(t, tt.in, ne.Name)
			if strings.TrimSpace(tt.in) != "" {
				require.NotContains(t, ne.Problem, tt.in, "Problem never repeats the name")
			}
			continue
		}
		require.NoError(t, err, "%+q", tt.in)
		require.Equal(t, tt.want, got, "%+q", tt.in)
		again, err := identity.Normalize(got)
		require.NoError(t, err)
		require.Equal(t, got, again, "Normalize is idempotent")
	}
}

func TestLookalikesAreTheSameNameOrRefused(t *testing.T) {
	alice, err := identity.Normalize("alice")
	require.NoError(t, err)
	for _, lookalike := range []string{"alice ", " Alice", "ALICE", "ａｌｉｃｅ", "\u0430lice", "alice\u200b", "a\u200dlice", "alic\u0435"} {
		got, err := identity.Normalize(lookalike)
		if err == nil {
			require.Equal(t, alice, got, "%+q normalises to a different agent", lookalike)
		}
	}
}

func TestErrorsQuoteLongNamesShortened(t *testing.T) {
	_, err := identity.Normalize(strings.Repeat("x", 500) + "!")
	require.Error(t, err)
	require.Less(t, len(err.Error()), 400)
}

// TestImportsStayDeterministic: workflow code uses Normalize, so this package may import
// only deterministic packages, and nothing of the module (scripts/check-imports.sh forbids
// workflows importing internal/).
func TestImportsStayDeterministic(t *testing.T) {
	allowed := map[string]bool{"fmt": true, "strings": true, "unicode/utf8": true, "golang.org/x/text/unicode/norm": true}
	pkg, err := build.ImportDir(".", 0)
	require.NoError(t, err)
	for _, path := range pkg.Imports {
		require.True(t, allowed[path], "package identity imports %s; keep it to the standard library's deterministic packages and x/text/unicode/norm", path)
	}
}
