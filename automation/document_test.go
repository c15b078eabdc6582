package automation

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// mustDoc builds a document the way callers do.
func mustDoc(t *testing.T, caseJSON string, ctx map[string]any) map[string]any {
	t.Helper()
	doc, err := Document([]byte(caseJSON), ctx)
	require.NoError(t, err)
	return doc
}

func TestDocument(t *testing.T) {
	type age struct {
		Years int `json:"years"`
	}
	doc := mustDoc(t, `{"a": 1, "b": 2.5, "c": [10, "x", true, null], "context": {"old": 1}}`,
		map[string]any{"company_age": 3, "score": float32(0.5), "identity_match": true, "nested": age{Years: 4}})

	require.Equal(t, int64(1), doc["a"])
	require.Equal(t, 2.5, doc["b"])
	require.Equal(t, []any{int64(10), "x", true, nil}, doc["c"])
	require.Equal(t, map[string]any{
		"company_age":    int64(3),
		"score":          0.5,
		"identity_match": true,
		"nested":         map[string]any{"years": int64(4)},
	}, doc["context"])

	doc = mustDoc(t, `{"a": 1}`, nil)
	require.Equal(t, map[string]any{}, doc["context"])
}

func TestDocumentErrors(t *testing.T) {
	for _, in := range []string{``, `[1]`, `"x"`, `{"a":`, `{} {}`, `{"a": 1} x`} {
		_, err := Document([]byte(in), nil)
		require.Error(t, err, in)
	}
	_, err := Document([]byte(`{}`), map[string]any{"bad": func() {}})
	require.ErrorContains(t, err, "encode context")
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{"x", "x"},
		{int64(0), "0"},
		{0.0, "0"},
		{24.5, "24.5"},
		{100.0, "100"},
		{1e20, "100000000000000000000"},
		{true, "true"},
		{nil, "null"},
		{[]any{int64(1), "a"}, `[1,"a"]`},
		{map[string]any{"b": int64(1), "a": int64(2)}, `{"a":2,"b":1}`},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, canonical(tt.in), "%#v", tt.in)
	}
}

// A document built by hand may hold any Go number kind; each compares as the number it is.
func TestNumbersOfEveryGoKind(t *testing.T) {
	for _, v := range []any{int(7), int32(7), int64(7), uint(7), uint32(7), uint64(7), float32(7), float64(7), json.Number("7")} {
		f, ok := toFloat(v)
		require.True(t, ok, "%T", v)
		require.Equal(t, 7.0, f, "%T", v)
		require.Equal(t, "7", canonical(v), "%T", v)
		require.True(t, equalValue(v, "7.0"), "%T", v)
	}
	f, ok := toFloat(float32(0.5))
	require.True(t, ok)
	require.Equal(t, 0.5, f)
	_, ok = toFloat("7")
	require.False(t, ok, "a numeric string is not a JSON number")
}
