package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/merchantflow/onboarding/providers/idv"
	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/providers/sandbox/sandboxtest"
	"github.com/stretchr/testify/require"
)

// The app player: it opens identity sessions with the token a notification carries and
// uploads bank data to the gateway.

func TestIDVContractAutomatic(t *testing.T) {
	env := sandboxtest.New(t, func(c *sandbox.Config) {
		c.Auto = true
		c.Delays.IDV = 10 * time.Minute
	})
	c := env.IDVClient("")
	ctx := context.Background()
	created, err := c.CreateSession(ctx, idv.CreateSessionInput{Reference: "onboarding:NO:123456789"})
	require.NoError(t, err)

	// Nobody has the token yet: the session waits, however long.
	env.Clock.Advance(30 * time.Minute)
	state, err := c.SessionState(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, idv.StateCreated, state)

	// The app receives the token and the person opens the session with it.
	env.PostNotification(t, `{"id":"n1","workflowId":"onboarding:NO:123456789","type":"identity_verification_ready","data":{"sessionId":`+
		strconv.FormatInt(created.ID, 10)+`,"token":"`+created.Token+`"}}`)
	require.Eventually(t, func() bool {
		state, err := c.SessionState(ctx, created.ID)
		return err == nil && state == idv.StateInProgress
	}, 5*time.Second, 5*time.Millisecond)
	env.Clock.Advance(10 * time.Minute)
	require.Eventually(t, func() bool {
		state, err := c.SessionState(ctx, created.ID)
		return err == nil && state == idv.StateCompleted
	}, 5*time.Second, 5*time.Millisecond)
	s, err := c.GetSession(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, "Floki", s.GivenNames)
	require.Equal(t, "Vilgerdarson", s.Surname)
}

// With no delay, automatic mode completes every session: the start and the finish used to run
// as two goroutines, and when the start won the race the finish failed and the session stayed
// IN_PROGRESS for good.
func TestIDVAutomaticWithoutDelayAlwaysCompletes(t *testing.T) {
	env := sandboxtest.New(t, func(c *sandbox.Config) { c.Auto = true })
	c := env.IDVClient("")
	ctx := context.Background()
	var ids []int64
	for i := range 300 {
		created, err := c.CreateSession(ctx, idv.CreateSessionInput{Reference: "onboarding:NO:123456789"})
		require.NoError(t, err)
		ids = append(ids, created.ID)
		env.PostNotification(t, `{"id":"n`+strconv.Itoa(i)+`","workflowId":"onboarding:NO:123456789","type":"identity_verification_ready","data":{"token":"`+created.Token+`"}}`)
	}
	for _, id := range ids {
		require.Eventually(t, func() bool {
			state, err := c.SessionState(ctx, id)
			return err == nil && state == idv.StateCompleted
		}, 5*time.Second, 5*time.Millisecond, "session %d never completed", id)
	}
}

// The sandbox's app uploads bank data to the gateway it is given, and to the next of
// WebhookFailover when that one cannot take it.
func TestAppUploadFailsOverToTheNextGateway(t *testing.T) {
	var got []string
	var mu sync.Mutex
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer up.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer down.Close()
	env := sandboxtest.New(t, func(c *sandbox.Config) {
		c.Auto = true
		c.AppAPIURL, c.AppToken = down.URL, "app-token"
		c.WebhookFailover = []string{down.URL, up.URL}
	})
	env.PostNotification(t, `{"id":"n1","workflowId":"onboarding:NO:987654321","type":"bank_data_requested","data":{}}`)
	require.Eventually(t, func() bool {
		env.Clock.Advance(time.Second) // the retry waits a second of the sandbox's clock
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 1
	}, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, "PUT /v1/onboardings/onboarding:NO:987654321/bank-data Bearer app-token", got[0])
}
