package automation

import (
	"errors"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ohler55/ojg/jp"
)

// lengthSuffix is the JavaScript property Quickr's examples append to a path.
const lengthSuffix = ".length"

// path is a compiled field or path expression.
type path struct {
	expr   jp.Expr
	length bool // apply .length to each matched value
}

// compilePath rewrites Quickr's JavaScript spellings and compiles the rest
// with ojg.
func compilePath(s string) (path, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "$") {
		return path{}, errors.New("JSONPath must start with $")
	}
	s, length := strings.CutSuffix(s, lengthSuffix)
	if s == "$" && length {
		// "$.length" has nothing left to select from; read the key instead.
		s, length = "$.length", false
	}
	x, err := jp.ParseString(rewriteStrictEquality(s))
	if err != nil {
		return path{}, err
	}
	return path{expr: x, length: length}, nil
}

// rewriteStrictEquality turns JavaScript's === and !== into == and != when
// they occur outside quoted string literals.
func rewriteStrictEquality(s string) string {
	if !strings.Contains(s, "==") {
		return s
	}
	var b strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && i+1 < len(s) {
				b.WriteByte(c)
				i++
				c = s[i]
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case (c == '=' || c == '!') && strings.HasPrefix(s[i+1:], "=="):
			b.WriteString(string(c) + "=")
			i += 2
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// resolve returns the values the path selects in doc, in document order with
// object keys sorted, with .length applied when the path asked for it.
func (p path) resolve(doc any) []any { return values(p.locate(doc)) }

// values are the located values without their locations.
func values(locs []located) []any {
	vals := make([]any, len(locs))
	for i, l := range locs {
		vals[i] = l.v
	}
	return vals
}

// locate is resolve with where each value sits in doc (for .length paths, where the
// measured value sits).
func (p path) locate(doc any) []located {
	locs := p.expr.Locate(doc, 0)
	sort.SliceStable(locs, func(i, j int) bool { return lessLocation(locs[i], locs[j]) })
	out := make([]located, 0, len(locs))
	for _, loc := range locs {
		v, ok := loc.FirstFound(doc)
		if !ok {
			continue
		}
		if p.length {
			if v, ok = lengthOf(v); !ok {
				continue
			}
		}
		out = append(out, located{loc: loc, v: v, length: p.length})
	}
	return out
}

// lengthOf mirrors JavaScript's .length: the element count of an array, the
// character count of a string, or an object's own "length" key.
func lengthOf(v any) (any, bool) {
	switch t := v.(type) {
	case []any:
		return int64(len(t)), true
	case string:
		return int64(utf8.RuneCountInString(t)), true
	case map[string]any:
		l, ok := t["length"]
		return l, ok
	}
	return nil, false
}

// lessLocation orders normalized paths: array indexes numerically, keys
// alphabetically, shorter paths first.
func lessLocation(a, b jp.Expr) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		switch fa := a[i].(type) {
		case jp.Nth:
			if fb, ok := b[i].(jp.Nth); ok {
				if fa != fb {
					return fa < fb
				}
				continue
			}
		case jp.Child:
			if fb, ok := b[i].(jp.Child); ok {
				if fa != fb {
					return fa < fb
				}
				continue
			}
		}
		if sa, sb := fragString(a[i]), fragString(b[i]); sa != sb {
			return sa < sb
		}
	}
	return len(a) < len(b)
}

func fragString(f jp.Frag) string {
	return string(f.Append(nil, true, false))
}
