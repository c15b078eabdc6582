package stackrun

import (
	"context"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
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

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/logging"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// Process names, the keys of Config.ProcEnv and the log file names (<name>.log).
const (
	ProcTemporal = "temporal"
	ProcSandbox  = "sandbox"
	ProcWorker   = "worker"
	ProcGateway  = "gateway"
	ProcUI       = "temporal-ui"
)

// DevDynamicConfig is the dynamic config the engine gives the dev server (key=JSON value), as
// scripts/run-stack.sh does; the cluster profile and docker-compose.temporal.yml read the same
// settings from DynamicConfigPath (a test holds the three together). An activity the workflow
// schedules goes back to the same worker in the task's answer instead of through the matching
// service: one round trip fewer per wake-up.
var DevDynamicConfig = []string{"system.enableActivityEagerExecution=true"}

// Port names of Config.Ports besides the process names (ProcTemporal is the frontend's gRPC
// port, ProcSandbox, ProcUI, nth gateway: its HTTP port, nth worker: its metrics port).
const (
	PortTemporalHTTP    = "temporal-http"
	PortTemporalMetrics = "temporal-metrics"
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
	// TaskQueue of the worker; default api.TaskQueue.
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
	// Cluster, when set, runs the cluster profile: Temporal Server on PostgreSQL, several
	// workers and gateways (ClusterConfig).
	Cluster *ClusterConfig
	// Ports fixes ports by name (ProcTemporal, ProcSandbox, "gateway-2", ...; see
	// PortTemporalHTTP); the rest are free loopback ports.
	Ports map[string]int
	// PayloadKeys (an ONBOARDING_PAYLOAD_KEYS spec) and CallbackSecret replace the ones made
	// afresh for each stack, e.g. with `make run`'s .run/secrets.env.
	PayloadKeys, CallbackSecret string
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
	// WorkerMetricsURL is the (first) worker's own Prometheus endpoint.
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

	// GatewayURLs are every gateway's, GatewayURL the first; WorkerMetricsURLs likewise.
	GatewayURLs       []string
	WorkerMetricsURLs []string
	// UIURL is the Temporal UI's (cluster profile with ClusterConfig.UI), else empty.
	UIURL string

	// Worker and Gateway are the first of Workers and Gateways (the only ones on a dev
	// server stack). UI is nil unless the cluster profile runs it.
	Temporal, UI, Sandbox, Worker, Gateway *Proc
	Workers, Gateways                      []*Proc

	cluster     *ClusterConfig
	dropOnClose bool
	bin         Binaries

	mu     sync.Mutex
	client client.Client
}

// Start starts Temporal, the sandbox, the workers and the gateways in that order, each
// waited for until healthy. On failure it stops what it started. With cfg.Cluster it first
// creates and migrates the PostgreSQL databases and runs Temporal Server instead of the dev
// server (and, with ClusterConfig.UI, the Temporal UI after it).
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	if err := cfg.Bin.check(cfg.Cluster); err != nil {
		return nil, err
	}
	if cfg.TaskQueue == "" {
		cfg.TaskQueue = api.TaskQueue
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
	workers, gateways := 1, 1
	var cluster *ClusterConfig
	if cfg.Cluster != nil {
		c := *cfg.Cluster
		if err := c.defaults(); err != nil {
			return nil, err
		}
		cluster = &c
		workers, gateways = c.Workers, c.Gateways
	}
	// 0-2 Temporal gRPC, HTTP, metrics; 3 sandbox; 4 UI; then the cluster server's own seven;
	// then one per gateway and one per worker (metrics).
	ports, err := freePorts(12 + gateways + workers)
	if err != nil {
		return nil, err
	}
	portOf := func(name string, i int) int {
		if p := cfg.Ports[name]; p != 0 {
			return p
		}
		return ports[i]
	}
	const host = "127.0.0.1"
	addr := func(p int) string { return net.JoinHostPort(host, strconv.Itoa(p)) }
	s := &Stack{
		Dir:          cfg.Dir,
		TemporalAddr: addr(portOf(ProcTemporal, 0)),
		SandboxURL:   "http://" + addr(portOf(ProcSandbox, 3)),
		MetricsURL:   "http://" + addr(portOf(PortTemporalMetrics, 2)) + "/metrics",
		TaskQueue:    cfg.TaskQueue,
		cluster:      cluster,
		bin:          cfg.Bin,
	}
	gwPorts := make([]int, gateways)
	for i := range gateways {
		gwPorts[i] = portOf(nth(ProcGateway, i), 12+i)
		s.GatewayURLs = append(s.GatewayURLs, "http://"+addr(gwPorts[i]))
	}
	s.GatewayURL = s.GatewayURLs[0]
	metricsPorts := make([]int, workers)
	for i := range workers {
		metricsPorts[i] = portOf(nth(ProcWorker, i), 12+gateways+i)
		s.WorkerMetricsURLs = append(s.WorkerMetricsURLs, "http://"+addr(metricsPorts[i])+"/metrics")
	}
	s.WorkerMetricsURL = s.WorkerMetricsURLs[0]
	keySpec := cfg.PayloadKeys
	if keySpec == "" {
		if keySpec, err = codec.GenerateSpec("stackrun-1"); err != nil {
			return nil, err
		}
	}
	if s.Keys, err = codec.ParseKeys(keySpec); err != nil {
		return nil, err
	}
	s.AppToken, s.AgentToken = "stackrun-app-"+codec.NewKey(), "stackrun-agent-"+codec.NewKey()
	s.BankDataDir = filepath.Join(cfg.Dir, "bank-data")
	s.SecondAgentToken = "stackrun-agent-2-" + codec.NewKey()
	s.CallbackSecret = cfg.CallbackSecret
	if s.CallbackSecret == "" {
		s.CallbackSecret = "stackrun-callback-" + codec.NewKey()
	}
	base := baseEnv()
	procEnv := func(name, role string, wiring ...string) []string {
		env := append(append([]string{}, base...), wiring...)
		if role != ProcTemporal && role != ProcUI {
			// The stack runs against the sandbox: its credentials are the defaults.
			env = append(env, "ONBOARDING_PROFILE=local", "ONBOARDING_LOG_LEVEL="+cfg.LogLevel)
			env = append(env, cfg.Env...)
		}
		env = append(env, cfg.ProcEnv[role]...)
		if name != role {
			env = append(env, cfg.ProcEnv[name]...)
		}
		return env
	}
	logPath := func(name string) string { return filepath.Join(cfg.Dir, name+".log") }

	if cluster == nil {
		targs := []string{"server", "start-dev", "--ip", host, "--port", strconv.Itoa(portOf(ProcTemporal, 0)),
			"--http-port", strconv.Itoa(portOf(PortTemporalHTTP, 1)), "--metrics-port", strconv.Itoa(portOf(PortTemporalMetrics, 2)),
			"--headless", "--log-level", "warn"}
		for _, kv := range DevDynamicConfig {
			targs = append(targs, "--dynamic-config-value", kv)
		}
		if cfg.PersistTemporal {
			targs = append(targs, "--db-filename", filepath.Join(cfg.Dir, "temporal.db"))
		}
		for _, sa := range api.SearchAttributes {
			targs = append(targs, "--search-attribute", sa.GetName()+"="+api.SearchAttributeType(sa))
		}
		s.Temporal = &Proc{Name: ProcTemporal, Path: cfg.Bin.Temporal, Args: targs, Env: procEnv(ProcTemporal, ProcTemporal), LogPath: logPath(ProcTemporal),
			healthy: s.temporalHealthy}
	} else {
		if cluster.Database == "" {
			cluster.Database = newDatabaseName()
			s.dropOnClose = true
		}
		mctx, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
		err := s.migrate(mctx)
		cancel()
		if err != nil {
			if s.dropOnClose {
				_ = s.dropDatabases(context.Background())
			}
			return nil, err
		}
		// The server records each service's membership port as a SQL smallint: those must be
		// below 32768, where the kernel hands out no ephemeral ports.
		low, err := freeLowPorts(4)
		if err != nil {
			_ = s.Close()
			return nil, err
		}
		internal := clusterPorts{low[0], ports[6], low[1], ports[8], low[2], ports[10], low[3]}
		targs, err := s.writeClusterConfig(cfg.Dir, host, portOf(ProcTemporal, 0), portOf(PortTemporalHTTP, 1),
			portOf(PortTemporalMetrics, 2), internal, "warn")
		if err != nil {
			_ = s.Close()
			return nil, err
		}
		s.Temporal = &Proc{Name: ProcTemporal, Path: cfg.Bin.Server, Args: targs, Env: procEnv(ProcTemporal, ProcTemporal), LogPath: logPath(ProcTemporal),
			healthy: s.clusterReady}
		if cluster.UI {
			uiPort := portOf(ProcUI, 4)
			s.UIURL = "http://" + addr(uiPort)
			codecURL := ""
			if cluster.CodecToken != "" {
				codecURL = s.GatewayURL + "/codec/t/" + cluster.CodecToken
			}
			uargs, err := writeUIConfig(cfg.Dir, host, uiPort, s.TemporalAddr, codecURL)
			if err != nil {
				_ = s.Close()
				return nil, err
			}
			s.UI = &Proc{Name: ProcUI, Path: cfg.Bin.UI, Args: uargs, Env: procEnv(ProcUI, ProcUI), LogPath: logPath(ProcUI),
				healthy: httpHealthy(s.UIURL + "/")}
		}
	}

	d := cfg.Sandbox.Delays
	sbEnv := []string{
		"ONBOARDING_SANDBOX_ADDR=" + addr(portOf(ProcSandbox, 3)),
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
	if len(s.GatewayURLs) > 1 {
		// Several gateways stand for one load-balanced address: a webhook a dead gateway
		// cannot take is retried at the next.
		sbEnv = append(sbEnv, "ONBOARDING_SANDBOX_WEBHOOK_FAILOVER="+strings.Join(s.GatewayURLs, ","))
	}
	if cfg.Sandbox.Seed != 0 {
		sbEnv = append(sbEnv, "ONBOARDING_SANDBOX_SEED="+strconv.FormatUint(cfg.Sandbox.Seed, 10))
	}
	s.Sandbox = &Proc{Name: ProcSandbox, Path: cfg.Bin.Sandbox, Env: procEnv(ProcSandbox, ProcSandbox, sbEnv...), LogPath: logPath(ProcSandbox),
		healthy: httpHealthy(s.SandboxURL + "/control/health")}

	temporalEnv := []string{
		"ONBOARDING_TEMPORAL_ADDRESS=" + s.TemporalAddr,
		"ONBOARDING_TEMPORAL_NAMESPACE=" + Namespace,
		"ONBOARDING_TASK_QUEUE=" + cfg.TaskQueue,
		"ONBOARDING_PAYLOAD_KEYS=" + keySpec,
		// The workers mint the callback URLs and the gateways verify them: one secret.
		"ONBOARDING_CALLBACK_SECRETS=" + s.CallbackSecret,
		// The gateway stores the merchants' bank data where the worker reads it.
		"ONBOARDING_BANK_DATA_DIR=" + s.BankDataDir,
	}
	sb := s.SandboxURL
	for i := range workers {
		// Worker i mints callback URLs on gateway i (round robin), so the webhooks of a
		// cluster stack reach every gateway.
		gw := s.GatewayURLs[i%len(s.GatewayURLs)]
		workerEnv := append(append([]string{}, temporalEnv...),
			"ONBOARDING_QUICKR_BASE_URL="+sb+"/quickr/v2",
			"ONBOARDING_CREDITRO_BASE_URL="+sb+"/creditro",
			"ONBOARDING_IDV_BASE_URL="+sb+"/idv",
			"ONBOARDING_DEEPIDV_BASE_URL="+sb+"/deepidv",
			"ONBOARDING_OPENBANKING_BASE_URL="+sb+"/openbanking",
			"ONBOARDING_NOTIFY_URL="+sb+"/app/inbox",
			// Routes: each case and session gets <route>/<token>.
			"ONBOARDING_QUICKR_CALLBACK_URL="+gw+"/webhooks/quickr",
			"ONBOARDING_IDV_CALLBACK_URL="+gw+"/webhooks/idv",
			"ONBOARDING_METRICS_ADDR="+addr(metricsPorts[i]),
		)
		name := nth(ProcWorker, i)
		w := &Proc{Name: name, Path: cfg.Bin.Worker, Env: procEnv(name, ProcWorker, workerEnv...), LogPath: logPath(name)}
		w.healthy = s.workerPolling(w)
		s.Workers = append(s.Workers, w)
	}
	s.Worker = s.Workers[0]

	for i := range gateways {
		name := nth(ProcGateway, i)
		gwEnv := append(append([]string{}, temporalEnv...), "ONBOARDING_GATEWAY_ADDR="+addr(gwPorts[i]),
			"ONBOARDING_API_TOKENS=app:stackrun-app="+s.AppToken+",agent:stackrun-agent="+s.AgentToken+",agent:stackrun-agent-2="+s.SecondAgentToken)
		s.Gateways = append(s.Gateways, &Proc{Name: name, Path: cfg.Bin.Gateway, Env: procEnv(name, ProcGateway, gwEnv...), LogPath: logPath(name),
			healthy: httpHealthy(s.GatewayURLs[i] + "/healthz")})
	}
	s.Gateway = s.Gateways[0]

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

// nth names the i-th (from 0) process of a role: "worker", "worker-2", ...
func nth(role string, i int) string {
	if i == 0 {
		return role
	}
	return role + "-" + strconv.Itoa(i+1)
}

// Procs lists the processes in start order: Temporal (and the UI), sandbox, workers, gateways.
func (s *Stack) Procs() []*Proc {
	procs := []*Proc{s.Temporal}
	if s.UI != nil {
		procs = append(procs, s.UI)
	}
	procs = append(procs, s.Sandbox)
	procs = append(procs, s.Workers...)
	return append(procs, s.Gateways...)
}

// Cluster is the stack's cluster profile (its databases, PostgreSQL), nil for a dev server.
func (s *Stack) Cluster() *ClusterConfig { return s.cluster }

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
// stays; a cluster stack's databases too, unless the stack named them itself.
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
	if s.dropOnClose {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		errs = append(errs, s.dropDatabases(ctx))
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

// freeLowPorts reserves n distinct free loopback ports in [20000, 32768), picked at random.
func freeLowPorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			return nil, errors.New("stackrun: no free port below 32768")
		}
		p := 20000 + mathrand.IntN(32768-20000)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue
		}
		lns = append(lns, ln)
		ports = append(ports, p)
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
