package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/stackrun"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// parkDelay keeps the sandbox from declaring by itself during a run: onboardings stay parked
// at the declaration until the bench declares for them.
const parkDelay = 240 * time.Hour

// Burst is N onboardings parked at the declaration, then every declaration made at once
// (sandbox control endpoint), each followed by Quickr's webhook to the gateway.
type Burst struct {
	Tuning string `json:"tuning"` // "sdk" (Go SDK defaults) or "engine" (ONBOARDING_WORKER_* defaults)
	Server string `json:"server"` // "dev" (dev server) or "cluster" (Temporal Server on PostgreSQL)
	N      int    `json:"n"`
	// ParkSeconds is how long starting and parking the N took.
	ParkSeconds float64 `json:"parkSeconds"`
	// WebhookToStage: the declaration webhook's signal -> OnboardingStage=AWAITING_SIGNATURE.
	WebhookToStage Percentiles `json:"webhookToStage"`
	// DeclareToStage: the declare call -> the same stage (adds webhook delivery).
	DeclareToStage Percentiles `json:"declareToStage"`
	// DrainSeconds: first declare call -> the last onboarding in the next stage.
	DrainSeconds float64        `json:"drainSeconds"`
	Reached      int            `json:"reachedNextStage"`
	Outcomes     map[string]int `json:"outcomes"`
	Usage        Usage          `json:"usage"`
}

// tuningDropped is the burst with every Quickr webhook dropped (engine tuning): the
// reconciler's sweep is then all that moves the onboardings on.
const tuningDropped = "dropped"

func burstPhase(ctx context.Context, bin stackrun.Binaries, dir, tuning string, n, par int, cluster bool) (*Burst, error) {
	stackTuning := tuning
	if tuning == tuningDropped {
		stackTuning = "engine"
	}
	name := "burst-" + tuning
	server := "dev"
	if cluster {
		name, server = "burst-cluster-"+tuning, "cluster"
	}
	e, err := startStack(ctx, bin, dir, stackOptions{name: name, tuning: stackTuning, delays: sandbox.Delays{Declare: parkDelay}, cluster: cluster})
	if err != nil {
		return nil, err
	}
	defer e.close()
	b := &Burst{Tuning: tuning, N: n, Server: server}
	t0 := time.Now()
	ids, err := park(ctx, e, "burst", n, par, 0)
	if err != nil {
		return nil, err
	}
	b.ParkSeconds = time.Since(t0).Seconds()
	if tuning == tuningDropped {
		faults := map[string]sandbox.Fault{"quickr": {DropWebhooks: 1}}
		if err := e.stack.SandboxControl(ctx, http.MethodPut, "/control/faults", faults, nil); err != nil {
			return nil, err
		}
	}

	logf("%s: %d parked in %.0fs; declaring all at once", e.name, n, b.ParkSeconds)
	m := startMeter(e)
	declared := make([]time.Time, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 100)
	first := time.Now()
	var derr error
	var mu sync.Mutex
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			declared[i] = time.Now()
			if err := e.stack.SandboxControl(ctx, http.MethodPost, "/control/quickr/cases/"+id+"/declare", nil, nil); err != nil {
				mu.Lock()
				derr = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if derr != nil {
		return nil, derr
	}
	// Auto mode does the rest at once (sign, IDV, analyses): wait for every outcome.
	b.Outcomes = map[string]int{}
	err = forEach(ctx, len(ids), 64, func(i int) error {
		var out api.OnboardingResult
		wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		defer cancel()
		err := e.c.GetWorkflow(wctx, ids[i], "").Get(wctx, &out)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			b.Outcomes["error: "+firstLine(err.Error())]++
			return nil
		}
		b.Outcomes[string(out.Outcome)]++
		return nil
	})
	b.Usage = m.stop()
	if err != nil {
		return nil, err
	}
	hs, err := histories(ctx, e.c, ids, 16)
	if err != nil {
		return nil, err
	}
	var hook, decl []time.Duration
	var last time.Time
	for i, id := range ids {
		ev := hs[id]
		stage := StageReached(ev, string(api.StageAwaitingSignature))
		if stage.IsZero() {
			continue
		}
		b.Reached++
		last = latest(last, stage)
		decl = append(decl, stage.Sub(declared[i]))
		if sig := FirstSignalAfter(ev, declared[i]); !sig.IsZero() && !sig.After(stage) {
			hook = append(hook, stage.Sub(sig))
		}
	}
	b.WebhookToStage = percentiles(hook)
	b.DeclareToStage = percentiles(decl)
	if !last.IsZero() {
		b.DrainSeconds = last.Sub(first).Seconds()
	}
	return b, nil
}

