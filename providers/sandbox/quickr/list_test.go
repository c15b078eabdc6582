package quickr_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/providers/sandbox/sandboxtest"
)

// listIDs lists cases with query and returns their ids and the cursor.
func (e *qtEnv) listIDs(query string) ([]string, string) {
	e.t.Helper()
	st, out := e.api(http.MethodGet, "/cases"+query, nil)
	require.Equal(e.t, http.StatusOK, st, out)
	var ids []string
	for _, c := range out["data"].([]any) {
		ids = append(ids, c.(map[string]any)["id"].(string))
	}
	return ids, out["pagination"].(map[string]any)["cursor"].(string)
}

func TestQuickrListCasesSortAndFilter(t *testing.T) {
	e := qtNew(t, nil)
	a := e.create("ref-a", "987654321", qtAllChecks...)
	e.Clock.Advance(time.Minute)
	b := e.create("ref-b", "987654321", qtAllChecks...)
	e.Clock.Advance(time.Minute)
	c := e.create("ref-c", "987654321", qtAllChecks...)
	e.Clock.Advance(time.Minute)
	e.mustControl("ref-a", "declare", nil) // a's status changes last

	require.Equal(t, sandboxtest.T0.Add(3*time.Minute).Format(time.RFC3339Nano), e.getCase(a)["status_updated_at"])
	require.Equal(t, sandboxtest.T0.Add(time.Minute).Format(time.RFC3339Nano), e.getCase(b)["status_updated_at"])

	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"", []string{a, c, b}}, // default: status_updated_at DESC
		{"?sort_by=status_updated_at&sort_order=DESC", []string{a, c, b}},
		{"?sort_order=ASC", []string{b, c, a}},
		{"?sort_by=created_at", []string{c, b, a}},
		{"?sort_by=created_at&sort_order=ASC", []string{a, b, c}},
		{"?status=PROCESSING_DETAILS", []string{a}},
		{"?status=FORM_NOT_STARTED", []string{c, b}},
		{"?status=FORM_NOT_STARTED&status=PROCESSING_DETAILS&sort_order=ASC", []string{b, c, a}},
		{"?status=ACTIVE", nil},
	} {
		ids, cursor := e.listIDs(tt.query)
		require.Equal(t, tt.want, ids, tt.query)
		require.Empty(t, cursor, tt.query)
	}

	for _, q := range []string{"?status[]=ACTIVE", "?sort_by=updated_at", "?sort_order=desc", "?limit=0", "?limit=101"} {
		st, out := e.api(http.MethodGet, "/cases"+q, nil)
		require.Equal(t, http.StatusBadRequest, st, "%s: %v", q, out)
	}
}

func TestQuickrListCasesPagesAndCountsRequests(t *testing.T) {
	e := qtNew(t, nil)
	var want []string
	for _, ref := range []string{"p1", "p2", "p3", "p4", "p5"} {
		want = append([]string{e.create(ref, "987654321", "company")}, want...)
		e.Clock.Advance(time.Second)
	}
	before := e.SB.Counters().Requests()[sandbox.RequestQuickrListCases]
	var got []string
	query := "?limit=2"
	pages := 0
	for {
		ids, cursor := e.listIDs(query)
		pages++
		got = append(got, ids...)
		if cursor == "" {
			break
		}
		query = "?limit=2&starting_after=" + cursor
	}
	require.Equal(t, want, got)
	require.Equal(t, 3, pages)
	require.Equal(t, before+3, e.SB.Counters().Requests()[sandbox.RequestQuickrListCases])

	// A case whose status changes moves to the top; a cursor naming it is found where it is now.
	e.Clock.Advance(time.Second)
	e.mustControl("p1", "declare", nil)
	ids, _ := e.listIDs("?limit=1")
	require.Equal(t, []string{want[4]}, ids)
}
