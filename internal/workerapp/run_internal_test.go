package workerapp

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

func TestMetricsPortInUseNamesTheVariable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	_, _, err = serveMetrics(ln.Addr().String(), zap.NewNop())
	require.ErrorContains(t, err, "ONBOARDING_METRICS_ADDR")
}
