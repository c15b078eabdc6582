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
	}{{0, 1}, {4, 5}, {-1, 1}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.retries), func(t *testing.T) {
			require.Equal(t, tt.want, providers.RetryRule{MaxRetries: tt.retries}.MaximumAttempts())
		})
	}
}

func TestRetryRuleRetryable(t *testing.T) {
	seed := providers.RetryRule{Never4xx: true}
	plain := providers.RetryRule{}
	tests := []struct {
		status      int
		seed, plain bool
	}{
		{0, true, true}, // no answer: network or timeout
		{400, false, false},
		{404, false, false},
		{408, false, true},
		{429, false, true},
		{500, true, true},
		{503, true, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			e := &providers.Error{Status: tt.status}
			require.Equal(t, tt.seed, seed.Retryable(e), "never 4xx")
			require.Equal(t, tt.plain, plain.Retryable(e), "temporary failures")
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
