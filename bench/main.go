package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/merchantflow/onboarding/internal/stackrun"
)

// Phases, in the order they run; -only picks some.
var allPhases = []string{"throughput", "waiting", "burst", "parked"}

// Results is everything one `make bench` measured; it is what -json writes.
type Results struct {
	StartedAt time.Time `json:"startedAt"`
	Machine   Machine   `json:"machine"`
	Flags     Flags     `json:"flags"`

	Throughput []*Throughput `json:"throughput,omitempty"`
	Waiting    *Waiting      `json:"waiting,omitempty"`
	Burst      []*Burst      `json:"burst,omitempty"`
	Parked     *Parked       `json:"parked,omitempty"`
	// ParkedCluster is the parked phase on the cluster profile (-profile cluster).
	ParkedCluster *ParkedCluster `json:"parkedCluster,omitempty"`
	// Summary holds the goal numbers under stable keys (summary.go); a key whose phase did
	// not run is absent.
	Summary map[string]float64 `json:"summary"`
	Errors  []string           `json:"errors,omitempty"`
}

// Flags are the run's settings.
type Flags struct {
	N        int      `json:"n"`
	Parked   int      `json:"parked"`
	ParkedF  int      `json:"parkedFile"`
	BurstN   int      `json:"burst"`
	Only     []string `json:"only"`
	Profile  string   `json:"profile"`
	ParkedC  int      `json:"parkedCluster,omitempty"`
	Variants []string `json:"variants"`
	WaitSpan string   `json:"waitSpan"`
	IdleSpan string   `json:"idleSpan"`
}

// Machine is where the bench ran.
type Machine struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpuModel"`
	MemTotal string `json:"memTotal"`
	GoOS     string `json:"goos"`
	Go       string `json:"go"`
}

