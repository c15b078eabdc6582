// Package deepidv is the sandbox's DeepIDV credit terms provider, served under
// /deepidv/credit-terms.
//
// Sandbox choices where the seed is silent (also in the README):
//   - responses use the seed's example spelling (camelCase, "Config"); the period is accepted
//     as requestedCreditPeriod (field table) or period (example), as a string or a number;
//   - PENDING -> IN_PROGRESS when the applicant opens creditTermsUrl (GET /deepidv/apply/{id})
//     or, in automatic mode, at half of Config.Delay; -> COMPLETED at Config.Delay;
//     manual mode: POST /control/deepidv/credit-terms/{ref}/start and .../finish, {ref} being
//     the credit terms id or externalId;
//   - externalId is not enforced unique (the lookup returns a list), so a client that creates
//     twice is caught by the creditTerms counter;
//   - pages hold 500 items; nextToken is opaque; an unknown id is 404 {"error": "Credit terms
//     not found."} (404 is not in the seed's table).
package deepidv

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
)

// pageSize is the documented page limit.
const pageSize = 500

var periods = map[string]bool{"30": true, "60": true, "90": true}

type terms struct {
	ID, ExternalID, Status, Type, SenderUserID string
	CreatedAt, UpdatedAt                       time.Time
	Period, Name, Address                      string
	Amount                                     float64
	Email, FirstName, LastName                 string
	SendInvite                                 bool
}

// CountCreditTerms counts the credit terms created per externalId (or id).
const CountCreditTerms = "creditTerms"

// Config is what the DeepIDV simulator needs of the sandbox's configuration.
type Config struct {
	APIKey string
	Delay  time.Duration // automatic mode: created -> COMPLETED
}

// Sim is the DeepIDV simulator.
type Sim struct {
	core *core.Core
	cfg  Config

	mu    sync.Mutex // guards the credit terms
	terms map[string]*terms
	order []string // ids, oldest first
	seq   int
}

// New builds the simulator; register it with the core.
func New(c *core.Core, cfg Config) *Sim {
	return &Sim{core: c, cfg: cfg, terms: map[string]*terms{}}
}

// Name is the simulator's fault and counter key.
func (s *Sim) Name() string { return "deepidv" }

// Mount registers the API, the applicant's page and the control endpoints.
func (s *Sim) Mount(r *core.Routes) {
	r.API("POST /deepidv/credit-terms", s.auth(s.create))
	r.API("GET /deepidv/credit-terms", s.auth(s.list))
	r.API("GET /deepidv/credit-terms/externalId/{externalId}", s.auth(s.list))
	r.API("GET /deepidv/credit-terms/{id}", s.auth(s.get))
	// The applicant's link: a browser page, not an API call, so never faulted.
	r.Page("GET /deepidv/apply/{id}", s.apply)

	ref := s.lookup()
	r.Control("GET", "/credit-terms/{ref}", s.controlGet)
	r.Control("POST", "/credit-terms/{ref}/start", ref.Step(func(id string) error { return s.move(id, "IN_PROGRESS") }, s.controlGet))
	r.Control("POST", "/credit-terms/{ref}/finish", ref.Step(func(id string) error { return s.move(id, "COMPLETED") }, s.controlGet))
}

// WriteError answers {"error": "..."} with the seed's message for the status.
func (s *Sim) WriteError(w http.ResponseWriter, status int, code, msg string) {
	writeError(w, status, code, msg)
}

// writeError answers {"error": "..."} with the seed's message for the status.
func writeError(w http.ResponseWriter, status int, _, msg string) {
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
	core.WriteJSON(w, status, map[string]string{"error": msg})
}

// auth checks x-api-key: 403 when missing, 401 when wrong (as the seed has it).
func (s *Sim) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("x-api-key")
		switch {
		case key == "":
			writeError(w, http.StatusForbidden, "", "")
		case key != s.cfg.APIKey:
			writeError(w, http.StatusUnauthorized, "", "")
		default:
			h(w, r)
		}
	}
}

