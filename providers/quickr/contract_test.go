package quickr_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/quickr"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// Contract tests: the real client against a fresh sandbox per test, for every client method.

var contractT0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// control POSTs to a sandbox control endpoint and fails the test unless it answers 200.
func control(t *testing.T, base, ref, step string, body any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	resp, err := http.Post(base+"/control/quickr/cases/"+ref+"/"+step, "application/json", rd)
	require.NoError(t, err)
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(msg))
}

func fullCase(ref, org, callback string) quickr.CaseCreate {
	cc := ragnarokCase(ref, callback)
	cc.Prefills[0].Data[0]["organization_number"] = org
	cc.Checks = []quickr.CheckSpec{{Type: "company"}, {Type: "sanction"}, {Type: "politically_exposed_person"},
		{Type: "ultimate_beneficial_ownership"}, {Type: "bank_account"}, {Type: "credit_score"}, {Type: "signatory"}}
	return cc
}

// newCase creates cc in the sandbox and then runs the control steps on it (declare, sign...).
func newCase(t *testing.T, c *quickr.Client, base string, cc quickr.CaseCreate, steps ...string) *quickr.Case {
	t.Helper()
	created, err := c.CreateCase(context.Background(), cc)
	require.NoError(t, err)
	for _, step := range steps {
		control(t, base, cc.Reference, step, nil)
	}
	return created
}

// readPages calls page with each cursor in turn ("" first) until a page has none and returns
// every item read; more than five pages fail the test.
func readPages[T any](t *testing.T, page func(cursor string) ([]T, quickr.Pagination)) []T {
	t.Helper()
	var all []T
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		items, next := page(cursor)
		all = append(all, items...)
		if next.Cursor == "" {
			return all
		}
		cursor = next.Cursor
	}
}

// autoApprove is the guide's "Auto approve" automation: on READY_FOR_REVIEW, when any of
// noSanctions holds, the company is two years old or more and every owner shares its country,
// the case is set ACTIVE.
func autoApprove(description string, noSanctions ...quickr.Condition) quickr.Automation {
	return quickr.Automation{
		Name:        "Auto approve",
		Description: description,
		Triggers:    []quickr.AutomationTrigger{{Type: "case_status_updated", Status: "READY_FOR_REVIEW"}},
		Conditions: []quickr.Condition{
			{Type: "or", Conditions: noSanctions},
			{Type: "greater_than_or_equal", Field: "$.context.company_age", Value: "2"},
			{Type: "every", Field: "$.prefills[?(@.type==='ultimate_beneficial_ownership')].data[*].country", Path: "$.prefills[?(@.type==='company')].data[*].country"},
		},
		Actions:  []quickr.AutomationAction{{Type: "set_case_status", Status: "ACTIVE"}},
		Metadata: map[string]string{"team": "risk"},
	}
}

func requireStatus(t *testing.T, err error, status int) {
	t.Helper()
	require.Error(t, err)
	pe, ok := providers.AsError(err)
	require.True(t, ok, "%T %v", err, err)
	require.Equal(t, status, pe.Status, pe.Error())
}

