// Package stackrun runs the real stack as separate processes on free loopback ports: the
// Temporal dev server (bin/temporal), the sandbox, the worker and the gateway, each with its
// environment wired the way scripts/run-stack.sh wires it and its output in a log file of a
// run directory. It waits until each is healthy, stops, kills (SIGKILL) and restarts any of
// them, reads their RSS and CPU time from /proc, and gives a Temporal client and the sandbox's
// control endpoints (faults, counters). `make chaos`, `make bench`, the upgrade test (upgrade/)
// and its own test use it.
//
// It takes binary paths (Binaries) rather than building them, so callers decide: the chaos
// and bench commands use bin/ (built by `make build`); tests call Build, which runs `go build`
// into a temporary directory, so `make test` never depends on `make build`.
//
// It is a harness for loopback runs, Linux only (/proc, Pdeathsig). It must never be imported
// by the engine's own packages (workflows, activities, providers, the binaries).
package stackrun
