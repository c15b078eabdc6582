package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Quickr contracts and signing. See the choices at the top of quickr.go.

// Contract statuses.
const (
	kUnsigned = "unsigned"
	kSigned   = "signed"
	kExpired  = "expired"
	kClosed   = "closed"
	kRejected = "rejected"
)

type qContract struct {
	ID             string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	Gen            int // bumped by every re-open; timers carry the generation they were set for
	Closed         bool
	Rejected       bool
	RejectedBy     string
	RejectReason   string
	ExpiryNotified bool // CONTRACT_EXPIRED sent for this generation
	Items          []*qSignature
}

// qSignature is one signatory's entry.
type qSignature struct {
	ID        string // sid
	Name      string
	Signatory map[string]any // name, birth_date, email, title
	SignedAt  time.Time
	Token     string // the sign link's token
}

func (k *qContract) allSigned() bool {
	for _, it := range k.Items {
		if it.SignedAt.IsZero() {
			return false
		}
	}
	return len(k.Items) > 0
}

// status is the contract's status at now.
func (k *qContract) status(now time.Time) string {
	switch {
	case k.allSigned():
		return kSigned
	case k.Closed:
		return kClosed
	case k.Rejected:
		return kRejected
	case !now.Before(k.ExpiresAt):
		return kExpired
	default:
		return kUnsigned
	}
}

// eventData is the contract summary contract events carry.
func (k *qContract) eventData(now time.Time, signatory, reason string) map[string]any {
	m := map[string]any{"id": k.ID, "status": k.status(now), "expires_at": k.ExpiresAt.Format(time.RFC3339Nano)}
	if signatory != "" {
		m["signatory"] = signatory
	}
	if reason != "" {
		m["reason"] = reason
	}
	return m
}

// groups renders the contract as the case's contracts[]: an "unsigned" group with every
// entry not signed and a "signed" group, empty groups left out.
func (k *qContract) groups(c *qCase, now time.Time) []map[string]any {
	st := k.status(now)
	var unsigned, signed []map[string]any
	for _, it := range k.Items {
		item := map[string]any{
			"id":              k.ID,
			"signatory_id":    it.ID,
			"signatory":       it.Signatory,
			"contract_status": st,
			"expires_at":      k.ExpiresAt.Format(time.RFC3339Nano),
			"attachments":     []any{},
		}
		if !it.SignedAt.IsZero() {
			item["status"] = kSigned
			item["created_at"] = it.SignedAt.Format(time.RFC3339Nano)
			item["method"] = "BANKID"
			item["signed_result"] = map[string]any{"name": it.Name, "birth_date": it.Signatory["birth_date"]}
			signed = append(signed, item)
			continue
		}
		item["status"] = st
		if st == kUnsigned {
			item["sign_url"] = fmt.Sprintf("%s/quickr/v2/accounts/%s/cases/%s/contracts/%s/signatories/%s/sign?token=%s",
				c.Base, strings.SplitN(c.ID, ".", 2)[0], url.PathEscape(c.ID), k.ID, it.ID, it.Token)
		}
		if st == kRejected {
			item["rejected_by"] = k.RejectedBy
			item["rejected_reason"] = k.RejectReason
		}
		unsigned = append(unsigned, item)
	}
	out := []map[string]any{}
	if len(unsigned) > 0 {
		out = append(out, map[string]any{"type": kUnsigned, "data": unsigned})
	}
	if len(signed) > 0 {
		out = append(out, map[string]any{"type": kSigned, "data": signed})
	}
	return out
}

// contractDoc is what the contract endpoints return.
func (c *qCase) contractDoc(now time.Time) map[string]any {
	doc := map[string]any{"publisher": quickrPublisher(), "contracts": []map[string]any{}}
	if c.FormSubmitter != nil {
		doc["form_submitter"] = c.FormSubmitter
	}
	if c.Contract != nil {
		doc["contracts"] = c.Contract.groups(c, now)
	}
	return doc
}

// signers are the declared signatories, else the signatory prefills.
func (c *qCase) signers() []map[string]any {
	if d := c.declaration("signatory"); len(d) > 0 {
		return d
	}
	return c.prefill("signatory")
}

