// Package e2e runs the engine end to end in one `go test`: a real Temporal dev server (the CLI
// in bin/, installed by `make tools`), the sandbox, the gateway and a worker, all in process
// or on loopback. It has no non-test code.
package e2e
