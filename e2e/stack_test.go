package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/bankdata"
	"github.com/merchantflow/onboarding/internal/callback"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/gateway"
	"github.com/merchantflow/onboarding/internal/logging"
	"github.com/merchantflow/onboarding/internal/workerapp"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// devServer is shared by every test of the package; each test uses its own task queue.
var devServer *testsuite.DevServer

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	// The tests use the sandbox's credentials: they run in the local profile.
	if err := os.Setenv("ONBOARDING_PROFILE", "local"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	bin := temporalCLI()
	if _, err := os.Stat(bin); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: the Temporal CLI is missing at %s; run `make tools` (or `make test`, which installs it)\n", bin)
		return 1
	}
	// StartDevServer registers each key of this set with its type; the values are unused.
	var keys []temporal.SearchAttributeUpdate
	keys = append(keys, api.SearchAttributeExamples()...)
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
	gatewayURL string
	keys       *codec.Keyring // nil: payloads are not encrypted
}

// API tokens of every test gateway.
const (
	appToken   = "e2e-app-token-0123456789"
	agentToken = "e2e-agent-token-0123456789"
	agent2     = "e2e-agent2-token-0123456789"
	codecToken = "e2e-codec-token-0123456789"
)

// stackOption changes how newStack wires the stack.
type stackOption func(*stackSettings)

type stackSettings struct {
	encrypt        bool
	reconcileEvery time.Duration
}

// withReconciler starts the worker's Quickr reconciler with period every, as the worker
// binary does at boot.
func withReconciler(every time.Duration) stackOption {
	return func(s *stackSettings) { s.reconcileEvery = every }
}

// withPayloadEncryption gives the worker and the gateway a client that encrypts payloads, and
// the gateway a codec server, as in production.
func withPayloadEncryption() stackOption { return func(s *stackSettings) { s.encrypt = true } }

func newStack(t *testing.T, sbCfg sandbox.Config, opts ...stackOption) *stack {
	t.Helper()
	var set stackSettings
	for _, o := range opts {
		o(&set)
	}
	tc := devServer.Client()
	var keys *codec.Keyring
	if set.encrypt {
		spec, err := codec.GenerateSpec("e2e-1")
		require.NoError(t, err)
		keys, err = codec.ParseKeys(spec)
		require.NoError(t, err)
		tc, err = client.Dial(client.Options{HostPort: devServer.FrontendHostPort(), Logger: logging.SDK(zap.NewNop()), DataConverter: codec.DataConverter(keys)})
		require.NoError(t, err)
		t.Cleanup(tc.Close)
	}
	creds := sandbox.DefaultCredentials()
	tq := "e2e-" + t.Name()
	tokens, err := gateway.ParseTokens("app:e2e-app=" + appToken + ",agent:alice=" + agentToken + ",agent:bob=" + agent2)
	require.NoError(t, err)
	// The worker mints the providers' callback URLs and the gateway verifies them: one secret.
	callbackSecret := "e2e-callback-" + codec.NewKey()
	callbacks, err := callback.New([][]byte{[]byte(callbackSecret)})
	require.NoError(t, err)
	gwCfg := gateway.Config{Callbacks: callbacks, WebhookSecrets: [][]byte{[]byte(creds.WebhookSigningSecret)}, APITokens: tokens}
	if keys != nil {
		gwCfg.Codec = codec.Handler(keys, codec.HandlerOptions{Tokens: []string{codecToken}, AllowedOrigins: []string{"http://127.0.0.1:8233"}})
	}
	// The gateway stores the merchants' bank data where the worker reads it.
	bankKeys := keys
	if bankKeys == nil {
		spec, err := codec.GenerateSpec("e2e-bank")
		require.NoError(t, err)
		bankKeys, err = codec.ParseKeys(spec)
		require.NoError(t, err)
	}
	bank, err := bankdata.NewStore(t.TempDir(), bankKeys)
	require.NoError(t, err)
	gwCfg.BankData = bank
	gw := gateway.New(gwCfg, tc, engine.New(tc, "default", tq), zap.NewNop())
	gwSrv := httptest.NewServer(gw.Handler())
	t.Cleanup(gwSrv.Close)

	// The sandbox's app uploads bank data through the gateway (automatic mode).
	sbCfg.Credentials = creds
	sbCfg.AppAPIURL, sbCfg.AppToken = gwSrv.URL, appToken
	sb := sandbox.New(sbCfg)
	sbSrv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { sb.Close(); sbSrv.Close() })

	// Every setting but the addresses is the local profile's default, which is the sandbox's
	// (TestMain sets the profile for the whole package: parallel tests cannot t.Setenv).
	var p workerapp.Providers
	if err := config.Load(&p); err != nil {
		t.Fatalf("default provider config: %v", err)
	}
	p.Local(sbSrv.URL, gwSrv.URL)
	p.CallbackSecrets = []string{callbackSecret}
	p.ProviderTimeout = 5 * time.Second
	acts, err := p.Activities()
	if err != nil {
		t.Fatalf("activities: %v", err)
	}
	acts.BankData = bank
	w := workerapp.New(tc, tq, acts, worker.Options{})
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(w.Stop)
	if set.reconcileEvery > 0 {
		run, err := workerapp.StartReconciler(context.Background(), tc, tq, set.reconcileEvery)
		require.NoError(t, err)
		t.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), run.GetID(), run.GetRunID(), "test over") })
	}
	return &stack{tc: tc, taskQueue: tq, sandbox: sb, sandboxURL: sbSrv.URL, gatewayURL: gwSrv.URL, keys: keys}
}

