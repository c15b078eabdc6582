package stackrun

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/logging"
	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/workflows"
)

// Process names, the keys of Config.ProcEnv and the log file names (<name>.log).
const (
	ProcTemporal = "temporal"
	ProcSandbox  = "sandbox"
	ProcWorker   = "worker"
	ProcGateway  = "gateway"
)

// Namespace is the dev server's namespace the stack uses.
const Namespace = "default"

// Config says what to run and how.
type Config struct {
	Bin Binaries
	// Dir holds the logs (<process>.log) and, with PersistTemporal, temporal.db. Empty means
	// a new temporary directory, which Close leaves in place for reading the logs.
	Dir string
	// PersistTemporal backs the dev server with a SQLite file in Dir (--db-filename), so a
	// stopped or killed server restarts with its workflows. Otherwise state is in memory.
	PersistTemporal bool
	// TaskQueue of the worker; default workflows.TaskQueue.
	TaskQueue string
	Sandbox   SandboxConfig
	// LogLevel of sandbox, worker and gateway (ONBOARDING_LOG_LEVEL); default "info".
	LogLevel string
	// Env is extra KEY=VALUE settings for sandbox, worker and gateway, after the wiring, so
	// it can override it (e.g. ONBOARDING_PAYLOAD_KEYS, ONBOARDING_PROVIDER_TIMEOUT).
	Env []string
	// ProcEnv is extra KEY=VALUE settings per process name (ProcWorker, ...), applied after
	// Env (e.g. worker tuning for the bench).
	ProcEnv map[string][]string
	// StartTimeout bounds the start of each process until healthy; default 2 minutes.
	StartTimeout time.Duration
}

// SandboxConfig is how the sandbox plays the humans and providers. The zero value is auto
// mode with every delay zero (steps happen at once), the fastest loop for chaos and bench.
type SandboxConfig struct {
	// Manual turns auto mode off: only control endpoints drive the human steps.
	Manual bool
	// Delays of the automatic steps; Checks also applies in manual mode.
	Delays sandbox.Delays
	// Seed of fault injection and ids; 0 means the sandbox's own (the clock).
	Seed uint64
}

// Stack is a running stack. Its fields are fixed for its life: a restarted process keeps
// its ports.
type Stack struct {
	Dir          string
	TemporalAddr string // host:port of the frontend gRPC
	SandboxURL   string // http://host:port
	GatewayURL   string
	// MetricsURL is the dev server's Prometheus endpoint (http://host:port/metrics); the bench
	// reads Temporal's own "action" counter from it.
	MetricsURL string
	// WorkerMetricsURL is the worker's own Prometheus endpoint.
	WorkerMetricsURL string
	TaskQueue        string
	// Keys encrypt payloads, as in production: the worker and the gateway get them in
	// ONBOARDING_PAYLOAD_KEYS, and Client/Dial use them. Made afresh for each stack.
	Keys *codec.Keyring
	// BankDataDir is where the gateway stores the merchants' bank data and the worker reads it.
	BankDataDir string
	// AppToken and AgentToken are bearer tokens the gateway accepts (roles app and agent);
	// SecondAgentToken is another agent's (stackrun-agent-2), for the four-eyes rule.
	AppToken, AgentToken, SecondAgentToken string
	// CallbackSecret mints (worker) and verifies (gateway) the callback URLs' tokens; made
	// afresh for each stack and given to both in ONBOARDING_CALLBACK_SECRETS.
	CallbackSecret string

	Temporal, Sandbox, Worker, Gateway *Proc

	mu     sync.Mutex
	client client.Client
}

