// Command cluster is `make run-cluster`: the whole stack on a real Temporal cluster, in the
// foreground on loopback. Temporal Server (ServerVersion, four history shards) on the
// machine's PostgreSQL (persistence and SQL visibility, created and migrated on every start),
// the Temporal UI with the gateway's codec server, two workers, two gateways and the sandbox,
// with the same secrets as `make run` (.run/secrets.env, made on first use). Ctrl-C stops
// every process; the databases keep the onboardings.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/merchantflow/onboarding/internal/stackrun"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// port is one fixed port: the stackrun name, the variable that changes it, its default.
type port struct {
	name, env string
	def       int
}

var ports = []port{
	{stackrun.ProcTemporal, "TEMPORAL_PORT", 7233},
	{stackrun.ProcUI, "UI_PORT", 8233},
	{stackrun.ProcSandbox, "SANDBOX_PORT", 8090},
	{stackrun.ProcGateway, "GATEWAY_PORT", 8081},
	{stackrun.ProcGateway + "-2", "GATEWAY2_PORT", 8082},
	{stackrun.ProcWorker, "METRICS_PORT", 9464},
	{stackrun.ProcWorker + "-2", "METRICS2_PORT", 9465},
	{stackrun.PortTemporalMetrics, "TEMPORAL_METRICS_PORT", 8000},
}

func main() {
	binDir := flag.String("bin", "bin", "directory with the binaries (make build, make cluster-tools)")
	runDir := flag.String("dir", ".run", "run directory: secrets.env (shared with make run) and cluster/ (logs, server config)")
	db := flag.String("db", stackrun.DefaultDatabase, "PostgreSQL database of the persistence store; the visibility store's is <db>_visibility")
	flag.Parse()
	if err := run(*binDir, *runDir, *db); err != nil {
		fmt.Fprintln(os.Stderr, "\033[31m[run-cluster] "+err.Error()+"\033[0m")
		os.Exit(1)
	}
}

func say(format string, args ...any) { fmt.Printf("\033[1m[run-cluster]\033[0m "+format+"\n", args...) }

