package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/merchantflow/onboarding/api"
)

// The request bodies' decoder, fuzzed. The seed corpus (testdata/fuzz/<target>/) holds real
// requests and the nasty ones: duplicate and case-variant keys, Unicode-folded keys, nulls,
// 1e400, invalid UTF-8, half surrogates, deep nesting, trailing data. Plain `go test` runs the
// seeds; `make test` fuzzes each target briefly.
//
// The property: decodeJSON never panics; it never accepts a body with a key twice in one
// object (compared ignoring case) or a key that is not exactly a field name; what it accepts
// encoding/json reads the same way, and re-encodes to a body it accepts again and that
// re-encodes to the same bytes.

func FuzzStartBody(f *testing.F)    { fuzzBody[api.OnboardingInput](f) }
func FuzzDecisionBody(f *testing.F) { fuzzBody[DecisionRequest](f) }
func FuzzDeadlineBody(f *testing.F) { fuzzBody[DeadlineRequest](f) }

func fuzzBody[T any](f *testing.F) {
	names := fieldNames(reflect.TypeFor[T](), map[string]bool{})
	f.Fuzz(func(t *testing.T, body []byte) {
		var v T
		berr := decodeJSON(body, &v)
		if berr != nil {
			if berr.status != 400 || berr.msg == "" {
				t.Fatalf("refused with %d %q", berr.status, berr.msg)
			}
			for _, fe := range berr.fields {
				if len(fe.Field) > 300 || len(fe.Message) > 1000 {
					t.Fatalf("a refusal echoes the input at length: %q", fe)
				}
			}
			return
		}
		if problem := keyProblem(body, names); problem != "" {
			t.Fatalf("accepted a body with %s: %q", problem, body)
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("accepted a body that does not re-encode: %v", err)
		}
		var lenient T
		if err := json.Unmarshal(body, &lenient); err != nil {
			t.Fatalf("accepted a body encoding/json refuses: %v", err)
		}
		if b, _ := json.Marshal(lenient); !bytes.Equal(b, again) {
			t.Fatalf("read differently from encoding/json:\n strict  %s\n lenient %s", again, b)
		}
		var v2 T
		if berr := decodeJSON(again, &v2); berr != nil {
			t.Fatalf("refused its own re-encoding %s: %s %v", again, berr.msg, berr.fields)
		}
		if b, _ := json.Marshal(v2); !bytes.Equal(b, again) {
			t.Fatalf("re-encoding is not stable:\n %s\n %s", again, b)
		}
	})
}

// keyProblem is an oracle written apart from the decoder: it walks the accepted body's
// objects and compares every pair of keys in each with strings.EqualFold, and every key with
// the JSON names of the request type's fields. "" when there is nothing wrong.
func keyProblem(body []byte, names map[string]bool) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		keys   []string
		expect bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ""
		}
		if err != nil {
			return "invalid JSON (" + err.Error() + ")"
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.expect {
			key, _ := tok.(string)
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			for _, k := range top.keys {
				if strings.EqualFold(k, key) {
					return "the key " + key + " twice"
				}
			}
			if !names[key] {
				return "the key " + key + ", not a field name"
			}
			top.keys = append(top.keys, key)
			top.expect = false
			continue
		}
		if top != nil && top.object {
			top.expect = true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, expect: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].expect = true
			}
		case nil:
			return "a null"
		}
	}
}

// fieldNames collects the JSON names of every struct field reachable from t.
func fieldNames(t reflect.Type, out map[string]bool) map[string]bool {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.PkgPath() == "time" {
		return out
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		out[name] = true
		fieldNames(f.Type, out)
	}
	return out
}
