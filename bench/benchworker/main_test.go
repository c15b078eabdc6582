package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/merchantflow/onboarding/bench/floor"
	"github.com/merchantflow/onboarding/internal/process/proctest"
)

// The bench's worker is bin/worker's configuration: without credentials it refuses to start
// the same way.
func TestBenchWorkerTakesTheWorkersConfiguration(t *testing.T) {
	code, out := proctest.Run(t)
	require.Equal(t, 2, code, out)
	require.Contains(t, out, "config: missing ONBOARDING_PAYLOAD_KEYS (or ONBOARDING_PAYLOAD_KEYS_FILE), ONBOARDING_QUICKR_BASE_URL,")
}

// A floor run started on the bench worker's queue completes with its no-op activities.
func TestBenchWorkerRunsTheFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal dev server")
	}
	p, c := proctest.LocalWorker(t, "bench-floor-test")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "bench-floor-1", TaskQueue: "bench-floor-test"}, floor.WorkflowType, floor.Input{})
	require.NoError(t, err)
	var res floor.Result
	require.NoError(t, run.Get(ctx, &res))
	require.Equal(t, floor.Activities, res.Activities)
	require.Equal(t, 0, p.Stop(t), p.Output())
}

// TestMain lets proctest run this binary's main in a child process.
func TestMain(m *testing.M) { proctest.Main(m, main) }
