package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/merchantflow/onboarding/internal/stackrun"
)

func ms(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d)/float64(time.Millisecond)) }

func mb(b int64) string { return fmt.Sprintf("%.0f", float64(b)/(1<<20)) }

func lat(p Percentiles) string { return ms(p.P50) + "/" + ms(p.P95) + "/" + ms(p.P99) }

// printTable writes the human-readable summary.
func printTable(out io.Writer, r *Results) {
	fmt.Fprintf(out, "\nmake bench, %s: %d CPUs (%s), %s RAM, %s\n", r.StartedAt.Format(time.RFC3339), r.Machine.CPUs, r.Machine.CPUModel, r.Machine.MemTotal, r.Machine.Go)
	if len(r.Throughput) > 0 {
		fmt.Fprintf(out, "\n== Throughput: %d onboardings (automated path) vs %d floor runs (%d no-op activities), same server and worker ==\n", r.Flags.N, r.Flags.N, floorActivities())
		fmt.Fprintln(out, "   latency ms p50/p95/p99; events and history actions: median per workflow; server actions: the dev server's own counter per workflow")
		tw := tabwriter.NewWriter(out, 2, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "server\tworkflow\trate/s\tstart->outcome\tlast provider event->outcome\tevents\tactions (history)\tactions (server)\tworker CPU ms/wf\tserver CPU ms/wf\tworker peak RSS MB\toutcomes")
		for _, t := range r.Throughput {
			for _, w := range []*Workload{t.Onboarding, t.Floor} {
				fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%s\t%.0f\t%.0f\t%.1f\t%.1f\t%.1f\t%s\t%s\n", t.Variant, w.Kind, w.Rate,
					lat(w.StartToOutcome), lat(w.LastProviderToOutcome), w.Events.Median, w.Actions.Median, w.ServerActions,
					w.WorkerCPUms, w.ServerCPUms, mb(w.Usage.WorkerPeakRSS), outcomes(w.Outcomes))
			}
		}
		tw.Flush()
		for _, t := range r.Throughput {
			fmt.Fprintf(out, "   %s: throughput ratio onboarding/floor %.2f (%.1f/s vs %.1f/s)\n", t.Variant, t.Ratio, t.Onboarding.Rate, t.Floor.Rate)
		}
		if o := r.Throughput[0].Onboarding; o != nil {
			a := o.ActionsOfMedian
			fmt.Fprintf(out, "   onboarding history actions (median workflow): start %d + activities %d + retries %d + timers %d + signals %d + updates %d + search-attribute upserts %d + other %d = %d\n",
				a.WorkflowStarted, a.Activities, a.ActivityRetries, a.Timers, a.Signals, a.Updates, a.Upserts, a.Other, a.Total())
		}
	}
	if w := r.Waiting; w != nil && (w.Declaration != nil || w.Analysis != nil || w.Realistic != nil) {
		fmt.Fprintln(out, "\n== Extra history cost of waiting (against the prompt path's median) ==")
		if w.Prompt != nil {
			fmt.Fprintf(out, "   prompt path: %.0f events, %.0f history actions, %.1f server actions\n", w.Prompt.Events, w.Prompt.Actions, w.Prompt.ServerActions)
		}
		fmt.Fprintln(out, "   SCALED, not real time: a dev server cannot skip timers, so policy durations and the sandbox's delays are divided by the")
		fmt.Fprintln(out, "   scale. Reminders (and with them the case checks: one timer and one check each) are as many as at real durations; the")
		fmt.Fprintln(out, "   side checks' polls start at a fixed 5 s, so the run makes FEWER of them, and the last column computes them (README).")
		tw := tabwriter.NewWriter(out, 2, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "wait\tscale\toutcome\tevents (+)\thistory actions (+)\tserver actions (+)\tfailed polls\theartbeats\treminders app/status\treal durations (computed): reminders, poll retries, extra actions, total")
		for _, c := range []*WaitCase{w.Declaration, w.Analysis, w.Realistic} {
			if c == nil {
				continue
			}
			x := c.Expected
			total := "-"
			if x.Total > 0 {
				total = fmt.Sprint(x.Total)
			}
			fmt.Fprintf(tw, "%s\tx%.0f\t%s\t%d (%+.0f)\t%d (%+.0f)\t%.0f (%+.0f)\t%.0f\t%.0f\t%d/%d\t%d, %d, %+d, %s\n", c.What, c.Scale, c.Outcome,
				c.Events, c.ExtraEvents, c.ActTotal, c.ExtraActions, c.ServerActions, c.ExtraServerActions, c.PollAttempts, c.Heartbeats,
				c.RemindersToApp, c.RemindersInStatus, x.Reminders, x.PollRetries, x.ExtraActions, total)
		}
		tw.Flush()
	}
	if len(r.Burst) > 0 {
		fmt.Fprintf(out, "\n== Burst: %d onboardings parked at the declaration, then all declared at once (webhooks) ==\n", r.Flags.BurstN)
		tw := tabwriter.NewWriter(out, 2, 2, 2, ' ', 0)
		fmt.Fprintln(tw, "server\tworker settings\tpark s\twebhook->next stage ms p50/p95/p99\tdeclare->next stage ms p50/p95/p99\tdrain s\treached\tworker CPU s\toutcomes")
		for _, b := range r.Burst {
			server := b.Server
			if server == "" {
				server = "dev"
			}
			fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%.1f\t%d/%d\t%.1f\t%s\n", server, tuningLabel(b.Tuning), b.ParkSeconds, lat(b.WebhookToStage), lat(b.DeclareToStage),
				b.DrainSeconds, b.Reached, b.N, b.Usage.WorkerCPUSec, outcomes(b.Outcomes))
		}
		tw.Flush()
	}
	if p := r.Parked; p != nil && (p.ParkSeconds > 0 || p.FileParkSeconds > 0) {
		fmt.Fprintln(out, "\n== Parked scale: onboardings waiting for the declaration ==")
		if p.ParkSeconds > 0 {
			polls := p.IdleServer.Requests["RespondActivityTaskFailed"]
			fmt.Fprintf(out, "   in-memory server, %d parked in %.0f s (starts paced at %.0f/s); idle %.0f s: server CPU %.1f%%, worker CPU %.1f%% of one core;\n",
				p.N, p.ParkSeconds, p.Rate, p.Idle.Seconds, p.ServerCPUPercent, p.WorkerCPUPercent)
			fmt.Fprintf(out, "   worker RSS %s MB (%.1f KB per onboarding above the idle worker), server RSS %s MB; %.0f poll attempts ran in the idle window (%.1f/s: the polls' eager first retries)\n",
				mb(p.WorkerRSS), float64(p.WorkerRSS-p.WorkerRSSBase)/1024/float64(p.N), mb(p.ServerRSS), polls, polls/p.Idle.Seconds)
		}
		if p.FileParkSeconds > 0 {
			fmt.Fprintf(out, "   file-backed server, %d parked in %.0f s: database grew %s MB, %.0f bytes per onboarding\n",
				p.FileN, p.FileParkSeconds, mb(p.DBBytes), p.DBBytesPer)
		}
	}
	if c := r.ParkedCluster; c != nil && c.ParkSeconds > 0 {
		fmt.Fprintf(out, "   cluster (Temporal Server %s on PostgreSQL, %d shards, two workers), %d parked in %.0f s; idle %.0f s: server CPU %.1f%%, workers CPU %.1f%% of one core;\n",
			stackrun.ServerVersion, stackrun.DefaultShards, c.N, c.ParkSeconds, c.Idle.Seconds, c.ServerCPUPercent, c.WorkerCPUPercent)
		fmt.Fprintf(out, "   workers RSS %s MB together (%.1f KB per onboarding above the idle workers), server RSS %s MB; %d provider requests idle;\n",
			mb(c.WorkerRSS), float64(c.WorkerRSS-c.WorkerRSSBase)/1024/float64(c.N), mb(c.ServerRSS), c.IdleProviderRequests)
		fmt.Fprintf(out, "   PostgreSQL (pg_database_size) grew %s MB (visibility %s MB): %.0f bytes per onboarding\n", mb(c.DBBytes), mb(c.VisibilityBytes), c.DBBytesPer)
	}
	printSideBySide(out, r)
	if len(r.Errors) > 0 {
		fmt.Fprintln(out, "\nERRORS:")
		for _, e := range r.Errors {
			fmt.Fprintln(out, "  "+e)
		}
	}
}