func main() {
	var (
		n        = flag.Int("n", 300, "onboardings (and floor runs) in the throughput batch")
		parked   = flag.Int("parked", 10000, "onboardings parked at the declaration on the in-memory server (idle CPU, RSS)")
		parkedF  = flag.Int("parked-file", 1000, "onboardings parked on the file-backed server (database bytes per onboarding)")
		parkRate = flag.Float64("park-rate", 25, "starts per second while parking on the in-memory server")
		fileRate = flag.Float64("park-rate-file", 8, "starts per second while parking on the file-backed server")
		burst    = flag.Int("burst", 500, "onboardings parked, then declared at once, for the burst phase")
		jsonPath = flag.String("json", "", "where to write the results (default bench-results/<timestamp>.json)")
		only     = flag.String("only", strings.Join(allPhases, ","), "phases to run: "+strings.Join(allPhases, ","))
		variants = flag.String("variants", "memory,file", "dev server variants of the throughput phase: memory (in-memory SQLite), file (SQLite file); -profile cluster adds cluster")
		profile  = flag.String("profile", "dev", "dev: the dev server only; cluster: also Temporal Server on PostgreSQL (two workers, two gateways) in the throughput, burst (engine settings) and parked phases, beside the dev server's numbers")
		parkedC  = flag.Int("parked-cluster", 2000, "with -profile cluster: onboardings parked on the cluster (idle CPU, RSS, database bytes per onboarding from pg_database_size)")
		rateC    = flag.Float64("park-rate-cluster", 25, "with -profile cluster: starts per second while parking on the cluster")
		par      = flag.Int("concurrency", 32, "workflow starts in flight at once")
		waitSpan = flag.Duration("wait-span", time.Minute, "real time each long wait is scaled into (waiting phase)")
		idleSpan = flag.Duration("idle-span", 30*time.Second, "how long the parked onboardings are watched idle")
		binDir   = flag.String("bin", "", "directory with temporal, sandbox, benchworker and gateway (default <repo>/bin)")
		tunings  = flag.String("tunings", "sdk,engine,dropped", "burst variants: sdk (Go SDK defaults), engine (ONBOARDING_WORKER_* defaults), dropped (engine defaults, every Quickr webhook dropped: the reconciler moves them)")
		wenv     = flag.String("worker-env", "", "extra comma-separated ONBOARDING_WORKER_*=value settings for the engine-tuned worker (to try other settings)")
		// An existing cluster instead of a stack of the bench's own (throughput only).
		address    = flag.String("address", "", "host:port of an existing Temporal frontend: run the throughput phase there, against a benchworker (bin/worker does not run the floor), gateway and auto-mode sandbox you started")
		namespace  = flag.String("namespace", "default", "with -address: namespace")
		taskQueue  = flag.String("task-queue", "onboarding", "with -address: the worker's task queue")
		metricsURL = flag.String("metrics-url", "", "with -address: the server's Prometheus endpoint, for its action counter (optional)")
		workerPID  = flag.Int("worker-pid", 0, "with -address: pid of a local worker, for its CPU and RSS (optional)")
	)
	flag.Parse()
	phases := strings.Split(*only, ",")
	for _, p := range phases {
		if !slices.Contains(allPhases, p) {
			fmt.Fprintf(os.Stderr, "bench: unknown phase %q (want %s)\n", p, strings.Join(allPhases, ","))
			os.Exit(2)
		}
	}
	if *wenv != "" {
		engineWorkerEnv = strings.Split(*wenv, ",")
	}
	vars := strings.Split(*variants, ",")
	if *profile != "dev" && *profile != "cluster" {
		fmt.Fprintf(os.Stderr, "bench: -profile must be dev or cluster, got %q\n", *profile)
		os.Exit(2)
	}
	cluster := *profile == "cluster"
	if cluster && !slices.Contains(vars, variantCluster) {
		vars = append(vars, variantCluster)
	}
	for _, v := range vars {
		if v != "memory" && v != "file" && v != variantCluster {
			fmt.Fprintf(os.Stderr, "bench: unknown variant %q (want memory, file, cluster)\n", v)
			os.Exit(2)
		}
		if v == variantCluster {
			cluster = true
		}
	}
	if *address != "" && *only != "throughput" {
		if *only != strings.Join(allPhases, ",") {
			fmt.Fprintln(os.Stderr, "bench: with -address only the throughput phase runs")
			os.Exit(2)
		}
		phases = []string{"throughput"}
	}
	root, err := stackrun.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if *binDir == "" {
		*binDir = filepath.Join(root, "bin")
	}
	bin := stackrun.BinariesIn(*binDir)
	// The bench's worker is bin/worker plus the floor workflow (bench/benchworker), so the
	// onboardings and the floor runs share one worker process configured as production's.
	bin.Worker = filepath.Join(*binDir, "benchworker")
	if _, err := os.Stat(bin.Worker); err != nil && *address == "" {
		fmt.Fprintf(os.Stderr, "bench: %s is missing (make bench builds it: go build -o bin/ ./bench/benchworker)\n", bin.Worker)
		os.Exit(1)
	}
	if err := bin.Check(); err != nil && *address == "" {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cluster {
		if clusterPG, err = stackrun.EnsurePostgres(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "bench: the cluster profile needs PostgreSQL:", err)
			os.Exit(1)
		}
		for _, p := range []string{bin.Server, bin.SQLTool} {
			if _, err := os.Stat(p); err != nil {
				fmt.Fprintf(os.Stderr, "bench: %s is missing (make cluster-tools)\n", p)
				os.Exit(1)
			}
		}
		logf("cluster profile: Temporal Server %s on PostgreSQL %s at %s, %d history shards, two workers, two gateways", stackrun.ServerVersion, clusterPG.Version, clusterPG.Addr(), stackrun.DefaultShards)
	}
	started := time.Now()
	if *jsonPath == "" {
		*jsonPath = filepath.Join(root, "bench-results", started.Format("20060102-150405")+".json")
	}
	runDir := filepath.Join(root, "bench-results", "run-"+started.Format("20060102-150405"))

	r := &Results{
		StartedAt: started,
		Machine:   machine(),
		Flags: Flags{N: *n, Parked: *parked, ParkedF: *parkedF, BurstN: *burst, Only: phases, Variants: vars,
			WaitSpan: waitSpan.String(), IdleSpan: idleSpan.String(), Profile: *profile, ParkedC: *parkedC},
	}
	fail := func(phase string, err error) {
		logf("%s: %v", phase, err)
		r.Errors = append(r.Errors, phase+": "+err.Error())
	}
	has := func(p string) bool { return slices.Contains(phases, p) }

	if has("throughput") && *address != "" {
		x := external{address: *address, namespace: *namespace, taskQueue: *taskQueue, metricsURL: *metricsURL, workerPID: *workerPID}
		t, err := externalThroughput(ctx, x, *n, *par)
		if err != nil {
			fail("throughput/"+*address, err)
		} else {
			r.Throughput = append(r.Throughput, t)
		}
	} else if has("throughput") {
		for _, v := range vars {
			t, err := throughputPhase(ctx, bin, runDir, v, *n, *par)
			if err != nil {
				fail("throughput/"+v, err)
				continue
			}
			r.Throughput = append(r.Throughput, t)
		}
	}
	if has("waiting") {
		w, err := waitingPhase(ctx, bin, runDir, *waitSpan, prompt(r))
		if err != nil {
			fail("waiting", err)
		}
		r.Waiting = w
	}
	if has("burst") {
		for _, tuning := range strings.Split(*tunings, ",") {
			b, err := burstPhase(ctx, bin, runDir, tuning, *burst, *par, false)
			if err != nil {
				fail("burst/"+tuning, err)
				continue
			}
			r.Burst = append(r.Burst, b)
		}
		if cluster {
			b, err := burstPhase(ctx, bin, runDir, "engine", *burst, *par, true)
			if err != nil {
				fail("burst/cluster", err)
			} else {
				r.Burst = append(r.Burst, b)
			}
		}
	}
	if has("parked") {
		p, err := parkedPhase(ctx, bin, runDir, *parked, *parkedF, *parkRate, *fileRate, *idleSpan)
		if err != nil {
			fail("parked", err)
		}
		r.Parked = p
		if cluster && *parkedC > 0 {
			c, err := parkedCluster(ctx, bin, runDir, *parkedC, *rateC, *idleSpan)
			if err != nil {
				fail("parked/cluster", err)
			}
			r.ParkedCluster = c
		}
	}

	r.Summary = summary(r)
	printTable(os.Stdout, r)
	printGoals(os.Stdout, r.Summary)
	if err := os.MkdirAll(filepath.Dir(*jsonPath), 0o755); err == nil {
		b, _ := json.MarshalIndent(r, "", "  ")
		latest := filepath.Join(root, "bench-results", "latest.json")
		if err := os.WriteFile(*jsonPath, append(b, '\n'), 0o644); err != nil {
			logf("write %s: %v", *jsonPath, err)
		} else if err := os.WriteFile(latest, append(b, '\n'), 0o644); err != nil {
			logf("write %s: %v", latest, err)
		} else {
			fmt.Printf("\nresults: %s (logs: %s), %s in all\n", *jsonPath, runDir, time.Since(started).Round(time.Second))
		}
	}
	if len(r.Errors) > 0 {
		os.Exit(1)
	}
}

// variantCluster is the throughput variant on the cluster profile.
const variantCluster = "cluster"

func throughputPhase(ctx context.Context, bin stackrun.Binaries, dir, variant string, n, par int) (*Throughput, error) {
	e, err := startStack(ctx, bin, dir, stackOptions{name: "throughput-" + variant, persist: variant == "file", cluster: variant == variantCluster})
	if err != nil {
		return nil, err
	}
	defer e.close()
	return runThroughput(ctx, e, variant, n, par)
}

func externalThroughput(ctx context.Context, x external, n, par int) (*Throughput, error) {
	e, err := connect(ctx, x)
	if err != nil {
		return nil, err
	}
	defer e.close()
	return runThroughput(ctx, e, x.address, n, par)
}

// prompt is the onboarding workload of the first throughput variant, the prompt path the
// waiting phase compares with (nil if none ran).
func prompt(r *Results) *Workload {
	if len(r.Throughput) == 0 {
		return nil
	}
	return r.Throughput[0].Onboarding
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoOS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && k == "MemTotal" {
				m.MemTotal = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}
