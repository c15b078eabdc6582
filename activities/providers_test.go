package activities_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/providers/idv"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// Prior KYC (Creditro) -------------------------------------------------------------------------

func TestLookupPriorKYC(t *testing.T) {
	tests := []struct {
		name       string
		company    api.Company
		wantStatus string
		wantCases  []string // statuses
	}{
		{"approved earlier", api.Company{OrgNumber: orgRagnarok, Country: "NO"}, api.PriorKYCFound, []string{"APPROVED"}},
		{"rejected earlier", api.Company{OrgNumber: orgEcbert, Country: "NO"}, api.PriorKYCFound, []string{"REJECTED"}},
		{"never seen", api.Company{OrgNumber: orgFloki, Country: "NO"}, api.PriorKYCNone, nil},
		{"same number, other country", api.Company{OrgNumber: orgRagnarok, Country: "SE"}, api.PriorKYCNone, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			got := must[api.PriorKYC](e, e.acts.LookupPriorKYC, activities.PriorKYCInput{Company: tt.company})
			require.Equal(t, tt.wantStatus, got.Status)
			var statuses []string
			for _, c := range got.Cases {
				require.NotEmpty(t, c.ID)
				require.NotEmpty(t, c.CreatedAt)
				statuses = append(statuses, c.Status)
			}
			require.Equal(t, tt.wantCases, statuses)
		})
	}
}

func TestLookupPriorKYCFailures(t *testing.T) {
	e := newEnv(t)
	e.control(http.MethodPut, "/control/faults", `{"creditro":{"rateLimit":1,"retryAfter":1000000000}}`)
	_, err := run[api.PriorKYC](e, nil, e.acts.LookupPriorKYC, activities.PriorKYCInput{Company: api.Company{OrgNumber: orgRagnarok}})
	var ae *temporal.ApplicationError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, activities.ErrProviderUnavailable, ae.Type())
	require.False(t, ae.NonRetryable())
	require.Equal(t, 2*time.Minute, ae.NextRetryDelay(), "Creditro asks for a couple of minutes after a 429")

	_, err = run[api.PriorKYC](e, nil, e.acts.LookupPriorKYC, activities.PriorKYCInput{})
	require.Equal(t, activities.ErrInvalidInput, errType(err))

	e.acts.Creditro = nil
	got := must[api.PriorKYC](e, e.acts.LookupPriorKYC, activities.PriorKYCInput{Company: api.Company{OrgNumber: orgRagnarok}})
	require.Equal(t, api.PriorKYCUnavailable, got.Status)
}

// Identity verification ------------------------------------------------------------------------

