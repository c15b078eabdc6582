package automation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
)

// Document decodes a Quickr case-details document and sets its "context" key
// to context (an empty object when nil), so rules can read
// $.context.company_age. A "context" key already in the case is replaced.
//
// Numbers become int64 when integral and float64 otherwise; the context map
// goes through a JSON round trip so it holds the same kinds of values.
func Document(caseJSON []byte, context map[string]any) (map[string]any, error) {
	v, err := decodeJSON(caseJSON)
	if err != nil {
		return nil, fmt.Errorf("automation: decode case: %w", err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("automation: decode case: document is not a JSON object")
	}
	ctx := map[string]any{}
	if context != nil {
		b, err := json.Marshal(context)
		if err != nil {
			return nil, fmt.Errorf("automation: encode context: %w", err)
		}
		c, err := decodeJSON(b)
		if err != nil {
			return nil, fmt.Errorf("automation: decode context: %w", err)
		}
		ctx = c.(map[string]any)
	}
	doc["context"] = ctx
	return doc, nil
}

// decodeJSON decodes exactly one JSON value with numbers normalized.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return normalizeNumbers(v), nil
}

// normalizeNumbers replaces json.Number values, in place, by int64 or float64.
func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	case map[string]any:
		for k, x := range t {
			t[k] = normalizeNumbers(x)
		}
	case []any:
		for i, x := range t {
			t[i] = normalizeNumbers(x)
		}
	}
	return v
}

// toFloat reports v as a float64 when it is a JSON number (of any Go numeric
// kind a caller may have put in the document).
func toFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case int64, int, int32:
		return float64(reflect.ValueOf(t).Int()), true
	case uint64, uint, uint32:
		return float64(reflect.ValueOf(t).Uint()), true
	case float64, float32:
		return reflect.ValueOf(t).Float(), true
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	}
	return 0, false
}

// canonical writes a value the way equal compares it: strings as they are,
// numbers without exponent or trailing zeros, booleans as true/false, null
// as "null", and objects and arrays as compact JSON.
func canonical(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case nil:
		return "null"
	case int64:
		return strconv.FormatInt(t, 10)
	}
	if f, ok := toFloat(v); ok {
		if f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return strconv.FormatInt(int64(f), 10)
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
