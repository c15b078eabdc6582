package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/stackrun"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// Waiting is the extra history cost of long waits, each against the prompt path.
//
// A real dev server cannot skip time, so each wait runs with its policy durations (and the
// sandbox's delays) divided by Scale: a real time of WaitSpan stands for days, and the
// reminder cadence and deadlines shrink by the same factor, so the reminders, and with them
// the waits on the KYC case (one timer and one check per reminder, nothing in between), cost
// what they cost at real durations. The side checks' polls cannot shrink: their retry
// schedule starts at a fixed 5 s and doubles up to the policy's gap, so a scaled run makes
// fewer of them than real durations would. Expected computes the real-duration counts from
// that schedule, and the realistic onboarding's real-duration total replaces the poll
// retries the run measured with the computed ones (README, "Benchmarks").
type Waiting struct {
	Prompt      *PromptBaseline `json:"prompt"`
	Declaration *WaitCase       `json:"declaration"`
	Analysis    *WaitCase       `json:"creditAnalysis"`
	Realistic   *WaitCase       `json:"realistic"`
}

// PromptBaseline is the prompt path's median per onboarding (throughput phase).
type PromptBaseline struct {
	Events        float64 `json:"events"`
	Actions       float64 `json:"historyActions"`
	ServerActions float64 `json:"serverActions"`
}

// WaitCase is one onboarding with long waits.
type WaitCase struct {
	What     string  `json:"what"`
	Scale    float64 `json:"scale"` // real duration / run duration
	Outcome  string  `json:"outcome"`
	Events   int     `json:"events"`
	Actions  Actions `json:"historyActions"`
	ActTotal int     `json:"historyActionsTotal"`
	// RetriesByType are the poll retries the run's history shows, by activity.
	RetriesByType map[string]int `json:"retriesByType,omitempty"`
	// Server: the dev server's counters over the whole onboarding (one onboarding per server).
	Server        ServerCounters `json:"server"`
	ServerActions float64        `json:"serverActions"`
	// PollAttempts is failed poll attempts the server saw (RespondActivityTaskFailed).
	PollAttempts float64 `json:"pollAttemptsFailed"`
	Heartbeats   float64 `json:"heartbeats"`
	// RemindersToApp is the highest reminder number the app received; RemindersInStatus is
	// what the workflow's status says it sent.
	RemindersToApp    int `json:"remindersToApp"`
	RemindersInStatus int `json:"remindersInStatus"`
	// Extra* are this onboarding minus the prompt path's median.
	ExtraEvents        float64  `json:"extraEvents"`
	ExtraActions       float64  `json:"extraHistoryActions"`
	ExtraServerActions float64  `json:"extraServerActions"`
	Expected           Expected `json:"expectedAtRealDurations"`
}

// Expected is what the waits cost at real durations, computed from the reminder cadence (a
// case wait: one timer and one check per reminder) and the side checks' retry schedule
// (workflows.pollUntil: first retry after 5 s, doubling up to the policy's gap).
type Expected struct {
	Reminders int `json:"reminders"`
	// PollRetries are the side checks' poll retries before their results arrive.
	PollRetries int `json:"pollRetries"`
	// ExtraActions: 2 per reminder + the poll retries beyond the prompt path's.
	ExtraActions int `json:"extraActions"`
	// Total, for the realistic onboarding: its measured actions with the measured poll
	// retries replaced by PollRetries.
	Total int `json:"totalActions,omitempty"`
}

const firstPoll = 5 * time.Second // workflows.firstPoll

// sidePollActivities are the polls whose retries a scaled run undercounts.
var sidePollActivities = []string{"AwaitIdentityVerification", "AwaitCreditTerms", "AwaitCreditAnalysis"}

// pollRetries is how many retries a poll whose gap doubles from 5 s up to gap makes before
// a result that arrives after arrival (at real durations).
func pollRetries(gap, arrival time.Duration) int {
	n := 0
	d := min(firstPoll, gap)
	for t := d; t < arrival; t += d {
		n++
		d = min(2*d, gap)
	}
	return n
}