func (c *qCase) isBoardMember(name string) bool {
	if c.Company == nil {
		return true // nothing to compare with
	}
	for _, p := range c.Company.Board {
		if strings.EqualFold(p.Name, name) {
			return true
		}
	}
	return false
}

// quickrNewContractLocked creates the case's contract, or returns nil when there is nobody
// to sign.
func (s *Server) quickrNewContractLocked(c *qCase, fx *qFx, now time.Time) *qContract {
	signers := c.signers()
	if len(signers) == 0 {
		return nil
	}
	s.quickr.contractSeq++
	k := &qContract{
		ID:        fmt.Sprintf("5a0dc0de-0000-4000-8000-%012d", s.quickr.contractSeq),
		CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.ContractTTL),
	}
	for _, p := range signers {
		s.quickr.sigSeq++
		name, _ := p["name"].(string)
		title, _ := p["title"].(string)
		if title == "" {
			title, _ = p["role"].(string)
		}
		email, _ := p["email"].(string)
		if email == "" && name != "" {
			email = emailFor(name)
		}
		k.Items = append(k.Items, &qSignature{
			ID:        fmt.Sprintf("5a0d5160-0000-4000-8000-%012d", s.quickr.sigSeq),
			Name:      name,
			Signatory: map[string]any{"name": name, "birth_date": p["birth_date"], "email": email, "title": title},
			Token:     fmt.Sprintf("sign_%x%x", s.intn(1<<30), s.intn(1<<30)),
		})
	}
	c.Contract = k
	c.UpdatedAt = now
	s.counters.Add(c.Reference, CountContractsNew)
	s.quickrEmitLocked(c, fx, "CONTRACT_CREATED", k.status(now), k.eventData(now, "", ""))
	s.quickrSignatoryCheckLocked(c, now, "IN_PROGRESS")
	s.quickrScheduleLocked(c, fx, k)
	return k
}

// quickrScheduleLocked queues the contract's expiry timer and, in Auto mode, the signing.
func (s *Server) quickrScheduleLocked(c *qCase, fx *qFx, k *qContract) {
	id, gen, exp := c.ID, k.Gen, k.ExpiresAt
	fx.later = append(fx.later, func() {
		s.after(exp.Sub(s.clock.Now()), func() { s.quickrExpiryDue(id, gen) })
		if s.cfg.Auto {
			s.after(s.cfg.Delays.Sign, func() { _ = s.quickrSign(id, gen, func(*qSignature) bool { return true }) })
		}
	})
}

// quickrSignatoryCheckLocked rewrites the signatory check's data from the contract: one item
// per signatory with CONTRACT_NOT_SIGNED until signed and SIGNATORY_MISMATCH when the
// signatory is not on the test company's board.
func (s *Server) quickrSignatoryCheckLocked(c *qCase, now time.Time, status string) {
	k := c.Contract
	if k == nil {
		return
	}
	at := now.Format(time.RFC3339Nano)
	for _, ch := range c.Checks {
		if ch.Type != "signatory" {
			continue
		}
		ch.Data = nil
		for _, it := range k.Items {
			ref := map[string]any{"type": "signatory", "id": it.ID}
			flags := []map[string]any{}
			if it.SignedAt.IsZero() {
				flags = append(flags, qFlag(flagWarning, "CONTRACT_NOT_SIGNED", ref))
			}
			if !c.isBoardMember(it.Name) {
				flags = append(flags, qFlag(flagWarning, "SIGNATORY_MISMATCH", ref))
			}
			ch.Data = append(ch.Data, qCheckData{Status: status, Flags: flags, Ref: ref, UpdatedAt: at})
		}
	}
}

// quickrSweepLocked applies the clock: a contract past its expiry is announced once.
func (s *Server) quickrSweepLocked(c *qCase, fx *qFx, now time.Time) {
	k := c.Contract
	if k == nil || k.ExpiryNotified || k.status(now) != kExpired {
		return
	}
	k.ExpiryNotified = true
	s.quickrEmitLocked(c, fx, "CONTRACT_EXPIRED", kExpired, k.eventData(now, "", ""))
}

