package stackrun

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/codec"
)

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
	// then one per gateway and one per worker (metrics). All below 32768, where the kernel
	// hands out no ephemeral ports: a port released here and bound by a process moments later
	// cannot meanwhile become the local end of some outgoing connection (the cluster's server
	// also records its membership ports as a SQL smallint).
	ports, err := freeLowPorts(12 + gateways + workers)
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
		internal := clusterPorts{ports[5], ports[6], ports[7], ports[8], ports[9], ports[10], ports[11]}
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
