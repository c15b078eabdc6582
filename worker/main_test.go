package main

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/bench/floor"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/process/proctest"
	"github.com/merchantflow/onboarding/internal/workerapp"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

func TestMain(m *testing.M) { proctest.Main(m, main) }

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
		var cfg workerapp.Config
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

// The production worker serves the engine's workflows and not the bench's floor: a
// BenchFloor run started on its task queue fails its workflow task, naming the types the
// worker has (bench/benchworker is the worker that registers it).
func TestWorkerDoesNotRegisterTheBenchFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal dev server")
	}
	const queue = "worker-no-floor-test"
	p, tc := proctest.LocalWorker(t, queue)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "floor-on-production", TaskQueue: queue}, floor.WorkflowType, floor.Input{Activities: 1})
	require.NoError(t, err)
	events := tc.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), true, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for events.HasNext() {
		ev, err := events.Next()
		require.NoError(t, err)
		require.NotEqual(t, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, ev.GetEventType(), "the floor ran on the production worker")
		if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED {
			msg := ev.GetWorkflowTaskFailedEventAttributes().GetFailure().GetMessage()
			require.Contains(t, msg, "unable to find workflow type: "+floor.WorkflowType)
			require.Contains(t, msg, api.OnboardMerchantType, "the failure lists what the worker does serve")
			break
		}
	}
	require.NoError(t, tc.TerminateWorkflow(ctx, run.GetID(), run.GetRunID(), "test over"))
	require.Equal(t, 0, p.Stop(t), p.Output())

	// Activities register as every exported method of *activities.Activities.
	_, ok := reflect.TypeOf(&activities.Activities{}).MethodByName(floor.NoopType)
	require.False(t, ok, "the floor's activity is the bench's alone")
}
