package deepidv_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/deepidv"
)

const apiKey = "dk_test_123"

type seen struct {
	Method, Path, RawQuery, APIKey, Body string
}

type recorder struct {
	mu   sync.Mutex
	reqs []seen
}

func (r *recorder) record(req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, seen{req.Method, req.URL.EscapedPath(), req.URL.RawQuery, req.Header.Get("x-api-key"), string(b)})
}

func (r *recorder) all() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.reqs...)
}

type reply struct {
	status int
	body   string
	header map[string]string
}

// server answers by request path + query (or "*" for anything), recording every request.
func server(t *testing.T, replies map[string]reply) (*deepidv.Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		key := r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			key += "?" + r.URL.RawQuery
		}
		rp, ok := replies[key]
		if !ok {
			rp, ok = replies["*"]
		}
		if !ok {
			rp = reply{status: 404, body: `{"error":"Not found."}`}
		}
		for k, v := range rp.header {
			w.Header().Set(k, v)
		}
		if rp.status != 0 {
			w.WriteHeader(rp.status)
		}
		_, _ = io.WriteString(w, rp.body)
	}))
	t.Cleanup(srv.Close)
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
			c, rec := server(t, map[string]reply{"/credit-terms": {body: tt.resp}})
			in := validInput()
			if tt.mutate != nil {
				tt.mutate(&in)
			}
			got, err := c.CreateCreditTerms(context.Background(), in)
			require.NoError(t, err)
			require.Equal(t, tt.want, *got)
			reqs := rec.all()
			require.Len(t, reqs, 1)
			require.Equal(t, http.MethodPost, reqs[0].Method)
			require.Equal(t, apiKey, reqs[0].APIKey)
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
			require.Empty(t, rec.all(), "nothing is sent")
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
			c, rec := server(t, map[string]reply{"/credit-terms/ct_1": {body: tt.body}})
			got, err := c.GetCreditTerms(context.Background(), "ct_1")
			require.NoError(t, err)
			require.Equal(t, want, *got)
			require.Equal(t, http.MethodGet, rec.all()[0].Method)
			require.Equal(t, apiKey, rec.all()[0].APIKey)
		})
	}

	t.Run("placeholder config string is ignored", func(t *testing.T) {
		c, _ := server(t, map[string]reply{"/credit-terms/x": {body: `{"status":"PENDING","Config":"<config>"}`}})
		got, err := c.GetCreditTerms(context.Background(), "x")
		require.NoError(t, err)
		require.Equal(t, deepidv.CreditTerms{ID: "x", Status: deepidv.StatusPending}, *got)
	})
	t.Run("empty id", func(t *testing.T) {
		c, rec := server(t, nil)
		_, err := c.GetCreditTerms(context.Background(), "")
		require.True(t, providers.IsStatus(err, http.StatusBadRequest))
		require.Empty(t, rec.all())
	})
	t.Run("id is escaped", func(t *testing.T) {
		c, rec := server(t, map[string]reply{"*": {body: `{"id":"a/b","status":"PENDING"}`}})
		_, err := c.GetCreditTerms(context.Background(), "a/b")
		require.NoError(t, err)
		require.Equal(t, "/credit-terms/a%2Fb", rec.all()[0].Path)
	})
}

func TestListCreditTerms(t *testing.T) {
	c, rec := server(t, map[string]reply{
		"/credit-terms":                 {body: `{"creditTerms":[{"id":"1","status":"PENDING"},{"id":"2","status":"IN_PROGRESS"}],"nextToken":"tok 2"}`},
		"/credit-terms?nextToken=tok+2": {body: `{"credit_terms":[{"credit_terms_id":"3","status":"COMPLETED"}],"next_token":""}`},
	})
	p1, err := c.ListCreditTerms(context.Background(), "")
	require.NoError(t, err)
	require.Len(t, p1.CreditTerms, 2)
	require.Equal(t, "tok 2", p1.NextToken)
	p2, err := c.ListCreditTerms(context.Background(), p1.NextToken)
	require.NoError(t, err)
	require.Equal(t, []deepidv.CreditTerms{{ID: "3", Status: deepidv.StatusCompleted}}, p2.CreditTerms)
	require.Empty(t, p2.NextToken)
	require.Equal(t, "nextToken=tok+2", rec.all()[1].RawQuery)
}