func TestContractDeclarationAndSigning(t *testing.T) {
	ctx := context.Background()
	c, sb, _, base := sandboxClient(t)

	var mu sync.Mutex
	var events []quickr.Event
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev quickr.Event
		if json.NewDecoder(r.Body).Decode(&ev) == nil {
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
		}
	}))
	defer receiver.Close()

	created, err := c.CreateCase(ctx, fullCase("onb-1", "987654321", receiver.URL))
	require.NoError(t, err)
	did := created.DeclarationID()
	require.NotEmpty(t, did)

	decl, err := c.GetDeclaration(ctx, created.ID, did)
	require.NoError(t, err)
	require.Empty(t, decl.Declarations)
	require.NotEmpty(t, decl.Prefills)
	var board []map[string]any
	for _, p := range decl.Prefills {
		if p.Type == "signatory" {
			board = p.Data
		}
	}
	require.Len(t, board, 3)

	_, err = c.UpdateDeclaration(ctx, created.ID, did, quickr.IntentDeclarationsUpdate,
		[]quickr.TypeData{{Type: "bank_account", Data: []map[string]any{{"number": "13579246801", "country": "NO"}}}})
	require.NoError(t, err)
	got, err := c.GetCase(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, quickr.StatusFormInProgress, got.Status)
	require.False(t, got.Declared())

	_, err = c.UpdateDeclaration(ctx, created.ID, did, quickr.IntentDeclarationsFinish, []quickr.TypeData{
		{Type: "signatory", Data: board},
		{Type: "ultimate_beneficial_ownership", Data: []map[string]any{{"name": "Ragnar Lothbrok", "birth_date": "1980", "country": "NO"}, {"name": "Lagertha Shieldmaiden", "birth_date": "1982", "country": "NO"}}},
		{Type: "form_submitter", Data: []map[string]any{{"name": "Ragnar Lothbrok", "email": "ragnar@example.test", "role": "CEO"}}},
	})
	require.NoError(t, err)
	_, err = c.UpdateDeclaration(ctx, created.ID, did, quickr.IntentDeclarationsFinish, []quickr.TypeData{})
	requireStatus(t, err, http.StatusConflict)

	got, err = c.GetCase(ctx, created.ID)
	require.NoError(t, err)
	require.True(t, got.Declared())
	require.Equal(t, quickr.StatusProcessingDetails, got.Status)
	sum := got.ContractSummary(contractT0)
	require.True(t, sum.Present)
	require.Equal(t, 3, sum.Signatories)
	require.False(t, sum.AllSigned)
	require.False(t, sum.AnyExpired)
	require.Equal(t, contractT0.Add(30*24*time.Hour), sum.ExpiresAt)
	require.Equal(t, []string{"CONTRACT_NOT_SIGNED", "CONTRACT_NOT_SIGNED", "CONTRACT_NOT_SIGNED"}, got.FlagCodes("signatory"))

	k, err := c.GetContract(ctx, created.ID, sum.ContractID())
	require.NoError(t, err)
	require.Equal(t, sum, k.Summary(contractT0))
	require.Equal(t, "Ragnar Lothbrok", k.FormSubmitter.Name)

	control(t, base, "onb-1", "sign", nil)
	got, err = c.GetCase(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, quickr.StatusReadyForReview, got.Status)
	require.True(t, got.ContractSummary(contractT0).AllSigned)
	require.Empty(t, got.FlagCodes())
	require.Equal(t, quickr.RiskLow, got.RiskLevel)
	grade, value, ok := got.CreditScore()
	require.True(t, ok)
	require.Equal(t, "A", grade)
	require.Equal(t, 100.0, value)
	require.Equal(t, 1, sb.Counters().Get("onb-1", sandbox.CountContractsNew))

	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, ev := range events {
			if ev.Type == quickr.EventCaseStatusUpdated && ev.SubEventType == quickr.StatusReadyForReview {
				return ev.Case.ID == created.ID
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond, "webhooks decode as quickr.Event")
}

func TestContractExpiryAndReopen(t *testing.T) {
	ctx := context.Background()
	c, sb, clock, base := sandboxClient(t)
	created := newCase(t, c, base, fullCase("onb-2", "987654321", ""), "declare")

	clock.Advance(30 * 24 * time.Hour)
	got, err := c.GetCase(ctx, created.ID) // the token expired meanwhile; the client renews it
	require.NoError(t, err)
	sum := got.ContractSummary(clock.Now())
	require.True(t, sum.AnyExpired)
	require.False(t, sum.AllSigned)
	require.Equal(t, quickr.StatusProcessingDetails, got.Status)

	evs, err := c.ListCaseEvents(ctx, created.ID, quickr.ListEventsParams{Types: []string{quickr.EventContractExpired}})
	require.NoError(t, err)
	require.Len(t, evs.Data, 1)
	require.Equal(t, quickr.ContractExpired, evs.Data[0].Contract.Status)

	k, err := c.ReopenContract(ctx, created.ID, sum.ContractID())
	require.NoError(t, err)
	ks := k.Summary(clock.Now())
	require.False(t, ks.AnyExpired)
	require.Equal(t, 0, ks.Signed)
	require.Equal(t, clock.Now().Add(30*24*time.Hour), ks.ExpiresAt)
	require.Equal(t, 1, sb.Counters().Get("onb-2", sandbox.CountContractsReopen))

	control(t, base, "onb-2", "sign", nil)
	_, err = c.ReopenContract(ctx, created.ID, sum.ContractID())
	requireStatus(t, err, http.StatusConflict)
	_, err = c.GetContract(ctx, created.ID, "00000000-0000-4000-8000-000000000000")
	requireStatus(t, err, http.StatusNotFound)
	got, err = c.GetCase(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, quickr.StatusReadyForReview, got.Status)
}

