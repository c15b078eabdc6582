package gateway

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
)

// The review console: agents sign in with their API token, work the review queue and decide,
// through the same decision path as the API (decideAs). Pages are html/template with one
// stylesheet and one small script, both embedded and served from /console/static/: a page
// loads nothing from anywhere else (the Content-Security-Policy says so to the browser).

//go:embed console
var consoleFiles embed.FS

var consoleTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"ago":    func(t time.Time) string { return shortDuration(time.Since(t)) },
	"when":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"lower":  strings.ToLower,
	"pathID": url.PathEscape,
}).ParseFS(consoleFiles, "console/*.html"))

const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// Notes is what the console reads of an engine beyond Onboardings: the notes written to Quickr.
type noteReader interface {
	Notes(ctx context.Context, workflowID string) ([]engine.Note, error)
}

func (s *Server) mountConsole() {
	s.console = newSessions(s.cfg.ConsoleIdle, s.cfg.ConsoleMaxAge, s.cfg.Now)
	static, _ := fs.Sub(consoleFiles, "console/static")
	s.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
	})
	s.mux.HandleFunc("GET /console/signin", s.consoleSigninForm)
	s.mux.HandleFunc("POST /console/signin", s.consoleSignin)
	s.mux.HandleFunc("POST /console/signout", s.consoleChange(s.consoleSignout))
	s.mux.HandleFunc("GET /console/{$}", s.consolePage(s.consoleQueue))
	s.mux.HandleFunc("GET /console/onboardings/{id}", s.consolePage(s.consoleOnboarding))
	s.mux.HandleFunc("POST /console/onboardings/{id}/decision", s.consoleChange(s.consoleDecide))
	s.mux.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		s.consoleError(w, http.StatusNotFound, "There is no such page in the console.")
	})
}

// consoleHeaders go on every console answer: no caching of pages about merchants, no framing,
// no referrer, and nothing loaded from outside this gateway.
func consoleHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin") // "no-referrer" would make the browser send Origin: null on form posts
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// current is the request's live session and its id.
func (s *Server) current(r *http.Request) (string, session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", session{}, false
	}
	sess, ok := s.console.get(c.Value)
	return c.Value, sess, ok
}

type pageFunc func(w http.ResponseWriter, r *http.Request, id string, sess session) (name string, data map[string]any, status int)

// consolePage serves a page to a signed-in agent; anyone else is sent to sign in.
func (s *Server) consolePage(page pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		consoleHeaders(w)
		id, sess, ok := s.current(r)
		if !ok {
			http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), apiTimeout)
		defer cancel()
		name, data, status := page(w, r.WithContext(ctx), id, sess)
		if name == "" {
			return
		}
		if data["Title"] == nil {
			data["Title"] = "Review queue"
		}
		data["Agent"] = sess.agent.Name
		data["CSRF"] = sess.csrf
		data["Flash"] = s.console.takeFlash(id)
		s.render(w, status, name, data)
	}
}

// consoleChange guards a state change: a live session, a same-site request and the session's
// CSRF token in the form. A refusal changes nothing.
func (s *Server) consoleChange(change func(w http.ResponseWriter, r *http.Request, id string, sess session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		consoleHeaders(w)
		id, sess, ok := s.current(r)
		if !ok {
			s.consoleError(w, http.StatusUnauthorized, "You are not signed in (or your session has expired): nothing was changed. Sign in and try again.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxAPIBody)
		if !sameOrigin(r) || r.ParseForm() != nil || !sameToken(r.PostForm.Get("csrf"), sess.csrf) {
			s.log.Warn("console: change refused (CSRF)", zap.String("agent", sess.agent.Name), zap.String("path", r.URL.Path))
			s.consoleError(w, http.StatusForbidden, "This request did not come from a console page of this session (CSRF check failed): nothing was changed.")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), apiTimeout)
		defer cancel()
		change(w, r.WithContext(ctx), id, sess)
	}
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data map[string]any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := consoleTemplates.ExecuteTemplate(w, name, data); err != nil {
		s.log.Error("console: render", zap.String("template", name), zap.Error(err))
	}
}

func (s *Server) consoleError(w http.ResponseWriter, status int, msg string) {
	consoleHeaders(w)
	s.render(w, status, "error.html", map[string]any{"Title": http.StatusText(status), "Status": status, "Message": msg})
}

// Sign-in ----------------------------------------------------------------------------------

func (s *Server) consoleSigninForm(w http.ResponseWriter, r *http.Request) {
	consoleHeaders(w)
	if _, _, ok := s.current(r); ok {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return
	}
	s.signinPage(w, r, http.StatusOK, "")
}

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request, status int, problem string) {
	tok := randomToken()
	setCookie(w, r, signinCookie, tok, 600)
	s.render(w, status, "signin.html", map[string]any{"Title": "Sign in", "CSRF": tok, "Problem": problem})
}