// park starts n onboardings with the default policy, at most rate per second (0: as fast as
// par starts in flight allow), and waits until all of them wait for the declaration.
func park(ctx context.Context, e *env, tag string, n, par int, rate float64) ([]string, error) {
	run := fmt.Sprintf("%s-%d", tag, time.Now().UnixNano())
	var tick <-chan time.Time
	if rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer t.Stop()
		tick = t.C
	}
	ids, err := startAll(ctx, n, par, func(ctx context.Context, i int) (client.WorkflowRun, error) {
		if tick != nil {
			select {
			case <-tick:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return startOnboarding(ctx, e, benchRun(run, i), api.Policy{})
	})
	if err != nil {
		return nil, err
	}
	_, err = waitCount(ctx, 30*time.Minute, int64(n), func(ctx context.Context) (int64, error) {
		return countRunning(ctx, e.c, api.StageAwaitingDeclaration)
	})
	return ids, err
}

// Parked is onboardings parked at the declaration. The dev server backed by a SQLite file
// cannot take 10,000 parked onboardings in a bench's time on two cores (its writes time out
// and it falls behind), so the scale numbers (idle CPU, worker memory) come from the in-memory
// server with N onboardings, and the database bytes from the file-backed server with FileN.
// Starts are paced (Rate) so the server keeps up instead of timing out.
type Parked struct {
	N           int     `json:"n"`
	Rate        float64 `json:"startsPerSecond"`
	ParkSeconds float64 `json:"parkSeconds"`
	ParkRate    float64 `json:"parkedPerSecond"`
	// Idle is the window after parking: server and worker CPU, worker memory.
	Idle Usage `json:"idle"`
	// IdleServer are the server's counters over the idle window (the polls' first, eager
	// retries still run: 5 s, 10 s, 20 s, ... up to the 15-minute poll interval).
	IdleServer       ServerCounters `json:"idleServer"`
	ServerCPUPercent float64        `json:"serverCpuPercentIdle"`
	WorkerCPUPercent float64        `json:"workerCpuPercentIdle"`
	WorkerRSS        int64          `json:"workerRssBytes"`
	WorkerRSSBase    int64          `json:"workerRssBytesBeforeParking"`
	ServerRSS        int64          `json:"serverRssBytes"`
	// IdleProviderRequests are the provider API requests the sandbox served in the idle
	// window (every provider, every route).
	IdleProviderRequests int `json:"idleProviderRequests"`

	FileN           int     `json:"fileN"`
	FileParkSeconds float64 `json:"fileParkSeconds"`
	DBBytes         int64   `json:"dbBytes"` // temporal.db + journal/WAL, growth over the file-backed run
	DBBytesPer      float64 `json:"dbBytesPerOnboarding"`
}

func parkedPhase(ctx context.Context, bin stackrun.Binaries, dir string, n, fileN int, rate, fileRate float64, idle time.Duration) (*Parked, error) {
	p := &Parked{N: n, Rate: rate, FileN: fileN}
	if n > 0 {
		e, err := startStack(ctx, bin, dir, stackOptions{name: "parked-memory", delays: sandbox.Delays{Declare: parkDelay}})
		if err != nil {
			return nil, err
		}
		defer e.close()
		// What was measured before an error is kept, as the rest of the report is.
		w, err := parkAndWatch(ctx, e, n, rate, idle, true)
		p.WorkerRSSBase, p.ParkSeconds, p.Idle, p.IdleServer = w.workerRSSBase, w.parkSeconds, w.idle, w.server
		if p.ParkSeconds > 0 {
			p.ParkRate = float64(n) / p.ParkSeconds
		}
		if err != nil {
			return p, err
		}
		p.IdleProviderRequests, p.ServerCPUPercent, p.WorkerCPUPercent = w.providerRequests, w.serverCPUPercent, w.workerCPUPercent
		p.WorkerRSS, p.ServerRSS = w.idle.WorkerRSSAtEnd, w.serverRSS
		e.close()
	}
	if fileN > 0 {
		e, err := startStack(ctx, bin, dir, stackOptions{name: "parked-file", persist: true, delays: sandbox.Delays{Declare: parkDelay}})
		if err != nil {
			return p, err
		}
		defer e.close()
		db0 := dbSize(e.stack.Dir)
		t0 := time.Now()
		logf("%s: parking %d onboardings at %.0f/s", e.name, fileN, fileRate)
		if _, err := park(ctx, e, "parked", fileN, 16, fileRate); err != nil {
			return p, err
		}
		p.FileParkSeconds = time.Since(t0).Seconds()
		p.DBBytes = dbSize(e.stack.Dir) - db0
		p.DBBytesPer = float64(p.DBBytes) / float64(fileN)
	}
	return p, nil
}

// parkedIdle is what parkAndWatch measures: the parking, then the idle window after it.
type parkedIdle struct {
	workerRSSBase int64
	parkSeconds   float64
	idle          Usage
	// server is the server's counters over the idle window (when asked for).
	server                             ServerCounters
	providerRequests                   int
	serverCPUPercent, workerCPUPercent float64
	serverRSS                          int64
}

// parkAndWatch parks n onboardings on e at rate, then watches them for idle: the worker's RSS
// before, CPU and memory over the window, the provider requests served in it and, with
// counters, the server's counters over it.
func parkAndWatch(ctx context.Context, e *env, n int, rate float64, idle time.Duration, counters bool) (parkedIdle, error) {
	w := parkedIdle{workerRSSBase: usage(e.workerPID).RSS}
	t0 := time.Now()
	logf("%s: parking %d onboardings at %.0f/s", e.name, n, rate)
	if _, err := park(ctx, e, "parked", n, 32, rate); err != nil {
		return w, err
	}
	w.parkSeconds = time.Since(t0).Seconds()
	logf("%s: %d parked in %.0fs; watching %s idle", e.name, n, w.parkSeconds, idle)
	var before ServerCounters
	if counters {
		before = e.counters(ctx)
	}
	reqBefore := providerRequests(ctx, e)
	m := startMeter(e)
	select {
	case <-ctx.Done():
		return w, ctx.Err()
	case <-time.After(idle):
	}
	w.idle = m.stop()
	if counters {
		w.server = e.counters(ctx).Sub(before)
	}
	w.providerRequests = providerRequests(ctx, e) - reqBefore
	w.serverCPUPercent = 100 * w.idle.ServerCPUSec / w.idle.Seconds
	w.workerCPUPercent = 100 * w.idle.WorkerCPUSec / w.idle.Seconds
	w.serverRSS = usage(e.serverPID).RSS
	return w, nil
}

// dbSize is the size of the dev server's SQLite files in dir.
func dbSize(dir string) int64 {
	var total int64
	for _, f := range []string{"temporal.db", "temporal.db-wal", "temporal.db-shm", "temporal.db-journal"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err == nil {
			total += st.Size()
		}
	}
	return total
}

// providerRequests is the total of provider API requests the stack's sandbox has served.
func providerRequests(ctx context.Context, e *env) int {
	byRoute, err := e.stack.Requests(ctx)
	if err != nil {
		logf("%s: provider request counts: %v", e.name, err)
		return 0
	}
	n := 0
	for _, c := range byRoute {
		n += c
	}
	return n
}

// ParkedCluster is the parked phase on the cluster profile: N onboardings parked at the
// declaration on Temporal Server and PostgreSQL, then watched idle; the database bytes are
// pg_database_size's growth of the persistence and visibility databases.
type ParkedCluster struct {
	N                    int     `json:"n"`
	Rate                 float64 `json:"rate"`
	ParkSeconds          float64 `json:"parkSeconds"`
	Idle                 Usage   `json:"idle"`
	ServerCPUPercent     float64 `json:"serverCpuPercent"`
	WorkerCPUPercent     float64 `json:"workerCpuPercent"` // both workers
	WorkerRSSBase        int64   `json:"workerRssBytesBefore"`
	WorkerRSS            int64   `json:"workerRssBytes"` // both workers
	ServerRSS            int64   `json:"serverRssBytes"`
	IdleProviderRequests int     `json:"idleProviderRequests"`
	DBBytes              int64   `json:"dbBytes"`           // persistence + visibility, growth
	VisibilityBytes      int64   `json:"visibilityDbBytes"` // of which visibility
	DBBytesPer           float64 `json:"dbBytesPerOnboarding"`
}

func parkedCluster(ctx context.Context, bin stackrun.Binaries, dir string, n int, rate float64, idle time.Duration) (*ParkedCluster, error) {
	p := &ParkedCluster{N: n, Rate: rate}
	e, err := startStack(ctx, bin, dir, stackOptions{name: "parked-cluster", delays: sandbox.Delays{Declare: parkDelay}, cluster: true})
	if err != nil {
		return nil, err
	}
	defer e.close()
	c := e.stack.Cluster()
	sizes := func() (total, vis int64) {
		for i, db := range c.Databases() {
			n, err := c.Postgres.DatabaseSize(ctx, db)
			if err != nil {
				logf("%s: size of %s: %v", e.name, db, err)
			}
			total += n
			if i == 1 {
				vis = n
			}
		}
		return total, vis
	}
	db0, vis0 := sizes()
	w, err := parkAndWatch(ctx, e, n, rate, idle, false)
	p.WorkerRSSBase, p.ParkSeconds = w.workerRSSBase, w.parkSeconds
	if err != nil {
		return p, err
	}
	p.Idle = w.idle
	p.IdleProviderRequests, p.ServerCPUPercent, p.WorkerCPUPercent = w.providerRequests, w.serverCPUPercent, w.workerCPUPercent
	p.WorkerRSS, p.ServerRSS = w.idle.WorkerRSSAtEnd, w.serverRSS
	// After the idle window: PostgreSQL has written what the parking made (autovacuum aside).
	db1, vis1 := sizes()
	p.DBBytes, p.VisibilityBytes = db1-db0, vis1-vis0
	p.DBBytesPer = float64(p.DBBytes) / float64(n)
	return p, nil
}
