package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/bankdata"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/stackrun"
	"github.com/merchantflow/onboarding/internal/temporalx"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// env is where a phase runs: a stack the bench started, or a cluster it was pointed at
// (-address), where stack is nil and the process and server numbers come only from
// -worker-pid and -metrics-url when given.
type env struct {
	name       string
	stack      *stackrun.Stack
	c          client.Client
	tq         string
	metricsURL string
	namespace  string
	// workerPID lists the worker processes (two on the cluster profile: their usage adds up).
	workerPID func() []int
	serverPID func() []int
	// dc decodes the payloads the bench reads from histories (the stack's encryption).
	dc converter.DataConverter

	bankOnce   sync.Once
	bankUpload api.BankDataUpload
	bankErr    error
}

// bankData is the upload every onboarding of the stack gets: the sandbox's good sample, stored
// once in the stack's bank-data store (the same data is the same reference). Against a remote
// cluster the store is ONBOARDING_BANK_DATA_DIR with ONBOARDING_PAYLOAD_KEYS, the gateway's.
func (e *env) bankData(ctx context.Context) (api.BankDataUpload, error) {
	e.bankOnce.Do(func() {
		dir, keys := "", (*codec.Keyring)(nil)
		if e.stack != nil {
			dir, keys = e.stack.BankDataDir, e.stack.Keys
		} else {
			dir = os.Getenv("ONBOARDING_BANK_DATA_DIR")
			if spec := os.Getenv("ONBOARDING_PAYLOAD_KEYS"); spec != "" {
				keys, e.bankErr = codec.ParseKeys(spec)
			}
			if e.bankErr == nil && (dir == "" || keys == nil) {
				e.bankErr = errors.New("against a remote cluster, set ONBOARDING_BANK_DATA_DIR and ONBOARDING_PAYLOAD_KEYS to the gateway's, so the bench can hand its onboardings their bank data")
			}
		}
		if e.bankErr != nil {
			return
		}
		store, err := bankdata.NewStore(dir, keys)
		if err != nil {
			e.bankErr = err
			return
		}
		raw, err := sandbox.SampleBankData("good", time.Now())
		if err != nil {
			e.bankErr = err
			return
		}
		var d bankdata.Dataset
		if e.bankErr = json.Unmarshal(raw, &d); e.bankErr != nil {
			return
		}
		sum, err := store.Put(ctx, d)
		if err != nil {
			e.bankErr = err
			return
		}
		e.bankUpload = api.BankDataUpload{Ref: sum.Ref, Accounts: sum.Accounts, Transactions: sum.Transactions,
			From: sum.From, To: sum.To, Bytes: sum.Bytes, By: "bench"}
	})
	return e.bankUpload, e.bankErr
}

// stackOptions say how to start a stack for one phase.
type stackOptions struct {
	name    string // run directory name and label
	persist bool   // file-backed dev server
	delays  sandbox.Delays
	tuning  string // "engine" (the worker's defaults) or "sdk" (the Go SDK's)
	// cluster runs the cluster profile (Temporal Server on PostgreSQL, two workers, two
	// gateways) on databases of the stack's own instead of a dev server.
	cluster bool
}

// clusterPG is the PostgreSQL of the cluster profile (-profile cluster).
var clusterPG stackrun.Postgres

// engineWorkerEnv is extra ONBOARDING_WORKER_* settings for the "engine" tuning (-worker-env),
// to try other settings against the SDK's defaults.
var engineWorkerEnv []string

// workerEnv is the worker's environment for a tuning.
func workerEnv(tuning string) []string {
	if tuning == "sdk" {
		// Autoscaling off and every count zero: the Go SDK's own defaults.
		return []string{"ONBOARDING_WORKER_POLLER_AUTOSCALING=false", "ONBOARDING_WORKER_STICKY_CACHE_SIZE=0"}
	}
	return engineWorkerEnv
}

// startStack starts the stack under dir/<name>.
func startStack(ctx context.Context, bin stackrun.Binaries, dir string, o stackOptions) (*env, error) {
	d := filepath.Join(dir, o.name)
	if err := os.RemoveAll(d); err != nil {
		return nil, err
	}
	cfg := stackrun.Config{
		Bin:             bin,
		Dir:             d,
		PersistTemporal: o.persist,
		LogLevel:        "warn",
		Sandbox:         stackrun.SandboxConfig{Seed: 1, Delays: o.delays},
		ProcEnv:         map[string][]string{stackrun.ProcWorker: workerEnv(o.tuning)},
	}
	if o.cluster {
		cfg.Cluster = &stackrun.ClusterConfig{Postgres: clusterPG}
	}
	s, err := stackrun.Start(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.name, err)
	}
	c, err := s.Client(ctx)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	return &env{name: o.name, stack: s, c: c, tq: s.TaskQueue, metricsURL: s.MetricsURL, namespace: stackrun.Namespace,
		workerPID: func() []int { return pids(s.Workers) }, serverPID: func() []int { return pids([]*stackrun.Proc{s.Temporal}) },
		dc: codec.DataConverter(s.Keys)}, nil
}

