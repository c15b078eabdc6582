package core

import "testing"

func TestIDOrNewest(t *testing.T) {
	items := map[string]string{"a1": "ref-x", "a2": "ref-y", "a3": "ref-x"}
	order := []string{"a1", "a2", "a3"}
	byRef := func(ref string) func(string) bool { return func(v string) bool { return v == ref } }
	tests := []struct {
		id, ref, want string
		ok            bool
	}{
		{"a2", "a2", "a2", true},       // an id wins
		{"ref-x", "ref-x", "a3", true}, // else the newest with that reference
		{"ref-y", "ref-y", "a2", true},
		{"nope", "nope", "", false},
	}
	for _, tt := range tests {
		got, ok := IDOrNewest(items, order, tt.id, byRef(tt.ref))
		if got != tt.want || ok != tt.ok {
			t.Errorf("IDOrNewest(%q) = %q, %v; want %q, %v", tt.id, got, ok, tt.want, tt.ok)
		}
	}
}
