package quickr_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/contracttest"
	"github.com/merchantflow/onboarding/providers/quickr"
)

// Seed contract tests: every call of the client against the seed's own examples (seed 002,
// stored in testdata/seed with the lines they come from; see package contracttest). The
// requests the client builds are held to the documented request samples, and the seed's
// response samples are decoded into the values the seed prints.

const seedAccount = "PQ1230483" // the seed's example account id

// seedRoutes answer each documented path with its response sample. The agent decision and
// the new-contract paths are not in the seed (see the tests); they are answered all the same.
var seedRoutes = []struct {
	method  string
	path    *regexp.Regexp
	fixture string
}{
	{http.MethodPost, regexp.MustCompile(`/auth/token$`), "auth_token.response"},
	{http.MethodPost, regexp.MustCompile(`/cases$`), "case_create.response"},
	{http.MethodGet, regexp.MustCompile(`/cases$`), "case_list.response"},
	{http.MethodGet, regexp.MustCompile(`/cases/[^/]+$`), "case_get.response"},
	{http.MethodGet, regexp.MustCompile(`/cases/[^/]+/declarations/[^/]+$`), "declaration_get.response"},
	{http.MethodPut, regexp.MustCompile(`/cases/[^/]+/declarations/[^/]+$`), "declaration_update.response"},
	{http.MethodGet, regexp.MustCompile(`/cases/[^/]+/contracts/[^/]+$`), "contract_get.response"},
	{http.MethodPost, regexp.MustCompile(`/cases/[^/]+/contracts/[^/]+$`), "contract_reopen.response"},
	{http.MethodGet, regexp.MustCompile(`/cases/[^/]+/events$`), "events_list.response"},
	{http.MethodPost, regexp.MustCompile(`/cases/[^/]+/notes$`), "note_create.response"},
	{http.MethodGet, regexp.MustCompile(`/cases/[^/]+/notes$`), "note_list.response"},
	{http.MethodPost, regexp.MustCompile(`/cases/[^/]+/agent-decisions$`), "agent_decision.response"},
	{http.MethodPost, regexp.MustCompile(`/automations$`), "automation_create.response"},
	{http.MethodGet, regexp.MustCompile(`/automations$`), "automation_list.response"},
	{http.MethodGet, regexp.MustCompile(`/automations/[^/]+$`), "automation_get.response"},
	{http.MethodPut, regexp.MustCompile(`/automations/[^/]+$`), "automation_create.response"},
}

func seedClient(t *testing.T) (*quickr.Client, *contracttest.Server) {
	t.Helper()
	bodies := map[string][]byte{}
	for _, r := range seedRoutes {
		bodies[r.fixture] = contracttest.Seed(t, r.fixture).Body
	}
	srv := contracttest.NewServer(t, func(r contracttest.Request) contracttest.Answer {
		for _, route := range seedRoutes {
			if r.Method == route.method && route.path.MatchString(r.Path) {
				return contracttest.Answer{Body: bodies[route.fixture]}
			}
		}
		return contracttest.Answer{Status: http.StatusNotFound, Body: contracttest.Seed(t, "error.response").Body}
	})
	c := quickr.New(quickr.Config{BaseURL: srv.URL + "/v2", AccountID: seedAccount, APIKey: "YOUR_API_KEY_FROM_DASHBOARD"}, srv.Client())
	return c, srv
}

// every path the client calls is under /v2/accounts/{aid} ("https://api.eu.quickr.no/v2/accounts/${ACCOUNT_ID}").
func requireAccountPath(t *testing.T, r contracttest.Request, rest string) {
	t.Helper()
	require.Equal(t, "/v2/accounts/"+seedAccount+rest, r.Path)
}

