package stackrun_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/stackrun"
)

// TestSetPathSwapsTheExecutableBetweenRuns: a stopped process starts again from the new path,
// with its arguments and log, and the path cannot change while it runs.
func TestSetPathSwapsTheExecutableBetweenRuns(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	require.NoError(t, err)
	link := filepath.Join(t.TempDir(), "sleep") // same name: a multi-call binary dispatches on it
	require.NoError(t, os.Symlink(sleep, link))
	p := &stackrun.Proc{Name: "sleeper", Path: sleep, Args: []string{"60"}, LogPath: filepath.Join(t.TempDir(), "sleeper.log")}
	t.Cleanup(func() { _ = p.Kill() })

	require.NoError(t, p.Start(t.Context()))
	require.Error(t, p.SetPath(link), "the path of a running process")
	require.NoError(t, p.Kill())
	require.NoError(t, p.SetPath(link))
	require.NoError(t, p.Start(t.Context()))
	require.True(t, p.Running())

	log, err := os.ReadFile(p.LogPath)
	require.NoError(t, err)
	starts := strings.Split(strings.TrimSpace(string(log)), "\n")
	require.Len(t, starts, 2, "one banner per start: %s", log)
	require.Contains(t, starts[0], "("+sleep+")")
	require.Contains(t, starts[1], "("+link+")")
}
