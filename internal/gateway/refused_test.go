package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// apiCall is one request to the gateway: method, path, bearer token, body and headers (a
// header given replaces the default one; contentType replaces application/json).
type apiCall struct {
	method, path, token, body string
	contentType               string
	header                    http.Header
}

// refusal is a request the gateway must refuse by itself: the status, a part of the message,
// a field the answer names and, for a 405, the Allow header.
type refusal struct {
	name  string
	call  apiCall
	code  int
	want  string
	field string
	allow string
}

// refusedStart is a valid start for Floki Shipbuilders (123456789), the merchant every
// refused start names, its keys in the order encoding/json writes them (rows edit the text).
func refusedStart() string {
	b, _ := json.Marshal(map[string]any{
		"company": map[string]any{"orgNumber": "123456789", "country": "NO", "name": "Floki Shipbuilders"},
		"contact": map[string]any{"name": "Floki Vilgerdarson", "email": "contact@example.test"},
		"address": "Fjordveien 7, 5003 Bergen",
		"credit":  map[string]any{"amount": 100000, "currency": "NOK", "periodDays": 30},
		"policy": map[string]any{"declarationPoll": "1s", "signingPoll": "1s", "idvPoll": "1s",
			"creditAnalysisPoll": "1s", "creditTermsPoll": "1s", "reviewSla": "1h"},
	})
	return string(b)
}

// refusedStartWith is refusedStart with one dotted field replaced (or removed when v is nil).
func refusedStartWith(field string, v any) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(refusedStart()), &m)
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

