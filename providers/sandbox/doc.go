// Package sandbox imitates the five providers the engine uses (Quickr, Creditro, session IDV,
// DeepIDV credit terms, open-banking credit analysis) on one http.Handler, with the seeds'
// test data and documented behaviour. It is a product feature: `make run`, the end-to-end
// tests, the benchmark and the chaos suite all run against it.
//
// This package only assembles it: New builds the shared core (package core: clock, seeded
// randomness, faults, webhooks, counters, the app's inbox, control routing) and registers one
// simulator per provider (packages quickr, creditro, idv, deepidv, openbanking) and the app
// player (package app), each with its own state. sandbox.go also keeps the names callers use.
//
// Beyond the provider APIs it offers control endpoints under /control/ that drive the human
// steps (declare, sign, finish an IDV session, ...), inject faults, and count side effects per
// reference so tests can prove nothing was created twice. Time comes from an injected Clock;
// randomness from a seeded source.
//
// It must not import Temporal, activities or workflows; provider clients are not used here, so
// that contract tests catch drift between a client and the imitation.
package sandbox
