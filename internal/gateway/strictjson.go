package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/merchantflow/onboarding/api"
)

// bodyError is why a request body was refused: the HTTP status, the message, and the field
// at fault when there is one. Everything in it that came from the body is clipped.
type bodyError struct {
	status int
	msg    string
	fields []api.FieldError
}

func badBody(msg string) *bodyError { return &bodyError{status: 400, msg: msg} }

func badField(msg, path, fieldMsg string) *bodyError {
	return &bodyError{status: 400, msg: msg, fields: []api.FieldError{{Field: fieldName(path), Message: fieldMsg}}}
}

// fieldName is a JSON path as errors name it: "company.name", or "(body)" for the whole body.
func fieldName(path string) string {
	if path == "" {
		return "(body)"
	}
	return api.Clip(path, 64)
}

// maxDepth bounds nesting; the request types are three levels deep.
const maxDepth = 16

// decodeJSON reads body into v, a pointer to one of the request types, strictly:
//
//   - valid UTF-8, with no \u escape naming half a surrogate pair (encoding/json would turn
//     either into U+FFFD silently);
//   - exactly one JSON object;
//   - every key spelt exactly as a field of the type at that place (encoding/json matches
//     keys ignoring case, so "DECISION" or "deciſion" would set decision), and no key twice in
//     one object, compared ignoring case (encoding/json lets the last one win);
//   - no null anywhere: leave a field out instead;
//   - every value of its field's type, numbers within it (1e400 is no float64);
//
// and only then decodes it with encoding/json, which can no longer be surprised. A refusal
// names the field by its JSON path.
func decodeJSON(body []byte, v any) *bodyError { return decodeWith(body, v, false) }

// decodeProviderJSON is decodeJSON for a provider's webhook body, with two allowances, since
// providers add fields and we do not control them: a key that is no field of v is skipped
// (its value still valid JSON and within maxDepth), and null is read as the field left out.
// Everything else is as strict: UTF-8, one object, no key twice, every known field of its
// type.
func decodeProviderJSON(body []byte, v any) *bodyError { return decodeWith(body, v, true) }

func decodeWith(body []byte, v any, provider bool) *bodyError {
	if !utf8.Valid(body) {
		return badBody("the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return badBody("the body is empty; send a JSON object")
		}
		return badBody("the body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badBody("trailing data after the JSON object")
	}
	if halfSurrogate(raw) {
		return badBody(`the body is not valid UTF-8: a \u escape names half a surrogate pair`)
	}
	w := walker{dec: json.NewDecoder(bytes.NewReader(raw)), provider: provider}
	w.dec.UseNumber()
	if err := w.value(reflect.TypeOf(v).Elem(), "", 0); err != nil {
		return err
	}
	// The walk has checked every key and value; this decode only fills v.
	final := json.NewDecoder(bytes.NewReader(raw))
	if !provider {
		final.DisallowUnknownFields()
	}
	if err := final.Decode(v); err != nil {
		return badBody("the body could not be read: " + api.Clip(err.Error(), 64))
	}
	return nil
}

// halfSurrogate reports whether valid JSON holds a \u escape of an unpaired surrogate.
// Outside strings valid JSON has no backslash, and every \u has four hex digits.
func halfSurrogate(b []byte) bool {
	hex := func(i int) rune {
		if i+4 > len(b) {
			return -1
		}
		n, err := strconv.ParseUint(string(b[i:i+4]), 16, 16)
		if err != nil {
			return -1
		}
		return rune(n)
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		i++
		if i >= len(b) || b[i] != 'u' {
			continue
		}
		r := hex(i + 1)
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return true
		case r >= 0xD800 && r <= 0xDBFF:
			if i+2 >= len(b) || b[i+1] != '\\' || b[i+2] != 'u' {
				return true
			}
			if lo := hex(i + 3); lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 6
		}
	}
	return false
}

// walker checks a body's tokens against the type it is to be decoded into.
type walker struct {
	dec      *json.Decoder
	provider bool // decodeProviderJSON: unknown keys skipped, null allowed
}

var (
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
)

func (w *walker) value(t reflect.Type, path string, depth int) *bodyError {
	tok, err := w.dec.Token()
	if err != nil {
		return badBody("the body is not valid JSON")
	}
	if depth > maxDepth {
		return badField("nested too deeply", path, "is nested more than "+strconv.Itoa(maxDepth)+" levels deep")
	}
	if tok == nil {
		if w.provider {
			return nil
		}
		return badField("null is not allowed", path, "must not be null: leave the field out instead")
	}
	if u, ok := unmarshaler(t); ok {
		return leaf(u, tok, path)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	delim, isDelim := tok.(json.Delim)
	switch t.Kind() {
	case reflect.Struct:
		if delim != '{' {
			return wrongType(path, "an object")
		}
		return w.object(path, depth, func(key string) (reflect.Type, string) { return structField(t, key) })
	case reflect.Map:
		if delim != '{' || t.Key().Kind() != reflect.String {
			return wrongType(path, "an object")
		}
		return w.object(path, depth, func(string) (reflect.Type, string) { return t.Elem(), "" })
	case reflect.Slice, reflect.Array:
		if delim != '[' {
			return wrongType(path, "an array")
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(t.Elem(), path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return err
			}
		}
		_, _ = w.dec.Token() // ]
		return nil
	case reflect.Interface:
		if isDelim {
			return wrongType(path, "a plain value")
		}
		return nil
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return wrongType(path, "a string")
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return wrongType(path, "true or false")
		}
	case reflect.Float32, reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return wrongType(path, "a number")
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			return badField("number out of range", path, "is out of range")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := tok.(json.Number)
		if !ok || strings.ContainsAny(string(n), ".eE") {
			return wrongType(path, "a whole number")
		}
		var err error
		if t.Kind() >= reflect.Uint {
			_, err = strconv.ParseUint(string(n), 10, t.Bits())
		} else {
			_, err = strconv.ParseInt(string(n), 10, t.Bits())
		}
		if err != nil {
			return badField("number out of range", path, "is out of range")
		}
	default:
		return badField("unknown field", path, "is not a field of this request")
	}
	return nil
}

