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
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/gateway"
	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/providers/webhooksig"
	"github.com/merchantflow/onboarding/workflows"
)

// apiCall is one request to the test gateway.
type apiCall struct {
	method, path, token, body string
	contentType               string // default application/json when there is a body
	header                    http.Header
}

type apiAnswer struct {
	code int
	body map[string]any
	raw  string
}

func (s *stack) do(t *testing.T, c apiCall) apiAnswer {
	t.Helper()
	req, err := http.NewRequest(c.method, s.gatewayURL+c.path, strings.NewReader(c.body))
	require.NoError(t, err)
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	} else if c.body != "" {
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
	a := apiAnswer{code: resp.StatusCode, raw: string(raw)}
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

// withField returns the start body for org with one dotted field replaced (or removed when
// v is nil).
func withField(org, field string, v any) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(startBody(org)), &m)
	parts := strings.Split(field, ".")
	cur := m
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	if v == nil {
		delete(cur, parts[len(parts)-1])
	} else {
		cur[parts[len(parts)-1]] = v
	}
	b, _ := json.Marshal(m)
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

// operationOf maps a concrete request onto its documented operation.
func operationOf(method, path string) string {
	path, _, _ = strings.Cut(path, "?")
	re := regexp.MustCompile(`^/v1/onboardings/[^/]+`)
	if path != "/v1/onboardings" && strings.HasPrefix(path, "/v1/onboardings/") {
		path = re.ReplaceAllString(path, "/v1/onboardings/{id}")
	}
	return method + " " + path
}

