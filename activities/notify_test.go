package activities_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/webhooksig"
)

func notification() api.Notification {
	return api.Notification{
		ID: "onboarding:NO:987654321/finished/7", WorkflowID: "onboarding:NO:987654321", Type: api.NotifyFinished,
		Stage: "FINISHED", Outcome: "APPROVED", Message: "done", Data: map[string]any{"riskLevel": "LOW"}, At: t0,
	}
}

func TestNotifySignsAndDelivers(t *testing.T) {
	e := newEnv(t)
	n := notification()
	_, err := e.activityEnv().ExecuteActivity(e.acts.Notify, n)
	require.NoError(t, err)

	got := e.app.all()
	require.Len(t, got, 1)
	r := got[0]
	require.Equal(t, n.ID, verify(t, r, e.clock.Now()), "Webhook-* headers verify with the shared secret")
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	require.Equal(t, n.ID, r.Header.Get(activities.HeaderIdempotencyKey))
	require.Equal(t, strconv.FormatInt(e.clock.Now().Unix(), 10), r.Header.Get(activities.HeaderTimestamp))
	require.Equal(t, webhooksig.Sign(notifySecret, e.clock.Now(), r.Body), r.Header.Get(activities.HeaderSignature))
	require.Regexp(t, `^v1=[0-9a-f]{64}$`, r.Header.Get(activities.HeaderSignature))

	var body api.Notification
	require.NoError(t, json.Unmarshal(r.Body, &body))
	require.Equal(t, n, body)

	_, err = webhooksig.Verify(r.Header, r.Body, [][]byte{[]byte("other secret")}, e.clock.Now(), time.Minute)
	require.ErrorIs(t, err, webhooksig.ErrSignature)
}

func TestNotifyErrorClasses(t *testing.T) {
	tests := []struct {
		status    int
		header    map[string]string
		wantType  string // "" = success
		wantDelay time.Duration
	}{
		{200, nil, "", 0},
		{202, nil, "", 0},
		{204, nil, "", 0},
		{300, nil, activities.ErrProviderUnavailable, 0},
		{400, nil, activities.ErrProviderRejected, 0},
		{401, nil, activities.ErrProviderAuth, 0}, // refused credentials: the workflow decides (notifications: not retried)
		{404, nil, activities.ErrProviderRejected, 0},
		{409, nil, activities.ErrProviderRejected, 0},
		{422, nil, activities.ErrProviderRejected, 0},
		{408, nil, activities.ErrProviderUnavailable, 0},
		{429, map[string]string{"Retry-After": "30"}, activities.ErrProviderUnavailable, 30 * time.Second},
		{500, nil, activities.ErrProviderUnavailable, 0},
		{503, map[string]string{"Retry-After": "5"}, activities.ErrProviderUnavailable, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			e := newEnv(t)
			e.app.answer(tt.status)
			e.app.setHeader(tt.header)
			_, err := e.activityEnv().ExecuteActivity(e.acts.Notify, notification())
			if tt.wantType == "" {
				require.NoError(t, err)
				return
			}
			var ae *temporal.ApplicationError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, tt.wantType, ae.Type())
			require.Equal(t, tt.wantType == activities.ErrProviderRejected, ae.NonRetryable())
			require.Equal(t, tt.wantDelay, ae.NextRetryDelay())
		})
	}
}

func TestNotifyNetworkFailureIsRetried(t *testing.T) {
	e := newEnv(t)
	e.app.srv.Close()
	_, err := e.activityEnv().ExecuteActivity(e.acts.Notify, notification())
	require.Equal(t, activities.ErrProviderUnavailable, errType(err))
}

func TestNotifyWithoutURLIsANoOp(t *testing.T) {
	e := newEnv(t)
	e.acts.NotifyURL = ""
	for range 2 {
		_, err := e.activityEnv().ExecuteActivity(e.acts.Notify, notification())
		require.NoError(t, err)
	}
	require.Empty(t, e.app.all())
}

func TestNotifyInput(t *testing.T) {
	e := newEnv(t)
	_, err := e.activityEnv().ExecuteActivity(e.acts.Notify, api.Notification{Type: api.NotifyFinished})
	require.Equal(t, activities.ErrInvalidInput, errType(err))
}

func TestNotifyReachesTheSandboxInbox(t *testing.T) {
	e := newEnv(t)
	e.acts.NotifyURL = e.srv.URL + "/app/inbox"
	_, err := e.activityEnv().ExecuteActivity(e.acts.Notify, notification())
	require.NoError(t, err)
	inbox := e.control(http.MethodGet, "/control/inbox", "")
	events := inbox["events"].([]any)
	require.Len(t, events, 1)
	require.Regexp(t, `^v1=[0-9a-f]{64}$`, events[0].(map[string]any)["signature"], "the inbox reads X-Signature")
}
