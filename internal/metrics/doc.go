// Package metrics turns the worker's metrics into a Prometheus endpoint. New builds one
// client.MetricsHandler that the Temporal client (and through it the worker) gets as
// client.Options.MetricsHandler: the SDK's own metrics (temporal_*) and the engine's
// (onboarding_*, emitted by workflows and activities through the SDK's handler, so workflow
// metrics stay silent during replay) go through it into one registry, served by the
// returned http.Handler.
//
// The handler is the SDK's OpenTelemetry one (go.temporal.io/sdk/contrib/opentelemetry) over
// an OpenTelemetry meter provider with the Prometheus exporter and Prometheus's own client
// library. Histograms get buckets that fit what they measure: SDK latencies from a
// millisecond to an hour, the engine's onboarding_* durations from a second to sixty days.
//
// This package is wiring for mains; workflows and activities never import it (they see only
// client.MetricsHandler through the SDK). metricstest records metrics in tests.
package metrics
