package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/internal/gateway"
	"github.com/merchantflow/onboarding/internal/logging"
	"github.com/merchantflow/onboarding/providers/quickr"
	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/workflows"
)

// devServer is shared by every test of the package; each test uses its own task queue.
var devServer *testsuite.DevServer

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	bin := temporalCLI()
	if _, err := os.Stat(bin); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: the Temporal CLI is missing at %s; run `make tools` (or `make test`, which installs it)\n", bin)
		return 1
	}
	// StartDevServer registers each key of this set with its type; the values are unused.
	var keys []temporal.SearchAttributeUpdate
	for _, name := range workflows.SearchAttributeNames {
		keys = append(keys, temporal.NewSearchAttributeKeyKeyword(name).ValueSet(""))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	devServer, err = testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:     bin,
		LogLevel:         "error",
		SearchAttributes: temporal.NewSearchAttributes(keys...),
		ClientOptions:    &client.Options{Logger: logging.SDK(zap.NewNop())},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: start dev server: %v\n", err)
		return 1
	}
	defer devServer.Stop()
	return m.Run()
}

// temporalCLI is bin/temporal at the repository root.
func temporalCLI() string {
	_, file, _, _ := runtime.Caller(0)
	name := "temporal"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return filepath.Join(filepath.Dir(file), "..", "bin", name)
}

// stack is one test's sandbox, gateway and worker.
type stack struct {
	tc         client.Client
	taskQueue  string
	sandbox    *sandbox.Server
	sandboxURL string
}

func newStack(t *testing.T, sbCfg sandbox.Config) *stack {
	t.Helper()
	tc := devServer.Client()
	creds := sandbox.DefaultCredentials()
	sbCfg.Credentials = creds
	sb := sandbox.New(sbCfg)
	sbSrv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { sb.Close(); sbSrv.Close() })

	gw := gateway.New(gateway.Config{WebhookSecrets: [][]byte{[]byte(creds.WebhookSigningSecret)}}, tc, zap.NewNop())
	gwSrv := httptest.NewServer(gw.Handler())
	t.Cleanup(gwSrv.Close)

	tq := "e2e-" + t.Name()
	acts := &activities.Activities{
		Quickr: quickr.New(quickr.Config{
			BaseURL: sbSrv.URL + "/quickr/v2", AccountID: creds.QuickrAccountID, APIKey: creds.QuickrAPIKey, Timeout: 5 * time.Second,
		}, nil),
		QuickrCallbackURL: gwSrv.URL + "/webhooks/quickr",
	}
	w := worker.New(tc, tq, worker.Options{})
	workflows.Register(w, acts)
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(w.Stop)
	return &stack{tc: tc, taskQueue: tq, sandbox: sb, sandboxURL: sbSrv.URL}
}

// control POSTs to a sandbox control endpoint and fails the test on a non-2xx answer.
func (s *stack) control(t *testing.T, path string) {
	t.Helper()
	resp, err := http.Post(s.sandboxURL+path, "application/json", nil)
	if err != nil {
		t.Fatalf("sandbox control %s: %v", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("sandbox control %s: HTTP %d", path, resp.StatusCode)
	}
}
