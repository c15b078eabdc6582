package stackrun

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFreePortsAreDistinct(t *testing.T) {
	ports, err := freeLowPorts(20)
	require.NoError(t, err)
	requireDistinctPorts(t, ports, 20, 20000, 32768)
}

// requireDistinctPorts checks that ports are n distinct ports in [from, to).
func requireDistinctPorts(t *testing.T, ports []int, n, from, to int) {
	t.Helper()
	require.Len(t, ports, n)
	seen := map[int]bool{}
	for _, p := range ports {
		require.False(t, seen[p], "port %d twice", p)
		seen[p] = true
		require.GreaterOrEqual(t, p, from)
		require.Less(t, p, to)
	}
}