// quickrExpiryDue is the expiry timer of contract generation gen.
func (s *Server) quickrExpiryDue(caseID string, gen int) {
	now := s.clock.Now()
	s.mu.Lock()
	c := s.quickr.cases[caseID]
	if c == nil || c.Contract == nil || c.Contract.Gen != gen {
		s.mu.Unlock()
		return
	}
	fx := &qFx{}
	s.quickrSweepLocked(c, fx, now)
	s.mu.Unlock()
	s.quickrFlush(c, fx)
}

// quickrContractLocked returns the case's contract after applying the clock.
func (s *Server) quickrContractLocked(caseID string, fx *qFx, now time.Time) (*qCase, *qContract, error) {
	c := s.quickr.cases[caseID]
	if c == nil {
		return nil, nil, qNotFound("case_not_found", "no case with id "+caseID)
	}
	if c.Contract == nil {
		return c, nil, qNotFound("contract_not_found", "case "+caseID+" has no contract")
	}
	s.quickrSweepLocked(c, fx, now)
	return c, c.Contract, nil
}

// quickrSign signs every entry that match selects. gen >= 0 limits it to that contract
// generation (Auto mode). Signing a signed entry again changes nothing.
func (s *Server) quickrSign(caseID string, gen int, match func(*qSignature) bool) error {
	now := s.clock.Now()
	fx := &qFx{}
	s.mu.Lock()
	c, k, err := s.quickrContractLocked(caseID, fx, now)
	err = func() error {
		if err != nil {
			return err
		}
		if gen >= 0 && k.Gen != gen {
			return nil // a timer from before a re-open
		}
		switch st := k.status(now); st {
		case kSigned:
			return nil
		case kUnsigned:
		default:
			return qConflict("contract_"+st, "contract "+k.ID+" is "+st+" and cannot be signed")
		}
		matched := false
		for _, it := range k.Items {
			if !match(it) {
				continue
			}
			matched = true
			if it.SignedAt.IsZero() {
				it.SignedAt = now
				s.quickrEmitLocked(c, fx, "SIGNATORY_SIGNED", k.status(now), k.eventData(now, it.Name, ""))
			}
		}
		if !matched {
			return qNotFound("signatory_not_found", "no such signatory on contract "+k.ID)
		}
		c.UpdatedAt = now
		s.quickrSignatoryCheckLocked(c, now, "IN_PROGRESS")
		if k.allSigned() {
			s.quickrEmitLocked(c, fx, "CONTRACT_SIGNED", kSigned, k.eventData(now, "", ""))
			if c.Status == qProcessingDetails {
				s.quickrStartChecksLocked(c, fx, now)
			}
		}
		return nil
	}()
	s.mu.Unlock()
	if c != nil {
		s.quickrFlush(c, fx)
	}
	return err
}

// quickrReject records a signatory's rejection (the first unsigned one when name is empty).
func (s *Server) quickrReject(caseID, name, reason string) error {
	now := s.clock.Now()
	fx := &qFx{}
	s.mu.Lock()
	c, k, err := s.quickrContractLocked(caseID, fx, now)
	err = func() error {
		if err != nil {
			return err
		}
		if st := k.status(now); st != kUnsigned {
			return qConflict("contract_"+st, "contract "+k.ID+" is "+st+" and cannot be rejected")
		}
		var who *qSignature
		for _, it := range k.Items {
			if (name == "" && it.SignedAt.IsZero()) || (name != "" && strings.EqualFold(it.Name, name)) {
				who = it
				break
			}
		}
		if who == nil {
			return qNotFound("signatory_not_found", "no such signatory on contract "+k.ID)
		}
		if !who.SignedAt.IsZero() {
			return qConflict("signatory_signed", who.Name+" has already signed")
		}
		if reason == "" {
			reason = "rejected by signatory"
		}
		k.Rejected, k.RejectedBy, k.RejectReason = true, who.Name, reason
		c.UpdatedAt = now
		s.quickrEmitLocked(c, fx, "CONTRACT_REJECTED", kRejected, k.eventData(now, who.Name, reason))
		return nil
	}()
	s.mu.Unlock()
	if c != nil {
		s.quickrFlush(c, fx)
	}
	return err
}

