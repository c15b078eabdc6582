package automation

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Trace limits: enough for an agent to see what a path matched without
// bloating workflow history.
const (
	maxTraceValues  = 10
	maxTraceString  = 80
	maxReasonItems  = 3
	maxReasonString = 120
)

// preview makes matched values compact for the trace: scalars kept, long
// strings cut, objects and arrays as short JSON text.
func preview(vals []any) ([]any, string) {
	var note string
	if len(vals) > maxTraceValues {
		note = fmt.Sprintf("showing %d of %d values", maxTraceValues, len(vals))
		vals = vals[:maxTraceValues]
	}
	out := make([]any, 0, len(vals))
	for _, v := range vals {
		switch t := v.(type) {
		case nil, bool, int64, float64:
			out = append(out, t)
		case string:
			out = append(out, truncate(t))
		default:
			if f, ok := toFloat(v); ok {
				out = append(out, f)
			} else {
				out = append(out, truncate(canonical(v)))
			}
		}
	}
	return out, note
}

// show writes a value for a note: strings quoted, the rest canonical.
func show(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(truncate(s))
	}
	return truncate(canonical(v))
}

func truncate(s string) string {
	if utf8.RuneCountInString(s) <= maxTraceString {
		return s
	}
	return string([]rune(s)[:maxTraceString-1]) + "…"
}

// truncateMiddle keeps both ends of a long condition summary: the start
// names the data, the end says what was tested.
func truncateMiddle(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	head := (n - 1) / 2
	return string(r[:head]) + "…" + string(r[len(r)-(n-1-head):])
}

func joinNotes(notes ...string) string {
	var kept []string
	for _, n := range notes {
		if n != "" {
			kept = append(kept, n)
		}
	}
	return strings.Join(kept, "; ")
}
