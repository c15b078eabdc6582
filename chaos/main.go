package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/merchantflow/onboarding/internal/stackrun"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// options are the command-line flags.
type options struct {
	n           int
	scenario    string
	jsonPath    string
	binDir      string
	runDir      string
	timeout     time.Duration
	seed        uint64
	concurrency int
	logLevel    string
	profile     string
	pg          stackrun.Postgres // the cluster profile's
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 200, "onboardings per scenario")
	flag.StringVar(&o.scenario, "scenario", "all", "all, cluster (the cluster profile's own scenarios), or one of: "+strings.Join(scenarioNames(true), ", "))
	flag.StringVar(&o.jsonPath, "json", "", "also write the results as JSON to this file")
	flag.StringVar(&o.binDir, "bin", "bin", "directory with temporal, sandbox, worker and gateway (make build, make tools)")
	flag.StringVar(&o.runDir, "dir", "", "run directory for logs and the Temporal db (default: a new temporary one)")
	flag.DurationVar(&o.timeout, "timeout", 0, "longest time a scenario's batch may take (default: the scenario's own, "+defaultTimeout.String()+" for most)")
	flag.Uint64Var(&o.seed, "seed", 0, "seed of the sandbox's faults and the kill timings (default: from the clock)")
	flag.IntVar(&o.concurrency, "start-concurrency", 8, "starts in flight at once")
	flag.StringVar(&o.logLevel, "log-level", "info", "log level of sandbox, worker and gateway (their logs are in the run dir)")
	flag.StringVar(&o.profile, "profile", "dev", "dev: the dev server, one worker and gateway; cluster: Temporal Server on PostgreSQL, two workers, two gateways, and the cluster's own scenarios too")
	flag.Parse()
	os.Exit(run(o))
}

func run(o options) int {
	if o.n < 1 {
		fmt.Fprintln(os.Stderr, "chaos: -n must be at least 1")
		return 2
	}
	if o.profile != "dev" && o.profile != "cluster" {
		fmt.Fprintf(os.Stderr, "chaos: -profile must be dev or cluster, got %q\n", o.profile)
		return 2
	}
	cluster := o.profile == "cluster"
	var chosen []scenario
	for _, s := range append(append([]scenario{}, scenarios...), clusterScenarios...) {
		if s.cluster && !cluster {
			continue
		}
		if (o.scenario == "all" && !s.onlyByName) || (o.scenario == "cluster" && s.cluster) || o.scenario == s.name {
			chosen = append(chosen, s)
		}
	}
	if len(chosen) == 0 {
		fmt.Fprintf(os.Stderr, "chaos: unknown scenario %q for -profile %s; choose all, cluster (the cluster's own) or one of: %s\n", o.scenario, o.profile, strings.Join(scenarioNames(cluster), ", "))
		return 2
	}
	if o.seed == 0 {
		o.seed = uint64(time.Now().UnixNano())
	}
	if o.runDir == "" {
		d, err := os.MkdirTemp("", "chaos-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "chaos:", err)
			return 1
		}
		o.runDir = d
	}
	bin := stackrun.BinariesIn(o.binDir)
	if !cluster {
		if err := bin.Check(); err != nil {
			fmt.Fprintln(os.Stderr, "chaos:", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cluster {
		var err error
		if o.pg, err = stackrun.EnsurePostgres(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "chaos: the cluster profile needs PostgreSQL:", err)
			return 2
		}
		fmt.Printf("chaos: cluster profile: Temporal Server %s on PostgreSQL %s (%s), two workers, two gateways; each scenario on databases of its own\n", stackrun.ServerVersion, o.pg.Version, o.pg.Addr())
	}
	fmt.Printf("chaos: %d onboardings per scenario, seed %d, logs in %s\n", o.n, o.seed, o.runDir)

	var results []*result
	failed := false
	for i, sc := range chosen {
		res := runScenario(ctx, o, bin, sc, o.seed+uint64(i))
		results = append(results, res)
		fmt.Println(res.line())
		for _, f := range res.Failures {
			fmt.Println("    " + f)
		}
		for _, n := range res.Notes {
			fmt.Println("    note: " + n)
		}
		if !res.Pass {
			failed = true
		}
		if ctx.Err() != nil {
			break
		}
	}
	if o.jsonPath != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		if err := os.WriteFile(o.jsonPath, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "chaos:", err)
			return 1
		}
	}
	if failed {
		return 1
	}
	return 0
}

// runScenario starts a fresh stack, runs one batch under the scenario's fault and checks it.
func runScenario(ctx context.Context, o options, bin stackrun.Binaries, sc scenario, seed uint64) *result {
	res := &result{Scenario: sc.name, Blocked: -1}
	dir := filepath.Join(o.runDir, sc.name)
	cfg := stackrun.Config{
		Bin: bin, Dir: dir, PersistTemporal: sc.persist, LogLevel: o.logLevel,
		Sandbox: stackrun.SandboxConfig{Seed: seed},
		// A batch lasts minutes: the reconciler sweeps often enough to matter in it.
		ProcEnv: map[string][]string{stackrun.ProcWorker: {"ONBOARDING_RECONCILE_EVERY=" + sweepEvery.String()}},
	}
	if o.profile == "cluster" {
		// Databases of the scenario's own, dropped with the stack.
		cfg.Cluster = &stackrun.ClusterConfig{Postgres: o.pg}
	}
	s, err := stackrun.Start(ctx, cfg)
	if err != nil {
		res.fail("stack did not start: %v", err)
		return res
	}
	defer s.Close()
	if sc.faults != nil {
		m := map[string]sandbox.Fault{}
		for _, p := range stackrun.Providers {
			f := *sc.faults
			if p == "idv" {
				// The identity provider's document says never to retry a 4xx, and it lists no
				// 429: a 429 from it is a refused request, which changes the outcome (identity
				// unavailable, review). Its faults here are the retryable kind only.
				f.RateLimit = 0
			}
			m[p] = f
		}
		if err := s.SetFaults(ctx, m); err != nil {
			res.fail("set faults: %v", err)
			return res
		}
	}
	timeout := o.timeout
	if timeout <= 0 {
		timeout = sc.timeout
	}
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	h := &harness{
		stack: s, opts: o, policy: sc.policy, rnd: rand.New(rand.NewPCG(seed, seed^0xc4a05)),
		merchants: batch(o.n), timeout: timeout, maxCaseReads: sc.maxCaseReads,
	}
	h.run(ctx, sc, res)
	return res
}

func scenarioNames(cluster bool) []string {
	var names []string
	for _, s := range append(append([]scenario{}, scenarios...), clusterScenarios...) {
		if !s.cluster || cluster {
			names = append(names, s.name)
		}
	}
	return names
}