// TestGatewayRefusesBadInputByItself: the malformed, hostile and unauthorised requests the
// gateway answers without the engine (the end-to-end table keeps those only a real server
// can answer). Each gets its status, message and field, no refusal echoes its input at
// length, the status is one the OpenAPI document lists, and nothing reaches the engine.
func TestGatewayRefusesBadInputByItself(t *testing.T) {
	parked := "/v1/onboardings/onboarding:NO:987654321"
	big := `{"company":{"orgNumber":"123456789","country":"NO","name":"` + strings.Repeat("x", 70<<10) + `"}}`
	long := strings.Repeat("x", 5000)
	huge := strings.Repeat("9", 50_000)
	raw := func(v string) json.RawMessage { return json.RawMessage(v) }
	start := func(body string) apiCall {
		return apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: body}
	}
	startWith := func(field string, v any) apiCall { return start(refusedStartWith(field, v)) }
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
	deadline := func(body string) apiCall { return post(parked+"/deadline", agentToken, body) }
	decide := func(body string) apiCall { return post(parked+"/decision", agentToken, body) }
	future := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }

	cases := []refusal{
		// Authentication.
		{"no token", apiCall{method: "POST", path: "/v1/onboardings", body: refusedStart()}, 401, "bearer token", "", ""},
		{"wrong token", apiCall{method: "POST", path: "/v1/onboardings", token: "not-a-configured-token", body: refusedStart()}, 401, "bearer token", "", ""},
		{"basic auth", apiCall{method: "POST", path: "/v1/onboardings", body: refusedStart(), header: http.Header{"Authorization": {"Basic YWRtaW46YWRtaW4="}}}, 401, "bearer token", "", ""},
		{"app token decides", apiCall{method: "POST", path: parked + "/decision", token: appToken, body: `{"decision":"approve"}`}, 403, "agent token", "", ""},
		{"two Authorization headers, both valid", authed(start(refusedStart()), "Bearer "+appToken, "Bearer "+appToken), 401, "bearer token", "", ""},
		{"a valid and a Basic Authorization", authed(start(refusedStart()), "Bearer "+appToken, "Basic YWRtaW46YWRtaW4="), 401, "bearer token", "", ""},
		{"two spaces after Bearer", authed(start(refusedStart()), "Bearer  "+appToken), 401, "bearer token", "", ""},
		{"a tab for the space", authed(start(refusedStart()), "Bearer\t"+appToken), 401, "bearer token", "", ""},
		{"a space inside the token", authed(start(refusedStart()), "Bearer "+appToken[:8]+" "+appToken[8:]), 401, "bearer token", "", ""},
		{"a tab inside the token", authed(start(refusedStart()), "Bearer "+appToken[:8]+"\t"+appToken[8:]), 401, "bearer token", "", ""},
		{"two Authorization headers cancelling", authed(post(parked+"/cancel", "", `{"reason":"r"}`), "Bearer "+appToken, "Bearer "+appToken), 401, "bearer token", "", ""},
		// Transport.
		{"no content type", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: refusedStart(), contentType: " "}, 415, "application/json", "", ""},
		{"form body", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: "company=1", contentType: "application/x-www-form-urlencoded"}, 415, "application/json", "", ""},
		{"empty body", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, contentType: "application/json"}, 400, "empty", "", ""},
		{"broken JSON", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: `{"company":`}, 400, "not valid JSON", "", ""},
		{"array body", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: `[1,2]`}, 400, "wrong type", "(body)", ""},
		{"two objects", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: refusedStart() + refusedStart()}, 400, "trailing data", "", ""},
		{"oversized body", apiCall{method: "POST", path: "/v1/onboardings", token: appToken, body: big}, 413, "64 KiB", "", ""},
		{"charset utf-8 is read", withHeader(startWith("company.country", "US"), "Content-Type", "application/json; charset=utf-8"), 422, "invalid input", "company.country", ""},
		{"latin-1 charset", withHeader(start(refusedStart()), "Content-Type", "application/json; charset=iso-8859-1"), 415, "application/json", "", ""},
		{"UTF-16 charset", withHeader(start(refusedStart()), "Content-Type", "application/json; charset=utf-16"), 415, "application/json", "", ""},
		{"another media type parameter", withHeader(start(refusedStart()), "Content-Type", "application/json; version=2"), 415, "application/json", "", ""},
		{"two Content-Type headers", withHeader(start(refusedStart()), "Content-Type", "application/json", "application/json"), 415, "application/json", "", ""},
		{"invalid UTF-8", start(strings.Replace(refusedStart(), "Floki", "Fl\xffki", 1)), 400, "UTF-8", "", ""},
		{"half a surrogate pair", start(strings.Replace(refusedStart(), "Floki", `Fl\ud800ki`, 1)), 400, "surrogate", "", ""},
		{"a UTF-16 body", start("\xff\xfe{\x00}\x00"), 400, "UTF-8", "", ""},
		// Keys: once per object, ignoring case, and exactly a field's name.
		{"unknown field", startWith("nickname", "Floki"), 400, "unknown field", "nickname", ""},
		{"unknown nested field", startWith("company.vat", "NO1"), 400, "unknown field", "company.vat", ""},
		{"case-variant duplicate object", start(strings.TrimSuffix(refusedStart(), "}") + `,"COMPANY":{"orgNumber":"987654321","country":"NO"}}`), 400, "duplicate field", "COMPANY", ""},
		{"nested case-variant duplicate", start(strings.Replace(refusedStart(), `"orgNumber":"123456789"`, `"orgNumber":"123456789","orgnumber":"987654321"`, 1)), 400, "duplicate field", "company.orgnumber", ""},
		{"case-variant key before the real one", start(strings.Replace(refusedStart(), `"company":`, `"COMPANY":{"orgNumber":"987654321","country":"NO"},"company":`, 1)), 400, "unknown field", "COMPANY", ""},
		{"case-variant key", start(strings.Replace(refusedStart(), `"contact":`, `"Contact":`, 1)), 400, "unknown field", "Contact", ""},
		{"Unicode-folded key (long s)", start(strings.Replace(refusedStart(), `"address":`, `"addreſs":`, 1)), 400, "unknown field", "addreſs", ""},
		{"decline, then DECISION approve", decide(`{"decision":"decline","DECISION":"approve"}`), 400, "duplicate field", "DECISION", ""},
		{"decision twice", decide(`{"decision":"decline","decision":"approve"}`), 400, "duplicate field", "decision", ""},
		{"decision twice, long s", decide(`{"decision":"decline","deciſion":"approve"}`), 400, "duplicate field", "deciſion", ""},
		{"riskLevel twice, Kelvin sign", decide(`{"decision":"approve","riskLevel":"LOW","ris` + "\u212a" + `Level":"HIGH"}`), 400, "duplicate field", "ris\u212aLevel", ""},
		{"extendBy twice", deadline(`{"extendBy":"1h","EXTENDBY":"8000h"}`), 400, "duplicate field", "EXTENDBY", ""},
		{"case-variant policy key on extend", deadline(`{"policy":{"ReviewSla":"1h"}}`), 400, "unknown field", "policy.ReviewSla", ""},
		{"reason twice on cancel", post(parked+"/cancel", appToken, `{"reason":"a","REASON":"b"}`), 400, "duplicate field", "REASON", ""},
		{"a body cannot name the agent", decide(`{"decision":"approve","agent":"bob"}`), 400, "unknown field", "agent", ""},
		// null is never a value.
		{"null company", startWith("company", raw("null")), 400, "null", "company", ""},
		{"null credit", startWith("credit", raw("null")), 400, "null", "credit", ""},
		{"null name", startWith("company.name", raw("null")), 400, "null", "company.name", ""},
		{"null body", start("null"), 400, "null", "(body)", ""},
		{"null decision", decide(`{"decision":null}`), 400, "null", "decision", ""},
		{"null policy on extend", deadline(`{"extendBy":"1h","policy":null}`), 400, "null", "policy", ""},
		{"null reason on cancel", post(parked+"/cancel", appToken, `{"reason":null}`), 400, "null", "reason", ""},
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
		{"overlong cancel reason", post(parked+"/cancel", appToken, `{"reason":"`+long+`"}`), 422, "invalid input", "reason", ""},
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
		{"cancel without reason", post(parked+"/cancel", appToken, `{}`), 422, "invalid input", "reason", ""},
		// Ids: decoded once, bounded, the onboarding ID's shape.
		{"a twice-escaped ID", get("/v1/onboardings/onboarding%253ANO%253A987654321"), 404, "no onboarding", "", ""},
		{"an escaped slash in the ID", post("/v1/onboardings/onboarding:NO%2F987654321/decision", agentToken, `{"decision":"approve"}`), 404, "no onboarding", "", ""},
		{"an overlong ID", get("/v1/onboardings/onboarding:NO:" + strings.Repeat("9", 4000)), 404, "no onboarding", "", ""},
		{"an overlong ID cancelled", post("/v1/onboardings/"+strings.Repeat("x", 4000)+"/cancel", appToken, `{"reason":"r"}`), 404, "no onboarding", "", ""},
		{"a lower-case country in the ID", get("/v1/onboardings/onboarding:no:987654321"), 404, "no onboarding", "", ""},
		{"an escaped space after the ID", post(parked+"%20/cancel", appToken, `{"reason":"r"}`), 404, "no onboarding", "", ""},
		{"an escaped NUL in the ID", get(parked + "%00"), 404, "no onboarding", "", ""},
		{"full-width digits in the ID", get("/v1/onboardings/onboarding:NO:" + url.PathEscape("９８７６５４３２１")), 404, "no onboarding", "", ""},
		{"a suffix after the ID", post(parked+":x/cancel", appToken, `{"reason":"r"}`), 404, "no onboarding", "", ""},
		{"no such route", get("/v1/" + strings.Repeat("y", 3000)), 404, "no such API route", "", ""},
		// Idempotency keys: bounded, and scoped to the caller, the operation and the onboarding.
		{"a 129-character key", withHeader(decide(`{"decision":"approve"}`), "Idempotency-Key", strings.Repeat("k", 129)), 400, "Idempotency-Key", "Idempotency-Key", ""},
		{"a key that is not ASCII", withHeader(decide(`{"decision":"approve"}`), "Idempotency-Key", "nøkkel"), 400, "Idempotency-Key", "Idempotency-Key", ""},
		{"two keys", withHeader(deadline(`{"extendBy":"1h"}`), "Idempotency-Key", "a", "b"), 400, "Idempotency-Key", "Idempotency-Key", ""},
		{"an empty key", withHeader(deadline(`{"extendBy":"1h"}`), "Idempotency-Key", ""), 400, "Idempotency-Key", "Idempotency-Key", ""},
	}
	names := map[string]bool{}
	for _, tc := range cases {
		require.False(t, names[tc.name], "row %q twice", tc.name)
		names[tc.name] = true
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fe := &fakeEngine{}
			header := http.Header{}
			if tc.call.contentType != "" {
				header.Set("Content-Type", tc.call.contentType)
			}
			for k, vs := range tc.call.header {
				header[k] = vs
			}
			rec := callWith(t, apiServer(t, fe), tc.call.method, tc.call.path, tc.call.token, tc.call.body, header)
			require.Equal(t, tc.code, rec.Code, rec.Body.String())
			if tc.want != "" {
				require.Contains(t, problemOf(t, rec).Error, tc.want)
			}
			if tc.field != "" {
				require.Contains(t, rec.Body.String(), `"field":`+strconv.Quote(tc.field))
			}
			if tc.allow != "" {
				require.Equal(t, tc.allow, rec.Header().Get("Allow"))
			}
			require.Less(t, rec.Body.Len(), 2048, "a refusal echoes no input at length")
			require.Empty(t, fe.calls, "nothing reaches the engine")
		})
	}
}
