package activities

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/providers"
)

// Application error types the workflows and retry policies rely on.
const (
	// ErrProviderRejected: the provider refused the request itself (4xx other than 408/429);
	// retrying cannot help. Never retried.
	ErrProviderRejected = "ProviderRejected"
	// ErrProviderUnavailable: network, timeout, 429 or 5xx. Retried by the policy.
	ErrProviderUnavailable = "ProviderUnavailable"
	// ErrStillWaiting: a poll found the provider not done yet. Retried at the poll interval;
	// this is how polling stays cheap in history.
	ErrStillWaiting = "StillWaiting"
	// ErrInvalidInput: the activity's own input is unusable. Never retried.
	ErrInvalidInput = "InvalidInput"
)

// providerError turns a client failure into an ApplicationError that carries the retry
// decision: non-retryable when the provider rejected the request, otherwise retryable with the
// provider's Retry-After as the next delay.
func providerError(err error) error {
	if err == nil {
		return nil
	}
	pe, ok := providers.AsError(err)
	if !ok {
		// Not a provider answer (a context error, a bug): let the retry policy decide.
		return temporal.NewApplicationErrorWithCause(err.Error(), ErrProviderUnavailable, err)
	}
	details := map[string]any{"provider": pe.Provider, "op": pe.Op, "status": pe.Status, "code": pe.Code, "class": pe.Class()}
	if !pe.Temporary() {
		return temporal.NewApplicationErrorWithOptions(pe.Error(), ErrProviderRejected, temporal.ApplicationErrorOptions{
			NonRetryable: true, Cause: err, Details: []any{details},
		})
	}
	return temporal.NewApplicationErrorWithOptions(pe.Error(), ErrProviderUnavailable, temporal.ApplicationErrorOptions{
		Cause: err, Details: []any{details}, NextRetryDelay: pe.RetryAfter,
	})
}

// stillWaiting is the retryable error of a poll that found nothing final yet.
func stillWaiting(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), ErrStillWaiting)
}

// invalidInput is the non-retryable error for unusable activity input.
func invalidInput(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrInvalidInput, nil)
}

// IsRejected reports whether err (from an activity future) is a provider rejection or invalid
// input, i.e. a failure no retry would fix.
func IsRejected(err error) bool {
	var ae *temporal.ApplicationError
	return errors.As(err, &ae) && (ae.Type() == ErrProviderRejected || ae.Type() == ErrInvalidInput)
}
