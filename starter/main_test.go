package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/bankdata"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/gateway"
	"github.com/merchantflow/onboarding/internal/logging"
	"github.com/merchantflow/onboarding/internal/temporalx"
	"github.com/merchantflow/onboarding/internal/workerapp"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// result is one invocation's exit code and output.
type result struct {
	code           int
	stdout, stderr string
}

// invoke runs the CLI with stdin (may be empty).
func invoke(stdin string, args ...string) result {
	var out, errOut bytes.Buffer
	code := cli{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut}.run(args)
	return result{code, out.String(), errOut.String()}
}

// offline points the CLI at a port nothing listens on, with a valid configuration, so a
// command that got past its checks fails to connect (exit 1) instead of reaching a server.
func offline(t *testing.T) {
	t.Helper()
	t.Setenv("ONBOARDING_TEMPORAL_ADDRESS", "127.0.0.1:1")
	t.Setenv("ONBOARDING_TASK_QUEUE", "starter-unit")
	t.Setenv("ONBOARDING_PAYLOAD_KEYS", testKeySpec())
}

// testKeySpec is a payload key spec with a fresh key.
func testKeySpec() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "k1=" + base64.StdEncoding.EncodeToString(b)
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input.json")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

const validInput = `{"company":{"orgNumber":"987654321","country":"no","name":"Ragnarok AS"},
 "contact":{"name":"Ragnar Lothbrok","email":"ragnar@example.test"},
 "credit":{"amount":50000,"currency":"NOK","periodDays":30},
 "policy":{"declarationPoll":"1m"}}`

