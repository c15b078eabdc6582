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
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 200, "onboardings per scenario")
	flag.StringVar(&o.scenario, "scenario", "all", "all, or one of: "+strings.Join(scenarioNames(), ", "))
	flag.StringVar(&o.jsonPath, "json", "", "also write the results as JSON to this file")
	flag.StringVar(&o.binDir, "bin", "bin", "directory with temporal, sandbox, worker and gateway (make build, make tools)")
	flag.StringVar(&o.runDir, "dir", "", "run directory for logs and the Temporal db (default: a new temporary one)")
	flag.DurationVar(&o.timeout, "timeout", 0, "longest time a scenario's batch may take (default: the scenario's own, "+defaultTimeout.String()+" for most)")
	flag.Uint64Var(&o.seed, "seed", 0, "seed of the sandbox's faults and the kill timings (default: from the clock)")
	flag.IntVar(&o.concurrency, "start-concurrency", 8, "starts in flight at once")
	flag.StringVar(&o.logLevel, "log-level", "info", "log level of sandbox, worker and gateway (their logs are in the run dir)")
	flag.Parse()
	os.Exit(run(o))
}

func run(o options) int {
	if o.n < 1 {
		fmt.Fprintln(os.Stderr, "chaos: -n must be at least 1")
		return 2
	}
	var chosen []scenario
	for _, s := range scenarios {
		if (o.scenario == "all" && !s.onlyByName) || o.scenario == s.name {
			chosen = append(chosen, s)
		}
	}
	if len(chosen) == 0 {
		fmt.Fprintf(os.Stderr, "chaos: unknown scenario %q; choose all or one of: %s\n", o.scenario, strings.Join(scenarioNames(), ", "))
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
	if err := bin.Check(); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
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
	s, err := stackrun.Start(ctx, stackrun.Config{
		Bin: bin, Dir: dir, PersistTemporal: sc.persist, LogLevel: o.logLevel,
		Sandbox: stackrun.SandboxConfig{Seed: seed},
		// A batch lasts minutes: the reconciler sweeps often enough to matter in it.
		ProcEnv: map[string][]string{stackrun.ProcWorker: {"ONBOARDING_RECONCILE_EVERY=" + sweepEvery.String()}},
	})
	if err != nil {
		res.fail("stack did not start: %v", err)
		return res
	}
	defer s.Close()
	if sc.faults != nil {
		if err := s.SetAllFaults(ctx, *sc.faults); err != nil {
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

func scenarioNames() []string {
	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	return names
}
