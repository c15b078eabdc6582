package workflows

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// The Quickr reconciler: one long-lived workflow per task queue that sweeps the Quickr cases
// whose status changed since its watermark, every Every, and signals each onboarding still
// waiting for a status its case has reached (activities.SweepQuickrCases). A lost webhook
// then costs at most one period, for every onboarding together, and each sweep costs Quickr
// requests in proportion to the cases that changed, not to the onboardings that wait.

// ReconcileQuickrType is the reconciler's registered workflow type.
const ReconcileQuickrType = api.ReconcileQuickrType

// SignalReconcileConfigure carries a ReconcileConfig: a new period, or pause/resume. A worker
// sends it at boot (with signal-with-start), so a changed ONBOARDING_RECONCILE_EVERY takes
// effect on restart; ops can send it from the Temporal UI or CLI.
const SignalReconcileConfigure = "reconcile-configure"

// Period bounds and defaults.
const (
	MinReconcileEvery     = 10 * time.Second
	MaxReconcileEvery     = time.Hour
	DefaultReconcileEvery = 4 * time.Minute
	// DefaultReconcileOverlap is how far before its watermark a sweep reads again: clock
	// skew between Quickr's servers, and status changes stamped just before a sweep read the
	// list but committed after it.
	DefaultReconcileOverlap = time.Minute
	// reconcileRoundsPerRun bounds one run's history (about a dozen events a round); the
	// reconciler then continues as new with its watermark.
	reconcileRoundsPerRun = 200
)

// ReconcilerWorkflowID is the reconciler's fixed workflow ID for taskQueue:
// "reconciler:quickr" on the default queue, "reconciler:quickr:<queue>" on another (fleets
// sharing a namespace have one each).
func ReconcilerWorkflowID(taskQueue string) string {
	if taskQueue == "" || taskQueue == api.TaskQueue {
		return "reconciler:quickr"
	}
	return "reconciler:quickr:" + taskQueue
}

// CheckReconcileEvery reports whether d is a valid period (MinReconcileEvery..MaxReconcileEvery).
func CheckReconcileEvery(d time.Duration) error {
	if d < MinReconcileEvery || d > MaxReconcileEvery {
		return errors.New("the reconcile period must be from " + MinReconcileEvery.String() + " to " + MaxReconcileEvery.String() + ", got " + d.String())
	}
	return nil
}

// ReconcileInput starts (or continues) the reconciler.
type ReconcileInput struct {
	Every api.Duration `json:"every"`
	// Overlap: DefaultReconcileOverlap when zero.
	Overlap api.Duration `json:"overlap,omitempty"`
	// Watermark: every status change before it was handled. Zero (a fresh reconciler) starts
	// at the workflow's start time, so the first sweep reads back one overlap, not the whole
	// history of the account.
	Watermark time.Time `json:"watermark,omitzero"`
	// Resume continues a sweep cut short at its page bound.
	Resume *activities.SweepResume `json:"resume,omitempty"`
	Paused bool                    `json:"paused,omitempty"`
	// PageSize and MaxPages bound each sweep (the activity's defaults when zero: 100 x 100).
	PageSize int `json:"pageSize,omitempty"`
	MaxPages int `json:"maxPages,omitempty"`
	// Totals carry over continue-as-new.
	Totals ReconcileTotals `json:"totals"`
}

// ReconcileConfig is the configure signal; nil fields stay as they are.
type ReconcileConfig struct {
	Every  *api.Duration `json:"every,omitempty"`
	Paused *bool         `json:"paused,omitempty"`
}

// ReconcileTotals add up every sweep since the reconciler first started.
type ReconcileTotals struct {
	Runs      int `json:"runs"` // continued-as-new runs before this one
	Sweeps    int `json:"sweeps"`
	Failures  int `json:"failures"` // sweeps given up after their retries
	Pages     int `json:"pages"`
	Listed    int `json:"listed"`
	Described int `json:"described"`
	Signalled int `json:"signalled"`
}

