package providers

import (
	"math"
	"net/http"
	"time"
)

// RetryRule is a provider's retry guidance as plain data. Clients never retry; activities turn
// a RetryRule into a Temporal retry policy (MaximumAttempts, InitialInterval,
// BackoffCoefficient, MaximumInterval) and use NextDelay for a rate-limited failure.
type RetryRule struct {
	// MaxRetries is the number of retries after the first attempt. Zero means none; a negative
	// value means no limit (the caller's deadline bounds the retries).
	MaxRetries int
	// InitialInterval is the wait before the first retry.
	InitialInterval time.Duration
	// Backoff multiplies the interval after each retry; 1 (or less) keeps it fixed, which is
	// how polls are expressed.
	Backoff float64
	// MaxInterval caps one interval; zero means no cap.
	MaxInterval time.Duration
	// RateLimitDelay is the least wait after a 429: used when the provider sends no
	// Retry-After, or a shorter one than its documentation asks for.
	RateLimitDelay time.Duration
	// Timeout bounds one HTTP request.
	Timeout time.Duration
}

// MaximumAttempts is the attempt count including the first, as Temporal counts it: 0 means
// unlimited.
func (r RetryRule) MaximumAttempts() int32 {
	if r.MaxRetries < 0 {
		return 0
	}
	return int32(min(r.MaxRetries, math.MaxInt32-1) + 1)
}

// BackoffCoefficient is Backoff with the floor Temporal requires (1).
func (r RetryRule) BackoffCoefficient() float64 {
	return max(r.Backoff, 1)
}

// Interval is the wait before retry n (1-based) on the rule's schedule.
func (r RetryRule) Interval(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := float64(r.InitialInterval) * math.Pow(r.BackoffCoefficient(), float64(n-1))
	if r.MaxInterval > 0 && d > float64(r.MaxInterval) {
		return r.MaxInterval
	}
	if d > math.MaxInt64 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(d)
}

// NextDelay is the wait a failed call asks for in place of the schedule: for a 429 the larger
// of its Retry-After and RateLimitDelay, for any other error its Retry-After. Zero means
// "follow the schedule". It is what an activity puts into NextRetryDelay.
func (r RetryRule) NextDelay(err error) time.Duration {
	pe, ok := AsError(err)
	if !ok {
		return 0
	}
	if pe.Status == http.StatusTooManyRequests {
		return max(pe.RetryAfter, r.RateLimitDelay)
	}
	return pe.RetryAfter
}
