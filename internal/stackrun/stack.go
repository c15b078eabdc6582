package stackrun

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/merchantflow/onboarding/internal/codec"
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
