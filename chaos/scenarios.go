package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/stackrun"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// scenario is one fault and the batch run under it.
type scenario struct {
	name  string
	about string
	// persist backs the dev server with a file, so it can be restarted with its state.
	persist bool
	// faults, when set, are given to every provider before the batch starts.
	faults *sandbox.Fault
	policy api.Policy
	// chaos runs alongside the batch until ctx ends (the batch is over).
	chaos func(ctx context.Context, h *harness, begin time.Time)
	// onlyByName keeps it out of -scenario all.
	onlyByName bool
	// after, when set, checks the stack once the batch is over (before the verdict).
	after func(ctx context.Context, h *harness, res *result)
	// cluster marks a scenario of the cluster profile only (-profile cluster): it needs two
	// workers, two gateways, PostgreSQL or Temporal Server.
	cluster bool
	// timeout is the longest the batch may take when -timeout is not given; 0 means
	// defaultTimeout.
	timeout time.Duration
	// maxCaseReads, when set, bounds the Quickr case reads per onboarding (every GET of a
	// case, by any activity): the waits may read the case only on an event, a reminder or
	// the deadline, not on a poll schedule.
	maxCaseReads float64
}

// sweepEvery is the reconciler's period in the chaos stacks.
const sweepEvery = 10 * time.Second

// caseReadsPerOnboarding bounds the case reads of one onboarding without webhooks: one check
// per case wait for each reconciler signal (two waits, each woken once, a margin for a
// second sweep that finds the case again mid-check), and the reads of the other activities
// (creating the case finds it by reference, the rules and the decision read it).
const caseReadsPerOnboarding = 8

// defaultTimeout bounds a scenario's batch unless the scenario or -timeout says otherwise.
const defaultTimeout = 10 * time.Minute

// webhookPolicy lets webhooks carry the waits they exist for: the declaration, signing and
// IDV polls are the slow fallback (a minute), so a webhook the engine mishandles shows up as
// a slow or stuck onboarding. Credit analysis and credit terms have no webhooks and poll
// every second.
func webhookPolicy() api.Policy {
	return api.Policy{
		DeclarationPoll:    api.Duration(time.Minute),
		SigningPoll:        api.Duration(time.Minute),
		IDVPoll:            api.Duration(time.Minute),
		CreditAnalysisPoll: api.Duration(time.Second),
		CreditTermsPoll:    api.Duration(time.Second),
	}
}

// pollPolicy is for runs without webhooks: the side checks poll every few seconds (the case
// waits of version 2 onboardings do not poll: the reconciler carries them).
func pollPolicy() api.Policy {
	p := 3 * time.Second
	return api.Policy{
		DeclarationPoll:    api.Duration(p),
		SigningPoll:        api.Duration(p),
		IDVPoll:            api.Duration(p),
		CreditAnalysisPoll: api.Duration(time.Second),
		CreditTermsPoll:    api.Duration(time.Second),
	}
}

// faultWindow is how long provider-faults keeps the providers failing.
const faultWindow = time.Minute

// The outages of auth-outage and outage-past-budget. Errors a person has to fix (401/403)
// and outages longer than the per-call budget leave an onboarding blocked in its stage, and
// it must resume by itself once the provider answers again: the blocked retries back off
// from 5 s to at most 5 minutes, which the scenarios' 15-minute timeout leaves room for.
const (
	authOutage   = 2 * time.Minute
	callBudget   = 20 * time.Second
	budgetOutage = 75 * time.Second
)

// gatewayOutage is how long gateway-down keeps the gateway stopped.
const gatewayOutage = 2 * time.Minute

// gatewayDown stops the gateway once the batch is in full flight and starts it again after
// window: provider webhooks fail meanwhile, and the reconciler and the providers' retries
// must carry every onboarding.
func gatewayDown(window time.Duration) func(ctx context.Context, h *harness, begin time.Time) {
	return func(ctx context.Context, h *harness, begin time.Time) {
		if !h.midRun(ctx) {
			return
		}
		err := h.stack.Gateway.Stop()
		h.note(begin, "gateway stopped for %s (%d/%d started, %d finished): %v", window, h.started.Load(), len(h.merchants), h.finished.Load(), err)
		if !pause(ctx, window) {
			h.note(begin, "batch over with the gateway down (%d/%d finished)", h.finished.Load(), len(h.merchants))
			return
		}
		err = h.stack.Gateway.Start(ctx)
		for err != nil && pause(ctx, time.Second) {
			err = h.stack.Gateway.Start(ctx)
		}
		h.note(begin, "gateway started again (%d/%d finished): %v", h.finished.Load(), len(h.merchants), err)
	}
}

