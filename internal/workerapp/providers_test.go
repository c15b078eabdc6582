package workerapp_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/callback"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/workerapp"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// providerVars are the settings without a production default, in the order they are reported.
var providerVars = []string{
	"QUICKR_BASE_URL", "QUICKR_ACCOUNT_ID", "QUICKR_API_KEY", "QUICKR_CALLBACK_URL",
	"CREDITRO_BASE_URL", "CREDITRO_TOKEN",
	"IDV_BASE_URL", "IDV_PUBLIC_KEY", "IDV_SECRET", "IDV_CALLBACK_URL",
	"DEEPIDV_BASE_URL", "DEEPIDV_API_KEY",
	"OPENBANKING_BASE_URL", "OPENBANKING_CLIENT_ID", "OPENBANKING_CLIENT_SECRET",
	"CALLBACK_SECRETS",
	"NOTIFY_URL", "NOTIFY_SECRET",
}

// liveEnv is a production configuration: every value is distinct, so a test can check that
// none of them appears where it must not.
var liveEnv = map[string]string{
	"QUICKR_BASE_URL": "https://api.quickr.example/v2", "QUICKR_ACCOUNT_ID": "PQ7654321", "QUICKR_API_KEY": "live-quickr-key-4f1c",
	"QUICKR_CALLBACK_URL": "https://onboarding.example/webhooks/quickr",
	"CREDITRO_BASE_URL":   "https://api.creditro.example", "CREDITRO_TOKEN": "live-creditro-jwt-9a2e",
	"IDV_BASE_URL": "https://idv.example", "IDV_PUBLIC_KEY": "live-idv-public-77", "IDV_SECRET": "live-idv-secret-5d3b",
	"IDV_CALLBACK_URL": "https://onboarding.example/webhooks/idv",
	"DEEPIDV_BASE_URL": "https://deepidv.example", "DEEPIDV_API_KEY": "live-deepidv-key-c0de",
	"OPENBANKING_BASE_URL": "https://ob.example", "OPENBANKING_CLIENT_ID": "live-ob-client", "OPENBANKING_CLIENT_SECRET": "live-ob-secret-e7e7",
	"NOTIFY_URL": "https://app.example/hooks/onboarding", "NOTIFY_SECRET": "live-notify-secret-1234",
	"CALLBACK_SECRETS": "live-callback-secret-a1b2c3d4, live-callback-secret-old-9z8y",
}

// setLiveEnv isolates the test and sets liveEnv but for the variables named in except.
func setLiveEnv(t *testing.T, except ...string) {
	t.Helper()
	isolate(t)
	for k, v := range liveEnv {
		if !slices.Contains(except, k) {
			t.Setenv("ONBOARDING_"+k, v)
		}
	}
}

// isolate unsets every provider variable (prefixed and not) and the profile for the test,
// so the developer's shell cannot decide its outcome.
func isolate(t *testing.T) {
	t.Helper()
	for _, v := range append(append([]string{}, providerVars...), "PROFILE") {
		for _, k := range []string{"ONBOARDING_" + v, v} {
			if _, ok := os.LookupEnv(k); ok {
				t.Setenv(k, "")
				require.NoError(t, os.Unsetenv(k))
			}
		}
	}
}

