package activities

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/bankdata"
	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/creditro"
	"github.com/merchantflow/onboarding/providers/openbanking"
)

func TestProviderErrorMapping(t *testing.T) {
	pe := func(provider string, status int, retryAfter time.Duration) error {
		return fmt.Errorf("wrapped: %w", &providers.Error{Provider: provider, Op: "op", Status: status, Message: "m", RetryAfter: retryAfter})
	}
	tests := []struct {
		name      string
		err       error
		wantType  string
		wantRetry bool
		wantDelay time.Duration
	}{
		{"400 rejected", pe("quickr", 400, 0), ErrProviderRejected, false, 0},
		{"401 refused credentials", pe("deepidv", 401, 0), ErrProviderAuth, true, 0},
		{"402 rejected", pe("deepidv", 402, 0), ErrProviderRejected, false, 0},
		{"403 refused credentials", pe("creditro", 403, 0), ErrProviderAuth, true, 0},
		{"404 rejected", pe("idv", 404, 0), ErrProviderRejected, false, 0},
		{"409 rejected", pe("quickr", 409, 0), ErrProviderRejected, false, 0},
		{"422 rejected", pe("openbanking", 422, 0), ErrProviderRejected, false, 0},
		{"408 retried", pe("quickr", 408, 0), ErrProviderUnavailable, true, 0},
		{"429 with Retry-After", pe("quickr", 429, 7*time.Second), ErrProviderUnavailable, true, 7 * time.Second},
		{"429 without Retry-After (quickr: schedule)", pe("quickr", 429, 0), ErrProviderUnavailable, true, 0},
		{"creditro 429 without Retry-After waits 2 min", pe(creditro.Provider, 429, 0), ErrProviderUnavailable, true, 2 * time.Minute},
		{"creditro 429 short Retry-After waits 2 min", pe(creditro.Provider, 429, 30*time.Second), ErrProviderUnavailable, true, 2 * time.Minute},
		{"creditro 429 long Retry-After kept", pe(creditro.Provider, 429, 5*time.Minute), ErrProviderUnavailable, true, 5 * time.Minute},
		{"creditro 500 follows the schedule", pe(creditro.Provider, 500, 0), ErrProviderUnavailable, true, 0},
		{"deepidv 429 waits its rate-limit delay", pe("deepidv", 429, 0), ErrProviderUnavailable, true, 5 * time.Second},
		{"openbanking 429 waits its rate-limit delay", pe("openbanking", 429, time.Second), ErrProviderUnavailable, true, 5 * time.Second},
		// The IDV seed: "We recommend retrying failed requests, except for errors in the 4xx range."
		{"idv 429 is a 4xx: never retried", pe("idv", 429, 3*time.Second), ErrProviderRejected, false, 0},
		{"idv 408 is a 4xx: never retried", pe("idv", 408, 0), ErrProviderRejected, false, 0},
		{"idv 401 still blocks (a person fixes credentials)", pe("idv", 401, 0), ErrProviderAuth, true, 0},
		{"idv 500 retried on the schedule", pe("idv", 500, 0), ErrProviderUnavailable, true, 0},
		{"503 with Retry-After", pe("quickr", 503, 10*time.Second), ErrProviderUnavailable, true, 10 * time.Second},
		{"network", fmt.Errorf("x: %w", &providers.Error{Provider: "idv", Op: "op", Err: errors.New("connection refused")}), ErrProviderUnavailable, true, 0},
		{"not a provider error", context.DeadlineExceeded, ErrProviderUnavailable, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ae *temporal.ApplicationError
			require.ErrorAs(t, providerError(tt.err), &ae)
			require.Equal(t, tt.wantType, ae.Type())
			require.Equal(t, !tt.wantRetry, ae.NonRetryable())
			require.Equal(t, tt.wantDelay, ae.NextRetryDelay())
			// Refused credentials are retryable by type only: the workflow blocks on them.
			require.Equal(t, !tt.wantRetry || tt.wantType == ErrProviderAuth, IsRejected(ae))
			if p, ok := providers.AsError(tt.err); ok {
				var details map[string]any
				require.NoError(t, ae.Details(&details))
				require.Equal(t, p.Provider, details["provider"])
				require.Equal(t, p.Class(), details["class"])
			}
		})
	}
	require.NoError(t, providerError(nil))
}