// object checks one object's keys, each once (ignoring case) and each a field (exactly).
func (w *walker) object(path string, depth int, field func(key string) (reflect.Type, string)) *bodyError {
	seen := map[string]string{} // folded key -> the key as first sent
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return badBody("the body is not valid JSON")
		}
		key := tok.(string)
		p := key
		if key == "" {
			p = `""`
		}
		if path != "" {
			p = path + "." + p
		}
		f := fold(key)
		if first, dup := seen[f]; dup {
			msg := "appears twice in one object"
			if first != key {
				msg = "appears twice in one object, also as " + strconv.Quote(api.Clip(first, 64)) + " (names are compared ignoring case)"
			}
			return badField("duplicate field", p, msg)
		}
		seen[f] = key
		ft, hint := field(key)
		if ft == nil && w.provider {
			if err := w.skip(p, depth+1); err != nil {
				return err
			}
			continue
		}
		if ft == nil {
			msg := "is not a field of this request"
			if hint != "" {
				msg += "; names are case-sensitive: did you mean " + hint + "?"
			}
			return badField("unknown field", p, msg)
		}
		if err := w.value(ft, p, depth+1); err != nil {
			return err
		}
	}
	_, _ = w.dec.Token() // }
	return nil
}

// skip consumes one value of a key the type does not know, checking only its depth.
func (w *walker) skip(path string, depth int) *bodyError {
	tok, err := w.dec.Token()
	if err != nil {
		return badBody("the body is not valid JSON")
	}
	if depth > maxDepth {
		return badField("nested too deeply", path, "is nested more than "+strconv.Itoa(maxDepth)+" levels deep")
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	for w.dec.More() {
		if d == '{' {
			if _, err := w.dec.Token(); err != nil { // the key
				return badBody("the body is not valid JSON")
			}
		}
		if err := w.skip(path, depth+1); err != nil {
			return err
		}
	}
	_, _ = w.dec.Token() // } or ]
	return nil
}

// unmarshaler is a new value of t's own JSON decoder, for types that have one (durations,
// times); such values are checked by decoding them.
func unmarshaler(t reflect.Type) (json.Unmarshaler, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if !reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil, false
	}
	return reflect.New(t).Interface().(json.Unmarshaler), true
}

func leaf(u json.Unmarshaler, tok any, path string) *bodyError {
	var raw []byte
	switch v := tok.(type) {
	case json.Delim:
		return wrongType(path, "a string")
	case json.Number:
		raw = []byte(v)
	default:
		raw, _ = json.Marshal(v)
	}
	err := u.UnmarshalJSON(raw)
	if m, ok := u.(json.Marshaler); ok && err == nil {
		// A value must survive being written again: the engine sends it on to Temporal as
		// JSON. time.Parse reads an offset of +24:00 that Time.MarshalJSON refuses.
		_, err = m.MarshalJSON()
	}
	if err != nil {
		if reflect.TypeOf(u).Elem() == timeType {
			return badField("invalid time", path, "must be an RFC 3339 time like 2026-07-01T12:00:00Z")
		}
		msg := clipRunes(err.Error(), 200)
		return badField(msg, path, msg)
	}
	return nil
}

func wrongType(path, want string) *bodyError {
	return badField("wrong type", path, "must be "+want)
}

// fold maps a key to one spelling per case-insensitive class: each rune to the smallest of
// its Unicode simple-folding orbit, so "DECISION", "decision" and "deciſion" fold alike.
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

// structFields maps each struct type's JSON field names to their types.
var structFields sync.Map // reflect.Type -> map[string]reflect.Type

// structField is the type of t's field named key exactly, or nil and the field's name when
// key differs from one only in case.
func structField(t reflect.Type, key string) (reflect.Type, string) {
	fs, ok := structFields.Load(t)
	if !ok {
		fs, _ = structFields.LoadOrStore(t, jsonFieldsOf(t))
	}
	m := fs.(map[string]reflect.Type)
	if ft, ok := m[key]; ok {
		return ft, ""
	}
	for name := range m {
		if fold(name) == fold(key) {
			return nil, name
		}
	}
	return nil, ""
}

// jsonFieldsOf lists the names encoding/json gives t's fields, embedded structs flattened.
func jsonFieldsOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range jsonFieldsOf(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// clipRunes shortens s to at most n runes, marking the cut.
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