// consoleSignin takes the agent's API token from the form body (a password field; never a
// URL), checks it like the API does (authenticate) and starts a session. The token is not
// kept: the session knows the agent by the token's name.
func (s *Server) consoleSignin(w http.ResponseWriter, r *http.Request) {
	consoleHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	c, err := r.Cookie(signinCookie)
	why := ""
	switch {
	case !sameOrigin(r):
		why = "sent from another site"
	case err != nil:
		why = "no sign-in cookie"
	case r.ParseForm() != nil:
		why = "unreadable form"
	case !sameToken(r.PostForm.Get("csrf"), c.Value):
		why = "CSRF token does not match"
	}
	if why != "" {
		s.log.Warn("console: sign-in form refused", zap.String("why", why), zap.String("origin", r.Header.Get("Origin")),
			zap.String("fetchSite", r.Header.Get("Sec-Fetch-Site")))
		s.signinPage(w, r, http.StatusForbidden, "The sign-in form had expired or did not come from this console; try again.")
		return
	}
	probe := &http.Request{Header: http.Header{"Authorization": {"Bearer " + strings.TrimSpace(r.PostForm.Get("token"))}}}
	t, ok := s.authenticate(probe)
	switch {
	case !ok:
		s.log.Warn("console: sign-in refused: unknown token")
		s.signinPage(w, r, http.StatusUnauthorized, "That token is not an agent's API token.")
		return
	case t.Role != RoleAgent:
		s.log.Warn("console: sign-in refused: not an agent", zap.String("token", t.Name))
		s.signinPage(w, r, http.StatusForbidden, "That is an app's token; the console is for agents.")
		return
	}
	setCookie(w, r, signinCookie, "", -1)
	setCookie(w, r, sessionCookie, s.console.create(t), int(s.console.maxAge/time.Second))
	s.log.Info("console: signed in", zap.String("agent", t.Name))
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

func (s *Server) consoleSignout(w http.ResponseWriter, r *http.Request, id string, sess session) {
	s.console.remove(id)
	setCookie(w, r, sessionCookie, "", -1)
	s.log.Info("console: signed out", zap.String("agent", sess.agent.Name))
	http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
}

// The queue ---------------------------------------------------------------------------------

// queueRow is one onboarding in the queue.
type queueRow struct {
	ID, Name, OrgNumber, Country, Stage, Risk, Reason string
	Since                                             time.Time // entered review (or started)
	SLA                                               *time.Time
	SLALeft                                           string
	Overdue                                           bool
	Approvals                                         int
}

var consoleRisks = []string{"LOW", "MEDIUM", "HIGH"}

func (s *Server) consoleQueue(w http.ResponseWriter, r *http.Request, _ string, _ session) (string, map[string]any, int) {
	q := r.URL.Query()
	f := engine.ListFilter{
		Stage:     strings.ToUpper(q.Get("stage")),
		Country:   strings.ToUpper(q.Get("country")),
		RiskLevel: strings.ToUpper(q.Get("risk")),
		PageSize:  100,
	}
	if !q.Has("stage") {
		f.Stage = string(api.StageAwaitingReview)
	}
	data := map[string]any{"Stage": f.Stage, "Country": f.Country, "Risk": f.RiskLevel,
		"Stages": []api.Stage{api.StageAwaitingReview, api.StageEvaluating, api.StageAwaitingSignature,
			api.StageAwaitingDeclaration, api.StageCreatingCase, api.StageFinished},
		"Countries": []string{"NO", "SE", "DK", "FI"}, "Risks": consoleRisks}
	page, err := s.eng.List(r.Context(), f)
	var invalid *api.ValidationError
	switch {
	case errors.As(err, &invalid):
		data["Problem"] = "These filters cannot be used: " + fieldsText(invalid.Fields)
		return "queue.html", data, http.StatusBadRequest
	case err != nil:
		s.log.Error("console: list", zap.Error(err))
		data["Problem"] = "The engine did not answer; try again."
		return "queue.html", data, http.StatusServiceUnavailable
	}
	rows := make([]queueRow, len(page.Onboardings))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	now := s.cfg.Now()
	for i, sum := range page.Onboardings {
		rows[i] = queueRow{ID: sum.WorkflowID, OrgNumber: sum.OrgNumber, Country: sum.Country, Stage: sum.Stage, Risk: sum.RiskLevel, Since: sum.StartedAt}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			st, err := s.eng.Status(r.Context(), sum.WorkflowID)
			if err != nil {
				rows[i].Reason = "status unavailable"
				return
			}
			fillRow(&rows[i], st, now)
		}()
	}
	wg.Wait()
	// Oldest first: the longest wait for a decision at the top.
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].Since.Before(rows[b].Since) })
	data["Rows"] = rows
	data["More"] = page.NextPageToken != ""
	return "queue.html", data, http.StatusOK
}

