package activities_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/providers/contracttest"
	"github.com/merchantflow/onboarding/providers/idv"
	"github.com/merchantflow/onboarding/providers/quickr"
)

// The requests the engine itself builds, held to the seeds' examples (the clients' own seed
// contract tests cover every call; these cover what the activities put into them).

func quickrFx(t *testing.T, name string) contracttest.Fixture {
	return contracttest.Load(t, "../providers/quickr/testdata/seed/"+name+".json")
}

// CreateKYCCase's case: documented fields, actions, checks, sections and prefills only.
func TestSeedContractCreateKYCCaseRequest(t *testing.T) {
	list, created := quickrFx(t, "case_list.response").Body, quickrFx(t, "case_create.response").Body
	srv := contracttest.NewServer(t, func(r contracttest.Request) contracttest.Answer {
		switch {
		case r.Method == http.MethodPost && r.Path == "/v2/accounts/PQ1230483/auth/token":
			return contracttest.Answer{Body: quickrFx(t, "auth_token.response").Body}
		case r.Method == http.MethodGet && r.Path == "/v2/accounts/PQ1230483/cases":
			return contracttest.Answer{Body: list}
		case r.Method == http.MethodPost && r.Path == "/v2/accounts/PQ1230483/cases":
			return contracttest.Answer{Body: created}
		}
		return contracttest.Answer{Status: http.StatusNotFound, Body: quickrFx(t, "error.response").Body}
	})
	e := newEnv(t)
	e.acts.Quickr = quickr.New(quickr.Config{BaseURL: srv.URL + "/v2", AccountID: "PQ1230483", APIKey: "k"}, srv.Client())
	snap := must[api.CaseSnapshot](e, e.acts.CreateKYCCase, activities.CreateCaseInput{
		Reference: refFor(orgRagnarok),
		Company:   api.Company{OrgNumber: orgRagnarok, Country: "no", Name: "Ragnarok AS"},
		Contact:   api.Person{Name: "Ragnar Lothbrok", Email: "ragnar@example.test"},
	})
	require.Equal(t, "PQ1230485.493019345", snap.ID)
	require.Empty(t, snap.DeclarationURL, "the seed's sample strips it; the onboarding then says so")

	req := srv.Last(t, http.MethodPost, "/cases")
	api := quickrFx(t, "case_create.request")
	contracttest.RequireShape(t, req.Body, api.Body, quickrFx(t, "case_create_guide.request").Body)
	contracttest.RequireEnums(t, req.Body, api.Enums)
}

// StartIdentityVerification's session: the documented request properties only.
func TestSeedContractStartIdentityVerificationRequest(t *testing.T) {
	srv := contracttest.NewServer(t, func(contracttest.Request) contracttest.Answer {
		return contracttest.Answer{Body: contracttest.Load(t, "../providers/idv/testdata/seed/session_create.response.json").Body}
	})
	e := newEnv(t)
	e.acts.IDV = idv.New(idv.Config{BaseURL: srv.URL, PublicKey: "public-key-x", Secret: "secret-x"}, srv.Client())
	got := must[activities.IDVSession](e, e.acts.StartIdentityVerification, activities.IDVInput{Reference: refFor(orgRagnarok), Person: api.Person{Name: "Ragnar Lothbrok"}})
	require.EqualValues(t, 123, got.ID)
	req := srv.Last(t, http.MethodPost, "/session.create")
	contracttest.RequireShape(t, req.Body, contracttest.Load(t, "../providers/idv/testdata/seed/session_create.request.json").Body)
}
