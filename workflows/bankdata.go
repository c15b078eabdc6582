package workflows

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/merchantflow/onboarding/api"
)

// maxBankDataReminders bounds the reminders of the bank-data wait, whatever the policy.
const maxBankDataReminders = 50

// awaitBankData asks the app for the merchant's bank data and waits for the upload, reminding
// the app every BankDataReminderEvery, until BankDataMaxWait has passed. It reports whether
// the data came; without it the credit analysis is unavailable and the rules cannot approve.
func (o *onboarding) awaitBankData(ctx workflow.Context) bool {
	o.wantsBankData = true
	now := workflow.Now(ctx)
	p := o.policy()
	maxWait, every := p.BankDataMaxWait.D(), p.BankDataReminderEvery.D()
	if !o.atLeast(vProviderContracts) {
		// A run started before these policy fields existed: today's defaults, frozen here.
		maxWait, every = 7*24*time.Hour, 2*24*time.Hour
	}
	st := &api.BankDataStatus{RequestedAt: now, Deadline: now.Add(maxWait)}
	if o.status.BankData != nil && o.status.BankData.Upload != nil {
		// Uploaded before it was asked for (the app may send it with the start).
		st.Upload, st.SuppliedAt = o.status.BankData.Upload, o.status.BankData.SuppliedAt
	}
	o.status.BankData = st
	o.status.Deadlines["bankData"] = st.Deadline
	if st.Upload != nil {
		return true
	}
	data := map[string]any{
		"uploadPath": "/v1/onboardings/" + o.status.WorkflowID + "/bank-data",
		"deadline":   st.Deadline.Format(time.RFC3339),
	}
	o.notify(ctx, api.NotifyBankDataRequested,
		"The credit analysis needs the merchant's bank accounts and transactions: upload them to the onboarding.", data)
	supplied := func() bool { return o.status.BankData.Upload != nil }
	for !supplied() {
		now = workflow.Now(ctx)
		if !now.Before(st.Deadline) {
			o.unavailable(ctx, "creditAnalysis", "the merchant's bank data was not uploaded within "+shortDuration(maxWait))
			return false
		}
		next := st.Deadline
		if every > 0 && st.Reminders < maxBankDataReminders {
			if at := st.RequestedAt.Add(time.Duration(st.Reminders+1) * every); at.Before(next) {
				next = at
			}
		}
		ok, err := o.awaitTimeout(ctx, next.Sub(now), "bank data wait: next reminder or deadline", supplied)
		if err != nil || ctx.Err() != nil {
			return false
		}
		if ok || !workflow.Now(ctx).Before(st.Deadline) {
			continue
		}
		st.Reminders++
		data["reminder"] = st.Reminders
		o.notify(ctx, api.NotifyBankDataReminder,
			"Reminder "+strconv.Itoa(st.Reminders)+": the merchant's bank data is still missing; the credit analysis waits for it.", data)
	}
	return true
}

// checkBankData is the supply-bank-data update's validator: nothing that is refused touches
// history.
func (o *onboarding) checkBankData(u api.BankDataUpload) error {
	switch {
	case !o.atLeast(vProviderContracts) && !o.wantsBankData:
		return errors.New("this onboarding started before bank data uploads existed and has not asked for them")
	case o.status.Outcome != "":
		return errors.New("the onboarding has finished (" + string(o.status.Outcome) + ")")
	case !validBankDataRef(u.Ref):
		return errors.New(`ref must be "sha256:" followed by 64 lower-case hex digits`)
	case u.Accounts <= 0 || u.Transactions <= 0:
		return errors.New("the upload must hold accounts and transactions")
	case o.bankDataUsed:
		return errors.New("the credit analysis has already started with the bank data uploaded before")
	}
	if ev := o.status.Evidence.Unavailable["creditAnalysis"]; ev != "" {
		return errors.New("the credit analysis went ahead without it: " + ev)
	}
	return nil
}

// applyBankData records a valid upload; the wait sees it. A second upload before the analysis
// starts replaces the first.
func (o *onboarding) applyBankData(ctx workflow.Context, u api.BankDataUpload) *api.BankDataStatus {
	now := workflow.Now(ctx)
	if o.status.BankData == nil {
		o.status.BankData = &api.BankDataStatus{}
	}
	o.status.BankData.Upload, o.status.BankData.SuppliedAt = &u, &now
	o.note(ctx, "bank data uploaded", strconv.Itoa(u.Accounts)+" account(s), "+strconv.Itoa(u.Transactions)+" transaction(s), "+u.From+" to "+u.To)
	st := *o.status.BankData
	return &st
}

func validBankDataRef(ref string) bool {
	hex, ok := strings.CutPrefix(ref, "sha256:")
	if !ok || len(hex) != 64 {
		return false
	}
	for _, c := range hex {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
