package automation

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRewriteStrictEquality(t *testing.T) {
	tests := []struct{ in, want string }{
		{`$.checks[?(@.type==='sanctions')]`, `$.checks[?(@.type=='sanctions')]`},
		{`$.checks[?(@.type!=='sanctions')]`, `$.checks[?(@.type!='sanctions')]`},
		{`$.checks[?(@.type=='sanctions')]`, `$.checks[?(@.type=='sanctions')]`},
		{`$.a[?(@.b === 'x===y' && @.c === "p!==q")]`, `$.a[?(@.b == 'x===y' && @.c == "p!==q")]`},
		{`$.a[?(@.b==='it\'s===')]`, `$.a[?(@.b=='it\'s===')]`},
		{`$.plain.path`, `$.plain.path`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			require.Equal(t, tt.want, rewriteStrictEquality(tt.in))
		})
	}
}

func TestCompilePathErrors(t *testing.T) {
	for _, p := range []string{"", "checks[0]", "$.checks[", "$.checks[?(@.type=='x']"} {
		_, err := compilePath(p)
		require.Error(t, err, p)
	}
}

func TestResolve(t *testing.T) {
	doc := mustDoc(t, `{
		"checks": [
			{"type": "sanctions", "data": [{"flags": [{"code": "A"}, {"code": "B"}]}]},
			{"type": "company", "data": []},
			{"type": "credit_score", "data": [{"status": "COMPLETED"}]}
		],
		"name": "Ragnarök",
		"obj": {"length": 7, "other": 1},
		"num": 5,
		"nothing": null,
		"nums": [1, 2.5, 70]
	}`, map[string]any{"g": 7, "a": 1, "e": 5, "c": 3, "f": 6, "b": 2, "d": 4})

	tests := []struct {
		path string
		want []any
	}{
		{`$.checks[?(@.type==='sanctions')].data[0].flags.length`, []any{int64(2)}},
		{`$.checks[?(@.type==='company')].data.length`, []any{int64(0)}},
		{`$.checks[?(@.type==='missing')].data.length`, []any{}},
		{`$.checks[*].data.length`, []any{int64(1), int64(0), int64(1)}},
		{`$.checks[*].data[*].flags[*].code`, []any{"A", "B"}},
		{`$.name.length`, []any{int64(8)}},
		{`$.obj.length`, []any{int64(7)}},
		{`$.num.length`, []any{}},
		{`$.nothing`, []any{nil}},
		{`$.missing`, []any{}},
		{`$.context.*`, []any{int64(1), int64(2), int64(3), int64(4), int64(5), int64(6), int64(7)}},
		{`$..code`, []any{"A", "B"}},
		{`$.nums[?(@ >= 2)]`, []any{2.5, int64(70)}},
		{`$.checks[?(@.data.length == 0)].type`, []any{}}, // .length inside a filter is a plain key
		{`$.checks[?(length(@.data) == 0)].type`, []any{"company"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p, err := compilePath(tt.path)
			require.NoError(t, err)
			for range 20 { // map order must not leak into results
				require.Equal(t, tt.want, p.resolve(doc))
			}
		})
	}
}
