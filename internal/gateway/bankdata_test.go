package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/bankdata"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/gateway"
)

func bankDataServer(t *testing.T, fe *fakeEngine, withStore bool) (http.Handler, *bankdata.Store) {
	t.Helper()
	tokens, err := gateway.ParseTokens("app:shop=" + appToken + ",agent:alice=" + agentToken)
	require.NoError(t, err)
	cfg := gateway.Config{APITokens: tokens, Now: func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }}
	var store *bankdata.Store
	if withStore {
		spec, err := codec.GenerateSpec("k1")
		require.NoError(t, err)
		keys, err := codec.ParseKeys(spec)
		require.NoError(t, err)
		store, err = bankdata.NewStore(t.TempDir(), keys)
		require.NoError(t, err)
		cfg.BankData = store
	}
	return gateway.New(cfg, &fakeTemporal{}, fe, zap.NewNop()).Handler(), store
}

const goodBankData = `{"accounts":[{"id":"acc-1","currency":"NOK","balance":1200.5}],
	"transactions":[{"id":"t1","accountId":"acc-1","amount":9000,"currency":"NOK","date":"2026-11-02"},
	{"id":"t2","accountId":"acc-1","amount":-120.25,"currency":"NOK","date":"2026-11-30"}]}`

func TestBankDataUpload(t *testing.T) {
	fe := &fakeEngine{}
	h, store := bankDataServer(t, fe, true)
	path := "/v1/onboardings/" + wfID + "/bank-data"

	rec := call(t, h, http.MethodPut, path, appToken, goodBankData)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var st api.BankDataStatus
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &st))
	require.True(t, bankdata.ValidRef(st.Upload.Ref))
	require.Equal(t, 2, st.Upload.Transactions)
	require.Equal(t, "2026-11-02", st.Upload.From)
	require.Equal(t, []string{"bank-data " + wfID + " " + st.Upload.Ref + " shop"}, fe.calls, "the engine gets the reference, the caller's name")
	stored, err := store.Get(t.Context(), st.Upload.Ref)
	require.NoError(t, err)
	require.Len(t, stored.Transactions, 2)

	// Refused before anything is stored or sent: every field at fault.
	bad := strings.Replace(goodBankData, `"date":"2026-11-30"`, `"date":"2026-12-24"`, 1)
	bad = strings.Replace(bad, `"currency":"NOK","balance"`, `"currency":"nok","balance"`, 1)
	rec = call(t, h, http.MethodPut, path, appToken, bad)
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "accounts[0].currency")
	require.Len(t, fe.calls, 1)

	rec = call(t, h, http.MethodPut, path, appToken, `{"accounts":[],"transactions":[],"extra":1}`)
	require.Equal(t, http.StatusBadRequest, rec.Code, "unknown fields are refused")
	rec = call(t, h, http.MethodPut, path, agentToken, goodBankData)
	require.Equal(t, http.StatusForbidden, rec.Code, "apps upload, agents do not")

	h, _ = bankDataServer(t, &fakeEngine{}, false)
	rec = call(t, h, http.MethodPut, path, appToken, goodBankData)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
}