// control POSTs body (may be empty) to a sandbox control endpoint and fails the test on a
// non-2xx answer.
func (s *stack) control(t *testing.T, path, body string) {
	t.Helper()
	resp, err := http.Post(s.sandboxURL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("sandbox control %s: %v", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("sandbox control %s: HTTP %d", path, resp.StatusCode)
	}
}

// uploadBankData plays the app: it uploads the sandbox's sample dataset of profile ("good"
// or "risky") for the onboarding through the gateway, and fails the test unless accepted.
func (s *stack) uploadBankData(t *testing.T, workflowID, profile string) {
	t.Helper()
	resp, err := http.Get(s.sandboxURL + "/control/app/bank-data/samples/" + profile)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, s.gatewayURL+"/v1/onboardings/"+workflowID+"/bank-data", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+appToken)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "bank data upload: %s", answer)
}

// completeIdentity plays the person: it takes the token of the onboarding's newest identity
// session from the app's inbox (as the app would hand it on) and completes the session
// with it. It waits for the notification.
func (s *stack) completeIdentity(t *testing.T, workflowID string) {
	t.Helper()
	var token string
	require.Eventually(t, func() bool {
		var inbox struct {
			Events []struct {
				Body struct {
					Type       string         `json:"type"`
					WorkflowID string         `json:"workflowId"`
					Data       map[string]any `json:"data"`
				} `json:"body"`
			} `json:"events"`
		}
		s.getJSON(t, "/control/inbox", &inbox)
		for _, e := range inbox.Events {
			if e.Body.WorkflowID == workflowID && e.Body.Type == api.NotifyIdentityVerification {
				token, _ = e.Body.Data["token"].(string)
			}
		}
		return token != ""
	}, 30*time.Second, 50*time.Millisecond, "no identity_verification_ready notification")
	resp, err := http.Post(s.sandboxURL+"/idv/person/"+token+"/complete", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

// caseDoc reads the case document through the sandbox's control endpoint.
func (s *stack) caseDoc(t *testing.T, ref string) map[string]any {
	t.Helper()
	var doc map[string]any
	s.getJSON(t, "/control/quickr/cases/"+ref, &doc)
	return doc
}

// inboxTypes lists the notification types the app inbox received for the onboarding.
func (s *stack) inboxTypes(t *testing.T, workflowID string) []string {
	t.Helper()
	types, err := s.inbox(workflowID)
	require.NoError(t, err)
	return types
}

func (s *stack) getJSON(t *testing.T, path string, out any) {
	t.Helper()
	resp, err := http.Get(s.sandboxURL + path)
	if err != nil {
		t.Fatalf("sandbox %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sandbox %s: HTTP %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("sandbox %s: %v", path, err)
	}
}

// clientUpdate is the decide update request for id.
func clientUpdate(id string, d api.Decision) client.UpdateWorkflowOptions {
	return client.UpdateWorkflowOptions{
		WorkflowID:   id,
		UpdateName:   api.UpdateDecide,
		Args:         []any{d},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
}

// history is every event of the run, in order.
func (s *stack) history(t *testing.T, ctx context.Context, workflowID, runID string) []*historypb.HistoryEvent {
	t.Helper()
	var events []*historypb.HistoryEvent
	it := s.tc.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		events = append(events, ev)
	}
	return events
}

// countEvents counts the events of each type.
func countEvents(events []*historypb.HistoryEvent) map[enumspb.EventType]int {
	n := map[enumspb.EventType]int{}
	for _, ev := range events {
		n[ev.GetEventType()]++
	}
	return n
}
