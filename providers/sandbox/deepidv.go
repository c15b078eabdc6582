package sandbox

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DeepIDV credit terms imitation, served under /deepidv/credit-terms.
//
// Sandbox choices where the seed is silent (also in the README):
//   - responses use the seed's example spelling (camelCase, "Config"); the period is accepted
//     as requestedCreditPeriod (field table) or period (example), as a string or a number;
//   - PENDING -> IN_PROGRESS when the applicant opens creditTermsUrl (GET /deepidv/apply/{id})
//     or, in automatic mode, at half of Delays.CreditTerms; -> COMPLETED at Delays.CreditTerms;
//     manual mode: POST /control/deepidv/credit-terms/{ref}/start and .../finish, {ref} being
//     the credit terms id or externalId;
//   - externalId is not enforced unique (the lookup returns a list), so a client that creates
//     twice is caught by the creditTerms counter;
//   - pages hold 500 items; nextToken is opaque; an unknown id is 404 {"error": "Credit terms
//     not found."} (404 is not in the seed's table).

// deepidvPageSize is the documented page limit.
const deepidvPageSize = 500

var deepidvPeriods = map[string]bool{"30": true, "60": true, "90": true}

type deepidvState struct {
	terms map[string]*deepidvTerms
	order []string // ids, oldest first
	seq   int
}

type deepidvTerms struct {
	ID, ExternalID, Status, Type, SenderUserID string
	CreatedAt, UpdatedAt                       time.Time
	Period, Name, Address                      string
	Amount                                     float64
	Email, FirstName, LastName                 string
	SendInvite                                 bool
}

func (s *Server) mountDeepIDV() {
	s.deepidv = &deepidvState{terms: map[string]*deepidvTerms{}}
	s.handle("deepidv", "POST /deepidv/credit-terms", s.deepidvAuth(s.deepidvCreate))
	s.handle("deepidv", "GET /deepidv/credit-terms", s.deepidvAuth(s.deepidvList))
	s.handle("deepidv", "GET /deepidv/credit-terms/externalId/{externalId}", s.deepidvAuth(s.deepidvList))
	s.handle("deepidv", "GET /deepidv/credit-terms/{id}", s.deepidvAuth(s.deepidvGet))
	// The applicant's link: a browser page, not an API call, so never faulted.
	s.mux.HandleFunc("GET /deepidv/apply/{id}", s.deepidvApply)

	s.mux.HandleFunc("GET /control/deepidv/credit-terms/{ref}", s.deepidvControlGet)
	s.mux.HandleFunc("POST /control/deepidv/credit-terms/{ref}/start", s.deepidvControlMove("IN_PROGRESS"))
	s.mux.HandleFunc("POST /control/deepidv/credit-terms/{ref}/finish", s.deepidvControlMove("COMPLETED"))
}

// writeDeepIDVError answers {"error": "..."} with the seed's message for the status.
func writeDeepIDVError(w http.ResponseWriter, status int, _, msg string) {
	switch status {
	case http.StatusBadRequest:
		msg = "Invalid Input."
	case http.StatusUnauthorized:
		msg = "Invalid API key."
	case http.StatusPaymentRequired:
		msg = "Insufficient funds or subscription."
	case http.StatusForbidden:
		msg = "API key is missing."
	case http.StatusTooManyRequests:
		msg = "Rate limit exceeded."
	case http.StatusNotFound:
	default:
		if status >= 500 {
			msg = "Something went wrong."
		}
	}
	writeJSON(w, status, map[string]string{"error": msg})
}

// deepidvAuth checks x-api-key: 403 when missing, 401 when wrong (as the seed has it).
func (s *Server) deepidvAuth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("x-api-key")
		switch {
		case key == "":
			writeDeepIDVError(w, http.StatusForbidden, "", "")
		case key != s.cfg.Credentials.DeepIDVAPIKey:
			writeDeepIDVError(w, http.StatusUnauthorized, "", "")
		default:
			h(w, r)
		}
	}
}

