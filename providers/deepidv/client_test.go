package deepidv_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/deepidv"
	"github.com/merchantflow/onboarding/providers/internal/providertest"
)

const apiKey = "dk_test_123"

// server answers by request path + query (or "*" for anything), recording every request.
func server(t *testing.T, replies providertest.Routes) (*deepidv.Client, *providertest.Recorder) {
	t.Helper()
	notFound := providertest.Reply{Status: 404, Body: `{"error":"Not found."}`}
	srv, rec := providertest.Server(t, func(w http.ResponseWriter, r providertest.Request) {
		key := r.Path
		if r.Query != "" {
			key += "?" + r.Query
		}
		replies.Find(notFound, key).Write(w)
	})
	return deepidv.New(deepidv.Config{BaseURL: srv.URL + "/", APIKey: apiKey}, srv.Client()), rec
}

func validInput() deepidv.CreateInput {
	return deepidv.CreateInput{
		BusinessEmail:         "applicant@example.com",
		FirstName:             "John",
		LastName:              "Doe",
		BusinessName:          "Example Corp",
		BusinessAddress:       "123 Example St, City, Country",
		RequestedCreditAmount: 50000,
		ExternalID:            "onboarding:NO:912345678",
	}
}

func TestCreateCreditTerms(t *testing.T) {
	no := false
	tests := []struct {
		name     string
		mutate   func(*deepidv.CreateInput)
		resp     string
		wantBody string
		want     deepidv.CreateResult
	}{
		{
			name:     "camelCase response, defaults omitted",
			resp:     `{"creditTermsId":"ct_1","creditTermsUrl":"https://deepidv/ct_1","externalId":"onboarding:NO:912345678","links":["https://a","https://b"]}`,
			wantBody: `{"businessEmail":"applicant@example.com","firstName":"John","lastName":"Doe","businessName":"Example Corp","businessAddress":"123 Example St, City, Country","requestedCreditAmount":50000,"externalId":"onboarding:NO:912345678"}`,
			want:     deepidv.CreateResult{CreditTermsID: "ct_1", CreditTermsURL: "https://deepidv/ct_1", ExternalID: "onboarding:NO:912345678", Links: []string{"https://a", "https://b"}},
		},
		{
			name:     "snake_case response, period under both names, invite off",
			mutate:   func(in *deepidv.CreateInput) { in.RequestedCreditPeriod = "60"; in.SendEmailInvite = &no },
			resp:     `{"credit_terms_id":"ct_2","credit_terms_url":"https://deepidv/ct_2","external_id":"onboarding:NO:912345678","links":"https://only"}`,
			wantBody: `{"businessEmail":"applicant@example.com","firstName":"John","lastName":"Doe","businessName":"Example Corp","businessAddress":"123 Example St, City, Country","requestedCreditAmount":50000,"externalId":"onboarding:NO:912345678","requestedCreditPeriod":"60","period":"60","sendEmailInvite":false}`,
			want:     deepidv.CreateResult{CreditTermsID: "ct_2", CreditTermsURL: "https://deepidv/ct_2", ExternalID: "onboarding:NO:912345678", Links: []string{"https://only"}},
		},
		{
			name:     "external id echoed from input when omitted, link objects",
			resp:     `{"creditTermsId":"ct_3","creditTermsUrl":"u","links":[{"rel":"self","href":"https://self"}]}`,
			wantBody: `{"businessEmail":"applicant@example.com","firstName":"John","lastName":"Doe","businessName":"Example Corp","businessAddress":"123 Example St, City, Country","requestedCreditAmount":50000,"externalId":"onboarding:NO:912345678"}`,
			want:     deepidv.CreateResult{CreditTermsID: "ct_3", CreditTermsURL: "u", ExternalID: "onboarding:NO:912345678", Links: []string{"https://self"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := server(t, providertest.Routes{"/credit-terms": {Body: tt.resp}})
			in := validInput()
			if tt.mutate != nil {
				tt.mutate(&in)
			}
			got, err := c.CreateCreditTerms(context.Background(), in)
			require.NoError(t, err)
			require.Equal(t, tt.want, *got)
			reqs := rec.All()
			require.Len(t, reqs, 1)
			require.Equal(t, http.MethodPost, reqs[0].Method)
			require.Equal(t, apiKey, reqs[0].Header.Get("x-api-key"))
			require.JSONEq(t, tt.wantBody, reqs[0].Body)
		})
	}
}

func TestCreateCreditTermsValidation(t *testing.T) {
	tests := []struct {
		name    string
		in      deepidv.CreateInput
		missing []string
		invalid int
	}{
		{"everything missing", deepidv.CreateInput{}, []string{"businessEmail", "firstName", "lastName", "businessName", "businessAddress", "requestedCreditAmount"}, 0},
		{"blank names", func() deepidv.CreateInput { in := validInput(); in.FirstName = " "; in.LastName = ""; return in }(), []string{"firstName", "lastName"}, 0},
		{"negative amount", func() deepidv.CreateInput { in := validInput(); in.RequestedCreditAmount = -1; return in }(), nil, 1},
		{"bad period", func() deepidv.CreateInput { in := validInput(); in.RequestedCreditPeriod = "45"; return in }(), nil, 1},
		{"bad email", func() deepidv.CreateInput { in := validInput(); in.BusinessEmail = "not-an-email"; return in }(), nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := server(t, nil)
			_, err := c.CreateCreditTerms(context.Background(), tt.in)
			pe, ok := providers.AsError(err)
			require.True(t, ok)
			require.Equal(t, http.StatusBadRequest, pe.Status)
			require.Equal(t, deepidv.InvalidInputCode, pe.Code)
			require.False(t, pe.Temporary())
			var ve *deepidv.ValidationError
			require.True(t, errors.As(err, &ve))
			require.Equal(t, tt.missing, ve.Missing)
			require.Len(t, ve.Invalid, tt.invalid)
			for _, f := range tt.missing {
				require.Contains(t, pe.Message, f)
			}
			require.Empty(t, rec.All(), "nothing is sent")
		})
	}
}

