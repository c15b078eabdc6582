package idv_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
	"github.com/merchantflow/onboarding/providers/idv"
	"github.com/merchantflow/onboarding/providers/internal/providertest"
)

const (
	pub    = "public-key-test-123"
	secret = "secret-test-456"
)

// server answers every request with status and body, recording what it got.
func server(t *testing.T, status int, body string, header map[string]string) (*httptest.Server, *providertest.Recorder) {
	t.Helper()
	return providertest.Server(t, providertest.Answer(providertest.Reply{Status: status, Body: body, Header: header}))
}

func newClient(srv *httptest.Server, prefix string) *idv.Client {
	return idv.New(idv.Config{BaseURL: srv.URL, PathPrefix: prefix, PublicKey: pub, Secret: secret}, srv.Client())
}

func TestCreateSession(t *testing.T) {
	tests := []struct {
		name     string
		prefix   string
		in       idv.CreateSessionInput
		resp     string
		wantPath string
		wantBody string
		want     idv.CreatedSession
	}{
		{
			name:     "default prefix",
			in:       idv.CreateSessionInput{CallbackURL: "http://gw/hooks/idv", FaceVerification: true, Reference: "onboarding:NO:912345678"},
			resp:     `{"id":123,"token":"i_dI5hs7m"}`,
			wantPath: "/api/v1/session.create",
			wantBody: `{"callback_url":"http://gw/hooks/idv","face_verification":true,"reference":"onboarding:NO:912345678"}`,
			want:     idv.CreatedSession{ID: 123, Token: "i_dI5hs7m"},
		},
		{
			name:     "class.method prefix, id as string",
			prefix:   "/api/",
			in:       idv.CreateSessionInput{},
			resp:     `{"id":"9007199254740993","token":"t"}`,
			wantPath: "/api/session.create",
			wantBody: `{"face_verification":false}`,
			want:     idv.CreatedSession{ID: 9007199254740993, Token: "t"},
		},
		{
			name:     "prefix without slashes",
			prefix:   "api/v2",
			resp:     `{"id":1,"token":"t"}`,
			wantPath: "/api/v2/session.create",
			wantBody: `{"face_verification":false}`,
			want:     idv.CreatedSession{ID: 1, Token: "t"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := server(t, 200, tt.resp, nil)
			got, err := newClient(srv, tt.prefix).CreateSession(context.Background(), tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, *got)
			reqs := rec.All()
			require.Len(t, reqs, 1)
			require.Equal(t, http.MethodPost, reqs[0].Method)
			require.Equal(t, tt.wantPath, reqs[0].Path)
			user, pass, ok := reqs[0].BasicAuth()
			require.True(t, ok)
			require.Equal(t, pub, user)
			require.Equal(t, secret, pass)
			require.Equal(t, "application/json", reqs[0].ContentType())
			require.JSONEq(t, tt.wantBody, reqs[0].Body)
		})
	}
}

func TestGetSession(t *testing.T) {
	body := `{"id":123,"created":"2024-01-27T00:00:00Z","expires":"2024-01-28T00:00:00Z","state":"COMPLETED","reference":"ref-1",
		"user_ip":"10.0.0.1","user_agent":"Mozilla","given_names":"Kari Anne","surname":"Nordmann","nationality":"NO","sex":"F",
		"date_of_birth":"1980-05-17","personal_number":"17058012345","document_type":"PASSPORT","document_number":"P1234567",
		"expiry_date":"2030-01-01","issuing_country":"NO","issuer":"Politiet","portrait":"aW1n","face":"ZmFjZQ==","unknown":"dropped"}`
	srv, rec := server(t, 200, body, nil)
	got, err := newClient(srv, "").GetSession(context.Background(), 123)
	require.NoError(t, err)
	require.Equal(t, idv.Session{
		ID: 123, Created: "2024-01-27T00:00:00Z", Expires: "2024-01-28T00:00:00Z", State: idv.StateCompleted, Reference: "ref-1",
		UserIP: "10.0.0.1", UserAgent: "Mozilla", GivenNames: "Kari Anne", Surname: "Nordmann", Nationality: "NO", Sex: "F",
		DateOfBirth: "1980-05-17", PersonalNumber: "17058012345", DocumentType: "PASSPORT", DocumentNumber: "P1234567",
		ExpiryDate: "2030-01-01", IssuingCountry: "NO", Issuer: "Politiet", Portrait: "aW1n", Face: "ZmFjZQ==",
	}, *got)
	reqs := rec.All()
	require.Equal(t, "/api/v1/session.get", reqs[0].Path)
	require.JSONEq(t, `{"id":123}`, reqs[0].Body)
}

func TestGetSessionFillsOmittedID(t *testing.T) {
	srv, _ := server(t, 200, `{"state":"CREATED"}`, nil)
	got, err := newClient(srv, "").GetSession(context.Background(), 77)
	require.NoError(t, err)
	require.EqualValues(t, 77, got.ID)
}

