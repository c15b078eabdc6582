// Package idv is the sandbox's session identity verification provider, served under
// /idv/api/v1/{class}.{method} and, for the seed's other URL form, /idv/api/{class}.{method}.
// Every call is a POST with HTTP Basic auth.
//
// Sandbox choices where the seed is silent (also in the README):
//   - states CREATED -> IN_PROGRESS -> COMPLETED | FAILED, and CREATED/IN_PROGRESS -> EXPIRED
//     at `expires` (Config.SessionTTL after creation);
//   - every state change is a webhook to callback_url as it was given: POST {id, state,
//     reference}, unsigned (the seed documents callback_url on session.create but neither a
//     body nor a signature; the sandbox's SignWebhooks signs it). The receiver should know
//     the session by its callback URL; the engine's gateway never reads the reference;
//   - the control endpoint GET /control/idv/sessions/{ref} adds callback_url to session.get's
//     document;
//   - a person completes a session with its token (person.go): in automatic mode the app
//     opens it when it receives the token, and it completes Config.Delay later, verifying
//     the expected person: the first board member of the test company whose organisation
//     number appears in the reference (the person Quickr's sandbox declares as form
//     submitter), else "Kari Nordmann";
//   - manual mode: POST /control/idv/sessions/{ref}/start, POST /control/idv/sessions/{ref}/finish
//     {state, match, person} where {ref} is a session id or reference. A finish with
//     match=false verifies someone else;
//   - identity fields are empty strings until the session completes;
//   - session.list {reference?} answers {"data":[session...]}, oldest first: every session,
//     or those whose reference is exactly the one given. Each item is session.get's flat
//     document plus the session's token (the seed documents list as a standard method of
//     every class but not its filters or reply).

// CountSessions counts the sessions created per reference; CountOpened the sessions a
// person opened with their token (each once).
package idv

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
)

// CountSessions counts the sessions created per reference; CountOpened the sessions a
// person opened with their token (each once).
const (
	CountSessions = "idvSessions"
	CountOpened   = "idvSessionsOpened"
)

// Config is what the IDV simulator needs of the sandbox's configuration.
type Config struct {
	PublicKey, Secret string
	SessionTTL        time.Duration // how long a session can be completed
	Delay             time.Duration // opened -> completed, when the app plays the person
}

// Sim is the IDV simulator.
type Sim struct {
	core *core.Core
	cfg  Config

	mu       sync.Mutex // guards the sessions
	sessions map[int64]*session
	order    []int64
	seq      int64
}

// New builds the simulator; register it with the core.
func New(c *core.Core, cfg Config) *Sim {
	return &Sim{core: c, cfg: cfg, sessions: map[int64]*session{}}
}

// Name is the simulator's fault and counter key.
func (s *Sim) Name() string { return "idv" }

// Mount registers the API, the person's page and the control endpoints.
func (s *Sim) Mount(r *core.Routes) {
	r.API("POST /idv/api/v1/{call}", s.call)
	r.API("POST /idv/api/{call}", s.call)
	// The person's side: the session is completed with its token (person.go).
	r.Page("POST /idv/person/{token}/complete", s.personComplete)

	sessions := s.lookup()
	r.Control("GET", "/sessions/{ref}", s.controlGet)
	r.Control("POST", "/sessions/{ref}/start", sessions.Step(func(id int64) error {
		return s.transition(id, "IN_PROGRESS", nil)
	}, s.controlGet))
	r.Control("POST", "/sessions/{ref}/finish", s.controlFinish)
}

// WriteError answers in the seed's shape {"error_message", "error_name"}.
func (s *Sim) WriteError(w http.ResponseWriter, status int, code, msg string) {
	writeError(w, status, code, msg)
}

// writeError answers in the seed's shape {"error_message", "error_name"}.
func writeError(w http.ResponseWriter, status int, name, msg string) {
	if name == "" || strings.Contains(name, "_") {
		name = strings.ReplaceAll(http.StatusText(status), " ", "")
	}
	core.WriteJSON(w, status, map[string]string{"error_message": msg, "error_name": name})
}

// call authenticates and dispatches {class}.{method}.
func (s *Sim) call(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.cfg.PublicKey || pass != s.cfg.Secret {
		writeError(w, http.StatusUnauthorized, "Unauthorized", "No valid API credentials were provided.")
		return
	}
	props, err := readProps(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	switch r.PathValue("call") {
	case "session.create":
		s.create(w, r, props)
	case "session.get":
		s.read(w, props, func(ss *session) any { return ss.doc() })
	case "session.state":
		s.read(w, props, func(ss *session) any { return map[string]string{"state": ss.State} })
	case "session.list":
		s.list(w, props)
	default:
		writeError(w, http.StatusNotFound, "MethodNotFound", "No such method: "+r.PathValue("call"))
	}
}

// readProps reads the request body: omitted or any JSON object.
func readProps(r *http.Request) (map[string]json.RawMessage, error) {
	props := map[string]json.RawMessage{}
	if err := core.ReadJSON(r, &props); err != nil {
		return nil, fmt.Errorf("the request body must be a JSON object")
	}
	return props, nil
}

// propString reads an optional string property; the error names the right type.
func propString(props map[string]json.RawMessage, name string) (string, error) {
	raw, ok := props[name]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return "", fmt.Errorf("%s must be of type string", name)
	}
	return v, nil
}

