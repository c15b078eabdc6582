package activities

import (
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/providers"
)

// Application error types the workflows and retry policies rely on.
const (
	// ErrProviderRejected: the provider refused the request itself (4xx other than 401, 403,
	// 408 and 429; for IDV, whose rule never retries a 4xx, 408 and 429 too); retrying cannot
	// help. Never retried.
	ErrProviderRejected = "ProviderRejected"
	// ErrProviderAuth: the provider refused our credentials (401/403, after the client's one
	// re-authentication). A person must fix the configuration: the workflow's call preset does
	// not retry it, and the onboarding blocks on the provider until a slow retry gets through.
	// Retryable by type only (the workflow decides), never by the error itself.
	ErrProviderAuth = "ProviderAuth"
	// ErrProviderUnavailable: network, timeout, 429 (not for IDV) or 5xx. Retried by the policy.
	ErrProviderUnavailable = "ProviderUnavailable"
	// ErrStillWaiting: a poll found the provider not done yet. Retried at the poll interval;
	// this is how polling stays cheap in history.
	ErrStillWaiting = "StillWaiting"
	// ErrInvalidInput: the activity's own input is unusable. Never retried.
	ErrInvalidInput = "InvalidInput"
	// ErrCaseMismatch: the case id now names a case of another onboarding (the provider lost
	// and reused it). Never retried: acting on it would decide the wrong merchant.
	ErrCaseMismatch = "CaseMismatch"
	// ErrNotConfigured: the worker was started without the provider this activity needs.
	// Like ErrProviderAuth, retryable by type only: a worker that has the provider may take
	// the blocked onboarding's next retry.
	ErrNotConfigured = "NotConfigured"
	// ErrBankDataMissing: the credit analysis has no uploaded bank data to run on (none was
	// uploaded, or the store lost it). Never retried: the analysis is unavailable.
	ErrBankDataMissing = "BankDataMissing"
)

// NonRetryable are the failure types no retry of an activity fixes by itself: the one list
// behind IsRejected and every retry policy of the workflows. ErrProviderAuth and
// ErrNotConfigured are among them although a person can fix them: the workflow then blocks
// and retries them on a slow schedule of its own.
var NonRetryable = []string{ErrProviderRejected, ErrInvalidInput, ErrCaseMismatch, ErrProviderAuth, ErrNotConfigured}

// providerError turns a client failure into an ApplicationError that carries the retry
// decision of the provider's RetryRule (retryRules): non-retryable when the provider rejected
// the request or the rule forbids retrying the answer (IDV: no 4xx, 429 included), otherwise
// retryable with the wait the provider asks for (the rule's NextDelay, or its Retry-After) as
// the next delay. Zero leaves the retry policy's schedule in charge.
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
	if pe.Class() == "auth" {
		return temporal.NewApplicationErrorWithOptions(pe.Error(), ErrProviderAuth, temporal.ApplicationErrorOptions{
			Cause: err, Details: []any{details},
		})
	}
	rule := retryRules[pe.Provider] // a provider without one: temporary failures, Retry-After as is
	if !rule.Retryable(pe) {
		return temporal.NewApplicationErrorWithOptions(pe.Error(), ErrProviderRejected, temporal.ApplicationErrorOptions{
			NonRetryable: true, Cause: err, Details: []any{details},
		})
	}
	delay := rule.NextDelay(err)
	return temporal.NewApplicationErrorWithOptions(pe.Error(), ErrProviderUnavailable, temporal.ApplicationErrorOptions{
		Cause: err, Details: []any{details}, NextRetryDelay: delay,
	})
}

// stillWaiting is the retryable error of a poll that found nothing final yet. It is benign:
// polling by retry fails every attempt until the provider is done, which is normal
// operation, so the SDK logs it at debug level and leaves it out of
// temporal_activity_execution_failed, keeping that metric for real failures.
func stillWaiting(format string, args ...any) error {
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf(format, args...), ErrStillWaiting,
		temporal.ApplicationErrorOptions{Category: temporal.ApplicationErrorCategoryBenign})
}

// invalidInput is the non-retryable error for unusable activity input.
func invalidInput(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrInvalidInput, nil)
}

// notConfigured is the non-retryable error of an activity whose provider client is missing.
func notConfigured(provider string) error {
	return temporal.NewApplicationErrorWithOptions(provider+" is not configured on this worker", ErrNotConfigured,
		temporal.ApplicationErrorOptions{Details: []any{map[string]any{"provider": provider, "class": "not_configured"}}})
}

// IsRejected reports whether err (from an activity future) is a provider rejection, invalid
// input, refused credentials or a missing provider, i.e. a failure no quick retry would fix.
func IsRejected(err error) bool {
	var ae *temporal.ApplicationError
	return errors.As(err, &ae) && slices.Contains(NonRetryable, ae.Type())
}
