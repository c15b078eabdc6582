package quickr

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
	"github.com/merchantflow/onboarding/providers/sandbox/seeddata"
)

// Creating, reading and listing cases.

type createBody struct {
	Actions   []string   `json:"actions"`
	Reference string     `json:"reference"`
	Prefills  []typeData `json:"prefills"`
	Sections  []struct {
		Type string `json:"type"`
	} `json:"sections"`
	Checks []struct {
		Type    string         `json:"type"`
		Options map[string]any `json:"options"`
	} `json:"checks"`
	Automations []struct {
		ID string `json:"id"`
	} `json:"automations"`
	URLs     map[string]string `json:"urls"`
	Metadata map[string]string `json:"metadata"`
}

var actions = map[string]bool{
	"request_declaration": true, "perform_checks": true,
	"enable_declaration_notifications": true, "enable_signing_notifications": true,
}

func (s *Sim) createCase(w http.ResponseWriter, r *http.Request) {
	var in createBody
	if err := core.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", "body is not valid JSON: "+err.Error())
		return
	}
	if len(in.Sections) == 0 || len(in.Checks) == 0 {
		writeError(w, http.StatusBadRequest, "validation_error", "sections and checks must be non-empty")
		return
	}
	for _, a := range in.Actions {
		if !actions[a] {
			writeError(w, http.StatusBadRequest, "validation_error", "unknown action "+a)
			return
		}
	}
	for _, ch := range in.Checks {
		if strings.TrimSpace(ch.Type) == "" {
			writeError(w, http.StatusBadRequest, "validation_error", "every check needs a type")
			return
		}
	}
	now := s.core.Now()
	s.mu.Lock()
	s.seq++
	c := &qCase{
		ID:                  s.cfg.AccountID + "." + s.core.Token(9),
		Reference:           in.Reference,
		Actions:             in.Actions,
		Prefills:            in.Prefills,
		CallbackURL:         in.URLs["callback_url"],
		Metadata:            in.Metadata,
		CreatedAt:           now,
		UpdatedAt:           now,
		StatusUpdatedAt:     now,
		StatusUpdatedReason: "case_created",
		DeclarationID:       fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq),
		Base:                s.core.PublicURL(r),
	}
	if len(c.Actions) == 0 {
		c.Actions = []string{"request_declaration"}
	}
	for _, sec := range in.Sections {
		c.Sections = append(c.Sections, sec.Type)
	}
	for _, ch := range in.Checks {
		c.Checks = append(c.Checks, &qCheck{Type: ch.Type, Options: ch.Options, Data: []qCheckData{notStarted()}})
	}
	for _, a := range in.Automations {
		c.Automations = append(c.Automations, map[string]any{"id": a.ID, "updated_at": now.Format(time.RFC3339Nano)})
	}
	c.DeclarationURL = fmt.Sprintf("%s/quickr/forms/%s", c.Base, c.ID)
	s.applyPrefill(c)
	performOnly := slices.Contains(c.Actions, "perform_checks") && !slices.Contains(c.Actions, "request_declaration")
	// A case with only a credit_score check completes by itself (the seed's third life cycle).
	creditOnly := true
	for _, ch := range c.Checks {
		creditOnly = creditOnly && ch.Type == "credit_score"
	}
	checksNow := performOnly || creditOnly
	if checksNow {
		c.Status = qProcessingDetails
		c.setChecksStatus("IN_PROGRESS", now)
	} else {
		c.Status = qFormNotStarted
	}
	s.cases[c.ID] = c
	s.order = append(s.order, c.ID)
	s.emitLocked(c, nil, "CASE_CREATED", "", nil)
	doc := c.doc(now)
	s.mu.Unlock()

	s.core.Counters().Add(c.Reference, CountCases)
	if checksNow {
		s.core.Step(s.cfg.ChecksDelay, func() { s.checksDone(c.ID) })
	} else if s.core.Auto() {
		s.core.After(s.cfg.DeclareDelay, func() { _ = s.declare(c.ID, declareInput{}) })
	}
	core.WriteJSON(w, http.StatusOK, doc)
}

// applyPrefill fills company, signatory and UBO prefills from the test companies when the
// company prefill names one and the matching sections are present.
func (s *Sim) applyPrefill(c *qCase) {
	org, country := c.requestedCompany()
	tc, ok := seeddata.TestCompanies[org]
	if !ok || !strings.EqualFold(country, tc.Country) || !strings.HasPrefix(s.cfg.AccountID, "TQ") {
		return
	}
	c.Company = &tc
	prefills := []typeData{{Type: "company", Data: []map[string]any{companyData(tc)}}}
	if slices.Contains(c.Sections, "signatory") {
		var board []map[string]any
		for _, p := range tc.Board {
			board = append(board, map[string]any{"name": p.Name, "birth_date": p.BirthDate, "title": p.Title, "country": tc.Country})
		}
		prefills = append(prefills, typeData{Type: "signatory", Data: board})
	}
	if slices.Contains(c.Sections, "ultimate_beneficial_ownership") {
		ubos := []map[string]any{}
		for _, p := range tc.UBOs {
			ubos = append(ubos, map[string]any{"name": p.Name, "birth_date": p.BirthDate, "country": tc.Country})
		}
		prefills = append(prefills, typeData{Type: "ultimate_beneficial_ownership", Data: ubos})
	}
	// Keep any other prefills the caller sent (bank account, form submitter, ...).
	for _, p := range c.Prefills {
		if p.Type != "company" && p.Type != "signatory" && p.Type != "ultimate_beneficial_ownership" {
			prefills = append(prefills, p)
		}
	}
	c.Prefills = prefills
}