func (s *Sim) create(w http.ResponseWriter, r *http.Request, props map[string]json.RawMessage) {
	callback, err1 := propString(props, "callback_url")
	ref, err2 := propString(props, "reference")
	face := false
	var err3 error
	if raw, ok := props["face_verification"]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &face) != nil {
			err3 = fmt.Errorf("face_verification must be of type boolean")
		}
	}
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidProperty", err.Error())
			return
		}
	}
	now := s.core.Now()
	s.mu.Lock()
	s.seq++
	ss := &session{
		ID:               100000 + s.seq,
		Token:            fmt.Sprintf("i_%08x%08x", s.core.Intn(1<<31), s.core.Intn(1<<31)),
		Created:          now,
		Expires:          now.Add(s.cfg.SessionTTL),
		State:            "CREATED",
		Reference:        ref,
		CallbackURL:      callback,
		FaceVerification: face,
	}
	s.sessions[ss.ID] = ss
	s.order = append(s.order, ss.ID)
	s.mu.Unlock()

	s.core.Counters().Add(ref, CountSessions)
	id := ss.ID
	s.core.After(s.cfg.SessionTTL, func() { _ = s.transition(id, "EXPIRED", nil) })
	core.WriteJSON(w, http.StatusOK, map[string]any{"id": ss.ID, "token": ss.Token})
}

// read answers session.get and session.state.
func (s *Sim) read(w http.ResponseWriter, props map[string]json.RawMessage, render func(*session) any) {
	raw, ok := props["id"]
	if !ok || string(raw) == "null" {
		writeError(w, http.StatusBadRequest, "MissingProperty", "id is required")
		return
	}
	var id int64
	if json.Unmarshal(raw, &id) != nil {
		writeError(w, http.StatusBadRequest, "InvalidProperty", "id must be of type integer")
		return
	}
	s.mu.Lock()
	ss, found := s.sessions[id]
	var out any
	if found {
		out = render(ss)
	}
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "SessionNotFound", fmt.Sprintf("No session found with id: %d", id))
		return
	}
	core.WriteJSON(w, http.StatusOK, out)
}

// list answers session.list {reference?} with {"data":[...]}, oldest first.
func (s *Sim) list(w http.ResponseWriter, props map[string]json.RawMessage) {
	ref, err := propString(props, "reference")
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidProperty", err.Error())
		return
	}
	raw, filtered := props["reference"]
	filtered = filtered && string(raw) != "null"
	s.mu.Lock()
	data := []map[string]any{}
	for _, id := range s.order {
		ss := s.sessions[id]
		if filtered && ss.Reference != ref {
			continue
		}
		doc := ss.doc()
		doc["token"] = ss.Token
		data = append(data, doc)
	}
	s.mu.Unlock()
	core.WriteJSON(w, http.StatusOK, map[string]any{"data": data})
}

// lookup resolves a control endpoint's {ref}: a session id or, failing that, the newest
// session with that reference.
func (s *Sim) lookup() core.Lookup[int64] {
	return core.Lookup[int64]{Find: s.find, Missing: "no session with id or reference "}
}

func (s *Sim) find(ref string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.ParseInt(ref, 10, 64) // 0 when ref is no number, and no session has id 0
	return core.IDOrNewest(s.sessions, s.order, id, func(ss *session) bool { return ss.Reference == ref })
}

// controlGet: GET /control/idv/sessions/{ref}
func (s *Sim) controlGet(w http.ResponseWriter, r *http.Request) {
	s.lookup().Show(func(id int64) map[string]any {
		s.mu.Lock()
		defer s.mu.Unlock()
		ss := s.sessions[id]
		doc := ss.doc()
		doc["callback_url"] = ss.CallbackURL // control only: session.get does not document it
		return doc
	})(w, r)
}

// controlFinish: POST /control/idv/sessions/{ref}/finish {"state": "COMPLETED" (default) |
// "FAILED" | "EXPIRED", "match": true (default), "person": {name, birthDate, nationality}}.
func (s *Sim) controlFinish(w http.ResponseWriter, r *http.Request) {
	var in struct {
		State  string  `json:"state"`
		Match  *bool   `json:"match"`
		Person *Person `json:"person"`
	}
	if !core.ReadControlBody(w, r, &in) {
		return
	}
	in.State = strings.ToUpper(cmp.Or(in.State, "COMPLETED"))
	if in.State != "COMPLETED" && in.State != "FAILED" && in.State != "EXPIRED" {
		core.ControlError(w, http.StatusBadRequest, "state must be COMPLETED, FAILED or EXPIRED")
		return
	}
	match := in.Match == nil || *in.Match
	s.lookup().Step(func(id int64) error { return s.finish(id, in.State, match, in.Person) }, s.controlGet)(w, r)
}