// TestRefusedBeforeTemporal covers what the CLI refuses on its own: every case exits 2
// without a connection (the address points nowhere, which would be exit 1).
func TestRefusedBeforeTemporal(t *testing.T) {
	offline(t)
	badFile := writeFile(t, `{"company":{"orgNumber":"987654321","country":"NO"},"contact":{"name":"R","email":"r@example.test"},"credit":{"amount":1},"colour":"red"}`)
	badValues := writeFile(t, `{"company":{"orgNumber":"12","country":"NO"},"contact":{"name":"R","email":"not-an-address"},"credit":{"amount":-5}}`)
	badDuration := writeFile(t, `{"company":{"orgNumber":"987654321","country":"NO"},"policy":{"declarationDeadline":"two weeks"}}`)
	twoValues := writeFile(t, validInput+validInput)
	for _, tt := range []struct {
		name  string
		stdin string
		args  []string
		want  []string // lines (or parts of them) expected on stderr
	}{
		{"no command", "", nil, []string{"usage:"}},
		{"unknown command", "", []string{"approve"}, []string{`unknown command "approve"`}},
		{"start: every field problem on its own line", "", []string{"start", "--company", "12", "--country", "no"}, []string{
			"\n  --company (company.orgNumber): is not a NO company number",
			"\n  --contact-name (contact.name): is required",
			"\n  --contact-email (contact.email): is required",
			"\n  --amount (credit.amount): must be a positive number",
		}},
		{"start: unknown country", "", []string{"start", "--company", "987654321", "--country", "US", "--contact-name", "R", "--contact-email", "r@example.test", "--amount", "1"}, []string{
			"--country (company.country): must be one of NO, SE, DK, FI",
		}},
		{"start: bad period and currency", "", []string{"start", "--company", "987654321", "--country", "NO", "--contact-name", "R", "--contact-email", "r@example.test", "--amount", "1", "--period", "45", "--currency", "usd"}, []string{
			"--period (credit.periodDays): must be 30, 60 or 90",
			`--currency (credit.currency): must be NOK, SEK, DKK or EUR, got "USD"`,
		}},
		{"start: bad duration", "", []string{"start", "--company", "987654321", "--declaration-deadline", "soon"}, []string{`invalid value "soon" for flag -declaration-deadline`}},
		{"start: negative duration", "", []string{"start", "--company", "987654321", "--country", "NO", "--contact-name", "R", "--contact-email", "r@example.test", "--amount", "1", "--declaration-poll", "-1m"}, []string{
			"--declaration-poll (policy.declarationPoll): must not be negative",
		}},
		{"start: stray argument", "", []string{"start", "987654321"}, []string{"start takes no arguments"}},
		{"start --file: unknown field", "", []string{"start", "--file", badFile}, []string{`unknown field "colour"`}},
		{"start --file: unknown field on stdin", `{"company":{},"extra":true}`, []string{"start", "--file", "-"}, []string{`stdin: json: unknown field "extra"`}},
		{"start --file: field errors by JSON path", "", []string{"start", "--file", badValues}, []string{
			"\n  company.orgNumber: is not a NO company number",
			"\n  contact.email: is not an e-mail address",
			"\n  credit.amount: must be a positive number",
		}},
		{"start --file: bad duration", "", []string{"start", "--file", badDuration}, []string{`invalid duration "two weeks"`}},
		{"start --file: two documents", "", []string{"start", "--file", twoValues}, []string{"more than one JSON value"}},
		{"start --file: missing file", "", []string{"start", "--file", filepath.Join(t.TempDir(), "nope.json")}, []string{"nope.json"}},
		{"start --file with input flags", "", []string{"start", "--file", badFile, "--company", "1", "--amount", "2"}, []string{"--file gives the whole input; drop --amount, --company"}},
		{"status: no id", "", []string{"status", "--json"}, []string{"status needs one workflow id"}},
		{"list: unknown stage and bad limit", "", []string{"list", "--stage", "waiting", "--limit", "5000"}, []string{
			"--stage (stage): must be one of",
			"--limit (pageSize): must be between 1 and 1000",
		}},
		{"list: zero limit", "", []string{"list", "--limit", "0"}, []string{"--limit: must be between 1 and 1000"}},
		{"list: bad outcome and country", "", []string{"list", "--outcome", "won", "--country", "US"}, []string{"--outcome (outcome):", "--country (country):"}},
		{"list: bad page token", "", []string{"list", "--page-token", "not a token!"}, []string{"--page-token (pageToken): is not a token from a previous page"}},
		{"decide: no id", "", []string{"decide", "--decision", "approve"}, []string{"decide needs one workflow id, got 0"}},
		{"decide: two ids", "", []string{"decide", "a", "b", "--decision", "approve"}, []string{"decide needs one workflow id, got 2"}},
		{"decide: a typed agent name is refused", "", []string{"decide", "onboarding:NO:123456789", "--decision", "approve", "--agent", "alice"}, []string{"--agent: is not taken: the agent is the name of the API token"}},
		{"decide: bad decision, bad risk", "", []string{"decide", "onboarding:NO:123456789", "--decision", "maybe", "--risk", "extreme"}, []string{
			"\n  --decision: must be approve or decline",
			"\n  --risk: must be LOW, MEDIUM or HIGH",
		}},
		{"extend: --by and --until", "", []string{"extend", "onboarding:NO:987654321", "--by", "72h", "--until", "2030-01-01T00:00:00Z"}, []string{"--by: give --by or --until, not both"}},
		{"extend: bad duration", "", []string{"extend", "onboarding:NO:987654321", "--by", "three days"}, []string{`invalid value "three days" for flag -by`}},
		{"extend: negative duration", "", []string{"extend", "onboarding:NO:987654321", "--by", "-1h"}, []string{"--by: must be a positive duration"}},
		{"extend: bad time", "", []string{"extend", "onboarding:NO:987654321", "--until", "next friday"}, []string{"--until: must be an RFC 3339 time"}},
		{"extend: bad policy values", "", []string{"extend", "onboarding:NO:987654321", "--review-sla", "0s", "--max-renewals", "-1"}, []string{
			"--review-sla: must be a positive duration", "--max-renewals: must not be negative",
		}},
		{"extend: nothing to change", "", []string{"extend", "onboarding:NO:987654321", "--reason", "why not"}, []string{"extend needs --by, --until or a policy flag"}},
		{"cancel: no reason", "", []string{"cancel", "onboarding:NO:987654321"}, []string{"--reason: is required"}},
		{"unknown flag", "", []string{"cancel", "onboarding:NO:987654321", "--force"}, []string{"flag provided but not defined: -force"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := invoke(tt.stdin, tt.args...)
			require.Equal(t, exitUsage, r.code, r.stderr)
			require.Empty(t, r.stdout)
			for _, want := range tt.want {
				require.Contains(t, r.stderr, want)
			}
		})
	}
}

