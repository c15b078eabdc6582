// Command benchworker is the worker `make bench` runs: bin/worker's configuration, provider
// clients, tuning and reconciler (internal/workerapp.Run, the same code), with the bench's
// floor workflow and its no-op activity (bench/floor) registered beside the engine's. The
// onboardings and the floor runs of a throughput batch share this one process, so their
// ratio compares the engine against Temporal's minimum on the same worker. Production runs
// bin/worker, which does not register the floor.
//
// BENCH_CPU_PROFILE=<file> writes a CPU profile of the whole run to file, for finding where
// the worker's CPU goes (go run ./bench -worker-env BENCH_CPU_PROFILE=/tmp/worker.prof).
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/bench/floor"
	"github.com/merchantflow/onboarding/internal/process"
	"github.com/merchantflow/onboarding/internal/workerapp"
)

func main() {
	process.Main("benchworker", "the bench's worker: bin/worker plus the floor workflow.", &workerapp.Config{}, run)
}

func run(cfg *workerapp.Config, log *zap.Logger) error {
	if path := os.Getenv("BENCH_CPU_PROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("BENCH_CPU_PROFILE: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("BENCH_CPU_PROFILE: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	return workerapp.Run(cfg, log, floor.Register)
}
