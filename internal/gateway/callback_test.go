package gateway_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/callback"
	"github.com/merchantflow/onboarding/internal/gateway"
	"github.com/merchantflow/onboarding/internal/webhooksig"
	"github.com/merchantflow/onboarding/providers/quickr"
)

var (
	cbSecret    = []byte("gateway-test-callback-secret-1")
	cbOldSecret = []byte("gateway-test-callback-secret-0")
)

const onboardingID = "onboarding:NO:987654321"

func cbKeys(t *testing.T, secrets ...[]byte) *callback.Keys {
	t.Helper()
	k, err := callback.New(secrets)
	require.NoError(t, err)
	return k
}

func tokenFor(t *testing.T, k *callback.Keys, provider, workflowID string) string {
	t.Helper()
	tok, err := k.Token(provider, workflowID)
	require.NoError(t, err)
	return tok
}

func newCallbackGateway(t *testing.T, ft *fakeTemporal, edit ...func(*gateway.Config)) http.Handler {
	t.Helper()
	cfg := gateway.Config{Callbacks: cbKeys(t, cbSecret), WebhookSecrets: [][]byte{secret}, Now: func() time.Time { return now }}
	for _, e := range edit {
		e(&cfg)
	}
	return gateway.New(cfg, ft, &fakeEngine{}, zap.NewNop()).Handler()
}

// seedEvent is a Quickr case event shaped as the seed documents it: no reference, no
// signature, and fields the engine does not read.
func seedEvent(id, typ, sub, status string) string {
	return fmt.Sprintf(`{"id":%q,"type":%q,"sub_event_type":%q,"created_at":"2026-11-22T11:59:00.123Z",
"created_by":"email.WDVBZEX","case":{"id":"TQ1234567.100000001","status":%q,"risk_level":"HIGH",
"agent_determined_risk_level":"MEDIUM","agent_determined_status":null},"contract":{"id":"c1","status":"signed"},
"some_future_field":{"nested":[1,{"a":null}]}}`, id, typ, sub, status)
}

func quickrPath(t *testing.T, workflowID string) string {
	return "/webhooks/quickr/" + tokenFor(t, cbKeys(t, cbSecret), callback.Quickr, workflowID)
}

func TestCallbackURLWithoutSignature(t *testing.T) {
	ft := &fakeTemporal{}
	h := newCallbackGateway(t, ft)
	rec := postTo(t, h, quickrPath(t, onboardingID), seedEvent("TQ1234567.event.1000000007", "CASE_STATUS_UPDATED", "PROCESSING_DETAILS", "PROCESSING_DETAILS"), nil)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.JSONEq(t, `{"result":"signalled"}`, rec.Body.String())
	require.Len(t, ft.signals, 1)
	s := ft.signals[0]
	require.Equal(t, onboardingID, s.workflowID, "the token names the onboarding")
	require.Equal(t, api.SignalCaseEvent, s.name)
	require.Equal(t, api.CaseEvent{
		EventID: "TQ1234567.event.1000000007", Type: "CASE_STATUS_UPDATED", SubEventType: "PROCESSING_DETAILS",
		CaseID: "TQ1234567.100000001", Status: "PROCESSING_DETAILS", OccurredAt: time.Date(2026, 11, 22, 11, 59, 0, 123e6, time.UTC),
	}, s.arg)

	t.Run("a reference in the body routes nothing", func(t *testing.T) {
		ft := &fakeTemporal{}
		body := `{"id":"e-ref","type":"CASE_STATUS_UPDATED","case":{"id":"TQ1234567.1","status":"READY_FOR_REVIEW","reference":"onboarding:NO:123456789"}}`
		rec := postTo(t, newCallbackGateway(t, ft), quickrPath(t, onboardingID), body, nil)
		require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
		require.Len(t, ft.signals, 1)
		require.Equal(t, onboardingID, ft.signals[0].workflowID)
	})
	t.Run("a token minted before a rotation still opens", func(t *testing.T) {
		ft := &fakeTemporal{}
		h := newCallbackGateway(t, ft, func(c *gateway.Config) { c.Callbacks = cbKeys(t, cbSecret, cbOldSecret) })
		path := "/webhooks/quickr/" + tokenFor(t, cbKeys(t, cbOldSecret), callback.Quickr, onboardingID)
		rec := postTo(t, h, path, seedEvent("e-rot", "CONTRACT_REJECTED", "rejected", "PROCESSING_DETAILS"), nil)
		require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
		require.Len(t, ft.signals, 1)
	})
}

