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
	if c, ok := s.cases[ref]; ok {
		return c, true
	}
	for i := len(s.order) - 1; i >= 0; i-- {
		if c := s.cases[s.order[i]]; c.Reference == ref {
			return c, true
		}
	}
	return nil, false
}

// controlError answers a control endpoint's failure as {"error": "..."}.
func controlError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	if qe, ok := err.(*qErr); ok {
		status = qe.status
	}
	core.WriteJSON(w, status, map[string]string{"error": err.Error()})
}

// controlCase reads the body into in (when not nil) and resolves {ref}.
func (s *Sim) controlCase(w http.ResponseWriter, r *http.Request, in any) (*qCase, bool) {
	if in != nil {
		if err := core.ReadJSON(r, in); err != nil {
			core.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON: " + err.Error()})
			return nil, false
		}
	}
	c, ok := s.find(r.PathValue("ref"))
	if !ok {
		core.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no case with id or reference " + r.PathValue("ref")})
		return nil, false
	}
	return c, true
}

// controlDeclare: POST /control/quickr/cases/{ref}/declare
func (s *Sim) controlDeclare(w http.ResponseWriter, r *http.Request) {
	var in declareInput
	c, ok := s.controlCase(w, r, &in)
	if !ok {
		return
	}
	if err := s.declare(c.ID, in); err != nil {
		controlError(w, err)
		return
	}
	s.controlGet(w, r)
}

// controlSign: POST /control/quickr/cases/{ref}/sign {"signatory":"name"}
func (s *Sim) controlSign(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Signatory string `json:"signatory"`
	}
	c, ok := s.controlCase(w, r, &in)
	if !ok {
		return
	}
	match := func(sg *qSignature) bool { return in.Signatory == "" || strings.EqualFold(sg.Name, in.Signatory) }
	if err := s.sign(c.ID, -1, match); err != nil {
		controlError(w, err)
		return
	}
	s.controlGet(w, r)
}

// controlReject: POST /control/quickr/cases/{ref}/reject {"reason":"...","signatory":"name"}
func (s *Sim) controlReject(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Signatory string `json:"signatory"`
		Reason    string `json:"reason"`
	}
	c, ok := s.controlCase(w, r, &in)
	if !ok {
		return
	}
	if err := s.reject(c.ID, in.Signatory, in.Reason); err != nil {
		controlError(w, err)
		return
	}
	s.controlGet(w, r)
}

// controlContract wraps a bodiless contract step (expire, close).
func (s *Sim) controlContract(step func(caseID string) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.controlCase(w, r, nil)
		if !ok {
			return
		}
		if err := step(c.ID); err != nil {
			controlError(w, err)
			return
		}
		s.controlGet(w, r)
	}
}

// controlGet: GET /control/quickr/cases/{ref} returns the case document without auth.
func (s *Sim) controlGet(w http.ResponseWriter, r *http.Request) {
	c, ok := s.find(r.PathValue("ref"))
	if !ok {
		core.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no case with id or reference " + r.PathValue("ref")})
		return
	}
	doc, _ := s.load(c.ID)
	core.WriteJSON(w, http.StatusOK, doc)
}