// Start starts Temporal, the sandbox, the worker and the gateway in that order, each waited
// for until healthy. On failure it stops what it started.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	if err := cfg.Bin.Check(); err != nil {
		return nil, err
	}
	if cfg.TaskQueue == "" {
		cfg.TaskQueue = workflows.TaskQueue
	}
	if cfg.LogLevel == "" {
		cfg.LogLevel = "info"
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 2 * time.Minute
	}
	if cfg.Dir == "" {
		d, err := os.MkdirTemp("", "stackrun-")
		if err != nil {
			return nil, fmt.Errorf("stackrun: run dir: %w", err)
		}
		cfg.Dir = d
	} else if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("stackrun: run dir: %w", err)
	}
	ports, err := freePorts(6)
	if err != nil {
		return nil, err
	}
	const host = "127.0.0.1"
	addr := func(p int) string { return net.JoinHostPort(host, strconv.Itoa(p)) }
	s := &Stack{
		Dir:          cfg.Dir,
		TemporalAddr: addr(ports[0]),
		SandboxURL:   "http://" + addr(ports[3]),
		GatewayURL:   "http://" + addr(ports[4]),
		MetricsURL:   "http://" + addr(ports[2]) + "/metrics",
		TaskQueue:    cfg.TaskQueue,
	}
	s.WorkerMetricsURL = "http://" + addr(ports[5]) + "/metrics"
	keySpec, err := codec.GenerateSpec("stackrun-1")
	if err != nil {
		return nil, err
	}
	if s.Keys, err = codec.ParseKeys(keySpec); err != nil {
		return nil, err
	}
	s.AppToken, s.AgentToken = "stackrun-app-"+codec.NewKey(), "stackrun-agent-"+codec.NewKey()
	s.BankDataDir = filepath.Join(cfg.Dir, "bank-data")
	s.SecondAgentToken = "stackrun-agent-2-" + codec.NewKey()
	s.CallbackSecret = "stackrun-callback-" + codec.NewKey()
	base := baseEnv()
	procEnv := func(name string, wiring ...string) []string {
		env := append(append([]string{}, base...), wiring...)
		if name != ProcTemporal {
			// The stack runs against the sandbox: its credentials are the defaults.
			env = append(env, "ONBOARDING_PROFILE=local", "ONBOARDING_LOG_LEVEL="+cfg.LogLevel)
			env = append(env, cfg.Env...)
		}
		return append(env, cfg.ProcEnv[name]...)
	}
	logPath := func(name string) string { return filepath.Join(cfg.Dir, name+".log") }

	targs := []string{"server", "start-dev", "--ip", host, "--port", strconv.Itoa(ports[0]),
		"--http-port", strconv.Itoa(ports[1]), "--metrics-port", strconv.Itoa(ports[2]),
		"--headless", "--log-level", "warn",
		// An activity the workflow schedules goes back to the same worker in the task's
		// answer instead of through the matching service: one round trip fewer per wake-up.
		"--dynamic-config-value", "system.enableActivityEagerExecution=true"}
	if cfg.PersistTemporal {
		targs = append(targs, "--db-filename", filepath.Join(cfg.Dir, "temporal.db"))
	}
	for _, sa := range workflows.SearchAttributes {
		targs = append(targs, "--search-attribute", sa.GetName()+"="+workflows.SearchAttributeType(sa))
	}
	s.Temporal = &Proc{Name: ProcTemporal, Path: cfg.Bin.Temporal, Args: targs, Env: procEnv(ProcTemporal), LogPath: logPath(ProcTemporal),
		healthy: s.temporalHealthy}

	d := cfg.Sandbox.Delays
	sbEnv := []string{
		"ONBOARDING_SANDBOX_ADDR=" + addr(ports[3]),
		"ONBOARDING_SANDBOX_AUTO=" + strconv.FormatBool(!cfg.Sandbox.Manual),
		"ONBOARDING_SANDBOX_DECLARE_DELAY=" + d.Declare.String(),
		"ONBOARDING_SANDBOX_SIGN_DELAY=" + d.Sign.String(),
		"ONBOARDING_SANDBOX_IDV_DELAY=" + d.IDV.String(),
		"ONBOARDING_SANDBOX_ANALYSIS_DELAY=" + d.Analysis.String(),
		"ONBOARDING_SANDBOX_CREDIT_TERMS_DELAY=" + d.CreditTerms.String(),
		"ONBOARDING_SANDBOX_CHECKS_DELAY=" + d.Checks.String(),
		// The sandbox's app uploads the merchants' bank data through the gateway.
		"ONBOARDING_SANDBOX_APP_API_URL=" + s.GatewayURL,
		"ONBOARDING_SANDBOX_APP_TOKEN=" + s.AppToken,
	}
	if cfg.Sandbox.Seed != 0 {
		sbEnv = append(sbEnv, "ONBOARDING_SANDBOX_SEED="+strconv.FormatUint(cfg.Sandbox.Seed, 10))
	}
	s.Sandbox = &Proc{Name: ProcSandbox, Path: cfg.Bin.Sandbox, Env: procEnv(ProcSandbox, sbEnv...), LogPath: logPath(ProcSandbox),
		healthy: httpHealthy(s.SandboxURL + "/control/health")}

	temporalEnv := []string{
		"ONBOARDING_TEMPORAL_ADDRESS=" + s.TemporalAddr,
		"ONBOARDING_TEMPORAL_NAMESPACE=" + Namespace,
		"ONBOARDING_TASK_QUEUE=" + cfg.TaskQueue,
		"ONBOARDING_PAYLOAD_KEYS=" + keySpec,
		// The worker mints the callback URLs and the gateway verifies them: one secret.
		"ONBOARDING_CALLBACK_SECRETS=" + s.CallbackSecret,
		// The gateway stores the merchants' bank data where the worker reads it.
		"ONBOARDING_BANK_DATA_DIR=" + s.BankDataDir,
	}
	sb := s.SandboxURL
	workerEnv := append(append([]string{}, temporalEnv...),
		"ONBOARDING_QUICKR_BASE_URL="+sb+"/quickr/v2",
		"ONBOARDING_CREDITRO_BASE_URL="+sb+"/creditro",
		"ONBOARDING_IDV_BASE_URL="+sb+"/idv",
		"ONBOARDING_DEEPIDV_BASE_URL="+sb+"/deepidv",
		"ONBOARDING_OPENBANKING_BASE_URL="+sb+"/openbanking",
		"ONBOARDING_NOTIFY_URL="+sb+"/app/inbox",
		// Routes: each case and session gets <route>/<token>.
		"ONBOARDING_QUICKR_CALLBACK_URL="+s.GatewayURL+"/webhooks/quickr",
		"ONBOARDING_IDV_CALLBACK_URL="+s.GatewayURL+"/webhooks/idv",
		"ONBOARDING_METRICS_ADDR="+addr(ports[5]),
	)
	s.Worker = &Proc{Name: ProcWorker, Path: cfg.Bin.Worker, Env: procEnv(ProcWorker, workerEnv...), LogPath: logPath(ProcWorker)}
	s.Worker.healthy = s.workerPolling(s.Worker)

	gwEnv := append(append([]string{}, temporalEnv...), "ONBOARDING_GATEWAY_ADDR="+addr(ports[4]),
		"ONBOARDING_API_TOKENS=app:stackrun-app="+s.AppToken+",agent:stackrun-agent="+s.AgentToken+",agent:stackrun-agent-2="+s.SecondAgentToken)
	s.Gateway = &Proc{Name: ProcGateway, Path: cfg.Bin.Gateway, Env: procEnv(ProcGateway, gwEnv...), LogPath: logPath(ProcGateway),
		healthy: httpHealthy(s.GatewayURL + "/healthz")}

	for _, p := range s.Procs() {
		sctx, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
		err := p.Start(sctx)
		cancel()
		if err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Procs lists the processes in start order: Temporal, sandbox, worker, gateway.
func (s *Stack) Procs() []*Proc { return []*Proc{s.Temporal, s.Sandbox, s.Worker, s.Gateway} }

// Proc returns the process called name (ProcWorker, ...), or nil.
func (s *Stack) Proc(name string) *Proc {
	for _, p := range s.Procs() {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Close stops every process in reverse start order and closes the client. The run directory
// stays.
func (s *Stack) Close() error {
	s.mu.Lock()
	if s.client != nil {
		s.client.Close()
		s.client = nil
	}
	s.mu.Unlock()
	var errs []error
	procs := s.Procs()
	for i := len(procs) - 1; i >= 0; i-- {
		if procs[i] != nil {
			errs = append(errs, procs[i].Stop())
		}
	}
	return errors.Join(errs...)
}

// Client returns the stack's Temporal client, dialled on first use and closed by Close. It
// reconnects by itself after a restart of the dev server.
func (s *Stack) Client(ctx context.Context) (client.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return s.client, nil
	}
	c, err := s.Dial(ctx, client.Options{})
	if err != nil {
		return nil, err
	}
	s.client = c
	return c, nil
}

// Dial connects a new client to the stack's Temporal with opts (HostPort, Namespace and a
// silent Logger and the stack's encrypting data converter filled in when unset); the caller
// closes it.
func (s *Stack) Dial(ctx context.Context, opts client.Options) (client.Client, error) {
	if opts.HostPort == "" {
		opts.HostPort = s.TemporalAddr
	}
	if opts.Namespace == "" {
		opts.Namespace = Namespace
	}
	if opts.Logger == nil {
		opts.Logger = logging.SDK(zap.NewNop())
	}
	if opts.DataConverter == nil && s.Keys != nil {
		opts.DataConverter = codec.DataConverter(s.Keys)
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("stackrun: dial Temporal at %s: %w", opts.HostPort, err)
	}
	return c, nil
}

// temporalHealthy checks that the frontend answers and the namespace exists.
func (s *Stack) temporalHealthy(ctx context.Context) error {
	c, err := s.Dial(ctx, client.Options{})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: Namespace})
	return err
}

