// Package workflows holds the deterministic part of the engine: the OnboardMerchant workflow,
// its message handlers, activity option presets and Register, the one list the worker, the
// replayer and the tests share. The names and payloads it exchanges (signals, queries,
// updates, IDs, search attributes, status, result) are the api package's, used as they are.
//
// Workflow code must stay deterministic: it imports activity types only, never net/http, os,
// time.Now, math/rand, zap or provider packages, and never ranges over a map. `make lint`
// enforces this with workflowcheck and an import check.
package workflows
