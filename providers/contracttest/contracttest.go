// Package contracttest holds the provider clients to the wire format their seeds document.
//
// A fixture (testdata/seed/*.json in each client's package) is one example from a provider
// document in ../shared/seeds, converted to JSON as printed (the documents' "- " list markers
// and trailing commas dropped, nothing else changed) and stored with the seed and lines it
// comes from. A client's contract test sends every request it builds to a Server that answers
// with the seed's example response and then holds:
//   - the request against the documented request example (RequireShape: every field the
//     client sends exists there, spelled the same, with a value of the same JSON type; enums
//     from the seed's field tables with RequireEnums);
//   - the decoded response against the values the seed prints (in the test itself).
//
// So renaming a field, changing its casing or sending an undocumented enum value fails a test.
// Where a seed shows no example the test says so and what it holds the client to instead.
package contracttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Fixture is one documented example.
type Fixture struct {
	// Source names the seed, its lines and the example, e.g. "seed 002 (Quickr) lines
	// 3405-3608: request sample of POST /v2/accounts/{aid}/cases".
	Source string `json:"source"`
	// Body is the example as the seed prints it.
	Body json.RawMessage `json:"body"`
	// Enums are documented enum values by field path (see RequireEnums).
	Enums map[string][]string `json:"enums,omitempty"`
}

// Seed loads the fixture named name from testdata/seed, where each client's package keeps
// its seed's examples.
func Seed(t testing.TB, name string) Fixture {
	t.Helper()
	return Load(t, "testdata/seed/"+name+".json")
}

// Load reads a fixture file and fails the test unless it has a source and a JSON body.
func Load(t testing.TB, path string) Fixture {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("fixture %s: %v", path, err)
	}
	var f Fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("fixture %s: %v", path, err)
	}
	if !strings.HasPrefix(f.Source, "seed ") || len(f.Body) == 0 {
		t.Fatalf("fixture %s: needs a source citing its seed and a body", path)
	}
	return f
}

// Request is one request a Server received.
type Request struct {
	Method string
	Path   string
	Query  map[string][]string
	Header http.Header
	Body   []byte
}

// Server answers every request with what Answer returns for it and records the requests.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []Request
}

// Answer is a status and a body to answer with.
type Answer struct {
	Status int
	Body   []byte
	Header map[string]string
}

// NewServer starts a server that answers with answer(request); it is closed with the test.
func NewServer(t testing.TB, answer func(r Request) Answer) *Server {
	t.Helper()
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		body, _ := io.ReadAll(hr.Body)
		r := Request{Method: hr.Method, Path: hr.URL.Path, Query: hr.URL.Query(), Header: hr.Header.Clone(), Body: body}
		s.mu.Lock()
		s.requests = append(s.requests, r)
		s.mu.Unlock()
		a := answer(r)
		for k, v := range a.Header {
			w.Header().Set(k, v)
		}
		if a.Body != nil && w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		if a.Status == 0 {
			a.Status = http.StatusOK
		}
		w.WriteHeader(a.Status)
		_, _ = w.Write(a.Body)
	}))
	t.Cleanup(s.Close)
	return s
}

// Requests returns what the server received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Last returns the last request whose path ends with suffix; it fails the test without one.
func (s *Server) Last(t testing.TB, method, suffix string) Request {
	t.Helper()
	reqs := s.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method && strings.HasSuffix(reqs[i].Path, suffix) {
			return reqs[i]
		}
	}
	t.Fatalf("no %s request to …%s among %d", method, suffix, len(reqs))
	return Request{}
}

// RequireShape fails the test unless every field of sent appears in one of the documented
// examples at the same place, with the same spelling and JSON type. Arrays are compared
// element-wise against the documented elements (those with the same "type" when the element
// has one, else all of them). A documented object whose keys are only property1, property2,
// ... is a free-form map (the seed's way of showing metadata).
func RequireShape(t testing.TB, sent []byte, documented ...json.RawMessage) {
	t.Helper()
	var got any
	if err := json.Unmarshal(sent, &got); err != nil {
		t.Fatalf("sent body is not JSON: %v: %s", err, sent)
	}
	var docs []any
	for _, d := range documented {
		var v any
		if err := json.Unmarshal(d, &v); err != nil {
			t.Fatalf("documented example is not JSON: %v", err)
		}
		docs = append(docs, v)
	}
	var problems []string
	shape("$", got, docs, &problems)
	if len(problems) > 0 {
		sort.Strings(problems)
		t.Fatalf("the request leaves the documented wire format:\n  %s\nsent: %s", strings.Join(problems, "\n  "), sent)
	}
}

