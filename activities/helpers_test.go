package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/automation"
	"github.com/merchantflow/onboarding/internal/bankdata"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/webhooksig"
	"github.com/merchantflow/onboarding/providers/creditro"
	"github.com/merchantflow/onboarding/providers/deepidv"
	"github.com/merchantflow/onboarding/providers/idv"
	"github.com/merchantflow/onboarding/providers/openbanking"
	"github.com/merchantflow/onboarding/providers/quickr"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// t0 is where every test's manual clock starts.
var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

var notifySecret = []byte("notify-secret")

// env is one fresh sandbox with real clients, the activities wired to it and an app that
// records notifications. One per test: the test activity environment reuses workflow IDs.
type env struct {
	t      *testing.T
	sb     *sandbox.Server
	srv    *httptest.Server
	clock  *sandbox.ManualClock
	quickr *quickr.Client
	acts   *activities.Activities
	app    *app
	bank   *bankdata.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := sandbox.NewManualClock(t0)
	creds := sandbox.DefaultCredentials()
	sb := sandbox.New(sandbox.Config{Clock: clock, Credentials: creds})
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { srv.Close(); sb.Close() })
	hc := srv.Client()
	q := quickr.New(quickr.Config{BaseURL: srv.URL + "/quickr/v2", AccountID: creds.QuickrAccountID, APIKey: creds.QuickrAPIKey, Now: clock.Now}, hc)
	e := &env{t: t, sb: sb, srv: srv, clock: clock, quickr: q, app: newApp(t)}
	e.acts = &activities.Activities{
		Quickr:            q,
		Creditro:          creditro.New(creditro.Config{BaseURL: srv.URL + "/creditro", APIToken: sandbox.CreditroToken(creds.CreditroCustomerID, time.Time{}), Now: clock.Now}, hc),
		IDV:               idv.New(idv.Config{BaseURL: srv.URL + "/idv", PublicKey: creds.IDVPublicKey, Secret: creds.IDVSecret}, hc),
		CreditTerms:       deepidv.New(deepidv.Config{BaseURL: srv.URL + "/deepidv", APIKey: creds.DeepIDVAPIKey}, hc),
		OpenBanking:       openbanking.New(openbanking.Config{BaseURL: srv.URL + "/openbanking", ClientID: creds.OpenBankingClientID, ClientSecret: creds.OpenBankingSecret, Now: clock.Now}, hc),
		QuickrCallbackURL: "http://127.0.0.1:1/webhooks/quickr",
		IDVCallbackURL:    "http://127.0.0.1:1/webhooks/idv",
		Rules:             automation.Default(),
		NotifyURL:         e.app.srv.URL,
		NotifySecret:      notifySecret,
		Now:               clock.Now,
	}
	keys, err := codec.ParseKeys(mustSpec(t))
	require.NoError(t, err)
	e.bank, err = bankdata.NewStore(t.TempDir(), keys)
	require.NoError(t, err)
	e.acts.BankData = e.bank
	return e
}

func mustSpec(t *testing.T) string {
	spec, err := codec.GenerateSpec("test-1")
	require.NoError(t, err)
	return spec
}

// uploaded stores the sandbox's sample dataset of profile as the gateway would and returns
// its reference.
func (e *env) uploaded(profile string) string {
	raw, err := sandbox.SampleBankData(profile, e.clock.Now())
	require.NoError(e.t, err)
	var d bankdata.Dataset
	require.NoError(e.t, json.Unmarshal(raw, &d))
	require.NoError(e.t, d.Validate(e.clock.Now()))
	sum, err := e.bank.Put(context.Background(), d)
	require.NoError(e.t, err)
	return sum.Ref
}

// activityEnv is a test activity environment with the activities registered.
func (e *env) activityEnv() *testsuite.TestActivityEnvironment {
	var s testsuite.WorkflowTestSuite
	ae := s.NewTestActivityEnvironment()
	ae.RegisterActivity(e.acts)
	return ae
}

// run executes one activity attempt and decodes its result into a new T.
func run[T any](e *env, ae *testsuite.TestActivityEnvironment, fn any, in any) (*T, error) {
	e.t.Helper()
	if ae == nil {
		ae = e.activityEnv()
	}
	val, err := ae.ExecuteActivity(fn, in)
	if err != nil {
		return nil, err
	}
	var out T
	require.NoError(e.t, val.Get(&out))
	return &out, nil
}

