package contracttest

import (
	"encoding/json"
	"testing"
)

// recorder is a testing.TB that collects failures instead of stopping the test.
type recorder struct {
	testing.TB
	failed []string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Fatalf(format string, a ...any) { r.failed = append(r.failed, format); panic(r) }
func (r *recorder) Errorf(format string, a ...any) { r.failed = append(r.failed, format) }

func check(t *testing.T, fn func(tb testing.TB)) (failed bool) {
	r := &recorder{TB: t}
	func() {
		defer func() {
			if p := recover(); p != nil && p != r {
				panic(p)
			}
		}()
		fn(r)
	}()
	return len(r.failed) > 0
}

func TestRequireShape(t *testing.T) {
	doc := json.RawMessage(`{"reference":"REF","prefills":[{"type":"company","data":[{"organization_number":"1","country":"NO"}]},
		{"type":"bank_account","data":[{"number":"2"}]}],"metadata":{"property1":"string"},"urls":{}}`)
	other := json.RawMessage(`{"urls":{"callback_url":"x"}}`)
	tests := []struct {
		name string
		sent string
		ok   bool
	}{
		{"documented fields", `{"reference":"r","prefills":[{"type":"company","data":[{"country":"SE"}]}]}`, true},
		{"field from a second example", `{"urls":{"callback_url":"https://cb"}}`, true},
		{"free-form metadata", `{"metadata":{"anything":"v"}}`, true},
		{"null is no value", `{"reference":null}`, true},
		{"other casing", `{"Reference":"r"}`, false},
		{"undocumented field", `{"reference":"r","ref":"x"}`, false},
		{"field of another type's data", `{"prefills":[{"type":"company","data":[{"number":"2"}]}]}`, false},
		{"wrong JSON type", `{"reference":12}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failed := check(t, func(tb testing.TB) { RequireShape(tb, []byte(tt.sent), doc, other) })
			if failed == tt.ok {
				t.Fatalf("RequireShape(%s) failed=%v, want ok=%v", tt.sent, failed, tt.ok)
			}
		})
	}
}

func TestRequireEnums(t *testing.T) {
	enums := map[string][]string{"actions[]": {"request_declaration"}, "checks[].type": {"company", "sanction"}, "status": {"ACTIVE"}}
	if check(t, func(tb testing.TB) {
		RequireEnums(tb, []byte(`{"actions":["request_declaration"],"checks":[{"type":"company"},{"type":"sanction"}],"status":"ACTIVE"}`), enums)
	}) {
		t.Fatal("documented values refused")
	}
	for _, bad := range []string{`{"actions":["request-declaration"]}`, `{"checks":[{"type":"Company"}]}`, `{"status":"active"}`} {
		if !check(t, func(tb testing.TB) { RequireEnums(tb, []byte(bad), enums) }) {
			t.Fatalf("%s accepted", bad)
		}
	}
}

func TestRequireSample(t *testing.T) {
	sample := Fixture{Body: json.RawMessage(`{"status":"ACTIVE"}`), Enums: map[string][]string{"status": {"ACTIVE"}}}
	more := json.RawMessage(`{"note":"x"}`)
	tests := []struct {
		sent string
		ok   bool
	}{
		{`{"status":"ACTIVE","note":"y"}`, true}, // a field of a further documented body
		{`{"status":"active"}`, false},           // not a listed enum value
		{`{"state":"ACTIVE"}`, false},            // not a documented field
	}
	for _, tt := range tests {
		if failed := check(t, func(tb testing.TB) { RequireSample(tb, []byte(tt.sent), sample, more) }); failed == tt.ok {
			t.Errorf("RequireSample(%s) failed=%v, want ok=%v", tt.sent, failed, tt.ok)
		}
	}
}
