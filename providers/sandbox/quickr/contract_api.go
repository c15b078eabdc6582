package quickr

import (
	"net/http"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
)

// The contract endpoints of the API and the sign link.

// getContract: GET /cases/{cid}/contracts/{kid}
func (s *Sim) getContract(w http.ResponseWriter, r *http.Request) {
	var doc map[string]any
	err := s.withContract(r.PathValue("cid"), func(c *qCase, k *qContract, _ *qFx, now time.Time) error {
		if k.ID != r.PathValue("kid") {
			return qNotFound("contract_not_found", "case "+c.ID+" has no contract "+r.PathValue("kid"))
		}
		doc = c.contractDoc(now)
		return nil
	})
	writeDoc(w, doc, err)
}

// writeDoc answers doc, or err in Quickr's error shape.
func writeDoc(w http.ResponseWriter, doc map[string]any, err error) {
	if err != nil {
		writeQErr(w, err)
		return
	}
	core.WriteJSON(w, http.StatusOK, doc)
}

// readContractActions checks the {"actions":["create_new_contract_signing"]} body; an empty
// body is allowed when allowEmpty.
func readContractActions(w http.ResponseWriter, r *http.Request, allowEmpty bool) bool {
	var in struct {
		Actions []string `json:"actions"`
	}
	if err := core.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "body is not valid JSON: "+err.Error())
		return false
	}
	if in.Actions == nil && allowEmpty {
		return true
	}
	if len(in.Actions) != 1 || in.Actions[0] != "create_new_contract_signing" {
		writeError(w, http.StatusBadRequest, "validation_error", `actions must be exactly ["create_new_contract_signing"]`)
		return false
	}
	return true
}

// contractAction: POST /cases/{cid}/contracts/{kid} {"actions":["create_new_contract_signing"]}
func (s *Sim) contractAction(w http.ResponseWriter, r *http.Request) {
	if !readContractActions(w, r, false) {
		return
	}
	doc, err := s.reopen(r.PathValue("cid"), r.PathValue("kid"))
	writeDoc(w, doc, err)
}

// newContract: POST /cases/{cid}/contracts/new creates a contract for a declared case
// that has none.
func (s *Sim) newContract(w http.ResponseWriter, r *http.Request) {
	if !readContractActions(w, r, true) {
		return
	}
	var doc map[string]any
	err := s.change(func(fx *qFx, now time.Time) (*qCase, error) {
		c := s.cases[r.PathValue("cid")]
		switch {
		case c == nil:
			return nil, qNotFound("case_not_found", "no case with id "+r.PathValue("cid"))
		case c.Contract != nil:
			return c, qConflict("contract_exists", "case "+c.ID+" already has contract "+c.Contract.ID)
		case c.DeclaredAt.IsZero():
			return c, qConflict("declaration_not_finished", "the declaration of case "+c.ID+" is not finished")
		case c.Status == qArchived:
			return c, qConflict("case_archived", "case "+c.ID+" is archived")
		}
		if s.newContractLocked(c, fx, now) == nil {
			return c, qConflict("no_signatories", "case "+c.ID+" has no signatories to sign a contract")
		}
		doc = c.contractDoc(now)
		return c, nil
	})
	writeDoc(w, doc, err)
}

// signLink: GET /cases/{cid}/contracts/{kid}/signatories/{sid}/sign?token= signs at
// once (the sandbox's stand-in for BankID).
func (s *Sim) signLink(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("aid") != s.cfg.AccountID {
		writeError(w, http.StatusNotFound, "account_not_found", "unknown account")
		return
	}
	cid, kid, sid, token := r.PathValue("cid"), r.PathValue("kid"), r.PathValue("sid"), r.URL.Query().Get("token")
	if token == "" {
		writeError(w, http.StatusUnauthorized, "unauthorized", "token is required")
		return
	}
	s.mu.Lock()
	var found, tokenOK bool
	if c := s.cases[cid]; c != nil && c.Contract != nil && c.Contract.ID == kid {
		for _, it := range c.Contract.Items {
			if it.ID == sid {
				found, tokenOK = true, it.Token == token
			}
		}
	}
	s.mu.Unlock()
	switch {
	case !found:
		writeError(w, http.StatusNotFound, "signatory_not_found", "no such contract signatory")
		return
	case !tokenOK:
		writeError(w, http.StatusUnauthorized, "unauthorized", "invalid sign token")
		return
	}
	if err := s.sign(cid, -1, func(it *qSignature) bool { return it.ID == sid }); err != nil {
		writeQErr(w, err)
		return
	}
	core.WriteJSON(w, http.StatusOK, map[string]any{"status": kSigned, "contract_id": kid, "signatory_id": sid})
}
