package main

import (
	"fmt"
	"io"
	"time"
)

// Goal keys of Results.Summary, as the waiting-costs issue names them.
const (
	keyDeclarationWait = "declarationWait30dExtraActions"
	keyRealistic       = "realisticOnboardingActions"
	keyParkedRequests  = "parkedProviderRequestsPerSecond"
	keyParkedCPU       = "parkedServerCpuPercent"
	keyParkedRSS       = "parkedWorkerRssMB"
	keyDroppedP99      = "droppedWebhooksToNextStageP99Ms"
	keyBurstP99        = "burstWebhookToNextStageP99Ms"
	keyLastEventP99    = "lastEventToOutcomeP99Ms"
	keyRatio           = "throughputRatio"
	keyPromptActions   = "promptActions"
	keyPromptEvents    = "promptEvents"

	// The cluster profile's (-profile cluster), beside the dev server's above.
	keyClusterRatio      = "clusterThroughputRatio"
	keyClusterBurstP99   = "clusterBurstWebhookToNextStageP99Ms"
	keyClusterParkedCPU  = "clusterParkedServerCpuPercent"
	keyClusterParkedRSS  = "clusterParkedWorkerRssMB"
	keyClusterParkedReqs = "clusterParkedProviderRequestsPerSecond"
	keyClusterDBBytes    = "clusterDbBytesPerParkedOnboarding"
	keyDevDBBytes        = "devDbBytesPerParkedOnboarding"
)

// goal is one line of the goals table: the key, what it means, and the goal.
type goal struct {
	key, what string
	max, min  float64 // one of them set
}

var goals = []goal{
	{keyDeclarationWait, "extra billable actions, 30-day declaration wait", 30, 0},
	{keyRealistic, "billable actions, realistic onboarding (real durations)", 100, 0},
	{keyParkedRequests, "parked: provider requests per second", 0.5, 0},
	{keyParkedCPU, "parked: server CPU % of a core, idle", 10, 0},
	{keyParkedRSS, "parked: worker RSS MB", 300, 0},
	{keyDroppedP99, "every webhook dropped: change -> next stage p99 ms", (5 * time.Minute).Seconds() * 1000, 0},
	{keyBurstP99, "burst of webhooks: webhook -> next stage p99 ms", 5000, 0},
	{keyLastEventP99, "last provider event -> outcome p99 ms, unloaded", 400, 0},
	{keyRatio, "throughput ratio onboarding / floor (lowest variant)", 0, 1.0},
	{keyPromptActions, "prompt onboarding: billable actions (median)", 30, 0},
	{keyPromptEvents, "prompt onboarding: history events (median)", 80, 0},
	{keyClusterRatio, "cluster: throughput ratio onboarding / floor", 0, 1.0},
	{keyClusterBurstP99, "cluster: burst webhook -> next stage p99 ms", 5000, 0},
	{keyClusterParkedReqs, "cluster parked: provider requests per second", 0.5, 0},
	{keyClusterParkedCPU, "cluster parked: server CPU % of a core, idle", 10, 0},
	{keyClusterParkedRSS, "cluster parked: RSS MB of both workers", 300, 0},
}

// summary collects the goal numbers from the phases that ran.
func summary(r *Results) map[string]float64 {
	s := map[string]float64{}
	msOf := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	if len(r.Throughput) > 0 {
		ratio := -1.0
		for _, t := range r.Throughput {
			if t.Variant == variantCluster {
				s[keyClusterRatio] = t.Ratio
				continue
			}
			if ratio < 0 || t.Ratio < ratio {
				ratio = t.Ratio
			}
		}
		if ratio >= 0 {
			s[keyRatio] = ratio
		}
		if o := r.Throughput[0].Onboarding; o != nil {
			s[keyPromptActions] = o.Actions.Median
			s[keyPromptEvents] = o.Events.Median
		}
		if u := r.Throughput[0].Unloaded; u != nil {
			s[keyLastEventP99] = msOf(u.LastProviderToOutcome.P99)
		}
	}
	if w := r.Waiting; w != nil {
		if w.Declaration != nil && w.Prompt != nil {
			s[keyDeclarationWait] = w.Declaration.ExtraActions
		}
		if w.Realistic != nil && w.Realistic.Expected.Total > 0 {
			s[keyRealistic] = float64(w.Realistic.Expected.Total)
		}
	}
	for _, b := range r.Burst {
		if b.Server == "cluster" {
			if b.Tuning == "engine" {
				s[keyClusterBurstP99] = msOf(b.WebhookToStage.P99)
			}
			continue
		}
		switch b.Tuning {
		case "engine":
			s[keyBurstP99] = msOf(b.WebhookToStage.P99)
		case tuningDropped:
			s[keyDroppedP99] = msOf(b.DeclareToStage.P99)
		}
	}
	if p := r.Parked; p != nil && p.ParkSeconds > 0 && p.Idle.Seconds > 0 {
		s[keyParkedRequests] = float64(p.IdleProviderRequests) / p.Idle.Seconds
		s[keyParkedCPU] = p.ServerCPUPercent
		s[keyParkedRSS] = float64(p.WorkerRSS) / (1 << 20)
	}
	if p := r.Parked; p != nil && p.FileParkSeconds > 0 {
		s[keyDevDBBytes] = p.DBBytesPer
	}
	if c := r.ParkedCluster; c != nil && c.Idle.Seconds > 0 {
		s[keyClusterParkedReqs] = float64(c.IdleProviderRequests) / c.Idle.Seconds
		s[keyClusterParkedCPU] = c.ServerCPUPercent
		s[keyClusterParkedRSS] = float64(c.WorkerRSS) / (1 << 20)
		s[keyClusterDBBytes] = c.DBBytesPer
	}
	return s
}

// printGoals writes the goals table for the keys the run measured.
func printGoals(out io.Writer, s map[string]float64) {
	if len(s) == 0 {
		return
	}
	fmt.Fprintln(out, "\n== Goals (bench-results/latest.json \"summary\") ==")
	for _, g := range goals {
		v, ok := s[g.key]
		if !ok {
			continue
		}
		verdict, limit := "ok", ""
		switch {
		case g.max > 0:
			limit = fmt.Sprintf("<= %g", g.max)
			if v > g.max {
				verdict = "MISSED"
			}
		default:
			limit = fmt.Sprintf(">= %g", g.min)
			if v < g.min {
				verdict = "MISSED"
			}
		}
		fmt.Fprintf(out, "   %-40s %10.2f  goal %-10s %-6s %s\n", g.key, v, limit, verdict, g.what)
	}
}
