package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// TestRealProviderEventMovesTheOnboarding posts an event shaped as Quickr documents it (no
// signature, no reference) to the callback URL the worker gave the onboarding's case, and
// the onboarding leaves AWAITING_DECLARATION. It is the webhook that moves it: the sandbox's
// own webhooks are dropped, nothing polls the case (onboarding version 2), and no reconciler
// runs in this stack.
func TestRealProviderEventMovesTheOnboarding(t *testing.T) {
	ctx, s := scenario(t, ragnarok, sandbox.Config{}) // manual: the test plays the merchant
	s.setFaults(t, map[string]sandbox.Fault{"quickr": {DropWebhooks: 1}})
	started, st := ragnarokDeclaring(t, ctx, s)
	ref := started.WorkflowID
	s.nothingPolls(t, ctx, started)

	s.control(t, "/control/quickr/cases/"+ref+"/declare", "")
	var log struct {
		Deliveries []sandbox.Delivery `json:"deliveries"`
	}
	s.getJSON(t, "/control/webhooks?reference="+ref, &log)
	require.NotEmpty(t, log.Deliveries, "the declaration made the sandbox send events")
	for _, d := range log.Deliveries {
		require.Equal(t, "dropped", d.Status, "%s reached the gateway", d.Type)
	}
	require.Equal(t, api.StageAwaitingDeclaration, s.status(t, ctx, ref).Stage, "nothing but the webhook can move it now")

	doc := s.caseDoc(t, ref)
	callbackURL := doc["urls"].(map[string]any)["callback_url"].(string)
	path, ok := strings.CutPrefix(callbackURL, s.gatewayURL)
	require.True(t, ok, "the case's callback URL is the gateway's: %s", callbackURL)
	require.Regexp(t, `^/webhooks/quickr/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$`, path, "the onboarding's own capability URL")

	event := fmt.Sprintf(`{"id":"TQ1234567.event.9000000001","type":"CASE_STATUS_UPDATED","sub_event_type":"PROCESSING_DETAILS",
"created_at":%q,"created_by":"email.WDVBZEX","case":{"id":%q,"status":"PROCESSING_DETAILS","risk_level":"LOW",
"agent_determined_risk_level":"","agent_determined_status":""}}`, time.Now().UTC().Format(time.RFC3339), st.CaseID)
	require.NotContains(t, event, "reference")

	// Neither the signed route nor a forged token lets it in.
	a := s.do(t, apiCall{method: "POST", path: "/webhooks/quickr", body: event})
	require.Equal(t, http.StatusUnauthorized, a.code, a.raw)
	dot := strings.LastIndexByte(path, '.')
	forged := path[:dot+1] + map[bool]string{true: "B", false: "A"}[path[dot+1] == 'A'] + path[dot+2:]
	a = s.do(t, apiCall{method: "POST", path: forged, body: event})
	require.Equal(t, http.StatusNotFound, a.code, a.raw)
	require.Equal(t, 0, s.signals(t, ctx, ref), "refused events signal nothing")

	a = s.do(t, apiCall{method: "POST", path: path, body: event})
	require.Equal(t, http.StatusAccepted, a.code, a.raw)
	require.Equal(t, "signalled", a.body["result"])
	after := waitStage(t, ctx, s, ref, api.StageAwaitingSignature)
	require.Equal(t, 1, after.EventsReceived)
	require.Equal(t, 1, s.signals(t, ctx, ref))

	// The sandbox's own (seed-shaped) events would have been relayed the same way, once.
	a = s.do(t, apiCall{method: "POST", path: path, body: event})
	require.Equal(t, "duplicate", a.body["result"], a.raw)
	ignored := strings.Replace(event, `"CASE_STATUS_UPDATED"`, `"SIGNATORY_SIGNED"`, 1)
	ignored = strings.Replace(ignored, "9000000001", "9000000002", 1)
	a = s.do(t, apiCall{method: "POST", path: path, body: ignored})
	require.Equal(t, "ignored", a.body["result"], a.raw)
	require.Equal(t, 1, s.signals(t, ctx, ref), "neither a repeat nor an event that moves nothing costs a signal")
}

// signals counts the signals in the onboarding's history.
func (s *stack) signals(t *testing.T, ctx context.Context, workflowID string) int {
	t.Helper()
	return countEvents(s.history(t, ctx, workflowID, ""))[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]
}
