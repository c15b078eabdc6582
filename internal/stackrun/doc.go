// Package stackrun runs the real stack as separate processes on free loopback ports: the
// Temporal dev server (bin/temporal), the sandbox, the worker and the gateway, each with its
// environment wired the way scripts/run-stack.sh wires it and its output in a log file of a
// run directory. It waits until each is healthy, stops, kills (SIGKILL) and restarts any of
// them, reads their RSS and CPU time from /proc, and gives a Temporal client and the sandbox's
// control endpoints (faults, counters). `make chaos`, `make bench`, the upgrade test (upgrade/)
// and its own test use it.
//
// With Config.Cluster it runs the cluster profile instead (cluster.go, postgres.go): the
// machine's PostgreSQL (started when stopped), the persistence and SQL visibility databases
// created and migrated with the server's schema tool, Temporal Server (ServerVersion, every
// service in one process, DefaultShards history shards) with the namespace and search
// attributes registered through the API, optionally the Temporal UI, and several workers and
// gateways, the sandbox failing webhooks over between the gateways. `make run-cluster`
// (cluster/) and the cluster modes of chaos and bench use it.
//
// It takes binary paths (Binaries) rather than building them, so callers decide: the chaos
// and bench commands use bin/ (built by `make build`); tests call Build, which runs `go build`
// into a temporary directory, so `make test` never depends on `make build`.
//
// It is a harness for loopback runs, Linux only (/proc, Pdeathsig). It must never be imported
// by the engine's own packages (workflows, activities, providers, the binaries).
package stackrun