// pids are the running processes' ids.
func pids(procs []*stackrun.Proc) []int {
	var out []int
	for _, p := range procs {
		if pid := p.PID(); pid != 0 {
			out = append(out, pid)
		}
	}
	return out
}

// external is a cluster the bench did not start.
type external struct {
	address, namespace, taskQueue, metricsURL string
	workerPID                                 int
}

// connect dials an external cluster with the binaries' own settings (ONBOARDING_TEMPORAL_*
// for TLS or an API key, ONBOARDING_PAYLOAD_KEYS for the worker's payload encryption); the
// flags give the address and namespace.
func connect(ctx context.Context, x external) (*env, error) {
	var cfg config.Temporal
	if err := config.Load(&cfg); err != nil {
		return nil, err
	}
	cfg.TemporalAddress, cfg.TemporalNamespace = x.address, x.namespace
	opts, err := temporalx.Options(cfg, zap.NewNop())
	if err != nil {
		return nil, err
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", x.address, err)
	}
	return &env{name: x.address, c: c, tq: x.taskQueue, metricsURL: x.metricsURL, namespace: x.namespace,
		workerPID: func() []int { return []int{x.workerPID} }, serverPID: func() []int { return nil }, dc: opts.DataConverter}, nil
}

func (e *env) close() {
	if e.stack != nil {
		_ = e.stack.Close()
		return
	}
	e.c.Close()
}

// usage reads the processes' usage, added up; zero for unknown pids (0).
func usage(pids func() []int) stackrun.Usage {
	var sum stackrun.Usage
	if pids == nil {
		return sum
	}
	for _, pid := range pids() {
		if pid == 0 {
			continue
		}
		u, _ := stackrun.ReadUsage(pid)
		sum.RSS += u.RSS
		sum.PeakRSS += u.PeakRSS
		sum.CPU += u.CPU
		sum.User += u.User
		sum.System += u.System
	}
	return sum
}

// counters reads the server's counters once they have settled: the server reports its
// metrics about once a second, so a read right after a batch can miss its last actions. It
// waits until two reads 1.5 s apart agree (at most 6 s).
func (e *env) counters(ctx context.Context) ServerCounters {
	if e.metricsURL == "" {
		return ServerCounters{Actions: map[string]float64{}, Requests: map[string]float64{}}
	}
	read := func() ServerCounters {
		c, err := scrapeCounters(ctx, e.metricsURL, e.namespace)
		if err != nil {
			logf("%s: %v", e.name, err)
		}
		return c
	}
	c := read()
	for range 4 {
		select {
		case <-ctx.Done():
			return c
		case <-time.After(1500 * time.Millisecond):
		}
		next := read()
		if next.ActionsTotal() == c.ActionsTotal() {
			return next
		}
		c = next
	}
	return c
}

// Usage is CPU and memory of the worker and the server over a span of time.
type Usage struct {
	Seconds        float64 `json:"seconds"`
	WorkerCPUSec   float64 `json:"workerCpuSeconds"`
	ServerCPUSec   float64 `json:"serverCpuSeconds"`
	WorkerPeakRSS  int64   `json:"workerPeakRssBytes"`
	WorkerRSSAtEnd int64   `json:"workerRssBytesAtEnd"`
	ServerPeakRSS  int64   `json:"serverPeakRssBytes"`
}

// meter samples the worker's and the server's usage until stop.
type meter struct {
	e        *env
	t0       time.Time
	w0, s0   stackrun.Usage
	mu       sync.Mutex
	wPeak    int64
	sPeak    int64
	stopOnce sync.Once
	done     chan struct{}
}

func startMeter(e *env) *meter {
	m := &meter{e: e, t0: time.Now(), done: make(chan struct{})}
	m.w0, m.s0 = usage(e.workerPID), usage(e.serverPID)
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.done:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *meter) sample() (stackrun.Usage, stackrun.Usage) {
	w, s := usage(m.e.workerPID), usage(m.e.serverPID)
	m.mu.Lock()
	m.wPeak = max(m.wPeak, w.RSS)
	m.sPeak = max(m.sPeak, s.RSS)
	m.mu.Unlock()
	return w, s
}

func (m *meter) stop() Usage {
	m.stopOnce.Do(func() { close(m.done) })
	w, s := m.sample()
	m.mu.Lock()
	defer m.mu.Unlock()
	return Usage{
		Seconds:        time.Since(m.t0).Seconds(),
		WorkerCPUSec:   (w.CPU - m.w0.CPU).Seconds(),
		ServerCPUSec:   (s.CPU - m.s0.CPU).Seconds(),
		WorkerPeakRSS:  m.wPeak,
		WorkerRSSAtEnd: w.RSS,
		ServerPeakRSS:  m.sPeak,
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
