package workerapp_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/workerapp"
)

func TestTuningDefaultsAutoscale(t *testing.T) {
	var tu workerapp.Tuning
	require.NoError(t, config.Load(&tu))
	require.True(t, tu.PollerAutoscaling)
	o := tu.Options()
	require.NotNil(t, o.WorkflowTaskPollerBehavior)
	require.NotNil(t, o.ActivityTaskPollerBehavior)
	require.Zero(t, o.MaxConcurrentWorkflowTaskPollers, "fixed counts and a poller behavior are exclusive")
}

func TestTuningSDKDefaultsLeaveEverythingToTheSDK(t *testing.T) {
	require.Equal(t, worker.Options{}, workerapp.SDKDefaults().Options())
}

func TestTuningFromEnvironment(t *testing.T) {
	t.Setenv("ONBOARDING_WORKER_POLLER_AUTOSCALING", "false")
	t.Setenv("ONBOARDING_WORKER_WORKFLOW_POLLERS", "16")
	t.Setenv("ONBOARDING_WORKER_MAX_CONCURRENT_ACTIVITIES", "200")
	var tu workerapp.Tuning
	require.NoError(t, config.Load(&tu))
	o := tu.Options()
	require.Nil(t, o.WorkflowTaskPollerBehavior)
	require.Equal(t, 16, o.MaxConcurrentWorkflowTaskPollers)
	require.Equal(t, 200, o.MaxConcurrentActivityExecutionSize)
}

func TestTuningValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"negative", map[string]string{"ONBOARDING_WORKER_STICKY_CACHE_SIZE": "-1"}, "WORKER_STICKY_CACHE_SIZE"},
		{"min above max", map[string]string{"ONBOARDING_WORKER_POLLERS_MIN": "10", "ONBOARDING_WORKER_POLLERS_MAX": "4", "ONBOARDING_WORKER_POLLERS_INITIAL": "4"}, "WORKER_POLLERS_MIN"},
		{"initial outside the range", map[string]string{"ONBOARDING_WORKER_POLLERS_INITIAL": "100"}, "WORKER_POLLERS_INITIAL"},
		{"one workflow poller", map[string]string{"ONBOARDING_WORKER_POLLER_AUTOSCALING": "false", "ONBOARDING_WORKER_WORKFLOW_POLLERS": "1"}, "WORKER_WORKFLOW_POLLERS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var tu workerapp.Tuning
			require.ErrorContains(t, config.Load(&tu), tt.want)
		})
	}
}