func TestSessionState(t *testing.T) {
	for _, state := range []string{idv.StateCreated, idv.StateInProgress, idv.StateCompleted, idv.StateFailed, idv.StateExpired} {
		t.Run(state, func(t *testing.T) {
			srv, rec := server(t, 200, `{"state":"`+state+`"}`, nil)
			got, err := newClient(srv, "").SessionState(context.Background(), 5)
			require.NoError(t, err)
			require.Equal(t, state, got)
			require.Equal(t, "/api/v1/session.state", rec.All()[0].Path)
			require.JSONEq(t, `{"id":5}`, rec.All()[0].Body)
			require.Equal(t, state != idv.StateCreated && state != idv.StateInProgress, idv.Terminal(state))
		})
	}
}

func TestErrors(t *testing.T) {
	calls := map[string]func(*idv.Client) error{
		"create": func(c *idv.Client) error {
			_, err := c.CreateSession(context.Background(), idv.CreateSessionInput{})
			return err
		},
		"get":   func(c *idv.Client) error { _, err := c.GetSession(context.Background(), 1); return err },
		"state": func(c *idv.Client) error { _, err := c.SessionState(context.Background(), 1); return err },
	}
	tests := []struct {
		name      string
		status    int
		body      string
		header    map[string]string
		only      string // limit to one call
		wantCode  string
		wantMsg   string
		wantRetry time.Duration
		wantStat  int
		temporary bool
	}{
		{name: "400 missing property", status: 400, body: `{"error_message":"id must be an integer","error_name":"InvalidProperty"}`, wantCode: "InvalidProperty", wantMsg: "id must be an integer"},
		{name: "401", status: 401, body: `{"error_message":"No valid API credentials","error_name":"Unauthorized"}`, wantCode: "Unauthorized"},
		{name: "403", status: 403, body: `{}`, wantMsg: "{}"},
		{name: "404 not found", status: 404, body: `{"error_message":"No session found with id: 1","error_name":"SessionNotFound"}`, wantCode: idv.ErrorSessionNotFound, wantMsg: "No session found with id: 1"},
		{name: "429 retry-after", status: 429, body: `{}`, header: map[string]string{"Retry-After": "7"}, wantRetry: 7 * time.Second, temporary: true},
		{name: "500", status: 500, body: `{"error_message":"oops","error_name":"InternalError"}`, wantCode: "InternalError", temporary: true},
		{name: "503 html", status: 503, body: `<html>down</html>`, wantMsg: "<html>down</html>", temporary: true},
		{name: "malformed 200", status: 200, body: `{"id":`, wantStat: http.StatusBadGateway, temporary: true},
		{name: "id not integer", status: 200, body: `{"id":"abc","token":"t"}`, only: "create", wantStat: http.StatusBadGateway, temporary: true},
		{name: "create without id", status: 200, body: `{}`, only: "create", wantStat: http.StatusBadGateway, temporary: true},
		{name: "state empty", status: 200, body: `{}`, only: "state", wantStat: http.StatusBadGateway, temporary: true},
	}
	for _, tt := range tests {
		for name, call := range calls {
			if tt.only != "" && tt.only != name {
				continue
			}
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				srv, _ := server(t, tt.status, tt.body, tt.header)
				err := call(newClient(srv, ""))
				wantStat := tt.wantStat
				if wantStat == 0 {
					wantStat = tt.status
				}
				providertest.RequireError(t, err, idv.Provider, providertest.Want{Status: wantStat, Code: tt.wantCode, Message: tt.wantMsg,
					Temporary: tt.temporary, RetryAfter: tt.wantRetry})
			})
		}
	}
}

func TestNetworkError(t *testing.T) {
	_, err := idv.New(idv.Config{BaseURL: providertest.ClosedURL(t)}, nil).SessionState(context.Background(), 1)
	providertest.RequireNetworkError(t, err)
}

func TestCallbackEvent(t *testing.T) {
	for _, body := range []string{`{"id":42,"state":"COMPLETED","reference":"r"}`, `{"id":"42","state":"COMPLETED","reference":"r"}`} {
		var e idv.CallbackEvent
		require.NoError(t, json.Unmarshal([]byte(body), &e))
		require.Equal(t, idv.CallbackEvent{ID: 42, State: idv.StateCompleted, Reference: "r"}, e)
	}
}

func TestRetryRule(t *testing.T) {
	// "retry up to 4 times ... after 2, 4, 8 and finally after 16 seconds"; "except for errors
	// in the 4xx range"; "The timeout for a given request is 60 seconds." (seed 001, About the API)
	r := idv.RetryRule
	require.True(t, r.Scheduled())
	require.EqualValues(t, 5, r.MaximumAttempts(), "first attempt + 4 retries")
	var got []time.Duration
	d := r.InitialInterval
	for range r.MaxRetries {
		got = append(got, min(d, r.MaxInterval))
		d = time.Duration(float64(d) * r.BackoffCoefficient())
	}
	require.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}, got)
	require.True(t, r.Never4xx)
	require.False(t, r.Retryable(&providers.Error{Status: 429}), "429 is a 4xx")
	require.True(t, r.Retryable(&providers.Error{Status: 503}))
	require.Equal(t, 60*time.Second, r.Timeout)
}
