package workflows

import (
	"errors"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// block is one provider the onboarding is blocked on (api.Blocked, as the status shows
// it) with the number of calls waiting on it: two coroutines blocked on the same provider
// share one entry.
type block struct {
	api.Blocked
	waiters int
}

// blockReason says why err blocks the onboarding: credentials refused after one
// re-authentication, a provider the worker lacks, or an outage that outlasted the call's
// budget. "" means err is not a blocking failure: a rejection on the merits or a poll that
// ran out of time still ends its wait as before.
func blockReason(err error) string {
	var ae *temporal.ApplicationError
	var te *temporal.TimeoutError
	switch {
	case errors.As(err, &ae) && ae.Type() == activities.ErrProviderAuth:
		return api.BlockedCredentials
	case errors.As(err, &ae) && ae.Type() == activities.ErrNotConfigured:
		return api.BlockedNotConfigured
	case errors.As(err, &ae) && ae.Type() == activities.ErrProviderUnavailable:
		return api.BlockedUnavailable
	case errors.As(err, &te):
		// The budget ran out: blocked unless the last attempt was a poll finding nothing yet.
		if errors.As(te, &ae) && ae.Type() == activities.ErrStillWaiting {
			return ""
		}
		return api.BlockedUnavailable
	}
	return ""
}

// blocksOnFailure reports whether this run turns blocking failures into a blocked state.
// Runs from before vLongLife read a change ID of their own here, so one that passed this
// point before the deploy (and failed) replays as it ran.
func (o *onboarding) blocksOnFailure(ctx workflow.Context) bool {
	return o.atLeast(vLongLife) || workflow.GetVersion(ctx, changeProviderBlocked, workflow.DefaultVersion, 1) >= 1
}

// call runs one provider request with its options (activityTable). When it fails in a way a
// person can fix, the onboarding is blocked on the activity's provider and the request is
// retried until the provider answers; what comes back then (a result or a rejection) is
// returned as usual.
func (o *onboarding) call(ctx workflow.Context, summary string, activity, arg, out any) error {
	actx := o.callCtx(ctx, activity, summary)
	var err error
	if o.inTask(activity) {
		err = inTaskFirst(ctx, actx, summary, activity, arg, out)
	} else {
		err = workflow.ExecuteActivity(actx, activity, arg).Get(ctx, out)
	}
	why := blockReason(err)
	if err == nil || why == "" || ctx.Err() != nil || !o.blocksOnFailure(ctx) {
		return err
	}
	return o.untilAnswered(ctx, why, summary, activity, arg, out, err)
}

// untilAnswered blocks the onboarding on the activity's provider for the failure err and
// retries the activity on blockedRetry's schedule until the provider answers; it returns
// that answer.
func (o *onboarding) untilAnswered(ctx workflow.Context, why, summary string, activity, arg, out any, err error) error {
	provider := providerOf(activity)
	o.block(ctx, provider, why, activity, summary, err)
	defer o.unblock(ctx, provider)
	for {
		err = workflow.ExecuteActivity(blockedRetry(ctx, activity, summary), activity, arg).Get(ctx, out)
		// Only the blocked retry's own bound (a month) ends it without an answer: go on.
		if err == nil || blockReason(err) == "" || ctx.Err() != nil {
			return err
		}
	}
}

// block records that the onboarding waits on provider: status, search attribute, metric,
// timeline and the current details the Temporal UI shows. Every block is ended by one
// unblock; two coroutines blocked on the same provider share one entry (the first Since).
func (o *onboarding) block(ctx workflow.Context, provider, why string, activity any, summary string, err error) {
	if b := o.blockedOn(provider); b != nil {
		b.waiters++
		return
	}
	o.blocked = append(o.blocked, &block{Blocked: api.Blocked{
		Provider: provider, Reason: why, Activity: activityName(activity), Summary: summary,
		Since: workflow.Now(ctx), LastError: cause(err),
	}, waiters: 1})
	slices.SortFunc(o.blocked, func(a, b *block) int { return strings.Compare(a.Provider, b.Provider) })
	o.note(ctx, "blocked on "+provider, why+": "+cause(err))
	countBlocked(ctx, provider, why)
	o.pendingSA = append(o.pendingSA, api.SAProviderBlocked.ValueSet(o.blockedProviders()))
	o.publishBlocked(ctx)
}

// unblock ends one block on provider: its call or poll got an answer (or the onboarding is
// being cancelled).
func (o *onboarding) unblock(ctx workflow.Context, provider string) {
	b := o.blockedOn(provider)
	if b == nil {
		return
	}
	if b.waiters--; b.waiters > 0 {
		return
	}
	o.blocked = slices.DeleteFunc(o.blocked, func(x *block) bool { return x == b })
	if ctx.Err() == nil {
		o.note(ctx, "resumed: "+provider+" answers again", "blocked since "+b.Since.UTC().Format(time.RFC3339))
		countUnblocked(ctx, provider, workflow.Now(ctx).Sub(b.Since))
	}
	o.pendingSA = append(o.pendingSA, o.blockedSA())
	o.publishBlocked(ctx)
}

// clearBlocked forgets every block when the onboarding ends (expired or cancelled while a
// provider was down). The search attribute goes with the stage's upsert.
func (o *onboarding) clearBlocked() {
	if len(o.blocked) == 0 {
		return
	}
	o.blocked = nil
	o.status.Blocked = nil
	o.pendingSA = append(o.pendingSA, o.blockedSA())
}

// blockedSA is the ProviderBlocked update for the current set.
func (o *onboarding) blockedSA() temporal.SearchAttributeUpdate {
	if names := o.blockedProviders(); len(names) > 0 {
		return api.SAProviderBlocked.ValueSet(names)
	}
	return api.SAProviderBlocked.ValueUnset()
}

// blockedOn is the block on provider, or nil.
func (o *onboarding) blockedOn(provider string) *block {
	for _, b := range o.blocked {
		if b.Provider == provider {
			return b
		}
	}
	return nil
}

// blockedProviders lists the providers blocking the onboarding, sorted.
func (o *onboarding) blockedProviders() []string {
	names := make([]string, len(o.blocked))
	for i, b := range o.blocked {
		names[i] = b.Provider
	}
	return names
}

// publishBlocked copies the blocked set into the status and writes the search attribute and
// current details at once (not waiting for the next stage).
func (o *onboarding) publishBlocked(ctx workflow.Context) {
	o.status.Blocked = nil
	for _, b := range o.blocked {
		o.status.Blocked = append(o.status.Blocked, b.Blocked)
	}
	if len(o.pendingSA) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(ctx, o.pendingSA...); err != nil {
			workflow.GetLogger(ctx).Warn("upsert search attributes", "error", err)
		}
		o.pendingSA = nil
	}
	workflow.SetCurrentDetails(ctx, o.details())
}

// activityName is the registered name of an activity method value (a.CreateKYCCase →
// "CreateKYCCase"), for matching the pending activity that retries.
func activityName(fn any) string {
	if s, ok := fn.(string); ok {
		return s
	}
	name := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
	name = strings.TrimSuffix(name, "-fm")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// Providers as the blocked status and the ProviderBlocked search attribute name them.
const (
	providerQuickr      = "quickr"
	providerCreditro    = "creditro"
	providerIDV         = "idv"
	providerDeepIDV     = "deepidv"
	providerOpenBanking = "openbanking"
)
