// Package activities holds every Temporal activity of the engine: one Activities struct with
// narrow interfaces over the provider clients, one file per provider area. Activities
// translate provider wire types into the engine's own types (types.go), which are also what
// the workflows see.
//
// Activities never retry by themselves: errors.go maps provider failures onto Temporal's retry
// semantics (non-retryable for a request the provider rejects, NextRetryDelay from
// Retry-After). This package must not import workflows.
package activities