func TestProvidersLocalDefaultsAreTheSandboxs(t *testing.T) {
	isolate(t)
	t.Setenv("ONBOARDING_PROFILE", "local")
	var p workerapp.Providers
	require.NoError(t, config.Load(&p))
	creds := sandbox.DefaultCredentials()
	require.Equal(t, creds.QuickrAccountID, p.QuickrAccountID)
	require.Equal(t, creds.QuickrAPIKey, p.QuickrAPIKey)
	require.Equal(t, creds.IDVPublicKey, p.IDVPublicKey)
	require.Equal(t, creds.IDVSecret, p.IDVSecret)
	require.Equal(t, creds.DeepIDVAPIKey, p.DeepIDVAPIKey)
	require.Equal(t, creds.OpenBankingClientID, p.OpenBankingClientID)
	require.Equal(t, creds.OpenBankingSecret, p.OpenBankingClientSecret)
	require.NotEmpty(t, p.NotifySecret)
	// The Creditro token is the sandbox customer's JWT.
	parts := strings.Split(p.CreditroToken, ".")
	require.Len(t, parts, 3)
	claims, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var c struct{ Customer string }
	require.NoError(t, json.Unmarshal(claims, &c))
	require.Equal(t, creds.CreditroCustomerID, c.Customer)
	// make run's sandbox and gateway.
	for _, u := range []string{p.QuickrBaseURL, p.CreditroBaseURL, p.IDVBaseURL, p.DeepIDVBaseURL, p.OpenBankingBaseURL, p.NotifyURL} {
		require.True(t, strings.HasPrefix(u, "http://127.0.0.1:8090/"), u)
	}
	for _, u := range []string{p.QuickrCallbackURL, p.IDVCallbackURL} {
		require.True(t, strings.HasPrefix(u, "http://127.0.0.1:8081/webhooks/"), u)
	}
	require.Equal(t, []string{callback.DevSecret}, p.CallbackSecrets, "the gateway's local default too")
	acts, err := p.Activities()
	require.NoError(t, err)
	require.NotNil(t, acts.Callbacks)
}

func TestProvidersCallbackSecrets(t *testing.T) {
	for name, tt := range map[string]struct{ value, want string }{
		"empty":       {"", "ONBOARDING_CALLBACK_SECRETS: must name at least one secret"},
		"short":       {"live-callback-secret-a1b2c3d4,short-one", "ONBOARDING_CALLBACK_SECRETS: entry 2 is shorter than 16 bytes"},
		"empty entry": {"live-callback-secret-a1b2c3d4, ", "ONBOARDING_CALLBACK_SECRETS: entry 2 is empty"},
		"too many":    {"callback-secret-0001,callback-secret-0002,callback-secret-0003,callback-secret-0004,callback-secret-0005", "at most 4"},
	} {
		t.Run(name, func(t *testing.T) {
			setLiveEnv(t)
			t.Setenv("ONBOARDING_CALLBACK_SECRETS", tt.value)
			var p workerapp.Providers
			err := config.Load(&p)
			require.ErrorContains(t, err, tt.want)
			for _, s := range strings.Split(tt.value, ",") {
				if s = strings.TrimSpace(s); s != "" {
					require.NotContains(t, err.Error(), s, "an error shows a secret")
				}
			}
		})
	}
	t.Run("trimmed, the first mints", func(t *testing.T) {
		setLiveEnv(t)
		var p workerapp.Providers
		require.NoError(t, config.Load(&p))
		acts, err := p.Activities()
		require.NoError(t, err)
		first, err := callback.New([][]byte{[]byte("live-callback-secret-a1b2c3d4")})
		require.NoError(t, err)
		want, err := first.Token(callback.Quickr, "onboarding:NO:987654321")
		require.NoError(t, err)
		got, err := acts.Callbacks.Token(callback.Quickr, "onboarding:NO:987654321")
		require.NoError(t, err)
		require.Equal(t, want, got)
	})
}

func TestProvidersLocalKeepsWhatIsSet(t *testing.T) {
	isolate(t)
	t.Setenv("ONBOARDING_PROFILE", "local")
	t.Setenv("ONBOARDING_QUICKR_API_KEY", "my-own-test-key")
	t.Setenv("ONBOARDING_NOTIFY_URL", "")
	var p workerapp.Providers
	require.NoError(t, config.Load(&p))
	require.Equal(t, "my-own-test-key", p.QuickrAPIKey)
	require.Empty(t, p.NotifyURL, "an empty NOTIFY_URL turns notifications off, also locally")
	require.Empty(t, p.NotifySecret, "nothing to sign")
}

