package providers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Error is a failed provider call. Status is the HTTP status (0 when no response arrived),
// Code the provider's own error code or name when it gave one, Message its human text.
type Error struct {
	Provider   string
	Op         string
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration // from a Retry-After header; 0 when none was sent
	Err        error         // the transport error when no response arrived
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	switch {
	case e.Status == 0:
		return fmt.Sprintf("%s %s: %s", e.Provider, e.Op, msg)
	case e.Code != "":
		return fmt.Sprintf("%s %s: HTTP %d %s: %s", e.Provider, e.Op, e.Status, e.Code, msg)
	default:
		return fmt.Sprintf("%s %s: HTTP %d: %s", e.Provider, e.Op, e.Status, msg)
	}
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether the same call may succeed later: no response at all (network,
// timeout), 408, 429 and every 5xx. Other 4xx mean the request itself is wrong.
func (e *Error) Temporary() bool {
	return e.Status == 0 || e.Status == http.StatusRequestTimeout ||
		e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Class is a short, stable label for metrics and logs: "timeout" (no answer in time, or
// 408), "network" (no answer for another reason), "rate_limited", "server", "auth",
// "not_found", "conflict" or "client".
func (e *Error) Class() string {
	switch {
	case e.Status == http.StatusRequestTimeout || (e.Status == 0 && isTimeout(e.Err)):
		return "timeout"
	case e.Status == 0:
		return "network"
	case e.Status == http.StatusTooManyRequests:
		return "rate_limited"
	case e.Status >= 500:
		return "server"
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return "auth"
	case e.Status == http.StatusNotFound:
		return "not_found"
	case e.Status == http.StatusConflict || e.Status == http.StatusUnprocessableEntity:
		return "conflict"
	default:
		return "client"
	}
}

// isTimeout reports whether err is a deadline that ran out: the client's timeout or the
// context's.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var pe *Error
	ok := errors.As(err, &pe)
	return pe, ok
}

// IsStatus reports whether err is a provider error with the given HTTP status.
func IsStatus(err error, status int) bool {
	pe, ok := AsError(err)
	return ok && pe.Status == status
}

// ParseRetryAfter reads a Retry-After header: delta seconds or an HTTP date (relative to now).
// It returns 0 for an empty or unreadable value.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