// TestValidInputGoesToTemporal proves the accepted forms get past every check: with nothing
// listening they fail to connect, exit 1.
func TestValidInputGoesToTemporal(t *testing.T) {
	offline(t)
	for _, tt := range []struct {
		name  string
		stdin string
		args  []string
	}{
		{"start by flags", "", []string{"start", "--company", "987 654 321", "--country", "no", "--contact-name", "Ragnar", "--contact-email", "ragnar@example.test", "--amount", "50000"}},
		{"start by file", "", []string{"start", "--file", writeFile(t, validInput), "--json"}},
		{"start by stdin", validInput, []string{"start", "--json", "--file", "-"}},
		{"status", "", []string{"status", "--json", "onboarding:NO:987654321"}},
		{"list", "", []string{"list", "--stage", "awaiting_review", "--limit", "10", "--all"}},
		{"extend by", "", []string{"extend", "onboarding:NO:987654321", "--by", "72h", "--agent", "ops", "--reason", "holiday"}},
		{"extend until", "", []string{"extend", "onboarding:NO:987654321", "--until", "2030-01-01T00:00:00+01:00"}},
		{"extend policy only", "", []string{"extend", "onboarding:NO:987654321", "--review-sla", "24h", "--max-renewals", "0"}},
		{"cancel", "", []string{"cancel", "onboarding:NO:987654321", "--reason", "duplicate", "--by", "ops"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := invoke(tt.stdin, tt.args...)
			require.Equal(t, exitFailed, r.code, r.stderr)
			require.Contains(t, r.stderr, "connect to Temporal at 127.0.0.1:1")
		})
	}
}

// decide goes to the gateway with the agent's token: without a token nothing is sent; with one
// and no gateway listening it fails to connect.
func TestDecideGoesThroughTheGateway(t *testing.T) {
	offline(t)
	t.Setenv("ONBOARDING_GATEWAY_URL", "http://127.0.0.1:1")
	t.Setenv("ONBOARDING_AGENT_TOKEN", "")
	r := invoke("", "decide", "--decision", "Approve", "onboarding:NO:123456789", "--risk", "high")
	require.Equal(t, exitUsage, r.code, r.stderr)
	require.Contains(t, r.stderr, "ONBOARDING_AGENT_TOKEN: is required")

	t.Setenv("ONBOARDING_AGENT_TOKEN", "some-agent-token")
	r = invoke("", "decide", "--decision", "Approve", "onboarding:NO:123456789", "--risk", "high")
	require.Equal(t, exitFailed, r.code, r.stderr)
	require.Contains(t, r.stderr, "reach the gateway at http://127.0.0.1:1")
	require.NotContains(t, r.stderr, "some-agent-token", "the token is never printed")
}

func TestConfigErrorIsUsage(t *testing.T) {
	offline(t)
	t.Setenv("ONBOARDING_TEMPORAL_ADDRESS", "localhost")
	r := invoke("", "status", "onboarding:NO:987654321")
	require.Equal(t, exitUsage, r.code)
	require.Contains(t, r.stderr, "TEMPORAL_ADDRESS")
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"decide", "-h"}} {
		r := invoke("", args...)
		require.Equal(t, exitOK, r.code, args)
		require.Contains(t, r.stdout, "Exit codes:")
		require.Contains(t, r.stdout, "4  the onboarding refused")
	}
}

