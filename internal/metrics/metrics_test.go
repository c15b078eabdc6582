package metrics_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/internal/metrics"
)

// stageWorkflow emits engine metrics the way the onboarding workflow does.
func stageWorkflow(ctx workflow.Context) error {
	h := workflow.GetMetricsHandler(ctx)
	h.WithTags(map[string]string{"country": "NO"}).Counter("onboarding_started").Inc(1)
	h.WithTags(map[string]string{"stage": "AWAITING_DECLARATION"}).Timer("onboarding_stage_duration").Record(3 * 24 * time.Hour)
	return nil
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + metrics.Path)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func TestScrapeShowsEngineAndSDKMetrics(t *testing.T) {
	handler, h, closer, err := metrics.New()
	require.NoError(t, err)
	defer closer.Close()

	// Engine metrics through a workflow's handler, as the onboarding workflow emits them.
	var s testsuite.WorkflowTestSuite
	s.SetMetricsHandler(handler)
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(stageWorkflow)
	env.ExecuteWorkflow(stageWorkflow)
	require.NoError(t, env.GetWorkflowError())

	// SDK request metrics from a client call (to a port nothing listens on: it fails, and
	// is counted all the same).
	c, err := client.NewLazyClient(client.Options{HostPort: closedAddr(t), MetricsHandler: handler})
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
	require.Error(t, err)

	body := scrape(t, h)
	for _, want := range []string{
		`onboarding_started_total{country="NO"`,
		// Three days land in the stage buckets' 3-day bucket, not the 2-day one.
		`onboarding_stage_duration_seconds_bucket{stage="AWAITING_DECLARATION",le="172800"} 0`,
		`onboarding_stage_duration_seconds_bucket{stage="AWAITING_DECLARATION",le="259200"} 1`,
		`temporal_request_total{`,
		// SDK latencies get the millisecond buckets.
		`temporal_request_latency_seconds_bucket{activity_type="none",client_name="temporal_go",namespace="_unknown_",operation="GetSystemInfo",task_queue="none",worker_type="none",workflow_type="none",le="0.001"}`,
		"go_goroutines",
	} {
		require.True(t, strings.Contains(body, want), "the scrape lacks %s", want)
	}
}
