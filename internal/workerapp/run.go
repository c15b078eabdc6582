package workerapp

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/bankdata"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/metrics"
	"github.com/merchantflow/onboarding/internal/process"
	"github.com/merchantflow/onboarding/internal/temporalx"
	"github.com/merchantflow/onboarding/workflows"
)

// Config is the worker's whole configuration (ONBOARDING_*), bin/worker's and the bench's.
type Config struct {
	config.Profile
	config.Temporal
	config.Logging
	Providers
	config.BankData
	Tuning
	Reconcile

	MetricsAddr string `envconfig:"METRICS_ADDR" default:"127.0.0.1:9464" desc:"host:port serving Prometheus metrics at /metrics; empty turns them off"`
}

// LocalDefaults declares the payload keys and the provider settings: required, and under
// ONBOARDING_PROFILE=local the sandbox's for those unset.
func (c *Config) LocalDefaults(d *config.Defaults) {
	c.Temporal.LocalDefaults(d)
	c.Providers.LocalDefaults(d)
	c.BankData.LocalDefaults(d)
}

// Validate checks values envconfig cannot.
func (c Config) Validate() error {
	if err := c.Temporal.Validate(); err != nil {
		return err
	}
	if err := c.Logging.Validate(); err != nil {
		return err
	}
	if c.MetricsAddr != "" && !validHostPort(c.MetricsAddr) {
		return fmt.Errorf("config: %s_METRICS_ADDR must be host:port with a port from 0 to 65535 (empty turns metrics off), got %q", config.Prefix, c.MetricsAddr)
	}
	if err := c.Providers.Validate(); err != nil {
		return err
	}
	if err := c.Reconcile.Validate(); err != nil {
		return err
	}
	return c.Tuning.Validate()
}

// validHostPort reports whether addr is host:port (host may be empty) with a numeric port.
func validHostPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	n, err := strconv.ParseUint(port, 10, 16)
	return err == nil && n <= 65535
}

// Run is the worker's process: it dials Temporal with cfg, serves metrics, builds the
// provider clients and the Temporal worker (New, with extra registered beside the engine's
// workflows), keeps the reconciler started and polls until SIGINT or SIGTERM. bin/worker
// passes no extra; the bench's worker adds its floor workflow.
func Run(cfg *Config, log *zap.Logger, extra ...func(workflows.Registry)) error {
	if cfg.IsLocal() {
		log.Warn("local profile: unset provider credentials and addresses are the sandbox's", zap.String("profile", cfg.Profile.Profile))
	}
	opts, err := temporalx.Options(cfg.Temporal, log)
	if err != nil {
		return err
	}
	if cfg.MetricsAddr != "" {
		handler, stop, err := serveMetrics(cfg.MetricsAddr, log)
		if err != nil {
			return err
		}
		defer stop()
		opts.MetricsHandler = handler
	}
	tc, err := client.Dial(opts)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer tc.Close()

	acts, err := cfg.Activities()
	if err != nil {
		return err
	}
	keys, err := codec.FromConfig(cfg.Payload)
	if err != nil {
		return err
	}
	if acts.BankData, err = bankdata.NewStore(cfg.BankDataDir, keys); err != nil {
		return fmt.Errorf("config: %s_BANK_DATA_DIR: %w", config.Prefix, err)
	}
	cfg.ApplyStickyCache()
	w := New(tc, cfg.TaskQueue, acts, cfg.Tuning.Options(), extra...)
	// Catch SIGINT/SIGTERM before saying we poll: a stop sent right after that line must
	// drain the worker, not kill the process.
	interrupted := worker.InterruptCh()
	log.Info("worker polling", zap.String("temporal", cfg.TemporalAddress), zap.String("namespace", cfg.TemporalNamespace), zap.String("taskQueue", cfg.TaskQueue),
		zap.Bool("pollerAutoscaling", cfg.PollerAutoscaling), zap.Int("pollersMin", cfg.PollersMin), zap.Int("pollersInitial", cfg.PollersInitial), zap.Int("pollersMax", cfg.PollersMax))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if cfg.Reconcile.Enabled(acts) {
		go keepReconcilerStarted(ctx, tc, cfg.TaskQueue, cfg.ReconcileEvery, log)
	} else {
		log.Info("reconciler not started by this worker", zap.String("why", "ONBOARDING_RECONCILE_EVERY=0"))
	}
	return w.Run(interrupted)
}

// keepReconcilerStarted starts (or re-configures) the Quickr reconciler, retrying with
// backoff while Temporal refuses, until it succeeds or the worker stops. The worker serves
// onboardings meanwhile: their own fallback polls cover a reconciler that is late.
func keepReconcilerStarted(ctx context.Context, tc client.Client, taskQueue string, every time.Duration, log *zap.Logger) {
	wait := time.Second
	for {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		run, err := StartReconciler(sctx, tc, taskQueue, every)
		cancel()
		if err == nil {
			log.Info("reconciler running", zap.String("workflowId", run.GetID()), zap.String("runId", run.GetRunID()), zap.Duration("every", every))
			return
		}
		if ctx.Err() != nil {
			return
		}
		log.Warn("start the reconciler; retrying", zap.Error(err), zap.Duration("in", wait))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

// serveMetrics starts the metrics endpoint on addr and returns the handler for the Temporal
// client and the function that stops the endpoint and the meter provider behind it.
func serveMetrics(addr string, log *zap.Logger) (client.MetricsHandler, func(), error) {
	handler, h, closer, err := metrics.New()
	if err != nil {
		return nil, nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(metrics.Path, h)
	stopHTTP, err := process.StartHTTP(addr, "METRICS_ADDR", mux, log)
	if err != nil {
		_ = closer.Close()
		return nil, nil, err
	}
	log.Info("serving metrics", zap.String("url", "http://"+addr+metrics.Path))
	return handler, func() {
		if err := stopHTTP(); err != nil {
			log.Warn("metrics endpoint", zap.Error(err))
		}
		if err := closer.Close(); err != nil {
			log.Warn("metrics shutdown", zap.Error(err))
		}
	}, nil
}