func shape(path string, got any, docs []any, problems *[]string) {
	docs = nonNull(docs)
	if len(docs) == 0 {
		*problems = append(*problems, path+": not in any documented example")
		return
	}
	if got == nil {
		return // an explicit null says "no value" whatever the type
	}
	kind := kindOf(got)
	var same []any
	for _, d := range docs {
		if kindOf(d) == kind {
			same = append(same, d)
		}
	}
	if len(same) == 0 {
		*problems = append(*problems, fmt.Sprintf("%s: sent a %s, documented as %s", path, kind, kindOf(docs[0])))
		return
	}
	switch g := got.(type) {
	case map[string]any:
		var objs []map[string]any
		for _, d := range same {
			objs = append(objs, d.(map[string]any))
		}
		if freeForm(objs) {
			return
		}
		for k, v := range g {
			var under []any
			for _, o := range objs {
				if dv, ok := o[k]; ok {
					under = append(under, dv)
				}
			}
			if len(under) == 0 {
				*problems = append(*problems, path+"."+k+": not a documented field")
				continue
			}
			shape(path+"."+k, v, under, problems)
		}
	case []any:
		var elems []any
		for _, d := range same {
			elems = append(elems, d.([]any)...)
		}
		for i, v := range g {
			shape(fmt.Sprintf("%s[%d]", path, i), v, sameType(v, elems), problems)
		}
	}
}

// sameType narrows documented array elements to those of v's "type" when both have one.
func sameType(v any, elems []any) []any {
	m, ok := v.(map[string]any)
	if !ok {
		return elems
	}
	typ, ok := m["type"].(string)
	if !ok {
		return elems
	}
	var out []any
	for _, e := range elems {
		if em, ok := e.(map[string]any); ok && em["type"] == typ {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return elems
	}
	return out
}

func freeForm(objs []map[string]any) bool {
	n := 0
	for _, o := range objs {
		for k := range o {
			if !strings.HasPrefix(k, "property") {
				return false
			}
			n++
		}
	}
	return n > 0
}

func nonNull(xs []any) []any {
	out := xs[:0:0]
	for _, x := range xs {
		if x != nil {
			out = append(out, x)
		}
	}
	return out
}

func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// RequireSample holds sent to a documented request sample: RequireShape against the sample's
// body (and any further documented bodies) and RequireEnums against its enums.
func RequireSample(t testing.TB, sent []byte, sample Fixture, more ...json.RawMessage) {
	t.Helper()
	RequireShape(t, sent, append([]json.RawMessage{sample.Body}, more...)...)
	RequireEnums(t, sent, sample.Enums)
}

// RequireEnums fails the test unless every value sent at each enum path is one the seed
// lists. A path is dot-separated keys from the body's root, "[]" after a key for each element
// of an array, e.g. "actions[]" or "checks[].type".
func RequireEnums(t testing.TB, sent []byte, enums map[string][]string) {
	t.Helper()
	var got any
	if err := json.Unmarshal(sent, &got); err != nil {
		t.Fatalf("sent body is not JSON: %v", err)
	}
	for path, allowed := range enums {
		for _, v := range valuesAt(got, strings.Split(path, ".")) {
			s, ok := v.(string)
			if !ok || !contains(allowed, s) {
				t.Errorf("%s: sent %v, the seed documents %v", path, v, allowed)
			}
		}
	}
}

func valuesAt(v any, parts []string) []any {
	if len(parts) == 0 {
		return []any{v}
	}
	key, each := strings.CutSuffix(parts[0], "[]")
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	next, ok := m[key]
	if !ok {
		return nil
	}
	if !each {
		return valuesAt(next, parts[1:])
	}
	list, _ := next.([]any)
	var out []any
	for _, e := range list {
		out = append(out, valuesAt(e, parts[1:])...)
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