func fillRow(row *queueRow, st *api.Status, now time.Time) {
	row.Name, row.Stage, row.Risk = st.Company.Name, string(st.Stage), riskOf(st)
	if st.Outcome != "" {
		row.Stage += " · " + string(st.Outcome)
	}
	if sla, ok := st.Deadlines["reviewSla"]; ok && st.Stage == api.StageAwaitingReview {
		row.SLA = &sla
		row.Since = sla.Add(-st.Policy.ReviewSLA.D())
		left := sla.Sub(now)
		row.Overdue = left < 0
		if row.Overdue {
			row.SLALeft = "overdue by " + shortDuration(-left)
		} else {
			row.SLALeft = shortDuration(left) + " left"
		}
	}
	row.Approvals = len(st.Approvals)
	// One line: the first reason, and how many more the page lists.
	rs := engine.ReviewReasons(st)
	switch {
	case len(rs) == 0:
		row.Reason = st.WaitingFor
	case len(rs) == 1:
		row.Reason = rs[0].Sentence
	default:
		row.Reason = rs[0].Sentence + " (and " + strconv.Itoa(len(rs)-1) + " more)"
	}
	row.Reason = clipRunes(row.Reason, 220)
}

// riskOf is the onboarding's risk as the decision rule sees it: HIGH once any approval set it,
// else the rules' level.
func riskOf(st *api.Status) string {
	for _, a := range st.Approvals {
		if a.RiskLevel == "HIGH" {
			return "HIGH"
		}
	}
	if st.Evaluation != nil && st.Evaluation.RiskLevel != "" {
		return st.Evaluation.RiskLevel
	}
	return ""
}

// One onboarding --------------------------------------------------------------------------

type fourEyes struct {
	Needed     bool   // HIGH risk: two different agents must approve
	FirstBy    string // who approved first, when someone has
	FirstAt    *time.Time
	FirstNote  string
	YouApprove bool // the signed-in agent gave the first approval
}

func (s *Server) consoleOnboarding(w http.ResponseWriter, r *http.Request, _ string, sess session) (string, map[string]any, int) {
	id := r.PathValue("id")
	data := map[string]any{}
	if !api.IsOnboardingID(id) {
		data["Problem"] = "There is no onboarding with this id."
		return "onboarding.html", data, http.StatusNotFound
	}
	st, err := s.eng.Status(r.Context(), id)
	switch {
	case errors.Is(err, engine.ErrNotFound):
		data["Problem"] = "There is no onboarding with this id."
		return "onboarding.html", data, http.StatusNotFound
	case err != nil:
		s.log.Error("console: status", zap.String("workflowId", id), zap.Error(err))
		data["Problem"] = "The engine did not answer; try again."
		return "onboarding.html", data, http.StatusServiceUnavailable
	}
	row := queueRow{ID: id}
	fillRow(&row, st, s.cfg.Now())
	data["ID"], data["S"], data["Row"], data["Reasons"] = id, st, row, engine.ReviewReasons(st)
	data["Title"] = row.Name
	data["Decidable"] = st.Stage == api.StageAwaitingReview && st.Decision == nil
	data["RequestID"] = randomToken()[:24] // one per form: a resent form is the same decision
	fe := fourEyes{Needed: riskOf(st) == "HIGH" || len(st.Approvals) > 0}
	if len(st.Approvals) > 0 && st.Decision == nil {
		first := st.Approvals[0]
		fe.FirstBy, fe.FirstNote, fe.YouApprove = first.Agent, first.Reason, first.Agent == sess.agent.Name
		for _, e := range st.Timeline {
			if e.Event == "first approval" {
				at := e.At
				fe.FirstAt = &at
			}
		}
	}
	data["FourEyes"] = fe
	data["Checks"] = checksOf(st)
	if nr, ok := s.eng.(noteReader); ok {
		notes, err := nr.Notes(r.Context(), id)
		if err != nil {
			s.log.Warn("console: notes", zap.String("workflowId", id), zap.Error(err))
			data["NotesProblem"] = "The notes could not be read from the onboarding's history."
		}
		data["Notes"] = notes
	}
	timeline := slices.Clone(st.Timeline)
	slices.Reverse(timeline) // newest first
	data["Timeline"] = timeline
	return "onboarding.html", data, http.StatusOK
}