func TestContractRejectedAndClosed(t *testing.T) {
	ctx := context.Background()
	c, _, _, base := sandboxClient(t)
	created := newCase(t, c, base, fullCase("onb-3", "987654321", ""), "declare")
	control(t, base, "onb-3", "reject", map[string]any{"reason": "not my company"})
	got, err := c.GetCase(ctx, created.ID)
	require.NoError(t, err)
	sum := got.ContractSummary(contractT0)
	require.True(t, sum.AnyRejected)
	require.False(t, sum.AnyExpired)

	decided, err := c.AgentDecision(ctx, created.ID, quickr.AgentDecision{DeterminedStatus: quickr.StatusDeclined})
	require.NoError(t, err)
	require.Equal(t, quickr.StatusDeclined, decided.Status)
	require.True(t, decided.ContractSummary(contractT0).AnyClosed)
	_, err = c.ReopenContract(ctx, created.ID, sum.ContractID())
	requireStatus(t, err, http.StatusConflict)
}

func TestContractCreateContract(t *testing.T) {
	ctx := context.Background()
	c, sb, _, base := sandboxClient(t)
	created, err := c.CreateCase(ctx, ragnarokCase("onb-4", "")) // no signatory check
	require.NoError(t, err)
	_, err = c.CreateContract(ctx, created.ID)
	requireStatus(t, err, http.StatusConflict) // not declared yet
	control(t, base, "onb-4", "declare", nil)
	k, err := c.CreateContract(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, 3, k.Summary(contractT0).Signatories)
	_, err = c.CreateContract(ctx, created.ID)
	requireStatus(t, err, http.StatusConflict)
	require.Equal(t, 1, sb.Counters().Get("onb-4", sandbox.CountContractsNew))
	_, err = c.CreateContract(ctx, "TQ1234567.999999999")
	requireStatus(t, err, http.StatusNotFound)
}

func TestContractFlagsForBadCompany(t *testing.T) {
	ctx := context.Background()
	c, _, _, base := sandboxClient(t)
	created := newCase(t, c, base, fullCase("onb-5", "987123654", ""), "declare", "sign")
	got, err := c.GetCase(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, quickr.RiskHigh, got.RiskLevel)
	require.ElementsMatch(t, []string{"COMPANY_INACTIVE", "COMPANY_IN_SANCTIONS"}, got.FlagCodes("company"))
	require.Contains(t, got.FlagCodes("sanction", "sanctions"), "PERSON_IN_SANCTIONS")
	for _, f := range got.FindCheck("sanction").Data[1].Flags {
		require.Equal(t, quickr.FlagError, f.Level())
		require.NotEmpty(t, f.Ref["id"])
	}
	_, value, ok := got.CreditScore()
	require.True(t, ok)
	require.Equal(t, 45.0, value)
}