// withBudget returns p with the per-call budget set.
func withBudget(p api.Policy, budget time.Duration) api.Policy {
	p.ProviderCallBudget = api.Duration(budget)
	return p
}

// outage is a chaos that waits until the batch is in full flight (midRun), gives every
// provider fault for window, and then clears it (trying again until the sandbox takes it).
func outage(fault sandbox.Fault, window time.Duration) func(ctx context.Context, h *harness, begin time.Time) {
	return func(ctx context.Context, h *harness, begin time.Time) {
		if !h.midRun(ctx) {
			return
		}
		status := fault.ErrorStatus
		if status == 0 {
			status = 503
		}
		err := h.stack.SetAllFaults(ctx, fault)
		for err != nil && pause(ctx, time.Second) {
			err = h.stack.SetAllFaults(ctx, fault)
		}
		if err != nil {
			return
		}
		h.note(begin, "every provider answers HTTP %d for %s (%d/%d started, %d finished)",
			status, window, h.started.Load(), len(h.merchants), h.finished.Load())
		if !pause(ctx, window) {
			// Only when every onboarding ended (or the timeout struck) inside the outage:
			// with the engine blocking, they cannot finish before the providers recover.
			h.note(begin, "batch over before the faults were cleared (%d/%d finished)", h.finished.Load(), len(h.merchants))
			return
		}
		err = h.stack.ClearFaults(ctx)
		for err != nil && pause(ctx, time.Second) {
			err = h.stack.ClearFaults(ctx)
		}
		h.note(begin, "faults cleared after %s (%d/%d finished): %v", window, h.finished.Load(), len(h.merchants), err)
	}
}

// killAndRestart SIGKILLs procs (all at once), waits down, and starts them again (trying
// until each is healthy or the batch ends).
func killAndRestart(ctx context.Context, h *harness, begin time.Time, down time.Duration, procs ...*stackrun.Proc) bool {
	for _, p := range procs {
		pid := p.PID()
		err := p.Kill()
		h.note(begin, "SIGKILL %s pid %d (%d started, %d/%d finished): %v", p.Name, pid, h.started.Load(), h.finished.Load(), len(h.merchants), err)
	}
	if !pause(ctx, down) {
		return false
	}
	for _, p := range procs {
		err := p.Start(ctx)
		for err != nil && pause(ctx, time.Second) {
			err = p.Start(ctx)
		}
		h.note(begin, "%s started again (%d/%d finished): %v", p.Name, h.finished.Load(), len(h.merchants), err)
	}
	return ctx.Err() == nil
}

// midRunTwice is a cluster scenario's chaos: once the batch is mid-run, act twice (fewer
// when every onboarding has finished), pausing gap after each; a false from act ends it.
func midRunTwice(gap time.Duration, act func(ctx context.Context, h *harness, begin time.Time) bool) func(context.Context, *harness, time.Time) {
	return func(ctx context.Context, h *harness, begin time.Time) {
		if !h.midRun(ctx) {
			return
		}
		for i := 0; i < 2 && !h.allDone(); i++ {
			if !act(ctx, h, begin) || !pause(ctx, gap) {
				return
			}
		}
	}
}

// killForGood is a cluster scenario's chaos: mid-run, the process pick names is SIGKILLed
// and left down.
func killForGood(pick func(s *stackrun.Stack) *stackrun.Proc) func(context.Context, *harness, time.Time) {
	return func(ctx context.Context, h *harness, begin time.Time) {
		if !h.midRun(ctx) {
			return
		}
		p := pick(h.stack)
		pid := p.PID()
		err := p.Kill()
		h.note(begin, "SIGKILL %s pid %d for good (%d started, %d/%d finished): %v", p.Name, pid, h.started.Load(), h.finished.Load(), len(h.merchants), err)
	}
}

