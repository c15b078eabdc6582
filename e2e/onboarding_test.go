package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// fastPolicy keeps polls short: the sandbox answers in milliseconds.
func fastPolicy() api.Policy {
	s := api.Duration(time.Second)
	return api.Policy{
		DeclarationPoll: s, SigningPoll: s, IDVPoll: s, CreditAnalysisPoll: s, CreditTermsPoll: s,
		ReviewSLA: api.Duration(time.Hour),
	}
}

func startOnboarding(t *testing.T, ctx context.Context, s *stack, org string) *engine.Started {
	t.Helper()
	return startOnboardingWith(t, ctx, s, org, fastPolicy())
}

// startOnboardingWith starts the test company org's onboarding with policy p.
func startOnboardingWith(t *testing.T, ctx context.Context, s *stack, org string, p api.Policy) *engine.Started {
	t.Helper()
	tc := sandbox.TestCompanies[org]
	board := tc.Board[0]
	// Time is compressed: some tests wait seconds where the real limits are minutes.
	started, err := engine.New(s.tc, "default", s.taskQueue).StartWith(ctx, api.OnboardingInput{
		Company: api.Company{OrgNumber: org, Country: "NO", Name: tc.Name},
		Contact: api.Person{Name: board.Name, Email: "contact@example.test"},
		Address: tc.Address + ", " + tc.PostalCode + " " + tc.City,
		Credit:  api.Credit{Amount: 100000, Currency: "NOK", PeriodDays: 30},
		Policy:  p,
	}, engine.StartOptions{Timescale: api.CompressedTime})
	require.NoError(t, err)
	return started
}

func waitStage(t *testing.T, ctx context.Context, s *stack, id string, stage api.Stage) *api.Status {
	t.Helper()
	var st *api.Status
	require.Eventually(t, func() bool {
		var err error
		st, err = engine.New(s.tc, "default", s.taskQueue).Status(ctx, id)
		return err == nil && st.Stage == stage
	}, 60*time.Second, 100*time.Millisecond, "stage %s not reached; last status %+v", stage, st)
	return st
}

func outcome(t *testing.T, ctx context.Context, s *stack, st *engine.Started) *api.OnboardingResult {
	t.Helper()
	var res api.OnboardingResult
	require.NoError(t, s.tc.GetWorkflow(ctx, st.WorkflowID, st.RunID).Get(ctx, &res))
	return &res
}

// exactlyOnce checks the sandbox created every side effect once for the onboarding.
func exactlyOnce(t *testing.T, s *stack, ref string, kinds ...string) {
	t.Helper()
	counts := s.sandbox.Counters().For(ref)
	for _, k := range kinds {
		require.Equal(t, 1, counts[k], "%s for %s: %v", k, ref, counts)
	}
}

// TestTestCompaniesThroughTheLifecycle drives the four documented test companies through the
// whole lifecycle with the sandbox playing merchant, signatories and providers by itself.
func TestTestCompaniesThroughTheLifecycle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := newStack(t, autoSandbox())

	for _, tt := range []struct {
		org     string
		want    api.Outcome
		review  bool
		history string
	}{
		{"987654321", api.OutcomeApproved, false, "auto_approve"}, // Ragnarok AS: clean
		{"123456789", api.OutcomeApproved, true, "manual_review"}, // Floki (ENK): UBO check unsupported
		{"987123654", api.OutcomeDeclined, false, "auto_decline"}, // Ecbert: bankrupt, sanctions
		{"159753468", api.OutcomeDeclined, false, ""},             // Rollo: inactive, sanctions
	} {
		t.Run(sandbox.TestCompanies[tt.org].Name, func(t *testing.T) {
			started := startOnboarding(t, ctx, s, tt.org)
			if tt.review {
				st := waitStage(t, ctx, s, started.WorkflowID, api.StageAwaitingReview)
				require.NotEmpty(t, st.ReviewReasons)
				require.Equal(t, "REVIEW", st.Evaluation.Decision)
				res, err := decideUpdate(ctx, s, started.WorkflowID, api.Decision{Decision: "approve", Agent: "agent.e2e", Reason: "sole proprietorship checked by hand"})
				require.NoError(t, err)
				require.Equal(t, "decided", res.Status)
			}
			res := outcome(t, ctx, s, started)
			require.Equal(t, tt.want, res.Outcome, res.Reason)
			require.NotNil(t, res.Evaluation)
			require.NotEmpty(t, res.Evaluation.Trace.Automations, "the trace shows every rule")
			require.True(t, res.Evidence.Identity.Match)
			require.NotNil(t, res.Evidence.CreditAnalysis)
			require.Equal(t, "COMPLETED", res.Evidence.CreditTerms.Status)
			require.NotNil(t, res.Evidence.PriorKYC)
			exactlyOnce(t, s, started.WorkflowID, sandbox.CountCases, sandbox.CountIDVSessions, sandbox.CountCustomers, sandbox.CountAnalyses, sandbox.CountCreditTerms)

			// The decision went back to Quickr.
			doc := s.caseDoc(t, started.WorkflowID)
			wantStatus := map[api.Outcome]string{api.OutcomeApproved: "ACTIVE", api.OutcomeDeclined: "DECLINED"}[tt.want]
			require.Equal(t, wantStatus, doc["agent_determined_status"])
			if tt.history != "" {
				s.recordHistory(t, ctx, started, tt.history)
			}
		})
	}
}

