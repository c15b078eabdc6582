// Command starter is the command line for people and scripts: start an onboarding and read
// its status. It talks to Temporal directly, through the same internal/engine code the
// gateway uses.
//
//	starter start  --company 987654321 --country NO --contact-name "Ragnar Lothbrok" --contact-email ragnar@example.test
//	starter status onboarding:NO:987654321
//
// Exit codes: 0 success, 1 the operation failed, 2 bad usage or configuration.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/logging"
	"github.com/merchantflow/onboarding/internal/temporalx"
	"github.com/merchantflow/onboarding/workflows"
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

// errUsage marks a usage error (exit code 2).
var errUsage = errors.New("usage")

const usage = `usage:
  starter start --company ORGNO --country CC [--name NAME] [--contact-name NAME] [--contact-email EMAIL]
                [--address ADDR] [--amount N] [--currency NOK] [--period 30|60|90]
                [--declaration-deadline 336h] [--declaration-poll 15m] [--json]
  starter status WORKFLOW_ID [--json]

Environment: ONBOARDING_TEMPORAL_ADDRESS (or TEMPORAL_ADDRESS), ONBOARDING_TEMPORAL_NAMESPACE,
ONBOARDING_TASK_QUEUE.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	log, err := logging.New("warn", cfg.LogFormat)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var cmdErr error
	switch args[0] {
	case "start":
		cmdErr = cmdStart(ctx, cfg, log, args[1:], stdout)
	case "status":
		cmdErr = cmdStatus(ctx, cfg, log, args[1:], stdout)
	default:
		cmdErr = fmt.Errorf("%w: unknown command %q", errUsage, args[0])
	}
	switch {
	case cmdErr == nil:
		return 0
	case errors.Is(cmdErr, errUsage):
		fmt.Fprintf(stderr, "%v\n\n%s", cmdErr, usage)
		return 2
	default:
		fmt.Fprintln(stderr, "error:", cmdErr)
		return 1
	}
}

func dial(cfg Config, log *zap.Logger) (client.Client, error) {
	c, err := temporalx.Dial(cfg.Temporal, log)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	return c, nil
}

func cmdStart(ctx context.Context, cfg Config, log *zap.Logger, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("start", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var in workflows.OnboardingInput
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
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	in.Policy.DeclarationDeadline, in.Policy.DeclarationPoll = workflows.Duration(deadline), workflows.Duration(poll)
	if err := validateStart(in); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	in.Company.Country = strings.ToUpper(in.Company.Country)
	c, err := dial(cfg, log)
	if err != nil {
		return err
	}
	defer c.Close()
	st, err := engine.New(c, cfg.TemporalNamespace, cfg.TaskQueue).Start(ctx, in)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(st)
	}
	verb := "started"
	if st.Existing {
		verb = "already running"
	}
	fmt.Fprintf(out, "onboarding %s: %s (run %s)\nstatus: starter status %s\n", verb, st.WorkflowID, st.RunID, st.WorkflowID)
	return nil
}

func validateStart(in workflows.OnboardingInput) error {
	var problems []string
	if in.Company.OrgNumber == "" {
		problems = append(problems, "--company is required")
	}
	if len(in.Company.Country) != 2 {
		problems = append(problems, "--country must be a two-letter ISO code")
	}
	if in.Contact.Email != "" && !strings.Contains(in.Contact.Email, "@") {
		problems = append(problems, "--contact-email is not an e-mail address")
	}
	if in.Policy.DeclarationDeadline < 0 || in.Policy.DeclarationPoll < 0 {
		problems = append(problems, "durations must be positive")
	}
	if in.Credit.Amount < 0 {
		problems = append(problems, "--amount must not be negative")
	}
	if p := in.Credit.PeriodDays; p != 30 && p != 60 && p != 90 {
		problems = append(problems, "--period must be 30, 60 or 90")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func cmdStatus(ctx context.Context, cfg Config, log *zap.Logger, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print JSON")
	// Accept the id before or after the flags.
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if id == "" && fs.NArg() == 1 {
		id = fs.Arg(0)
	}
	if id == "" {
		return fmt.Errorf("%w: status needs a workflow id", errUsage)
	}
	c, err := dial(cfg, log)
	if err != nil {
		return err
	}
	defer c.Close()
	st, err := engine.New(c, cfg.TemporalNamespace, cfg.TaskQueue).Status(ctx, id)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(st)
	}
	printStatus(out, st)
	return nil
}

func printStatus(out io.Writer, st *workflows.Status) {
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
	row("KYC case", strings.TrimSpace(st.CaseID+" "+paren(st.CaseStatus)))
	row("declaration URL", st.DeclarationURL)
	row("declared at", st.DeclaredAt)
	if st.Evaluation != nil {
		row("rules", st.Evaluation.Decision+" "+paren(st.Evaluation.Reason))
	}
	row("review because", strings.Join(st.ReviewReasons, "; "))
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

func companyLabel(c activities.Company) string {
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