// quickrExpire makes an unsigned contract expire now (an expired one is left as is).
func (s *Server) quickrExpire(caseID string) error {
	now := s.clock.Now()
	fx := &qFx{}
	s.mu.Lock()
	c, k, err := s.quickrContractLocked(caseID, fx, now)
	if err == nil {
		switch st := k.status(now); st {
		case kExpired:
		case kUnsigned:
			k.ExpiresAt = now
			s.quickrSweepLocked(c, fx, now)
		default:
			err = qConflict("contract_"+st, "contract "+k.ID+" is "+st+" and cannot expire")
		}
	}
	s.mu.Unlock()
	if c != nil {
		s.quickrFlush(c, fx)
	}
	return err
}

// quickrClose closes a contract that is not signed; closing a closed one changes nothing.
func (s *Server) quickrClose(caseID string) error {
	now := s.clock.Now()
	fx := &qFx{}
	s.mu.Lock()
	c, k, err := s.quickrContractLocked(caseID, fx, now)
	if err == nil {
		switch k.status(now) {
		case kSigned:
			err = qConflict("contract_signed", "contract "+k.ID+" is signed and cannot be closed")
		case kClosed:
		default:
			s.quickrCloseLocked(c, fx, now)
		}
	}
	s.mu.Unlock()
	if c != nil {
		s.quickrFlush(c, fx)
	}
	return err
}

// quickrCloseLocked closes the case's contract when it is neither signed nor closed.
func (s *Server) quickrCloseLocked(c *qCase, fx *qFx, now time.Time) {
	k := c.Contract
	if k == nil {
		return
	}
	if st := k.status(now); st == kSigned || st == kClosed {
		return
	}
	k.Closed = true
	s.quickrEmitLocked(c, fx, "CONTRACT_CLOSED", kClosed, k.eventData(now, "", ""))
}

// quickrReopen: create_new_contract_signing. Every signature is cleared and the contract
// gets a new expiry; refused for signed and closed contracts.
func (s *Server) quickrReopen(caseID, contractID string) (map[string]any, error) {
	now := s.clock.Now()
	fx := &qFx{}
	s.mu.Lock()
	c, k, err := s.quickrContractLocked(caseID, fx, now)
	var doc map[string]any
	err = func() error {
		if err != nil {
			return err
		}
		if k.ID != contractID {
			return qNotFound("contract_not_found", "case "+caseID+" has no contract "+contractID)
		}
		switch st := k.status(now); st {
		case kSigned:
			return qConflict("contract_signed", "signing of contract "+k.ID+" is complete; it cannot be re-opened")
		case kClosed:
			return qConflict("contract_closed", "contract "+k.ID+" is closed; closed contracts cannot be re-opened")
		}
		for _, it := range k.Items {
			it.SignedAt = time.Time{}
		}
		k.Gen++
		k.ExpiresAt = now.Add(s.cfg.ContractTTL)
		k.Rejected, k.RejectedBy, k.RejectReason, k.ExpiryNotified = false, "", "", false
		c.UpdatedAt = now
		s.counters.Add(c.Reference, CountContractsReopen)
		s.quickrEmitLocked(c, fx, "CONTRACT_REOPENED", kUnsigned, k.eventData(now, "", ""))
		s.quickrSignatoryCheckLocked(c, now, "IN_PROGRESS")
		s.quickrScheduleLocked(c, fx, k)
		doc = c.contractDoc(now)
		return nil
	}()
	s.mu.Unlock()
	if c != nil {
		s.quickrFlush(c, fx)
	}
	return doc, err
}

