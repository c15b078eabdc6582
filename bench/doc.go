// Command bench is `make bench`: it starts the real stack as processes (internal/stackrun:
// the Temporal dev server in memory and file-backed, the sandbox in automatic mode with zero
// delays, the worker and the gateway) and measures the engine against a floor workflow of the
// same activity count on the same server and worker (bench/benchworker: the production
// worker with the floor of bench/floor registered too): throughput, latency, history events and
// billable actions, the history cost of long waits, a burst of webhooks with the SDK's default
// worker settings and with the engine's, and 10,000 onboardings parked at the declaration.
// It prints a table and writes the numbers as JSON (bench-results/<timestamp>.json).
//
// Billable actions are counted from the real histories by Temporal Cloud's published rules
// (actions.go) and cross-checked against the dev server's own "action" counter, which also
// sees what a history does not show (activity retries, heartbeats, queries).
//
// It is a program for loopback runs; nothing in the engine imports it.
package main
