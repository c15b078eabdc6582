package core

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// ErrBodyTooLarge is returned by ReadJSON for bodies over 1 MiB.
var ErrBodyTooLarge = errors.New("request body too large")

// ReadJSON decodes a JSON body into v. An empty body leaves v untouched.
func ReadJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if err != nil {
		return err
	}
	if len(b) > 1<<20 {
		return ErrBodyTooLarge
	}
	if strings.TrimSpace(string(b)) == "" {
		return nil
	}
	return json.Unmarshal(b, v)
}

// Bearer returns the token of an "Authorization: Bearer x" header.
func Bearer(r *http.Request) string {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(tok)
}

// NonNil turns a nil slice into an empty one, so it encodes as [].
func NonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// CopyMap is a shallow copy, so a response is never encoded while another request changes
// the stored map.
func CopyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ControlError answers a control endpoint's failure as {"error": msg}.
func ControlError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, map[string]string{"error": msg})
}

// ReadControlBody reads a control endpoint's optional JSON body into v, answering 400 itself.
func ReadControlBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := ReadJSON(r, v); err != nil {
		ControlError(w, http.StatusBadRequest, "body must be JSON: "+err.Error())
		return false
	}
	return true
}

// Lookup resolves a control endpoint's {ref} (an id or a reference) to a simulator's key.
type Lookup[K any] struct {
	Find    func(ref string) (K, bool)
	Missing string // the 404's message, followed by the ref
}

// Resolve finds {ref}, answering 404 itself when there is nothing.
func (l Lookup[K]) Resolve(w http.ResponseWriter, r *http.Request) (K, bool) {
	k, ok := l.Find(r.PathValue("ref"))
	if !ok {
		ControlError(w, http.StatusNotFound, l.Missing+r.PathValue("ref"))
	}
	return k, ok
}

// Step is a control endpoint that resolves {ref}, runs step (a refusal is a 409) and then
// answers with show.
func (l Lookup[K]) Step(step func(K) error, show http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		k, ok := l.Resolve(w, r)
		if !ok {
			return
		}
		if err := step(k); err != nil {
			ControlError(w, http.StatusConflict, err.Error())
			return
		}
		show(w, r)
	}
}

// Show is a control endpoint that resolves {ref} and answers with doc of it.
func (l Lookup[K]) Show(doc func(K) map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if k, ok := l.Resolve(w, r); ok {
			WriteJSON(w, http.StatusOK, doc(k))
		}
	}
}