// quickrGetContract: GET /cases/{cid}/contracts/{kid}
func (s *Server) quickrGetContract(w http.ResponseWriter, r *http.Request) {
	now := s.clock.Now()
	fx := &qFx{}
	s.mu.Lock()
	c, k, err := s.quickrContractLocked(r.PathValue("cid"), fx, now)
	var doc map[string]any
	if err == nil {
		if k.ID != r.PathValue("kid") {
			err = qNotFound("contract_not_found", "case "+c.ID+" has no contract "+r.PathValue("kid"))
		} else {
			doc = c.contractDoc(now)
		}
	}
	s.mu.Unlock()
	if c != nil {
		s.quickrFlush(c, fx)
	}
	if err != nil {
		writeQErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// readContractActions checks the {"actions":["create_new_contract_signing"]} body; an empty
// body is allowed when allowEmpty.
func readContractActions(w http.ResponseWriter, r *http.Request, allowEmpty bool) bool {
	var in struct {
		Actions []string `json:"actions"`
	}
	if err := readJSON(r, &in); err != nil {
		writeQuickrError(w, http.StatusBadRequest, "invalid_request", "body is not valid JSON: "+err.Error())
		return false
	}
	if in.Actions == nil && allowEmpty {
		return true
	}
	if len(in.Actions) != 1 || in.Actions[0] != "create_new_contract_signing" {
		writeQuickrError(w, http.StatusBadRequest, "validation_error", `actions must be exactly ["create_new_contract_signing"]`)
		return false
	}
	return true
}

// quickrContractAction: POST /cases/{cid}/contracts/{kid} {"actions":["create_new_contract_signing"]}
func (s *Server) quickrContractAction(w http.ResponseWriter, r *http.Request) {
	if !readContractActions(w, r, false) {
		return
	}
	doc, err := s.quickrReopen(r.PathValue("cid"), r.PathValue("kid"))
	if err != nil {
		writeQErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// quickrNewContract: POST /cases/{cid}/contracts/new creates a contract for a declared case
// that has none.
func (s *Server) quickrNewContract(w http.ResponseWriter, r *http.Request) {
	if !readContractActions(w, r, true) {
		return
	}
	now := s.clock.Now()
	fx := &qFx{}
	s.mu.Lock()
	c := s.quickr.cases[r.PathValue("cid")]
	var doc map[string]any
	err := func() error {
		switch {
		case c == nil:
			return qNotFound("case_not_found", "no case with id "+r.PathValue("cid"))
		case c.Contract != nil:
			return qConflict("contract_exists", "case "+c.ID+" already has contract "+c.Contract.ID)
		case c.DeclaredAt.IsZero():
			return qConflict("declaration_not_finished", "the declaration of case "+c.ID+" is not finished")
		case c.Status == qArchived:
			return qConflict("case_archived", "case "+c.ID+" is archived")
		}
		if s.quickrNewContractLocked(c, fx, now) == nil {
			return qConflict("no_signatories", "case "+c.ID+" has no signatories to sign a contract")
		}
		doc = c.contractDoc(now)
		return nil
	}()
	s.mu.Unlock()
	if c != nil {
		s.quickrFlush(c, fx)
	}
	if err != nil {
		writeQErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// quickrSignLink: GET /cases/{cid}/contracts/{kid}/signatories/{sid}/sign?token= signs at
// once (the sandbox's stand-in for BankID).
func (s *Server) quickrSignLink(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("aid") != s.cfg.Credentials.QuickrAccountID {
		writeQuickrError(w, http.StatusNotFound, "account_not_found", "unknown account")
		return
	}
	cid, kid, sid, token := r.PathValue("cid"), r.PathValue("kid"), r.PathValue("sid"), r.URL.Query().Get("token")
	if token == "" {
		writeQuickrError(w, http.StatusUnauthorized, "unauthorized", "token is required")
		return
	}
	s.mu.Lock()
	var found, tokenOK bool
	if c := s.quickr.cases[cid]; c != nil && c.Contract != nil && c.Contract.ID == kid {
		for _, it := range c.Contract.Items {
			if it.ID == sid {
				found, tokenOK = true, it.Token == token
			}
		}
	}
	s.mu.Unlock()
	switch {
	case !found:
		writeQuickrError(w, http.StatusNotFound, "signatory_not_found", "no such contract signatory")
		return
	case !tokenOK:
		writeQuickrError(w, http.StatusUnauthorized, "unauthorized", "invalid sign token")
		return
	}
	if err := s.quickrSign(cid, -1, func(it *qSignature) bool { return it.ID == sid }); err != nil {
		writeQErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": kSigned, "contract_id": kid, "signatory_id": sid})
}