func TestCallbackURLRefusesBadTokens(t *testing.T) {
	good := tokenFor(t, cbKeys(t, cbSecret), callback.Quickr, onboardingID)
	idPart, macPart, _ := strings.Cut(good, ".")
	other := tokenFor(t, cbKeys(t, cbSecret), callback.Quickr, "onboarding:NO:123456789")
	_, otherMAC, _ := strings.Cut(other, ".")
	body := seedEvent("e-bad", "CASE_STATUS_UPDATED", "PROCESSING_DETAILS", "PROCESSING_DETAILS")
	for name, path := range map[string]string{
		"another onboarding's MAC":     "/webhooks/quickr/" + idPart + "." + otherMAC,
		"minted with another secret":   "/webhooks/quickr/" + tokenFor(t, cbKeys(t, []byte("not-the-gateways-secret")), callback.Quickr, onboardingID),
		"the IDV token on Quickr":      "/webhooks/quickr/" + tokenFor(t, cbKeys(t, cbSecret), callback.IDV, onboardingID),
		"the Quickr token on IDV":      "/webhooks/idv/" + good,
		"MAC cut short":                "/webhooks/quickr/" + idPart + "." + macPart[:10],
		"garbage":                      "/webhooks/quickr/hello",
		"very long":                    "/webhooks/quickr/" + strings.Repeat("A", 4000) + "." + macPart,
		"signed, but with a bad token": "/webhooks/quickr/x." + macPart,
	} {
		t.Run(name, func(t *testing.T) {
			ft := &fakeTemporal{}
			rec := postTo(t, newCallbackGateway(t, ft), path, body, signedAs("whk-1", secret, now))
			require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
			require.Empty(t, ft.signals)
		})
	}
	t.Run("no callback keys configured", func(t *testing.T) {
		ft := &fakeTemporal{}
		h := newCallbackGateway(t, ft, func(c *gateway.Config) { c.Callbacks = nil })
		require.Equal(t, http.StatusNotFound, postTo(t, h, "/webhooks/quickr/"+good, body, nil).Code)
		require.Empty(t, ft.signals)
	})
}