// TestGatewayRefusesBadInput sends malformed and unauthorised requests and webhooks. Each
// gets the right status and message, and none starts or signals an onboarding: visibility
// holds only the one valid onboarding, the sandbox saw nothing for the refused merchant, and
// the parked onboarding's history holds only the one genuine webhook.
func TestGatewayRefusesBadInput(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t, sandbox.Config{}) // manual: the onboarding parks at the declaration
	secret := []byte(sandbox.DefaultCredentials().WebhookSigningSecret)

	parked := s.do(t, apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: startBody("987654321")})
	require.Equal(t, http.StatusCreated, parked.code, parked.raw)
	parkedID := parked.body["workflowId"].(string)
	// Workflow IDs are per namespace, and other tests onboard the same merchant.
	t.Cleanup(func() { _ = s.tc.TerminateWorkflow(context.Background(), parkedID, "", "test over") })
	st := waitStage(t, ctx, s, parkedID, workflows.StageAwaitingDeclaration)
	parkedPath := "/v1/onboardings/" + url.PathEscape(parkedID)

	const refused = "123456789" // every bad start names this merchant
	refusedID := workflows.WorkflowID("NO", refused)
	now := time.Now()
	big := `{"company":{"orgNumber":"123456789","country":"NO","name":"` + strings.Repeat("x", 70<<10) + `"}}`
	cases := []struct {
		name  string
		call  apiCall
		code  int
		want  string // in the error message or a field name
		field string
	}{
		// Authentication.
		{"no token", apiCall{method: "POST", path: "/v1/onboardings", body: startBody(refused)}, 401, "bearer token", ""},
		{"wrong token", apiCall{method: "POST", path: "/v1/onboardings", token: "not-a-configured-token", body: startBody(refused)}, 401, "bearer token", ""},
		{"basic auth", apiCall{method: "POST", path: "/v1/onboardings", body: startBody(refused), header: http.Header{"Authorization": {"Basic YWRtaW46YWRtaW4="}}}, 401, "bearer token", ""},
		{"app token decides", apiCall{method: "POST", path: parkedPath + "/decision", token: appToken, body: `{"decision":"approve"}`}, 403, "agent token", ""},
		// Transport.
		{"no content type", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: startBody(refused), contentType: " "}, 415, "application/json", ""},
		{"form body", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: "company=1", contentType: "application/x-www-form-urlencoded"}, 415, "application/json", ""},
		{"empty body", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, contentType: "application/json"}, 400, "empty", ""},
		{"broken JSON", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: `{"company":`}, 400, "not valid JSON", ""},
		{"array body", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: `[1,2]`}, 400, "wrong type", ""},
		{"two objects", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: startBody(refused) + startBody(refused)}, 400, "trailing data", ""},
		{"oversized body", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: big}, 413, "64 KiB", ""},
		// Shape.
		{"unknown field", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "nickname", "Floki")}, 400, "unknown field", "nickname"},
		{"unknown nested field", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "company.vat", "NO1")}, 400, "unknown field", "vat"},
		{"number as org number", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "company.orgNumber", 123456789)}, 400, "wrong type", "company.orgNumber"},
		{"string as amount", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "credit.amount", "lots")}, 400, "wrong type", "credit.amount"},
		{"unreadable duration", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "policy.declarationPoll", "2 weeks")}, 400, "invalid duration", ""},
		// Meaning.
		{"no company", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "company", nil)}, 422, "invalid input", "company.country"},
		{"unsupported country", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "company.country", "US")}, 422, "invalid input", "company.country"},
		{"three-letter country", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "company.country", "NOR")}, 422, "invalid input", "company.country"},
		{"short NO org number", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "company.orgNumber", "12345678")}, 422, "invalid input", "company.orgNumber"},
		{"letters in org number", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "company.orgNumber", "12345678A")}, 422, "invalid input", "company.orgNumber"},
		{"SE number for NO", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "company.orgNumber", "556123-4567")}, 422, "invalid input", "company.orgNumber"},
		{"no contact email", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "contact.email", nil)}, 422, "invalid input", "contact.email"},
		{"half an email", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "contact.email", "floki@")}, 422, "invalid input", "contact.email"},
		{"email with a display name", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "contact.email", "Floki <floki@example.test>")}, 422, "invalid input", "contact.email"},
		{"zero amount", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "credit.amount", 0)}, 422, "invalid input", "credit.amount"},
		{"negative amount", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "credit.amount", -5)}, 422, "invalid input", "credit.amount"},
		{"fractions of a cent", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "credit.amount", 10.005)}, 422, "invalid input", "credit.amount"},
		{"absurd amount", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "credit.amount", 1e12)}, 422, "invalid input", "credit.amount"},
		{"unknown period", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "credit.periodDays", 45)}, 422, "invalid input", "credit.periodDays"},
		{"unknown currency", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "credit.currency", "USD")}, 422, "invalid input", "credit.currency"},
		{"negative deadline", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "policy.declarationDeadline", "-1h")}, 422, "invalid input", "policy.declarationDeadline"},
		{"bad birth date", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: withField(refused, "contact.birthDate", "01.01.1980")}, 422, "invalid input", "contact.birthDate"},
		// Lists.
		{"unknown stage", apiCall{method: "GET", path: "/v1/onboardings?stage=NAPPING", token: appToken}, 400, "invalid query", "stage"},
		{"unknown list parameter", apiCall{method: "GET", path: "/v1/onboardings?sort=asc", token: appToken}, 400, "invalid query", "sort"},
		// Decisions, deadlines and cancellations the onboarding or the gateway refuses.
		{"not a decision", apiCall{method: "POST", path: parkedPath + "/decision", token: agentToken, body: `{"decision":"maybe"}`}, 422, "invalid input", "decision"},
		{"decision before review", apiCall{method: "POST", path: parkedPath + "/decision", token: agentToken, body: `{"decision":"approve"}`}, 409, "AWAITING_REVIEW", ""},
		{"decision for nobody", apiCall{method: "POST", path: "/v1/onboardings/" + url.PathEscape(refusedID) + "/decision", token: agentToken, body: `{"decision":"approve"}`}, 404, "no onboarding", ""},
		{"earlier deadline", apiCall{method: "POST", path: parkedPath + "/deadline", token: agentToken, body: `{"declarationDeadline":"2020-01-01T00:00:00Z"}`}, 409, "only move later", ""},
		{"cancel without reason", apiCall{method: "POST", path: parkedPath + "/cancel", token: appToken, body: `{}`}, 422, "invalid input", "reason"},
		{"cancel nobody", apiCall{method: "POST", path: "/v1/onboardings/" + url.PathEscape(refusedID) + "/cancel", token: appToken, body: `{"reason":"test"}`}, 404, "no onboarding", ""},
		{"status of nobody", apiCall{method: "GET", path: "/v1/onboardings/" + url.PathEscape(refusedID), token: appToken}, 404, "no onboarding", ""},
		// Provider webhooks aimed at the parked onboarding.
		{"unsigned webhook", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("bad-1", st.CaseID, parkedID)}, 401, "", ""},
		{"webhook signed with another secret", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("bad-2", st.CaseID, parkedID),
			header: signed([]byte("another-secret"), "bad-2", now, quickrEvent("bad-2", st.CaseID, parkedID))}, 401, "", ""},
		{"stale webhook", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("bad-3", st.CaseID, parkedID),
			header: signed(secret, "bad-3", now.Add(-time.Hour), quickrEvent("bad-3", st.CaseID, parkedID))}, 401, "", ""},
		{"tampered webhook", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("bad-4", st.CaseID, parkedID),
			header: signed(secret, "bad-4", now, quickrEvent("bad-4", "TQ1234567.999", parkedID))}, 401, "", ""},
		{"signed nonsense", apiCall{method: "POST", path: "/webhooks/quickr", body: `{"hello":"world"}`,
			header: signed(secret, "bad-5", now, `{"hello":"world"}`)}, 400, "not a Quickr case event", ""},
		{"unsigned IDV callback", apiCall{method: "POST", path: "/webhooks/idv", body: `{"id":1,"state":"FINISHED","reference":"` + parkedID + `"}`}, 401, "", ""},
		{"genuine webhook", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("replayed-1", st.CaseID, parkedID),
			header: signed(secret, "replayed-1", now, quickrEvent("replayed-1", st.CaseID, parkedID))}, 202, "", ""},
		{"replayed webhook", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("replayed-1", st.CaseID, parkedID),
			header: signed(secret, "replayed-1", now, quickrEvent("replayed-1", st.CaseID, parkedID))}, 202, "", ""},
		{"webhook for an unknown reference", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("bad-6", "TQ1234567.5", refusedID),
			header: signed(secret, "bad-6", now, quickrEvent("bad-6", "TQ1234567.5", refusedID))}, 202, "", ""},
	}
	require.GreaterOrEqual(t, len(cases)-1, 30, "the table has at least 30 refusals besides the one genuine webhook")
	codes := documentedCodes(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := s.do(t, tc.call)
			require.Equal(t, tc.code, a.code, a.raw)
			if tc.want != "" {
				require.Contains(t, a.body["error"], tc.want, a.raw)
			}
			if tc.field != "" {
				require.Contains(t, a.raw, `"field":"`+tc.field, a.raw)
			}
			if strings.HasPrefix(tc.call.path, "/v1/") {
				op := operationOf(tc.call.method, tc.call.path)
				require.Contains(t, codes[op], strconv.Itoa(a.code), "%s answers %d: the OpenAPI document must list it", op, a.code)
			}
		})
	}
	replay := s.do(t, cases[len(cases)-2].call)
	require.Equal(t, "duplicate", replay.body["result"])

	// Nothing was started: visibility knows only the parked onboarding ...
	resp, err := s.tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "TaskQueue = '" + s.taskQueue + "'"})
	require.NoError(t, err)
	require.Len(t, resp.GetExecutions(), 1)
	require.Equal(t, parkedID, resp.GetExecutions()[0].GetExecution().GetWorkflowId())
	_, err = s.tc.DescribeWorkflowExecution(ctx, refusedID, "")
	require.Error(t, err, "the refused merchant has no workflow")
	// ... the sandbox saw nothing of the refused merchant and one case for the parked one ...
	require.Empty(t, s.sandbox.Counters().For(refusedID))
	require.Equal(t, 1, s.sandbox.Counters().For(parkedID)[sandbox.CountCases])
	// ... and the only event the parked onboarding received from our requests is the genuine
	// webhook, once. No update or cancellation reached its history.
	var ours []string
	iter := s.tc.GetWorkflowHistory(ctx, parkedID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			var ce workflows.CaseEvent
			a := ev.GetWorkflowExecutionSignaledEventAttributes()
			if a.GetSignalName() == workflows.SignalCaseEvent {
				require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(a.GetInput(), &ce))
				if !strings.HasPrefix(ce.EventID, "TQ") { // the sandbox's own events are TQ…
					ours = append(ours, ce.EventID)
				}
			}
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
			t.Fatalf("a refused request reached the history: %v", ev.GetEventType())
		}
	}
	require.Equal(t, []string{"replayed-1"}, ours)
}