func TestExitCodes(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{fmt.Errorf("%w: x", errUsage), exitUsage},
		{fmt.Errorf("%w: x", errInvalid), exitUsage},
		{&api.ValidationError{Fields: []api.FieldError{{Field: "a", Message: "b"}}}, exitUsage},
		{engine.ErrNotFound, exitNotFound},
		{fmt.Errorf("status: %w", engine.ErrNotFound), exitNotFound},
		{engine.ErrFinished, exitRejected},
		{&engine.RejectedError{Reason: "already decided"}, exitRejected},
		{fmt.Errorf("decide: %w", &engine.RejectedError{Reason: "wrong stage"}), exitRejected},
		{errors.New("context deadline exceeded"), exitFailed},
	} {
		require.Equal(t, tt.want, exitCode(tt.err), "%v", tt.err)
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.Time{}, "-"},
		{now.Add(-42 * time.Second), "42s ago"},
		{now.Add(-12 * time.Minute), "12m ago"},
		{now.Add(-5*time.Hour - 59*time.Minute), "5h ago"},
		{now.Add(-3 * 24 * time.Hour), "3d ago"},
		{now.Add(-30 * 24 * time.Hour), now.Add(-30 * 24 * time.Hour).Local().Format("2006-01-02")},
	} {
		require.Equal(t, tt.want, ago(tt.t, now))
	}
}

func TestPrintList(t *testing.T) {
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	closed := now.Add(-time.Minute)
	var out bytes.Buffer
	printList(&out, &engine.Page{Onboardings: []engine.Summary{
		{WorkflowID: "onboarding:NO:123456789", Status: "Running", Stage: "AWAITING_REVIEW", Country: "NO", OrgNumber: "123456789", RiskLevel: "MEDIUM", StartedAt: now.Add(-2 * time.Hour)},
		{WorkflowID: "onboarding:NO:987654321", Status: "Completed", Stage: "FINISHED", Outcome: "APPROVED", Country: "NO", OrgNumber: "987654321", StartedAt: now.Add(-3 * time.Minute), ClosedAt: &closed},
	}, NextPageToken: "abc"}, now)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Equal(t, []string{"WORKFLOW", "ID", "STATUS", "STAGE", "OUTCOME", "COUNTRY", "ORG", "RISK", "STARTED", "CLOSED"}, strings.Fields(lines[0]))
	require.Equal(t, []string{"onboarding:NO:123456789", "Running", "AWAITING_REVIEW", "-", "NO", "123456789", "MEDIUM", "2h", "ago", "-"}, strings.Fields(lines[1]))
	require.Equal(t, []string{"onboarding:NO:987654321", "Completed", "FINISHED", "APPROVED", "NO", "987654321", "-", "3m", "ago", "1m", "ago"}, strings.Fields(lines[2]))
	require.Equal(t, "more: add --page-token abc (or --all)", lines[len(lines)-1])

	out.Reset()
	printList(&out, &engine.Page{Onboardings: []engine.Summary{}}, now)
	require.Equal(t, "no onboardings match\n", out.String())
}

// decodeJSON decodes a command's --json output.
func decodeJSON(t *testing.T, r result, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal([]byte(r.stdout), v), r.stdout)
}

