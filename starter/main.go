// Command starter is the command line for people, scripts and agents: start, list, inspect,
// decide, extend and cancel onboardings. It talks to Temporal directly, through the same
// internal/engine code the gateway uses, so both accept and refuse the same requests; decide
// alone goes through the gateway, with the agent's API token as the agent's identity.
//
//	starter start  --company 987654321 --country NO --contact-name "Ragnar Lothbrok" --contact-email ragnar@example.test --amount 50000
//	starter list   --stage AWAITING_REVIEW
//	ONBOARDING_AGENT_TOKEN=… starter decide onboarding:NO:123456789 --decision approve
//
// Every command takes --json. Exit codes: 0 ok, 1 the operation failed (Temporal unreachable,
// timeout), 2 bad usage, configuration or input, 3 no such onboarding, 4 the onboarding
// refused (its validator said no, or it has finished). See usage below.
//
// One file per command (start.go, status.go, list.go, decide.go, extend.go, cancel.go,
// bankdata.go, ops.go for setup-search-attributes and new-payload-key); flags.go holds the
// flag and output plumbing they share, gateway.go the client of the gateway's API, and this
// file the dispatch, configuration, connection and exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/logging"
	"github.com/merchantflow/onboarding/internal/temporalx"
)

// Config is the starter's whole configuration (ONBOARDING_*).
type Config struct {
	config.Temporal
	config.Logging
}

// Validate checks the values.
func (c Config) Validate() error {
	if err := c.Temporal.Validate(); err != nil {
		return err
	}
	return c.Logging.Validate()
}

// Exit codes scripts can rely on; the usage text and the README list them.
const (
	exitOK       = 0
	exitFailed   = 1 // the operation failed: Temporal unreachable, timeout, anything unexpected
	exitUsage    = 2 // bad usage, configuration or input; nothing was sent
	exitNotFound = 3 // no onboarding has this workflow id
	exitRejected = 4 // the onboarding refused: its validator said no, or it has finished
)

var (
	// errUsage marks a malformed command line (exit 2, usage printed).
	errUsage = errors.New("usage")
	// errInvalid marks input that could not be read, e.g. a --file with an unknown field (exit 2).
	errInvalid = errors.New("invalid input")
	// errHelp is -h on a command: print the usage, exit 0.
	errHelp = errors.New("help")
)

// commandTimeout bounds one command, including waiting for an update's answer.
const commandTimeout = 30 * time.Second

var usage = `usage:
  starter start --company ORGNO --country CC --contact-name NAME --contact-email EMAIL --amount N
                [--name NAME] [--address ADDR] [--currency NOK] [--period 30|60|90]
                [--POLICY-FLAG D|N ...] [--json]    any policy field (below); left out: its default
  starter start --file input.json|- [--json]      an OnboardingInput as JSON (- reads stdin);
                                                  unknown fields are an error
  starter status WORKFLOW_ID [--json] [--paths]
  starter list [--stage STAGE] [--outcome OUTCOME] [--country CC] [--limit N]
               [--page-token T] [--all] [--json]
        STAGE: STARTING, CREATING_CASE, AWAITING_DECLARATION, AWAITING_SIGNATURE,
               EVALUATING, AWAITING_REVIEW, FINISHED
        OUTCOME: APPROVED, DECLINED, EXPIRED, CANCELLED, FAILED
        --limit is the page size (default 50, at most 1000); --all follows the pages to the end
  starter decide WORKFLOW_ID --decision approve|decline [--risk LOW|MEDIUM|HIGH] [--reason R]
                 [--request-id ID] [--json]
      (through the gateway: ONBOARDING_GATEWAY_URL, ONBOARDING_AGENT_TOKEN; the agent is the token's name)
  starter bank-data WORKFLOW_ID --file data.json|- [--request-id ID] [--json]
      the merchant's bank accounts and transactions for the credit analysis, as
      PUT /v1/onboardings/{id}/bank-data takes them (through the gateway:
      ONBOARDING_GATEWAY_URL, ONBOARDING_APP_TOKEN)
  starter extend WORKFLOW_ID [--by 72h | --until 2026-07-01T12:00:00Z] [--agent NAME] [--reason R]
                 [--POLICY-FLAG D|N ...] [--request-id ID] [--json]
        --by/--until move the declaration deadline (only later); the policy flags marked *
        below change the policy
  starter cancel WORKFLOW_ID --reason R [--by NAME] [--json]
  starter setup-search-attributes                 create the search attributes in the namespace
                                                  (idempotent; prints the tcld commands on Cloud)
  starter new-payload-key ID                      print a new ID=key line for key rotation

--request-id makes a retried decide or extend idempotent (same id, same answer).
Durations are Go durations: 90m, 72h.

Policy flags (default, limits; * also on extend):
` + policyUsage() + `
Exit codes:
  0  ok
  1  the operation failed (Temporal unreachable, timeout, unexpected error)
  2  bad usage, configuration or input; nothing was sent
  3  no onboarding has this workflow id
  4  the onboarding refused: its validator said no (wrong stage, already decided, deadline
     not later, ...) or it has already finished

Environment, as for the worker: ONBOARDING_TEMPORAL_ADDRESS (or TEMPORAL_ADDRESS),
ONBOARDING_TEMPORAL_NAMESPACE (or TEMPORAL_NAMESPACE), ONBOARDING_TASK_QUEUE,
ONBOARDING_PAYLOAD_KEYS or ONBOARDING_PAYLOAD_KEYS_FILE (required: payloads are encrypted),
ONBOARDING_TEMPORAL_TLS* / ONBOARDING_TEMPORAL_API_KEY for a real cluster. With make run:
  set -a; . .run/secrets.env; set +a
`

