package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/process/proctest"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

func TestMain(m *testing.M) { proctest.Main(m, main) }

func TestMetricsAddrConfig(t *testing.T) {
	testSetting(t, "ONBOARDING_METRICS_ADDR", func(c Config) string { return c.MetricsAddr }, []settingCase[string]{
		{name: "default", want: "127.0.0.1:9464"},
		{name: "empty turns metrics off", env: ptr(""), want: ""},
		{name: "any interface", env: ptr(":9464"), want: ":9464"},
		{name: "no port", env: ptr("127.0.0.1"), wantErr: true},
		{name: "port not a number", env: ptr("127.0.0.1:metrics"), wantErr: true},
		{name: "port out of range", env: ptr("127.0.0.1:70000"), wantErr: true},
	})
}

func TestReconcileEveryConfig(t *testing.T) {
	testSetting(t, "ONBOARDING_RECONCILE_EVERY", func(c Config) time.Duration { return c.ReconcileEvery }, []settingCase[time.Duration]{
		{name: "default", want: 4 * time.Minute},
		{name: "off", env: ptr("0"), want: 0},
		{name: "shortest", env: ptr("10s"), want: 10 * time.Second},
		{name: "longest", env: ptr("1h"), want: time.Hour},
		{name: "too short", env: ptr("5s"), wantErr: true},
		{name: "too long", env: ptr("2h"), wantErr: true},
		{name: "negative", env: ptr("-1m"), wantErr: true},
		{name: "not a duration", env: ptr("often"), wantErr: true},
	})
}

// settingCase is one value of a variable and what the worker's config makes of it.
type settingCase[T any] struct {
	name    string
	env     *string // nil: unset
	want    T
	wantErr bool // the error names the variable
}

// testSetting loads the worker's config (local profile) with each case's value of the
// variable and checks the setting got reads from it.
func testSetting[T any](t *testing.T, variable string, got func(Config) T, tests []settingCase[T]) {
	t.Helper()
	t.Setenv("ONBOARDING_PROFILE", "local")
	t.Setenv("ONBOARDING_PAYLOAD_KEYS", "k1=checked-by-codec-not-config")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != nil {
				t.Setenv(variable, *tt.env)
			}
			var cfg Config
			err := config.Load(&cfg)
			if tt.wantErr {
				require.ErrorContains(t, err, variable)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got(cfg))
		})
	}
}

func TestMetricsPortInUseNamesTheVariable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	_, _, err = serveMetrics(ln.Addr().String(), zap.NewNop())
	require.ErrorContains(t, err, "ONBOARDING_METRICS_ADDR")
}

func ptr(s string) *string { return &s }

// workerRequired is every variable a production worker must be given, in the order the
// error names them.
var workerRequired = []string{
	"ONBOARDING_PAYLOAD_KEYS (or ONBOARDING_PAYLOAD_KEYS_FILE)",
	"ONBOARDING_QUICKR_BASE_URL", "ONBOARDING_QUICKR_ACCOUNT_ID", "ONBOARDING_QUICKR_API_KEY", "ONBOARDING_QUICKR_CALLBACK_URL",
	"ONBOARDING_CREDITRO_BASE_URL", "ONBOARDING_CREDITRO_TOKEN",
	"ONBOARDING_IDV_BASE_URL", "ONBOARDING_IDV_PUBLIC_KEY", "ONBOARDING_IDV_SECRET", "ONBOARDING_IDV_CALLBACK_URL",
	"ONBOARDING_DEEPIDV_BASE_URL", "ONBOARDING_DEEPIDV_API_KEY",
	"ONBOARDING_OPENBANKING_BASE_URL", "ONBOARDING_OPENBANKING_CLIENT_ID", "ONBOARDING_OPENBANKING_CLIENT_SECRET",
	"ONBOARDING_CALLBACK_SECRETS",
	"ONBOARDING_NOTIFY_URL", "ONBOARDING_NOTIFY_SECRET",
	"ONBOARDING_BANK_DATA_DIR",
}

