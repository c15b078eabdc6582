// Package proctest runs a binary's main in a child process from its own tests, to check
// what only a process shows: the exit code and what it prints. The main package's TestMain
// is Main; Command then re-runs the test binary as that binary, with an environment
// of the test's choosing and nothing of the developer's ONBOARDING_* or TEMPORAL_* settings.
package proctest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/logging"
)

// asMain makes the test binary run the binary's main instead of its tests.
const asMain = "PROCTEST_RUN_MAIN"

// Main is a main package's TestMain: it runs main and exits when the test binary was started
// by Command, and otherwise runs the tests.
func Main(m *testing.M, main func()) {
	if os.Getenv(asMain) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Command is the binary under test (the test binary, through Main) with exactly env plus
// what any process needs (PATH, HOME, TMPDIR, GOCOVERDIR).
func Command(ctx context.Context, env ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append([]string{asMain + "=1"}, env...)
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "GOCOVERDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	return cmd
}

// Run runs the binary with env until it exits (a minute at most) and returns its exit code
// and everything it printed.
func Run(t testing.TB, env ...string) (code int, output string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := Command(ctx, env...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String()
	}
	t.Fatalf("run %s: %v\n%s", os.Args[0], err, out.String())
	return -1, ""
}

// Proc is a binary started by Start.
type Proc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

// Start starts the binary with env and waits (a minute at most) until its output contains
// ready; the test fails if it exits first. The process is killed at the end of the test if
// still running.
func Start(t testing.TB, ready string, env ...string) *Proc {
	t.Helper()
	p := &Proc{cmd: Command(context.Background(), env...), out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", os.Args[0], err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.After(time.Minute)
	for !strings.Contains(p.out.String(), ready) {
		select {
		case <-p.done:
			t.Fatalf("exited (%v) before printing %q:\n%s", p.err, ready, p.out.String())
		case <-deadline:
			t.Fatalf("did not print %q within a minute:\n%s", ready, p.out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return p
}

// Output is what the process printed so far.
func (p *Proc) Output() string { return p.out.String() }

// Stop sends SIGTERM, waits for the exit (30 s at most) and returns the exit code.
func (p *Proc) Stop(t testing.TB) int {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30 s after SIGTERM:\n%s", p.out.String())
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		return exit.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("wait: %v", p.err)
	}
	return 0
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// DevServer starts a Temporal dev server from the repository's bin/temporal (make tools) for
// the test and returns its frontend host:port.
func DevServer(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(filepath.Dir(file), "..", "..", "..", "bin", "temporal")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the Temporal CLI is missing at %s; run `make tools`", bin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dev, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  bin,
		LogLevel:      "error",
		ClientOptions: &client.Options{Logger: logging.SDK(zap.NewNop())},
	})
	if err != nil {
		t.Fatalf("start the Temporal dev server: %v", err)
	}
	t.Cleanup(func() { _ = dev.Stop() })
	return dev.FrontendHostPort()
}

// LocalWorker starts the binary (a worker) under the local profile on a dev server of its
// own, polling queue, with fresh payload keys, no metrics endpoint and no reconciler, and
// returns it with a client that encrypts with the same keys. Both end with the test.
func LocalWorker(t testing.TB, queue string) (*Proc, client.Client) {
	t.Helper()
	spec, err := codec.GenerateSpec("proctest")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := codec.ParseKeys(spec)
	if err != nil {
		t.Fatal(err)
	}
	addr := DevServer(t)
	p := Start(t, "worker polling", "ONBOARDING_PROFILE=local", "ONBOARDING_PAYLOAD_KEYS="+spec, "ONBOARDING_TEMPORAL_ADDRESS="+addr,
		"ONBOARDING_TASK_QUEUE="+queue, "ONBOARDING_METRICS_ADDR=", "ONBOARDING_RECONCILE_EVERY=0")
	c, err := client.Dial(client.Options{HostPort: addr, DataConverter: codec.DataConverter(keys), Logger: logging.SDK(zap.NewNop())})
	if err != nil {
		t.Fatalf("dial the dev server: %v", err)
	}
	t.Cleanup(c.Close)
	return p, c
}
