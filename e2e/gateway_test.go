package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/bench/floor"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/gateway"
	"github.com/merchantflow/onboarding/internal/webhooksig"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// apiCall is one request to the test gateway.
type apiCall struct {
	method, path, token, body string
	contentType               string // default application/json when there is a body
	header                    http.Header
}

type apiAnswer struct {
	code   int
	body   map[string]any
	raw    string
	header http.Header
}

func (s *stack) do(t *testing.T, c apiCall) apiAnswer {
	t.Helper()
	req, err := http.NewRequest(c.method, s.gatewayURL+c.path, strings.NewReader(c.body))
	require.NoError(t, err)
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	_, ownType := c.header["Content-Type"]
	switch {
	case c.contentType != "":
		req.Header.Set("Content-Type", c.contentType)
	case c.body != "" && !ownType:
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := apiAnswer{code: resp.StatusCode, raw: string(raw), header: resp.Header}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// startBody is a valid start request for a sandbox test company, with fast polls.
func startBody(org string) string {
	tc := sandbox.TestCompanies[org]
	b, _ := json.Marshal(map[string]any{
		"company": map[string]any{"orgNumber": org, "country": "NO", "name": tc.Name},
		"contact": map[string]any{"name": tc.Board[0].Name, "email": "contact@example.test"},
		"address": tc.Address + ", " + tc.PostalCode + " " + tc.City,
		"credit":  map[string]any{"amount": 100000, "currency": "NOK", "periodDays": 30},
		"policy": map[string]any{"declarationPoll": "1s", "signingPoll": "1s", "idvPoll": "1s",
			"creditAnalysisPoll": "1s", "creditTermsPoll": "1s", "reviewSla": "1h"},
	})
	return string(b)
}

// quickrEvent is a Quickr case webhook body for the case and reference.
func quickrEvent(id, caseID, ref string) string {
	return fmt.Sprintf(`{"id":%q,"type":"CASE_STATUS_UPDATED","sub_event_type":"PROCESSING_DETAILS","created_at":"2026-11-22T12:00:00Z",
"case":{"id":%q,"reference":%q,"status":"PROCESSING_DETAILS"}}`, id, caseID, ref)
}

func signed(secret []byte, id string, at time.Time, body string) http.Header {
	h := http.Header{}
	webhooksig.SetHeaders(h, secret, id, at, []byte(body))
	return h
}

// documentedCodes reads the status codes the OpenAPI document gives each operation.
func documentedCodes(t *testing.T) map[string][]string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(gateway.OpenAPI(), &doc))
	out := map[string][]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			for code := range op.Responses {
				out[strings.ToUpper(method)+" "+path] = append(out[strings.ToUpper(method)+" "+path], code)
			}
		}
	}
	return out
}

// documentsMethodNotAllowed reports whether the OpenAPI document describes the 405 every
// route answers to a method it does not take (components.responses.MethodNotAllowed).
func documentsMethodNotAllowed(t *testing.T) bool {
	t.Helper()
	var doc struct {
		Components struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(gateway.OpenAPI(), &doc))
	_, ok := doc.Components.Responses["MethodNotAllowed"]
	return ok
}

// operationOf maps a concrete request onto its documented operation.
func operationOf(method, path string) string {
	path, _, _ = strings.Cut(path, "?")
	re := regexp.MustCompile(`^/v1/onboardings/[^/]+`)
	if path != "/v1/onboardings" && strings.HasPrefix(path, "/v1/onboardings/") {
		path = re.ReplaceAllString(path, "/v1/onboardings/{id}")
	}
	return method + " " + path
}

// badCase is one row of TestGatewayRefusesBadInput.
type badCase struct {
	name  string
	call  apiCall
	code  int
	want  string // in the error message
	field string // a field the answer names
	allow string // the Allow header a 405 carries
}

