package quickr_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers/sandbox"
	"github.com/merchantflow/onboarding/providers/sandbox/sandboxtest"
)

func TestQuickrContractExpiryReopenSign(t *testing.T) {
	ttl := 72 * time.Hour
	e := qtNew(t, func(c *sandbox.Config) { c.ContractTTL = ttl; c.ChecksDelay = 5 * time.Second })
	id := e.create("onb-1", "987654321", qtAllChecks...)
	doc := e.mustControl("onb-1", "declare", nil)
	require.Equal(t, "PROCESSING_DETAILS", doc["status"])
	items := qtContractItems(doc)
	require.Len(t, items, 3, "one entry per declared signatory")
	kid := items[0]["id"].(string)
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$`, kid)
	for _, it := range items {
		require.Equal(t, kid, it["id"], "every entry carries the contract id")
		require.Equal(t, "unsigned", it["status"])
		require.Equal(t, sandboxtest.T0.Add(ttl).Format(time.RFC3339Nano), it["expires_at"])
		require.NotEmpty(t, it["sign_url"])
	}
	require.Equal(t, []string{"CONTRACT_NOT_SIGNED", "CONTRACT_NOT_SIGNED", "CONTRACT_NOT_SIGNED"}, qtFlags(doc, "signatory"))
	require.Equal(t, 1, e.SB.Counters().Get("onb-1", sandbox.CountContractsNew))

	// One signs, then the contract runs out.
	doc = e.mustControl("onb-1", "sign", map[string]any{"signatory": "Ragnar Lothbrok"})
	require.Equal(t, []string{"CONTRACT_NOT_SIGNED", "CONTRACT_NOT_SIGNED"}, qtFlags(doc, "signatory"))
	e.Clock.Advance(ttl - time.Second)
	require.Equal(t, "unsigned", qtContractStatus(t, e.getCase(id)))
	e.Clock.Advance(time.Second)
	doc = e.getCase(id)
	require.Equal(t, "expired", qtContractStatus(t, doc))
	require.Equal(t, "PROCESSING_DETAILS", doc["status"])
	require.Eventually(t, func() bool { return qtContains(e.hooks.Types(), "CONTRACT_EXPIRED") }, 5*time.Second, 10*time.Millisecond)

	st, out := e.control("onb-1", "sign", nil)
	require.Equal(t, http.StatusConflict, st, out)

	// Re-open: everyone signs again, with a new deadline.
	st, out = e.api(http.MethodPost, "/cases/"+id+"/contracts/"+kid, map[string]any{"actions": []string{"create_new_contract_signing"}})
	require.Equal(t, http.StatusOK, st, out)
	items = qtContractItems(out)
	require.Len(t, items, 3)
	for _, it := range items {
		require.Equal(t, "unsigned", it["status"], "signatures are cleared")
		require.Equal(t, sandboxtest.T0.Add(2*ttl).Format(time.RFC3339Nano), it["expires_at"])
	}
	require.Equal(t, 1, e.SB.Counters().Get("onb-1", sandbox.CountContractsReopen))

	// The old expiry timer must not fire for the new round.
	e.Clock.Advance(ttl - time.Hour)
	require.Equal(t, "unsigned", qtContractStatus(t, e.getCase(id)))

	doc = e.mustControl("onb-1", "sign", nil)
	require.Equal(t, "signed", qtContractStatus(t, doc))
	require.Equal(t, "PROCESSING_DETAILS", doc["status"], "checks take ChecksDelay")
	require.Equal(t, []string{"IN_PROGRESS"}, qtCheckStatuses(doc, "company"))
	e.Clock.Advance(5 * time.Second)
	doc = e.getCase(id)
	require.Equal(t, "READY_FOR_REVIEW", doc["status"])
	require.Equal(t, []string{}, qtFlags(doc, "signatory"))
	require.Equal(t, "signed", doc["contracts"].([]any)[0].(map[string]any)["type"])

	require.Equal(t, []string{
		"CASE_CREATED", "CASE_DECLARED", "CASE_STATUS_UPDATED:PROCESSING_DETAILS", "CONTRACT_CREATED",
		"SIGNATORY_SIGNED", "CONTRACT_EXPIRED", "CONTRACT_REOPENED",
		"SIGNATORY_SIGNED", "SIGNATORY_SIGNED", "SIGNATORY_SIGNED", "CONTRACT_SIGNED",
		"CASE_CHECKS_COMPLETED", "CASE_STATUS_UPDATED:READY_FOR_REVIEW",
	}, e.eventTypes(id))
	require.Eventually(t, func() bool { return len(e.hooks.Types()) == 12 }, 5*time.Second, 10*time.Millisecond,
		"every event but CASE_CREATED is a webhook")
	require.Equal(t, 1, e.SB.Counters().Get("onb-1", sandbox.CountContractsNew))
}

func TestQuickrReopenRefused(t *testing.T) {
	t.Run("signed", func(t *testing.T) {
		e := qtNew(t, nil)
		id := e.create("r", "987654321", "signatory")
		e.mustControl(id, "declare", nil)
		doc := e.mustControl(id, "sign", nil)
		st, out := e.api(http.MethodPost, "/cases/"+id+"/contracts/"+qtContractID(t, doc), map[string]any{"actions": []string{"create_new_contract_signing"}})
		require.Equal(t, http.StatusConflict, st, out)
		require.Equal(t, "contract_signed", out["error"].(map[string]any)["code"])
		require.Equal(t, 0, e.SB.Counters().Get("r", sandbox.CountContractsReopen))
	})
	t.Run("closed by a decline", func(t *testing.T) {
		e := qtNew(t, nil)
		id := e.create("r", "987654321", "signatory")
		doc := e.mustControl(id, "declare", nil)
		st, out := e.api(http.MethodPost, "/cases/"+id+"/agent-decisions", map[string]any{"determined_status": "DECLINED"})
		require.Equal(t, http.StatusOK, st, out)
		require.Equal(t, "closed", qtContractStatus(t, out))
		st, out = e.api(http.MethodPost, "/cases/"+id+"/contracts/"+qtContractID(t, doc), map[string]any{"actions": []string{"create_new_contract_signing"}})
		require.Equal(t, http.StatusConflict, st, out)
		require.Equal(t, "contract_closed", out["error"].(map[string]any)["code"])
	})
	t.Run("closed by control", func(t *testing.T) {
		e := qtNew(t, nil)
		id := e.create("r", "987654321", "signatory")
		e.mustControl(id, "declare", nil)
		doc := e.mustControl(id, "close", nil)
		require.Equal(t, "closed", qtContractStatus(t, doc))
		st, _ := e.control(id, "sign", nil)
		require.Equal(t, http.StatusConflict, st)
		st, _ = e.api(http.MethodPost, "/cases/"+id+"/contracts/"+qtContractID(t, doc), map[string]any{"actions": []string{"create_new_contract_signing"}})
		require.Equal(t, http.StatusConflict, st)
	})
	t.Run("bad body and unknown contract", func(t *testing.T) {
		e := qtNew(t, nil)
		id := e.create("r", "987654321", "signatory")
		doc := e.mustControl(id, "declare", nil)
		st, _ := e.api(http.MethodPost, "/cases/"+id+"/contracts/"+qtContractID(t, doc), map[string]any{"actions": []string{"sign"}})
		require.Equal(t, http.StatusBadRequest, st)
		st, _ = e.api(http.MethodPost, "/cases/"+id+"/contracts/"+qtContractID(t, doc), nil)
		require.Equal(t, http.StatusBadRequest, st)
		st, _ = e.api(http.MethodPost, "/cases/"+id+"/contracts/00000000-0000-4000-8000-000000000000", map[string]any{"actions": []string{"create_new_contract_signing"}})
		require.Equal(t, http.StatusNotFound, st)
		st, _ = e.api(http.MethodGet, "/cases/"+id+"/contracts/00000000-0000-4000-8000-000000000000", nil)
		require.Equal(t, http.StatusNotFound, st)
	})
}

func TestQuickrNewContract(t *testing.T) {
	e := qtNew(t, nil)
	// A signatory section but no signatory check: no contract is generated.
	id := e.create("n", "987654321", "company")
	st, _ := e.api(http.MethodPost, "/cases/"+id+"/contracts/new", nil)
	require.Equal(t, http.StatusConflict, st, "not declared yet")
	doc := e.mustControl(id, "declare", nil)
	require.Equal(t, "READY_FOR_REVIEW", doc["status"])
	require.Empty(t, doc["contracts"])

	st, out := e.api(http.MethodPost, "/cases/"+id+"/contracts/new", map[string]any{"actions": []string{"create_new_contract_signing"}})
	require.Equal(t, http.StatusOK, st, out)
	require.Len(t, qtContractItems(out), 3)
	require.Equal(t, 1, e.SB.Counters().Get("n", sandbox.CountContractsNew))

	st, out = e.api(http.MethodPost, "/cases/"+id+"/contracts/new", nil)
	require.Equal(t, http.StatusConflict, st)
	require.Equal(t, "contract_exists", out["error"].(map[string]any)["code"])

	doc = e.mustControl(id, "sign", nil)
	require.Equal(t, "signed", qtContractStatus(t, doc))
	require.Equal(t, "READY_FOR_REVIEW", doc["status"], "a signed extra contract does not re-run the checks")

	// A case with nobody to sign gets no contract.
	id2 := e.create("n2", "919656395", "signatory")
	e.mustControl(id2, "declare", nil)
	st, out = e.api(http.MethodPost, "/cases/"+id2+"/contracts/new", nil)
	require.Equal(t, http.StatusConflict, st)
	require.Equal(t, "no_signatories", out["error"].(map[string]any)["code"])
}

func TestQuickrReject(t *testing.T) {
	e := qtNew(t, nil)
	id := e.create("rj", "987654321", "signatory", "company")
	e.mustControl(id, "declare", nil)
	e.mustControl(id, "sign", map[string]any{"signatory": "Bjorn Ironside"})
	st, _ := e.control(id, "reject", map[string]any{"signatory": "Bjorn Ironside"})
	require.Equal(t, http.StatusConflict, st, "he already signed")
	st, _ = e.control(id, "reject", map[string]any{"signatory": "Nobody"})
	require.Equal(t, http.StatusNotFound, st)

	doc := e.mustControl(id, "reject", map[string]any{"signatory": "Lagertha Shieldmaiden", "reason": "wrong terms"})
	require.Equal(t, "rejected", qtContractStatus(t, doc))
	require.Equal(t, "PROCESSING_DETAILS", doc["status"])
	var rejected int
	for _, it := range qtContractItems(doc) {
		if it["status"] == "rejected" {
			rejected++
			require.Equal(t, "Lagertha Shieldmaiden", it["rejected_by"])
			require.Equal(t, "wrong terms", it["rejected_reason"])
		}
	}
	require.Equal(t, 2, rejected, "every entry not signed reads rejected")
	st, _ = e.control(id, "sign", nil)
	require.Equal(t, http.StatusConflict, st)
	require.Eventually(t, func() bool { return qtContains(e.hooks.Types(), "CONTRACT_REJECTED") }, 5*time.Second, 10*time.Millisecond)

	// A rejected contract can be re-opened (a new signing round).
	st, out := e.api(http.MethodPost, "/cases/"+id+"/contracts/"+qtContractID(t, doc), map[string]any{"actions": []string{"create_new_contract_signing"}})
	require.Equal(t, http.StatusOK, st, out)
	doc = e.mustControl(id, "sign", nil)
	require.Equal(t, "READY_FOR_REVIEW", doc["status"])
}

// TestQuickrContractControlsNeedADeclaration: before the declaration there is no contract
// to expire or sign.
func TestQuickrContractControlsNeedADeclaration(t *testing.T) {
	for _, step := range []string{"expire", "sign"} {
		t.Run(step, func(t *testing.T) {
			e := qtNew(t, nil)
			id := e.create(step, "987654321", "signatory")
			st, _ := e.control(id, step, nil)
			require.Equal(t, http.StatusNotFound, st, "no contract before the declaration")
		})
	}
}

func TestQuickrExpireControl(t *testing.T) {
	e := qtNew(t, nil)
	id := e.create("x", "987654321", "signatory")
	e.mustControl(id, "declare", nil)
	doc := e.mustControl(id, "expire", nil)
	require.Equal(t, "expired", qtContractStatus(t, doc))
	e.mustControl(id, "expire", nil) // already expired: no change
	require.Equal(t, 1, strings.Count(strings.Join(e.eventTypes(id), ","), "CONTRACT_EXPIRED"))
	// The scheduled expiry later finds nothing to announce.
	e.Clock.Advance(31 * 24 * time.Hour)
	require.Equal(t, 1, strings.Count(strings.Join(e.eventTypes(id), ","), "CONTRACT_EXPIRED"))
}

func TestQuickrSignLink(t *testing.T) {
	e := qtNew(t, nil)
	id := e.create("sl", "123456789", "signatory")
	doc := e.mustControl(id, "declare", nil)
	link := qtContractItems(doc)[0]["sign_url"].(string)
	require.True(t, strings.HasPrefix(link, e.Srv.URL+"/quickr/v2/accounts/TQ1234567/cases/"+id+"/contracts/"))

	st, _ := e.send(http.MethodGet, link[:strings.Index(link, "token=")]+"token=wrong", nil, false)
	require.Equal(t, http.StatusUnauthorized, st)
	st, out := e.send(http.MethodGet, link, nil, false)
	require.Equal(t, http.StatusOK, st, out)
	doc = e.getCase(id)
	require.Equal(t, "signed", qtContractStatus(t, doc))
	require.Equal(t, "READY_FOR_REVIEW", doc["status"])
	it := qtContractItems(doc)[0]
	require.Equal(t, "BANKID", it["method"])
	require.NotContains(t, it, "sign_url", "a signed entry has no link")
}

func TestQuickrAutoMode(t *testing.T) {
	e := qtNew(t, func(c *sandbox.Config) {
		c.Auto = true
		c.Delays = sandbox.Delays{Declare: time.Minute, Sign: 10 * time.Minute}
		c.ChecksDelay = 5 * time.Second
		c.ContractTTL = time.Hour
	})
	id := e.create("auto", "987654321", qtAllChecks...)
	require.Equal(t, "FORM_NOT_STARTED", e.getCase(id)["status"])
	e.Clock.Advance(time.Minute)
	doc := e.getCase(id)
	require.Equal(t, "PROCESSING_DETAILS", doc["status"])
	require.Equal(t, "unsigned", qtContractStatus(t, doc))

	// Re-opening (at t0+3m) restarts the signing delay; the first round's signer (due at
	// t0+11m) must not act.
	e.Clock.Advance(2 * time.Minute)
	st, out := e.api(http.MethodPost, "/cases/"+id+"/contracts/"+qtContractID(t, doc), map[string]any{"actions": []string{"create_new_contract_signing"}})
	require.Equal(t, http.StatusOK, st, out)
	e.Clock.Advance(8 * time.Minute) // t0+11m
	require.Equal(t, "unsigned", qtContractStatus(t, e.getCase(id)))
	e.Clock.Advance(2 * time.Minute) // t0+13m: the second round's signer
	doc = e.getCase(id)
	require.Equal(t, "signed", qtContractStatus(t, doc))
	require.Equal(t, "PROCESSING_DETAILS", doc["status"])
	e.Clock.Advance(5 * time.Second)
	doc = e.getCase(id)
	require.Equal(t, "READY_FOR_REVIEW", doc["status"])
	require.Equal(t, "LOW", doc["risk_level"])
}

func TestQuickrAutoModeExpiresFirst(t *testing.T) {
	e := qtNew(t, func(c *sandbox.Config) {
		c.Auto = true
		c.Delays = sandbox.Delays{Declare: time.Minute, Sign: 2 * time.Hour}
		c.ContractTTL = time.Hour
	})
	id := e.create("auto", "987654321", "signatory")
	e.Clock.Advance(time.Minute)
	require.Equal(t, "PROCESSING_DETAILS", e.getCase(id)["status"])
	e.Clock.Advance(3 * time.Hour)
	require.Equal(t, "expired", qtContractStatus(t, e.getCase(id)), "the signer came too late")
}

func TestQuickrDeclarationAPI(t *testing.T) {
	e := qtNew(t, nil)
	id := e.create("d", "987654321", "company", "bank_account")
	doc := e.getCase(id)
	did := doc["declaration_id"].(string)

	st, out := e.api(http.MethodGet, "/cases/"+id+"/declarations/"+did, nil)
	require.Equal(t, http.StatusOK, st, out)
	require.Empty(t, out["declarations"])
	require.NotEmpty(t, out["prefills"])

	bank := map[string]any{"type": "bank_account", "data": []any{map[string]any{"number": "12345678901", "country": "NO"}}}
	st, out = e.api(http.MethodPut, "/cases/"+id+"/declarations/"+did, map[string]any{"intent": "declarations_update", "declarations": []any{bank}})
	require.Equal(t, http.StatusOK, st, out)
	require.Equal(t, "FORM_IN_PROGRESS", e.getCase(id)["status"])

	for _, bad := range []map[string]any{
		{"intent": "submit", "declarations": []any{}},
		{"intent": "declarations_finish"},
		{"intent": "declarations_finish", "declarations": []any{map[string]any{"data": []any{}}}},
	} {
		st, _ = e.api(http.MethodPut, "/cases/"+id+"/declarations/"+did, bad)
		require.Equal(t, http.StatusBadRequest, st, bad)
	}
	st, _ = e.api(http.MethodPut, "/cases/"+id+"/declarations/"+did, "{")
	require.Equal(t, http.StatusBadRequest, st)
	st, _ = e.api(http.MethodPut, "/cases/"+id+"/declarations/00000000-0000-4000-8000-999999999999", map[string]any{"intent": "declarations_update", "declarations": []any{}})
	require.Equal(t, http.StatusNotFound, st)

	st, out = e.api(http.MethodPut, "/cases/"+id+"/declarations/"+did, map[string]any{"intent": "declarations_finished", "declarations": []any{}})
	require.Equal(t, http.StatusOK, st, out)
	doc = e.getCase(id)
	require.Equal(t, "READY_FOR_REVIEW", doc["status"])
	require.Equal(t, []string{}, qtFlags(doc, "bank_account"))
	st, out = e.api(http.MethodPut, "/cases/"+id+"/declarations/"+did, map[string]any{"intent": "declarations_finish", "declarations": []any{}})
	require.Equal(t, http.StatusConflict, st, out)
	require.Equal(t, []string{
		"CASE_CREATED", "CASE_STATUS_UPDATED:FORM_IN_PROGRESS", "CASE_DECLARED", "CASE_STATUS_UPDATED:PROCESSING_DETAILS",
		"CASE_CHECKS_COMPLETED", "CASE_STATUS_UPDATED:READY_FOR_REVIEW",
	}, e.eventTypes(id))
}

func TestQuickrPartialDeclareControl(t *testing.T) {
	e := qtNew(t, nil)
	id := e.create("p", "987654321", "signatory")
	doc := e.mustControl(id, "declare", map[string]any{"partial": true})
	require.Equal(t, "FORM_IN_PROGRESS", doc["status"])
	require.Empty(t, doc["contracts"])
	doc = e.mustControl(id, "declare", nil)
	require.Equal(t, "PROCESSING_DETAILS", doc["status"])
	st, _ := e.control(id, "declare", nil)
	require.Equal(t, http.StatusConflict, st)
	st, _ = e.control(id, "declare", map[string]any{"signatoryNames": []string{"Nobody"}})
	require.Equal(t, http.StatusNotFound, st)
	st, _ = e.control("no-such-case", "sign", nil)
	require.Equal(t, http.StatusNotFound, st)
}

func TestQuickrControlSignErrors(t *testing.T) {
	e := qtNew(t, nil)
	id := e.create("s", "987654321", "signatory")
	e.mustControl(id, "declare", nil)
	st, _ := e.control(id, "sign", map[string]any{"signatory": "Floki Vilgerdarson"})
	require.Equal(t, http.StatusNotFound, st)
	st, _ = e.control(id, "sign", "{")
	require.Equal(t, http.StatusBadRequest, st)
	e.mustControl(id, "sign", nil)
	e.mustControl(id, "sign", nil) // signing a signed contract again changes nothing
	require.Equal(t, 1, strings.Count(strings.Join(e.eventTypes(id), ","), "CONTRACT_SIGNED"))
}
