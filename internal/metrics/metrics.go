package metrics

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// Path is where the worker serves the metrics.
const Path = "/metrics"

// EnginePrefix starts the name of every metric the engine emits itself. Histograms under it
// measure business time (stages that last days) and get StageBuckets.
const EnginePrefix = "onboarding_"

// LatencyBuckets are the bucket bounds, in seconds, of the SDK's timers: request, task and
// activity latencies from a millisecond to an hour.
var LatencyBuckets = []float64{
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
}

// StageBuckets are the bucket bounds, in seconds, of the engine's own durations
// (onboarding_stage_duration): a stage takes seconds when providers answer at once and weeks
// when people are slow, so they run from a second to sixty days.
var StageBuckets = []float64{
	1, 10, 60, 300, 900, 1800,
	hours(1), hours(3), hours(6), hours(12),
	days(1), days(2), days(3), days(5), days(7), days(14), days(21), days(30), days(45), days(60),
}

func hours(n float64) float64 { return n * time.Hour.Seconds() }
func days(n float64) float64  { return hours(24 * n) }

// New returns the handler for client.Options.MetricsHandler, the http.Handler that serves
// everything recorded through it in the Prometheus text format (mount it at Path), and the
// closer that flushes and stops the meter provider when the worker is done.
//
// Counters are monotonic, so Prometheus sees them as counters with a _total suffix; timers
// become histograms in seconds (_seconds). The Go runtime and process collectors are
// registered too.
func New() (client.MetricsHandler, http.Handler, io.Closer, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, nil, nil, err
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, nil, nil, err
	}
	exporter, err := otelprom.New(
		otelprom.WithRegisterer(reg),
		otelprom.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes),
		// One process, one scope: the scope and resource labels would only repeat themselves.
		otelprom.WithoutScopeInfo(),
		otelprom.WithoutTargetInfo(),
	)
	if err != nil {
		return nil, nil, nil, err
	}
	provider := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(exporter),
		sdkmetric.WithResource(resource.Empty()),
		sdkmetric.WithView(histogramBuckets),
	)
	handler := temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                provider.Meter("temporal-sdk-go"),
		UseMonotonicCounters: true,
		// An instrument that cannot be made (a name used with two kinds) is a bug to report,
		// not a reason to stop a workflow task.
		OnError: otel.Handle,
	})
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return handler, h, closer(provider.Shutdown), nil
}

// histogramBuckets gives every histogram the buckets of what it measures.
func histogramBuckets(i sdkmetric.Instrument) (sdkmetric.Stream, bool) {
	if i.Kind != sdkmetric.InstrumentKindHistogram {
		return sdkmetric.Stream{}, false
	}
	bounds := LatencyBuckets
	if strings.HasPrefix(i.Name, EnginePrefix) {
		bounds = StageBuckets
	}
	return sdkmetric.Stream{
		Name:        i.Name,
		Description: i.Description,
		Unit:        i.Unit,
		Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: bounds},
	}, true
}

// closer adapts a shutdown function to io.Closer, bounded in time.
type closer func(context.Context) error

// Close shuts the meter provider down, waiting at most five seconds.
func (c closer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c(ctx)
}
