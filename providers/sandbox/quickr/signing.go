package quickr

import (
	"strings"
	"time"
)

// The steps that change a contract: signing, rejecting, expiring, closing, re-opening.

// change runs f under the lock and then sends what it queued on the case it returns (nil:
// none). Every state change of a case goes through it, so no webhook or timer is started
// with the lock held.
func (s *Sim) change(f func(fx *qFx, now time.Time) (*qCase, error)) error {
	now := s.core.Now()
	fx := &qFx{}
	s.mu.Lock()
	c, err := f(fx, now)
	s.mu.Unlock()
	if c != nil {
		s.flush(c, fx)
	}
	return err
}

// withContract runs step on the case's contract, after the clock's effects (expiry) are
// applied; an unknown case or a case without contract is a 404.
func (s *Sim) withContract(caseID string, step func(c *qCase, k *qContract, fx *qFx, now time.Time) error) error {
	return s.change(func(fx *qFx, now time.Time) (*qCase, error) {
		c, k, err := s.contractLocked(caseID, fx, now)
		if err != nil {
			return c, err
		}
		return c, step(c, k, fx, now)
	})
}

// refuse is the 409 for a step the contract's status st does not allow.
func refuse(k *qContract, st, step string) error {
	return qConflict("contract_"+st, "contract "+k.ID+" is "+st+" and cannot "+step)
}

// sign signs every entry that match selects. gen >= 0 limits it to that contract
// generation (Auto mode). Signing a signed entry again changes nothing.
func (s *Sim) sign(caseID string, gen int, match func(*qSignature) bool) error {
	return s.withContract(caseID, func(c *qCase, k *qContract, fx *qFx, now time.Time) error {
		if gen >= 0 && k.Gen != gen {
			return nil // a timer from before a re-open
		}
		switch st := k.status(now); st {
		case kSigned:
			return nil
		case kUnsigned:
		default:
			return refuse(k, st, "be signed")
		}
		matched := false
		for _, it := range k.Items {
			if !match(it) {
				continue
			}
			matched = true
			if it.SignedAt.IsZero() {
				it.SignedAt = now
				s.emitLocked(c, fx, "SIGNATORY_SIGNED", k.status(now), k.eventData(now, it.Name, ""))
			}
		}
		if !matched {
			return qNotFound("signatory_not_found", "no such signatory on contract "+k.ID)
		}
		c.UpdatedAt = now
		s.signatoryCheckLocked(c, now, "IN_PROGRESS")
		if k.allSigned() {
			s.emitLocked(c, fx, "CONTRACT_SIGNED", kSigned, k.eventData(now, "", ""))
			if c.Status == qProcessingDetails {
				s.startChecksLocked(c, fx, now)
			}
		}
		return nil
	})
}

// reject records a signatory's rejection (the first unsigned one when name is empty).
func (s *Sim) reject(caseID, name, reason string) error {
	return s.withContract(caseID, func(c *qCase, k *qContract, fx *qFx, now time.Time) error {
		if st := k.status(now); st != kUnsigned {
			return refuse(k, st, "be rejected")
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
		s.emitLocked(c, fx, "CONTRACT_REJECTED", kRejected, k.eventData(now, who.Name, reason))
		return nil
	})
}

// expire makes an unsigned contract expire now (an expired one is left as is).
func (s *Sim) expire(caseID string) error {
	return s.withContract(caseID, func(c *qCase, k *qContract, fx *qFx, now time.Time) error {
		switch st := k.status(now); st {
		case kExpired:
		case kUnsigned:
			k.ExpiresAt = now
			s.sweepLocked(c, fx, now)
		default:
			return refuse(k, st, "expire")
		}
		return nil
	})
}

// close closes a contract that is not signed; closing a closed one changes nothing.
func (s *Sim) close(caseID string) error {
	return s.withContract(caseID, func(c *qCase, k *qContract, fx *qFx, now time.Time) error {
		if k.status(now) == kSigned {
			return qConflict("contract_signed", "contract "+k.ID+" is signed and cannot be closed")
		}
		s.closeLocked(c, fx, now)
		return nil
	})
}

// closeLocked closes the case's contract when it is neither signed nor closed.
func (s *Sim) closeLocked(c *qCase, fx *qFx, now time.Time) {
	k := c.Contract
	if k == nil {
		return
	}
	if st := k.status(now); st == kSigned || st == kClosed {
		return
	}
	k.Closed = true
	s.emitLocked(c, fx, "CONTRACT_CLOSED", kClosed, k.eventData(now, "", ""))
}

// reopen: create_new_contract_signing. Every signature is cleared and the contract gets a
// new expiry; refused for signed and closed contracts.
func (s *Sim) reopen(caseID, contractID string) (map[string]any, error) {
	var doc map[string]any
	err := s.withContract(caseID, func(c *qCase, k *qContract, fx *qFx, now time.Time) error {
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
		s.core.Counters().Add(c.Reference, CountContractsReopen)
		s.emitLocked(c, fx, "CONTRACT_REOPENED", kUnsigned, k.eventData(now, "", ""))
		s.signatoryCheckLocked(c, now, "IN_PROGRESS")
		s.scheduleLocked(c, fx, k)
		doc = c.contractDoc(now)
		return nil
	})
	return doc, err
}
