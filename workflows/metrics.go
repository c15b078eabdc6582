package workflows

import (
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/api"
)

// Metrics the workflow emits. They go through workflow.GetMetricsHandler, which is silent
// while a workflow task replays history, so each is counted once however often the code
// runs, and emitting one adds no command to the history. The worker turns them into
// Prometheus metrics (internal/metrics): counters get a _total suffix, durations are
// histograms in seconds.
const (
	// MetricStarted counts onboardings whose workflow began, tagged TagCountry. Input that
	// fails validation is not an onboarding and is not counted.
	MetricStarted = "onboarding_started"
	// MetricFinished counts onboardings that reached an outcome, tagged TagOutcome.
	MetricFinished = "onboarding_finished"
	// MetricStageDuration is the workflow time spent in a stage, recorded when the stage is
	// left and tagged TagStage with the stage left.
	MetricStageDuration = "onboarding_stage_duration"
	// MetricContractRenewals counts expired contracts re-opened for another signing round.
	MetricContractRenewals = "onboarding_contract_renewals"
	// MetricProviderBlocked counts onboardings that became blocked on a provider (refused
	// credentials, not configured, an outage past the call budget), tagged TagProvider and
	// TagReason. MetricProviderResumed counts them resuming, tagged TagProvider, and
	// MetricProviderBlockedDuration is how long they were blocked. Blocked minus resumed is
	// how many wait for a person now.
	MetricProviderBlocked         = "onboarding_provider_blocked"
	MetricProviderResumed         = "onboarding_provider_resumed"
	MetricProviderBlockedDuration = "onboarding_provider_blocked_duration"
	// MetricWriteBackFailed counts decisions Quickr did not record after every retry: the
	// outcome stands and ops record it by hand (search attribute DecisionWriteBack).
	MetricWriteBackFailed = "onboarding_decision_writeback_failed"
)

// Tag keys of the workflow's metrics.
const (
	TagCountry  = "country"
	TagOutcome  = "outcome"
	TagStage    = "stage"
	TagProvider = "provider"
	TagReason   = "reason"
)

// countStarted counts the onboarding as started.
func (o *onboarding) countStarted(ctx workflow.Context) {
	workflow.GetMetricsHandler(ctx).
		WithTags(map[string]string{TagCountry: strings.ToUpper(strings.TrimSpace(o.in.Company.Country))}).
		Counter(MetricStarted).Inc(1)
}

// countWriteBackFailed counts a decision left for ops to write back.
func countWriteBackFailed(ctx workflow.Context) {
	workflow.GetMetricsHandler(ctx).Counter(MetricWriteBackFailed).Inc(1)
}

// countFinished counts the onboarding as finished with outcome.
func countFinished(ctx workflow.Context, outcome api.Outcome) {
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{TagOutcome: string(outcome)}).Counter(MetricFinished).Inc(1)
}

// recordStageTime records the time spent in the stage being left, up to now.
func (o *onboarding) recordStageTime(ctx workflow.Context, now time.Time) {
	workflow.GetMetricsHandler(ctx).
		WithTags(map[string]string{TagStage: string(o.status.Stage)}).
		Timer(MetricStageDuration).Record(now.Sub(o.stageSince))
}

// countRenewal counts one re-opened contract.
func countRenewal(ctx workflow.Context) {
	workflow.GetMetricsHandler(ctx).Counter(MetricContractRenewals).Inc(1)
}

// countBlocked counts an onboarding blocked on provider.
func countBlocked(ctx workflow.Context, provider, reason string) {
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{TagProvider: provider, TagReason: reason}).
		Counter(MetricProviderBlocked).Inc(1)
}

// countUnblocked counts an onboarding resuming after being blocked on provider for d.
func countUnblocked(ctx workflow.Context, provider string, d time.Duration) {
	h := workflow.GetMetricsHandler(ctx).WithTags(map[string]string{TagProvider: provider})
	h.Counter(MetricProviderResumed).Inc(1)
	h.Timer(MetricProviderBlockedDuration).Record(d)
}
