package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
)

// Activity options have one source: activityTable names, for every activity the workflows
// call, the provider it talks to and how it is retried; optionsFor turns a row into options
// from that provider's retry rule (activities.RetryOptions, activities.AttemptTimeout) and
// the engine's schedules below. Only a poll (pollUntil) and a blocked call (blockedRetry)
// take their schedule from elsewhere, the wait they serve, and even they take the row's
// provider. Retry policies and timeouts are not part of a history, so they may change; the
// activity names and their order may not.

// retryKind is how one activity is retried.
type retryKind int

const (
	// retryCall: one provider request. The provider's documented schedule when it has one
	// (IDV: at most 4 retries after 2, 4, 8 and 16 s), else callSchedule within the policy's
	// call budget; once spent, call blocks the onboarding.
	retryCall retryKind = iota
	// retryPoll: a poll by retry; pollUntil gives the schedule of the wait.
	retryPoll
	// retryEvidence: a lookup that is evidence only (prior KYC): evidenceSchedule within the
	// policy's maximum wait, then the evidence is unavailable.
	retryEvidence
	// retryNotify: a notification to the app, best effort.
	retryNotify
	// retrySweep: the reconciler's sweep; a round given up is read again by the next.
	retrySweep
)

// activityRow is one activity's entry in activityTable.
type activityRow struct {
	provider string // whose retry rule and request timeout apply; named in a blocked status
	retry    retryKind
	// local: from vLocalSteps the activity is first tried once as a local activity, inside
	// the workflow task that needs it (intask.go). Only steps that are quick and safe to
	// repeat qualify: the case read, the rules, a notification the app dedupes by its ID.
	// RecordDecision is not one: its input, in the history, is the record of what the engine
	// wrote to Quickr (the console's notes), and a local activity's marker keeps only results.
	local bool
}

// providerApp is the merchant's app, which takes the notifications (not a provider with a
// retry rule: the engine's notifySchedule applies).
const providerApp = "app"

// activityTable is every activity the workflows call, by registered name: provider, retry,
// local.
var activityTable = map[string]activityRow{
	activityName(a.CreateKYCCase):             {providerQuickr, retryCall, false},
	activityName(a.CheckCase):                 {providerQuickr, retryCall, true},
	activityName(a.ReopenContract):            {providerQuickr, retryCall, false},
	activityName(a.EvaluateRules):             {providerQuickr, retryCall, true},
	activityName(a.RecordDecision):            {providerQuickr, retryCall, false},
	activityName(a.AwaitDeclaration):          {providerQuickr, retryPoll, false},
	activityName(a.AwaitSignature):            {providerQuickr, retryPoll, false},
	activityName(a.SweepQuickrCases):          {providerQuickr, retrySweep, false},
	activityName(a.LookupPriorKYC):            {providerCreditro, retryEvidence, false},
	activityName(a.StartIdentityVerification): {providerIDV, retryCall, false},
	activityName(a.AwaitIdentityVerification): {providerIDV, retryPoll, false},
	activityName(a.StartCreditAnalysis):       {providerOpenBanking, retryCall, false},
	activityName(a.AwaitCreditAnalysis):       {providerOpenBanking, retryPoll, false},
	activityName(a.RequestCreditTerms):        {providerDeepIDV, retryCall, false},
	activityName(a.AwaitCreditTerms):          {providerDeepIDV, retryPoll, false},
	activityName(a.Notify):                    {providerApp, retryNotify, true},
}

// rowOf is activity's row; an activity missing from the table (a test fails for it) is run
// as a call to no particular provider.
func rowOf(activity any) activityRow {
	return activityTable[activityName(activity)]
}

// providerOf is the provider activity talks to.
func providerOf(activity any) string { return rowOf(activity).provider }

// schedule is one of the engine's retry schedules: doubling from first up to max, each
// attempt bounded by attempt (0: the provider's request timeout, attemptTimeout) and all of
// them by within (0: the caller's budget).
type schedule struct {
	first, max, attempt, within, heartbeat time.Duration
}

var (
	// callSchedule: a request to a provider whose document gives no schedule (Quickr,
	// DeepIDV, open banking). A choice: eager at first, then at most every 5 minutes, which
	// also keeps DeepIDV's "exponential backoff for rate limit errors".
	callSchedule = schedule{first: time.Second, max: 5 * time.Minute}
	// evidenceSchedule: the prior-KYC lookup. Creditro asks to pause after 5xx answers and
	// to wait a couple of minutes after a 429 (its rule's RateLimitDelay comes on top as the
	// next retry's delay), and to cap the retries: the policy's maximum wait caps them.
	evidenceSchedule = schedule{first: 5 * time.Second, max: 2 * time.Minute}
	// notifySchedule: the app's endpoint, as briefly as its HTTP client waits (10 s).
	notifySchedule = schedule{first: time.Second, max: time.Minute, attempt: 10 * time.Second, within: 10 * time.Minute}
	// sweepSchedule: one sweep lists and describes many cases and heartbeats as it goes;
	// after 5 minutes this round is given up.
	sweepSchedule = schedule{first: 5 * time.Second, max: time.Minute, attempt: 4 * time.Minute, within: 5 * time.Minute, heartbeat: time.Minute}
)