// ReconcileStatus answers QueryStatus on the reconciler.
type ReconcileStatus struct {
	Every     api.Duration            `json:"every"`
	Overlap   api.Duration            `json:"overlap"`
	Paused    bool                    `json:"paused"`
	Watermark time.Time               `json:"watermark"`
	Resume    *activities.SweepResume `json:"resume,omitempty"`
	// LastSweepAt is when the last sweep started; LastSweep what it did (nil until one
	// succeeded). LastError is the last failed sweep's error, kept until a sweep succeeds.
	LastSweepAt *time.Time              `json:"lastSweepAt,omitempty"`
	LastSweep   *activities.SweepResult `json:"lastSweep,omitempty"`
	LastError   string                  `json:"lastError,omitempty"`
	NextSweepAt *time.Time              `json:"nextSweepAt,omitempty"`
	// ConfigRejected is the last configure signal refused, with why.
	ConfigRejected string          `json:"configRejected,omitempty"`
	Round          int             `json:"round"` // rounds of this run
	Totals         ReconcileTotals `json:"totals"`
}

// reconciler is the workflow's state.
type reconciler struct {
	in ReconcileInput
	st ReconcileStatus
}

// ReconcileQuickr is the reconciler workflow. It never fails: a sweep that still fails after
// a few minutes of retries is given up for that round and the watermark stays, so the next
// round reads the same changes again. Cancelling it ends it (a worker's next boot starts it
// again unless ONBOARDING_RECONCILE_EVERY=0).
func ReconcileQuickr(ctx workflow.Context, in ReconcileInput) error {
	if in.Overlap <= 0 {
		in.Overlap = api.Duration(DefaultReconcileOverlap)
	}
	in.Every = api.Duration(clampDuration(in.Every.D(), MinReconcileEvery, MaxReconcileEvery))
	if in.Watermark.IsZero() {
		in.Watermark = workflow.Now(ctx)
	}
	r := &reconciler{in: in}
	r.st = ReconcileStatus{Every: in.Every, Overlap: in.Overlap, Paused: in.Paused, Watermark: in.Watermark, Resume: in.Resume, Totals: in.Totals}
	if err := workflow.SetQueryHandler(ctx, api.QueryStatus, func() (ReconcileStatus, error) { return r.st, nil }); err != nil {
		return err
	}
	configs := workflow.GetSignalChannel(ctx, SignalReconcileConfigure)
	r.details(ctx)

	var lastStart time.Time // zero: the first round sweeps at once
	for r.st.Round < reconcileRoundsPerRun {
		if err := r.waitTurn(ctx, configs, lastStart); err != nil {
			return err
		}
		lastStart = workflow.Now(ctx)
		if err := r.sweep(ctx); err != nil {
			return err
		}
		r.st.Round++
		r.details(ctx)
	}
	// Signals not yet received would be lost with this run: apply them first.
	for {
		var cfg ReconcileConfig
		if !configs.ReceiveAsync(&cfg) {
			break
		}
		r.configure(cfg)
	}
	next := ReconcileInput{
		Every: r.st.Every, Overlap: r.st.Overlap, Watermark: r.st.Watermark, Resume: r.st.Resume, Paused: r.st.Paused,
		PageSize: r.in.PageSize, MaxPages: r.in.MaxPages, Totals: r.st.Totals,
	}
	next.Totals.Runs++
	return workflow.NewContinueAsNewError(ctx, ReconcileQuickrType, next)
}