// TestGatewayRefusesBadInput sends the requests and webhooks only a real server can refuse
// (what the gateway refuses by itself is internal/gateway's TestGatewayRefusesBadInputByItself)
// through the real gateway, dev server and worker: decisions and deadlines the onboarding
// refuses, ids of nobody and of workflows that are not onboardings, reused idempotency keys,
// a flood of decisions, a webhook for an unknown reference and a replayed one. Each gets the
// right status and message, and none starts, signals, updates or cancels anything: visibility holds only the two onboardings the test started, the sandbox saw
// nothing of the refused merchant, the parked onboarding's history holds only the one genuine
// webhook, the idempotency onboarding only the one extend the test made, and the two
// workflows that are not onboardings (one with an onboarding's ID) are untouched.
func TestGatewayRefusesBadInput(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := newStack(t, sandbox.Config{}) // manual: onboardings park at the declaration
	secret := []byte(sandbox.DefaultCredentials().WebhookSigningSecret)

	parked := s.do(t, apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: startBody("987654321")})
	require.Equal(t, http.StatusCreated, parked.code, parked.raw)
	parkedID := parked.body["workflowId"].(string)
	// Workflow IDs are per namespace, and other tests onboard the same merchant.
	t.Cleanup(func() { _ = s.tc.TerminateWorkflow(context.Background(), parkedID, "", "test over") })
	st := waitStage(t, ctx, s, parkedID, api.StageAwaitingDeclaration)
	parkedPath := "/v1/onboardings/" + url.PathEscape(parkedID)

	// The idempotency onboarding takes one extend with alice's key; the rows reuse the key.
	idem := s.do(t, apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: startBody("159753468")})
	require.Equal(t, http.StatusCreated, idem.code, idem.raw)
	idemID := idem.body["workflowId"].(string)
	t.Cleanup(func() { _ = s.tc.TerminateWorkflow(context.Background(), idemID, "", "test over") })
	waitStage(t, ctx, s, idemID, api.StageAwaitingDeclaration)
	idemPath := "/v1/onboardings/" + url.PathEscape(idemID)
	const aliceKey = "alice-extend-1"
	aliceExtend := apiCall{method: "POST", path: idemPath + "/deadline", token: agentToken, body: `{"extendBy":"24h","reason":"merchant asked"}`,
		header: http.Header{"Idempotency-Key": {aliceKey}}}
	extended := s.do(t, aliceExtend)
	require.Equal(t, http.StatusOK, extended.code, extended.raw)

	// Workflows that are not onboardings: a BenchFloor with an onboarding's ID and one with
	// another ID, on a task queue no worker polls, so they stay running and untouched.
	floorID, payrollID := "onboarding:NO:111222333", "payroll-run-2026-11"
	for _, id := range []string{floorID, payrollID} {
		_, err := s.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: s.taskQueue + "-no-worker"}, floor.WorkflowType, floor.Input{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.tc.TerminateWorkflow(context.Background(), id, "", "test over") })
	}
	floorPath, payrollPath := "/v1/onboardings/"+url.PathEscape(floorID), "/v1/onboardings/"+payrollID

	const refused = "123456789" // every refused request names this merchant
	refusedID := api.WorkflowID("NO", refused)
	now := time.Now()
	start := func(body string) apiCall {
		return apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: body}
	}
	post := func(path, token, body string) apiCall {
		return apiCall{method: "POST", path: path, token: token, body: body}
	}
	withHeader := func(c apiCall, k string, vs ...string) apiCall {
		c.header = http.Header{k: vs}
		return c
	}
	get := func(path string) apiCall { return apiCall{method: "GET", path: path, token: appToken} }
	deadline := func(body string) apiCall { return post(parkedPath+"/deadline", agentToken, body) }
	decide := func(body string) apiCall { return post(parkedPath+"/decision", agentToken, body) }

	cases := []badCase{
		// What the gateway refuses by itself (bodies, headers, tokens, ids, keys, methods) is
		// internal/gateway's TestGatewayRefusesBadInputByItself and its neighbours; these rows
		// need the onboarding, Temporal or the sandbox behind it.
		// Decisions, deadlines and cancellations the onboarding refuses.
		{"decision before review", decide(`{"decision":"approve"}`), 409, "AWAITING_REVIEW", "", ""},
		{"decision for nobody", post("/v1/onboardings/"+url.PathEscape(refusedID)+"/decision", agentToken, `{"decision":"approve"}`), 404, "no onboarding", "", ""},
		{"earlier deadline", deadline(`{"declarationDeadline":"2020-01-01T00:00:00Z"}`), 409, "only move later", "", ""},
		{"deadline in year 1", deadline(`{"declarationDeadline":"0001-01-01T00:00:00Z"}`), 409, "only move later", "", ""},
		{"cancel nobody", post("/v1/onboardings/"+url.PathEscape(refusedID)+"/cancel", appToken, `{"reason":"test"}`), 404, "no onboarding", "", ""},
		{"status of nobody", get("/v1/onboardings/" + url.PathEscape(refusedID)), 404, "no onboarding", "", ""},
		// Workflows that are not onboardings: the same 404 as nobody's.
		{"status of a non-onboarding with an onboarding's ID", get(floorPath), 404, "no onboarding", "", ""},
		{"cancel a non-onboarding with an onboarding's ID", post(floorPath+"/cancel", appToken, `{"reason":"test"}`), 404, "no onboarding", "", ""},
		{"decide a non-onboarding with an onboarding's ID", post(floorPath+"/decision", agentToken, `{"decision":"approve"}`), 404, "no onboarding", "", ""},
		{"extend a non-onboarding with an onboarding's ID", post(floorPath+"/deadline", agentToken, `{"extendBy":"1h"}`), 404, "no onboarding", "", ""},
		{"status of another workflow", get(payrollPath), 404, "no onboarding", "", ""},
		{"cancel another workflow", post(payrollPath+"/cancel", appToken, `{"reason":"test"}`), 404, "no onboarding", "", ""},
		{"decide another workflow", post(payrollPath+"/decision", agentToken, `{"decision":"approve"}`), 404, "no onboarding", "", ""},
		{"extend another workflow", post(payrollPath+"/deadline", agentToken, `{"extendBy":"1h"}`), 404, "no onboarding", "", ""},
		{"start a merchant whose ID another workflow holds", start(strings.Replace(startBody(refused), refused, "111222333", 1)), 409, "in use", "", ""},
		{"cancel another workflow, agent token", post(payrollPath+"/cancel", agentToken, `{"reason":"test"}`), 404, "no onboarding", "", ""},
		// An escaped id is decoded once.
		{"an escaped onboarding ID is decoded once", get("/v1/onboardings/onboarding%3ANO%3A987654321"), 200, "", "", ""},
		// Idempotency keys: scoped to the caller, the operation and the onboarding.
		{"the extend's key reused for a decline", withHeader(post(idemPath+"/decision", agentToken, `{"decision":"decline"}`), "Idempotency-Key", aliceKey), 409, "AWAITING_REVIEW", "", ""},
		{"alice's key reused by bob for an earlier deadline", withHeader(post(idemPath+"/deadline", agent2, `{"declarationDeadline":"2020-01-01T00:00:00Z"}`), "Idempotency-Key", aliceKey), 409, "only move later", "", ""},
		{"alice's key reused by bob for a decision", withHeader(post(idemPath+"/decision", agent2, `{"decision":"approve","riskLevel":"HIGH"}`), "Idempotency-Key", aliceKey), 409, "AWAITING_REVIEW", "", ""},
		{"alice's key reused on another onboarding", withHeader(deadline(`{"declarationDeadline":"2020-01-01T00:00:00Z"}`), "Idempotency-Key", aliceKey), 409, "only move later", "", ""},
		{"alice's retry gets her first answer, once", aliceExtend, 200, "", "", ""},
	}

	// A flood of decisions on an onboarding not in review: every one refused, none recorded.
	for i := range 20 {
		d := []string{"approve", "decline"}[i%2]
		risk := []string{"", "LOW", "MEDIUM", "HIGH"}[i%4]
		token := []string{agentToken, agent2}[i/10]
		c := decide(fmt.Sprintf(`{"decision":%q,"reason":"flood %d","riskLevel":%q}`, d, i, risk))
		c.token = token
		if i%3 == 0 {
			c = withHeader(c, "Idempotency-Key", fmt.Sprintf("flood-%d", i))
		}
		cases = append(cases, badCase{fmt.Sprintf("decision flood %02d (%s %s)", i+1, d, risk), c, 409, "AWAITING_REVIEW", "", ""})
	}
	// Provider webhooks aimed at the parked onboarding.
	cases = append(cases, []badCase{
		{"webhook for an unknown reference", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("bad-6", "TQ1234567.5", refusedID),
			header: signed(secret, "bad-6", now, quickrEvent("bad-6", "TQ1234567.5", refusedID))}, 202, "", "", ""},
		{"genuine webhook", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("replayed-1", st.CaseID, parkedID),
			header: signed(secret, "replayed-1", now, quickrEvent("replayed-1", st.CaseID, parkedID))}, 202, "", "", ""},
		{"replayed webhook", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("replayed-1", st.CaseID, parkedID),
			header: signed(secret, "replayed-1", now, quickrEvent("replayed-1", st.CaseID, parkedID))}, 202, "", "", ""},
	}...)

	names := map[string]bool{}
	for _, tc := range cases {
		require.False(t, names[tc.name], "row %q twice", tc.name)
		names[tc.name] = true
	}
	codes := documentedCodes(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := s.do(t, tc.call)
			require.Equal(t, tc.code, a.code, a.raw)
			if tc.want != "" {
				require.Contains(t, a.body["error"], tc.want, a.raw)
			}
			if tc.field != "" {
				require.Contains(t, a.raw, `"field":`+strconv.Quote(tc.field), a.raw)
			}
			if tc.allow != "" {
				require.Equal(t, tc.allow, a.header.Get("Allow"))
			}
			if a.code >= 400 {
				require.Less(t, len(a.raw), 2048, "a refusal echoes no input at length")
			}
			if strings.HasPrefix(tc.call.path, "/v1/") {
				op := operationOf(tc.call.method, tc.call.path)
				_, path, _ := strings.Cut(op, " ")
				if documented, ok := codes[op]; ok {
					require.Contains(t, documented, strconv.Itoa(a.code), "%s answers %d: the OpenAPI document must list it", op, a.code)
				} else if codes["GET "+path] != nil || codes["POST "+path] != nil {
					require.Equal(t, http.StatusMethodNotAllowed, a.code, "%s is no operation", op)
					require.True(t, documentsMethodNotAllowed(t), "the OpenAPI document describes the 405")
				}
			}
		})
	}
	replay := s.do(t, cases[len(cases)-1].call)
	require.Equal(t, "duplicate", replay.body["result"])

	// Nothing was started: visibility knows only the two onboardings the test started (and
	// no other workflow of any type but the worker's own reconciler) ...
	resp, err := s.tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: "TaskQueue = '" + s.taskQueue + "' AND WorkflowType != '" + api.ReconcileQuickrType + "'"})
	require.NoError(t, err)
	var listed []string
	for _, e := range resp.GetExecutions() {
		listed = append(listed, e.GetExecution().GetWorkflowId())
	}
	require.ElementsMatch(t, []string{parkedID, idemID}, listed)
	_, err = s.tc.DescribeWorkflowExecution(ctx, refusedID, "")
	require.Error(t, err, "the refused merchant has no workflow")
	// ... the sandbox saw nothing of the refused merchant and one case for the parked one ...
	require.Empty(t, s.sandbox.Counters().For(refusedID))
	require.Equal(t, 1, s.sandbox.Counters().For(parkedID)[sandbox.CountCases])
	// ... the only event the parked onboarding received from our requests is the genuine
	// webhook, once, and no update or cancellation reached its history; the idempotency
	// onboarding holds alice's one extend, not a second nor any decision ...
	ours, updates := requestsIn(t, ctx, s, parkedID)
	require.Equal(t, []string{"replayed-1"}, ours)
	require.Empty(t, updates)
	ours, updates = requestsIn(t, ctx, s, idemID)
	require.Empty(t, ours)
	require.Equal(t, []string{api.UpdateExtendDeadline}, updates)
	parkedNow := waitStage(t, ctx, s, parkedID, api.StageAwaitingDeclaration)
	require.Empty(t, parkedNow.RejectedDecisions, "the flood left no trace")
	require.Nil(t, parkedNow.Decision)
	// ... and the workflows that are not onboardings are as they were started: running, with
	// nothing but their start in their history.
	for _, id := range []string{floorID, payrollID} {
		d, err := s.tc.DescribeWorkflowExecution(ctx, id, "")
		require.NoError(t, err)
		require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, d.GetWorkflowExecutionInfo().GetStatus(), id)
		var types []enumspb.EventType
		iter := s.tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			ev, err := iter.Next()
			require.NoError(t, err)
			types = append(types, ev.GetEventType())
		}
		require.Equal(t, []enumspb.EventType{enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED}, types, id)
	}
}

