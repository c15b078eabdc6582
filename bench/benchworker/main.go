// Command benchworker is the worker `make bench` runs: bin/worker's configuration, provider
// clients, tuning and reconciler (internal/workerapp.Run, the same code), with the bench's
// floor workflow and its no-op activity (bench/floor) registered beside the engine's. The
// onboardings and the floor runs of a throughput batch share this one process, so their
// ratio compares the engine against Temporal's minimum on the same worker. Production runs
// bin/worker, which does not register the floor.
package main

import (
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/bench/floor"
	"github.com/merchantflow/onboarding/internal/process"
	"github.com/merchantflow/onboarding/internal/workerapp"
)

func main() {
	process.Main("benchworker", "the bench's worker: bin/worker plus the floor workflow.", &workerapp.Config{}, run)
}

func run(cfg *workerapp.Config, log *zap.Logger) error {
	return workerapp.Run(cfg, log, floor.Register)
}
