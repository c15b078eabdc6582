package gateway

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSeenEventsStayWithinTheirByteBudget(t *testing.T) {
	const budget = 64 << 10
	s := newSeenEvents(budget)
	for i := range 10_000 {
		key := fmt.Sprintf("quickr\x00onboarding:NO:%09d\x00%s", i, strings.Repeat("e", i%128))
		require.True(t, s.add(key))
		used, _ := s.size()
		require.LessOrEqual(t, used, budget)
	}
	used, n := s.size()
	require.Greater(t, used, budget-(128+200), "the budget is used, not wasted")
	require.Less(t, n, 10_000, "old keys were forgotten")

	require.False(t, s.add(fmt.Sprintf("quickr\x00onboarding:NO:%09d\x00%s", 9999, strings.Repeat("e", 9999%128))), "the newest is remembered")
	require.True(t, s.add(fmt.Sprintf("quickr\x00onboarding:NO:%09d\x00", 0)), "the oldest is forgotten")

	s.remove("quickr\x00onboarding:NO:000000000\x00")
	require.True(t, s.add("quickr\x00onboarding:NO:000000000\x00"), "removed keys are new again")

	huge := strings.Repeat("k", budget)
	require.True(t, s.add(huge))
	require.True(t, s.add(huge), "a key over the whole budget is never kept")
	used2, n2 := s.size()
	require.LessOrEqual(t, used2, budget)
	require.NotZero(t, n2, "and it evicted nothing")
}

func TestAccessLogRedactsCallbackTokens(t *testing.T) {
	for in, want := range map[string]string{
		"/webhooks/quickr/b25ib2FyZGluZw.AAAA":  "/webhooks/quickr/REDACTED",
		"/webhooks/idv/x/y":                     "/webhooks/idv/REDACTED",
		"/webhooks/quickr":                      "/webhooks/quickr",
		"/codec/t/s3cret/decode":                "/codec/t/REDACTED/decode",
		"/v1/onboardings/onboarding:NO:1234567": "/v1/onboardings/onboarding:NO:1234567",
	} {
		require.Equal(t, want, redactPath(in), in)
	}
}
