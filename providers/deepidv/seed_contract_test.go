package deepidv_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/contracttest"
	"github.com/merchantflow/onboarding/providers/deepidv"
)

// Seed contract tests: every call of the client against seed 003's own examples (stored in
// testdata/seed with the lines they come from; see package contracttest). The seed's
// responses print placeholders ("<status>"), so their values prove only where each field is
// read from; the statuses and statement types are held to the seed's value lists.

func seedClient(t *testing.T, answer func(r contracttest.Request) contracttest.Answer) (*deepidv.Client, *contracttest.Server) {
	t.Helper()
	srv := contracttest.NewServer(t, answer)
	return deepidv.New(deepidv.Config{BaseURL: srv.URL, APIKey: "users-api-key"}, srv.Client()), srv
}

func seedAnswers(t *testing.T) func(r contracttest.Request) contracttest.Answer {
	create, list, one := contracttest.Seed(t, "create.response").Body, contracttest.Seed(t, "list.response").Body, contracttest.Seed(t, "get.response").Body
	return func(r contracttest.Request) contracttest.Answer {
		switch {
		case r.Method == http.MethodPost && r.Path == "/credit-terms":
			return contracttest.Answer{Body: create}
		case r.Method == http.MethodGet && r.Path == "/credit-terms":
			return contracttest.Answer{Body: list}
		case r.Method == http.MethodGet && len(r.Path) > len("/credit-terms/externalId/") && r.Path[:len("/credit-terms/externalId/")] == "/credit-terms/externalId/":
			return contracttest.Answer{Body: list}
		case r.Method == http.MethodGet:
			return contracttest.Answer{Body: one}
		}
		return contracttest.Answer{Status: http.StatusBadRequest, Body: []byte(`{"error": "Invalid Input."}`)}
	}
}

// The request: every field named as in the example request or the body parameters table,
// with its documented type; the period one of 30, 60, 90; the key in x-api-key.
func TestSeedContractCreateCreditTerms(t *testing.T) {
	c, srv := seedClient(t, seedAnswers(t))
	invite := true
	got, err := c.CreateCreditTerms(context.Background(), deepidv.CreateInput{
		BusinessEmail: "ragnar@example.test", FirstName: "Ragnar", LastName: "Lothbrok", BusinessName: "Ragnarok AS",
		BusinessAddress: "Kattegat 1, 0150 Oslo, NO", RequestedCreditAmount: 50000, ExternalID: "onboarding:NO:987654321",
		RequestedCreditPeriod: "30", SendEmailInvite: &invite,
	})
	require.NoError(t, err)
	req := srv.Last(t, http.MethodPost, "/credit-terms")
	require.Equal(t, "/credit-terms", req.Path)
	require.Equal(t, "users-api-key", req.Header.Get("x-api-key"))
	example := contracttest.Seed(t, "create.request")
	contracttest.RequireSample(t, req.Body, example, contracttest.Seed(t, "create_fields.request").Body)

	require.Equal(t, "<credit_terms_id>", got.CreditTermsID)
	require.Equal(t, "<credit_terms_url>", got.CreditTermsURL)
	require.Equal(t, "<external_id>", got.ExternalID)
	require.Equal(t, []string{"<links>"}, got.Links, "links: an array in the table, a string in the example")
}

func TestSeedContractGetCreditTerms(t *testing.T) {
	c, srv := seedClient(t, seedAnswers(t))
	got, err := c.GetCreditTerms(context.Background(), "ct-1")
	require.NoError(t, err)
	require.Equal(t, "/credit-terms/ct-1", srv.Last(t, http.MethodGet, "/ct-1").Path)
	require.Equal(t, &deepidv.CreditTerms{ID: "<credit_terms_id>", ExternalID: "<external_id>", Status: "<status>", Type: "<statement_type>",
		CreatedAt: "<created_at>", UpdatedAt: "<updated_at>", SenderUserID: "<sender_user_id>"}, got,
		"Config is the placeholder string \"<config>\", not an object: nothing to read")
}

// The lists: GET /credit-terms?nextToken= and GET /credit-terms/externalId/{external_id}.
func TestSeedContractListCreditTerms(t *testing.T) {
	c, srv := seedClient(t, seedAnswers(t))
	page, err := c.ListCreditTerms(context.Background(), "tok-1")
	require.NoError(t, err)
	req := srv.Last(t, http.MethodGet, "/credit-terms")
	require.Equal(t, map[string][]string{"nextToken": {"tok-1"}}, req.Query)
	require.Len(t, page.CreditTerms, 1)
	require.Equal(t, "<credit_terms_id>", page.CreditTerms[0].ID)
	require.Equal(t, "<next_token>", page.NextToken)

	// The example's item carries externalId "<external_id>", so a lookup by that id finds it.
	found, err := c.FindByExternalID(context.Background(), "<external_id>")
	require.NoError(t, err)
	require.NotNil(t, found)
	require.Equal(t, "/credit-terms/externalId/<external_id>", srv.Last(t, http.MethodGet, "/credit-terms/externalId/<external_id>").Path)
}

// The engine's statuses and statement types are the seed's value lists.
func TestSeedContractStatusValues(t *testing.T) {
	enums := contracttest.Seed(t, "list.response").Enums
	require.ElementsMatch(t, enums["creditTerms[].status"], []string{deepidv.StatusPending, deepidv.StatusInProgress, deepidv.StatusCompleted})
	require.ElementsMatch(t, enums["creditTerms[].type"], []string{deepidv.TypeUpload, deepidv.TypeRequest})
	require.Equal(t, contracttest.Seed(t, "create.request").Enums["period"], deepidv.Periods)
}

// Every documented error body decodes into the error's message, with its status.
func TestSeedContractErrors(t *testing.T) {
	var bodies map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(contracttest.Seed(t, "errors.response").Body, &bodies))
	for code, body := range bodies {
		status, err := strconv.Atoi(code)
		require.NoError(t, err)
		c, _ := seedClient(t, func(contracttest.Request) contracttest.Answer { return contracttest.Answer{Status: status, Body: body} })
		_, err = c.GetCreditTerms(context.Background(), "ct-1")
		pe, ok := providers.AsError(err)
		require.True(t, ok, "%s: %v", code, err)
		require.Equal(t, status, pe.Status)
		var want struct{ Error string }
		require.NoError(t, json.Unmarshal(body, &want))
		require.Equal(t, want.Error, pe.Message, code)
		require.Equal(t, status == 429 || status == 500, pe.Temporary(), "%s: retried only on 429 and 5xx", code)
	}
}
