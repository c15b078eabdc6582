// Command worker runs the onboarding workflows and activities: it parses its config once,
// builds the provider clients (internal/workerapp), registers everything and polls the task
// queue until interrupted. It serves Prometheus metrics (the Temporal SDK's and the engine's)
// on ONBOARDING_METRICS_ADDR at /metrics.
package main

import (
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/process"
	"github.com/merchantflow/onboarding/internal/workerapp"
)

func main() {
	process.Main("worker", "runs onboarding workflows and activities.", &workerapp.Config{}, run)
}

// run is the production worker: the engine's workflows and activities and nothing else (the
// bench's floor workflow is registered only by bench/benchworker).
func run(cfg *workerapp.Config, log *zap.Logger) error { return workerapp.Run(cfg, log) }