// must runs an activity that has to succeed.
func must[T any](e *env, fn any, in any) *T {
	e.t.Helper()
	out, err := run[T](e, nil, fn, in)
	require.NoError(e.t, err)
	return out
}

// control calls a sandbox control endpoint and requires a 2xx answer.
func (e *env) control(method, path, body string) map[string]any {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	require.NoError(e.t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.srv.Client().Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Less(e.t, resp.StatusCode, 300, "%s %s: %s", method, path, b)
	var out map[string]any
	if len(b) > 0 {
		require.NoError(e.t, json.Unmarshal(b, &out))
	}
	return out
}

// errType returns the application error type of an activity failure ("" for none).
func errType(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Type()
	}
	return ""
}

// requireWaiting asserts that an activity attempt ended in StillWaiting, a benign error (no
// error log, no activity failure metric).
func requireWaiting(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, activities.ErrStillWaiting, errType(err), "%v", err)
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, temporal.ApplicationErrorCategoryBenign, ae.Category())
}

// Test companies (providers.md 2.15).
const (
	orgRagnarok = "987654321"
	orgFloki    = "123456789"
	orgEcbert   = "987123654"
	orgRollo    = "159753468"
)

func refFor(org string) string { return "onboarding:NO:" + org }

// createCase creates the company's case through the activity.
func (e *env) createCase(org string) *api.CaseSnapshot {
	e.t.Helper()
	return must[api.CaseSnapshot](e, e.acts.CreateKYCCase, activities.CreateCaseInput{
		Reference: refFor(org),
		Company:   api.Company{OrgNumber: org, Country: "NO"},
		Contact:   api.Person{Name: "Contact Person", Email: "contact@example.test"},
	})
}

// declare finishes the case's declaration with the test company's own data.
func (e *env) declare(org string) {
	e.t.Helper()
	e.control(http.MethodPost, "/control/quickr/cases/"+refFor(org)+"/declare", "")
}

// expire makes the contract of org's case expire unsigned.
func (e *env) expire(org string) {
	e.t.Helper()
	e.control(http.MethodPost, "/control/quickr/cases/"+refFor(org)+"/expire", "")
}

// expiredContractCase is org's case, declared, with its contract expired unsigned.
func (e *env) expiredContractCase(org string) *api.CaseSnapshot {
	e.t.Helper()
	c := e.createCase(org)
	e.declare(org)
	e.expire(org)
	return c
}

// reopenContract re-opens the contract of org's case and requires it to be in the want
// state afterwards, with the sandbox having re-opened org's contracts exactly once in all:
// a retry, a signed contract or a lost response never re-opens a second time.
func (e *env) reopenContract(org string, ref activities.ContractRef, want string) {
	e.t.Helper()
	snap := must[api.CaseSnapshot](e, e.acts.ReopenContract, ref)
	require.Equal(e.t, want, snap.Contract.Status)
	require.Equal(e.t, 1, e.sb.Counters().Get(refFor(org), sandbox.CountContractsReopen))
}

// app stands in for the platform's app: it records every notification and answers with the
// status in reply (200 unless set).
type app struct {
	srv *httptest.Server

	mu       sync.Mutex
	received []received
	reply    []int // statuses to answer with, in order; then 200
	header   map[string]string
}

type received struct {
	Header http.Header
	Body   []byte
	N      api.Notification
}

func newApp(t *testing.T) *app {
	a := &app{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var n api.Notification
		_ = json.Unmarshal(b, &n)
		a.mu.Lock()
		a.received = append(a.received, received{Header: r.Header.Clone(), Body: b, N: n})
		status := http.StatusOK
		if len(a.reply) > 0 {
			status, a.reply = a.reply[0], a.reply[1:]
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		a.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *app) all() []received {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]received(nil), a.received...)
}

func (a *app) ids() []string {
	var out []string
	for _, r := range a.all() {
		out = append(out, r.N.ID)
	}
	return out
}

func (a *app) setHeader(h map[string]string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.header = h
}

func (a *app) answer(statuses ...int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reply = append(a.reply, statuses...)
}

// verify checks a received notification's signature the way the app would.
func verify(t *testing.T, r received, now time.Time) string {
	t.Helper()
	id, err := webhooksig.Verify(r.Header, r.Body, [][]byte{notifySecret}, now, 5*time.Minute)
	require.NoError(t, err)
	return id
}

// ctx is a plain context for direct client calls in tests.
var ctx = context.Background()