// readInput validates a create body. It returns the reason for a 400.
func readInput(raw map[string]json.RawMessage) (*terms, string) {
	str := func(k string) (string, bool) {
		v, ok := raw[k]
		if !ok {
			return "", true
		}
		var out string
		return out, json.Unmarshal(v, &out) == nil
	}
	t := &terms{Type: "request", Status: "PENDING", SenderUserID: "sandbox-user", SendInvite: true}
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
		if !periods[p] {
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

func (s *Sim) create(w http.ResponseWriter, r *http.Request) {
	var raw map[string]json.RawMessage
	if err := core.ReadJSON(r, &raw); err != nil || raw == nil {
		writeError(w, http.StatusBadRequest, "", "")
		return
	}
	t, reason := readInput(raw)
	if t == nil {
		s.core.Logf("sandbox: deepidv create rejected: %s", reason)
		writeError(w, http.StatusBadRequest, "", reason)
		return
	}
	now := s.core.Now()
	s.mu.Lock()
	s.seq++
	t.ID = fmt.Sprintf("ct-%08x-%04x", 0x5a000000+s.seq, s.core.Intn(1<<16))
	t.CreatedAt, t.UpdatedAt = now, now
	s.terms[t.ID] = t
	s.order = append(s.order, t.ID)
	s.mu.Unlock()

	s.core.Counters().Add(cmp.Or(t.ExternalID, t.ID), CountCreditTerms)
	id := t.ID
	if s.core.Auto() {
		s.core.After(s.cfg.Delay/2, func() { _ = s.move(id, "IN_PROGRESS") })
		s.core.After(s.cfg.Delay, func() { _ = s.move(id, "COMPLETED") })
	}
	applyURL := s.core.PublicURL(r) + "/deepidv/apply/" + t.ID
	core.WriteJSON(w, http.StatusOK, map[string]any{
		"creditTermsId":  t.ID,
		"creditTermsUrl": applyURL,
		"externalId":     t.ExternalID,
		"links":          []string{applyURL, s.core.PublicURL(r) + "/deepidv/credit-terms/" + t.ID},
	})
}

// doc renders a credit terms object as the seed's example does. Call with s.mu held.
func (t *terms) doc() map[string]any {
	return map[string]any{
		"id": t.ID, "externalId": t.ExternalID, "status": t.Status, "type": t.Type,
		"createdAt": t.CreatedAt.UTC().Format(time.RFC3339), "updatedAt": t.UpdatedAt.UTC().Format(time.RFC3339),
		"senderUserId": t.SenderUserID,
		"Config":       map[string]any{"period": t.Period, "name": t.Name, "address": t.Address, "requestedAmount": t.Amount},
	}
}

func (s *Sim) get(w http.ResponseWriter, r *http.Request) {
	doc := core.Locked(&s.mu, func() map[string]any {
		if t, ok := s.terms[r.PathValue("id")]; ok {
			return t.doc()
		}
		return nil
	})
	core.WriteFound(w, doc, func(w http.ResponseWriter) {
		writeError(w, http.StatusNotFound, "", "Credit terms not found.")
	})
}

// list serves GET /credit-terms and GET /credit-terms/externalId/{externalId}.
func (s *Sim) list(w http.ResponseWriter, r *http.Request) {
	offset := 0
	if tok := r.URL.Query().Get("nextToken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
		if err != nil || err2 != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "", "nextToken is invalid")
			return
		}
		offset = n
	}
	ext := r.PathValue("externalId")
	filtered := ext != ""
	s.mu.Lock()
	var matched []*terms
	for _, id := range s.order {
		if t := s.terms[id]; !filtered || t.ExternalID == ext {
			matched = append(matched, t)
		}
	}
	start := min(offset, len(matched))
	end := min(start+pageSize, len(matched))
	page := make([]map[string]any, 0, end-start)
	for _, t := range matched[start:end] {
		page = append(page, t.doc())
	}
	s.mu.Unlock()
	out := map[string]any{"creditTerms": page}
	if end < len(matched) {
		out["nextToken"] = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	}
	core.WriteJSON(w, http.StatusOK, out)
}

// move advances credit terms to status; COMPLETED from PENDING passes IN_PROGRESS.
// Moving to the current status is a no-op; going back is an error.
func (s *Sim) move(id, status string) error {
	rank := map[string]int{"PENDING": 0, "IN_PROGRESS": 1, "COMPLETED": 2}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.terms[id]
	if !ok {
		return fmt.Errorf("no credit terms %s", id)
	}
	if rank[status] < rank[t.Status] {
		return fmt.Errorf("credit terms %s are %s and cannot become %s", id, t.Status, status)
	}
	if t.Status != status {
		t.Status, t.UpdatedAt = status, s.core.Now()
	}
	return nil
}

// apply: GET /deepidv/apply/{id} is the applicant opening the link.
func (s *Sim) apply(w http.ResponseWriter, r *http.Request) {
	if err := s.move(r.PathValue("id"), "IN_PROGRESS"); err != nil && !strings.Contains(err.Error(), "cannot become") {
		http.Error(w, "unknown credit terms link", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = fmt.Fprint(w, "<!doctype html><title>Credit terms</title><p>Sandbox: bank statement upload started.</p>")
}

// lookup resolves {ref}: a credit terms id or, failing that, the newest with that
// externalId.
func (s *Sim) lookup() core.Lookup[string] {
	return core.Lookup[string]{Find: s.find, Missing: "no credit terms with id or externalId "}
}

func (s *Sim) find(ref string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return core.IDOrNewest(s.terms, s.order, ref, func(t *terms) bool { return t.ExternalID == ref })
}

// controlGet: GET /control/deepidv/credit-terms/{ref}
func (s *Sim) controlGet(w http.ResponseWriter, r *http.Request) {
	s.lookup().Show(func(id string) map[string]any {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.terms[id].doc()
	})(w, r)
}
