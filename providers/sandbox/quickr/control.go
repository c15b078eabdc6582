package quickr

import (
	"net/http"
	"strings"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
)

// Quickr control endpoints: they play the merchant and the signatories. {ref} is a case id
// or a case reference (the newest case with it). Each answers with the case document
// (200), 404 for an unknown case, contract or signatory, and 409 for a step the case's
// state does not allow. None is faulted or needs auth.
//
//	POST /control/quickr/cases/{ref}/declare  declareInput (all optional; empty = the test
//	     company's own data, finished)
//	POST /control/quickr/cases/{ref}/sign     {"signatory":"name"} (optional; empty = everyone)
//	POST /control/quickr/cases/{ref}/reject   {"reason":"...","signatory":"name"} (both optional)
//	POST /control/quickr/cases/{ref}/expire   no body: the contract expires now
//	POST /control/quickr/cases/{ref}/close    no body: the contract is closed
//	GET  /control/quickr/cases/{ref}          the case document
func (s *Sim) mountControl(r *core.Routes) {
	r.Control("POST", "/cases/{ref}/declare", s.controlDeclare)
	r.Control("POST", "/cases/{ref}/sign", s.controlSign)
	r.Control("POST", "/cases/{ref}/reject", s.controlReject)
	r.Control("POST", "/cases/{ref}/expire", s.controlContract(s.expire))
	r.Control("POST", "/cases/{ref}/close", s.controlContract(s.close))
	r.Control("GET", "/cases/{ref}", s.controlGet)
}

// find resolves a control endpoint's {ref}: a case id or, failing that, the newest case
// with that reference.
func (s *Sim) find(ref string) (*qCase, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := core.IDOrNewest(s.cases, s.order, ref, func(c *qCase) bool { return c.Reference == ref })
	return s.cases[id], ok
}

// controlError answers a control endpoint's failure as {"error": "..."}.
func controlError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	if qe, ok := err.(*qErr); ok {
		status = qe.status
	}
	core.ControlError(w, status, err.Error())
}

// lookup resolves a control endpoint's {ref} with find.
func (s *Sim) lookup() core.Lookup[*qCase] {
	return core.Lookup[*qCase]{Find: s.find, Missing: "no case with id or reference "}
}

// controlCase reads the body into in (when not nil) and resolves {ref}.
func (s *Sim) controlCase(w http.ResponseWriter, r *http.Request, in any) (*qCase, bool) {
	if in != nil && !core.ReadControlBody(w, r, in) {
		return nil, false
	}
	return s.lookup().Resolve(w, r)
}

// controlStep reads the body into in (when not nil), resolves {ref}, runs step on the case
// and answers with the case document, or with the step's refusal.
func (s *Sim) controlStep(w http.ResponseWriter, r *http.Request, in any, step func(caseID string) error) {
	c, ok := s.controlCase(w, r, in)
	if !ok {
		return
	}
	if err := step(c.ID); err != nil {
		controlError(w, err)
		return
	}
	s.controlGet(w, r)
}

// controlDeclare: POST /control/quickr/cases/{ref}/declare
func (s *Sim) controlDeclare(w http.ResponseWriter, r *http.Request) {
	var in declareInput
	s.controlStep(w, r, &in, func(id string) error { return s.declare(id, in) })
}

// controlSign: POST /control/quickr/cases/{ref}/sign {"signatory":"name"}
func (s *Sim) controlSign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Signatory string `json:"signatory"`
	}
	s.controlStep(w, r, &in, func(id string) error {
		return s.sign(id, -1, func(sg *qSignature) bool { return in.Signatory == "" || strings.EqualFold(sg.Name, in.Signatory) })
	})
}

// controlReject: POST /control/quickr/cases/{ref}/reject {"reason":"...","signatory":"name"}
func (s *Sim) controlReject(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Signatory string `json:"signatory"`
		Reason    string `json:"reason"`
	}
	s.controlStep(w, r, &in, func(id string) error { return s.reject(id, in.Signatory, in.Reason) })
}

// controlContract is a bodiless contract step (expire, close).
func (s *Sim) controlContract(step func(caseID string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.controlStep(w, r, nil, step) }
}

// controlGet: GET /control/quickr/cases/{ref} returns the case document without auth.
func (s *Sim) controlGet(w http.ResponseWriter, r *http.Request) {
	s.lookup().Show(func(c *qCase) map[string]any {
		doc, _ := s.load(c.ID)
		return doc
	})(w, r)
}
