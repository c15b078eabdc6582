package workflows_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"github.com/merchantflow/onboarding/workflows"
)

// frozenV0 are the histories recorded before OnboardMerchant was versioned (DefaultVersion).
// They are never re-recorded: they stand for onboardings started by that release, which must
// replay for as long as any of them may still be running.
var frozenV0 = []string{"auto_approve", "auto_decline", "manual_review", "expiry_with_renewal", "cancelled"}

// historyFiles lists every recorded history: testdata/histories/*.json and one level of
// version directories below it (v0/, v1/, ...).
func historyFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"*.json", filepath.Join("*", "*.json")} {
		m, err := filepath.Glob(filepath.Join("testdata", "histories", pattern))
		require.NoError(t, err)
		files = append(files, m...)
	}
	return files
}

// TestReplayRecordedHistories is the replay gate: every history recorded from a real dev
// server (make record-histories) must replay against the current workflow code. A change that
// alters the command sequence must go behind workflow.GetVersion to pass.
func TestReplayRecordedHistories(t *testing.T) {
	files := historyFiles(t)
	for _, name := range frozenV0 {
		require.Contains(t, files, filepath.Join("testdata", "histories", "v0", name+".json"), "the frozen v0 histories must stay")
	}
	for _, f := range files {
		rel, _ := filepath.Rel(filepath.Join("testdata", "histories"), f)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.RegisterWorkflows(r)
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
		})
	}
}