// workerPolling checks that this run of the worker (identified by the SDK's default
// identity, "<pid>@<host>") polls the task queue for workflow and activity tasks.
func (s *Stack) workerPolling(p *Proc) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		c, err := s.Client(ctx)
		if err != nil {
			return err
		}
		prefix := strconv.Itoa(p.PID()) + "@"
		for _, tqType := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
			resp, err := c.DescribeTaskQueue(ctx, s.TaskQueue, tqType)
			if err != nil {
				return err
			}
			found := false
			for _, poller := range resp.GetPollers() {
				if strings.HasPrefix(poller.GetIdentity(), prefix) {
					found = true
				}
			}
			if !found {
				return fmt.Errorf("no %s poller with identity %s* on %s", tqType, prefix, s.TaskQueue)
			}
		}
		return nil
	}
}

// httpHealthy checks that GET url answers 200.
func httpHealthy(url string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
		}
		return nil
	}
}

// freePorts reserves n distinct free loopback ports. They are released before the processes
// bind them, so another program could take one in between; on loopback that is rare.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("stackrun: free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// baseEnv is the harness's environment without ONBOARDING_* and TEMPORAL_* settings, so a
// developer's shell cannot rewire the stack.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ONBOARDING_") || strings.HasPrefix(kv, "TEMPORAL_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}
