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
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
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

const usage = `usage:
  starter start --company ORGNO --country CC --contact-name NAME --contact-email EMAIL --amount N
                [--name NAME] [--address ADDR] [--currency NOK] [--period 30|60|90]
                [--declaration-deadline 336h] [--declaration-poll 15m] [--json]
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
      (through the gateway: ONBOARDING_GATEWAY_URL, ONBOARDING_AGENT_TOKEN; the agent is the token's name)
                 [--risk LOW|MEDIUM|HIGH] [--request-id ID] [--json]
  starter bank-data WORKFLOW_ID --file data.json|- [--request-id ID] [--json]
      the merchant's bank accounts and transactions for the credit analysis, as
      PUT /v1/onboardings/{id}/bank-data takes them (through the gateway:
      ONBOARDING_GATEWAY_URL, ONBOARDING_APP_TOKEN)
  starter extend WORKFLOW_ID [--by 72h | --until 2026-07-01T12:00:00Z] [--agent NAME] [--reason R]
                 [--declaration-reminder-every D] [--signing-reminder-every D]
                 [--max-renewals N] [--review-sla D] [--review-reminder-every D]
                 [--request-id ID] [--json]
        --by/--until move the declaration deadline (only later); the others change the policy
  starter cancel WORKFLOW_ID --reason R [--by NAME] [--json]
  starter setup-search-attributes                 create the search attributes in the namespace
                                                  (idempotent; prints the tcld commands on Cloud)
  starter new-payload-key ID                      print a new ID=key line for key rotation

--request-id makes a retried decide or extend idempotent (same id, same answer).
Durations are Go durations: 90m, 72h.

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

// run is the program over the process's stdin and the given output streams.
func run(args []string, stdout, stderr io.Writer) int {
	return cli{stdin: os.Stdin, stdout: stdout, stderr: stderr}.run(args)
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
	var verr *engine.ValidationError
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
	var verr *engine.ValidationError
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

// newFlags is a flag set that reports errors to the caller instead of printing them.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args into fs and returns the positional arguments, which may stand
// before, between or after the flags (the flag package alone stops at the first one).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, fmt.Errorf("%w: %s: %v", errUsage, fs.Name(), err)
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseID parses a command that takes exactly one workflow id.
func parseID(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		return "", fmt.Errorf("%w: %s needs one workflow id, got %d arguments", errUsage, fs.Name(), len(pos))
	}
	return strings.TrimSpace(pos[0]), nil
}

// setFlags names the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// withFlagNames renames a validation error's JSON fields after the flags that set them, so
// a person sees "--company (company.orgNumber)" rather than a path into a JSON document.
func withFlagNames(err error, flags map[string]string) error {
	var verr *engine.ValidationError
	if !errors.As(err, &verr) {
		return err
	}
	out := &engine.ValidationError{Fields: make([]engine.FieldError, len(verr.Fields))}
	for i, f := range verr.Fields {
		if name, ok := flags[f.Field]; ok {
			f.Field = "--" + name + " (" + f.Field + ")"
		}
		out.Fields[i] = f
	}
	return out
}

func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// startFlags maps start's input fields onto its flags.
var startFlags = map[string]string{
	"company.orgNumber": "company", "company.country": "country", "company.name": "name",
	"contact.name": "contact-name", "contact.email": "contact-email", "address": "address",
	"credit.amount": "amount", "credit.currency": "currency", "credit.periodDays": "period",
	"policy.declarationDeadline": "declaration-deadline", "policy.declarationPoll": "declaration-poll",
}

func parseStart(c cli, args []string) (action, error) {
	fs := newFlags("start")
	var in api.OnboardingInput
	fs.StringVar(&in.Company.OrgNumber, "company", "", "company (organisation) number")
	fs.StringVar(&in.Company.Country, "country", "", "ISO 3166-1 alpha-2 country, e.g. NO")
	fs.StringVar(&in.Company.Name, "name", "", "company name (optional, for the summary)")
	fs.StringVar(&in.Contact.Name, "contact-name", "", "contact person")
	fs.StringVar(&in.Contact.Email, "contact-email", "", "contact e-mail")
	fs.StringVar(&in.Address, "address", "", "business address (for the credit terms request)")
	fs.Float64Var(&in.Credit.Amount, "amount", 0, "requested credit amount")
	fs.StringVar(&in.Credit.Currency, "currency", "NOK", "currency of the amount")
	fs.IntVar(&in.Credit.PeriodDays, "period", 30, "bank-statement period in days: 30, 60 or 90")
	var deadline, poll time.Duration
	fs.DurationVar(&deadline, "declaration-deadline", 0, "time the merchant has to declare (default 336h)")
	fs.DurationVar(&poll, "declaration-poll", 0, "fallback poll interval (default 15m)")
	file := fs.String("file", "", "read the OnboardingInput from this JSON file (- for stdin)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, fmt.Errorf("%w: start takes no arguments, got %q", errUsage, pos[0])
	}
	if *file != "" {
		var clash []string
		for name := range setFlags(fs) {
			if name != "file" && name != "json" {
				clash = append(clash, "--"+name)
			}
		}
		if len(clash) > 0 {
			slices.Sort(clash)
			return nil, fmt.Errorf("%w: --file gives the whole input; drop %s", errUsage, strings.Join(clash, ", "))
		}
		if in, err = readInput(c.stdin, *file); err != nil {
			return nil, err
		}
	} else {
		in.Policy.DeclarationDeadline, in.Policy.DeclarationPoll = api.Duration(deadline), api.Duration(poll)
	}
	// The engine's own check (api.PrepareStart), here already, so bad input never connects.
	if _, _, err := api.PrepareStart(in, api.RealTime); err != nil {
		if *file == "" {
			err = withFlagNames(err, startFlags)
		}
		return nil, err
	}
	return func(ctx context.Context, e *engine.Engine, out io.Writer) error {
		st, err := e.Start(ctx, in)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, st)
		}
		verb := "started"
		if st.Existing {
			verb = "already running"
		}
		fmt.Fprintf(out, "onboarding %s: %s (run %s)\nstatus: starter status %s\n", verb, st.WorkflowID, st.RunID, st.WorkflowID)
		return nil
	}, nil
}

// readInput reads one OnboardingInput JSON document from path ("-": r). Unknown fields and
// trailing data are errors: a misspelt field must not silently take its default.
func readInput(r io.Reader, path string) (api.OnboardingInput, error) {
	var in api.OnboardingInput
	name := path
	if path == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return in, fmt.Errorf("%w: %v", errInvalid, err)
		}
		defer f.Close()
		r = f
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("%w: %s: %v", errInvalid, name, err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return in, fmt.Errorf("%w: %s: more than one JSON value", errInvalid, name)
	}
	return in, nil
}

func parseStatus(_ cli, args []string) (action, error) {
	fs := newFlags("status")
	asJSON := fs.Bool("json", false, "print JSON")
	paths := fs.Bool("paths", false, "print the condition (JSONPath) behind each reason the rules give")
	id, err := parseID(fs, args)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, e *engine.Engine, out io.Writer) error {
		st, err := e.Status(ctx, id)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, st)
		}
		printStatus(out, st, *paths)
		return nil
	}, nil
}

// listFlags maps ListFilter's fields onto list's flags.
var listFlags = map[string]string{"stage": "stage", "outcome": "outcome", "country": "country", "pageSize": "limit", "pageToken": "page-token"}

func parseList(_ cli, args []string) (action, error) {
	fs := newFlags("list")
	var f engine.ListFilter
	fs.StringVar(&f.Stage, "stage", "", "only onboardings in this stage")
	fs.StringVar(&f.Outcome, "outcome", "", "only onboardings with this outcome")
	fs.StringVar(&f.Country, "country", "", "only merchants of this country")
	fs.IntVar(&f.PageSize, "limit", 0, "page size (default 50, at most 1000)")
	fs.StringVar(&f.PageToken, "page-token", "", "continue after a previous page")
	all := fs.Bool("all", false, "follow the pages to the end")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, fmt.Errorf("%w: list takes no arguments, got %q", errUsage, pos[0])
	}
	f.Stage = strings.ToUpper(strings.TrimSpace(f.Stage))
	f.Outcome = strings.ToUpper(strings.TrimSpace(f.Outcome))
	f.Country = strings.ToUpper(strings.TrimSpace(f.Country))
	if setFlags(fs)["limit"] && f.PageSize <= 0 {
		return nil, &engine.ValidationError{Fields: []engine.FieldError{{Field: "--limit", Message: "must be between 1 and 1000"}}}
	}
	if _, err := f.Query(); err != nil {
		return nil, withFlagNames(err, listFlags)
	}
	return func(ctx context.Context, e *engine.Engine, out io.Writer) error {
		page, err := e.List(ctx, f)
		for err == nil && *all && page.NextPageToken != "" {
			next := f
			next.PageToken = page.NextPageToken
			var more *engine.Page
			if more, err = e.List(ctx, next); err == nil {
				page.Onboardings = append(page.Onboardings, more.Onboardings...)
				page.NextPageToken = more.NextPageToken
			}
		}
		if err != nil {
			return withFlagNames(err, listFlags)
		}
		if *asJSON {
			return writeJSON(out, page)
		}
		printList(out, page, time.Now())
		return nil
	}, nil
}

func parseDecide(_ cli, args []string) (gatewayAction, error) {
	fs := newFlags("decide")
	var d api.Decision
	fs.StringVar(&d.Decision, "decision", "", "approve or decline")
	agent := fs.String("agent", "", "refused: the agent is the name of ONBOARDING_AGENT_TOKEN")
	fs.StringVar(&d.Reason, "reason", "", "why (recorded on the onboarding)")
	fs.StringVar(&d.RiskLevel, "risk", "", "LOW, MEDIUM or HIGH; empty keeps the case's")
	requestID := fs.String("request-id", "", "idempotency key: a retry with the same id gets the same answer")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := parseID(fs, args)
	if err != nil {
		return nil, err
	}
	d.Decision = strings.ToLower(strings.TrimSpace(d.Decision))
	d.RiskLevel = strings.ToUpper(strings.TrimSpace(d.RiskLevel))
	v := &engine.ValidationError{}
	if d.Decision != api.DecisionApprove && d.Decision != api.DecisionDecline {
		v.Fields = append(v.Fields, engine.FieldError{Field: "--decision", Message: "must be approve or decline"})
	}
	if *agent != "" {
		v.Fields = append(v.Fields, engine.FieldError{Field: "--agent", Message: "is not taken: the agent is the name of the API token in ONBOARDING_AGENT_TOKEN, so nobody decides in another's name"})
	}
	if d.RiskLevel != "" && d.RiskLevel != "LOW" && d.RiskLevel != "MEDIUM" && d.RiskLevel != "HIGH" {
		v.Fields = append(v.Fields, engine.FieldError{Field: "--risk", Message: "must be LOW, MEDIUM or HIGH"})
	}
	if len(v.Fields) > 0 {
		return nil, v
	}
	return func(ctx context.Context, gw *gatewayClient, out io.Writer) error {
		res, err := gw.decide(ctx, id, *requestID, d)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, res)
		}
		switch {
		case res.Outcome != "":
			fmt.Fprintf(out, "onboarding %s: %s, outcome %s\n", id, res.Status, res.Outcome)
		default:
			fmt.Fprintf(out, "onboarding %s: %s (a HIGH risk approval needs a second, different agent)\n", id, res.Status)
		}
		return nil
	}, nil
}

func parseExtend(_ cli, args []string) (action, error) {
	fs := newFlags("extend")
	var ch api.DeadlineChange
	var by, declRemind, signRemind, reviewSLA, reviewRemind time.Duration
	var maxRenewals int
	var until string
	fs.DurationVar(&by, "by", 0, "move the declaration deadline later by this much")
	fs.StringVar(&until, "until", "", "move the declaration deadline to this RFC 3339 time")
	fs.StringVar(&ch.By, "agent", "", "who changes it (recorded on the onboarding)")
	fs.StringVar(&ch.Reason, "reason", "", "why (recorded on the onboarding)")
	fs.DurationVar(&declRemind, "declaration-reminder-every", 0, "policy: declaration reminder cadence")
	fs.DurationVar(&signRemind, "signing-reminder-every", 0, "policy: signing escalation cadence")
	fs.IntVar(&maxRenewals, "max-renewals", 0, "policy: re-openings of an expired contract")
	fs.DurationVar(&reviewSLA, "review-sla", 0, "policy: time an agent has to decide")
	fs.DurationVar(&reviewRemind, "review-reminder-every", 0, "policy: review reminder cadence after the SLA")
	requestID := fs.String("request-id", "", "idempotency key: a retry with the same id gets the same answer")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := parseID(fs, args)
	if err != nil {
		return nil, err
	}
	set := setFlags(fs)
	v := &engine.ValidationError{}
	bad := func(name, msg string) {
		v.Fields = append(v.Fields, engine.FieldError{Field: "--" + name, Message: msg})
	}
	if set["by"] && set["until"] {
		bad("by", "give --by or --until, not both")
	}
	if set["by"] {
		if by <= 0 {
			bad("by", "must be a positive duration like 72h")
		}
		ch.ExtendBy = api.Duration(by)
	}
	if set["until"] {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(until))
		if err != nil {
			bad("until", "must be an RFC 3339 time like 2026-07-01T12:00:00Z")
		}
		ch.DeclarationDeadline = &t
	}
	// Positive only: the workflow's validator owns the finer rules (the one-minute minimum,
	// renewals already used), and answers them with exit 4.
	policy := &api.PolicyChange{}
	for _, p := range []struct {
		flag string
		d    time.Duration
		dst  **api.Duration
	}{
		{"declaration-reminder-every", declRemind, &policy.DeclarationReminderEvery},
		{"signing-reminder-every", signRemind, &policy.SigningReminderEvery},
		{"review-sla", reviewSLA, &policy.ReviewSLA},
		{"review-reminder-every", reviewRemind, &policy.ReviewReminderEvery},
	} {
		if !set[p.flag] {
			continue
		}
		if p.d <= 0 {
			bad(p.flag, "must be a positive duration")
		}
		d := api.Duration(p.d)
		*p.dst = &d
	}
	if set["max-renewals"] {
		if maxRenewals < 0 {
			bad("max-renewals", "must not be negative")
		}
		policy.MaxContractRenewals = &maxRenewals
	}
	if *policy != (api.PolicyChange{}) {
		ch.Policy = policy
	}
	if len(v.Fields) > 0 {
		return nil, v
	}
	if ch.ExtendBy == 0 && ch.DeclarationDeadline == nil && ch.Policy == nil {
		return nil, fmt.Errorf("%w: extend needs --by, --until or a policy flag", errUsage)
	}
	ch.By, ch.Reason = strings.TrimSpace(ch.By), strings.TrimSpace(ch.Reason)
	return func(ctx context.Context, e *engine.Engine, out io.Writer) error {
		st, err := e.ExtendDeadline(ctx, id, *requestID, ch)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, struct {
				WorkflowID string               `json:"workflowId"`
				Stage      api.Stage            `json:"stage"`
				Deadlines  map[string]time.Time `json:"deadlines"`
				Policy     api.Policy           `json:"policy"`
			}{id, st.Stage, st.Deadlines, st.Policy})
		}
		printDeadlines(out, id, st)
		return nil
	}, nil
}

func parseCancel(_ cli, args []string) (action, error) {
	fs := newFlags("cancel")
	reason := fs.String("reason", "", "why (recorded on the workflow)")
	by := fs.String("by", "starter", "who cancels (recorded as the request's identity)")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := parseID(fs, args)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(*reason) == "" {
		return nil, &engine.ValidationError{Fields: []engine.FieldError{{Field: "--reason", Message: "is required: a cancellation says why"}}}
	}
	return func(ctx context.Context, e *engine.Engine, out io.Writer) error {
		if err := e.Cancel(ctx, id, strings.TrimSpace(*reason), strings.TrimSpace(*by)); err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, map[string]any{"workflowId": id, "cancelRequested": true})
		}
		fmt.Fprintf(out, "cancel requested: %s (the onboarding archives its KYC case and ends CANCELLED)\n", id)
		return nil
	}, nil
}

// printList writes a page as a table; now makes the start and close times relative.
func printList(out io.Writer, page *engine.Page, now time.Time) {
	if len(page.Onboardings) == 0 {
		fmt.Fprintln(out, "no onboardings match")
	} else {
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "WORKFLOW ID\tSTATUS\tSTAGE\tOUTCOME\tCOUNTRY\tORG\tRISK\tSTARTED\tCLOSED")
		for _, s := range page.Onboardings {
			closed := "-"
			if s.ClosedAt != nil {
				closed = ago(*s.ClosedAt, now)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.WorkflowID, dash(s.Status), dash(s.Stage),
				dash(s.Outcome), dash(s.Country), dash(s.OrgNumber), dash(s.RiskLevel), ago(s.StartedAt, now), closed)
		}
		tw.Flush()
	}
	if page.NextPageToken != "" {
		fmt.Fprintf(out, "\nmore: add --page-token %s (or --all)\n", page.NextPageToken)
	}
}

// ago says how long before now t was: "45s ago", "12m ago", "5h ago", "3d ago", and a date
// beyond a week.
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return t.Local().Format("2006-01-02 15:04")
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s ago"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m ago"
	case d < 24*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h ago"
	case d < 7*24*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d ago"
	default:
		return t.Local().Format("2006-01-02")
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printDeadlines writes what an extend changed: the deadlines and the policy's cadences.
func printDeadlines(out io.Writer, id string, st *api.Status) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "onboarding\t%s\n", id)
	fmt.Fprintf(tw, "stage\t%s\n", st.Stage)
	writeDeadlines(tw, st.Deadlines)
	p := st.Policy
	fmt.Fprintf(tw, "declaration reminders every\t%s\n", p.DeclarationReminderEvery.D())
	fmt.Fprintf(tw, "signing reminders every\t%s\n", p.SigningReminderEvery.D())
	fmt.Fprintf(tw, "max contract renewals\t%d (used %d)\n", p.MaxContractRenewals, st.RenewalsUsed)
	fmt.Fprintf(tw, "review SLA\t%s\n", p.ReviewSLA.D())
	fmt.Fprintf(tw, "review reminders every\t%s\n", p.ReviewReminderEvery.D())
	tw.Flush()
}

// writeDeadlines writes one "<name> deadline" row per deadline, in name order.
func writeDeadlines(tw io.Writer, deadlines map[string]time.Time) {
	names := make([]string, 0, len(deadlines))
	for name := range deadlines {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(tw, "%s deadline\t%s\n", name, deadlines[name].Format(time.RFC3339))
	}
}

// printStatus writes the status as a table; paths adds each rule finding's condition (JSONPath).
func printStatus(out io.Writer, st *api.Status, paths bool) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("onboarding", st.WorkflowID)
	row("company", companyLabel(st.Company))
	row("stage", string(st.Stage))
	row("waiting for", st.WaitingFor)
	if st.Until != nil {
		row("until", st.Until.Format(time.RFC3339))
	}
	for _, b := range st.Blocked {
		line := b.Provider + ": " + b.Reason + " since " + b.Since.UTC().Format(time.RFC3339) + ", retrying " + b.Activity
		if b.Attempts > 0 {
			line += " (attempt " + strconv.Itoa(int(b.Attempts)) + ")"
		}
		row("BLOCKED on", line)
		row("  last error", b.LastError)
	}
	if st.Stage != api.StageFinished {
		writeDeadlines(tw, st.Deadlines)
	}
	row("KYC case", strings.TrimSpace(st.CaseID+" "+paren(st.CaseStatus)))
	row("declaration URL", st.DeclarationURL)
	row("declared at", st.DeclaredAt)
	if bd := st.BankData; bd != nil {
		if u := bd.Upload; u != nil {
			row("bank data", fmt.Sprintf("uploaded by %s: %d account(s), %d transaction(s), %s to %s", u.By, u.Accounts, u.Transactions, u.From, u.To))
		} else if !bd.RequestedAt.IsZero() {
			row("bank data", "asked of the app at "+bd.RequestedAt.UTC().Format(time.RFC3339)+", not uploaded yet ("+strconv.Itoa(bd.Reminders)+" reminder(s))")
		}
	}
	if wb := st.WriteBack; wb != nil {
		row("WRITE-BACK", "Quickr has not recorded the decision ("+wb.Status+"): record it by hand; "+wb.Error)
	}
	reasons := engine.ReviewReasons(st)
	if ev := st.Evaluation; ev != nil {
		summary := ev.Reason
		if ev.Trace != nil && len(ev.Trace.Findings) > 0 && ev.Decision == "REVIEW" {
			summary, _, _ = strings.Cut(summary, "; ") // the findings follow, one a line
		}
		row("rules", ev.Decision+" "+paren(summary))
	}
	for i, r := range reasons {
		k := ""
		if i == 0 {
			k = "review because"
		}
		line := "- " + r.Sentence
		if r.Rule != "" {
			line += " (rule " + strconv.Quote(r.Rule) + ")"
		}
		row(k, line)
		if paths && r.Detail != "" {
			row("", "    condition: "+r.Detail)
		}
	}
	if st.Decision != nil {
		row("decision", strings.TrimSpace(st.Decision.Decision+" by "+st.Decision.Agent+" "+paren(st.Decision.Reason)))
	}
	row("renewals used", nonZero(st.RenewalsUsed))
	row("outcome", strings.TrimSpace(string(st.Outcome)+" "+paren(st.Reason)))
	tw.Flush()
	fmt.Fprintln(out, "\ntimeline:")
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	for _, e := range st.Timeline {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", e.At.Format(time.RFC3339), e.Stage, e.Event, e.Detail)
	}
	tw.Flush()
}

func companyLabel(c api.Company) string {
	return strings.TrimSpace(c.Name + " " + c.OrgNumber + " " + paren(c.Country))
}

func nonZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}
