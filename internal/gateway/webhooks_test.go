package gateway_test

import (
	"context"
	"errors"
	"github.com/google/uuid"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/gateway"
	"github.com/merchantflow/onboarding/internal/webhooksig"
)

type signal struct {
	workflowID string
	name       string
	arg        any
}

type fakeTemporal struct {
	mu      sync.Mutex
	signals []signal
	err     error
}

func (f *fakeTemporal) SignalWorkflow(_ context.Context, id, _, name string, arg any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.signals = append(f.signals, signal{id, name, arg})
	return nil
}

var (
	secret = []byte("gateway-test-secret")
	now    = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
)

const event = `{"id":"TQ1234567.event.1","type":"CASE_STATUS_UPDATED","sub_event_type":"PROCESSING_DETAILS",
"created_at":"2026-11-22T11:59:00Z","case":{"id":"TQ1234567.100000001","reference":"onboarding:NO:987654321","status":"PROCESSING_DETAILS"}}`

func post(t *testing.T, h http.Handler, body string, sign func(http.Header, []byte)) *httptest.ResponseRecorder {
	return postTo(t, h, "/webhooks/quickr", body, sign)
}

func postTo(t *testing.T, h http.Handler, path, body string, sign func(http.Header, []byte)) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if sign != nil {
		sign(req.Header, []byte(body))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func signedAs(id string, key []byte, at time.Time) func(http.Header, []byte) {
	return func(h http.Header, b []byte) { webhooksig.SetHeaders(h, key, id, at, b) }
}

func newGateway(ft *fakeTemporal) http.Handler {
	return gateway.New(gateway.Config{WebhookSecrets: [][]byte{secret}, Now: func() time.Time { return now }}, ft, &fakeEngine{}, zap.NewNop()).Handler()
}

func TestQuickrWebhook(t *testing.T) {
	t.Run("valid event signals the onboarding named by the reference", func(t *testing.T) {
		ft := &fakeTemporal{}
		rec := post(t, newGateway(ft), event, signedAs("whk-1", secret, now))
		require.Equal(t, http.StatusAccepted, rec.Code)
		require.Len(t, ft.signals, 1)
		s := ft.signals[0]
		require.Equal(t, "onboarding:NO:987654321", s.workflowID)
		require.Equal(t, api.SignalCaseEvent, s.name)
		ev := s.arg.(api.CaseEvent)
		require.Equal(t, "whk-1", ev.EventID)
		require.Equal(t, "PROCESSING_DETAILS", ev.Status)
		require.Equal(t, "TQ1234567.100000001", ev.CaseID)
	})
	t.Run("repeat delivery is acknowledged, not signalled", func(t *testing.T) {
		ft := &fakeTemporal{}
		h := newGateway(ft)
		require.Equal(t, http.StatusAccepted, post(t, h, event, signedAs("whk-1", secret, now)).Code)
		rec := post(t, h, event, signedAs("whk-1", secret, now))
		require.Equal(t, http.StatusAccepted, rec.Code)
		require.Contains(t, rec.Body.String(), "duplicate")
		require.Len(t, ft.signals, 1)
	})
	rejected := []struct {
		name string
		body string
		sign func(http.Header, []byte)
		code int
	}{
		{"unsigned", event, nil, http.StatusUnauthorized},
		{"wrong secret", event, signedAs("whk-2", []byte("other"), now), http.StatusUnauthorized},
		{"stale timestamp", event, signedAs("whk-3", secret, now.Add(-time.Hour)), http.StatusUnauthorized},
		{"body changed after signing", event, func(h http.Header, _ []byte) {
			webhooksig.SetHeaders(h, secret, "whk-4", now, []byte(`{}`))
		}, http.StatusUnauthorized},
		{"not JSON", "nope", signedAs("whk-5", secret, now), http.StatusBadRequest},
		{"no case", `{"id":"x"}`, signedAs("whk-6", secret, now), http.StatusBadRequest},
		{"signed, not a case event", `{"hello":"world"}`, signedAs("whk-9", secret, now), http.StatusBadRequest},
	}
	for _, tt := range rejected {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeTemporal{}
			rec := post(t, newGateway(ft), tt.body, tt.sign)
			require.Equal(t, tt.code, rec.Code, rec.Body.String())
			require.Empty(t, ft.signals)
		})
	}
	t.Run("unknown reference is acknowledged", func(t *testing.T) {
		ft := &fakeTemporal{err: serviceerror.NewNotFound("workflow not found")}
		rec := post(t, newGateway(ft), event, signedAs("whk-7", secret, now))
		require.Equal(t, http.StatusAccepted, rec.Code)
		require.Contains(t, rec.Body.String(), "unknown reference")
	})
	t.Run("temporal down: 503, and the provider's retry gets through", func(t *testing.T) {
		ft := &fakeTemporal{err: errors.New("connection refused")}
		h := newGateway(ft)
		require.Equal(t, http.StatusServiceUnavailable, post(t, h, event, signedAs("whk-8", secret, now)).Code)
		ft.err = nil
		require.Equal(t, http.StatusAccepted, post(t, h, event, signedAs("whk-8", secret, now)).Code)
		require.Len(t, ft.signals, 1)
	})
}

func TestIDVWebhook(t *testing.T) {
	body := `{"id":42,"state":"COMPLETED","reference":"onboarding:NO:987654321"}`
	t.Run("valid callback signals the onboarding", func(t *testing.T) {
		ft := &fakeTemporal{}
		rec := postTo(t, newGateway(ft), "/webhooks/idv", body, signedAs("idv.whk.1", secret, now))
		require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
		require.Len(t, ft.signals, 1)
		require.Equal(t, api.SignalIDVEvent, ft.signals[0].name)
		require.Equal(t, api.IDVEvent{EventID: "idv.whk.1", SessionID: 42, State: "COMPLETED"}, ft.signals[0].arg)
	})
	for name, bad := range map[string]string{
		"no state":        `{"id":42,"reference":"r"}`,
		"id not a number": `{"id":"abc","state":"COMPLETED","reference":"r"}`,
		"not an object":   `[1,2]`,
	} {
		t.Run(name, func(t *testing.T) {
			ft := &fakeTemporal{}
			rec := postTo(t, newGateway(ft), "/webhooks/idv", bad, signedAs("idv.whk.2", secret, now))
			require.Equal(t, http.StatusBadRequest, rec.Code)
			require.Empty(t, ft.signals)
		})
	}
	t.Run("unsigned", func(t *testing.T) {
		ft := &fakeTemporal{}
		require.Equal(t, http.StatusUnauthorized, postTo(t, newGateway(ft), "/webhooks/idv", body, nil).Code)
		require.Empty(t, ft.signals)
	})
}

func TestRequestIDs(t *testing.T) {
	h := newGateway(&fakeTemporal{})
	rec := post(t, h, event, signedAs("whk-r1", secret, now))
	_, err := uuid.Parse(rec.Header().Get(gateway.HeaderRequestID))
	require.NoError(t, err, "a request without an id gets a fresh one")

	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.Header.Set(gateway.HeaderRequestID, "0b8f3c4e-2a51-4f7e-9d7b-6b5f2f1c9a10")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, "0b8f3c4e-2a51-4f7e-9d7b-6b5f2f1c9a10", rec.Header().Get(gateway.HeaderRequestID), "a caller's id is kept")

	req = httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.Header.Set(gateway.HeaderRequestID, "<script>")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.NotEqual(t, "<script>", rec.Header().Get(gateway.HeaderRequestID), "a malformed id is replaced, never logged")
}