func TestGetCreditTerms(t *testing.T) {
	want := deepidv.CreditTerms{
		ID: "ct_1", ExternalID: "ext-1", Status: deepidv.StatusCompleted, Type: deepidv.TypeRequest,
		CreatedAt: "2024-01-01T00:00:00Z", UpdatedAt: "2024-01-02T00:00:00Z", SenderUserID: "u1",
		Config: deepidv.StatementConfig{Period: "60", Name: "Example Corp", Address: "123 Example St", RequestedAmount: 50000},
	}
	tests := []struct {
		name string
		body string
	}{
		{"camelCase, Config object", `{"id":"ct_1","externalId":"ext-1","status":"COMPLETED","type":"request","createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-02T00:00:00Z","senderUserId":"u1","Config":{"period":"60","name":"Example Corp","address":"123 Example St","requestedAmount":50000}}`},
		{"snake_case, config numbers as strings", `{"credit_terms_id":"ct_1","external_id":"ext-1","status":"COMPLETED","statement_type":"request","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-02T00:00:00Z","sender_user_id":"u1","config":{"period":60,"name":"Example Corp","address":"123 Example St","requestedAmount":"50000"}}`},
		{"config as JSON string", `{"id":"ct_1","externalId":"ext-1","status":"COMPLETED","type":"request","createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-02T00:00:00Z","senderUserId":"u1","Config":"{\"period\":\"60\",\"name\":\"Example Corp\",\"address\":\"123 Example St\",\"requestedAmount\":50000}"}`},
		{"wrapped in a one-item page", `{"creditTerms":[{"id":"ct_1","externalId":"ext-1","status":"COMPLETED","type":"request","createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-02T00:00:00Z","senderUserId":"u1","config":{"period":"60","name":"Example Corp","address":"123 Example St","requestedAmount":50000}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := server(t, providertest.Routes{"/credit-terms/ct_1": {Body: tt.body}})
			got, err := c.GetCreditTerms(context.Background(), "ct_1")
			require.NoError(t, err)
			require.Equal(t, want, *got)
			require.Equal(t, http.MethodGet, rec.All()[0].Method)
			require.Equal(t, apiKey, rec.All()[0].Header.Get("x-api-key"))
		})
	}

	t.Run("placeholder config string is ignored", func(t *testing.T) {
		c, _ := server(t, providertest.Routes{"/credit-terms/x": {Body: `{"status":"PENDING","Config":"<config>"}`}})
		got, err := c.GetCreditTerms(context.Background(), "x")
		require.NoError(t, err)
		require.Equal(t, deepidv.CreditTerms{ID: "x", Status: deepidv.StatusPending}, *got)
	})
	t.Run("empty id", func(t *testing.T) {
		c, rec := server(t, nil)
		_, err := c.GetCreditTerms(context.Background(), "")
		require.True(t, providers.IsStatus(err, http.StatusBadRequest))
		require.Empty(t, rec.All())
	})
	t.Run("id is escaped", func(t *testing.T) {
		c, rec := server(t, providertest.Routes{"*": {Body: `{"id":"a/b","status":"PENDING"}`}})
		_, err := c.GetCreditTerms(context.Background(), "a/b")
		require.NoError(t, err)
		require.Equal(t, "/credit-terms/a%2Fb", rec.All()[0].Path)
	})
}

func TestListCreditTerms(t *testing.T) {
	c, rec := server(t, providertest.Routes{
		"/credit-terms":                 {Body: `{"creditTerms":[{"id":"1","status":"PENDING"},{"id":"2","status":"IN_PROGRESS"}],"nextToken":"tok 2"}`},
		"/credit-terms?nextToken=tok+2": {Body: `{"credit_terms":[{"credit_terms_id":"3","status":"COMPLETED"}],"next_token":""}`},
	})
	p1, err := c.ListCreditTerms(context.Background(), "")
	require.NoError(t, err)
	require.Len(t, p1.CreditTerms, 2)
	require.Equal(t, "tok 2", p1.NextToken)
	p2, err := c.ListCreditTerms(context.Background(), p1.NextToken)
	require.NoError(t, err)
	require.Equal(t, []deepidv.CreditTerms{{ID: "3", Status: deepidv.StatusCompleted}}, p2.CreditTerms)
	require.Empty(t, p2.NextToken)
	require.Equal(t, "nextToken=tok+2", rec.All()[1].Query)
}

func TestFindByExternalID(t *testing.T) {
	const base = "/credit-terms/externalId/onboarding:NO:912345678"
	tests := []struct {
		name    string
		replies providertest.Routes
		wantID  string // "" means nil
		calls   int
	}{
		{"none", providertest.Routes{base: {Body: `{"creditTerms":[]}`}}, "", 1},
		{"404 means none", providertest.Routes{base: {Status: 404, Body: `{"error":"Not found."}`}}, "", 1},
		{"single", providertest.Routes{base: {Body: `{"creditTerms":[{"id":"ct_1","externalId":"onboarding:NO:912345678","status":"PENDING"}]}`}}, "ct_1", 1},
		{"follows nextToken to the third page", providertest.Routes{
			base:                   {Body: `{"creditTerms":[],"nextToken":"p2"}`},
			base + "?nextToken=p2": {Body: `{"credit_terms":[{"id":"other","external_id":"someone-else"}],"next_token":"p3"}`},
			base + "?nextToken=p3": {Body: `{"creditTerms":[{"id":"ct_9","external_id":"onboarding:NO:912345678"}]}`},
		}, "ct_9", 3},
		{"earliest of several", providertest.Routes{base: {Body: `{"creditTerms":[
			{"id":"late","externalId":"onboarding:NO:912345678","createdAt":"2024-03-01T00:00:00Z"},
			{"id":"early","externalId":"onboarding:NO:912345678","createdAt":"2024-01-01T00:00:00Z"}]}`}}, "early", 1},
		{"repeating token stops", providertest.Routes{
			base:                     {Body: `{"creditTerms":[],"nextToken":"same"}`},
			base + "?nextToken=same": {Body: `{"creditTerms":[],"nextToken":"same"}`},
		}, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := server(t, tt.replies)
			got, err := c.FindByExternalID(context.Background(), "onboarding:NO:912345678")
			require.NoError(t, err)
			if tt.wantID == "" {
				require.Nil(t, got)
			} else {
				require.NotNil(t, got)
				require.Equal(t, tt.wantID, got.ID)
			}
			require.Len(t, rec.All(), tt.calls)
		})
	}

	t.Run("error on a later page", func(t *testing.T) {
		c, _ := server(t, providertest.Routes{
			base:                   {Body: `{"creditTerms":[],"nextToken":"p2"}`},
			base + "?nextToken=p2": {Status: 500, Body: `{"error":"Something went wrong."}`},
		})
		_, err := c.FindByExternalID(context.Background(), "onboarding:NO:912345678")
		require.True(t, providers.IsStatus(err, 500))
	})
	t.Run("empty external id", func(t *testing.T) {
		c, rec := server(t, nil)
		_, err := c.FindByExternalID(context.Background(), "")
		require.True(t, providers.IsStatus(err, http.StatusBadRequest))
		require.Empty(t, rec.All())
	})
}

func TestErrors(t *testing.T) {
	calls := map[string]func(*deepidv.Client) error{
		"create": func(c *deepidv.Client) error {
			_, err := c.CreateCreditTerms(context.Background(), validInput())
			return err
		},
		"get":  func(c *deepidv.Client) error { _, err := c.GetCreditTerms(context.Background(), "ct_1"); return err },
		"list": func(c *deepidv.Client) error { _, err := c.ListCreditTerms(context.Background(), ""); return err },
		"find": func(c *deepidv.Client) error { _, err := c.FindByExternalID(context.Background(), "e"); return err },
	}
	tests := []struct {
		name      string
		rp        providertest.Reply
		wantStat  int
		wantMsg   string
		wantRetry time.Duration
		temporary bool
	}{
		{"400 invalid input", providertest.Reply{Status: 400, Body: `{"error": "Invalid Input."}`}, 400, "Invalid Input.", 0, false},
		{"401 invalid key", providertest.Reply{Status: 401, Body: `{"error": "Invalid API key."}`}, 401, "Invalid API key.", 0, false},
		{"402 payment", providertest.Reply{Status: 402, Body: `{"error": "Insufficient funds or subscription."}`}, 402, "Insufficient funds or subscription.", 0, false},
		{"403 missing key", providertest.Reply{Status: 403, Body: `{"error": "API key is missing."}`}, 403, "API key is missing.", 0, false},
		{"429 with Retry-After", providertest.Reply{Status: 429, Body: `{"error": "Rate limit exceeded."}`, Header: map[string]string{"Retry-After": "30"}}, 429, "Rate limit exceeded.", 30 * time.Second, true},
		{"429 with HTTP date", providertest.Reply{Status: 429, Body: `{"error": "Rate limit exceeded."}`, Header: map[string]string{"Retry-After": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}}, 429, "Rate limit exceeded.", -1, true},
		{"500", providertest.Reply{Status: 500, Body: `{"error": "Something went wrong."}`}, 500, "Something went wrong.", 0, true},
		{"malformed 200", providertest.Reply{Status: 200, Body: `{"creditTerms":`}, http.StatusBadGateway, "", 0, true},
	}
	for _, tt := range tests {
		for name, call := range calls {
			if tt.name == "malformed 200" && name == "find" {
				continue // covered by list: same page decoder
			}
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				c, _ := server(t, providertest.Routes{"*": tt.rp})
				err := call(c)
				pe := providertest.RequireError(t, err, deepidv.Provider, providertest.Want{Status: tt.wantStat, Message: tt.wantMsg,
					Temporary: tt.temporary, RetryAfter: tt.wantRetry})
				if tt.wantRetry < 0 {
					require.Greater(t, pe.RetryAfter, 59*time.Minute)
				}
			})
		}
	}
}

func TestCreateWithoutIDIsBadGateway(t *testing.T) {
	c, _ := server(t, providertest.Routes{"/credit-terms": {Body: `{}`}})
	_, err := c.CreateCreditTerms(context.Background(), validInput())
	require.True(t, providers.IsStatus(err, http.StatusBadGateway))
}

func TestNetworkError(t *testing.T) {
	_, err := deepidv.New(deepidv.Config{BaseURL: providertest.ClosedURL(t), APIKey: apiKey}, nil).GetCreditTerms(context.Background(), "x")
	providertest.RequireNetworkError(t, err)
}

func TestRetryRule(t *testing.T) {
	require.Equal(t, 5*time.Second, deepidv.RetryRule.NextDelay(&providers.Error{Status: 429}))
	require.Zero(t, deepidv.RetryRule.NextDelay(&providers.Error{Status: 500}))
	require.False(t, deepidv.RetryRule.Scheduled(), "the seed gives no schedule: the engine's call budget applies")
}
