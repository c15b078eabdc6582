package activities_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/metrics/metricstest"
)

// meteredActivityEnv is an activity environment as the worker runs activities: with the
// provider error interceptor, and a handler that records what the activities emit.
func (e *env) meteredActivityEnv() (*testsuite.TestActivityEnvironment, *metricstest.Handler) {
	m := metricstest.New()
	var s testsuite.WorkflowTestSuite
	s.SetMetricsHandler(m)
	ae := s.NewTestActivityEnvironment()
	ae.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{activities.ProviderErrorMetrics()}})
	ae.RegisterActivity(e.acts)
	return ae, m
}

func TestProviderErrorsAreCountedByClass(t *testing.T) {
	company := api.Company{OrgNumber: orgRagnarok, Country: "NO"}
	createCase := func(e *env, ae *testsuite.TestActivityEnvironment) error {
		_, err := run[api.CaseSnapshot](e, ae, e.acts.CreateKYCCase, activities.CreateCaseInput{Reference: refFor(orgRagnarok), Company: company})
		return err
	}
	tests := []struct {
		name     string
		faults   string // sandbox faults; "" for none
		app      int    // the app's answer to a notification; 0 for none
		call     func(e *env, ae *testsuite.TestActivityEnvironment) error
		provider string
		class    string // "" when nothing may be counted
	}{
		{name: "quickr 429", faults: `{"quickr":{"rateLimit":1,"retryAfter":1000000000}}`, call: createCase, provider: "quickr", class: "rate_limited"},
		{name: "quickr 503", faults: `{"quickr":{"errorRate":1,"errorStatus":503}}`, call: createCase, provider: "quickr", class: "server"},
		{
			name:   "creditro 429",
			faults: `{"creditro":{"rateLimit":1,"retryAfter":1000000000}}`,
			call: func(e *env, ae *testsuite.TestActivityEnvironment) error {
				_, err := run[api.PriorKYC](e, ae, e.acts.LookupPriorKYC, activities.PriorKYCInput{Company: company})
				return err
			},
			provider: "creditro", class: "rate_limited",
		},
		{
			name: "the app refuses a notification",
			app:  http.StatusBadRequest,
			call: func(e *env, ae *testsuite.TestActivityEnvironment) error {
				_, err := ae.ExecuteActivity(e.acts.Notify, api.Notification{ID: "n-1", Type: api.NotifyFinished})
				return err
			},
			provider: "app", class: "client",
		},
		{
			name: "our own invalid input is no provider error",
			call: func(e *env, ae *testsuite.TestActivityEnvironment) error {
				_, err := run[api.CaseSnapshot](e, ae, e.acts.CreateKYCCase, activities.CreateCaseInput{})
				return err
			},
		},
		{
			name: "a poll still waiting is no provider error",
			call: func(e *env, ae *testsuite.TestActivityEnvironment) error {
				c := e.createCase(orgRagnarok)
				_, err := run[api.CaseSnapshot](e, ae, e.acts.AwaitDeclaration, activities.AwaitCaseInput{CaseID: c.ID})
				requireWaiting(t, err)
				return err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.faults != "" {
				e.control(http.MethodPut, "/control/faults", tt.faults)
			}
			if tt.app != 0 {
				e.app.answer(tt.app)
			}
			ae, m := e.meteredActivityEnv()
			require.Error(t, tt.call(e, ae))
			if tt.class == "" {
				require.Zero(t, m.Count(activities.MetricProviderErrors, nil))
				return
			}
			require.EqualValues(t, 1, m.Count(activities.MetricProviderErrors, nil), "one failing call, counted once")
			require.EqualValues(t, 1, m.Count(activities.MetricProviderErrors, map[string]string{
				activities.TagProvider: tt.provider, activities.TagClass: tt.class,
			}))
		})
	}
}

func TestRemindersSentAreCounted(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name     string
		kind     string // the workflow's reminder kind
		refuse   int    // the app's answer to the reminder; 0 accepts
		wantKind string
		want     int64
	}{
		{name: "declaration", kind: "declaration", wantKind: "declaration", want: 1},
		{name: "signing rounds share one kind", kind: "signature-2", wantKind: "signature", want: 1},
		{name: "a reminder the app refused is not counted", kind: "declaration", refuse: http.StatusBadRequest, wantKind: "declaration"},
		{name: "a reminder that failed is not counted", kind: "declaration", refuse: http.StatusServiceUnavailable, wantKind: "declaration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.createCase(orgRagnarok)
			e.clock.Advance(day + time.Hour) // one reminder due
			if tt.refuse != 0 {
				e.app.answer(tt.refuse)
			}
			ae, m := e.meteredActivityEnv()
			in := activities.AwaitCaseInput{CaseID: c.ID, Reminders: activities.Reminders{WorkflowID: "wf", Kind: tt.kind, Since: t0, Every: day}}
			_, err := run[api.CaseSnapshot](e, ae, e.acts.AwaitDeclaration, in)
			requireWaiting(t, err)
			require.Len(t, e.app.all(), 1, "one reminder went out")
			require.Equal(t, tt.want, m.Count(activities.MetricRemindersSent, nil))
			require.Equal(t, tt.want, m.Count(activities.MetricRemindersSent, map[string]string{activities.TagKind: tt.wantKind}))
		})
	}
}

func TestReviewOverdueNotificationCountsAsReminder(t *testing.T) {
	e := newEnv(t)
	ae, m := e.meteredActivityEnv()
	for i, typ := range []string{api.NotifyReviewNeeded, api.NotifyReviewOverdue, api.NotifyFinished} {
		_, err := ae.ExecuteActivity(e.acts.Notify, api.Notification{ID: "n-" + strconv.Itoa(i), Type: typ})
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, m.Count(activities.MetricRemindersSent, nil))
	require.EqualValues(t, 1, m.Count(activities.MetricRemindersSent, map[string]string{activities.TagKind: "review"}))
}
