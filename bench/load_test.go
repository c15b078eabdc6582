package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
)

// doneRun is a workflow run that has already completed.
type doneRun struct{ id string }

func (r doneRun) GetID() string    { return r.id }
func (r doneRun) GetRunID() string { return "run-" + r.id }
func (r doneRun) GetFirstExecutionRunID() string {
	return r.GetRunID()
}
func (r doneRun) Get(context.Context, any) error {
	return nil
}
func (r doneRun) GetWithOptions(context.Context, any, client.WorkflowRunGetOptions) error {
	return nil
}

// runBatch keeps par starts in flight: each start below returns only once par of them are
// running at the same time, which a batch starting one at a time never reaches.
func TestRunBatchKeepsParStartsInFlight(t *testing.T) {
	const n, par = 12, 4
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var mu sync.Mutex
	inFlight, peak := 0, 0
	together := make(chan struct{})
	var once sync.Once
	start := func(ctx context.Context, i int) (client.WorkflowRun, error) {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		if inFlight == par {
			once.Do(func() { close(together) })
		}
		mu.Unlock()
		defer func() {
			mu.Lock()
			inFlight--
			mu.Unlock()
		}()
		select {
		case <-together:
			return doneRun{id: fmt.Sprint(i)}, nil
		case <-ctx.Done():
			return nil, fmt.Errorf("start %d waited alone: %w", i, ctx.Err())
		}
	}
	b, err := runBatch(ctx, n, par, start)
	require.NoError(t, err)
	require.Equal(t, par, peak, "never more than par starts in flight")
	require.Equal(t, n, b.Outcomes["completed"])
	for i, id := range b.IDs {
		require.Equal(t, fmt.Sprint(i), id)
	}
}

// A start that fails fails the batch, and no more are started after it.
func TestRunBatchStopsAtAFailedStart(t *testing.T) {
	var mu sync.Mutex
	started := 0
	_, err := runBatch(context.Background(), 50, 1, func(_ context.Context, i int) (client.WorkflowRun, error) {
		mu.Lock()
		started++
		mu.Unlock()
		if i == 3 {
			return nil, fmt.Errorf("refused")
		}
		return doneRun{id: fmt.Sprint(i)}, nil
	})
	require.ErrorContains(t, err, "start 3: refused")
	require.Equal(t, 4, started)
}
