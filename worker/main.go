// Command worker runs the onboarding workflows and activities: it parses its config once,
// builds the provider clients (internal/workerapp), registers everything and polls the task
// queue until interrupted.
package main

import (
	"fmt"

	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/process"
	"github.com/merchantflow/onboarding/internal/temporalx"
	"github.com/merchantflow/onboarding/internal/workerapp"
)

// Config is the worker's whole configuration (ONBOARDING_*).
type Config struct {
	config.Temporal
	config.Logging
	workerapp.Providers
	workerapp.Tuning
}

// Validate checks values envconfig cannot.
func (c Config) Validate() error {
	if err := c.Temporal.Validate(); err != nil {
		return err
	}
	if err := c.Logging.Validate(); err != nil {
		return err
	}
	if err := c.Providers.Validate(); err != nil {
		return err
	}
	return c.Tuning.Validate()
}

func main() {
	process.Main("worker", "runs onboarding workflows and activities.", &Config{}, run)
}

func run(cfg *Config, log *zap.Logger) error {
	tc, err := temporalx.Dial(cfg.Temporal, log)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer tc.Close()

	acts, err := cfg.Activities()
	if err != nil {
		return err
	}
	cfg.ApplyStickyCache()
	w := workerapp.New(tc, cfg.TaskQueue, acts, cfg.Tuning.Options())
	log.Info("worker polling", zap.String("temporal", cfg.TemporalAddress), zap.String("namespace", cfg.TemporalNamespace), zap.String("taskQueue", cfg.TaskQueue),
		zap.Bool("pollerAutoscaling", cfg.PollerAutoscaling), zap.Int("pollersMin", cfg.PollersMin), zap.Int("pollersInitial", cfg.PollersInitial), zap.Int("pollersMax", cfg.PollersMax))
	return w.Run(worker.InterruptCh())
}
