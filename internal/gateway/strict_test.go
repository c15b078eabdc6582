package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/gateway"
)

var (
	docOnce  sync.Once
	docCodes map[string]map[string]bool // "METHOD /path" -> documented status codes
	docPaths map[string]bool
)

// requireDocumented fails when the answer's status is not in the OpenAPI document for the
// operation the request maps onto; a documented path asked with another method must be 405.
func requireDocumented(t *testing.T, method, path string, code int) {
	t.Helper()
	docOnce.Do(func() {
		var doc struct {
			Paths map[string]map[string]struct {
				Responses map[string]json.RawMessage `json:"responses"`
			} `json:"paths"`
		}
		if err := json.Unmarshal(gateway.OpenAPI(), &doc); err != nil {
			panic(err)
		}
		docCodes, docPaths = map[string]map[string]bool{}, map[string]bool{}
		for p, ops := range doc.Paths {
			docPaths[p] = true
			for m, op := range ops {
				docCodes[strings.ToUpper(m)+" "+p] = map[string]bool{}
				for c := range op.Responses {
					docCodes[strings.ToUpper(m)+" "+p][c] = true
				}
			}
		}
	})
	p, _, _ := strings.Cut(path, "?")
	if rest, ok := strings.CutPrefix(p, "/v1/onboardings/"); ok && rest != "" {
		_, sub, _ := strings.Cut(rest, "/")
		p = "/v1/onboardings/{id}"
		if sub != "" {
			p += "/" + sub
		}
	}
	if !docPaths[p] {
		return // not a route: the catch-all 404
	}
	if code == http.StatusMethodNotAllowed {
		require.Contains(t, string(gateway.OpenAPI()), `"MethodNotAllowed"`, "the document describes the 405")
	}
	if method == http.MethodHead {
		method = http.MethodGet
	}
	codes, ok := docCodes[method+" "+p]
	if !ok {
		require.Equal(t, http.StatusMethodNotAllowed, code, "%s %s is no operation", method, p)
		return
	}
	require.True(t, codes[itoa(code)], "%s %s answers %d: the OpenAPI document must list it", method, p, code)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestStrictInput: every body, header and value the gateway refuses by itself, with the
// status, the field named, nothing reaching the engine and no input echoed at length.
func TestStrictInput(t *testing.T) {
	id := "/v1/onboardings/" + wfID
	decision, deadline, cancel, start := id+"/decision", id+"/deadline", id+"/cancel", "/v1/onboardings"
	long := strings.Repeat("x", 50_000)
	startWith := func(kv string) string {
		return `{"company":{"orgNumber":"987654321","country":"NO"},"contact":{"name":"R","email":"r@example.test"},"credit":{"amount":1}` + kv + `}`
	}
	cases := []struct {
		name, path, body string
		header           http.Header
		code             int
		field, msg       string
	}{
		// Keys: once, ignoring case; exactly a field's name.
		{"case-variant duplicate decides", decision, `{"decision":"decline","DECISION":"approve"}`, nil, 400, "DECISION", "duplicate field"},
		{"exact duplicate", decision, `{"decision":"approve","decision":"decline"}`, nil, 400, "decision", "duplicate field"},
		{"Unicode-folded duplicate (long s)", decision, `{"decision":"decline","deciſion":"approve"}`, nil, 400, "deciſion", "duplicate field"},
		{"Kelvin-sign duplicate", decision, `{"decision":"approve","riskLevel":"LOW","risKLevel":"HIGH"}`, nil, 400, "risKLevel", "duplicate field"},
		{"nested exact duplicate", start, startWith(`,"policy":{"maxContractRenewals":1,"maxContractRenewals":2}`), nil, 400, "policy.maxContractRenewals", "duplicate field"},
		{"case-variant key alone", decision, `{"Decision":"approve"}`, nil, 400, "Decision", "unknown field"},
		{"long-s key alone", decision, `{"deciſion":"approve"}`, nil, 400, "deciſion", "unknown field"},
		{"nested duplicate", start, `{"company":{"orgNumber":"987654321","country":"NO","name":"A","NAME":"B"}}`, nil, 400, "company.NAME", "duplicate field"},
		{"nested case variant", start, startWith(`,"policy":{"ReviewSla":"1h"}`), nil, 400, "policy.ReviewSla", "unknown field"},
		{"deadline policy duplicate", deadline, `{"policy":{"reviewSla":"1h","REVIEWSLA":"2h"}}`, nil, 400, "policy.REVIEWSLA", "duplicate field"},
		{"top-level duplicate objects", start, `{"company":{},"Company":{}}`, nil, 400, "Company", "duplicate field"},
		{"cancel duplicate reason", cancel, `{"reason":"a","REASON":"b"}`, nil, 400, "REASON", "duplicate field"},
		{"an empty key", decision, `{"decision":"approve","":1}`, nil, 400, `""`, "unknown field"},
		{"overlong unknown key", decision, `{"` + long + `":1}`, nil, 400, "", "unknown field"},
		// null is never a value.
		{"null body", decision, `null`, nil, 400, "(body)", "null"},
		{"null decision", decision, `{"decision":null}`, nil, 400, "decision", "null"},
		{"null company", start, `{"company":null}`, nil, 400, "company", "null"},
		{"null policy on extend", deadline, `{"extendBy":"1h","policy":null}`, nil, 400, "policy", "null"},
		{"null deadline", deadline, `{"declarationDeadline":null}`, nil, 400, "declarationDeadline", "null"},
		{"null reason on cancel", cancel, `{"reason":null}`, nil, 400, "reason", "null"},
		// Numbers within their type.
		{"1e400 amount", start, `{"credit":{"amount":1e400}}`, nil, 400, "credit.amount", "out of range"},
		{"-1e400 amount", start, `{"credit":{"amount":-1e400}}`, nil, 400, "credit.amount", "out of range"},
		{"1e400 period", start, `{"credit":{"periodDays":1e400}}`, nil, 400, "credit.periodDays", "wrong type"},
		{"huge renewals on extend", deadline, `{"policy":{"maxContractRenewals":99999999999999999999}}`, nil, 400, "policy.maxContractRenewals", "out of range"},
		{"fractional renewals", deadline, `{"policy":{"maxContractRenewals":1.5}}`, nil, 400, "policy.maxContractRenewals", "wrong type"},
		{"huge duration in nanoseconds", deadline, `{"extendBy":1e400}`, nil, 400, "extendBy", "duration"},
		// Types.
		{"array body", decision, `[1,2]`, nil, 400, "(body)", "wrong type"},
		{"string body", decision, `"approve"`, nil, 400, "(body)", "wrong type"},
		{"number as decision", decision, `{"decision":1}`, nil, 400, "decision", "wrong type"},
		{"object as reason", decision, `{"decision":"approve","reason":{}}`, nil, 400, "reason", "wrong type"},
		{"object as a time", deadline, `{"declarationDeadline":{}}`, nil, 400, "declarationDeadline", "wrong type"},
		{"unreadable time", deadline, `{"declarationDeadline":"next tuesday"}`, nil, 400, "declarationDeadline", "invalid time"},
		{"trailing data", decision, `{"decision":"approve"} x`, nil, 400, "", "trailing data"},
		{"two objects", decision, `{"decision":"approve"}{"decision":"decline"}`, nil, 400, "", "trailing data"},
		{"empty", decision, ``, http.Header{"Content-Type": {"application/json"}}, 400, "", "empty"},
		{"only whitespace", decision, " \n\t", nil, 400, "", "empty"},
		{"too deep for a leaf", start, `{"company":{"name":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}}`, nil, 400, "company.name", "wrong type"},
		// Text.
		{"invalid UTF-8", decision, "{\"decision\":\"approve\",\"reason\":\"\xff\xfe\"}", nil, 400, "", "UTF-8"},
		{"overlong UTF-8 encoding", decision, "{\"decision\":\"approve\",\"reason\":\"\xc0\xaf\"}", nil, 400, "", "UTF-8"},
		{"lone high surrogate", decision, `{"decision":"approve","reason":"\ud800"}`, nil, 400, "", "surrogate"},
		{"lone low surrogate", decision, `{"decision":"approve","reason":"\udc00x"}`, nil, 400, "", "surrogate"},
		{"reversed surrogates", decision, `{"decision":"approve","reason":"\udc00\ud800"}`, nil, 400, "", "surrogate"},
		{"UTF-16 body", decision, "\xff\xfe{\x00}\x00", nil, 400, "", "UTF-8"},
		{"byte-order mark", decision, "\xef\xbb\xbf{\"decision\":\"approve\"}", nil, 400, "", "not valid JSON"},
		// Content types.
		{"latin-1 charset", decision, `{"decision":"approve"}`, http.Header{"Content-Type": {"application/json; charset=iso-8859-1"}}, 415, "", "application/json"},
		{"UTF-16 charset", decision, `{"decision":"approve"}`, http.Header{"Content-Type": {"application/json; charset=utf-16"}}, 415, "", "application/json"},
		{"another parameter", decision, `{"decision":"approve"}`, http.Header{"Content-Type": {"application/json; boundary=x"}}, 415, "", "application/json"},
		{"two content types", decision, `{"decision":"approve"}`, http.Header{"Content-Type": {"application/json", "application/json"}}, 415, "", "application/json"},
		{"text/json", decision, `{"decision":"approve"}`, http.Header{"Content-Type": {"text/json"}}, 415, "", "application/json"},
		{"broken media type", decision, `{"decision":"approve"}`, http.Header{"Content-Type": {"application/json; charset"}}, 415, "", "application/json"},
		// Echoes are clipped.
		{"50 KB extendBy", deadline, `{"extendBy":"` + long + `"}`, nil, 400, "extendBy", "invalid duration"},
		{"50 KB declarationDeadline", deadline, `{"declarationDeadline":"` + long + `"}`, nil, 400, "declarationDeadline", "invalid time"},
		{"50 KB policy duration", start, startWith(`,"policy":{"reviewSla":"` + long + `"}`), nil, 400, "policy.reviewSla", "invalid duration"},
		{"50 KB country", start, `{"company":{"orgNumber":"987654321","country":"` + long + `"},"contact":{"name":"R","email":"r@example.test"},"credit":{"amount":1}}`, nil, 422, "company.country", "invalid input"},
		{"50 KB currency", start, `{"company":{"orgNumber":"987654321","country":"NO"},"contact":{"name":"R","email":"r@example.test"},"credit":{"amount":1,"currency":"` + long + `"}}`, nil, 422, "credit.currency", "invalid input"},
		// Every string field is bounded.
		{"overlong contact title", start, `{"company":{"orgNumber":"987654321","country":"NO"},"contact":{"name":"R","email":"r@example.test","title":"` + strings.Repeat("t", 201) + `"},"credit":{"amount":1}}`, nil, 422, "contact.title", "invalid input"},
		{"overlong decision", decision, `{"decision":"` + long + `"}`, nil, 422, "decision", "invalid input"},
		{"overlong risk level", decision, `{"decision":"approve","riskLevel":"` + long + `"}`, nil, 422, "riskLevel", "invalid input"},
		{"overlong decision reason", decision, `{"decision":"approve","reason":"` + long + `"}`, nil, 422, "reason", "invalid input"},
		{"overlong extend reason", deadline, `{"extendBy":"1h","reason":"` + long + `"}`, nil, 422, "reason", "invalid input"},
		{"overlong cancel reason", cancel, `{"reason":"` + long + `"}`, nil, 422, "reason", "invalid input"},
		// Extends are checked against the limits a start has before anything is sent.
		{"eleven renewals", deadline, `{"policy":{"maxContractRenewals":11}}`, nil, 422, "policy.maxContractRenewals", "invalid input"},
		{"negative renewals", deadline, `{"policy":{"maxContractRenewals":-1}}`, nil, 422, "policy.maxContractRenewals", "invalid input"},
		{"a review SLA of a second", deadline, `{"policy":{"reviewSla":"1s"}}`, nil, 422, "policy.reviewSla", "invalid input"},
		{"a zero reminder cadence", deadline, `{"policy":{"reviewReminderEvery":"0s"}}`, nil, 422, "policy.reviewReminderEvery", "invalid input"},
		{"negative extendBy", deadline, `{"extendBy":"-72h"}`, nil, 422, "extendBy", "invalid input"},
		{"extendBy past a year", deadline, `{"extendBy":"8761h"}`, nil, 422, "extendBy", "invalid input"},
		{"deadline in 9999", deadline, `{"declarationDeadline":"9999-12-31T23:59:59Z"}`, nil, 422, "declarationDeadline", "invalid input"},
		{"nothing to change", deadline, `{}`, nil, 422, "(body)", "invalid input"},
		{"only a reason", deadline, `{"reason":"why not"}`, nil, 422, "(body)", "invalid input"},
		{"both a deadline and extendBy", deadline, `{"extendBy":"1h","declarationDeadline":"` + time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339) + `"}`, nil, 422, "extendBy", "invalid input"},
		{"an empty policy", deadline, `{"policy":{}}`, nil, 422, "policy", "invalid input"},
		// Idempotency keys.
		{"129-character key", decision, `{"decision":"approve"}`, http.Header{"Idempotency-Key": {strings.Repeat("k", 129)}}, 400, "Idempotency-Key", "Idempotency-Key"},
		{"two keys", deadline, `{"extendBy":"1h"}`, http.Header{"Idempotency-Key": {"a", "b"}}, 400, "Idempotency-Key", "Idempotency-Key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fe := &fakeEngine{}
			token := agentToken
			if tc.path == start || tc.path == cancel {
				token = appToken
			}
			rec := callWith(t, apiServer(t, fe), "POST", tc.path, token, tc.body, tc.header)
			require.Equal(t, tc.code, rec.Code, rec.Body.String())
			p := problemOf(t, rec)
			require.Contains(t, p.Error, tc.msg)
			if tc.field != "" {
				require.NotEmpty(t, p.Fields, rec.Body.String())
				var names []string
				for _, f := range p.Fields {
					names = append(names, f.Field)
				}
				require.Contains(t, names, tc.field)
			}
			require.Less(t, rec.Body.Len(), 1024, "the answer echoes no input at length: %s", rec.Body.String())
			require.Empty(t, fe.calls, "nothing reaches the engine")
			requireDocumented(t, "POST", tc.path, rec.Code)
		})
	}
}