// TestAgainstDevServer drives the CLI against a real dev server, a worker and a manual
// sandbox: Floki Shipbuilders goes to review and is approved with decide; Ragnarok AS, still
// waiting for its declaration, gets a later deadline and is cancelled.
func TestAgainstDevServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal dev server")
	}
	sb := newCLIStack(t)
	floki, ragnarok := "onboarding:NO:123456789", "onboarding:NO:987654321"

	// Floki by --file, with polls short enough that no webhook is needed.
	tc := sandbox.TestCompanies["123456789"]
	in := api.OnboardingInput{
		Company: api.Company{OrgNumber: tc.OrgNumber, Country: "no", Name: tc.Name},
		Contact: api.Person{Name: tc.Board[0].Name, Email: "floki@example.test"},
		Address: tc.Address + ", " + tc.PostalCode + " " + tc.City,
		Credit:  api.Credit{Amount: 100000, Currency: "NOK", PeriodDays: 30},
		Policy:  fastPolicy(),
	}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	r := invoke("", "start", "--file", writeFile(t, string(b)), "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var started engine.Started
	decodeJSON(t, r, &started)
	require.Equal(t, floki, started.WorkflowID)

	// Ragnarok by flags.
	r = invoke("", "start", "--company", "987654321", "--country", "NO", "--name", "Ragnarok AS",
		"--contact-name", "Ragnar Lothbrok", "--contact-email", "ragnar@example.test", "--amount", "50000", "--declaration-poll", "1s")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "onboarding started: "+ragnarok)

	// Floki: the merchant declares and signs, the providers finish, the rules ask for review.
	waitStage(t, floki, api.StageAwaitingDeclaration)
	sb.control(t, "/control/quickr/cases/"+floki+"/declare")
	waitStage(t, floki, api.StageAwaitingSignature)
	// The app uploads the merchant's bank data with the CLI.
	t.Setenv("ONBOARDING_APP_TOKEN", cliAppToken)
	sample, err := sandbox.SampleBankData("good", time.Now())
	require.NoError(t, err)
	r = invoke("", "bank-data", floki, "--file", writeFile(t, string(sample)))
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, "bank data uploaded to "+floki+": 1 account(s)")
	r = invoke("", "bank-data", floki, "--file", writeFile(t, `{"accounts":[],"transactions":[]}`))
	require.Equal(t, exitUsage, r.code, "an empty upload is refused before anything is sent")
	require.Contains(t, r.stderr, "accounts: must list at least one account")
	for _, path := range []string{"/control/idv/sessions/", "/control/openbanking/analyses/", "/control/deepidv/credit-terms/"} {
		sb.control(t, path+floki+"/finish")
	}
	sb.control(t, "/control/quickr/cases/"+floki+"/sign")

	var listed result
	require.Eventually(t, func() bool {
		listed = invoke("", "list", "--stage", "AWAITING_REVIEW", "--json")
		var page engine.Page
		if listed.code != exitOK || json.Unmarshal([]byte(listed.stdout), &page) != nil {
			return false
		}
		return len(page.Onboardings) == 1 && page.Onboardings[0].WorkflowID == floki && page.Onboardings[0].Status == "Running"
	}, time.Minute, 200*time.Millisecond, "Floki is not listed in review: %+v\n%s", listed, invoke("", "status", floki).stdout)

	t.Setenv("ONBOARDING_AGENT_TOKEN", "cli-token-of-nobody-0123456789")
	r = invoke("", "decide", floki, "--decision", "approve", "--reason", "an unknown token")
	require.Equal(t, exitUsage, r.code, "a token the gateway does not know decides nothing: %s", r.stderr)
	t.Setenv("ONBOARDING_AGENT_TOKEN", cliAgentToken)
	r = invoke("", "decide", floki, "--decision", "approve", "--reason", "sole proprietorship checked by hand", "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var decided api.DecideResult
	decodeJSON(t, r, &decided)
	require.Equal(t, api.DecideResult{Status: "decided", Outcome: api.OutcomeApproved}, decided)

	t.Setenv("ONBOARDING_AGENT_TOKEN", cliOtherAgentToken)
	r = invoke("", "decide", floki, "--decision", "decline")
	require.Equal(t, exitRejected, r.code, "a second decision is refused: %s", r.stderr)

	st := waitStage(t, floki, api.StageFinished)
	require.Equal(t, api.OutcomeApproved, st.Outcome)
	require.Equal(t, "agent.cli", st.Decision.Agent, "the agent is the token's name")
	require.Equal(t, "api token agent.cli", st.Decision.Via)
	r = invoke("", "status", floki)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Regexp(t, `(?m)^outcome\s+APPROVED`, r.stdout)

	// Ragnarok: a later deadline, one that is not later, then cancelled.
	before := waitStage(t, ragnarok, api.StageAwaitingDeclaration).Deadlines["declaration"]
	r = invoke("", "extend", ragnarok, "--by", "72h", "--agent", "ops", "--reason", "merchant on holiday", "--review-sla", "24h", "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var extended struct {
		Deadlines map[string]time.Time `json:"deadlines"`
		Policy    api.Policy           `json:"policy"`
	}
	decodeJSON(t, r, &extended)
	require.Equal(t, before.Add(72*time.Hour), extended.Deadlines["declaration"])
	require.Equal(t, api.Duration(24*time.Hour), extended.Policy.ReviewSLA)
	r = invoke("", "extend", ragnarok, "--until", before.Format(time.RFC3339))
	require.Equal(t, exitRejected, r.code, "deadlines only move later: %s", r.stderr)
	require.Contains(t, r.stderr, "deadlines only move later")

	r = invoke("", "cancel", ragnarok, "--reason", "duplicate application", "--by", "ops")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Equal(t, api.OutcomeCancelled, waitStage(t, ragnarok, api.StageFinished).Outcome)

	r = invoke("", "cancel", "onboarding:NO:111111111", "--reason", "typo")
	require.Equal(t, exitNotFound, r.code, r.stderr)
	r = invoke("", "status", "onboarding:NO:111111111")
	require.Equal(t, exitNotFound, r.code, r.stderr)

	// A fresh namespace, as on a new cluster: setup creates the attributes, then finds them.
	var cfg Config
	require.NoError(t, config.Load(&cfg))
	c, err := temporalx.Dial(cfg.Temporal, zap.NewNop())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.WorkflowService().RegisterNamespace(context.Background(), &workflowservice.RegisterNamespaceRequest{
		Namespace: "setup-test", WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour)})
	require.NoError(t, err)
	t.Setenv("ONBOARDING_TEMPORAL_NAMESPACE", "setup-test")
	r = invoke("", "setup-search-attributes")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Equal(t, len(api.SearchAttributes), strings.Count(r.stdout, "created"), r.stdout)
	r = invoke("", "setup-search-attributes")
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Equal(t, len(api.SearchAttributes), strings.Count(r.stdout, "exists"), r.stdout)
}

