package providers

import (
	"math"
	"net/http"
	"time"
)

// RetryRule is a provider's retry guidance as plain data. Clients never retry; activities
// read it in one place (activities.RetryOptions, AttemptTimeout, providerError) and the
// workflows' activity table (workflows/options.go) builds that provider's activity options
// from it: its schedule when it has one, its request timeout always.
//
// A rule with a schedule (InitialInterval > 0) is what the provider's document prescribes for
// every request: its calls are retried exactly so, no more. A rule without one leaves the
// schedule to the engine's call budget (the document gives none).
type RetryRule struct {
	// MaxRetries is the number of retries after the first attempt (0: none).
	MaxRetries int
	// InitialInterval is the wait before the first retry; zero means the rule has no schedule.
	InitialInterval time.Duration
	// Backoff multiplies the interval after each retry; 1 (or less) keeps it fixed.
	Backoff float64
	// MaxInterval caps one interval; zero means no cap.
	MaxInterval time.Duration
	// Never4xx says the document forbids retrying any 4xx answer, 408 and 429 included.
	Never4xx bool
	// RateLimitDelay is the least wait after a 429: used when the provider sends no
	// Retry-After, or a shorter one than its documentation asks for.
	RateLimitDelay time.Duration
	// Timeout bounds one HTTP request.
	Timeout time.Duration
}

// Scheduled reports whether the rule prescribes the retry schedule itself.
func (r RetryRule) Scheduled() bool { return r.InitialInterval > 0 }

// MaximumAttempts is the attempt count including the first, as Temporal counts it.
func (r RetryRule) MaximumAttempts() int32 {
	return int32(min(max(r.MaxRetries, 0), math.MaxInt32-1) + 1)
}

// BackoffCoefficient is Backoff with the floor Temporal requires (1).
func (r RetryRule) BackoffCoefficient() float64 {
	return max(r.Backoff, 1)
}

// Retryable reports whether the same request may be sent again after e: a temporary failure
// (Error.Temporary), unless the rule forbids retrying any 4xx and e is one.
func (r RetryRule) Retryable(e *Error) bool {
	if r.Never4xx && e.Status >= 400 && e.Status < 500 {
		return false
	}
	return e.Temporary()
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