func tuningLabel(t string) string {
	switch t {
	case "sdk":
		return "Go SDK defaults"
	case tuningDropped:
		return "engine defaults, every Quickr webhook dropped (reconciler)"
	}
	return "engine defaults (ONBOARDING_WORKER_*)"
}

func outcomes(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// printSideBySide puts the cluster profile's numbers beside the dev server's of the same run.
func printSideBySide(out io.Writer, r *Results) {
	var cluster *Throughput
	for _, t := range r.Throughput {
		if t.Variant == variantCluster {
			cluster = t
		}
	}
	if cluster == nil && r.ParkedCluster == nil {
		return
	}
	fmt.Fprintln(out, "\n== Dev server vs cluster (Temporal Server on PostgreSQL), this run ==")
	tw := tabwriter.NewWriter(out, 2, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "number\tdev server\tcluster")
	for _, t := range r.Throughput {
		if t.Variant == variantCluster {
			continue
		}
		if cluster != nil {
			fmt.Fprintf(tw, "throughput ratio onboarding/floor (dev %s)\t%.2f (%.1f vs %.1f/s)\t%.2f (%.1f vs %.1f/s)\n", t.Variant, t.Ratio, t.Onboarding.Rate, t.Floor.Rate,
				cluster.Ratio, cluster.Onboarding.Rate, cluster.Floor.Rate)
		}
	}
	var devBurst, clusterBurst *Burst
	for _, b := range r.Burst {
		if b.Tuning == "engine" && b.Server == "cluster" {
			clusterBurst = b
		} else if b.Tuning == "engine" {
			devBurst = b
		}
	}
	if devBurst != nil && clusterBurst != nil {
		fmt.Fprintf(tw, "burst of %d: webhook -> next stage p50/p99 ms, drain s\t%s/%s, %.1f\t%s/%s, %.1f\n", r.Flags.BurstN,
			ms(devBurst.WebhookToStage.P50), ms(devBurst.WebhookToStage.P99), devBurst.DrainSeconds,
			ms(clusterBurst.WebhookToStage.P50), ms(clusterBurst.WebhookToStage.P99), clusterBurst.DrainSeconds)
	}
	if p, c := r.Parked, r.ParkedCluster; p != nil && c != nil {
		if p.ParkSeconds > 0 {
			fmt.Fprintf(tw, "parked, idle: server CPU %% of a core (dev %d, cluster %d parked)\t%.1f\t%.1f\n", p.N, c.N, p.ServerCPUPercent, c.ServerCPUPercent)
			fmt.Fprintf(tw, "parked, idle: worker RSS MB (cluster: both workers)\t%s\t%s\n", mb(p.WorkerRSS), mb(c.WorkerRSS))
			fmt.Fprintf(tw, "parked, idle: provider requests\t%d\t%d\n", p.IdleProviderRequests, c.IdleProviderRequests)
		}
		if p.FileParkSeconds > 0 {
			fmt.Fprintf(tw, "database bytes per parked onboarding (dev: SQLite file, %d; cluster: pg_database_size, %d)\t%.0f\t%.0f\n", p.FileN, c.N, p.DBBytesPer, c.DBBytesPer)
		}
	}
	tw.Flush()
}