// The token: POST /auth/token with the API key as a Bearer token; the access token of the
// example response authenticates every later call.
func TestSeedContractToken(t *testing.T) {
	c, srv := seedClient(t)
	_, err := c.GetCase(context.Background(), "PQ1230485.493019345")
	require.NoError(t, err)
	tok := srv.Last(t, http.MethodPost, "/auth/token")
	requireAccountPath(t, tok, "/auth/token")
	require.Equal(t, "Bearer YOUR_API_KEY_FROM_DASHBOARD", tok.Header.Get("Authorization"))
	get := srv.Last(t, http.MethodGet, "/cases/PQ1230485.493019345")
	require.Equal(t, "Bearer your_access_token_here", get.Header.Get("Authorization"))
}

// The case the engine creates (the same body CreateKYCCase builds) uses only the documented
// fields, actions, check, section and prefill types; the response sample decodes.
func TestSeedContractCreateCase(t *testing.T) {
	c, srv := seedClient(t)
	in := quickr.CaseCreate{
		Actions:   []string{quickr.ActionRequestDeclaration, quickr.ActionEnableDeclarationNotifications, quickr.ActionEnableSigningNotifications},
		Reference: "onboarding:NO:987654321",
		Prefills: []quickr.TypeData{
			{Type: "company", Data: []map[string]any{{"organization_number": "987654321", "country": "NO"}}},
			{Type: "form_submitter", Data: []map[string]any{{"name": "Ragnar Lothbrok", "email": "ragnar@example.test"}}},
		},
		URLs:     &quickr.URLs{CallbackURL: "https://gateway.example/webhooks/quickr/tok"},
		Metadata: map[string]string{"source": "onboarding-engine"},
	}
	for _, s := range []string{"company", "signatory", "ultimate_beneficial_ownership", "politically_exposed_person", "bank_account", "form_submitter"} {
		in.Sections = append(in.Sections, quickr.Section{Type: s})
	}
	for _, ch := range []string{"company", "signatory", "sanction", "politically_exposed_person", "ultimate_beneficial_ownership", "bank_account", "credit_score"} {
		in.Checks = append(in.Checks, quickr.CheckSpec{Type: ch})
	}
	got, err := c.CreateCase(context.Background(), in)
	require.NoError(t, err)

	req := srv.Last(t, http.MethodPost, "/cases")
	requireAccountPath(t, req, "/cases")
	api, guide := contracttest.Seed(t, "case_create.request"), contracttest.Seed(t, "case_create_guide.request")
	contracttest.RequireSample(t, req.Body, api, guide.Body)

	require.Equal(t, "PQ1230485.493019345", got.ID)
	require.Equal(t, "PQ1230483", got.AccountID)
	require.Equal(t, "REF-CASE-321", got.Reference)
	require.Equal(t, quickr.StatusFormNotStarted, got.Status)
	require.Equal(t, "case_created", got.StatusUpdatedReason)
	require.NotEmpty(t, got.Raw)
}

