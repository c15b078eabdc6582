package api

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// Duration is a time.Duration that reads and writes JSON as a Go duration string ("72h",
// "15m"), so apps and the Temporal UI show policies readably. A JSON number is taken as
// nanoseconds.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes "72h0m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string or nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return errors.New("invalid duration " + strconv.Quote(Clip(s, 32)) + `: use Go syntax like "72h" or "15m"`)
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("a duration must be a string like \"72h\" or a number of nanoseconds")
	}
	*d = Duration(n)
	return nil
}

// Day is 24 hours.
const Day = 24 * time.Hour

// ShortDuration writes d as people write it: "1m", "24h", "365d".
func ShortDuration(d time.Duration) string {
	switch {
	case d >= Day && d%Day == 0:
		return strconv.FormatInt(int64(d/Day), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

// Clip shortens an echoed input to n runes, so an error never carries a large one back.
func Clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
