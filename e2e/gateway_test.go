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
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/gateway"
	"github.com/merchantflow/onboarding/internal/webhooksig"
	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/workflows"
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

// TestGatewayRefusesBadInput sends malformed, hostile and unauthorised requests and webhooks
// through the real gateway, dev server and worker. Each gets the right status, message and
// field, no refusal echoes its input at length, and none starts, signals, updates or cancels
// anything: visibility holds only the two onboardings the test started, the sandbox saw
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
		_, err := s.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: s.taskQueue + "-no-worker"}, "BenchFloor", workflows.BenchFloorInput{})
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.tc.TerminateWorkflow(context.Background(), id, "", "test over") })
	}
	floorPath, payrollPath := "/v1/onboardings/"+url.PathEscape(floorID), "/v1/onboardings/"+payrollID

	const refused = "123456789" // every bad start names this merchant
	refusedID := api.WorkflowID("NO", refused)
	now := time.Now()
	big := `{"company":{"orgNumber":"123456789","country":"NO","name":"` + strings.Repeat("x", 70<<10) + `"}}`
	long := strings.Repeat("x", 5000)
	huge := strings.Repeat("9", 50_000)
	raw := func(v string) json.RawMessage { return json.RawMessage(v) }
	start := func(body string) apiCall {
		return apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: body}
	}
	startWith := func(field string, v any) apiCall { return start(withField(refused, field, v)) }
	post := func(path, token, body string) apiCall {
		return apiCall{method: "POST", path: path, token: token, body: body}
	}
	withHeader := func(c apiCall, k string, vs ...string) apiCall {
		c.header = http.Header{k: vs}
		return c
	}
	authed := func(c apiCall, values ...string) apiCall {
		c.token = ""
		return withHeader(c, "Authorization", values...)
	}
	get := func(path string) apiCall { return apiCall{method: "GET", path: path, token: appToken} }
	deadline := func(body string) apiCall { return post(parkedPath+"/deadline", agentToken, body) }
	decide := func(body string) apiCall { return post(parkedPath+"/decision", agentToken, body) }
	future := func(d time.Duration) string { return now.Add(d).UTC().Format(time.RFC3339) }

	cases := []badCase{
		// Authentication.
		{"no token", apiCall{method: "POST", path: "/v1/onboardings", body: startBody(refused)}, 401, "bearer token", "", ""},
		{"wrong token", apiCall{method: "POST", path: "/v1/onboardings", token: "not-a-configured-token", body: startBody(refused)}, 401, "bearer token", "", ""},
		{"basic auth", apiCall{method: "POST", path: "/v1/onboardings", body: startBody(refused), header: http.Header{"Authorization": {"Basic YWRtaW46YWRtaW4="}}}, 401, "bearer token", "", ""},
		{"app token decides", apiCall{method: "POST", path: parkedPath + "/decision", token: appToken, body: `{"decision":"approve"}`}, 403, "agent token", "", ""},
		{"two Authorization headers, both valid", authed(start(startBody(refused)), "Bearer "+appToken, "Bearer "+appToken), 401, "bearer token", "", ""},
		{"a valid and a Basic Authorization", authed(start(startBody(refused)), "Bearer "+appToken, "Basic YWRtaW46YWRtaW4="), 401, "bearer token", "", ""},
		{"two spaces after Bearer", authed(start(startBody(refused)), "Bearer  "+appToken), 401, "bearer token", "", ""},
		{"a tab for the space", authed(start(startBody(refused)), "Bearer\t"+appToken), 401, "bearer token", "", ""},
		{"a space inside the token", authed(start(startBody(refused)), "Bearer "+appToken[:8]+" "+appToken[8:]), 401, "bearer token", "", ""},
		{"a tab inside the token", authed(start(startBody(refused)), "Bearer "+appToken[:8]+"\t"+appToken[8:]), 401, "bearer token", "", ""},
		{"two Authorization headers cancelling", authed(post(parkedPath+"/cancel", "", `{"reason":"r"}`), "Bearer "+appToken, "Bearer "+appToken), 401, "bearer token", "", ""},
		// Transport.
		{"no content type", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: startBody(refused), contentType: " "}, 415, "application/json", "", ""},
		{"form body", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: "company=1", contentType: "application/x-www-form-urlencoded"}, 415, "application/json", "", ""},
		{"empty body", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, contentType: "application/json"}, 400, "empty", "", ""},
		{"broken JSON", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: `{"company":`}, 400, "not valid JSON", "", ""},
		{"array body", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: `[1,2]`}, 400, "wrong type", "(body)", ""},
		{"two objects", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: startBody(refused) + startBody(refused)}, 400, "trailing data", "", ""},
		{"oversized body", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: big}, 413, "64 KiB", "", ""},
		{"charset utf-8 is read", withHeader(startWith("company.country", "US"), "Content-Type", "application/json; charset=utf-8"), 422, "invalid input", "company.country", ""},
		{"latin-1 charset", withHeader(start(startBody(refused)), "Content-Type", "application/json; charset=iso-8859-1"), 415, "application/json", "", ""},
		{"UTF-16 charset", withHeader(start(startBody(refused)), "Content-Type", "application/json; charset=utf-16"), 415, "application/json", "", ""},
		{"another media type parameter", withHeader(start(startBody(refused)), "Content-Type", "application/json; version=2"), 415, "application/json", "", ""},
		{"two Content-Type headers", withHeader(start(startBody(refused)), "Content-Type", "application/json", "application/json"), 415, "application/json", "", ""},
		{"invalid UTF-8", start(strings.Replace(startBody(refused), "Floki", "Fl\xffki", 1)), 400, "UTF-8", "", ""},
		{"half a surrogate pair", start(strings.Replace(startBody(refused), "Floki", `Fl\ud800ki`, 1)), 400, "surrogate", "", ""},
		{"a UTF-16 body", start("\xff\xfe{\x00}\x00"), 400, "UTF-8", "", ""},
		// Keys: once per object, ignoring case, and exactly a field's name.
		{"unknown field", startWith("nickname", "Floki"), 400, "unknown field", "nickname", ""},
		{"unknown nested field", startWith("company.vat", "NO1"), 400, "unknown field", "company.vat", ""},
		{"case-variant duplicate object", start(strings.TrimSuffix(startBody(refused), "}") + `,"COMPANY":{"orgNumber":"987654321","country":"NO"}}`), 400, "duplicate field", "COMPANY", ""},
		{"nested case-variant duplicate", start(strings.Replace(startBody(refused), `"orgNumber":"123456789"`, `"orgNumber":"123456789","orgnumber":"987654321"`, 1)), 400, "duplicate field", "company.orgnumber", ""},
		{"case-variant key before the real one", start(strings.Replace(startBody(refused), `"company":`, `"COMPANY":{"orgNumber":"987654321","country":"NO"},"company":`, 1)), 400, "unknown field", "COMPANY", ""},
		{"case-variant key", start(strings.Replace(startBody(refused), `"contact":`, `"Contact":`, 1)), 400, "unknown field", "Contact", ""},
		{"Unicode-folded key (long s)", start(strings.Replace(startBody(refused), `"address":`, `"addreſs":`, 1)), 400, "unknown field", "addreſs", ""},
		{"decline, then DECISION approve", decide(`{"decision":"decline","DECISION":"approve"}`), 400, "duplicate field", "DECISION", ""},
		{"decision twice", decide(`{"decision":"decline","decision":"approve"}`), 400, "duplicate field", "decision", ""},
		{"decision twice, long s", decide(`{"decision":"decline","deciſion":"approve"}`), 400, "duplicate field", "deciſion", ""},
		{"riskLevel twice, Kelvin sign", decide(`{"decision":"approve","riskLevel":"LOW","ris` + "\u212a" + `Level":"HIGH"}`), 400, "duplicate field", "ris\u212aLevel", ""},
		{"extendBy twice", deadline(`{"extendBy":"1h","EXTENDBY":"8000h"}`), 400, "duplicate field", "EXTENDBY", ""},
		{"case-variant policy key on extend", deadline(`{"policy":{"ReviewSla":"1h"}}`), 400, "unknown field", "policy.ReviewSla", ""},
		{"reason twice on cancel", post(parkedPath+"/cancel", appToken, `{"reason":"a","REASON":"b"}`), 400, "duplicate field", "REASON", ""},
		{"a body cannot name the agent", decide(`{"decision":"approve","agent":"bob"}`), 400, "unknown field", "agent", ""},
		// null is never a value.
		{"null company", startWith("company", raw("null")), 400, "null", "company", ""},
		{"null credit", startWith("credit", raw("null")), 400, "null", "credit", ""},
		{"null name", startWith("company.name", raw("null")), 400, "null", "company.name", ""},
		{"null body", start("null"), 400, "null", "(body)", ""},
		{"null decision", decide(`{"decision":null}`), 400, "null", "decision", ""},
		{"null policy on extend", deadline(`{"extendBy":"1h","policy":null}`), 400, "null", "policy", ""},
		{"null reason on cancel", post(parkedPath+"/cancel", appToken, `{"reason":null}`), 400, "null", "reason", ""},
		// Types and numbers.
		{"number as org number", startWith("company.orgNumber", 123456789), 400, "wrong type", "company.orgNumber", ""},
		{"string as amount", startWith("credit.amount", "lots"), 400, "wrong type", "credit.amount", ""},
		{"unreadable duration", startWith("policy.declarationPoll", "2 weeks"), 400, "invalid duration", "policy.declarationPoll", ""},
		{"1e400 amount", startWith("credit.amount", raw("1e400")), 400, "out of range", "credit.amount", ""},
		{"-1e400 amount", startWith("credit.amount", raw("-1e400")), 400, "out of range", "credit.amount", ""},
		{"1e400 period", startWith("credit.periodDays", raw("1e400")), 400, "wrong type", "credit.periodDays", ""},
		{"1e400 renewals at start", startWith("policy.maxContractRenewals", raw("1e400")), 400, "wrong type", "policy.maxContractRenewals", ""},
		{"20-digit renewals on extend", deadline(`{"policy":{"maxContractRenewals":99999999999999999999}}`), 400, "out of range", "policy.maxContractRenewals", ""},
		{"1e400 nanoseconds on extend", deadline(`{"extendBy":1e400}`), 400, "duration", "extendBy", ""},
		{"a time with offset +24:00", deadline(`{"declarationDeadline":"2027-01-01T00:00:00+24:00"}`), 400, "invalid time", "declarationDeadline", ""},
		// Every string field is bounded, and no answer echoes it at length.
		{"overlong org number", startWith("company.orgNumber", long), 422, "invalid input", "company.orgNumber", ""},
		{"overlong country", startWith("company.country", long), 422, "invalid input", "company.country", ""},
		{"overlong company name", startWith("company.name", long), 422, "invalid input", "company.name", ""},
		{"overlong contact name", startWith("contact.name", long), 422, "invalid input", "contact.name", ""},
		{"overlong email", startWith("contact.email", long+"@example.test"), 422, "invalid input", "contact.email", ""},
		{"overlong birth date", startWith("contact.birthDate", long), 422, "invalid input", "contact.birthDate", ""},
		{"overlong title", startWith("contact.title", long), 422, "invalid input", "contact.title", ""},
		{"overlong address", startWith("address", long), 422, "invalid input", "address", ""},
		{"overlong currency", startWith("credit.currency", long), 422, "invalid input", "credit.currency", ""},
		{"50 KB policy duration", startWith("policy.reviewSla", huge+"h"), 400, "invalid duration", "policy.reviewSla", ""},
		{"overlong decision", decide(`{"decision":"` + long + `"}`), 422, "invalid input", "decision", ""},
		{"overlong risk level", decide(`{"decision":"approve","riskLevel":"` + long + `"}`), 422, "invalid input", "riskLevel", ""},
		{"overlong decision reason", decide(`{"decision":"approve","reason":"` + long + `"}`), 422, "invalid input", "reason", ""},
		{"50 KB extendBy", deadline(`{"extendBy":"` + huge + `"}`), 400, "invalid duration", "extendBy", ""},
		{"overlong declarationDeadline", deadline(`{"declarationDeadline":"` + long + `"}`), 400, "invalid time", "declarationDeadline", ""},
		{"overlong extend reason", deadline(`{"extendBy":"1h","reason":"` + long + `"}`), 422, "invalid input", "reason", ""},
		{"overlong cancel reason", post(parkedPath+"/cancel", appToken, `{"reason":"`+long+`"}`), 422, "invalid input", "reason", ""},
		// Meaning.
		{"no company", startWith("company", nil), 422, "invalid input", "company.country", ""},
		{"unsupported country", startWith("company.country", "US"), 422, "invalid input", "company.country", ""},
		{"three-letter country", startWith("company.country", "NOR"), 422, "invalid input", "company.country", ""},
		{"short NO org number", startWith("company.orgNumber", "12345678"), 422, "invalid input", "company.orgNumber", ""},
		{"letters in org number", startWith("company.orgNumber", "12345678A"), 422, "invalid input", "company.orgNumber", ""},
		{"SE number for NO", startWith("company.orgNumber", "556123-4567"), 422, "invalid input", "company.orgNumber", ""},
		{"no contact email", startWith("contact.email", nil), 422, "invalid input", "contact.email", ""},
		{"half an email", startWith("contact.email", "floki@"), 422, "invalid input", "contact.email", ""},
		{"email with a display name", startWith("contact.email", "Floki <floki@example.test>"), 422, "invalid input", "contact.email", ""},
		{"zero amount", startWith("credit.amount", 0), 422, "invalid input", "credit.amount", ""},
		{"negative amount", startWith("credit.amount", -5), 422, "invalid input", "credit.amount", ""},
		{"fractions of a cent", startWith("credit.amount", 10.005), 422, "invalid input", "credit.amount", ""},
		{"absurd amount", startWith("credit.amount", 1e12), 422, "invalid input", "credit.amount", ""},
		{"unknown period", startWith("credit.periodDays", 45), 422, "invalid input", "credit.periodDays", ""},
		{"unknown currency", startWith("credit.currency", "USD"), 422, "invalid input", "credit.currency", ""},
		{"bad birth date", startWith("contact.birthDate", "01.01.1980"), 422, "invalid input", "contact.birthDate", ""},
		{"negative deadline", startWith("policy.declarationDeadline", "-1h"), 422, "invalid input", "policy.declarationDeadline", ""},
		{"deadline past a year", startWith("policy.declarationDeadline", "9000h"), 422, "invalid input", "policy.declarationDeadline", ""},
		{"eleven renewals at start", startWith("policy.maxContractRenewals", 11), 422, "invalid input", "policy.maxContractRenewals", ""},
		// Tiny cadences at start.
		{"reminders every nanosecond", startWith("policy.declarationReminderEvery", "1ns"), 422, "invalid input", "policy.declarationReminderEvery", ""},
		{"a poll every millisecond", startWith("policy.declarationPoll", "1ms"), 422, "invalid input", "policy.declarationPoll", ""},
		{"a signing poll of one nanosecond, as a number", startWith("policy.signingPoll", 1), 422, "invalid input", "policy.signingPoll", ""},
		{"review reminders every second", startWith("policy.reviewReminderEvery", "1s"), 422, "invalid input", "policy.reviewReminderEvery", ""},
		{"a provider budget of a second", startWith("policy.providerCallBudget", "1s"), 422, "invalid input", "policy.providerCallBudget", ""},
		{"signing reminders every 59 s", startWith("policy.signingReminderEvery", "59s"), 422, "invalid input", "policy.signingReminderEvery", ""},
		// Lists.
		{"unknown stage", apiCall{method: "GET", path: "/v1/onboardings?stage=NAPPING", token: appToken}, 400, "invalid query", "stage", ""},
		{"unknown list parameter", apiCall{method: "GET", path: "/v1/onboardings?sort=asc", token: appToken}, 400, "invalid query", "sort", ""},
		{"a list parameter twice", get("/v1/onboardings?stage=AWAITING_REVIEW&stage=FINISHED"), 400, "invalid query", "stage", ""},
		// Decisions, deadlines and cancellations the onboarding or the gateway refuses.
		{"not a decision", decide(`{"decision":"maybe"}`), 422, "invalid input", "decision", ""},
		{"decision before review", decide(`{"decision":"approve"}`), 409, "AWAITING_REVIEW", "", ""},
		{"decision for nobody", post("/v1/onboardings/"+url.PathEscape(refusedID)+"/decision", agentToken, `{"decision":"approve"}`), 404, "no onboarding", "", ""},
		{"earlier deadline", deadline(`{"declarationDeadline":"2020-01-01T00:00:00Z"}`), 409, "only move later", "", ""},
		{"deadline in year 1", deadline(`{"declarationDeadline":"0001-01-01T00:00:00Z"}`), 409, "only move later", "", ""},
		{"deadline in 9999", deadline(`{"declarationDeadline":"9999-12-31T23:59:59Z"}`), 422, "invalid input", "declarationDeadline", ""},
		{"deadline two years ahead", deadline(`{"declarationDeadline":"` + future(2*365*24*time.Hour) + `"}`), 422, "invalid input", "declarationDeadline", ""},
		{"negative extendBy", deadline(`{"extendBy":"-72h"}`), 422, "invalid input", "extendBy", ""},
		{"negative extendBy in nanoseconds", deadline(`{"extendBy":-1}`), 422, "invalid input", "extendBy", ""},
		{"extendBy past a year", deadline(`{"extendBy":"8761h"}`), 422, "invalid input", "extendBy", ""},
		{"nothing to change", deadline(`{}`), 422, "invalid input", "(body)", ""},
		{"a deadline and extendBy", deadline(`{"extendBy":"1h","declarationDeadline":"` + future(48*time.Hour) + `"}`), 422, "invalid input", "extendBy", ""},
		{"an empty policy", deadline(`{"policy":{}}`), 422, "invalid input", "policy", ""},
		{"eleven renewals on extend", deadline(`{"policy":{"maxContractRenewals":11}}`), 422, "invalid input", "policy.maxContractRenewals", ""},
		{"negative renewals on extend", deadline(`{"policy":{"maxContractRenewals":-1}}`), 422, "invalid input", "policy.maxContractRenewals", ""},
		{"a review SLA of a second", deadline(`{"policy":{"reviewSla":"1s"}}`), 422, "invalid input", "policy.reviewSla", ""},
		{"cancel without reason", post(parkedPath+"/cancel", appToken, `{}`), 422, "invalid input", "reason", ""},
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
		{"start a merchant whose ID another workflow holds", startWith("company.orgNumber", "111222333"), 409, "in use", "", ""},
		{"cancel another workflow, agent token", post(payrollPath+"/cancel", agentToken, `{"reason":"test"}`), 404, "no onboarding", "", ""},
		// Ids: decoded once, bounded, the onboarding ID's shape.
		{"an escaped onboarding ID is decoded once", get("/v1/onboardings/onboarding%3ANO%3A987654321"), 200, "", "", ""},
		{"a twice-escaped ID", get("/v1/onboardings/onboarding%253ANO%253A987654321"), 404, "no onboarding", "", ""},
		{"an escaped slash in the ID", post("/v1/onboardings/onboarding:NO%2F987654321/decision", agentToken, `{"decision":"approve"}`), 404, "no onboarding", "", ""},
		{"an overlong ID", get("/v1/onboardings/onboarding:NO:" + strings.Repeat("9", 4000)), 404, "no onboarding", "", ""},
		{"an overlong ID cancelled", post("/v1/onboardings/"+strings.Repeat("x", 4000)+"/cancel", appToken, `{"reason":"r"}`), 404, "no onboarding", "", ""},
		{"a lower-case country in the ID", get("/v1/onboardings/onboarding:no:987654321"), 404, "no onboarding", "", ""},
		{"an escaped space after the ID", post(parkedPath+"%20/cancel", appToken, `{"reason":"r"}`), 404, "no onboarding", "", ""},
		{"an escaped NUL in the ID", get(parkedPath + "%00"), 404, "no onboarding", "", ""},
		{"full-width digits in the ID", get("/v1/onboardings/onboarding:NO:" + url.PathEscape("９８７６５４３２１")), 404, "no onboarding", "", ""},
		{"a suffix after the ID", post(parkedPath+":x/cancel", appToken, `{"reason":"r"}`), 404, "no onboarding", "", ""},
		{"no such route", get("/v1/" + strings.Repeat("y", 3000)), 404, "no such API route", "", ""},
		// Idempotency keys: bounded, and scoped to the caller, the operation and the onboarding.
		{"a 129-character key", withHeader(decide(`{"decision":"approve"}`), "Idempotency-Key", strings.Repeat("k", 129)), 400, "Idempotency-Key", "Idempotency-Key", ""},
		{"a key that is not ASCII", withHeader(decide(`{"decision":"approve"}`), "Idempotency-Key", "nøkkel"), 400, "Idempotency-Key", "Idempotency-Key", ""},
		{"two keys", withHeader(deadline(`{"extendBy":"1h"}`), "Idempotency-Key", "a", "b"), 400, "Idempotency-Key", "Idempotency-Key", ""},
		{"an empty key", withHeader(deadline(`{"extendBy":"1h"}`), "Idempotency-Key", ""), 400, "Idempotency-Key", "Idempotency-Key", ""},
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
	// Methods a route does not take.
	for _, r := range []struct{ path, allow string }{
		{"/v1/openapi.json", "GET, HEAD"}, {"/v1/onboardings", "POST, GET, HEAD"}, {parkedPath, "GET, HEAD"},
		{parkedPath + "/cancel", "POST"}, {parkedPath + "/decision", "POST"}, {parkedPath + "/deadline", "POST"},
	} {
		for _, m := range []string{"PUT", "DELETE", "PATCH"} {
			cases = append(cases, badCase{m + " " + operationOf("GET", r.path)[4:], apiCall{method: m, path: r.path, token: agentToken, body: `{"reason":"r"}`}, 405, r.allow, "", r.allow})
		}
	}
	// Provider webhooks aimed at the parked onboarding.
	cases = append(cases, []badCase{
		{"unsigned webhook", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("bad-1", st.CaseID, parkedID)}, 401, "", "", ""},
		{"webhook signed with another secret", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("bad-2", st.CaseID, parkedID),
			header: signed([]byte("another-secret"), "bad-2", now, quickrEvent("bad-2", st.CaseID, parkedID))}, 401, "", "", ""},
		{"stale webhook", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("bad-3", st.CaseID, parkedID),
			header: signed(secret, "bad-3", now.Add(-time.Hour), quickrEvent("bad-3", st.CaseID, parkedID))}, 401, "", "", ""},
		{"tampered webhook", apiCall{method: "POST", path: "/webhooks/quickr", body: quickrEvent("bad-4", st.CaseID, parkedID),
			header: signed(secret, "bad-4", now, quickrEvent("bad-4", "TQ1234567.999", parkedID))}, 401, "", "", ""},
		{"signed nonsense", apiCall{method: "POST", path: "/webhooks/quickr", body: `{"hello":"world"}`,
			header: signed(secret, "bad-5", now, `{"hello":"world"}`)}, 400, "not a Quickr case event", "", ""},
		{"unsigned IDV callback", apiCall{method: "POST", path: "/webhooks/idv", body: `{"id":1,"state":"FINISHED","reference":"` + parkedID + `"}`}, 401, "", "", ""},
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
	// Every row but the genuine webhook is a refused or harmless input.
	require.GreaterOrEqual(t, len(cases)-1, 120, "the table has at least 120 bad inputs besides the one genuine webhook")
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
