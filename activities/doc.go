// Package activities holds every Temporal activity of the engine: one Activities struct with
// narrow interfaces over the provider clients, one file per provider area (quickr.go,
// creditro.go, idv.go, openbanking.go, deepidv.go), the rule evaluation (rules.go) and the
// app notifications (notify.go). Activities translate provider wire types into the engine's
// own types (types.go, lifecycle_types.go), which are also what the workflows see.
//
// Activities never retry by themselves: errors.go maps provider failures onto Temporal's retry
// semantics (non-retryable for a request the provider rejects, NextRetryDelay from the
// provider's retry guidance or Retry-After). Polls fail with StillWaiting until the provider
// is done, so the retry policy is the poll loop; reminders ride on those polls
// (reminders.go) and cost no workflow history. Every activity that creates something at a
// provider looks it up by the onboarding's key first, so a retry never creates a twin.
//
// This package must not import workflows.
package activities
