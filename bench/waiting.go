package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/stackrun"
	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/workflows"
)

// Waiting is the extra history cost of two long waits, each against the prompt path.
//
// A real dev server cannot skip time, so each wait runs with its policy durations (and the
// sandbox's delay) divided by Scale: a real time of WaitSpan stands for 30 days or 2 hours,
// and the reminder cadence and deadlines shrink by the same factor, so the reminders are as
// many as at real durations. The poll interval cannot shrink as far: the dev server retries
// an activity at most about once a second, so the scaled poll interval is at least 1 s and
// the run makes fewer polls than real durations would. Every poll costs the same (one retry
// action, and one heartbeat action once a reminder is due; history events do not grow), so
// Expected computes the real-duration counts from the retry policy and PerPoll shows the
// measured cost of one poll.
type Waiting struct {
	Prompt      *PromptBaseline `json:"prompt"`
	Declaration *WaitCase       `json:"declaration"`
	Analysis    *WaitCase       `json:"creditAnalysis"`
}

// PromptBaseline is the prompt path's median per onboarding (throughput phase).
type PromptBaseline struct {
	Events        float64 `json:"events"`
	Actions       float64 `json:"historyActions"`
	ServerActions float64 `json:"serverActions"`
}

// WaitCase is one onboarding with one long wait.
type WaitCase struct {
	What     string  `json:"what"`
	Scale    float64 `json:"scale"` // real duration / run duration
	Outcome  string  `json:"outcome"`
	Events   int     `json:"events"`
	Actions  Actions `json:"historyActions"`
	ActTotal int     `json:"historyActionsTotal"`
	// Server: the dev server's counters over the whole onboarding (one onboarding per server).
	Server        ServerCounters `json:"server"`
	ServerActions float64        `json:"serverActions"`
	// PollInterval is the scaled poll interval the run used.
	PollInterval string `json:"pollInterval"`
	// PollAttempts is failed poll attempts the server saw (RespondActivityTaskFailed).
	PollAttempts float64 `json:"pollAttemptsFailed"`
	Heartbeats   float64 `json:"heartbeats"`
	// PerPoll is the server's actions (activity_retry + heartbeats) per failed poll.
	PerPoll float64 `json:"serverActionsPerFailedPoll"`
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

// Expected is what the wait costs at real durations, computed from the poll's retry policy
// (workflows.pollUntil: first retry after 5 s, doubling up to the poll interval) and the
// reminder cadence.
type Expected struct {
	PollAttempts int `json:"pollAttempts"`
	Reminders    int `json:"reminders"`
	// Heartbeats: every attempt after the first reminder records the reminder count, and the
	// first heartbeat of an attempt always reaches the server.
	Heartbeats int `json:"heartbeats"`
	// ExtraActions = the poll's retries + heartbeats (history events do not grow with polls).
	ExtraActions int `json:"extraActions"`
}

const firstPoll = 5 * time.Second // workflows.firstPoll

// pollAttempts is how many attempts a poll with interval makes before arrival (the attempts
// that find nothing), at real durations.
func pollAttempts(interval, arrival time.Duration) (times []time.Duration) {
	d := min(firstPoll, interval)
	for t := time.Duration(0); t < arrival; {
		times = append(times, t)
		t += d
		d = min(2*d, interval)
	}
	return times
}

func expected(interval, arrival, reminderEvery time.Duration) Expected {
	times := pollAttempts(interval, arrival)
	e := Expected{PollAttempts: len(times) + 1}
	if reminderEvery > 0 {
		e.Reminders = int(arrival / reminderEvery)
		for _, t := range times {
			if t >= reminderEvery {
				e.Heartbeats++
			}
		}
	}
	e.ExtraActions = len(times) - 1 + e.Heartbeats
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
		declEvery   = 3 * day
		declPoll    = 15 * time.Minute
		declDead    = 45 * day
		analysisDur = 2 * time.Hour
		anPoll      = 30 * time.Second
		anMax       = 3 * time.Hour
	)
	kDecl := float64(declWait) / float64(span)
	kAn := float64(analysisDur) / float64(span)
	sc := func(d time.Duration, k float64) time.Duration { return time.Duration(float64(d) / k) }
	// The dev server retries an activity at most about once a second.
	poll := func(d time.Duration, k float64) time.Duration { return max(time.Second, sc(d, k)) }
	cases := []struct {
		name   string
		k      float64
		delays sandbox.Delays
		policy workflows.Policy
		exp    Expected
		out    **WaitCase
	}{
		{
			name: "declaration after 30.5 days (10 reminders)", k: kDecl,
			delays: sandbox.Delays{Declare: sc(declWait, kDecl)},
			policy: workflows.Policy{
				DeclarationDeadline:      workflows.Duration(sc(declDead, kDecl)),
				DeclarationReminderEvery: workflows.Duration(sc(declEvery, kDecl)),
				DeclarationPoll:          workflows.Duration(poll(declPoll, kDecl)),
			},
			exp: expected(declPoll, declWait, declEvery),
			out: &w.Declaration,
		},
		{
			name: "credit analysis after 2 hours of polling", k: kAn,
			delays: sandbox.Delays{Analysis: sc(analysisDur, kAn)},
			policy: workflows.Policy{
				CreditAnalysisPoll:    workflows.Duration(poll(anPoll, kAn)),
				CreditAnalysisMaxWait: workflows.Duration(sc(anMax, kAn)),
			},
			exp: expected(anPoll, analysisDur, 0),
			out: &w.Analysis,
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
			wc.PollInterval = (time.Duration(max(cs.policy.DeclarationPoll, cs.policy.CreditAnalysisPoll))).String()
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

func runWaitCase(ctx context.Context, bin stackrun.Binaries, dir, name string, delays sandbox.Delays, p workflows.Policy, span time.Duration) (*WaitCase, error) {
	e, err := startStack(ctx, bin, dir, stackOptions{name: name, delays: delays})
	if err != nil {
		return nil, err
	}
	defer e.close()
	before := e.counters(ctx)
	id := onboardingID(name, 1)
	run, err := startOnboarding(ctx, e.c, e.tq, id, p)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 3*span+2*time.Minute)
	defer cancel()
	var res workflows.OnboardingResult
	if err := run.Get(wctx, &res); err != nil {
		return nil, err
	}
	after := e.counters(ctx)
	hs, err := histories(ctx, e.c, []string{id}, 1)
	if err != nil {
		return nil, err
	}
	c := Analyze(hs[id])
	wc := &WaitCase{
		Outcome: string(res.Outcome), Events: c.Events, Actions: c.Actions, ActTotal: c.Actions.Total(),
		Server: after.Sub(before),
	}
	wc.ServerActions = wc.Server.ActionsTotal()
	wc.PollAttempts = wc.Server.Requests["RespondActivityTaskFailed"]
	wc.Heartbeats = wc.Server.Requests["RecordActivityTaskHeartbeat"] + wc.Server.Requests["RecordActivityTaskHeartbeatById"]
	if wc.PollAttempts > 0 {
		wc.PerPoll = (wc.Server.Actions["activity_retry"] + wc.Server.Actions["grpc_RecordActivityTaskHeartbeat"]) / wc.PollAttempts
	}
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
