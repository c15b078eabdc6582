package core

import (
	"sort"
	"sync"
	"time"
)

// Clock is the sandbox's only source of time.
type Clock interface {
	Now() time.Time
	// AfterFunc runs f in its own goroutine after d; the returned func cancels it.
	AfterFunc(d time.Duration, f func()) (cancel func())
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns time.Now in UTC.
func (RealClock) Now() time.Time { return time.Now().UTC() }

// AfterFunc wraps time.AfterFunc.
func (RealClock) AfterFunc(d time.Duration, f func()) func() {
	t := time.AfterFunc(d, f)
	return func() { t.Stop() }
}

// ManualClock only moves when told to, for tests.
type ManualClock struct {
	mu     sync.Mutex
	now    time.Time
	seq    int
	timers map[int]manualTimer
}

type manualTimer struct {
	at  time.Time
	seq int
	f   func()
}

// NewManualClock starts at t.
func NewManualClock(t time.Time) *ManualClock {
	return &ManualClock{now: t.UTC(), timers: map[int]manualTimer{}}
}

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f for Now()+d.
func (c *ManualClock) AfterFunc(d time.Duration, f func()) func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	id := c.seq
	c.timers[id] = manualTimer{at: c.now.Add(d), seq: id, f: f}
	return func() {
		c.mu.Lock()
		delete(c.timers, id)
		c.mu.Unlock()
	}
}

// Advance moves the clock by d and runs every timer that falls due, in time order, each
// finishing before the next starts (timers a callback schedules within the window run too).
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var due []manualTimer
		for _, t := range c.timers {
			if !t.at.After(end) {
				due = append(due, t)
			}
		}
		if len(due) == 0 {
			c.now = end
			c.mu.Unlock()
			return
		}
		sort.Slice(due, func(i, j int) bool {
			if !due[i].at.Equal(due[j].at) {
				return due[i].at.Before(due[j].at)
			}
			return due[i].seq < due[j].seq
		})
		next := due[0]
		delete(c.timers, next.seq)
		if next.at.After(c.now) {
			c.now = next.at
		}
		c.mu.Unlock()
		next.f()
	}
}