func TestProvidersProductionNeedsEveryCredentialAndAddress(t *testing.T) {
	for _, profile := range []string{"", "production"} {
		t.Run("profile "+profile, func(t *testing.T) {
			isolate(t)
			if profile != "" {
				t.Setenv("ONBOARDING_PROFILE", profile)
			}
			var p workerapp.Providers
			err := config.Load(&p)
			require.Error(t, err)
			var want []string
			for _, v := range providerVars {
				want = append(want, "ONBOARDING_"+v)
			}
			require.ErrorContains(t, err, "config: missing "+strings.Join(want, ", ")+"; ")
			require.ErrorContains(t, err, "ONBOARDING_PROFILE=local")
			require.NotContains(t, err.Error(), "127.0.0.1")
			require.NotContains(t, err.Error(), "sandbox-")
			require.Empty(t, p.QuickrAPIKey, "no sandbox credential slipped in")
			require.Empty(t, p.QuickrBaseURL)
		})
	}
}

func TestProvidersProductionNamesOnlyWhatIsMissing(t *testing.T) {
	setLiveEnv(t, "IDV_SECRET", "OPENBANKING_BASE_URL")
	var p workerapp.Providers
	err := config.Load(&p)
	require.EqualError(t, err, "config: missing ONBOARDING_IDV_SECRET, ONBOARDING_OPENBANKING_BASE_URL; "+
		"outside ONBOARDING_PROFILE=local (make run, tests) nothing falls back to the sandbox's credentials or addresses")
	for _, v := range liveEnv {
		require.NotContains(t, err.Error(), v, "errors never show a value")
	}
}

func TestProvidersProductionWithEverythingSet(t *testing.T) {
	setLiveEnv(t)
	var p workerapp.Providers
	require.NoError(t, config.Load(&p))
	require.Equal(t, liveEnv["QUICKR_API_KEY"], p.QuickrAPIKey)
	require.Equal(t, liveEnv["CREDITRO_TOKEN"], p.CreditroToken)
	require.Equal(t, liveEnv["NOTIFY_URL"], p.NotifyURL)
	_, err := p.Activities()
	require.NoError(t, err)
}

func TestProvidersNotifications(t *testing.T) {
	t.Run("off: no secret needed", func(t *testing.T) {
		setLiveEnv(t, "NOTIFY_SECRET")
		t.Setenv("ONBOARDING_NOTIFY_URL", "")
		var p workerapp.Providers
		require.NoError(t, config.Load(&p))
		require.Empty(t, p.NotifyURL)
	})
	t.Run("on: the secret is required", func(t *testing.T) {
		setLiveEnv(t, "NOTIFY_SECRET")
		var p workerapp.Providers
		require.ErrorContains(t, config.Load(&p), "config: missing ONBOARDING_NOTIFY_SECRET;")
	})
	t.Run("on with an empty secret", func(t *testing.T) {
		setLiveEnv(t)
		t.Setenv("ONBOARDING_NOTIFY_SECRET", " ")
		var p workerapp.Providers
		require.EqualError(t, config.Load(&p), "config: ONBOARDING_NOTIFY_SECRET must not be empty")
	})
}

func TestProvidersBadValuesAreAllNamedWithoutSecrets(t *testing.T) {
	setLiveEnv(t)
	t.Setenv("ONBOARDING_QUICKR_BASE_URL", "api.quickr.example/v2")
	t.Setenv("ONBOARDING_IDV_SECRET", "")
	t.Setenv("ONBOARDING_DEEPIDV_API_KEY", "  ")
	var p workerapp.Providers
	err := config.Load(&p)
	require.ErrorContains(t, err, "ONBOARDING_QUICKR_BASE_URL must be an http(s) URL")
	require.ErrorContains(t, err, "ONBOARDING_IDV_SECRET must not be empty")
	require.ErrorContains(t, err, "ONBOARDING_DEEPIDV_API_KEY must not be empty")
	for k, v := range liveEnv {
		if strings.Contains(k, "KEY") || strings.Contains(k, "SECRET") || strings.Contains(k, "TOKEN") {
			require.NotContains(t, err.Error(), v)
		}
	}
}