// deepidvInput validates a create body. It returns the reason for a 400.
func deepidvInput(raw map[string]json.RawMessage) (*deepidvTerms, string) {
	str := func(k string) (string, bool) {
		v, ok := raw[k]
		if !ok {
			return "", true
		}
		var out string
		return out, json.Unmarshal(v, &out) == nil
	}
	t := &deepidvTerms{Type: "request", Status: "PENDING", SenderUserID: "sandbox-user", SendInvite: true}
	for _, f := range []struct {
		key string
		dst *string
	}{{"businessEmail", &t.Email}, {"firstName", &t.FirstName}, {"lastName", &t.LastName}, {"businessName", &t.Name}, {"businessAddress", &t.Address}} {
		v, ok := str(f.key)
		if !ok || strings.TrimSpace(v) == "" {
			return nil, f.key + " is required"
		}
		*f.dst = v
	}
	if !strings.Contains(t.Email, "@") {
		return nil, "businessEmail is not an e-mail address"
	}
	var amount json.Number
	if v, ok := raw["requestedCreditAmount"]; !ok || json.Unmarshal(v, &amount) != nil {
		return nil, "requestedCreditAmount is required (number)"
	}
	n, err := amount.Float64()
	if err != nil || n <= 0 {
		return nil, "requestedCreditAmount must be positive"
	}
	t.Amount = n
	ext, ok := str("externalId")
	if !ok {
		return nil, "externalId must be a string"
	}
	t.ExternalID = ext
	t.Period = "30"
	for _, k := range []string{"requestedCreditPeriod", "period"} {
		v, present := raw[k]
		if !present || string(v) == "null" {
			continue
		}
		p := strings.Trim(string(v), `"`)
		if !deepidvPeriods[p] {
			return nil, k + " must be 30, 60 or 90"
		}
		t.Period = p
		break
	}
	if v, present := raw["sendEmailInvite"]; present && string(v) != "null" {
		if json.Unmarshal(v, &t.SendInvite) != nil {
			return nil, "sendEmailInvite must be a boolean"
		}
	}
	return t, ""
}

func (s *Server) deepidvCreate(w http.ResponseWriter, r *http.Request) {
	var raw map[string]json.RawMessage
	if err := readJSON(r, &raw); err != nil || raw == nil {
		writeDeepIDVError(w, http.StatusBadRequest, "", "")
		return
	}
	t, reason := deepidvInput(raw)
	if t == nil {
		s.cfg.Logf("sandbox: deepidv create rejected: %s", reason)
		writeDeepIDVError(w, http.StatusBadRequest, "", reason)
		return
	}
	now := s.clock.Now()
	s.mu.Lock()
	s.deepidv.seq++
	t.ID = fmt.Sprintf("ct-%08x-%04x", 0x5a000000+s.deepidv.seq, s.intn(1<<16))
	t.CreatedAt, t.UpdatedAt = now, now
	s.deepidv.terms[t.ID] = t
	s.deepidv.order = append(s.deepidv.order, t.ID)
	s.mu.Unlock()

	s.counters.Add(cmp.Or(t.ExternalID, t.ID), CountCreditTerms)
	id := t.ID
	if s.cfg.Auto {
		s.after(s.cfg.Delays.CreditTerms/2, func() { _ = s.deepidvMove(id, "IN_PROGRESS") })
		s.after(s.cfg.Delays.CreditTerms, func() { _ = s.deepidvMove(id, "COMPLETED") })
	}
	applyURL := s.publicURL(r) + "/deepidv/apply/" + t.ID
	writeJSON(w, http.StatusOK, map[string]any{
		"creditTermsId":  t.ID,
		"creditTermsUrl": applyURL,
		"externalId":     t.ExternalID,
		"links":          []string{applyURL, s.publicURL(r) + "/deepidv/credit-terms/" + t.ID},
	})
}

// doc renders a credit terms object as the seed's example does. Call with s.mu held.
func (t *deepidvTerms) doc() map[string]any {
	return map[string]any{
		"id": t.ID, "externalId": t.ExternalID, "status": t.Status, "type": t.Type,
		"createdAt": t.CreatedAt.UTC().Format(time.RFC3339), "updatedAt": t.UpdatedAt.UTC().Format(time.RFC3339),
		"senderUserId": t.SenderUserID,
		"Config":       map[string]any{"period": t.Period, "name": t.Name, "address": t.Address, "requestedAmount": t.Amount},
	}
}