// The IDV activities run on the seed's rule, read from idv.RetryRule: at most 4 retries after
// 2, 4, 8 and 16 s, a 60 s request timeout (plus the margin for the client to report it).
// Providers whose documents give no schedule have none here: the workflow's budget applies;
// their attempts are still bounded by their rules' request timeouts.
func TestRetryOptions(t *testing.T) {
	attempt, policy, ok := RetryOptions("idv")
	require.True(t, ok)
	require.Equal(t, 65*time.Second, attempt)
	require.Equal(t, temporal.RetryPolicy{
		InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: 16 * time.Second, MaximumAttempts: 5,
	}, policy)
	var waits []time.Duration
	d := policy.InitialInterval
	for range policy.MaximumAttempts - 1 {
		waits = append(waits, min(d, policy.MaximumInterval))
		d = time.Duration(float64(d) * policy.BackoffCoefficient)
	}
	require.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}, waits)
	require.Equal(t, 65*time.Second, AttemptTimeout("idv"))

	for _, p := range []string{"quickr", "creditro", "deepidv", "openbanking", "unknown"} {
		_, _, ok := RetryOptions(p)
		require.False(t, ok, p)
	}
	for _, p := range []string{"quickr", "creditro", "deepidv", "openbanking"} {
		require.Equal(t, 35*time.Second, AttemptTimeout(p), "%s: its client's 30 s and the margin", p)
	}
	require.Zero(t, AttemptTimeout("unknown"), "no rule: the caller's default")
}

func TestRemindersDue(t *testing.T) {
	since := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name string
		r    Reminders
		now  time.Time
		want int
	}{
		{"no cadence", Reminders{Since: since}, since.Add(30 * day), 0},
		{"no since", Reminders{Every: day}, since.Add(30 * day), 0},
		{"before since", Reminders{Since: since, Every: day}, since.Add(-time.Hour), 0},
		{"at since", Reminders{Since: since, Every: day}, since, 0},
		{"just before the first", Reminders{Since: since, Every: day}, since.Add(day - time.Nanosecond), 0},
		{"first exactly due", Reminders{Since: since, Every: day}, since.Add(day), 1},
		{"between second and third", Reminders{Since: since, Every: day}, since.Add(2*day + time.Hour), 2},
		{"capped by max", Reminders{Since: since, Every: day, Max: 3}, since.Add(10 * day), 3},
		{"max not reached", Reminders{Since: since, Every: day, Max: 3}, since.Add(2 * day), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, remindersDue(tt.r, tt.now))
		})
	}
}

func TestNamesMatch(t *testing.T) {
	tests := []struct {
		declared, verified string
		want               bool
	}{
		{"Ragnar Lothbrok", "Ragnar Lothbrok", true},
		{"  ragnar   LOTHBROK ", "Ragnar Lothbrok", true},
		{"Lothbrok, Ragnar", "Ragnar Lothbrok", true},
		{"Bjorn Ironside", "Bjørn Ironside", true},
		{"Rene Lefevre", "René Lefèvre", true},
		{"Kari Nordmann", "Kari Anne Nordmann", true},
		{"Kari", "Kari Anne Nordmann", false},
		{"Kari Anne Nordmann", "Kari Nordmann", false},
		{"Ragnar Lothbrok", "Kari Nordmann", false},
		{"", "Kari Nordmann", false},
		{"Kari Nordmann", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.declared+"|"+tt.verified, func(t *testing.T) {
			require.Equal(t, tt.want, namesMatch(tt.declared, tt.verified))
		})
	}
}

