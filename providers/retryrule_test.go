package providers_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
)

func TestRetryRuleMaximumAttempts(t *testing.T) {
	tests := []struct {
		retries int
		want    int32
	}{{0, 1}, {4, 5}, {-1, 0}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.retries), func(t *testing.T) {
			require.Equal(t, tt.want, providers.RetryRule{MaxRetries: tt.retries}.MaximumAttempts())
		})
	}
}

func TestRetryRuleInterval(t *testing.T) {
	tests := []struct {
		name string
		rule providers.RetryRule
		n    int
		want time.Duration
	}{
		{"first", providers.RetryRule{InitialInterval: 2 * time.Second, Backoff: 2}, 1, 2 * time.Second},
		{"fourth", providers.RetryRule{InitialInterval: 2 * time.Second, Backoff: 2}, 4, 16 * time.Second},
		{"capped", providers.RetryRule{InitialInterval: 2 * time.Second, Backoff: 2, MaxInterval: 10 * time.Second}, 4, 10 * time.Second},
		{"fixed poll", providers.RetryRule{InitialInterval: 5 * time.Second, Backoff: 1}, 50, 5 * time.Second},
		{"backoff below 1 is 1", providers.RetryRule{InitialInterval: time.Second, Backoff: 0.5}, 3, time.Second},
		{"n below 1 is 1", providers.RetryRule{InitialInterval: time.Second, Backoff: 2}, 0, time.Second},
		{"huge n saturates", providers.RetryRule{InitialInterval: time.Second, Backoff: 10}, 400, time.Duration(1<<63 - 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.rule.Interval(tt.n))
		})
	}
}

func TestRetryRuleNextDelay(t *testing.T) {
	r := providers.RetryRule{RateLimitDelay: 2 * time.Minute}
	tests := []struct {
		name string
		err  error
		want time.Duration
	}{
		{"429 without Retry-After", &providers.Error{Status: 429}, 2 * time.Minute},
		{"429 shorter Retry-After", &providers.Error{Status: 429, RetryAfter: 10 * time.Second}, 2 * time.Minute},
		{"429 longer Retry-After", &providers.Error{Status: 429, RetryAfter: 5 * time.Minute}, 5 * time.Minute},
		{"503 Retry-After", &providers.Error{Status: 503, RetryAfter: 30 * time.Second}, 30 * time.Second},
		{"500 without", &providers.Error{Status: 500}, 0},
		{"wrapped", fmt.Errorf("activity: %w", &providers.Error{Status: 429}), 2 * time.Minute},
		{"not a provider error", errors.New("x"), 0},
		{"nil", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, r.NextDelay(tt.err))
		})
	}
}
