package workflows_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/merchantflow/onboarding/workflows"
)

// Recorded histories live in testdata/histories/v<N>/, N being the "onboarding" version the
// run recorded (workflows/versions.go). make record-histories rewrites only the current
// version's directory; the older ones are frozen, because onboardings started on those
// versions may still be running and must replay for as long as they may.
var (
	// frozenV0 were recorded before OnboardMerchant was versioned (DefaultVersion).
	frozenV0 = []string{"auto_approve", "auto_decline", "manual_review", "expiry_with_renewal", "cancelled"}
	// frozenV1 were recorded at vLongLife, before the sparse waits.
	frozenV1 = []string{
		"auto_approve", "auto_decline", "manual_review", "expiry_with_renewal", "cancelled",
		"four_eyes_update", "decision_by_signal_refused", "extend_deadline", "review_reminders",
		"missing_evidence", "provider_blocked", "cancel_during_review",
	}
	// frozenV2 were recorded at vSparseWaits, before the provider contracts.
	frozenV2 = frozenV1
	// frozenV3 were recorded at vProviderContracts, before the local steps.
	frozenV3 = frozenV1
	// recordedV4 are the scenarios recorded at vLocalSteps (make record-histories).
	recordedV4 = frozenV1
)

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

// historyName is a history's path below testdata/histories, e.g. "v1/auto_approve.json".
func historyName(f string) string {
	rel, err := filepath.Rel(filepath.Join("testdata", "histories"), f)
	if err != nil {
		return f
	}
	return filepath.ToSlash(rel)
}

// requireHistories fails unless every named scenario has a history in dir.
func requireHistories(t *testing.T, files []string, dir string, names []string) {
	t.Helper()
	for _, name := range names {
		require.Contains(t, files, filepath.Join("testdata", "histories", dir, name+".json"),
			"missing %s/%s.json; run make record-histories (v0 is frozen: restore it from git)", dir, name)
	}
}

// TestReplayRecordedHistories is the replay gate: every history recorded from a real dev
// server (make record-histories) must replay against the current workflow code. A change that
// alters the command sequence must go behind workflow.GetVersion to pass.
func TestReplayRecordedHistories(t *testing.T) {
	files := historyFiles(t)
	requireHistories(t, files, "v0", frozenV0)
	requireHistories(t, files, "v1", frozenV1)
	requireHistories(t, files, "v2", frozenV2)
	requireHistories(t, files, "v3", frozenV3)
	requireHistories(t, files, "v4", recordedV4)
	for _, f := range files {
		t.Run(historyName(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			workflows.RegisterWorkflows(r)
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
		})
	}
}

func readHistory(t *testing.T, f string) *historypb.History {
	t.Helper()
	b, err := os.ReadFile(f)
	require.NoError(t, err)
	var h historypb.History
	require.NoError(t, protojson.Unmarshal(b, &h))
	require.NotEmpty(t, h.GetEvents())
	return &h
}

// onboardingVersion is the "onboarding" version the history recorded (DefaultVersion when
// it has no marker for that change).
func onboardingVersion(t *testing.T, h *historypb.History) workflow.Version {
	t.Helper()
	dc := converter.GetDefaultDataConverter()
	for _, ev := range h.GetEvents() {
		m := ev.GetMarkerRecordedEventAttributes()
		if m == nil || m.GetMarkerName() != "Version" {
			continue
		}
		var change string
		require.NoError(t, dc.FromPayloads(m.GetDetails()["change-id"], &change))
		if change == "onboarding" {
			var v workflow.Version
			require.NoError(t, dc.FromPayloads(m.GetDetails()["version"], &v))
			return v
		}
	}
	return workflow.DefaultVersion
}

// Each version directory holds only runs of that version: a v1 run in v0/ would leave the
// old code path without a history, and hide that it had none.
func TestRecordedHistoriesSitInTheirVersionDirectory(t *testing.T) {
	for _, f := range historyFiles(t) {
		dir := filepath.Base(filepath.Dir(f))
		if dir == "histories" {
			continue // unversioned: replayed, but no version to check
		}
		t.Run(historyName(f), func(t *testing.T) {
			n, err := strconv.Atoi(strings.TrimPrefix(dir, "v"))
			require.NoError(t, err, "history directory %q is not v<number>", dir)
			want := workflow.Version(n)
			if n == 0 {
				want = workflow.DefaultVersion
			}
			require.Equal(t, want, onboardingVersion(t, readHistory(t, f)))
		})
	}
}

// From vLongLife on, every timer a wait starts ends with it: fired, or cancelled when the
// wait ends otherwise. (v0 runs used the SDK's AwaitWithOptions, which leaves its timer
// running, so their histories are not checked.) At least one history must show a cancelled
// timer, or the check would prove nothing.
func TestRecordedHistoriesLeaveNoTimerRunning(t *testing.T) {
	var files []string
	for _, dir := range []string{"v1", "v2", "v3", "v4"} {
		m, err := filepath.Glob(filepath.Join("testdata", "histories", dir, "*.json"))
		require.NoError(t, err)
		files = append(files, m...)
	}
	require.NotEmpty(t, files)
	withCancel := 0
	for _, f := range files {
		n := map[enumspb.EventType]int{}
		for _, ev := range readHistory(t, f).GetEvents() {
			n[ev.GetEventType()]++
		}
		started, fired, cancelled := n[enumspb.EVENT_TYPE_TIMER_STARTED], n[enumspb.EVENT_TYPE_TIMER_FIRED], n[enumspb.EVENT_TYPE_TIMER_CANCELED]
		require.Equal(t, started, fired+cancelled, "%s: timers started %d, fired %d, cancelled %d", historyName(f), started, fired, cancelled)
		if cancelled > 0 {
			withCancel++
		}
	}
	require.Positive(t, withCancel, "no history cancels a timer: the check is vacuous")
}