// fastPolicy keeps polls short: the sandbox answers in milliseconds and sends no webhooks
// the test listens to.
func fastPolicy() api.Policy {
	s := api.Duration(time.Second)
	return api.Policy{
		DeclarationPoll: s, SigningPoll: s, IDVPoll: s, CreditAnalysisPoll: s, CreditTermsPoll: s,
		ReviewSLA: api.Duration(time.Hour),
	}
}

// waitStage polls `starter status --json` until the onboarding is in stage.
func waitStage(t *testing.T, id string, stage api.Stage) *api.Status {
	t.Helper()
	var st api.Status
	require.Eventually(t, func() bool {
		r := invoke("", "status", id, "--json")
		return r.code == exitOK && json.Unmarshal([]byte(r.stdout), &st) == nil && st.Stage == stage
	}, time.Minute, 200*time.Millisecond, "%s did not reach %s; last status %+v", id, stage, st)
	return &st
}

// cliStack is the test's sandbox; the dev server and the worker live as long as the test.
type cliStack struct{ sandboxURL string }

// newCLIStack starts a dev server, a manual sandbox and a worker, and points the CLI's
// environment at them. The worker dials with the CLI's own configuration, so both use the
// same payload codec.
func newCLIStack(t *testing.T) *cliStack {
	t.Helper()
	bin := filepath.Join("..", "bin", "temporal")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the Temporal CLI is missing at %s; run `make tools`", bin)
	}
	var keys []temporal.SearchAttributeUpdate
	keys = append(keys, api.SearchAttributeExamples()...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dev, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:     bin,
		LogLevel:         "error",
		SearchAttributes: temporal.NewSearchAttributes(keys...),
		ClientOptions:    &client.Options{Logger: logging.SDK(zap.NewNop())},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dev.Stop() })

	t.Setenv("ONBOARDING_TEMPORAL_ADDRESS", dev.FrontendHostPort())
	t.Setenv("ONBOARDING_TEMPORAL_NAMESPACE", "default")
	t.Setenv("ONBOARDING_TASK_QUEUE", "starter-e2e")
	t.Setenv("ONBOARDING_PAYLOAD_KEYS", testKeySpec())

	sb := sandbox.New(sandbox.Config{Credentials: sandbox.DefaultCredentials()})
	sbSrv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { sb.Close(); sbSrv.Close() })
	// Provider webhooks land here and are dropped: the reconciler carries the onboardings.
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(sink.Close)

	// The worker's credentials are the local profile's, the sandbox's.
	t.Setenv("ONBOARDING_PROFILE", "local")
	var p workerapp.Providers
	require.NoError(t, config.Load(&p))
	p.Local(sbSrv.URL, sink.URL)
	p.ProviderTimeout = 5 * time.Second
	acts, err := p.Activities()
	require.NoError(t, err)

	var cfg Config
	require.NoError(t, config.Load(&cfg))
	c, err := temporalx.Dial(cfg.Temporal, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(c.Close)
	w := workerapp.New(c, cfg.TaskQueue, acts, worker.Options{})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	// Webhooks go nowhere here: the fleet-wide reconciler, sweeping every 10 s, is what tells
	// the waiting onboardings that their cases moved.
	rec, err := workerapp.StartReconciler(ctx, c, cfg.TaskQueue, 10*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.TerminateWorkflow(context.Background(), rec.GetID(), rec.GetRunID(), "test over") })

	// decide goes through a gateway, as in production.
	tokens, err := gateway.ParseTokens("agent:agent.cli=" + cliAgentToken + ",agent:agent.other=" + cliOtherAgentToken + ",app:shop=" + cliAppToken)
	require.NoError(t, err)
	// The gateway stores uploaded bank data where the worker reads it.
	bankKeys, err := codec.ParseKeys(testKeySpec())
	require.NoError(t, err)
	bank, err := bankdata.NewStore(t.TempDir(), bankKeys)
	require.NoError(t, err)
	acts.BankData = bank
	gw := gateway.New(gateway.Config{APITokens: tokens, BankData: bank}, c, engine.New(c, cfg.TemporalNamespace, cfg.TaskQueue), zap.NewNop())
	gwSrv := httptest.NewServer(gw.Handler())
	t.Cleanup(gwSrv.Close)
	t.Setenv("ONBOARDING_GATEWAY_URL", gwSrv.URL)
	return &cliStack{sandboxURL: sbSrv.URL}
}