// clusterScenarios run with -profile cluster only, after the others.
var clusterScenarios = []scenario{
	{
		name:    "worker-lost",
		about:   "mid-run the second of the two workers is SIGKILLed for good; the other carries every onboarding",
		policy:  webhookPolicy(),
		cluster: true,
		chaos:   killForGood(func(s *stackrun.Stack) *stackrun.Proc { return s.Workers[len(s.Workers)-1] }),
	},
	{
		name:    "workers-restart",
		about:   "mid-run both workers are SIGKILLed at once and started again 5 s later, twice",
		policy:  webhookPolicy(),
		cluster: true,
		chaos: midRunTwice(5*time.Second, func(ctx context.Context, h *harness, begin time.Time) bool {
			return killAndRestart(ctx, h, begin, 5*time.Second, h.stack.Workers...)
		}),
	},
	{
		name:    "postgres-restart",
		about:   "mid-run PostgreSQL is restarted (fast shutdown: every connection of the server is cut), twice",
		policy:  webhookPolicy(),
		cluster: true,
		chaos: midRunTwice(8*time.Second, func(ctx context.Context, h *harness, begin time.Time) bool {
			t0 := time.Now()
			err := h.stack.Cluster().Postgres.Restart(ctx)
			h.note(begin, "PostgreSQL restarted in %s (%d started, %d/%d finished): %v", time.Since(t0).Round(100*time.Millisecond), h.started.Load(), h.finished.Load(), len(h.merchants), err)
			return true
		}),
	},
	{
		name:    "server-kill",
		about:   "mid-run Temporal Server is SIGKILLed and started again 3 s later, twice",
		policy:  webhookPolicy(),
		cluster: true,
		chaos: midRunTwice(5*time.Second, func(ctx context.Context, h *harness, begin time.Time) bool {
			return killAndRestart(ctx, h, begin, 3*time.Second, h.stack.Temporal)
		}),
	},
	{
		name: "gateway-kill",
		about: "mid-run the first of the two gateways is SIGKILLed for good while webhooks arrive; the sandbox " +
			"retries each delivery it cannot take at the other",
		policy:  webhookPolicy(),
		cluster: true,
		chaos:   killForGood(func(s *stackrun.Stack) *stackrun.Proc { return s.Gateways[0] }),
		after:   countFailovers,
	},
}