// sidePoll is one side check's poll at real durations.
type sidePoll struct{ gap, arrival time.Duration }

func expected(reminders int, polls ...sidePoll) Expected {
	e := Expected{Reminders: reminders}
	for _, p := range polls {
		e.PollRetries += pollRetries(p.gap, p.arrival)
	}
	e.ExtraActions = 2*reminders + e.PollRetries
	return e
}

func waitingPhase(ctx context.Context, bin stackrun.Binaries, dir string, span time.Duration, prompt *Workload) (*Waiting, error) {
	w := &Waiting{}
	if prompt != nil {
		w.Prompt = &PromptBaseline{Events: prompt.Events.Median, Actions: prompt.Actions.Median, ServerActions: prompt.ServerActions}
	}
	const (
		day         = 24 * time.Hour
		declWait    = 30*day + 12*time.Hour // half a day after the 10th reminder (day 30)
		declDead    = 45 * day
		analysisDur = 2 * time.Hour
		anMax       = 3 * time.Hour
		// The realistic onboarding: declaration after 5 days, signatures 3 days later, the
		// identity check a day after the declaration, credit terms after 2 days, the
		// analysis after 10 minutes.
		rDeclare, rSign, rIDV, rTerms, rAnalysis = 5 * day, 3 * day, day, 2 * day, 10 * time.Minute
	)
	def := api.DefaultPolicy()
	kDecl := float64(declWait) / float64(span)
	kAn := float64(analysisDur) / float64(span)
	kReal := float64(rDeclare+rSign) / float64(span)
	sc := func(d time.Duration, k float64) time.Duration { return time.Duration(float64(d) / k) }
	cases := []struct {
		name   string
		k      float64
		delays sandbox.Delays
		policy api.Policy
		exp    Expected
		out    **WaitCase
	}{
		{
			name: "declaration after 30.5 days (10 reminders)", k: kDecl,
			delays: sandbox.Delays{Declare: sc(declWait, kDecl)},
			policy: api.Policy{
				DeclarationDeadline:      api.Duration(sc(declDead, kDecl)),
				DeclarationReminderEvery: api.Duration(sc(def.DeclarationReminderEvery.D(), kDecl)),
			},
			exp: expected(int(declWait / def.DeclarationReminderEvery.D())),
			out: &w.Declaration,
		},
		{
			name: "credit analysis after 2 hours of polling", k: kAn,
			delays: sandbox.Delays{Analysis: sc(analysisDur, kAn)},
			policy: api.Policy{CreditAnalysisMaxWait: api.Duration(sc(anMax, kAn))},
			exp:    expected(0, sidePoll{def.CreditAnalysisPoll.D(), analysisDur}),
			out:    &w.Analysis,
		},
		{
			name: "realistic: declared day 5, signed day 8, IDV +1 day, terms +2 days, analysis +10 min", k: kReal,
			delays: sandbox.Delays{Declare: sc(rDeclare, kReal), Sign: sc(rSign, kReal), IDV: sc(rIDV, kReal),
				CreditTerms: sc(rTerms, kReal), Analysis: sc(rAnalysis, kReal)},
			policy: api.Policy{
				DeclarationReminderEvery: api.Duration(sc(def.DeclarationReminderEvery.D(), kReal)),
				SigningReminderEvery:     api.Duration(sc(def.SigningReminderEvery.D(), kReal)),
				DeclarationDeadline:      api.Duration(sc(def.DeclarationDeadline.D(), kReal)),
				IDVMaxWait:               api.Duration(sc(def.IDVMaxWait.D(), kReal)),
				CreditTermsMaxWait:       api.Duration(sc(def.CreditTermsMaxWait.D(), kReal)),
			},
			exp: expected(int(rDeclare/def.DeclarationReminderEvery.D())+int(rSign/def.SigningReminderEvery.D()),
				sidePoll{def.IDVPoll.D(), rIDV},
				sidePoll{def.CreditTermsPoll.D(), rTerms},
				sidePoll{def.CreditAnalysisPoll.D(), rAnalysis}),
			out: &w.Realistic,
		},
	}
	var wg sync.WaitGroup
	errs := make([]error, len(cases))
	for i, cs := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wc, err := runWaitCase(ctx, bin, dir, fmt.Sprintf("waiting-%d", i+1), cs.delays, cs.policy, span)
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", cs.name, err)
				return
			}
			wc.What, wc.Scale, wc.Expected = cs.name, cs.k, cs.exp
			if cs.out == &w.Realistic {
				measured := 0
				for _, act := range sidePollActivities {
					measured += wc.RetriesByType[act]
				}
				wc.Expected.Total = wc.ActTotal - measured + wc.Expected.PollRetries
			}
			if w.Prompt != nil {
				wc.ExtraEvents = float64(wc.Events) - w.Prompt.Events
				wc.ExtraActions = float64(wc.ActTotal) - w.Prompt.Actions
				wc.ExtraServerActions = wc.ServerActions - w.Prompt.ServerActions
			}
			*cs.out = wc
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return w, err
		}
	}
	return w, nil
}

