// Package gateway is the engine's HTTP face: the versioned /v1 API for apps and agents
// (start, status, list, decide, extend a deadline, cancel; bearer tokens, strict input,
// field-level errors, an OpenAPI document), provider webhooks that become workflow signals
// (on per-onboarding capability URLs verified with internal/callback, and the older signed
// routes; only events that can move an onboarding are signalled),
// and the mount point of the payload codec server for the Temporal UI. It talks to Temporal
// through internal/engine and narrow interfaces, and never to providers directly.
package gateway
