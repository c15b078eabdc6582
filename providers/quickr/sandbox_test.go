package quickr_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/webhooksig"
	"github.com/merchantflow/onboarding/providers/quickr"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// sandboxClient starts a fresh sandbox on a manual clock and returns a client for it.
func sandboxClient(t *testing.T) (*quickr.Client, *sandbox.Server, *sandbox.ManualClock, string) {
	t.Helper()
	clock := sandbox.NewManualClock(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	sb := sandbox.New(sandbox.Config{Clock: clock})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { sb.Close(); srv.Close() })
	creds := sandbox.DefaultCredentials()
	c := quickr.New(quickr.Config{BaseURL: srv.URL + "/quickr/v2", AccountID: creds.QuickrAccountID, APIKey: creds.QuickrAPIKey, Now: clock.Now}, nil)
	return c, sb, clock, srv.URL
}

func ragnarokCase(ref, callback string) quickr.CaseCreate {
	return quickr.CaseCreate{
		Actions:   []string{quickr.ActionRequestDeclaration},
		Reference: ref,
		Prefills:  []quickr.TypeData{{Type: "company", Data: []map[string]any{{"organization_number": "987654321", "country": "NO"}}}},
		Sections:  []quickr.Section{{Type: "company"}, {Type: "signatory"}, {Type: "ultimate_beneficial_ownership"}, {Type: "bank_account"}},
		Checks:    []quickr.CheckSpec{{Type: "company"}, {Type: "sanction"}},
		URLs:      &quickr.URLs{CallbackURL: callback},
	}
}

func TestSandboxCaseLifecycle(t *testing.T) {
	ctx := context.Background()
	c, sb, _, base := sandboxClient(t)

	var mu sync.Mutex
	var hooks []map[string]any
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// Unsigned, as the seed documents Quickr's webhooks.
		require.Empty(t, r.Header.Get(webhooksig.HeaderSignature))
		var ev map[string]any
		require.NoError(t, json.Unmarshal(body, &ev))
		mu.Lock()
		hooks = append(hooks, ev)
		mu.Unlock()
	}))
	defer receiver.Close()

	created, err := c.CreateCase(ctx, ragnarokCase("onboarding:NO:987654321", receiver.URL))
	require.NoError(t, err)
	require.Equal(t, quickr.StatusFormNotStarted, created.Status)
	require.Regexp(t, `^TQ1234567\.\S{9}$`, created.ID)
	require.NotEmpty(t, created.URLs.DeclarationURL)
	require.Equal(t, 1, sb.Counters().Get("onboarding:NO:987654321", sandbox.CountCases))

	// Prefills come from the test company table.
	var names []string
	for _, p := range created.Prefills {
		if p.Type == "signatory" {
			for _, d := range p.Data {
				names = append(names, d["name"].(string))
			}
		}
	}
	require.Equal(t, []string{"Ragnar Lothbrok", "Lagertha Shieldmaiden", "Bjorn Ironside"}, names)

	found, err := c.FindCaseByReference(ctx, "onboarding:NO:987654321")
	require.NoError(t, err)
	require.Equal(t, created.ID, found.ID)
	none, err := c.FindCaseByReference(ctx, "onboarding:NO:000")
	require.NoError(t, err)
	require.Nil(t, none)

	resp, err := http.Post(base+"/control/quickr/cases/onboarding:NO:987654321/declare", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	got, err := c.GetCase(ctx, created.ID)
	require.NoError(t, err)
	require.True(t, got.Declared())
	require.Equal(t, quickr.StatusReadyForReview, got.Status, "checks delay is zero in manual mode")
	require.NotEmpty(t, got.Raw)
	require.Equal(t, "Ragnar Lothbrok", got.FormSubmitter.Name)

	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(hooks) >= 2
	}, 5*time.Second, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	for _, h := range hooks {
		// The seed's event shape: the case summary names no reference.
		require.NotContains(t, h["case"].(map[string]any), "reference")
		for k := range h {
			require.Contains(t, []string{"id", "type", "sub_event_type", "created_at", "created_by", "case", "contract"}, k)
		}
		require.Equal(t, created.ID, h["case"].(map[string]any)["id"])
	}
}

func TestSandboxTokenExpiryReauth(t *testing.T) {
	ctx := context.Background()
	c, _, clock, _ := sandboxClient(t)
	_, err := c.CreateCase(ctx, ragnarokCase("ref-1", ""))
	require.NoError(t, err)
	// The sandbox expires tokens after an hour; the client renews ahead of that by itself.
	clock.Advance(2 * time.Hour)
	_, err = c.ListCases(ctx, quickr.ListCasesParams{Limit: 5})
	require.NoError(t, err)
}

func TestSandboxRejectsBadKey(t *testing.T) {
	_, _, _, base := sandboxClient(t)
	c := quickr.New(quickr.Config{BaseURL: base + "/quickr/v2", AccountID: "TQ1234567", APIKey: "wrong"}, nil)
	_, err := c.GetCase(context.Background(), "TQ1234567.100000001")
	require.Error(t, err)
	require.Contains(t, err.Error(), "HTTP 401")
}