func runWaitCase(ctx context.Context, bin stackrun.Binaries, dir, name string, delays sandbox.Delays, p api.Policy, span time.Duration) (*WaitCase, error) {
	e, err := startStack(ctx, bin, dir, stackOptions{name: name, delays: delays})
	if err != nil {
		return nil, err
	}
	defer e.close()
	before := e.counters(ctx)
	run, err := startOnboarding(ctx, e, benchRun(name, 1), p)
	if err != nil {
		return nil, err
	}
	id := run.GetID()
	wctx, cancel := context.WithTimeout(ctx, 3*span+2*time.Minute)
	defer cancel()
	var res api.OnboardingResult
	if err := run.Get(wctx, &res); err != nil {
		return nil, err
	}
	after := e.counters(ctx)
	hs, err := histories(ctx, e.c, []string{id}, 1)
	if err != nil {
		return nil, err
	}
	c := Analyze(hs[id], e.dc)
	wc := &WaitCase{
		Outcome: string(res.Outcome), Events: c.Events, Actions: c.Actions, ActTotal: c.Actions.Total(),
		RetriesByType: c.RetriesByType, Server: after.Sub(before),
	}
	wc.ServerActions = wc.Server.ActionsTotal()
	wc.PollAttempts = wc.Server.Requests["RespondActivityTaskFailed"]
	wc.Heartbeats = wc.Server.Requests["RecordActivityTaskHeartbeat"] + wc.Server.Requests["RecordActivityTaskHeartbeatById"]
	wc.RemindersToApp = remindersToApp(ctx, e.stack, id)
	// The status query is billed too, so it comes after the counters were read.
	if st, err := engine.New(e.c, stackrun.Namespace, "").Status(ctx, id); err == nil {
		wc.RemindersInStatus = st.RemindersSent["declaration"]
	}
	return wc, nil
}

// remindersToApp is the highest reminder number in the app inbox for the onboarding.
func remindersToApp(ctx context.Context, s *stackrun.Stack, id string) int {
	var inbox struct {
		Events []struct {
			Body struct {
				ID string `json:"id"`
			} `json:"body"`
		} `json:"events"`
	}
	if err := s.SandboxControl(ctx, http.MethodGet, "/control/inbox", nil, &inbox); err != nil {
		return -1
	}
	best := 0
	prefix := id + "/reminder/"
	for _, ev := range inbox.Events {
		rest, ok := strings.CutPrefix(ev.Body.ID, prefix)
		if !ok {
			continue
		}
		if i := strings.LastIndexByte(rest, '/'); i >= 0 {
			if k, err := strconv.Atoi(rest[i+1:]); err == nil {
				best = max(best, k)
			}
		}
	}
	return best
}