// waitTurn waits until one period after lastStart (at once when lastStart is zero) while
// applying configure signals, and while paused until resumed. It fails only when the
// workflow is cancelled.
func (r *reconciler) waitTurn(ctx workflow.Context, configs workflow.ReceiveChannel, lastStart time.Time) error {
	for {
		now := workflow.Now(ctx)
		due := now
		if !lastStart.IsZero() {
			due = lastStart.Add(r.st.Every.D())
		}
		if !r.st.Paused && !now.Before(due) {
			r.st.NextSweepAt = nil
			return nil
		}
		tctx, cancelTimer := workflow.WithCancel(ctx)
		sel := workflow.NewSelector(ctx)
		if r.st.Paused {
			r.st.NextSweepAt = nil
		} else {
			r.st.NextSweepAt = &due
			sel.AddFuture(workflow.NewTimerWithOptions(tctx, due.Sub(now), workflow.TimerOptions{Summary: "next sweep"}), func(workflow.Future) {})
		}
		sel.AddReceive(configs, func(c workflow.ReceiveChannel, _ bool) {
			var cfg ReconcileConfig
			c.Receive(ctx, &cfg)
			r.configure(cfg)
			r.details(ctx)
		})
		sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
		sel.Select(ctx)
		cancelTimer()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// configure applies a configure signal; an invalid period is refused and recorded.
func (r *reconciler) configure(cfg ReconcileConfig) {
	if cfg.Every != nil {
		if err := CheckReconcileEvery(cfg.Every.D()); err != nil {
			r.st.ConfigRejected = err.Error()
		} else {
			r.st.Every = *cfg.Every
		}
	}
	if cfg.Paused != nil {
		r.st.Paused = *cfg.Paused
	}
}

// sweep runs one sweep and folds its result into the status. A failed sweep keeps the
// watermark; only a cancellation is returned.
func (r *reconciler) sweep(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	r.st.LastSweepAt = &now
	// After sweepSchedule's five minutes this round is given up.
	actx := workflow.WithActivityOptions(ctx, optionsFor(a.SweepQuickrCases, "sweep Quickr cases changed since "+r.st.Watermark.UTC().Format(time.RFC3339), 0))
	var res activities.SweepResult
	err := workflow.ExecuteActivity(actx, a.SweepQuickrCases, activities.SweepInput{
		Since: r.st.Watermark, Overlap: r.st.Overlap.D(), Resume: r.st.Resume,
		SignalName: api.SignalCaseEvent, TaskQueue: workflow.GetInfo(ctx).TaskQueueName,
		PageSize: r.in.PageSize, MaxPages: r.in.MaxPages,
	}).Get(ctx, &res)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.st.Totals.Sweeps++
	if err != nil {
		r.st.Totals.Failures++
		r.st.LastError = err.Error()
		workflow.GetLogger(ctx).Warn("sweep given up for this round; the watermark stays", "watermark", r.st.Watermark, "error", err)
		return nil
	}
	if res.Watermark.After(r.st.Watermark) {
		r.st.Watermark = res.Watermark
	}
	r.st.Resume = res.Resume
	r.st.LastSweep = &res
	r.st.LastError = ""
	r.st.Totals.Pages += res.Pages
	r.st.Totals.Listed += res.Listed
	r.st.Totals.Described += res.Described
	r.st.Totals.Signalled += res.Signalled
	return nil
}

// details is the Markdown the Temporal UI shows as the reconciler's current details.
func (r *reconciler) details(ctx workflow.Context) {
	var b strings.Builder
	b.WriteString("**Quickr reconciler** every " + r.st.Every.D().String())
	if r.st.Paused {
		b.WriteString(" (**paused**)")
	}
	b.WriteString("\n\nWatermark: " + r.st.Watermark.UTC().Format(time.RFC3339) + "\n\n")
	if s := r.st.LastSweep; s != nil {
		b.WriteString("Last sweep: " + strconv.Itoa(s.Pages) + " pages, " + strconv.Itoa(s.Listed) + " cases listed, " +
			strconv.Itoa(s.Described) + " onboardings described, " + strconv.Itoa(s.Signalled) + " signalled\n\n")
	}
	if r.st.LastError != "" {
		b.WriteString("Last sweep failed: " + r.st.LastError + "\n\n")
	}
	b.WriteString("Totals: " + strconv.Itoa(r.st.Totals.Sweeps) + " sweeps, " + strconv.Itoa(r.st.Totals.Signalled) + " signalled, " +
		strconv.Itoa(r.st.Totals.Failures) + " failed\n")
	workflow.SetCurrentDetails(ctx, b.String())
}

// clampDuration limits d to [lo, hi].
func clampDuration(d, lo, hi time.Duration) time.Duration {
	return min(max(d, lo), hi)
}