// The case details sample: the fields the engine decides on.
func TestSeedContractGetCase(t *testing.T) {
	c, srv := seedClient(t)
	got, err := c.GetCase(context.Background(), "PQ1230485.493019345")
	require.NoError(t, err)
	requireAccountPath(t, srv.Last(t, http.MethodGet, "/cases/PQ1230485.493019345"), "/cases/PQ1230485.493019345")

	require.Equal(t, "PQ1230485.493019345", got.ID)
	require.Empty(t, got.Reference, "the case details sample shows no reference (the list's does)")
	require.Equal(t, quickr.StatusFormNotStarted, got.Status)
	require.Equal(t, quickr.RiskLow, got.RiskLevel)
	require.True(t, got.Declared(), "declared_at 2019-08-24T14:15:22Z")
	grade, value, ok := got.CreditScore()
	require.True(t, ok)
	require.Equal(t, "A", grade)
	require.Equal(t, 100.0, value)

	// Company age's documented source: sections[company].additional_data.
	founded, ok := got.CompanyFounded()
	require.True(t, ok)
	require.Equal(t, quickr.CompanyDate{Date: "2019-01-01", Key: "registration_date",
		Source: "sections[company].additional_data[swedish_company]"}, founded)

	// The contracts sample: one unsigned and one signed entry, lowercase statuses.
	sum := got.ContractSummary(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	require.True(t, sum.Present)
	require.Equal(t, []string{"db877e5f-73ab-486a-99fa-4491b41a82d6", "a3e83175-10e4-418b-a9f7-18415aaf3b00"}, sum.ContractIDs)
	require.Equal(t, 2, sum.Signatories)
	require.Equal(t, 1, sum.Signed)
	require.Equal(t, []string{"Bob Frank"}, sum.Unsigned)
	require.Equal(t, time.Date(2033, 5, 18, 0, 46, 40, 3e6, time.UTC), sum.ExpiresAt)

	// The seed strips URL values (urls: {}): the sample has no declaration URL.
	link, _ := got.DeclarationLink()
	require.Empty(t, link)
}

// The case list: status is an array parameter, repeated as the seed writes arrays
// (assignee=email.WDVBZEX), never status[]; sort_by and sort_order take the documented enums.
func TestSeedContractListCases(t *testing.T) {
	c, srv := seedClient(t)
	page, err := c.ListCases(context.Background(), quickr.ListCasesParams{
		Search: "REF-CASE-321", Status: []string{quickr.StatusProcessingDetails, quickr.StatusReadyForReview},
		SortBy: quickr.SortByStatusUpdatedAt, SortOrder: quickr.SortDesc, Limit: 100, StartingAfter: "PQ1230485.1",
	})
	require.NoError(t, err)
	req := srv.Last(t, http.MethodGet, "/cases")
	requireAccountPath(t, req, "/cases")
	require.Equal(t, map[string][]string{
		"search": {"REF-CASE-321"}, "status": {"PROCESSING_DETAILS", "READY_FOR_REVIEW"},
		"sort_by": {"status_updated_at"}, "sort_order": {"DESC"}, "limit": {"100"}, "starting_after": {"PQ1230485.1"},
	}, req.Query)
	require.Len(t, page.Data, 1)
	require.Equal(t, "PQ1230485.493019345", page.Data[0].ID)
	require.Equal(t, "string", page.Pagination.Cursor)

	// The reference lookup is the documented search ("filter cases by case reference, ...").
	found, err := c.FindCaseByReference(context.Background(), "REF-CASE-321")
	require.NoError(t, err)
	require.NotNil(t, found)
	require.Equal(t, "REF-CASE-321", srv.Last(t, http.MethodGet, "/cases").Query["search"][0])
	none, err := c.FindCaseByReference(context.Background(), "another reference")
	require.NoError(t, err)
	require.Nil(t, none, "search is fuzzy; only an exact reference counts")
}

func TestSeedContractDeclarations(t *testing.T) {
	c, srv := seedClient(t)
	ctx := context.Background()
	d, err := c.GetDeclaration(ctx, "PQ1230485.493019345", "did-1")
	require.NoError(t, err)
	requireAccountPath(t, srv.Last(t, http.MethodGet, "/declarations/did-1"), "/cases/PQ1230485.493019345/declarations/did-1")
	require.NotEmpty(t, d.Prefills)
	require.NotEmpty(t, d.Declarations)

	_, err = c.UpdateDeclaration(ctx, "PQ1230485.493019345", "did-1", quickr.IntentDeclarationsFinish, []quickr.TypeData{
		{Type: "signatory", Data: []map[string]any{{"name": "Bob Dob", "birth_date": "1984-02-12", "email": "bob.dob@example.com", "title": "CEO"}}},
		// The declared form submitter's title is "role" (the prefill's is "title").
		{Type: "form_submitter", Data: []map[string]any{{"name": "Bob Dob", "email": "bob.dob@example.com", "role": "CEO"}}},
	})
	require.NoError(t, err)
	req := srv.Last(t, http.MethodPut, "/declarations/did-1")
	sample := contracttest.Seed(t, "declaration_update.request")
	// The request sample declares only an agreement; the declaration items' fields are the
	// case details' declarations (same seed, case_get.response).
	var details struct {
		Declarations json.RawMessage `json:"declarations"`
	}
	require.NoError(t, json.Unmarshal(contracttest.Seed(t, "case_get.response").Body, &details))
	contracttest.RequireSample(t, req.Body, sample, json.RawMessage(`{"declarations":`+string(details.Declarations)+`}`))
}

// Re-opening an expired contract: POST .../contracts/{contract_id} {"actions":
// ["create_new_contract_signing"]} (changelog: "Expired contracts can be re-opened by using
// POST /v2/accounts/{aid}/cases/{cid}/contracts/{contract_id}").
func TestSeedContractContracts(t *testing.T) {
	c, srv := seedClient(t)
	ctx := context.Background()
	k, err := c.ReopenContract(ctx, "PQ1230485.493019345", "db877e5f-73ab-486a-99fa-4491b41a82d6")
	require.NoError(t, err)
	req := srv.Last(t, http.MethodPost, "/contracts/db877e5f-73ab-486a-99fa-4491b41a82d6")
	requireAccountPath(t, req, "/cases/PQ1230485.493019345/contracts/db877e5f-73ab-486a-99fa-4491b41a82d6")
	sample := contracttest.Seed(t, "contract_reopen.request")
	contracttest.RequireSample(t, req.Body, sample)
	require.NotEmpty(t, k.Contracts)
	require.NotNil(t, k.FormSubmitter)

	g, err := c.GetContract(ctx, "PQ1230485.493019345", "db877e5f-73ab-486a-99fa-4491b41a82d6")
	require.NoError(t, err)
	require.Equal(t, k.Contracts, g.Contracts, "both samples show the same contracts")

	// CreateContract posts the same body to .../contracts/new: the seed shows no path for a
	// new contract ([INF]); only the body is held to the seed.
	_, err = c.CreateContract(ctx, "PQ1230485.493019345")
	require.NoError(t, err)
	contracttest.RequireShape(t, srv.Last(t, http.MethodPost, "/contracts/new").Body, sample.Body)
}

// Case events: type is an array parameter, repeated (type=A&type=B), never type[].
func TestSeedContractEvents(t *testing.T) {
	c, srv := seedClient(t)
	page, err := c.ListCaseEvents(context.Background(), "PQ1230485.460P5JJ05", quickr.ListEventsParams{
		Types: []string{"CASE_CREATED", "CASE_DISCOVERIES_CREATED"}, Limit: 10, StartingAfter: "PQ1230483.event.1",
	})
	require.NoError(t, err)
	req := srv.Last(t, http.MethodGet, "/events")
	requireAccountPath(t, req, "/cases/PQ1230485.460P5JJ05/events")
	require.Equal(t, map[string][]string{"type": {"CASE_CREATED", "CASE_DISCOVERIES_CREATED"}, "limit": {"10"}, "starting_after": {"PQ1230483.event.1"}}, req.Query)
	require.Len(t, page.Data, 2)
	e := page.Data[0]
	require.Equal(t, "PQ1230483.event.1493019345", e.ID)
	require.Equal(t, "CASE_CREATED", e.Type)
	require.Equal(t, "PQ1230485.460P5JJ05", e.Case.ID)
	require.Equal(t, quickr.StatusFormNotStarted, e.Case.Status)
	require.Equal(t, "string", page.Pagination.Cursor)
}

func TestSeedContractNotes(t *testing.T) {
	c, srv := seedClient(t)
	ctx := context.Background()
	n, err := c.CreateNote(ctx, "PQ1230485.493019345", quickr.Note{Body: "Approved by rule", Section: quickr.NoteSectionAll})
	require.NoError(t, err)
	req := srv.Last(t, http.MethodPost, "/notes")
	requireAccountPath(t, req, "/cases/PQ1230485.493019345/notes")
	sample := contracttest.Seed(t, "note_create.request")
	contracttest.RequireSample(t, req.Body, sample)
	require.Equal(t, "Q1230483.note.1493019345", n.ID)
	require.Equal(t, "string", n.Body)
	require.Equal(t, "all_sections", n.Section)
	require.Equal(t, "set_case_status", n.AutomationActionChangeset[0].Type)

	page, err := c.ListNotes(ctx, "PQ1230485.493019345", quickr.PageParams{Limit: 100, StartingAfter: "x"})
	require.NoError(t, err)
	require.Equal(t, map[string][]string{"limit": {"100"}, "starting_after": {"x"}}, srv.Last(t, http.MethodGet, "/notes").Query)
	require.Len(t, page.Data, 1)
	require.Equal(t, "Q1230483.note.1493019345", page.Data[0].ID)
}

// The agent decision: body and enums as the seed documents them. The seed's path for it is
// lost (its headings were stripped), so /agent-decisions is not held to anything.
func TestSeedContractAgentDecision(t *testing.T) {
	c, srv := seedClient(t)
	sample := contracttest.Seed(t, "agent_decision.request")
	for _, d := range []quickr.AgentDecision{
		{DeterminedStatus: quickr.StatusActive, DeterminedRiskLevel: quickr.RiskHigh},
		{DeterminedStatus: quickr.StatusDeclined},
		{DeterminedStatus: quickr.StatusArchived},
	} {
		got, err := c.AgentDecision(context.Background(), "PQ1230485.493019345", d)
		require.NoError(t, err)
		req := srv.Last(t, http.MethodPost, "/agent-decisions")
		contracttest.RequireSample(t, req.Body, sample)
		require.Equal(t, "PQ1230485.493019345", got.ID)
	}
}

func TestSeedContractAutomations(t *testing.T) {
	c, srv := seedClient(t)
	ctx := context.Background()
	in := autoApprove("Auto approve simple cases",
		quickr.Condition{Type: "equal", Field: "$.checks[?(@.type==='sanctions')].data.length", Value: "0"})
	a, err := c.CreateAutomation(ctx, in)
	require.NoError(t, err)
	req := srv.Last(t, http.MethodPost, "/automations")
	requireAccountPath(t, req, "/automations")
	// The API sample shows only {type} per condition; the guide's payload shows the rest
	// (field, value, path, nested conditions, the trigger's status, the action's status).
	var guide map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(contracttest.Seed(t, "automation_guide.request").Body, &guide))
	guideTriggers := `{"triggers":` + string(guide["trigger"]) + `,"conditions":` + string(guide["conditions"]) + `,"actions":[{"type":"set_case_status","status":"ACTIVE"}]}`
	contracttest.RequireShape(t, req.Body, contracttest.Seed(t, "automation_create.request").Body, json.RawMessage(guideTriggers))
	require.Equal(t, "PQ1230483.automation.13294829", a.ID)
	require.Equal(t, "automation", a.Object)
	require.Equal(t, "case_status_updated", a.Triggers[0].Type)

	got, err := c.GetAutomation(ctx, "PQ1230483.automation.13294829")
	require.NoError(t, err)
	require.Equal(t, "equal", got.Conditions[0].Type)
	require.NotEmpty(t, got.Raw)

	_, err = c.UpdateAutomation(ctx, "PQ1230483.automation.13294829", in)
	require.NoError(t, err)
	contracttest.RequireShape(t, srv.Last(t, http.MethodPut, "/automations/PQ1230483.automation.13294829").Body,
		contracttest.Seed(t, "automation_update.request").Body, json.RawMessage(guideTriggers))

	list, err := c.ListAutomations(ctx, quickr.PageParams{Limit: 10})
	require.NoError(t, err)
	require.NotEmpty(t, list.Data)
	require.Equal(t, "PQ1230483.automation.13294829", list.Data[0].ID)
}

// The error sample {"error":{"code","errors","message"}} is what the client reads a failure's
// code and message from.
func TestSeedContractError(t *testing.T) {
	c, _ := seedClient(t)
	_, err := c.GetCase(context.Background(), "PQ1230485.493019345/unknown")
	pe, ok := providers.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, http.StatusNotFound, pe.Status)
	require.Equal(t, "string", pe.Code)
	require.Equal(t, "string", pe.Message)
}