// optionsFor is the options of one call of activity, as its row says; budget bounds a
// call's or a lookup's retries (the policy's call budget or maximum wait). A poll's
// options come from pollUntil.
func optionsFor(activity any, summary string, budget time.Duration) workflow.ActivityOptions {
	row := rowOf(activity)
	s := callSchedule
	switch row.retry {
	case retryCall:
		if attempt, policy, ok := activities.RetryOptions(row.provider); ok {
			// The document's schedule, exactly: no engine budget on top.
			policy.NonRetryableErrorTypes = noRetry
			return workflow.ActivityOptions{Summary: summary, StartToCloseTimeout: attempt, RetryPolicy: &policy}
		}
	case retryEvidence:
		s = evidenceSchedule
	case retryNotify:
		s = notifySchedule
	case retrySweep:
		s = sweepSchedule
	}
	if s.within == 0 {
		s.within = budget
	}
	if s.attempt == 0 {
		s.attempt = attemptTimeout(row.provider)
	}
	return workflow.ActivityOptions{
		Summary:                summary,
		StartToCloseTimeout:    s.attempt,
		ScheduleToCloseTimeout: s.within,
		HeartbeatTimeout:       s.heartbeat,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        s.first,
			BackoffCoefficient:     2,
			MaximumInterval:        s.max,
			NonRetryableErrorTypes: noRetry,
		},
	}
}

// noRetry are the failures no retry fixes by itself (activities.NonRetryable), the one list
// every preset uses. Refused credentials and a missing provider are among them: the
// onboarding blocks on them (call) and retries on blockedRetry's schedule instead, until a
// person has fixed them.
var noRetry = activities.NonRetryable

// blockedNoRetry is noRetry while blocked: what the block waits for (credentials accepted
// again, the provider configured) is retried, and a poll's "not yet" ends the blocked retry.
var blockedNoRetry = append(slices.DeleteFunc(slices.Clone(noRetry), func(t string) bool {
	return t == activities.ErrProviderAuth || t == activities.ErrNotConfigured
}), activities.ErrStillWaiting)

// callBudget bounds the retries of one provider call: the policy's budget, after which the
// onboarding reports itself blocked and keeps trying.
func (o *onboarding) callBudget() time.Duration {
	if budget := o.policy().ProviderCallBudget.D(); budget > 0 {
		return budget
	}
	return 6 * time.Hour // onboardings from before the budget was a policy field
}

// callCtx is ctx with the options of one call of activity.
func (o *onboarding) callCtx(ctx workflow.Context, activity any, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, optionsFor(activity, summary, o.callBudget()))
}

// attemptTimeout bounds one attempt of an activity against provider: the request timeout of
// the provider's rule and a margin (activities.AttemptTimeout), else the engine's 30 s.
func attemptTimeout(provider string) time.Duration {
	if d := activities.AttemptTimeout(provider); d > 0 {
		return d
	}
	return defaultAttemptTimeout
}

// defaultAttemptTimeout bounds one attempt against a provider without a rule.
const defaultAttemptTimeout = 30 * time.Second

// blockedRetry is the preset of a call or poll while the onboarding is blocked: refused
// credentials, a missing provider and outages are all retried, eagerly at first and then
// every blockedRetryMax, so a fixed provider is seen within minutes. It stops at the first
// real answer: a result, a rejection, or (for a poll) StillWaiting, after which the wait goes
// on with its own preset. Retries add no history events, so a long block costs nothing.
func blockedRetry(ctx workflow.Context, activity any, summary string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		Summary:                summary + " (blocked: retrying until the provider answers)",
		StartToCloseTimeout:    attemptTimeout(providerOf(activity)),
		ScheduleToCloseTimeout: blockedRetryFor,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        firstPoll,
			BackoffCoefficient:     2,
			MaximumInterval:        blockedRetryMax,
			MaximumAttempts:        attemptsWithin(firstPoll, blockedRetryMax, blockedRetryFor),
			NonRetryableErrorTypes: blockedNoRetry,
		},
	})
}

const (
	// blockedRetryMax is the longest pause between two tries of a blocked call.
	blockedRetryMax = 5 * time.Minute
	// blockedRetryFor bounds one blocked activity; the workflow starts another after it.
	blockedRetryFor = 30 * 24 * time.Hour
)

// pollUntil is the preset for polling by activity retry: every attempt that finds the
// provider not done fails with StillWaiting and is retried, until the activity succeeds or
// within is spent. Retries add no history events, so the whole wait costs one activity's
// events however many polls it takes. The retries start eager (firstPoll) and double until
// they settle at interval: a provider that answers in seconds is seen in seconds, and a long
// wait polls at the policy's period. One attempt (one request) may take as long as the polled
// provider's request timeout allows (attemptTimeout).
func pollUntil(ctx workflow.Context, activity any, summary string, interval, within time.Duration) workflow.Context {
	first := min(firstPoll, interval)
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		Summary:                summary,
		StartToCloseTimeout:    attemptTimeout(providerOf(activity)),
		ScheduleToCloseTimeout: within,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    first,
			BackoffCoefficient: 2,
			MaximumInterval:    interval,
			// An explicit attempt bound says the same as the time bound, and keeps the test
			// environment, which caps "unlimited" at 10, honest.
			MaximumAttempts:        attemptsWithin(first, interval, within),
			NonRetryableErrorTypes: noRetry,
		},
	})
}

// attemptsWithin is how many attempts a retry schedule from first, doubling up to interval,
// fits into within (a few more, never overflowing int32).
func attemptsWithin(first, interval, within time.Duration) int32 {
	n := int64(within/interval) + 2
	for d := first; d < interval; d *= 2 {
		n++
	}
	return int32(min(n, 1<<30))
}

// firstPoll is the first retry delay of every poll.
const firstPoll = 5 * time.Second