func checksOf(st *api.Status) []api.CheckResult {
	if st.Evaluation == nil {
		return nil
	}
	return st.Evaluation.Checks
}

// consoleDecide takes the decision form through decideAs, in the session agent's name, and
// shows the answer (or the refusal with its reason) on the onboarding's page.
func (s *Server) consoleDecide(w http.ResponseWriter, r *http.Request, sid string, sess session) {
	id := r.PathValue("id")
	if !api.IsOnboardingID(id) {
		s.consoleError(w, http.StatusNotFound, "There is no onboarding with this id.")
		return
	}
	back := "/console/onboardings/" + url.PathEscape(id)
	req := DecisionRequest{
		Decision:  r.PostForm.Get("decision"),
		Reason:    strings.TrimSpace(r.PostForm.Get("reason")),
		RiskLevel: r.PostForm.Get("riskLevel"),
	}
	key := r.PostForm.Get("requestId")
	if len(key) > maxIdemKeyLen || strings.IndexFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e }) >= 0 {
		key = ""
	}
	res, err := s.decideAs(r.Context(), sess.agent, "console session of "+sess.agent.Name, id, key, req)
	var f flash
	var invalid *api.ValidationError
	var rejected *engine.RejectedError
	switch {
	case err == nil && res.Status == "awaiting_second_approval":
		f = flash{OK: true, Message: "Your approval is recorded as the first of two.", Detail: "This is a HIGH risk onboarding: a second, different agent must approve it."}
	case err == nil:
		f = flash{OK: true, Message: "Decided: " + string(res.Outcome) + ".", Detail: "The decision is being written to Quickr with a note."}
	case errors.As(err, &invalid):
		f = flash{Message: "The decision was not sent: " + fieldsText(invalid.Fields)}
	case errors.As(err, &rejected):
		f = flash{Message: "The onboarding refused the decision.", Detail: rejected.Reason}
	case errors.Is(err, engine.ErrFinished):
		f = flash{Message: "The onboarding refused the decision.", Detail: "It has finished (another decision, a cancellation or a deadline ended it); it takes no more decisions."}
	case errors.Is(err, engine.ErrNotFound):
		f = flash{Message: "There is no onboarding with this id."}
	default:
		s.log.Error("console: decide", zap.String("workflowId", id), zap.Error(err))
		f = flash{Message: "The engine did not answer; the decision may not have been taken. Look at the page before trying again."}
	}
	if err != nil {
		s.log.Info("console: decision refused", zap.String("workflowId", id), zap.String("agent", sess.agent.Name), zap.String("why", f.Message+" "+f.Detail))
	}
	s.console.setFlash(sid, &f)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func fieldsText(fields []api.FieldError) string {
	parts := make([]string, 0, len(fields))
	for _, f := range fields {
		parts = append(parts, f.Field+" "+f.Message)
	}
	return strings.Join(parts, "; ")
}

// shortDuration writes d as "2d 3h", "3h 12m", "12m" or "40s".
func shortDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Second)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return strconv.Itoa(days) + "d " + strconv.Itoa(hours) + "h"
	case hours > 0:
		return strconv.Itoa(hours) + "h " + strconv.Itoa(mins) + "m"
	case mins > 0:
		return strconv.Itoa(mins) + "m"
	default:
		return strconv.Itoa(int(d/time.Second)) + "s"
	}
}
