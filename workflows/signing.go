package workflows

import (
	"errors"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/activities"
	"github.com/merchantflow/onboarding/api"
)

// awaitSignature waits until every signatory has signed and Quickr has run its checks,
// re-opening an expired contract up to the policy's renewal limit. A rejected signature sends
// the onboarding to review with the reason.
func (o *onboarding) awaitSignature(ctx workflow.Context) (api.Outcome, string, error) {
	o.setStage(ctx, api.StageAwaitingSignature, "all signatories to sign the contract", nil)
	if o.atLeast(vSparseWaits) {
		defer o.caseTimer.stop() // the last case wait: its timer ends with it
	}
	for {
		since := workflow.Now(ctx)
		var snap api.CaseSnapshot
		var (
			res waitResult
			err error
		)
		if o.atLeast(vSparseWaits) {
			res, snap, err = o.awaitSignatureRound(ctx)
		} else {
			res, err = o.awaitPolled(ctx, pollSpec{
				Kind:     "signature",
				Summary:  "Poll Quickr for the signatures (webhook fallback; sends reminders)",
				Interval: o.policy().SigningPoll.D(),
				// A contract round ends by itself when the contract expires (Quickr: a month).
				MaxWait:  60 * 24 * time.Hour,
				Activity: a.AwaitSignature,
				Arg: func() any {
					// One kind per contract round: reminder ids restart with every round.
					kind := "signature-" + strconv.Itoa(o.status.RenewalsUsed+1)
					return activities.AwaitCaseInput{CaseID: o.kyc.ID, Reference: o.status.WorkflowID,
						Reminders: o.reminders(kind, since, o.policy().SigningReminderEvery, "")}
				},
			}, &snap)
		}
		switch {
		case errors.Is(err, errCancelled):
			return "", "", err
		case res == waitFailed:
			return api.OutcomeFailed, "waiting for the signatures failed: " + cause(err), nil
		case res != waitDone:
			return api.OutcomeFailed, "the contract did not settle within 60 days", nil
		}
		o.updateCase(&snap)
		if !o.atLeast(vSparseWaits) {
			o.status.RemindersSent["signature"] += snap.RemindersSent // counted as sent from v2 on
		}
		c := snap.Contract
		switch {
		case c == nil || c.Status == api.ContractSigned || c.Status == api.ContractNone:
			o.note(ctx, "contract signed", snap.Status)
			return "", "", nil
		case c.Status == api.ContractRejected:
			why := "a signatory rejected the contract"
			if c.RejectReason != "" {
				why += ": " + c.RejectReason
			}
			o.status.ReviewReasons = append(o.status.ReviewReasons, why)
			o.note(ctx, "contract rejected", c.RejectReason)
			return "", "", nil
		case c.Status == api.ContractExpired && o.status.RenewalsUsed < maxRenewals(o.policy()):
			var reopened api.CaseSnapshot
			err := o.call(ctx, "Re-open the expired contract", a.ReopenContract,
				activities.ContractRef{CaseID: o.kyc.ID, Reference: o.status.WorkflowID, ContractID: c.ID}, &reopened)
			if err != nil {
				if ctx.Err() != nil {
					return "", "", errCancelled
				}
				return api.OutcomeFailed, "re-opening the expired contract failed: " + cause(err), nil
			}
			o.status.RenewalsUsed++
			countRenewal(ctx)
			o.updateCase(&reopened)
			o.note(ctx, "contract renewed", "renewal "+strconv.Itoa(o.status.RenewalsUsed)+" of "+strconv.Itoa(maxRenewals(o.policy())))
			o.notify(ctx, api.NotifyContractRenewed, "The contract expired unsigned and was re-opened; every signatory must sign again.",
				map[string]any{"renewal": o.status.RenewalsUsed, "maxRenewals": maxRenewals(o.policy())})
		case c.Status == api.ContractExpired:
			o.archive(ctx, "contract expired after the last renewal")
			return api.OutcomeExpired, "the contract expired unsigned after " + strconv.Itoa(o.status.RenewalsUsed) + " renewal(s)", nil
		default:
			return api.OutcomeFailed, "the contract is " + c.Status + " and cannot be signed", nil
		}
	}
}

// awaitSignatureRound is one contract round's wait from vSparseWaits on. Besides events and
// reminders it checks once just after the contract expires, so an expired contract is
// re-opened at once even when no event says so.
func (o *onboarding) awaitSignatureRound(ctx workflow.Context) (waitResult, api.CaseSnapshot, error) {
	res, chk, err := o.awaitCase(ctx, caseWait{
		Kind:    activities.WaitSignature,
		Summary: "Check the case for the signatures (on an event, a reminder or the contract's expiry)",
		// One kind per contract round: reminder ids restart with every round.
		ReminderKind: "signature-" + strconv.Itoa(o.status.RenewalsUsed+1),
		Every:        func() time.Duration { return o.policy().SigningReminderEvery.D() },
		MaxWait:      60 * 24 * time.Hour, // a round ends by itself when the contract expires (Quickr: a month)
		CheckAt:      o.contractExpiryCheck,
	})
	if chk == nil {
		return res, api.CaseSnapshot{}, err
	}
	return res, chk.Case, err
}

// contractExpiryCheck is a minute after the unsigned contract expires (zero when unknown).
func (o *onboarding) contractExpiryCheck() time.Time {
	c := o.kyc.Contract
	if c == nil || c.Status != api.ContractUnsigned || c.ExpiresAt == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, c.ExpiresAt)
	if err != nil {
		return time.Time{}
	}
	return t.Add(time.Minute)
}