func TestFindByExternalID(t *testing.T) {
	const base = "/credit-terms/externalId/onboarding:NO:912345678"
	tests := []struct {
		name    string
		replies map[string]reply
		wantID  string // "" means nil
		calls   int
	}{
		{"none", map[string]reply{base: {body: `{"creditTerms":[]}`}}, "", 1},
		{"404 means none", map[string]reply{base: {status: 404, body: `{"error":"Not found."}`}}, "", 1},
		{"single", map[string]reply{base: {body: `{"creditTerms":[{"id":"ct_1","externalId":"onboarding:NO:912345678","status":"PENDING"}]}`}}, "ct_1", 1},
		{"follows nextToken to the third page", map[string]reply{
			base:                   {body: `{"creditTerms":[],"nextToken":"p2"}`},
			base + "?nextToken=p2": {body: `{"credit_terms":[{"id":"other","external_id":"someone-else"}],"next_token":"p3"}`},
			base + "?nextToken=p3": {body: `{"creditTerms":[{"id":"ct_9","external_id":"onboarding:NO:912345678"}]}`},
		}, "ct_9", 3},
		{"earliest of several", map[string]reply{base: {body: `{"creditTerms":[
			{"id":"late","externalId":"onboarding:NO:912345678","createdAt":"2024-03-01T00:00:00Z"},
			{"id":"early","externalId":"onboarding:NO:912345678","createdAt":"2024-01-01T00:00:00Z"}]}`}}, "early", 1},
		{"repeating token stops", map[string]reply{
			base:                     {body: `{"creditTerms":[],"nextToken":"same"}`},
			base + "?nextToken=same": {body: `{"creditTerms":[],"nextToken":"same"}`},
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
			require.Len(t, rec.all(), tt.calls)
		})
	}

	t.Run("error on a later page", func(t *testing.T) {
		c, _ := server(t, map[string]reply{
			base:                   {body: `{"creditTerms":[],"nextToken":"p2"}`},
			base + "?nextToken=p2": {status: 500, body: `{"error":"Something went wrong."}`},
		})
		_, err := c.FindByExternalID(context.Background(), "onboarding:NO:912345678")
		require.True(t, providers.IsStatus(err, 500))
	})
	t.Run("empty external id", func(t *testing.T) {
		c, rec := server(t, nil)
		_, err := c.FindByExternalID(context.Background(), "")
		require.True(t, providers.IsStatus(err, http.StatusBadRequest))
		require.Empty(t, rec.all())
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
		rp        reply
		wantStat  int
		wantMsg   string
		wantRetry time.Duration
		temporary bool
	}{
		{"400 invalid input", reply{status: 400, body: `{"error": "Invalid Input."}`}, 400, "Invalid Input.", 0, false},
		{"401 invalid key", reply{status: 401, body: `{"error": "Invalid API key."}`}, 401, "Invalid API key.", 0, false},
		{"402 payment", reply{status: 402, body: `{"error": "Insufficient funds or subscription."}`}, 402, "Insufficient funds or subscription.", 0, false},
		{"403 missing key", reply{status: 403, body: `{"error": "API key is missing."}`}, 403, "API key is missing.", 0, false},
		{"429 with Retry-After", reply{status: 429, body: `{"error": "Rate limit exceeded."}`, header: map[string]string{"Retry-After": "30"}}, 429, "Rate limit exceeded.", 30 * time.Second, true},
		{"429 with HTTP date", reply{status: 429, body: `{"error": "Rate limit exceeded."}`, header: map[string]string{"Retry-After": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}}, 429, "Rate limit exceeded.", -1, true},
		{"500", reply{status: 500, body: `{"error": "Something went wrong."}`}, 500, "Something went wrong.", 0, true},
		{"malformed 200", reply{status: 200, body: `{"creditTerms":`}, http.StatusBadGateway, "", 0, true},
	}
	for _, tt := range tests {
		for name, call := range calls {
			if tt.name == "malformed 200" && name == "find" {
				continue // covered by list: same page decoder
			}
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				c, _ := server(t, map[string]reply{"*": tt.rp})
				err := call(c)
				pe, ok := providers.AsError(err)
				require.True(t, ok, "%v", err)
				require.Equal(t, deepidv.Provider, pe.Provider)
				require.Equal(t, tt.wantStat, pe.Status)
				require.Equal(t, tt.temporary, pe.Temporary())
				if tt.wantMsg != "" {
					require.Equal(t, tt.wantMsg, pe.Message)
				}
				switch {
				case tt.wantRetry < 0:
					require.Greater(t, pe.RetryAfter, 59*time.Minute)
				default:
					require.Equal(t, tt.wantRetry, pe.RetryAfter)
				}
			})
		}
	}
}

func TestCreateWithoutIDIsBadGateway(t *testing.T) {
	c, _ := server(t, map[string]reply{"/credit-terms": {body: `{}`}})
	_, err := c.CreateCreditTerms(context.Background(), validInput())
	require.True(t, providers.IsStatus(err, http.StatusBadGateway))
}

func TestNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := deepidv.New(deepidv.Config{BaseURL: srv.URL, APIKey: apiKey}, nil).GetCreditTerms(context.Background(), "x")
	pe, ok := providers.AsError(err)
	require.True(t, ok)
	require.Zero(t, pe.Status)
	require.True(t, pe.Temporary())
}

func TestRetryRule(t *testing.T) {
	require.Equal(t, 5*time.Second, deepidv.RetryRule.NextDelay(&providers.Error{Status: 429}))
	require.Zero(t, deepidv.RetryRule.NextDelay(&providers.Error{Status: 500}))
	require.False(t, deepidv.RetryRule.Scheduled(), "the seed gives no schedule: the engine's call budget applies")
}