// TestGatewayLifecycleWithEncryption is an app and an agent doing their whole job through the
// gateway, with payloads encrypted: start, webhook-driven progress, review, decision, outcome.
// The history holds ciphertext; the codec server turns it back for the UI.
func TestGatewayLifecycleWithEncryption(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := 200 * time.Millisecond
	s := newStack(t, sandbox.Config{Auto: true, Delays: sandbox.Delays{Declare: d, Sign: d, IDV: d, Analysis: d, CreditTerms: d}}, withPayloadEncryption())

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

	decided := s.do(t, apiCall{method: "POST", path: flokiURL + "/decision", token: agentToken, body: `{"decision":"approve","reason":"sole proprietor verified by phone"}`})
	require.Equal(t, http.StatusOK, decided.code, decided.raw)
	require.Equal(t, "decided", decided.body["status"])
	twice := s.do(t, apiCall{method: "POST", path: flokiURL + "/decision", token: agent2, body: `{"decision":"decline"}`})
	require.Contains(t, []int{http.StatusConflict}, twice.code, twice.raw)
	done := s.waitAPI(t, flokiURL, func(st map[string]any) bool { return st["stage"] == "FINISHED" })
	require.Equal(t, "APPROVED", done["outcome"])
	decision := done["decision"].(map[string]any)
	require.Equal(t, "alice", decision["agent"])
	require.Equal(t, "api token alice", decision["via"])
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
	waitStage(t, ctx, s, id, workflows.StageAwaitingDeclaration)

	a := s.do(t, apiCall{method: "POST", path: statusURL + "/cancel", token: appToken, body: `{"reason":"merchant withdrew the application"}`})
	require.Equal(t, http.StatusAccepted, a.code, a.raw)
	var res workflows.OnboardingResult
	require.NoError(t, s.tc.GetWorkflow(ctx, id, "").Get(ctx, &res))
	require.Equal(t, workflows.OutcomeCancelled, res.Outcome)
	require.Equal(t, 1, s.sandbox.Counters().Get(id, sandbox.CountArchived), "the case is archived once")
	require.Contains(t, s.inboxTypes(t, id), activities.NotifyFinished)
	again := s.do(t, apiCall{method: "POST", path: statusURL + "/cancel", token: appToken, body: `{"reason":"again"}`})
	require.Equal(t, http.StatusConflict, again.code, again.raw)
	s.recordHistory(t, ctx, &engine.Started{WorkflowID: id, RunID: started.body["runId"].(string)}, "cancelled")
}
