package activities_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/internal/callback"
)

// TestCallbackURLsNameTheOnboarding: the case's and the session's callback URLs are the
// configured routes plus a token that the gateway's keys verify as this onboarding's.
func TestCallbackURLsNameTheOnboarding(t *testing.T) {
	e := newEnv(t)
	keys, err := callback.New([][]byte{[]byte("activities-test-callback-secret")})
	require.NoError(t, err)
	e.acts.Callbacks = keys
	ref := refFor(orgRagnarok)

	e.createCase(orgRagnarok)
	doc := e.control(http.MethodGet, "/control/quickr/cases/"+ref, "")
	quickrURL := doc["urls"].(map[string]any)["callback_url"].(string)
	tok, ok := strings.CutPrefix(quickrURL, "http://127.0.0.1:1/webhooks/quickr/")
	require.True(t, ok, quickrURL)
	got, err := keys.Verify(callback.Quickr, tok)
	require.NoError(t, err)
	require.Equal(t, ref, got)

	must[activities.IDVSession](e, e.acts.StartIdentityVerification, activities.IDVInput{Reference: ref})
	session := e.control(http.MethodGet, "/control/idv/sessions/"+ref, "")
	idvURL := session["callback_url"].(string)
	tok, ok = strings.CutPrefix(idvURL, "http://127.0.0.1:1/webhooks/idv/")
	require.True(t, ok, idvURL)
	got, err = keys.Verify(callback.IDV, tok)
	require.NoError(t, err)
	require.Equal(t, ref, got)
	_, err = keys.Verify(callback.Quickr, tok)
	require.Error(t, err, "each provider's URL opens its own route only")
}

func TestCallbackURLWithoutKeysIsTheRoute(t *testing.T) {
	e := newEnv(t)
	e.createCase(orgRagnarok)
	doc := e.control(http.MethodGet, "/control/quickr/cases/"+refFor(orgRagnarok), "")
	require.Equal(t, "http://127.0.0.1:1/webhooks/quickr", doc["urls"].(map[string]any)["callback_url"])
}
