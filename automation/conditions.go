package automation

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

func evalEqual(vals []any, want string) (bool, string) {
	if len(vals) == 0 {
		return false, "field matched nothing"
	}
	for _, v := range vals {
		if !equalValue(v, want) {
			return false, fmt.Sprintf("%s != %q", show(v), want)
		}
	}
	return true, ""
}

// equalValue compares as strings, numerically when v is a number and want
// parses as one. Null equals nothing.
func equalValue(v any, want string) bool {
	if v == nil {
		return false
	}
	if f, ok := toFloat(v); ok {
		if w, err := strconv.ParseFloat(strings.TrimSpace(want), 64); err == nil {
			return f == w
		}
	}
	return canonical(v) == want
}

func evalGTE(vals []any, want string) (bool, string) {
	limit, ok := number(want)
	if !ok {
		return false, fmt.Sprintf("expected value %q is not a number", want)
	}
	if len(vals) == 0 {
		return false, "field matched nothing"
	}
	for _, v := range vals {
		n, ok := number(v)
		if !ok {
			return false, fmt.Sprintf("%s is not a number", show(v))
		}
		if n < limit {
			return false, fmt.Sprintf("%s < %s", canonical(v), want)
		}
	}
	return true, ""
}

// number accepts JSON numbers and numeric strings, as JavaScript's >= would.
func number(v any) (float64, bool) {
	if f, ok := toFloat(v); ok {
		return f, true
	}
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func evalNull(vals []any) (bool, string) {
	if len(vals) == 0 {
		return true, "field matched nothing"
	}
	for _, v := range vals {
		if v != nil {
			return false, "field has a non-null value"
		}
	}
	return true, "field is null"
}

func evalEvery(vals, want []any) (bool, string) {
	if len(vals) == 0 {
		return false, "field matched nothing"
	}
	if len(want) == 0 {
		return false, "path matched nothing"
	}
	for _, v := range vals {
		found := false
		for _, w := range want {
			if w != nil && equalValue(v, canonical(w)) {
				found = true
				break
			}
		}
		if !found {
			return false, fmt.Sprintf("%s not in %s", show(v), expectedSet(want))
		}
	}
	return true, ""
}

func expectedSet(want []any) string {
	if len(want) == 1 {
		return canonical(want[0])
	}
	seen := map[string]bool{}
	var parts []string
	for _, w := range want {
		s := canonical(w)
		if !seen[s] {
			seen[s] = true
			parts = append(parts, truncate(s))
		}
	}
	return "one of: " + joinItems(parts)
}