func TestContractAgentDecision(t *testing.T) {
	ctx := context.Background()
	c, sb, _, base := sandboxClient(t)
	created := newCase(t, c, base, ragnarokCase("onb-6", ""), "declare")

	_, err := c.AgentDecision(ctx, created.ID, quickr.AgentDecision{DeterminedStatus: "APPROVED"})
	requireStatus(t, err, http.StatusBadRequest)
	got, err := c.AgentDecision(ctx, created.ID, quickr.AgentDecision{DeterminedStatus: quickr.StatusActive, DeterminedRiskLevel: quickr.RiskLow})
	require.NoError(t, err)
	require.Equal(t, quickr.StatusActive, got.Status)
	require.Equal(t, quickr.StatusActive, got.AgentDeterminedStatus)
	require.Equal(t, quickr.RiskLow, got.AgentDeterminedRiskLevel)
	_, err = c.AgentDecision(ctx, created.ID, quickr.AgentDecision{DeterminedStatus: quickr.StatusArchived})
	require.NoError(t, err)
	_, err = c.AgentDecision(ctx, created.ID, quickr.AgentDecision{DeterminedStatus: quickr.StatusActive})
	requireStatus(t, err, http.StatusConflict)
	_, err = c.AgentDecision(ctx, "TQ1234567.999999999", quickr.AgentDecision{DeterminedStatus: quickr.StatusActive})
	requireStatus(t, err, http.StatusNotFound)
	require.Equal(t, 2, sb.Counters().Get("onb-6", sandbox.CountDecisions))
	require.Equal(t, 1, sb.Counters().Get("onb-6", sandbox.CountArchived))
}

func TestContractAutomations(t *testing.T) {
	ctx := context.Background()
	c, _, _, _ := sandboxClient(t)
	in := autoApprove("the guide's example, shortened",
		quickr.Condition{Type: "equal", Field: "$.checks[?(@.type==='sanctions')].data[0].flags.length", Value: "0"},
		quickr.Condition{Type: "equal", Field: "$.checks[?(@.type==='sanctions')].data.length", Value: "0"})
	a, err := c.CreateAutomation(ctx, in)
	require.NoError(t, err)
	require.Regexp(t, `^TQ1234567\.automation\.`, a.ID)
	require.Equal(t, "automation", a.Object)
	require.Equal(t, in.Conditions, a.Conditions)
	require.Equal(t, in.Triggers, a.Triggers)

	got, err := c.GetAutomation(ctx, a.ID)
	require.NoError(t, err)
	require.Equal(t, a.Conditions, got.Conditions)
	require.NotEmpty(t, got.Raw)

	in.Name, in.Conditions = "Approve everything", nil
	u, err := c.UpdateAutomation(ctx, a.ID, in)
	require.NoError(t, err)
	require.Equal(t, "Approve everything", u.Name)
	require.Empty(t, u.Conditions)

	bad := in
	bad.Actions = nil
	_, err = c.CreateAutomation(ctx, bad)
	requireStatus(t, err, http.StatusBadRequest)
	_, err = c.GetAutomation(ctx, "TQ1234567.automation.1")
	requireStatus(t, err, http.StatusNotFound)
	_, err = c.UpdateAutomation(ctx, "TQ1234567.automation.1", in)
	requireStatus(t, err, http.StatusNotFound)

	for i := 0; i < 4; i++ {
		_, err := c.CreateAutomation(ctx, in)
		require.NoError(t, err)
	}
	listed := readPages(t, func(cursor string) ([]quickr.Automation, quickr.Pagination) {
		page, err := c.ListAutomations(ctx, quickr.PageParams{Limit: 2, StartingAfter: cursor})
		require.NoError(t, err)
		return page.Data, page.Pagination
	})
	require.Len(t, listed, 5)
	require.Equal(t, a.ID, listed[0].ID)
}