func (s *Server) deepidvGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	t, ok := s.deepidv.terms[r.PathValue("id")]
	var doc map[string]any
	if ok {
		doc = t.doc()
	}
	s.mu.Unlock()
	if !ok {
		writeDeepIDVError(w, http.StatusNotFound, "", "Credit terms not found.")
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// deepidvList serves GET /credit-terms and GET /credit-terms/externalId/{externalId}.
func (s *Server) deepidvList(w http.ResponseWriter, r *http.Request) {
	offset := 0
	if tok := r.URL.Query().Get("nextToken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
		if err != nil || err2 != nil || n < 0 {
			writeDeepIDVError(w, http.StatusBadRequest, "", "nextToken is invalid")
			return
		}
		offset = n
	}
	ext := r.PathValue("externalId")
	filtered := ext != ""
	s.mu.Lock()
	var matched []*deepidvTerms
	for _, id := range s.deepidv.order {
		if t := s.deepidv.terms[id]; !filtered || t.ExternalID == ext {
			matched = append(matched, t)
		}
	}
	start := min(offset, len(matched))
	end := min(start+deepidvPageSize, len(matched))
	page := make([]map[string]any, 0, end-start)
	for _, t := range matched[start:end] {
		page = append(page, t.doc())
	}
	s.mu.Unlock()
	out := map[string]any{"creditTerms": page}
	if end < len(matched) {
		out["nextToken"] = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	}
	writeJSON(w, http.StatusOK, out)
}

// deepidvMove advances credit terms to status; COMPLETED from PENDING passes IN_PROGRESS.
// Moving to the current status is a no-op; going back is an error.
func (s *Server) deepidvMove(id, status string) error {
	rank := map[string]int{"PENDING": 0, "IN_PROGRESS": 1, "COMPLETED": 2}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.deepidv.terms[id]
	if !ok {
		return fmt.Errorf("no credit terms %s", id)
	}
	if rank[status] < rank[t.Status] {
		return fmt.Errorf("credit terms %s are %s and cannot become %s", id, t.Status, status)
	}
	if t.Status != status {
		t.Status, t.UpdatedAt = status, s.clock.Now()
	}
	return nil
}

// deepidvApply: GET /deepidv/apply/{id} is the applicant opening the link.
func (s *Server) deepidvApply(w http.ResponseWriter, r *http.Request) {
	if err := s.deepidvMove(r.PathValue("id"), "IN_PROGRESS"); err != nil && !strings.Contains(err.Error(), "cannot become") {
		http.Error(w, "unknown credit terms link", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = fmt.Fprint(w, "<!doctype html><title>Credit terms</title><p>Sandbox: bank statement upload started.</p>")
}

// deepidvFind resolves {ref}: a credit terms id or, failing that, the newest with that
// externalId.
func (s *Server) deepidvFind(ref string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.deepidv.terms[ref]; ok {
		return ref, true
	}
	for i := len(s.deepidv.order) - 1; i >= 0; i-- {
		if t := s.deepidv.terms[s.deepidv.order[i]]; t.ExternalID == ref {
			return t.ID, true
		}
	}
	return "", false
}

// deepidvControlGet: GET /control/deepidv/credit-terms/{ref}
func (s *Server) deepidvControlGet(w http.ResponseWriter, r *http.Request) {
	id, ok := s.deepidvFind(r.PathValue("ref"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no credit terms with id or externalId " + r.PathValue("ref")})
		return
	}
	s.mu.Lock()
	doc := s.deepidv.terms[id].doc()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, doc)
}

// deepidvControlMove: POST /control/deepidv/credit-terms/{ref}/start|finish
func (s *Server) deepidvControlMove(status string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.deepidvFind(r.PathValue("ref"))
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no credit terms with id or externalId " + r.PathValue("ref")})
			return
		}
		if err := s.deepidvMove(id, status); err != nil {
			writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
			return
		}
		s.deepidvControlGet(w, r)
	}
}