func run(binDir, runDir, db string) error {
	fixed := map[string]int{}
	for _, p := range ports {
		n := p.def
		if v := os.Getenv(p.env); v != "" {
			var err error
			if n, err = strconv.Atoi(v); err != nil {
				return fmt.Errorf("%s=%q is not a port", p.env, v)
			}
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(n)))
		if err != nil {
			return fmt.Errorf("port %d (%s) is already in use on 127.0.0.1. Stop whatever listens there (e.g. a 'make run'), or pick another: make run-cluster %s=<port>", n, p.name, p.env)
		}
		ln.Close()
		fixed[p.name] = n
	}
	secrets, err := loadSecrets(filepath.Join(runDir, "secrets.env"))
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	pg, err := stackrun.EnsurePostgres(ctx)
	if errors.Is(err, stackrun.ErrNoPostgres) {
		return fmt.Errorf("%v. Install it (Debian: apt-get install postgresql) or use make run (the dev server)", err)
	}
	if err != nil {
		return err
	}
	say("PostgreSQL %s/%s on %s; databases %s and %s_visibility (created and migrated when needed)", pg.Version, pg.Cluster, pg.Addr(), db, db)

	codecToken := strings.Split(secrets["ONBOARDING_CODEC_TOKENS"], ",")[0]
	uiOrigins := fmt.Sprintf("http://127.0.0.1:%d,http://localhost:%d", fixed[stackrun.ProcUI], fixed[stackrun.ProcUI])
	env := []string{"ONBOARDING_CODEC_ORIGINS=" + uiOrigins}
	for _, k := range []string{"ONBOARDING_PAYLOAD_KEYS", "ONBOARDING_API_TOKENS", "ONBOARDING_CODEC_TOKENS", "ONBOARDING_CALLBACK_SECRETS"} {
		env = append(env, k+"="+secrets[k])
	}
	auto := os.Getenv("SANDBOX_AUTO") != "false"
	dir := filepath.Join(runDir, "cluster")
	say("starting Temporal Server %s, the UI, the sandbox, two workers and two gateways (logs in %s/)", stackrun.ServerVersion, dir)
	s, err := stackrun.Start(ctx, stackrun.Config{
		Bin: stackrun.BinariesIn(binDir), Dir: dir, Ports: fixed,
		Cluster: &stackrun.ClusterConfig{Postgres: pg, Database: db, UI: true, CodecToken: codecToken},
		// The same demo pace as make run (the sandbox's own defaults).
		Sandbox:     stackrun.SandboxConfig{Manual: !auto, Delays: sandbox.Delays{Declare: 10 * time.Second, Sign: 10 * time.Second, IDV: 5 * time.Second, Analysis: 5 * time.Second, CreditTerms: 5 * time.Second, Checks: 2 * time.Second}},
		Env:         env,
		PayloadKeys: secrets["ONBOARDING_PAYLOAD_KEYS"], CallbackSecret: strings.Split(secrets["ONBOARDING_CALLBACK_SECRETS"], ",")[0],
		StartTimeout: 3 * time.Minute,
	})
	if err != nil {
		return err
	}
	defer func() {
		say("stopping...")
		_ = s.Close()
		say("stopped. Onboardings are kept in PostgreSQL (databases %s, %s_visibility).", db, db)
	}()
	appToken := tokenOf(secrets["ONBOARDING_API_TOKENS"], "app:demo-app")
	agentToken := tokenOf(secrets["ONBOARDING_API_TOKENS"], "agent:demo-agent")
	fmt.Printf(`
  Temporal UI   %[1]s   (filter: OnboardingStage="AWAITING_REVIEW"; payloads decoded by the gateway's codec server)
  Temporal      %[2]s   (Temporal Server %[3]s, %[4]d history shards, PostgreSQL %[5]s databases %[6]s, %[6]s_visibility)
  gateways      %[7]s   (API: /v1, contract: /v1/openapi.json)
  sandbox       %[8]s   (auto mode: %[9]t; app inbox: /control/inbox; webhooks fail over between the gateways)
  workers       metrics %[10]s
  server        metrics %[11]s
  secrets       %[12]s   (the same as make run's: set -a; . %[12]s; set +a)
  logs          %[13]s/

  Start an onboarding through either gateway (another terminal):
    curl -s -X POST %[14]s/v1/onboardings -H "Authorization: Bearer %[15]s" \
      -H 'Content-Type: application/json' -d '{"company":{"orgNumber":"987654321","country":"NO","name":"Ragnarok AS"},
      "contact":{"name":"Ragnar Lothbrok","email":"ragnar@example.test"},"credit":{"amount":50000}}'
  Follow it on the other:
    curl -s %[16]s/v1/onboardings/onboarding:NO:987654321 -H "Authorization: Bearer %[15]s"
  Decide one in review as the demo agent:
    ONBOARDING_GATEWAY_URL=%[14]s ONBOARDING_AGENT_TOKEN=%[17]s bin/starter decide onboarding:NO:123456789 --decision approve

  Ctrl-C stops everything.
`, s.UIURL, s.TemporalAddr, stackrun.ServerVersion, s.Cluster().Shards, pg.Addr(), db,
		strings.Join(s.GatewayURLs, ", "), s.SandboxURL, auto, strings.Join(s.WorkerMetricsURLs, ", "), s.MetricsURL,
		filepath.Join(runDir, "secrets.env"), dir, s.GatewayURLs[0], appToken, s.GatewayURLs[len(s.GatewayURLs)-1], agentToken)

	// In the foreground until Ctrl-C or until a process dies.
	exited := make(chan string, len(s.Procs()))
	for _, p := range s.Procs() {
		go func() {
			if ch := p.Exited(); ch != nil {
				select {
				case <-ch:
					exited <- p.Name
				case <-ctx.Done():
				}
			}
		}()
	}
	select {
	case <-ctx.Done():
		return nil
	case name := <-exited:
		return fmt.Errorf("%s exited; see %s. Stopping the rest", name, filepath.Join(dir, name+".log"))
	}
}

// tokenOf finds name's secret in an ONBOARDING_API_TOKENS list (role:name=secret,...).
func tokenOf(list, name string) string {
	for _, e := range strings.Split(list, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(e), "="); ok && k == name {
			return v
		}
	}
	return ""
}

// loadSecrets reads KEY=VALUE lines from path, making the file first the way
// scripts/run-stack.sh does when it is missing, so both profiles share one set of keys and
// tokens.
func loadSecrets(path string) (map[string]string, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		body := fmt.Sprintf(`# Made by make run-cluster for this machine only (make run uses the same file). Rotate the
# payload key by putting a new id=key first in ONBOARDING_PAYLOAD_KEYS and keeping the old one after it (see the README).
ONBOARDING_PAYLOAD_KEYS=local-%s=%s
ONBOARDING_API_TOKENS=app:demo-app=%s,agent:demo-agent=%s,agent:second-agent=%s
ONBOARDING_CODEC_TOKENS=%s
ONBOARDING_CALLBACK_SECRETS=%s
`, time.Now().UTC().Format("20060102"), base64.StdEncoding.EncodeToString(key), randToken(24), randToken(24), randToken(24), randToken(24), randToken(32))
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			return nil, err
		}
		say("made local secrets in %s", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			out[k] = v
		}
	}
	for _, k := range []string{"ONBOARDING_PAYLOAD_KEYS", "ONBOARDING_API_TOKENS", "ONBOARDING_CODEC_TOKENS", "ONBOARDING_CALLBACK_SECRETS"} {
		if out[k] == "" {
			return nil, fmt.Errorf("%s has no %s; delete it and run again to make a new one", path, k)
		}
	}
	return out, nil
}

// randToken is n random bytes, URL-safe base64 without padding (as run-stack.sh's rand).
func randToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
