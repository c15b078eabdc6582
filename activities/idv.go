package activities

import (
	"context"
	"slices"
	"strings"

	"go.temporal.io/sdk/activity"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/callback"
	"github.com/merchantflow/onboarding/providers/idv"
)

// StartIdentityVerification creates an identity verification session for the form submitter
// (session.create), with callback_url = IDVCallbackURL + "/" + the onboarding's token
// (internal/callback), face verification on and Reference (the workflow ID) as reference.
//
// It asks the provider nothing before: the seed documents no way to find an earlier session
// (it only names "list" among the standard methods of a class), so creation never depends on
// one. The seed has no idempotency either, so the activity keeps its own: the session it
// created is recorded as the attempt's heartbeat at once, and a retry (a worker that died,
// an answer that timed out afterwards) takes that session back instead of creating a second,
// unless it has failed or expired. Only a death between the provider's answer and that
// heartbeat can still leave an unused session, which expires. The activity's timeout and
// retries are the seed's rule (RetryOptions(idv.Provider)).
func (a *Activities) StartIdentityVerification(ctx context.Context, in IDVInput) (*IDVSession, error) {
	if in.Reference == "" {
		return nil, invalidInput("reference is required")
	}
	if a.IDV == nil {
		return nil, notConfigured("idv")
	}
	if activity.HasHeartbeatDetails(ctx) {
		var prev IDVSession
		if activity.GetHeartbeatDetails(ctx, &prev) == nil && prev.ID != 0 {
			s, err := a.IDV.GetSession(ctx, prev.ID)
			if err != nil {
				return nil, providerError(err)
			}
			if s.State != idv.StateFailed && s.State != idv.StateExpired {
				activity.GetLogger(ctx).Info("IDV session created by an earlier attempt", "sessionId", prev.ID, "state", s.State)
				prev.Existing = true
				return &prev, nil
			}
		}
	}
	callbackURL, err := a.callbackURL(a.IDVCallbackURL, callback.IDV, in.Reference)
	if err != nil {
		return nil, err
	}
	created, err := a.IDV.CreateSession(ctx, idv.CreateSessionInput{
		CallbackURL:      callbackURL,
		FaceVerification: true,
		Reference:        in.Reference,
	})
	if err != nil {
		return nil, providerError(err)
	}
	out := &IDVSession{ID: created.ID, Token: created.Token}
	// Before anything else can fail: a retry of this activity finds the session here.
	activity.RecordHeartbeat(ctx, *out)
	return out, nil
}

// AwaitIdentityVerification polls the session until it is COMPLETED, FAILED or EXPIRED
// (StillWaiting before that) and compares the verified identity with Expected:
//   - name: the verified given names + surname against Expected.Name, ignoring case, accents,
//     punctuation, spacing and word order; a declared name that leaves out middle names still
//     matches when it has at least two words and all of them are among the verified ones. An
//     empty Expected.Name is a mismatch (nothing to confirm).
//   - birthDate: date_of_birth against Expected.BirthDate; a bare year (the seed's UBO dates)
//     is compared as a year. An empty Expected.BirthDate is not compared.
//
// FAILED and EXPIRED sessions give Match false with their state and no mismatch list.
func (a *Activities) AwaitIdentityVerification(ctx context.Context, in IDVCheck) (*api.IDVResult, error) {
	if in.SessionID == 0 {
		return nil, invalidInput("sessionId is required")
	}
	if a.IDV == nil {
		return nil, notConfigured("idv")
	}
	s, err := a.IDV.GetSession(ctx, in.SessionID)
	if err != nil {
		return nil, providerError(err)
	}
	if !idv.Terminal(s.State) {
		return nil, stillWaiting("IDV session %d is %s", in.SessionID, s.State)
	}
	res := &api.IDVResult{SessionID: in.SessionID, State: s.State}
	if s.State != idv.StateCompleted {
		return res, nil
	}
	res.VerifiedName = strings.TrimSpace(s.GivenNames + " " + s.Surname)
	res.VerifiedBirthDate = s.DateOfBirth
	if !namesMatch(in.Expected.Name, res.VerifiedName) {
		res.Mismatches = append(res.Mismatches, "name")
	}
	if !birthDatesMatch(in.Expected.BirthDate, s.DateOfBirth) {
		res.Mismatches = append(res.Mismatches, "birthDate")
	}
	res.Match = len(res.Mismatches) == 0
	return res, nil
}

// namesMatch compares a declared and a verified name (see AwaitIdentityVerification).
func namesMatch(declared, verified string) bool {
	want, got := nameWords(declared), nameWords(verified)
	if len(want) == 0 || len(got) == 0 {
		return false
	}
	slices.Sort(want)
	slices.Sort(got)
	if slices.Equal(want, got) {
		return true
	}
	if len(want) < 2 || len(want) > len(got) {
		return false
	}
	rest := slices.Clone(got)
	for _, w := range want {
		i := slices.Index(rest, w)
		if i < 0 {
			return false
		}
		rest = slices.Delete(rest, i, i+1)
	}
	return true
}

// birthDatesMatch compares a declared birth date (YYYY-MM-DD or a bare YYYY) with a verified
// YYYY-MM-DD; an empty declared date is not compared.
func birthDatesMatch(declared, verified string) bool {
	declared, verified = strings.TrimSpace(declared), strings.TrimSpace(verified)
	switch {
	case declared == "":
		return true
	case len(declared) == 4:
		return strings.HasPrefix(verified, declared)
	default:
		return len(declared) >= 10 && len(verified) >= 10 && declared[:10] == verified[:10]
	}
}