// Agent tokens of the CLI test's gateway.
const (
	cliAgentToken      = "cli-agent-token-0123456789"
	cliOtherAgentToken = "cli-other-agent-token-0123456789"
	cliAppToken        = "cli-app-token-0123456789"
)

// control POSTs to a sandbox control endpoint until it answers 2xx: the thing it acts on
// may not exist yet (the workflow creates it a moment later).
func (s *cliStack) control(t *testing.T, path string) {
	t.Helper()
	var last string
	require.Eventually(t, func() bool {
		resp, err := http.Post(s.sandboxURL+path, "application/json", nil)
		if err != nil {
			last = err.Error()
			return false
		}
		resp.Body.Close()
		last = resp.Status
		return resp.StatusCode/100 == 2
	}, 30*time.Second, 100*time.Millisecond, "sandbox control %s: %s", path, last)
}

// A blocked onboarding says so first: which provider, why, since when, and the last error.
func TestPrintStatusShowsBlockedProviders(t *testing.T) {
	since := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	printStatus(&out, &api.Status{
		WorkflowID: "onboarding:NO:987654321", Stage: api.StageAwaitingDeclaration,
		Blocked: []api.Blocked{{Provider: "quickr", Reason: api.BlockedCredentials, Activity: "AwaitDeclaration",
			Since: since, LastError: "quickr get token: HTTP 401", Attempts: 7}},
	}, false)
	require.Contains(t, out.String(), "BLOCKED on    quickr: credentials refused since 2026-05-20T12:00:00Z, retrying AwaitDeclaration (attempt 7)\n")
	require.Contains(t, out.String(), "  last error  quickr get token: HTTP 401\n")
}