func main() {
	os.Exit(cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}.run(os.Args[1:]))
}

// cli is one invocation's streams.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// action is a parsed command, ready to run against the engine.
type action func(ctx context.Context, e *engine.Engine, out io.Writer) error

// parsers turn a command's arguments into an action, or a usage or validation error. They
// never touch Temporal, so everything refused here is refused without a connection.
var parsers = map[string]func(c cli, args []string) (action, error){
	"start":  parseStart,
	"status": parseStatus,
	"list":   parseList,
	"extend": parseExtend,
	"cancel": parseCancel,
	// For ops: register the search attributes on a real cluster.
	"setup-search-attributes": parseSetup,
}

func (c cli) run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usage)
		return exitUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(c.stdout, usage)
		return exitOK
	}
	if args[0] == "new-payload-key" {
		return c.newPayloadKey(args[1:])
	}
	if args[0] == "decide" || args[0] == "bank-data" {
		return c.runGateway(args[0], args[1:])
	}
	parse, ok := parsers[args[0]]
	if !ok {
		return c.fail(fmt.Errorf("%w: unknown command %q", errUsage, args[0]))
	}
	act, err := parse(c, args[1:])
	if err != nil {
		return c.fail(err)
	}
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		fmt.Fprintln(c.stderr, "error:", err)
		return exitUsage
	}
	log, err := logging.New("warn", cfg.LogFormat)
	if err != nil {
		fmt.Fprintln(c.stderr, "error:", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	e, closeFn, err := connect(cfg, log)
	if err != nil {
		return c.fail(err)
	}
	defer closeFn()
	return c.fail(act(ctx, e, c.stdout))
}

// runGateway runs decide (with the agent's token) and bank-data (with an app's), which go
// through the gateway's API.
func (c cli) runGateway(cmd string, args []string) int {
	parse := parseDecide
	if cmd == "bank-data" {
		parse = parseBankData
	}
	act, err := parse(c, args)
	if err != nil {
		return c.fail(err)
	}
	var cfg GatewayConfig
	if err := config.Load(&cfg); err != nil {
		fmt.Fprintln(c.stderr, "error:", err)
		return exitUsage
	}
	gw, err := newGatewayClient(cfg, cmd == "bank-data")
	if err != nil {
		return c.fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	return c.fail(act(ctx, gw, c.stdout))
}

// fail prints err (if any) and returns its exit code.
func (c cli) fail(err error) int {
	code := exitCode(err)
	var verr *api.ValidationError
	switch {
	case err == nil:
	case errors.Is(err, errHelp):
		fmt.Fprint(c.stdout, usage)
	case errors.As(err, &verr):
		fmt.Fprintln(c.stderr, "invalid input:")
		for _, f := range verr.Fields {
			fmt.Fprintf(c.stderr, "  %s: %s\n", f.Field, f.Message)
		}
	case errors.Is(err, errUsage):
		fmt.Fprintf(c.stderr, "%v\n\n%s", err, usage)
	default:
		fmt.Fprintln(c.stderr, "error:", err)
	}
	return code
}

// exitCode maps an error onto the documented exit codes.
func exitCode(err error) int {
	var verr *api.ValidationError
	var rej *engine.RejectedError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.Is(err, errUsage), errors.Is(err, errInvalid), errors.As(err, &verr):
		return exitUsage
	case errors.Is(err, engine.ErrNotFound):
		return exitNotFound
	case errors.Is(err, engine.ErrFinished), errors.As(err, &rej):
		return exitRejected
	default:
		return exitFailed
	}
}

func connect(cfg Config, log *zap.Logger) (*engine.Engine, func(), error) {
	c, err := temporalx.Dial(cfg.Temporal, log)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	return engine.New(c, cfg.TemporalNamespace, cfg.TaskQueue), c.Close, nil
}