// TestExpiredContractIsRenewed plays the human steps by hand: the merchant declares, the
// contract expires unsigned, the engine re-opens it and the signatories sign the new one.
func TestExpiredContractIsRenewed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t, sandbox.Config{})
	started := startOnboarding(t, ctx, s, "987654321")
	ref := started.WorkflowID

	// A second start for the same merchant returns the running onboarding.
	again := startOnboarding(t, ctx, s, "987654321")
	require.True(t, again.Existing)
	require.Equal(t, started.RunID, again.RunID)

	st := waitStage(t, ctx, s, ref, api.StageAwaitingDeclaration)
	require.NotEmpty(t, st.DeclarationURL)
	desc, err := s.tc.DescribeWorkflowExecution(ctx, ref, started.RunID)
	require.NoError(t, err)
	sa := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	require.Contains(t, string(sa["OnboardingStage"].GetData()), "AWAITING_DECLARATION")
	require.Contains(t, string(sa["KycCaseId"].GetData()), st.CaseID)

	s.control(t, "/control/quickr/cases/"+ref+"/declare", "")
	waitStage(t, ctx, s, ref, api.StageAwaitingSignature)
	// The side checks start in activities of their own: their sessions may not exist yet.
	// The app uploads the merchant's bank data; the person completes the identity session
	// with the token the app received.
	s.uploadBankData(t, ref, "good")
	s.completeIdentity(t, ref)
	s.controlWhenReady(t, "/control/openbanking/analyses/"+ref+"/finish")
	s.controlWhenReady(t, "/control/deepidv/credit-terms/"+ref+"/finish")

	s.control(t, "/control/quickr/cases/"+ref+"/expire", "")
	require.Eventually(t, func() bool {
		st, err := engine.New(s.tc, "default", s.taskQueue).Status(ctx, ref)
		return err == nil && st.RenewalsUsed == 1
	}, 30*time.Second, 100*time.Millisecond)
	s.control(t, "/control/quickr/cases/"+ref+"/sign", "")

	res := outcome(t, ctx, s, started)
	require.Equal(t, api.OutcomeApproved, res.Outcome, res.Reason)
	require.Equal(t, 1, s.sandbox.Counters().Get(ref, sandbox.CountContractsReopen))
	exactlyOnce(t, s, ref, sandbox.CountCases, sandbox.CountIDVSessions, sandbox.CountCustomers, sandbox.CountAnalyses, sandbox.CountCreditTerms)

	desc, err = s.tc.DescribeWorkflowExecution(ctx, ref, started.RunID)
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, desc.GetWorkflowExecutionInfo().GetStatus())
	require.Contains(t, string(desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["Outcome"].GetData()), "APPROVED")

	// The app heard about the declaration URL, the renewal and the end.
	types := s.inboxTypes(t, ref)
	require.Contains(t, types, api.NotifyDeclarationURL)
	require.Contains(t, types, api.NotifyContractRenewed)
	require.Contains(t, types, api.NotifyFinished)
	s.recordHistory(t, ctx, started, "expiry_with_renewal")
}

// approve is agent's approval of the onboarding in review: the one decision needed, after
// which the onboarding ends APPROVED. It returns the result.
func approve(t *testing.T, ctx context.Context, s *stack, started *engine.Started, agent, reason string) *api.OnboardingResult {
	t.Helper()
	d, err := decideUpdate(ctx, s, started.WorkflowID, api.Decision{Decision: "approve", Agent: agent, Reason: reason})
	require.NoError(t, err)
	require.Equal(t, "decided", d.Status)
	res := outcome(t, ctx, s, started)
	require.Equal(t, api.OutcomeApproved, res.Outcome, res.Reason)
	return res
}

