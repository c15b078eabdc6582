package providertest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
)

// RequireNetworkError checks that err is a provider error without an HTTP status, and
// temporary.
func RequireNetworkError(t *testing.T, err error) {
	t.Helper()
	pe, ok := providers.AsError(err)
	require.True(t, ok, "%v", err)
	require.Zero(t, pe.Status)
	require.True(t, pe.Temporary())
	require.Equal(t, "network", pe.Class())
}

// Want is the provider error a test expects.
type Want struct {
	Status    int
	Code      string // compared exactly
	Message   string // compared when set
	Temporary bool
	// RetryAfter is compared exactly unless negative (then the caller checks it).
	RetryAfter time.Duration
}

// RequireError checks that err is provider's error as want describes and returns it.
func RequireError(t *testing.T, err error, provider string, want Want) *providers.Error {
	t.Helper()
	pe, ok := providers.AsError(err)
	require.True(t, ok, "%T %v", err, err)
	require.Equal(t, provider, pe.Provider)
	require.Equal(t, want.Status, pe.Status, pe.Error())
	require.Equal(t, want.Temporary, pe.Temporary(), pe.Error())
	require.Equal(t, want.Code, pe.Code, pe.Error())
	if want.Message != "" {
		require.Equal(t, want.Message, pe.Message)
	}
	if want.RetryAfter >= 0 {
		require.Equal(t, want.RetryAfter, pe.RetryAfter)
	}
	return pe
}