func TestWorkerWithoutCredentialsExits2NamingEveryMissingSetting(t *testing.T) {
	for _, profile := range []string{"", "ONBOARDING_PROFILE=production"} {
		code, out := proctest.Run(t, profile)
		require.Equal(t, 2, code, out)
		require.Equal(t, "config: missing "+strings.Join(workerRequired, ", ")+
			"; outside ONBOARDING_PROFILE=local (make run, tests) nothing falls back to the sandbox's credentials or addresses\n", out)
	}
}

func TestWorkerErrorsNeverShowSecrets(t *testing.T) {
	secrets := map[string]string{
		"ONBOARDING_PAYLOAD_KEYS":              "k1=" + codec.NewKey(),
		"ONBOARDING_QUICKR_API_KEY":            "live-quickr-key-4f1c",
		"ONBOARDING_CREDITRO_TOKEN":            "live-creditro-jwt-9a2e",
		"ONBOARDING_IDV_SECRET":                "live-idv-secret-5d3b",
		"ONBOARDING_DEEPIDV_API_KEY":           "live-deepidv-key-c0de",
		"ONBOARDING_OPENBANKING_CLIENT_SECRET": "live-ob-secret-e7e7",
		"ONBOARDING_NOTIFY_SECRET":             "live-notify-secret-1234",
		"ONBOARDING_CALLBACK_SECRETS":          "live-callback-secret-77aa",
	}
	var env []string
	for k, v := range secrets {
		env = append(env, k+"="+v)
	}
	check := func(t *testing.T, code int, out string, want ...string) {
		t.Helper()
		require.Equal(t, 2, code, out)
		for _, w := range want {
			require.Contains(t, out, w)
		}
		for k, v := range secrets {
			require.NotContains(t, out, strings.TrimPrefix(v, "k1="), "%s leaked", k)
		}
	}
	t.Run("addresses missing", func(t *testing.T) {
		code, out := proctest.Run(t, env...)
		check(t, code, out, "config: missing ONBOARDING_QUICKR_BASE_URL, ONBOARDING_QUICKR_ACCOUNT_ID, ONBOARDING_QUICKR_CALLBACK_URL,")
		require.NotContains(t, out, "ONBOARDING_QUICKR_API_KEY", "it is set")
	})
	t.Run("bad values", func(t *testing.T) {
		code, out := proctest.Run(t, append(env, "ONBOARDING_PROFILE=local", "ONBOARDING_QUICKR_BASE_URL=quickr.example", "ONBOARDING_IDV_SECRET=")...)
		check(t, code, out, "ONBOARDING_QUICKR_BASE_URL must be an http(s) URL", "ONBOARDING_IDV_SECRET must not be empty")
	})
}

func TestWorkerLocalProfileStartsWithTheSandboxDefaults(t *testing.T) {
	t.Run("config", func(t *testing.T) {
		t.Setenv("ONBOARDING_PROFILE", "local")
		t.Setenv("ONBOARDING_PAYLOAD_KEYS", "k1=checked-by-codec-not-config")
		var cfg Config
		require.NoError(t, config.Load(&cfg))
		require.True(t, cfg.IsLocal())
		require.Equal(t, sandbox.DefaultCredentials().QuickrAPIKey, cfg.QuickrAPIKey)
		require.Equal(t, "http://127.0.0.1:8090/quickr/v2", cfg.QuickrBaseURL)
	})
	t.Run("process", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts a Temporal dev server")
		}
		keys, err := codec.GenerateSpec("t1")
		require.NoError(t, err)
		p := proctest.Start(t, "worker polling",
			"ONBOARDING_PROFILE=local", "ONBOARDING_PAYLOAD_KEYS="+keys, "ONBOARDING_TEMPORAL_ADDRESS="+proctest.DevServer(t),
			"ONBOARDING_TASK_QUEUE=worker-main-test", "ONBOARDING_METRICS_ADDR=")
		require.Contains(t, p.Output(), "local profile")
		require.Equal(t, 0, p.Stop(t), p.Output())
	})
}
