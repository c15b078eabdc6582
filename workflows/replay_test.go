package workflows_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/merchantflow/onboarding/workflows"
)

// TestReplayRecordedHistories is the replay gate: every history recorded from a real dev
// server (make record-histories) must replay against the current workflow code. A change that
// alters the command sequence must go behind workflow.GetVersion to pass.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 3, "expected the recorded histories (auto-approve, manual review, expiry with renewal); run make record-histories")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.RegisterWorkflows(r)
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
		})
	}
}