func TestBirthDatesMatch(t *testing.T) {
	tests := []struct {
		declared, verified string
		want               bool
	}{
		{"1980-01-01", "1980-01-01", true},
		{"1980", "1980-06-30", true},
		{"1981", "1980-06-30", false},
		{"1980-01-02", "1980-01-01", false},
		{"", "1980-01-01", true},
		{"1980-01-01", "", false},
		{"1980-01-01T00:00:00Z", "1980-01-01", true},
	}
	for _, tt := range tests {
		t.Run(tt.declared+"|"+tt.verified, func(t *testing.T) {
			require.Equal(t, tt.want, birthDatesMatch(tt.declared, tt.verified))
		})
	}
}

func TestMatchesCompany(t *testing.T) {
	company := api.Company{OrgNumber: "987654321", Country: "NO", Name: "Ragnarök AS"}
	tests := []struct {
		name string
		k    creditro.KYCCase
		want bool
	}{
		{"same number", creditro.KYCCase{RegistrationNumber: "987654321"}, true},
		{"formatted number with country", creditro.KYCCase{RegistrationNumber: "NO 987 654 321 MVA", Country: "no"}, true},
		{"other number, same name", creditro.KYCCase{RegistrationNumber: "123456789", CompanyName: "Ragnarok AS"}, false},
		{"same number, other country", creditro.KYCCase{RegistrationNumber: "987654321", Country: "SE"}, false},
		{"no number, punctuation splits a word", creditro.KYCCase{CompanyName: "RAGNAROK  A.S."}, false},
		{"no number, folded name", creditro.KYCCase{CompanyName: "ragnarok as"}, true},
		{"no number, other name", creditro.KYCCase{CompanyName: "Floki Shipbuilders"}, false},
		{"nothing to compare", creditro.KYCCase{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, matchesCompany(tt.k, company))
		})
	}
	require.False(t, matchesCompany(creditro.KYCCase{CompanyName: "x"}, api.Company{OrgNumber: "1"}), "no name to match on")
}

func TestNormaliseScore(t *testing.T) {
	for in, want := range map[float64]float64{820: 82, 310: 31, 0: 0, 1000: 100, 1200: 100, -5: 0, 455.5: 45.6} {
		require.Equal(t, want, normaliseScore(in), "%v", in)
	}
}

func TestAnalysisInputCarriesTheUploadAsIs(t *testing.T) {
	d := bankdata.Dataset{
		Accounts: []bankdata.Account{{ID: "acc-1", Name: "Business", IBAN: "NO9386011117947", Currency: "NOK", Balance: 1200.5, BalanceDate: "2026-11-29"}},
		Transactions: []bankdata.Transaction{
			{ID: "tx-1", AccountID: "acc-1", Amount: 9000, Currency: "NOK", Date: "2026-11-02", Category: "INCOME"},
			{ID: "tx-2", AccountID: "acc-1", Amount: -120.25, Currency: "NOK", Date: "2026-11-03", Description: "Fee"},
		},
	}
	in := analysisInput(d)
	require.Equal(t, openbanking.Account{ID: "acc-1", Name: "Business", IBAN: "NO9386011117947", Currency: "NOK", Balance: 1200.5, BalanceDate: "2026-11-29T00:00:00Z"}, in.Accounts[0])
	require.Equal(t, []openbanking.Transaction{
		{ID: "tx-1", AccountID: "acc-1", Amount: 9000, Currency: "NOK", Date: "2026-11-02", Category: "INCOME"},
		{ID: "tx-2", AccountID: "acc-1", Amount: -120.25, Currency: "NOK", Date: "2026-11-03", Description: "Fee"},
	}, in.Transactions)
}

func TestWholeYears(t *testing.T) {
	reg := time.Date(2012, 5, 10, 0, 0, 0, 0, time.UTC)
	require.Equal(t, 14, wholeYears(reg, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, 13, wholeYears(reg, time.Date(2026, 5, 9, 23, 0, 0, 0, time.UTC)))
	require.Equal(t, 14, wholeYears(reg, time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, 0, wholeYears(reg, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)))
}