// Why an onboarding awaits an agent, in words: one line per reason, the rules' findings with
// their rule, and the JSONPath only when asked for.
func TestPrintStatusGivesReasonsInWords(t *testing.T) {
	st := &api.Status{
		WorkflowID: "onboarding:NO:123456789", Stage: api.StageAwaitingReview,
		ReviewReasons: []string{"a signatory rejected the contract: wrong amount",
			"the rules could not decide: no approve or decline rule fired (3 of 3 automations triggered); \"Auto approve: clean company\" did not approve: the bank account check flagged BANK_ACCOUNT_NUMBER_INVALID (error: the bank account is invalid or not the company's)"},
		Evaluation: &api.Evaluation{Decision: "REVIEW",
			Reason: "no approve or decline rule fired (3 of 3 automations triggered); \"Auto approve: clean company\" did not approve: the bank account check flagged BANK_ACCOUNT_NUMBER_INVALID (error: the bank account is invalid or not the company's)",
			Trace: &api.RuleResult{Decision: "REVIEW", Findings: []api.Finding{{
				Automation: "Auto approve: clean company",
				Sentence:   "the bank account check flagged BANK_ACCOUNT_NUMBER_INVALID (error: the bank account is invalid or not the company's)",
				Condition:  "$.checks[?(@.type=='bank_account')].data[*].flags[*] is null",
			}}}},
	}
	var out bytes.Buffer
	printStatus(&out, st, false)
	require.Contains(t, out.String(), "rules           REVIEW (no approve or decline rule fired (3 of 3 automations triggered))\n")
	require.Contains(t, out.String(), "review because  - a signatory rejected the contract: wrong amount\n")
	require.Contains(t, out.String(), "                - the bank account check flagged BANK_ACCOUNT_NUMBER_INVALID (error: the bank account is invalid or not the company's) (rule \"Auto approve: clean company\")\n")
	require.NotContains(t, out.String(), "$.checks")
	out.Reset()
	printStatus(&out, st, true)
	require.Contains(t, out.String(), "    condition: $.checks[?(@.type=='bank_account')].data[*].flags[*] is null\n")
}

func TestPrintStatusShowsBankDataAndAFailedWriteBack(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	printStatus(&b, &api.Status{WorkflowID: "onboarding:NO:987654321", Stage: api.StageAwaitingSignature,
		BankData: &api.BankDataStatus{RequestedAt: at, Reminders: 2}}, false)
	require.Contains(t, b.String(), "asked of the app at 2026-12-01T10:00:00Z, not uploaded yet (2 reminder(s))")

	b.Reset()
	printStatus(&b, &api.Status{WorkflowID: "onboarding:NO:987654321", Stage: api.StageFinished, Outcome: api.OutcomeApproved,
		BankData:  &api.BankDataStatus{RequestedAt: at, Upload: &api.BankDataUpload{By: "shop", Accounts: 1, Transactions: 52, From: "2026-09-01", To: "2026-11-29"}},
		WriteBack: &api.WriteBack{State: api.WriteBackFailed, Status: "ACTIVE", Error: "Quickr answered 404"}}, false)
	require.Contains(t, b.String(), "uploaded by shop: 1 account(s), 52 transaction(s), 2026-09-01 to 2026-11-29")
	require.Contains(t, b.String(), "Quickr has not recorded the decision (ACTIVE): record it by hand; Quickr answered 404")
}
