package providers

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Fields is a JSON object read key by key, so one value can be found under each of the
// spellings a provider's documents use (camelCase and snake_case, say). Clients use it in
// their UnmarshalJSON methods to stay tolerant of the alternative a seed also shows.
type Fields map[string]json.RawMessage

// DecodeFields reads a JSON object.
func DecodeFields(b []byte) (Fields, error) {
	var f Fields
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	return f, nil
}

// Raw returns the first present, non-null value under keys.
func (f Fields) Raw(keys ...string) json.RawMessage {
	for _, k := range keys {
		if v, ok := f[k]; ok {
			v = bytes.TrimSpace(v)
			if len(v) > 0 && !bytes.Equal(v, []byte("null")) {
				return v
			}
		}
	}
	return nil
}

// Str returns a string or number value as text ("" when absent).
func (f Fields) Str(keys ...string) string {
	v := f.Raw(keys...)
	if v == nil {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}

// Num returns a number or numeric string as a float64 (0 when absent or unreadable).
func (f Fields) Num(keys ...string) float64 {
	n, err := strconv.ParseFloat(strings.TrimSpace(f.Str(keys...)), 64)
	if err != nil {
		return 0
	}
	return n
}