func TestContractEventsAndNotes(t *testing.T) {
	ctx := context.Background()
	c, sb, _, base := sandboxClient(t)
	created := newCase(t, c, base, fullCase("onb-7", "987654321", ""), "declare", "sign")

	all := readPages(t, func(cursor string) ([]quickr.Event, quickr.Pagination) {
		page, err := c.ListCaseEvents(ctx, created.ID, quickr.ListEventsParams{Limit: 4, StartingAfter: cursor})
		require.NoError(t, err)
		return page.Data, page.Pagination
	})
	var types []string
	for _, e := range all {
		types = append(types, e.Type)
	}
	require.Equal(t, []string{
		quickr.EventCaseCreated, quickr.EventCaseDeclared, quickr.EventCaseStatusUpdated, quickr.EventContractCreated,
		quickr.EventSignatorySigned, quickr.EventSignatorySigned, quickr.EventSignatorySigned, quickr.EventContractSigned,
		quickr.EventCaseChecksCompleted, quickr.EventCaseStatusUpdated,
	}, types)
	require.Equal(t, quickr.StatusReadyForReview, all[len(all)-1].Case.Status)

	filtered, err := c.ListCaseEvents(ctx, created.ID, quickr.ListEventsParams{Types: []string{quickr.EventCaseStatusUpdated}})
	require.NoError(t, err)
	require.Len(t, filtered.Data, 2)
	_, err = c.ListCaseEvents(ctx, created.ID, quickr.ListEventsParams{Limit: 500})
	requireStatus(t, err, http.StatusBadRequest)
	_, err = c.ListCaseEvents(ctx, "TQ1234567.999999999", quickr.ListEventsParams{})
	requireStatus(t, err, http.StatusNotFound)

	n, err := c.CreateNote(ctx, created.ID, quickr.Note{
		Body: "Approved by automation", Section: quickr.NoteSectionAutomation,
		AutomationActionChangeset: []quickr.Changeset{{ID: "default.auto_approve", Type: "set_case_status",
			Changes: []quickr.Change{{Field: "status", OldValue: "READY_FOR_REVIEW", NewValue: "ACTIVE"}}}},
	})
	require.NoError(t, err)
	require.Regexp(t, `^TQ1234567\.note\.`, n.ID)
	require.Equal(t, "ACTIVE", n.AutomationActionChangeset[0].Changes[0].NewValue)
	_, err = c.CreateNote(ctx, created.ID, quickr.Note{Body: "x", Section: "nonsense"})
	requireStatus(t, err, http.StatusBadRequest)
	_, err = c.CreateNote(ctx, created.ID, quickr.Note{Body: "second"})
	require.NoError(t, err)

	page, err := c.ListNotes(ctx, created.ID, quickr.PageParams{Limit: 1})
	require.NoError(t, err)
	require.Len(t, page.Data, 1)
	require.Equal(t, n.ID, page.Data[0].ID)
	page, err = c.ListNotes(ctx, created.ID, quickr.PageParams{Limit: 1, StartingAfter: page.Pagination.Cursor})
	require.NoError(t, err)
	require.Equal(t, "second", page.Data[0].Body)
	require.Equal(t, "", page.Pagination.Cursor)
	require.Equal(t, 2, sb.Counters().Get("onb-7", sandbox.CountNotes))
}