// requestsIn reads an onboarding's history for what requests put there: the ids of case
// events from outside the sandbox (the sandbox's own are TQ…), and the names of accepted
// updates. A cancellation request fails the test.
func requestsIn(t *testing.T, ctx context.Context, s *stack, id string) (events, updates []string) {
	t.Helper()
	iter := s.tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			var ce api.CaseEvent
			a := ev.GetWorkflowExecutionSignaledEventAttributes()
			if a.GetSignalName() == api.SignalCaseEvent {
				require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(a.GetInput(), &ce))
				if !strings.HasPrefix(ce.EventID, "TQ") {
					events = append(events, ce.EventID)
				}
			} else {
				events = append(events, a.GetSignalName())
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			updates = append(updates, ev.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput().GetName())
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
			t.Fatalf("a refused request cancelled %s", id)
		}
	}
	return events, updates
}

// TestGatewayLifecycleWithEncryption is an app and an agent doing their whole job through the
// gateway, with payloads encrypted: start, webhook-driven progress, review, decision, outcome.
// The history holds ciphertext; the codec server turns it back for the UI.
func TestGatewayLifecycleWithEncryption(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := newStack(t, autoSandbox(), withPayloadEncryption())

	// The app starts Ragnarok twice: one onboarding.
	first := s.do(t, apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: startBody("987654321")})
	require.Equal(t, http.StatusCreated, first.code, first.raw)
	again := s.do(t, apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: startBody("987654321")})
	require.Equal(t, http.StatusOK, again.code, again.raw)
	require.Equal(t, first.body["runId"], again.body["runId"])
	ragnarok := s.waitAPI(t, first.body["statusUrl"].(string), func(st map[string]any) bool { return st["stage"] == "FINISHED" })
	require.Equal(t, "APPROVED", ragnarok["outcome"])
	require.Greater(t, ragnarok["eventsReceived"], 0.0, "progress came from webhooks through the gateway")

	// Floki needs an agent.
	floki := s.do(t, apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: startBody("123456789")})
	require.Equal(t, http.StatusCreated, floki.code, floki.raw)
	flokiURL := floki.body["statusUrl"].(string)
	s.waitAPI(t, flokiURL, func(st map[string]any) bool { return st["stage"] == "AWAITING_REVIEW" })
	list := s.do(t, apiCall{method: "GET", path: "/v1/onboardings?stage=AWAITING_REVIEW", token: agentToken})
	require.Equal(t, http.StatusOK, list.code, list.raw)
	require.Contains(t, list.raw, floki.body["workflowId"])
	require.NotContains(t, list.raw, first.body["workflowId"])

	// Alice rates it HIGH and approves: a second agent must approve too. Her retry with the
	// same key gets her first answer; bob's approval with alice's key is his own request (it
	// used to get alice's cached awaiting_second_approval and never run).
	approve := func(token string) apiAnswer {
		return s.do(t, apiCall{method: "POST", path: flokiURL + "/decision", token: token,
			body: `{"decision":"approve","riskLevel":"HIGH","reason":"sole proprietor verified by phone"}`, header: http.Header{"Idempotency-Key": {"floki-approval"}}})
	}
	alice := approve(agentToken)
	require.Equal(t, http.StatusOK, alice.code, alice.raw)
	require.Equal(t, "awaiting_second_approval", alice.body["status"])
	retry := approve(agentToken)
	require.Equal(t, alice.raw, retry.raw, "a retry gets the first answer")
	// No other path lets alice finish it alone: not a second approval without the risk level
	// (HIGH sticks), not a decision by signal in bob's name (signals carry no proof of who
	// sent them, so they are refused and recorded).
	alone := s.do(t, apiCall{method: "POST", path: flokiURL + "/decision", token: agentToken, body: `{"decision":"approve"}`})
	require.Equal(t, http.StatusConflict, alone.code, alone.raw)
	require.Contains(t, alone.raw, "two different agents")
	require.NoError(t, s.tc.SignalWorkflow(ctx, floki.body["workflowId"].(string), "", api.SignalAgentDecision,
		api.Decision{Decision: api.DecisionApprove, Agent: "bob"}))
	refused := s.waitAPI(t, flokiURL, func(st map[string]any) bool { return st["rejectedDecisions"] != nil })
	require.Equal(t, "AWAITING_REVIEW", refused["stage"], "the signal decided nothing")
	require.Contains(t, fmt.Sprint(refused["rejectedDecisions"]), "decisions by signal are not accepted")
	decided := approve(agent2)
	require.Equal(t, http.StatusOK, decided.code, decided.raw)
	require.Equal(t, "decided", decided.body["status"], "bob's approval ran")
	twice := s.do(t, apiCall{method: "POST", path: flokiURL + "/decision", token: agent2, body: `{"decision":"decline"}`})
	require.Contains(t, []int{http.StatusConflict}, twice.code, twice.raw)
	done := s.waitAPI(t, flokiURL, func(st map[string]any) bool { return st["stage"] == "FINISHED" })
	require.Equal(t, "APPROVED", done["outcome"])
	decision := done["decision"].(map[string]any)
	require.Equal(t, "bob", decision["agent"])
	require.Equal(t, "api token bob", decision["via"])
	var approvers []any
	for _, a := range done["approvals"].([]any) {
		approvers = append(approvers, a.(map[string]any)["agent"])
	}
	require.Equal(t, []any{"alice", "bob"}, approvers, "four eyes, and alice's retry recorded nothing")
	cancelled := s.do(t, apiCall{method: "POST", path: flokiURL + "/cancel", token: appToken, body: `{"reason":"too late"}`})
	require.Equal(t, http.StatusConflict, cancelled.code, cancelled.raw)
	// Both close before this test's worker stops (other tests onboard the same merchants).
	for _, id := range []any{first.body["workflowId"], floki.body["workflowId"]} {
		require.NoError(t, s.tc.GetWorkflow(ctx, id.(string), "").Get(ctx, nil))
	}

	// At rest the start input is ciphertext under the active key ...
	plain := devServer.Client() // no codec: sees what the database holds
	iter := plain.GetWorkflowHistory(ctx, floki.body["workflowId"].(string), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	ev, err := iter.Next()
	require.NoError(t, err)
	input := ev.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()[0]
	require.Equal(t, codec.EncodingEncrypted, string(input.GetMetadata()["encoding"]))
	require.Equal(t, "e2e-1", string(input.GetMetadata()[codec.MetadataKeyID]))
	require.NotContains(t, string(input.GetData()), "Floki")
	require.NotContains(t, string(input.GetData()), "contact@example.test")

	// ... and the codec server, with its token, gives the UI the plaintext back.
	req, err := http.NewRequest("POST", s.gatewayURL+"/codec/t/"+codecToken+"/decode", bytes.NewReader([]byte(`{"payloads":[`+protoJSON(t, input)+`]}`)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Contains(t, decodedData(t, body), "Floki Shipbuilders")
	noToken := s.do(t, apiCall{method: "POST", path: "/codec/decode", body: `{"payloads":[]}`})
	require.Equal(t, http.StatusUnauthorized, noToken.code)
}

// waitAPI polls the status URL until ok, and returns the last status.
func (s *stack) waitAPI(t *testing.T, path string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	var last apiAnswer
	require.Eventually(t, func() bool {
		last = s.do(t, apiCall{method: "GET", path: path, token: appToken})
		return last.code == http.StatusOK && ok(last.body)
	}, 90*time.Second, 200*time.Millisecond, "last status: %s", last.raw)
	return last.body
}

func protoJSON(t *testing.T, p *commonpb.Payload) string {
	t.Helper()
	b, err := protojson.Marshal(p)
	require.NoError(t, err)
	return string(b)
}

// decodedData is the data of the first payload of a codec-server answer.
func decodedData(t *testing.T, body []byte) string {
	t.Helper()
	var ps commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(body, &ps))
	require.NotEmpty(t, ps.GetPayloads())
	return string(ps.GetPayloads()[0].GetData())
}

// TestCancelThroughGateway: an app withdraws a merchant that never declared. The onboarding
// archives its case, tells the app and ends CANCELLED; a second cancel is refused.
func TestCancelThroughGateway(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t, sandbox.Config{})
	started := s.do(t, apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: startBody("987123654")})
	require.Equal(t, http.StatusCreated, started.code, started.raw)
	id, statusURL := started.body["workflowId"].(string), started.body["statusUrl"].(string)
	waitStage(t, ctx, s, id, api.StageAwaitingDeclaration)

	a := s.do(t, apiCall{method: "POST", path: statusURL + "/cancel", token: appToken, body: `{"reason":"merchant withdrew the application"}`})
	require.Equal(t, http.StatusAccepted, a.code, a.raw)
	var res api.OnboardingResult
	require.NoError(t, s.tc.GetWorkflow(ctx, id, "").Get(ctx, &res))
	require.Equal(t, api.OutcomeCancelled, res.Outcome)
	require.Equal(t, 1, s.sandbox.Counters().Get(id, sandbox.CountArchived), "the case is archived once")
	require.Contains(t, s.inboxTypes(t, id), api.NotifyFinished)
	again := s.do(t, apiCall{method: "POST", path: statusURL + "/cancel", token: appToken, body: `{"reason":"again"}`})
	require.Equal(t, http.StatusConflict, again.code, again.raw)
	s.recordHistory(t, ctx, &engine.Started{WorkflowID: id, RunID: started.body["runId"].(string)}, "cancelled")
}