func decideUpdate(ctx context.Context, s *stack, id string, d api.Decision) (*api.DecideResult, error) {
	h, err := s.tc.UpdateWorkflow(ctx, clientUpdate(id, d))
	if err != nil {
		return nil, err
	}
	var res api.DecideResult
	return &res, h.Get(ctx, &res)
}

// historyVersion is the directory of workflows/testdata/histories that recordHistory writes:
// the "onboarding" version (workflows.vLatest) that new onboardings record. It changes when
// workflows.vLatest changes. The directories of older versions are frozen: their histories
// stand for onboardings still running on that version and are never written again.
const historyVersion = "v4"

// recordHistory writes the workflow's history to
// workflows/testdata/histories/<historyVersion>/<name>.json when RECORD_HISTORIES is set
// (make record-histories); the replay test in workflows/ replays them. It refuses a history
// whose onboarding version is not historyVersion's, and a historyVersion older than a
// directory already there: either would put a run where another version's runs belong.
func (s *stack) recordHistory(t *testing.T, ctx context.Context, st *engine.Started, name string) {
	t.Helper()
	if os.Getenv("RECORD_HISTORIES") == "" {
		return
	}
	events := s.history(t, ctx, st.WorkflowID, st.RunID)
	root := filepath.Join(filepath.Dir(temporalCLI()), "..", "workflows", "testdata", "histories")
	current := versionOfDir(t, historyVersion)
	dirs, err := filepath.Glob(filepath.Join(root, "v*"))
	require.NoError(t, err)
	for _, d := range dirs {
		require.LessOrEqual(t, versionOfDir(t, filepath.Base(d)), current,
			"%s exists but historyVersion is %s: raise historyVersion with workflows.vLatest", d, historyVersion)
	}
	require.Equal(t, current, onboardingVersion(t, events),
		"the run recorded another onboarding version than %s/ holds: change historyVersion with workflows.vLatest", historyVersion)
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&historypb.History{Events: events})
	require.NoError(t, err)
	path := filepath.Join(root, historyVersion, name+".json")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, append(b, '\n'), 0o644))
	t.Logf("recorded %d events to %s", len(events), path)
}

// versionOfDir reads the version a history directory is named for: "v1" is 1.
func versionOfDir(t *testing.T, dir string) workflow.Version {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimPrefix(dir, "v"))
	require.NoError(t, err, "history directory %q is not v<number>", dir)
	return workflow.Version(n)
}

// onboardingVersion is the "onboarding" version the history recorded with
// workflow.GetVersion: DefaultVersion when it has no marker for that change.
func onboardingVersion(t *testing.T, events []*historypb.HistoryEvent) workflow.Version {
	t.Helper()
	dc := converter.GetDefaultDataConverter()
	for _, ev := range events {
		m := ev.GetMarkerRecordedEventAttributes()
		if m == nil || m.GetMarkerName() != "Version" {
			continue
		}
		var change string
		require.NoError(t, dc.FromPayloads(m.GetDetails()["change-id"], &change))
		if change != "onboarding" {
			continue
		}
		var v workflow.Version
		require.NoError(t, dc.FromPayloads(m.GetDetails()["version"], &v))
		return v
	}
	return workflow.DefaultVersion
}

// TestNoBankDataNoAutomaticApproval: Ragnarok, whom the rules approve with a credit analysis,
// goes to review when the app never uploads the bank data; with the risky dataset the
// analysis runs on it and scores it risky.
func TestNoBankDataNoAutomaticApproval(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t, autoSandboxEvery(100*time.Millisecond))
	id := api.WorkflowID("NO", "987654321")
	// The app will not upload (set before the start, so the request finds it).
	req, err := http.NewRequest(http.MethodPut, s.sandboxURL+"/control/app/bank-data/"+id, strings.NewReader(`{"profile":"none"}`))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	p := api.DefaultPolicy()
	p.BankDataMaxWait = api.Duration(3 * time.Second)
	started := begin(t, ctx, s, ragnarok, p)
	st := waitStage(t, ctx, s, id, api.StageAwaitingReview)
	require.Contains(t, st.Evidence.Unavailable["creditAnalysis"], "bank data was not uploaded")
	require.Nil(t, st.Evidence.CreditAnalysis)
	require.Equal(t, "REVIEW", st.Evaluation.Decision, "no automatic approval without the merchant's data")
	require.Zero(t, s.sandbox.Counters().Get(id, sandbox.CountAnalyses))
	require.Contains(t, s.inboxTypes(t, id), api.NotifyBankDataRequested)
	require.NoError(t, s.tc.CancelWorkflow(ctx, started.WorkflowID, started.RunID))
}
