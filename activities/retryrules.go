package activities

import (
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/creditro"
	"github.com/merchantflow/onboarding/providers/deepidv"
	"github.com/merchantflow/onboarding/providers/idv"
	"github.com/merchantflow/onboarding/providers/openbanking"
	"github.com/merchantflow/onboarding/providers/quickr"
)

// retryRules are the providers' retry rules (each client's RetryRule), by the provider name
// that *providers.Error and the workflow's blocked status carry. They are the one place the
// activities' retries come from: providerError reads them for the retry decision and the
// next delay, RetryOptions and AttemptTimeout turn them into the workflow's activity options.
var retryRules = map[string]providers.RetryRule{
	quickr.Provider:      quickr.RetryRule,
	creditro.Provider:    creditro.RetryRule,
	deepidv.Provider:     deepidv.RetryRule,
	idv.Provider:         idv.RetryRule,
	openbanking.Provider: openbanking.RetryRule,
}

// attemptMargin is what one activity attempt may take beyond its request's timeout: the
// client's own timeout then fires first and reports what timed out.
const attemptMargin = 5 * time.Second

// RetryOptions is the provider's documented retry rule as activity options: how long one
// attempt may run (the rule's request timeout and a margin) and the retry policy (the rule's
// schedule and attempt count). ok is false when the provider's document prescribes no
// schedule; the workflow's own call preset applies then. The caller adds the non-retryable
// error types; providerError already marks every failure the rule does not retry.
func RetryOptions(provider string) (attempt time.Duration, policy temporal.RetryPolicy, ok bool) {
	r, found := retryRules[provider]
	if !found || !r.Scheduled() {
		return 0, temporal.RetryPolicy{}, false
	}
	return AttemptTimeout(provider), temporal.RetryPolicy{
		InitialInterval:    r.InitialInterval,
		BackoffCoefficient: r.BackoffCoefficient(),
		MaximumInterval:    r.MaxInterval,
		MaximumAttempts:    r.MaximumAttempts(),
	}, true
}

// AttemptTimeout is how long one activity attempt against the provider may run: the request
// timeout of its rule (what its client uses unless configured otherwise) plus a margin, so
// the client's own timeout fires first and says what timed out; 0 for a provider without a
// rule (the caller's default applies). A poll uses it too: its schedule is the onboarding's
// policy, its requests the provider's.
func AttemptTimeout(provider string) time.Duration {
	r, ok := retryRules[provider]
	if !ok || r.Timeout <= 0 {
		return 0
	}
	return r.Timeout + attemptMargin
}
