// Package providers holds what the provider clients share: the typed *Error that every client
// returns for a failed call, and small HTTP helpers. Each provider lives in its own sub-package
// (quickr, creditro, idv, deepidv, openbanking); the sandbox that imitates all of them lives in
// providers/sandbox.
//
// Clients never retry: a caller (a Temporal activity) decides, using Error.Temporary and
// Error.RetryAfter. This package must not import Temporal, activities or workflows.
package providers
