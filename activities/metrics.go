package activities

import (
	"context"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"

	"github.com/merchantflow/onboarding/providers"
)

// Metrics the activities emit through activity.GetMetricsHandler, i.e. the worker's handler
// with the SDK's activity tags. The worker turns them into Prometheus metrics
// (internal/metrics): counters get a _total suffix.
const (
	// MetricRemindersSent counts reminders the app accepted, tagged TagKind: "declaration"
	// and "signature" (sent by the polling activities) and "review" (the review-overdue
	// notification).
	MetricRemindersSent = "onboarding_reminders_sent"
	// MetricProviderErrors counts failed provider calls, tagged TagProvider and TagClass (see
	// ProviderErrorMetrics).
	MetricProviderErrors = "onboarding_provider_errors"
)

// Tag keys of the activities' metrics.
const (
	TagKind     = "kind"
	TagProvider = "provider"
	TagClass    = "class"
)

// ProviderErrorMetrics returns the worker interceptor that counts failed provider calls: every
// activity attempt that fails with a *providers.Error in its error chain counts once in
// MetricProviderErrors, tagged with the provider ("quickr", "creditro", "idv", "deepidv",
// "openbanking", or "app" for notifications) and the error's providers.Error.Class
// ("rate_limited", "server", "timeout", "network", "auth", "not_found", "conflict",
// "client"). An activity stops at its first failing call, so an attempt stands for one call;
// a failure the activity handles itself (a 409 it expected) fails nothing and is not
// counted, and neither are polls that find the provider not done yet. Every activity is
// covered without code of its own; workerapp installs it on every worker.
func ProviderErrorMetrics() interceptor.WorkerInterceptor {
	return &providerErrorMetrics{}
}

type providerErrorMetrics struct {
	interceptor.WorkerInterceptorBase
}

func (*providerErrorMetrics) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &providerErrorCounter{}
	i.Next = next
	return i
}

type providerErrorCounter struct {
	interceptor.ActivityInboundInterceptorBase
}

func (i *providerErrorCounter) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	res, err := i.Next.ExecuteActivity(ctx, in)
	if pe, ok := providers.AsError(err); ok {
		activity.GetMetricsHandler(ctx).
			WithTags(map[string]string{TagProvider: pe.Provider, TagClass: pe.Class()}).
			Counter(MetricProviderErrors).Inc(1)
	}
	return res, err
}

// countReminder counts one reminder of kind that reached the app. With notifications turned
// off (no NotifyURL) nothing is sent, so nothing is counted.
func (a *Activities) countReminder(ctx context.Context, kind string) {
	if a.NotifyURL == "" {
		return
	}
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{TagKind: reminderKind(kind)}).Counter(MetricRemindersSent).Inc(1)
}

// reminderKind is the metric's kind for a reminder plan's Kind: the workflow numbers the
// signing rounds ("signature-2"), the metric does not, so the series stay few.
func reminderKind(kind string) string {
	base, round, ok := strings.Cut(kind, "-")
	if !ok || round == "" || strings.Trim(round, "0123456789") != "" {
		return kind
	}
	return base
}