func TestContractFaults(t *testing.T) {
	ctx := context.Background()
	c, _, _, base := sandboxClient(t)
	_, err := c.ListAutomations(ctx, quickr.PageParams{}) // token first, before the faults
	require.NoError(t, err)
	setFaults := func(f map[string]any) {
		b, _ := json.Marshal(map[string]any{"quickr": f})
		req, _ := http.NewRequest(http.MethodPut, base+"/control/faults", bytes.NewReader(b))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	setFaults(map[string]any{"rateLimit": 1, "retryAfter": 3e9})
	_, err = c.GetCase(ctx, "TQ1234567.100000001")
	requireStatus(t, err, http.StatusTooManyRequests)
	pe, _ := providers.AsError(err)
	require.Equal(t, 3*time.Second, pe.RetryAfter)
	require.Equal(t, "rate_limited", pe.Code)
	require.True(t, pe.Temporary())

	setFaults(map[string]any{"errorRate": 1, "errorStatus": 502})
	_, err = c.ListCaseEvents(ctx, "TQ1234567.100000001", quickr.ListEventsParams{})
	requireStatus(t, err, http.StatusBadGateway)
	pe, _ = providers.AsError(err)
	require.True(t, pe.Temporary())

	setFaults(map[string]any{})
	_, err = c.GetCase(ctx, "TQ1234567.100000001")
	requireStatus(t, err, http.StatusNotFound)
}

// seedCaseList is the seed's GET /cases example, cut down to the fields the engine reads
// (values as the seed prints them).
const seedCaseList = `{"data":[{"object":"case","created_by":"473643b2-f1e4-4b23-81a7-af20b922f509",
"created_at":"2019-08-24T14:15:22Z","updated_at":"2019-08-24T14:15:22Z","actions":["request_declaration"],
"reference":"REF-CASE-321","id":"PQ1230485.493019345","account_id":"PQ1230483","status":"FORM_NOT_STARTED",
"risk_level":"LOW","agent_determined_risk_level":"LOW","agent_determined_status":"ACTIVE",
"status_updated_at":"2019-08-24T14:15:22Z","declared_at":"2019-08-24T14:15:22Z","status_updated_by":"string",
"status_updated_reason":"case_created"}],"pagination":{"cursor":"string"}}`

func TestContractSeedCaseListDecodes(t *testing.T) {
	var l quickr.CaseList
	require.NoError(t, json.Unmarshal([]byte(seedCaseList), &l))
	require.Len(t, l.Data, 1)
	got := l.Data[0]
	require.Equal(t, "PQ1230485.493019345", got.ID)
	require.Equal(t, "REF-CASE-321", got.Reference)
	require.Equal(t, quickr.StatusFormNotStarted, got.Status)
	require.Equal(t, "2019-08-24T14:15:22Z", got.StatusUpdatedAt)
	at, ok := got.StatusUpdatedTime()
	require.True(t, ok)
	require.Equal(t, time.Date(2019, 8, 24, 14, 15, 22, 0, time.UTC), at)
	require.Equal(t, "string", l.Pagination.Cursor)

	_, ok = (&quickr.Case{}).StatusUpdatedTime()
	require.False(t, ok, "no status_updated_at")
	_, ok = (&quickr.Case{StatusUpdatedAt: "yesterday"}).StatusUpdatedTime()
	require.False(t, ok, "unparseable status_updated_at")
}

// The reconciler's query: settling statuses, newest status change first, page by page.
func TestContractListCasesByStatusUpdate(t *testing.T) {
	ctx := context.Background()
	c, _, clock, base := sandboxClient(t)
	var ids []string
	for _, ref := range []string{"onb-l1", "onb-l2", "onb-l3"} {
		created, err := c.CreateCase(ctx, fullCase(ref, "987654321", ""))
		require.NoError(t, err)
		ids = append(ids, created.ID)
		clock.Advance(time.Minute)
	}
	control(t, base, "onb-l1", "declare", nil)
	declaredAt := clock.Now()
	clock.Advance(time.Minute)
	control(t, base, "onb-l3", "declare", nil)

	p := quickr.ListCasesParams{Status: []string{quickr.StatusProcessingDetails, quickr.StatusReadyForReview},
		SortBy: quickr.SortByStatusUpdatedAt, SortOrder: quickr.SortDesc, Limit: 1}
	var got []string
	var times []time.Time
	for _, cs := range readPages(t, func(cursor string) ([]quickr.Case, quickr.Pagination) {
		p.StartingAfter = cursor
		page, err := c.ListCases(ctx, p)
		require.NoError(t, err)
		return page.Data, page.Pagination
	}) {
		got = append(got, cs.ID)
		at, ok := cs.StatusUpdatedTime()
		require.True(t, ok, cs.StatusUpdatedAt)
		times = append(times, at)
	}
	require.Equal(t, []string{ids[2], ids[0]}, got, "declared cases, newest status change first")
	require.Equal(t, []time.Time{declaredAt.Add(time.Minute), declaredAt}, times)

	asc, err := c.ListCases(ctx, quickr.ListCasesParams{SortBy: quickr.SortByCreatedAt, SortOrder: quickr.SortAsc, Limit: 10})
	require.NoError(t, err)
	require.Len(t, asc.Data, 3)
	require.Equal(t, ids[0], asc.Data[0].ID)
	require.Equal(t, ids[2], asc.Data[2].ID)
}