// load finds a case, applies what the clock says has happened (contract expiry) and
// returns its document.
func (s *Sim) load(caseID string) (map[string]any, bool) {
	var doc map[string]any
	_ = s.change(func(fx *qFx, now time.Time) (*qCase, error) {
		c, ok := s.cases[caseID]
		if !ok {
			return nil, nil
		}
		s.sweepLocked(c, fx, now)
		doc = c.doc(now)
		return c, nil
	})
	return doc, doc != nil
}

func (s *Sim) getCase(w http.ResponseWriter, r *http.Request) {
	doc, ok := s.load(r.PathValue("cid"))
	if !ok {
		writeError(w, http.StatusNotFound, "case_not_found", "no case with id "+r.PathValue("cid"))
		return
	}
	core.WriteJSON(w, http.StatusOK, doc)
}

// listCases: GET /cases with the seed's search, status (repeated: status=A&status=B),
// sort_by (status_updated_at | created_at, default status_updated_at), sort_order (DESC | ASC,
// default DESC), limit and starting_after. Ties keep creation order (older first) under ASC
// and reverse it under DESC, so DESC is exactly ASC reversed. starting_after names the last
// case of the previous page; it is looked up in the order as it is now (a case whose status
// changed since has moved), and an unknown one starts over.
func (s *Sim) listCases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := pageLimit(w, q.Get("limit"))
	if !ok {
		return
	}
	if _, ok := q["status[]"]; ok {
		writeError(w, http.StatusBadRequest, "validation_error", "status is an array parameter: repeat it (status=A&status=B), no []")
		return
	}
	sortBy := q.Get("sort_by")
	switch sortBy {
	case "", "status_updated_at":
		sortBy = "status_updated_at"
	case "created_at":
	default:
		writeError(w, http.StatusBadRequest, "validation_error", "sort_by must be status_updated_at or created_at")
		return
	}
	desc := true
	switch q.Get("sort_order") {
	case "", "DESC":
	case "ASC":
		desc = false
	default:
		writeError(w, http.StatusBadRequest, "validation_error", "sort_order must be DESC or ASC")
		return
	}
	search := strings.ToLower(q.Get("search"))
	statuses := q["status"]
	now := s.core.Now()
	s.mu.Lock()
	var matched []*qCase
	for _, id := range s.order {
		c := s.cases[id]
		if search != "" && !c.matches(search) {
			continue
		}
		if len(statuses) > 0 && !slices.Contains(statuses, c.Status) {
			continue
		}
		matched = append(matched, c)
	}
	key := func(c *qCase) time.Time { return c.StatusUpdatedAt }
	if sortBy == "created_at" {
		key = func(c *qCase) time.Time { return c.CreatedAt }
	}
	sort.SliceStable(matched, func(i, j int) bool { return key(matched[i]).Before(key(matched[j])) })
	if desc {
		slices.Reverse(matched)
	}
	start := 0
	if after := q.Get("starting_after"); after != "" {
		for i, c := range matched {
			if c.ID == after {
				start = i + 1
			}
		}
	}
	end := min(start+limit, len(matched))
	data := []map[string]any{}
	for _, c := range matched[start:end] {
		data = append(data, c.doc(now))
	}
	cursor := ""
	if end < len(matched) && end > start {
		cursor = matched[end-1].ID
	}
	s.mu.Unlock()
	core.WriteJSON(w, http.StatusOK, map[string]any{"data": data, "pagination": map[string]any{"cursor": cursor}})
}

// pageLimit validates Quickr's limit parameter (1..100, default 10).
func pageLimit(w http.ResponseWriter, raw string) (int, bool) {
	if raw == "" {
		return 10, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 100 {
		writeError(w, http.StatusBadRequest, "validation_error", "limit must be an integer from 1 to 100")
		return 0, false
	}
	return n, true
}

// pageOf cuts one page out of an append-only list (oldest first): limit and
// starting_after as everywhere in Quickr. An unknown cursor is a 400.
func pageOf[T any](w http.ResponseWriter, r *http.Request, items []T, id func(T) string) ([]T, string, bool) {
	q := r.URL.Query()
	limit, ok := pageLimit(w, q.Get("limit"))
	if !ok {
		return nil, "", false
	}
	start := 0
	if after := q.Get("starting_after"); after != "" {
		start = -1
		for i, it := range items {
			if id(it) == after {
				start = i + 1
				break
			}
		}
		if start < 0 {
			writeError(w, http.StatusBadRequest, "validation_error", "unknown starting_after cursor "+after)
			return nil, "", false
		}
	}
	end := min(start+limit, len(items))
	cursor := ""
	if end < len(items) && end > start {
		cursor = id(items[end-1])
	}
	return core.NonNil(items[start:end]), cursor, true
}