func TestCallbackURLBodies(t *testing.T) {
	for name, tt := range map[string]struct {
		body string
		code int
	}{
		"not JSON":                {"nope", 400},
		"no case":                 {`{"id":"e1","type":"CASE_STATUS_UPDATED"}`, 400},
		"no type":                 {`{"id":"e1","case":{"id":"TQ1"}}`, 400},
		"no id":                   {`{"type":"CASE_STATUS_UPDATED","case":{"id":"TQ1","status":"READY_FOR_REVIEW"}}`, 400},
		"a key twice":             {`{"id":"e1","type":"CASE_STATUS_UPDATED","type":"X","case":{"id":"TQ1","status":"READY_FOR_REVIEW"}}`, 400},
		"a known field mistyped":  {`{"id":7,"type":"CASE_STATUS_UPDATED","case":{"id":"TQ1","status":"READY_FOR_REVIEW"}}`, 400},
		"trailing data":           {`{"id":"e1","type":"T","case":{"id":"TQ1"}} {}`, 400},
		"an unknown field nested": {`{"id":"e1","type":"CASE_STATUS_UPDATED","x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `,"case":{"id":"TQ1","status":"READY_FOR_REVIEW"}}`, 400},
		"id of 129 bytes":         {`{"id":"` + strings.Repeat("i", 129) + `","type":"CASE_STATUS_UPDATED","case":{"id":"TQ1","status":"READY_FOR_REVIEW"}}`, 400},
		"id of 128 bytes":         {`{"id":"` + strings.Repeat("i", 128) + `","type":"CASE_STATUS_UPDATED","case":{"id":"TQ1","status":"READY_FOR_REVIEW"}}`, 202},
		"unknown fields, nulls":   {`{"id":"e1","type":"CASE_STATUS_UPDATED","created_by":null,"new":{"a":[1,2]},"case":{"id":"TQ1","status":"READY_FOR_REVIEW","risk_level":null,"x":1}}`, 202},
	} {
		t.Run(name, func(t *testing.T) {
			ft := &fakeTemporal{}
			rec := postTo(t, newCallbackGateway(t, ft), quickrPath(t, onboardingID), tt.body, nil)
			require.Equal(t, tt.code, rec.Code, rec.Body.String())
			if tt.code != 202 {
				require.Empty(t, ft.signals)
			} else {
				require.Len(t, ft.signals, 1)
			}
		})
	}
}

// TestOnlyEventsThatCanMoveAnOnboardingAreSignalled names every event the sandbox sends in an
// onboarding (and the seed's two) and which of them become signals.
func TestOnlyEventsThatCanMoveAnOnboardingAreSignalled(t *testing.T) {
	table := []struct {
		typ, status string
		signalled   bool
	}{
		{"CASE_STATUS_UPDATED", "FORM_NOT_STARTED", false},
		{"CASE_STATUS_UPDATED", "FORM_IN_PROGRESS", false},
		{"CASE_STATUS_UPDATED", "PROCESSING_DETAILS", true},
		{"CASE_STATUS_UPDATED", "READY_FOR_REVIEW", true},
		{"CASE_STATUS_UPDATED", "REVIEW_IN_PROGRESS", true},
		{"CASE_STATUS_UPDATED", "WAITING_FOR_DETAILS", true},
		{"CASE_STATUS_UPDATED", "ACTIVE", false},
		{"CASE_STATUS_UPDATED", "DECLINED", false},
		{"CASE_STATUS_UPDATED", "SUSPENDED", false},
		{"CASE_STATUS_UPDATED", "ARCHIVED", false},
		{"CASE_STATUS_UPDATED", "SOMETHING_NEW", false},
		{"CASE_CREATED", "FORM_NOT_STARTED", false},
		{"CASE_DISCOVERIES_CREATED", "FORM_NOT_STARTED", false},
		{"CASE_DECLARED", "FORM_IN_PROGRESS", false},
		{"CASE_CHECKS_COMPLETED", "PROCESSING_DETAILS", false},
		{"CONTRACT_CREATED", "PROCESSING_DETAILS", false},
		{"SIGNATORY_SIGNED", "PROCESSING_DETAILS", false},
		{"CONTRACT_SIGNED", "PROCESSING_DETAILS", false},
		{"CONTRACT_REJECTED", "PROCESSING_DETAILS", true},
		{"CONTRACT_EXPIRED", "PROCESSING_DETAILS", true},
		{"CONTRACT_CLOSED", "DECLINED", true},
		{"CONTRACT_REOPENED", "PROCESSING_DETAILS", false},
		{"CASE_SOMETHING_NEW", "FORM_IN_PROGRESS", true},
	}
	named := map[string]bool{}
	for _, tt := range table {
		named[tt.typ] = true
	}
	for _, typ := range []string{quickr.EventCaseCreated, quickr.EventCaseStatusUpdated, quickr.EventCaseDeclared,
		quickr.EventCaseChecksCompleted, quickr.EventContractCreated, quickr.EventSignatorySigned, quickr.EventContractSigned,
		quickr.EventContractRejected, quickr.EventContractExpired, quickr.EventContractReopened, quickr.EventContractClosed} {
		require.True(t, named[typ], "every event type the sandbox sends is in the table: %s", typ)
	}
	for _, tt := range table {
		t.Run(tt.typ+" "+tt.status, func(t *testing.T) {
			ft := &fakeTemporal{}
			rec := postTo(t, newCallbackGateway(t, ft), quickrPath(t, onboardingID), seedEvent("e-"+tt.typ+tt.status, tt.typ, "", tt.status), nil)
			require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
			if tt.signalled {
				require.JSONEq(t, `{"result":"signalled"}`, rec.Body.String())
				require.Len(t, ft.signals, 1)
			} else {
				require.JSONEq(t, `{"result":"ignored"}`, rec.Body.String())
				require.Empty(t, ft.signals)
			}
		})
	}
	t.Run("the signed route filters alike", func(t *testing.T) {
		ft := &fakeTemporal{}
		body := `{"id":"x","type":"SIGNATORY_SIGNED","case":{"id":"TQ1","reference":"onboarding:NO:987654321","status":"PROCESSING_DETAILS"}}`
		rec := post(t, newGateway(ft), body, signedAs("whk-f", secret, now))
		require.JSONEq(t, `{"result":"ignored"}`, rec.Body.String())
		require.Empty(t, ft.signals)
	})
}

func TestCallbackURLDedupe(t *testing.T) {
	ft := &fakeTemporal{}
	h := newCallbackGateway(t, ft)
	ev := seedEvent("e-dup", "CASE_STATUS_UPDATED", "PROCESSING_DETAILS", "PROCESSING_DETAILS")
	require.JSONEq(t, `{"result":"signalled"}`, postTo(t, h, quickrPath(t, onboardingID), ev, nil).Body.String())
	require.JSONEq(t, `{"result":"duplicate"}`, postTo(t, h, quickrPath(t, onboardingID), ev, nil).Body.String())
	require.JSONEq(t, `{"result":"signalled"}`, postTo(t, h, quickrPath(t, "onboarding:NO:123456789"), ev, nil).Body.String(),
		"one sender's event id never silences another onboarding's")
	require.Len(t, ft.signals, 2)

	t.Run("memory is bounded in bytes: old ids are forgotten, recent ones kept", func(t *testing.T) {
		ft := &fakeTemporal{}
		h := newCallbackGateway(t, ft, func(c *gateway.Config) { c.DedupeBytes = 8 << 10 })
		path := quickrPath(t, onboardingID)
		first := seedEvent("e-first", "CASE_STATUS_UPDATED", "READY_FOR_REVIEW", "READY_FOR_REVIEW")
		require.JSONEq(t, `{"result":"signalled"}`, postTo(t, h, path, first, nil).Body.String())
		long := strings.Repeat("x", 120)
		for i := range 200 { // ~50 KiB of keys through an 8 KiB budget
			postTo(t, h, path, seedEvent(fmt.Sprintf("%s-%03d", long, i), "CASE_STATUS_UPDATED", "READY_FOR_REVIEW", "READY_FOR_REVIEW"), nil)
		}
		last := seedEvent(fmt.Sprintf("%s-%03d", long, 199), "CASE_STATUS_UPDATED", "READY_FOR_REVIEW", "READY_FOR_REVIEW")
		require.JSONEq(t, `{"result":"duplicate"}`, postTo(t, h, path, last, nil).Body.String())
		require.JSONEq(t, `{"result":"signalled"}`, postTo(t, h, path, first, nil).Body.String(), "forgotten: the workflow dedupes it")
	})
}

func TestIDVCallbackURL(t *testing.T) {
	path := "/webhooks/idv/" + tokenFor(t, cbKeys(t, cbSecret), callback.IDV, onboardingID)
	t.Run("terminal state signals, the reference is not read", func(t *testing.T) {
		ft := &fakeTemporal{}
		h := newCallbackGateway(t, ft)
		body := `{"id":42,"state":"COMPLETED","reference":"onboarding:NO:123456789","extra":true}`
		rec := postTo(t, h, path, body, nil)
		require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
		require.Len(t, ft.signals, 1)
		require.Equal(t, onboardingID, ft.signals[0].workflowID)
		require.Equal(t, api.IDVEvent{EventID: "42.COMPLETED", SessionID: 42, State: "COMPLETED"}, ft.signals[0].arg)
		require.JSONEq(t, `{"result":"duplicate"}`, postTo(t, h, path, body, nil).Body.String())
	})
	for state, signalled := range map[string]bool{"CREATED": false, "IN_PROGRESS": false, "SOMETHING_NEW": false,
		"COMPLETED": true, "FAILED": true, "EXPIRED": true} {
		t.Run(state, func(t *testing.T) {
			ft := &fakeTemporal{}
			rec := postTo(t, newCallbackGateway(t, ft), path, `{"id":7,"state":"`+state+`"}`, nil)
			require.Equal(t, http.StatusAccepted, rec.Code)
			require.Equal(t, signalled, len(ft.signals) == 1, rec.Body.String())
		})
	}
	for name, bad := range map[string]string{
		"no state":          `{"id":42}`,
		"id a string":       `{"id":"42","state":"COMPLETED"}`,
		"id zero":           `{"id":0,"state":"COMPLETED"}`,
		"an array":          `[1,2]`,
		"state too long":    `{"id":42,"state":"` + strings.Repeat("S", 200) + `"}`,
		"id out of range":   `{"id":99999999999999999999,"state":"COMPLETED"}`,
		"a key twice":       `{"id":42,"state":"COMPLETED","state":"FAILED"}`,
		"not a JSON object": `state=COMPLETED`,
	} {
		t.Run(name, func(t *testing.T) {
			ft := &fakeTemporal{}
			rec := postTo(t, newCallbackGateway(t, ft), path, bad, nil)
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			require.Empty(t, ft.signals)
		})
	}
}

func TestSignedRoutesPerProviderSecrets(t *testing.T) {
	idvSecret := []byte("idv-only-signing-secret")
	ft := &fakeTemporal{}
	h := newCallbackGateway(t, ft, func(c *gateway.Config) {
		c.ProviderWebhookSecrets = map[string][][]byte{"idv": {idvSecret}}
	})
	body := `{"id":42,"state":"COMPLETED","reference":"onboarding:NO:987654321"}`
	require.Equal(t, http.StatusUnauthorized, postTo(t, h, "/webhooks/idv", body, signedAs("i1", secret, now)).Code,
		"the IDV route no longer takes the shared secret")
	require.Equal(t, http.StatusAccepted, postTo(t, h, "/webhooks/idv", body, signedAs("i2", idvSecret, now)).Code)
	require.Equal(t, http.StatusAccepted, post(t, h, event, signedAs("q1", secret, now)).Code, "Quickr keeps the shared one")
	require.Equal(t, http.StatusUnauthorized, post(t, h, event, signedAs("q2", idvSecret, now)).Code)
	require.Len(t, ft.signals, 2)
}

func TestSignedRouteRefusesHostileSignatureHeader(t *testing.T) {
	ft := &fakeTemporal{}
	h := newGateway(ft)
	rec := post(t, h, event, func(hd http.Header, b []byte) {
		webhooksig.SetHeaders(hd, secret, "whk-h", now, b)
		hd.Set(webhooksig.HeaderSignature, strings.Repeat("v1=,", 4096)+hd.Get(webhooksig.HeaderSignature))
	})
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Contains(t, rec.Body.String(), webhooksig.ErrMalformed.Error())
	require.Empty(t, ft.signals)
}
