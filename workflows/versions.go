package workflows

import "go.temporal.io/sdk/workflow"

// Versioning discipline (README, "Upgrading workflow code"). Every change to the commands
// OnboardMerchant issues goes behind workflow.GetVersion, so onboardings already running keep
// replaying the code path they recorded:
//
//   - Changes for new onboardings raise the "onboarding" version, read once at the start of
//     every run (o.v). The code branches on o.v where the old and new command sequences part.
//   - A fix that must also reach onboardings already running gets a change ID of its own,
//     read where the behaviour parts (so only runs that reach that point after the deploy
//     take it, and histories that passed it before keep their old path).
//
// A branch for an old version can go once no running onboarding carries it: the README says
// how to count them.
const (
	changeOnboarding = "onboarding"

	// vOriginal is every onboarding started before versioning existed.
	vOriginal = workflow.DefaultVersion
	// vLongLife: wait timers are cancelled when their wait ends, review reminders send at
	// most one notification per wake-up, the policy is resolved once at start and clamped,
	// providers that refuse our credentials or stay down block instead of failing, and the
	// workflow waits for its handlers before it completes.
	vLongLife workflow.Version = 1
	// vSparseWaits: the waits on the KYC case poll no more; they sleep until a provider event,
	// a reminder or the deadline, and check the case once per wake-up (casewait.go). Events
	// that cannot settle the signing wait are not hints; when the signatures are in, the side
	// checks still running look at once.
	vSparseWaits workflow.Version = 2
	// vProviderContracts: the providers as documented. The credit analysis waits for the
	// bank data the merchant's app uploads (requested by a notification, with its own deadline
	// and reminders) instead of inventing it; the identity session's token reaches the app,
	// and an expired session is replaced; an agent's decision stands when writing it back to
	// Quickr fails (retried, then flagged for ops).
	vProviderContracts workflow.Version = 3
	// vLocalSteps: the cheap steps run inside the workflow task that needs them, as local
	// activities: the case check on a wake-up, the rules and the app's notifications
	// (activityTable's local column), and the read of a polled provider on its event, which
	// ends the wait without a new poll. Each is tried once there; a failure a retry could fix
	// goes on as the ordinary activity (or poll), with its retries, budget and block, so
	// outages behave as before while a prompt wake-up costs one workflow task (intask.go).
	vLocalSteps workflow.Version = 4

	// vLatest is what new onboardings record.
	vLatest = vLocalSteps
)

// changeProviderBlocked brings "blocked, not failed" to onboardings started before
// vLongLife: read only when a provider call fails in a way a person can fix.
const changeProviderBlocked = "provider-blocked"

// changeNoSignalDecisions refuses decisions by signal (they carry no proof of who sent them),
// for every onboarding from the first signal after the deploy; read in the signal handler.
const changeNoSignalDecisions = "no-signal-decisions"

// Fixes of vProviderContracts that also reach onboardings already running, each read where
// its behaviour parts: a run of an older version that reaches that point after the deploy
// takes the fix; one that passed it before keeps the path it recorded.
const (
	// changeBankDataUpload: the credit analysis waits for the merchant's uploaded bank data
	// (the engine has no data of its own to send any more).
	changeBankDataUpload = "bank-data-upload"
	// changeIDVToken: the identity session's token goes to the app, and an expired session
	// is replaced.
	changeIDVToken = "idv-token"
	// changeDecisionStands: a decision Quickr refuses to record stands and is flagged.
	changeDecisionStands = "decision-stands"
)

// takes reports whether this run takes the fix named change: every run of vProviderContracts
// or later, and older runs that reach it after the deploy (recorded as a version marker).
func (o *onboarding) takes(ctx workflow.Context, change string) bool {
	return o.atLeast(vProviderContracts) || workflow.GetVersion(ctx, change, workflow.DefaultVersion, 1) >= 1
}

// atLeast reports whether this run records version v or later of the onboarding.
func (o *onboarding) atLeast(v workflow.Version) bool { return o.v >= v }
