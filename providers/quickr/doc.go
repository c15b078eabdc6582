// Package quickr is a client for the Quickr KYC cases API (v2): token auth, cases,
// declarations, contracts, agent decisions, automations, events and notes.
//
// Wire types live here and nowhere else; activities translate them into the engine's types.
// The client never retries; it returns *providers.Error. It must not import Temporal.
package quickr