// The strict reader still reads what clients send: a charset parameter, escapes, a surrogate
// pair, keys in any order.
func TestStrictInputAcceptsGoodBodies(t *testing.T) {
	id := "/v1/onboardings/" + wfID
	for _, tc := range []struct {
		name, path, body, ct string
		code                 int
	}{
		{"charset utf-8", id + "/decision", `{"decision":"approve"}`, "application/json; charset=utf-8", 200},
		{"charset UTF-8, spaced", id + "/decision", `{"decision":"approve"}`, "Application/JSON ; Charset=\"UTF-8\"", 200},
		{"a surrogate pair and escapes", id + "/decision", `{"reason":"\ud83d\ude00 \u00e6\"\/","decision":"decline"}`, "", 200},
		{"a time with an offset", id + "/deadline", `{"declarationDeadline":"` + time.Now().Add(48*time.Hour).Format(time.RFC3339) + `"}`, "", 200},
		{"nanoseconds", id + "/deadline", `{"extendBy":3600000000000}`, "", 200},
		{"a start", "/v1/onboardings", validStart, "", 201},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fe := &fakeEngine{}
			token := agentToken
			if tc.path == "/v1/onboardings" {
				token = appToken
			}
			var h http.Header
			if tc.ct != "" {
				h = http.Header{"Content-Type": {tc.ct}}
			}
			rec := callWith(t, apiServer(t, fe), "POST", tc.path, token, tc.body, h)
			require.Equal(t, tc.code, rec.Code, rec.Body.String())
			require.Len(t, fe.calls, 1)
		})
	}
	fe := &fakeEngine{}
	rec := call(t, apiServer(t, fe), "POST", id+"/decision", agentToken, `{"reason":"\ud83d\ude00","decision":"decline","riskLevel":"LOW"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "😀", fe.decided[0].Reason)
	require.Equal(t, "decline", fe.decided[0].Decision)
}

func TestAuthorizationIsReadStrictly(t *testing.T) {
	path := "/v1/onboardings/" + wfID
	for name, tc := range map[string]struct {
		values []string
		code   int
	}{
		"one bearer token":              {[]string{"Bearer " + appToken}, 200},
		"the scheme in any case":        {[]string{"bEARER " + appToken}, 200},
		"two headers, both valid":       {[]string{"Bearer " + appToken, "Bearer " + appToken}, 401},
		"a valid and an invalid header": {[]string{"Bearer " + appToken, "Bearer nope-nope-nope-nope"}, 401},
		"an invalid then a valid one":   {[]string{"Basic YWRtaW46YWRtaW4=", "Bearer " + appToken}, 401},
		"two spaces":                    {[]string{"Bearer  " + appToken}, 401},
		"a tab for the space":           {[]string{"Bearer\t" + appToken}, 401},
		"a trailing tab":                {[]string{"Bearer " + appToken + "\t"}, 401},
		"a trailing space":              {[]string{"Bearer " + appToken + " "}, 401},
		"a space inside":                {[]string{"Bearer " + appToken[:5] + " " + appToken[5:]}, 401},
		"a newline inside":              {[]string{"Bearer " + appToken[:5] + "\n" + appToken[5:]}, 401},
		"the token twice":               {[]string{"Bearer " + appToken + "," + appToken}, 401},
		"no scheme":                     {[]string{appToken}, 401},
		"empty":                         {[]string{""}, 401},
	} {
		t.Run(name, func(t *testing.T) {
			fe := &fakeEngine{}
			rec := callWith(t, apiServer(t, fe), "GET", path, "", "", http.Header{"Authorization": tc.values})
			require.Equal(t, tc.code, rec.Code, rec.Body.String())
			if tc.code == 401 {
				require.Empty(t, fe.calls)
			}
		})
	}
	_, err := gateway.ParseTokens("app:shop=0123456789 abcdef")
	require.ErrorContains(t, err, "printable ASCII without spaces", "a secret no header can carry is refused at start-up")
}

func TestMethodNotAllowed(t *testing.T) {
	h := apiServer(t, &fakeEngine{})
	for _, route := range []struct{ path, allow string }{
		{"/v1/openapi.json", "GET, HEAD"},
		{"/v1/onboardings", "POST, GET, HEAD"},
		{"/v1/onboardings/" + wfID, "GET, HEAD"},
		{"/v1/onboardings/" + wfID + "/cancel", "POST"},
		{"/v1/onboardings/" + wfID + "/decision", "POST"},
		{"/v1/onboardings/" + wfID + "/deadline", "POST"},
	} {
		for _, m := range []string{"PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"} {
			rec := call(t, h, m, route.path, agentToken, `{"decision":"approve"}`)
			require.Equal(t, http.StatusMethodNotAllowed, rec.Code, "%s %s", m, route.path)
			require.Equal(t, route.allow, rec.Header().Get("Allow"), "%s %s", m, route.path)
			require.Contains(t, problemOf(t, rec).Error, route.allow)
		}
	}
	require.Equal(t, http.StatusMethodNotAllowed, call(t, h, "GET", "/v1/onboardings/"+wfID+"/decision", agentToken, "").Code)
	require.Equal(t, http.StatusMethodNotAllowed, call(t, h, "HEAD", "/v1/onboardings/"+wfID+"/cancel", agentToken, "").Code)
}