var scenarios = []scenario{
	{
		name:   "worker-kill",
		about:  "the worker is SIGKILLed every 2-6 s (random) and started again",
		policy: webhookPolicy(),
		chaos: func(ctx context.Context, h *harness, begin time.Time) {
			for !h.allDone() {
				wait := 2*time.Second + time.Duration(h.rnd.Int64N(int64(4*time.Second)))
				if !pause(ctx, wait) || h.allDone() {
					return
				}
				pid := h.stack.Worker.PID()
				if err := h.stack.Worker.Kill(); err != nil {
					h.note(begin, "kill worker: %v", err)
					continue
				}
				h.note(begin, "SIGKILL worker pid %d (%d/%d finished)", pid, h.finished.Load(), len(h.merchants))
				if err := h.stack.Worker.Start(ctx); err != nil && ctx.Err() == nil {
					h.note(begin, "restart worker: %v", err)
				}
			}
		},
	},
	{
		name: "provider-faults",
		about: "for the first minute every provider answers 30% 5xx, 10% 429 with Retry-After 1 s " +
			"(not the identity provider, whose document forbids retrying a 4xx), and 10% of calls 2 s late; then the providers recover",
		faults: &sandbox.Fault{
			ErrorRate: 0.3, ErrorStatus: 503, RateLimit: 0.1, RetryAfter: time.Second,
			Latency: 5 * time.Millisecond, SpikeRate: 0.1, Spike: 2 * time.Second,
		},
		policy: webhookPolicy(),
		// A window, not the whole run: an activity makes two or three calls, so it fails
		// about 60% of its attempts, and the engine's retry policy backs off up to 5 minutes.
		// Held for the whole run, the last onboardings would wait out those backoffs for a
		// quarter of an hour; a minute of faults puts every onboarding through them.
		chaos: func(ctx context.Context, h *harness, begin time.Time) {
			if !pause(ctx, faultWindow) {
				return
			}
			err := h.stack.ClearFaults(ctx)
			for err != nil && pause(ctx, time.Second) {
				err = h.stack.ClearFaults(ctx)
			}
			h.note(begin, "faults cleared after %s (%d/%d finished): %v", faultWindow, h.finished.Load(), len(h.merchants), err)
		},
	},
	{
		name:    "temporal-restart",
		about:   "the file-backed dev server is SIGKILLed, then later SIGTERMed, and restarted on its port and db",
		persist: true,
		policy:  webhookPolicy(),
		chaos: func(ctx context.Context, h *harness, begin time.Time) {
			for i, how := range []string{"SIGKILL", "SIGTERM"} {
				// The first stop lands while onboardings are still being started, the second
				// while most run.
				if !pause(ctx, time.Duration(3+5*i)*time.Second) || h.allDone() {
					return
				}
				var err error
				if how == "SIGKILL" {
					err = h.stack.Temporal.Kill()
				} else {
					err = h.stack.Temporal.Stop()
				}
				h.note(begin, "%s Temporal (%d started, %d finished): %v", how, h.started.Load(), h.finished.Load(), err)
				if !pause(ctx, 3*time.Second) {
					return
				}
				err = h.stack.Temporal.Start(ctx)
				h.note(begin, "Temporal started again: %v", err)
			}
		},
	},
	{
		name: "webhooks-dropped",
		about: "every provider webhook is dropped; the reconciler (a sweep every 10 s) carries the case waits " +
			"and the side checks' polls the rest; the case reads per onboarding stay within the bound",
		faults:       &sandbox.Fault{DropWebhooks: 1},
		policy:       pollPolicy(),
		maxCaseReads: caseReadsPerOnboarding,
	},
	{
		name: "gateway-down",
		about: "mid-run the gateway is stopped for two minutes while cases move (webhooks fail and are " +
			"retried by the providers), then started again",
		policy:  webhookPolicy(),
		chaos:   gatewayDown(gatewayOutage),
		timeout: 15 * time.Minute,
	},
	{
		name:   "webhooks-dup-reorder",
		about:  "every webhook is delivered twice, each copy after a random delay of up to 2 s (reordered)",
		faults: &sandbox.Fault{DuplicateWebhooks: 1, WebhookJitter: 2 * time.Second},
		policy: webhookPolicy(),
	},
	{
		name: "auth-outage",
		about: "mid-run every provider (token endpoints included) answers 401 for two minutes, " +
			"then accepts the worker's credentials again",
		policy:  webhookPolicy(),
		chaos:   outage(sandbox.Fault{ErrorRate: 1, ErrorStatus: 401}, authOutage),
		timeout: 15 * time.Minute,
	},
	{
		name: "outage-past-budget",
		about: "the start policy gives each provider call a budget of 20 s; mid-run every provider " +
			"answers 503 for 75 s, well past it, then recovers",
		policy:  withBudget(webhookPolicy(), callBudget),
		chaos:   outage(sandbox.Fault{ErrorRate: 1, ErrorStatus: 503}, budgetOutage),
		timeout: 15 * time.Minute,
	},
	{
		name:       "baseline",
		about:      "no fault: the reference the other scenarios are held to (run it by name)",
		policy:     webhookPolicy(),
		onlyByName: true,
	},
}

// countFailovers reads the sandbox's webhook log: the deliveries the first gateway could not
// take and the second did. None at all means the kill found no webhook in flight, and the
// scenario proved nothing: a failure.
func countFailovers(ctx context.Context, h *harness, res *result) {
	var log struct {
		Deliveries []struct {
			URL, LastURL, Status string
		} `json:"deliveries"`
	}
	if err := h.stack.SandboxControl(ctx, http.MethodGet, "/control/webhooks", nil, &log); err != nil {
		res.fail("read the webhook log: %v", err)
		return
	}
	moved, failed := 0, 0
	for _, d := range log.Deliveries {
		if d.Status == "delivered" && d.LastURL != "" && d.LastURL != d.URL {
			moved++
		}
		if d.Status == "failed" {
			failed++
		}
	}
	res.Notes = append(res.Notes, fmt.Sprintf("%d webhooks delivered to the other gateway after the first failed; %d deliveries failed for good (of %d)", moved, failed, len(log.Deliveries)))
	if moved == 0 {
		res.fail("no webhook failed over to the second gateway: the kill found none in flight")
	}
}
