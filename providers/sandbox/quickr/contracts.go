package quickr

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Contracts: their state, rendering and timers. The steps that change one are in signing.go.

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
	doc := map[string]any{"publisher": publisher(), "contracts": []map[string]any{}}
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

// newContractLocked creates the case's contract, or returns nil when there is nobody
// to sign.
func (s *Sim) newContractLocked(c *qCase, fx *qFx, now time.Time) *qContract {
	signers := c.signers()
	if len(signers) == 0 {
		return nil
	}
	s.contractSeq++
	k := &qContract{
		ID:        fmt.Sprintf("5a0dc0de-0000-4000-8000-%012d", s.contractSeq),
		CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.ContractTTL),
	}
	for _, p := range signers {
		s.sigSeq++
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
			ID:        fmt.Sprintf("5a0d5160-0000-4000-8000-%012d", s.sigSeq),
			Name:      name,
			Signatory: map[string]any{"name": name, "birth_date": p["birth_date"], "email": email, "title": title},
			Token:     fmt.Sprintf("sign_%x%x", s.core.Intn(1<<30), s.core.Intn(1<<30)),
		})
	}
	c.Contract = k
	c.UpdatedAt = now
	s.core.Counters().Add(c.Reference, CountContractsNew)
	s.emitLocked(c, fx, "CONTRACT_CREATED", k.status(now), k.eventData(now, "", ""))
	s.signatoryCheckLocked(c, now, "IN_PROGRESS")
	s.scheduleLocked(c, fx, k)
	return k
}

// scheduleLocked queues the contract's expiry timer and, in Auto mode, the signing.
func (s *Sim) scheduleLocked(c *qCase, fx *qFx, k *qContract) {
	id, gen, exp := c.ID, k.Gen, k.ExpiresAt
	fx.later = append(fx.later, func() {
		s.core.After(exp.Sub(s.core.Now()), func() { s.expiryDue(id, gen) })
		if s.core.Auto() {
			s.core.After(s.cfg.SignDelay, func() { _ = s.sign(id, gen, func(*qSignature) bool { return true }) })
		}
	})
}

// signatoryCheckLocked rewrites the signatory check's data from the contract: one item
// per signatory with CONTRACT_NOT_SIGNED until signed and SIGNATORY_MISMATCH when the
// signatory is not on the test company's board.
func (s *Sim) signatoryCheckLocked(c *qCase, now time.Time, status string) {
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

// sweepLocked applies the clock: a contract past its expiry is announced once.
func (s *Sim) sweepLocked(c *qCase, fx *qFx, now time.Time) {
	k := c.Contract
	if k == nil || k.ExpiryNotified || k.status(now) != kExpired {
		return
	}
	k.ExpiryNotified = true
	s.emitLocked(c, fx, "CONTRACT_EXPIRED", kExpired, k.eventData(now, "", ""))
}

// expiryDue is the expiry timer of contract generation gen.
func (s *Sim) expiryDue(caseID string, gen int) {
	_ = s.change(func(fx *qFx, now time.Time) (*qCase, error) {
		c := s.cases[caseID]
		if c == nil || c.Contract == nil || c.Contract.Gen != gen {
			return nil, nil
		}
		s.sweepLocked(c, fx, now)
		return c, nil
	})
}

// contractLocked returns the case's contract after applying the clock.
func (s *Sim) contractLocked(caseID string, fx *qFx, now time.Time) (*qCase, *qContract, error) {
	c := s.cases[caseID]
	if c == nil {
		return nil, nil, qNotFound("case_not_found", "no case with id "+caseID)
	}
	if c.Contract == nil {
		return c, nil, qNotFound("contract_not_found", "case "+caseID+" has no contract")
	}
	s.sweepLocked(c, fx, now)
	return c, c.Contract, nil
}