// Creating a session asks nothing first: the seed documents no lookup (session.list is only
// named among the standard methods), so the activity sends session.create and nothing else,
// and a second start is a second session.
func TestStartIdentityVerificationOnlyCreates(t *testing.T) {
	var calls []string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, r.URL.Path)
		if r.URL.Path != "/api/v1/session.create" {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error_message":"unexpected","error_name":"Unexpected"}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":123,"token":"i_dI5hs7m"}`))
	}))
	defer fake.Close()
	e := newEnv(t)
	e.acts.IDV = idv.New(idv.Config{BaseURL: fake.URL, PublicKey: "public-key-x", Secret: "secret-x"}, fake.Client())
	in := activities.IDVInput{Reference: refFor(orgRagnarok), Person: api.Person{Name: "Ragnar Lothbrok"}}
	got := must[activities.IDVSession](e, e.acts.StartIdentityVerification, in)
	require.Equal(t, activities.IDVSession{ID: 123, Token: "i_dI5hs7m"}, *got)
	require.Equal(t, []string{"/api/v1/session.create"}, calls)

	// Against the sandbox: each start is one session, carrying its token.
	e = newEnv(t)
	ref := refFor(orgRagnarok)
	in.Reference = ref
	first := must[activities.IDVSession](e, e.acts.StartIdentityVerification, in)
	again := must[activities.IDVSession](e, e.acts.StartIdentityVerification, in)
	require.NotEmpty(t, first.Token)
	require.NotEqual(t, first.ID, again.ID)
	require.Equal(t, 2, e.sb.Counters().Get(ref, sandbox.CountIDVSessions))
	doc := e.control(http.MethodGet, "/control/idv/sessions/"+strconv.FormatInt(first.ID, 10), "")
	require.Equal(t, idv.StateCreated, doc["state"])
}

func TestAwaitIdentityVerification(t *testing.T) {
	ragnar := api.Person{Name: "Ragnar Lothbrok", BirthDate: "1980-01-01"}
	tests := []struct {
		name           string
		finish         string
		expected       api.Person
		wantState      string
		wantMatch      bool
		wantMismatches []string
	}{
		{"match", `{}`, ragnar, idv.StateCompleted, true, nil},
		{"match on the birth year only", `{}`, api.Person{Name: "ragnar  LOTHBROK", BirthDate: "1980"}, idv.StateCompleted, true, nil},
		{"someone else", `{"match":false}`, ragnar, idv.StateCompleted, false, []string{"name", "birthDate"}},
		{"same name, other birth date", `{"person":{"name":"Ragnar Lothbrok","birthDate":"1981-02-03"}}`, ragnar, idv.StateCompleted, false, []string{"birthDate"}},
		{"failed", `{"state":"FAILED"}`, ragnar, idv.StateFailed, false, nil},
		{"expired", `{"state":"EXPIRED"}`, ragnar, idv.StateExpired, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ref := refFor(orgRagnarok)
			sess := must[activities.IDVSession](e, e.acts.StartIdentityVerification, activities.IDVInput{Reference: ref, Person: ragnar})
			check := activities.IDVCheck{SessionID: sess.ID, Expected: tt.expected}

			_, err := run[api.IDVResult](e, nil, e.acts.AwaitIdentityVerification, check)
			requireWaiting(t, err)
			e.control(http.MethodPost, "/control/idv/sessions/"+ref+"/start", "")
			_, err = run[api.IDVResult](e, nil, e.acts.AwaitIdentityVerification, check)
			requireWaiting(t, err)

			e.control(http.MethodPost, "/control/idv/sessions/"+ref+"/finish", tt.finish)
			got := must[api.IDVResult](e, e.acts.AwaitIdentityVerification, check)
			require.Equal(t, sess.ID, got.SessionID)
			require.Equal(t, tt.wantState, got.State)
			require.Equal(t, tt.wantMatch, got.Match)
			require.Equal(t, tt.wantMismatches, got.Mismatches)
			if tt.wantState == idv.StateCompleted {
				require.NotEmpty(t, got.VerifiedName)
				require.NotEmpty(t, got.VerifiedBirthDate)
			}
		})
	}
}

func TestIdentityVerificationInput(t *testing.T) {
	e := newEnv(t)
	_, err := run[activities.IDVSession](e, nil, e.acts.StartIdentityVerification, activities.IDVInput{})
	require.Equal(t, activities.ErrInvalidInput, errType(err))
	_, err = run[api.IDVResult](e, nil, e.acts.AwaitIdentityVerification, activities.IDVCheck{SessionID: 999})
	require.Equal(t, activities.ErrProviderRejected, errType(err), "unknown session: 404")
	e.acts.IDV = nil
	_, err = run[activities.IDVSession](e, nil, e.acts.StartIdentityVerification, activities.IDVInput{Reference: "r"})
	require.Equal(t, activities.ErrNotConfigured, errType(err))
}

// Credit analysis (open banking) ---------------------------------------------------------------

func TestStartCreditAnalysisIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ref := refFor(orgRagnarok)
	in := activities.CreditAnalysisInput{Reference: ref, Company: api.Company{OrgNumber: orgRagnarok, Country: "NO"}, BankDataRef: e.uploaded("good")}
	first := must[activities.CreditAnalysisRef](e, e.acts.StartCreditAnalysis, in)
	require.NotEmpty(t, first.CustomerID)
	require.NotEmpty(t, first.AnalysisID)

	again := must[activities.CreditAnalysisRef](e, e.acts.StartCreditAnalysis, in)
	require.Equal(t, first, again)
	counts := e.sb.Counters().For(ref)
	require.Equal(t, 1, counts[sandbox.CountCustomers])
	require.Equal(t, 1, counts[sandbox.CountAnalyses])

	_, err := run[api.CreditAnalysisResult](e, nil, e.acts.AwaitCreditAnalysis, *first)
	requireWaiting(t, err)

	e.control(http.MethodPost, "/control/openbanking/analyses/"+first.AnalysisID+"/finish", "")
	got := must[api.CreditAnalysisResult](e, e.acts.AwaitCreditAnalysis, *first)
	require.Equal(t, first.AnalysisID, got.AnalysisID)
	require.Equal(t, 82.0, got.Score, "820 of 1000")
	require.Empty(t, got.Indicators)
	require.Equal(t, "LOW", got.Insights["riskLevel"])
	require.EqualValues(t, 1, got.Insights["accountCount"])
	require.Equal(t, "NOK", got.Insights["currency"])
	require.Greater(t, got.Insights["totalIncome"], 0.0)

	// A completed analysis is reused as well.
	third := must[activities.CreditAnalysisRef](e, e.acts.StartCreditAnalysis, in)
	require.Equal(t, first, third)
	require.Equal(t, 1, e.sb.Counters().Get(ref, sandbox.CountAnalyses))
}

func TestCreditAnalysisRiskyProfile(t *testing.T) {
	e := newEnv(t)
	ref := refFor(orgRollo)
	r := must[activities.CreditAnalysisRef](e, e.acts.StartCreditAnalysis, activities.CreditAnalysisInput{Reference: ref, Company: api.Company{OrgNumber: orgRollo, Country: "NO"}, BankDataRef: e.uploaded("risky")})
	e.control(http.MethodPost, "/control/openbanking/analyses/"+ref+"/finish", "")
	got := must[api.CreditAnalysisResult](e, e.acts.AwaitCreditAnalysis, *r)
	require.Equal(t, 31.0, got.Score, "the risky upload scores 310 of 1000")
	require.Len(t, got.Indicators, 4)
	require.Equal(t, "HIGH", got.Insights["riskLevel"])
}

func TestCreditAnalysisInput(t *testing.T) {
	e := newEnv(t)
	_, err := run[activities.CreditAnalysisRef](e, nil, e.acts.StartCreditAnalysis, activities.CreditAnalysisInput{Reference: "r"})
	require.Equal(t, activities.ErrInvalidInput, errType(err))
	// No upload, or one the store does not hold: the analysis does not run.
	_, err = run[activities.CreditAnalysisRef](e, nil, e.acts.StartCreditAnalysis, activities.CreditAnalysisInput{Reference: "r", Company: api.Company{OrgNumber: "1"}})
	require.Equal(t, activities.ErrBankDataMissing, errType(err))
	_, err = run[activities.CreditAnalysisRef](e, nil, e.acts.StartCreditAnalysis, activities.CreditAnalysisInput{Reference: "r", Company: api.Company{OrgNumber: "1"}, BankDataRef: "sha256:" + strings.Repeat("0", 64)})
	require.Equal(t, activities.ErrBankDataMissing, errType(err))
	require.Zero(t, e.sb.Counters().Get("r", sandbox.CountAnalyses))
	_, err = run[api.CreditAnalysisResult](e, nil, e.acts.AwaitCreditAnalysis, activities.CreditAnalysisRef{CustomerID: "cus_1"})
	require.Equal(t, activities.ErrInvalidInput, errType(err))
	e.control(http.MethodPut, "/control/faults", `{"openbanking":{"errorRate":1}}`)
	_, err = run[activities.CreditAnalysisRef](e, nil, e.acts.StartCreditAnalysis, activities.CreditAnalysisInput{Reference: "r", Company: api.Company{OrgNumber: "1"}, BankDataRef: e.uploaded("good")})
	require.Equal(t, activities.ErrProviderUnavailable, errType(err))
}

// Credit terms (DeepIDV) -----------------------------------------------------------------------

func creditTermsInput(ref string) activities.CreditTermsInput {
	return activities.CreditTermsInput{
		ExternalID: ref,
		Company:    api.Company{OrgNumber: orgRagnarok, Country: "NO", Name: "Ragnarok AS"},
		Contact:    api.Person{Name: "Ragnar Lothbrok", Email: "ragnar.lothbrok@example.test"},
		Address:    "Kattegat 1, 0150 Oslo",
		Amount:     250000,
		PeriodDays: 60,
	}
}

func TestRequestCreditTermsIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ref := refFor(orgRagnarok)
	first := must[activities.CreditTermsRef](e, e.acts.RequestCreditTerms, creditTermsInput(ref))
	require.NotEmpty(t, first.ID)
	require.NotEmpty(t, first.URL)
	require.False(t, first.Existing)

	again := must[activities.CreditTermsRef](e, e.acts.RequestCreditTerms, creditTermsInput(ref))
	require.True(t, again.Existing)
	require.Equal(t, first.ID, again.ID)
	require.Equal(t, 1, e.sb.Counters().Get(ref, sandbox.CountCreditTerms))

	doc := e.control(http.MethodGet, "/control/deepidv/credit-terms/"+first.ID, "")
	require.Equal(t, "PENDING", doc["status"])
	cfg := doc["Config"].(map[string]any)
	require.Equal(t, "Ragnarok AS", cfg["name"])
	require.Equal(t, "Kattegat 1, 0150 Oslo", cfg["address"])
	require.EqualValues(t, "60", cfg["period"])

	_, err := run[api.CreditTermsResult](e, nil, e.acts.AwaitCreditTerms, *first)
	requireWaiting(t, err)
	e.control(http.MethodPost, "/control/deepidv/credit-terms/"+ref+"/start", "")
	_, err = run[api.CreditTermsResult](e, nil, e.acts.AwaitCreditTerms, *first)
	requireWaiting(t, err)
	e.control(http.MethodPost, "/control/deepidv/credit-terms/"+ref+"/finish", "")
	got := must[api.CreditTermsResult](e, e.acts.AwaitCreditTerms, *first)
	require.Equal(t, api.CreditTermsResult{ID: first.ID, Status: "COMPLETED"}, *got)
}

func TestRequestCreditTermsInput(t *testing.T) {
	e := newEnv(t)
	for name, mutate := range map[string]func(*activities.CreditTermsInput){
		"no external id": func(in *activities.CreditTermsInput) { in.ExternalID = "" },
		"no email":       func(in *activities.CreditTermsInput) { in.Contact.Email = "" },
		"no amount":      func(in *activities.CreditTermsInput) { in.Amount = 0 },
		"odd period":     func(in *activities.CreditTermsInput) { in.PeriodDays = 45 },
		"bad email":      func(in *activities.CreditTermsInput) { in.Contact.Email = "not-an-address" },
	} {
		t.Run(name, func(t *testing.T) {
			in := creditTermsInput("r-" + name)
			mutate(&in)
			_, err := run[activities.CreditTermsRef](e, nil, e.acts.RequestCreditTerms, in)
			require.Equal(t, activities.ErrInvalidInput, errType(err), "%v", err)
		})
	}
	require.Zero(t, e.sb.Counters().Totals()[sandbox.CountCreditTerms])

	// Defaults: one-word contact name, no company name, no address.
	in := creditTermsInput("r-defaults")
	in.Contact.Name, in.Company.Name, in.Address, in.PeriodDays = "Floki", "", "", 0
	ref := must[activities.CreditTermsRef](e, e.acts.RequestCreditTerms, in)
	doc := e.control(http.MethodGet, "/control/deepidv/credit-terms/"+ref.ID, "")
	cfg := doc["Config"].(map[string]any)
	require.Equal(t, orgRagnarok, cfg["name"])
	require.Equal(t, "NO", cfg["address"])
}

// A retry of the session start (the worker died after the provider created the session)
// finds the session in the attempt's heartbeat and takes it back; one that expired meanwhile
// is replaced.
func TestStartIdentityVerificationRetryTakesBackItsSession(t *testing.T) {
	e := newEnv(t)
	ref := refFor(orgRagnarok)
	in := activities.IDVInput{Reference: ref, Person: api.Person{Name: "Ragnar Lothbrok"}}
	first := must[activities.IDVSession](e, e.acts.StartIdentityVerification, in)

	retry := func() activities.IDVSession {
		ae := e.activityEnv()
		ae.SetHeartbeatDetails(*first)
		v, err := ae.ExecuteActivity(e.acts.StartIdentityVerification, in)
		require.NoError(t, err)
		var out activities.IDVSession
		require.NoError(t, v.Get(&out))
		return out
	}
	again := retry()
	require.Equal(t, activities.IDVSession{ID: first.ID, Token: first.Token, Existing: true}, again)
	require.Equal(t, 1, e.sb.Counters().Get(ref, sandbox.CountIDVSessions), "no second session")

	e.control(http.MethodPost, "/control/idv/sessions/"+strconv.FormatInt(first.ID, 10)+"/finish", `{"state":"EXPIRED"}`)
	replaced := retry()
	require.NotEqual(t, first.ID, replaced.ID)
	require.Equal(t, 2, e.sb.Counters().Get(ref, sandbox.CountIDVSessions))
}
