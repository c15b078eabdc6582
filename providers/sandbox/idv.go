package sandbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Session IDV imitation, served under /idv/api/v1/{class}.{method} and, for the seed's other
// URL form, /idv/api/{class}.{method}. Every call is a POST with HTTP Basic auth.
//
// Sandbox choices where the seed is silent (also in the README):
//   - states CREATED -> IN_PROGRESS -> COMPLETED | FAILED, and CREATED/IN_PROGRESS -> EXPIRED
//     at `expires` (Config.IDVSessionTTL after creation);
//   - every state change is a webhook to callback_url as it was given: POST {id, state,
//     reference}, unsigned (the seed documents callback_url on session.create but neither a
//     body nor a signature; Config.SignWebhooks signs it). The receiver should know the
//     session by its callback URL; the engine's gateway never reads the reference;
//   - the control endpoint GET /control/idv/sessions/{ref} adds callback_url to session.get's
//     document;
//   - automatic mode starts a session at half of Delays.IDV and completes it at Delays.IDV,
//     verifying the expected person: the first board member of the test company whose
//     organisation number appears in the reference (the person Quickr's sandbox declares as
//     form submitter), else "Kari Nordmann";
//   - manual mode: POST /control/idv/sessions/{ref}/start, POST /control/idv/sessions/{ref}/finish
//     {state, match, person} where {ref} is a session id or reference. A finish with
//     match=false verifies someone else;
//   - identity fields are empty strings until the session completes;
//   - session.list {reference?} answers {"data":[session...]}, oldest first: every session,
//     or those whose reference is exactly the one given. Each item is session.get's flat
//     document plus the session's token (the seed documents list as a standard method of
//     every class but not its filters or reply).

type idvState struct {
	sessions map[int64]*idvSession
	order    []int64
	seq      int64
}

type idvSession struct {
	ID               int64
	Token            string
	Created          time.Time
	Expires          time.Time
	State            string
	Reference        string
	CallbackURL      string
	FaceVerification bool
	Identity         idvIdentity
	Opened           bool // by a person, with the token
}

// idvIdentity is the verified person and document.
type idvIdentity struct {
	GivenNames, Surname, Nationality, Sex, DateOfBirth, PersonalNumber string
	DocumentType, DocumentNumber, ExpiryDate, IssuingCountry, Issuer   string
	Portrait, Face, UserIP, UserAgent                                  string
}

// IDVPerson is the person a control call completes a session for.
type IDVPerson struct {
	Name        string `json:"name"`        // "Given Names Surname"
	BirthDate   string `json:"birthDate"`   // YYYY-MM-DD (a bare year is read as YYYY-01-01)
	Nationality string `json:"nationality"` // ISO 3166 alpha-2, default NO
}

var idvDefaultPerson = IDVPerson{Name: "Kari Nordmann", BirthDate: "1985-03-14", Nationality: "NO"}

func (s *Server) mountIDV() {
	s.idv = &idvState{sessions: map[int64]*idvSession{}}
	s.handle("idv", "POST /idv/api/v1/{call}", s.idvCall)
	s.handle("idv", "POST /idv/api/{call}", s.idvCall)

	s.mux.HandleFunc("GET /control/idv/sessions/{ref}", s.idvControlGet)
	s.mux.HandleFunc("POST /control/idv/sessions/{ref}/start", s.idvControlStart)
	s.mux.HandleFunc("POST /control/idv/sessions/{ref}/finish", s.idvControlFinish)
	// The person's side: the session is opened with its token (app.go).
	s.mux.HandleFunc("POST /idv/person/{token}/complete", s.serveIDVPersonComplete)
}

// writeIDVError answers in the seed's shape {"error_message", "error_name"}.
func writeIDVError(w http.ResponseWriter, status int, name, msg string) {
	if name == "" || strings.Contains(name, "_") {
		name = strings.ReplaceAll(http.StatusText(status), " ", "")
	}
	writeJSON(w, status, map[string]string{"error_message": msg, "error_name": name})
}

// idvCall authenticates and dispatches {class}.{method}.
func (s *Server) idvCall(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.cfg.Credentials.IDVPublicKey || pass != s.cfg.Credentials.IDVSecret {
		writeIDVError(w, http.StatusUnauthorized, "Unauthorized", "No valid API credentials were provided.")
		return
	}
	props, err := idvProps(r)
	if err != nil {
		writeIDVError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	switch r.PathValue("call") {
	case "session.create":
		s.idvCreate(w, r, props)
	case "session.get":
		s.idvRead(w, props, func(ss *idvSession) any { return ss.doc() })
	case "session.state":
		s.idvRead(w, props, func(ss *idvSession) any { return map[string]string{"state": ss.State} })
	case "session.list":
		s.idvList(w, props)
	default:
		writeIDVError(w, http.StatusNotFound, "MethodNotFound", "No such method: "+r.PathValue("call"))
	}
}

// idvProps reads the request body: omitted or any JSON object.
func idvProps(r *http.Request) (map[string]json.RawMessage, error) {
	props := map[string]json.RawMessage{}
	if err := readJSON(r, &props); err != nil {
		return nil, fmt.Errorf("the request body must be a JSON object")
	}
	return props, nil
}

// idvString reads an optional string property; the error names the right type.
func idvString(props map[string]json.RawMessage, name string) (string, error) {
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

func (s *Server) idvCreate(w http.ResponseWriter, r *http.Request, props map[string]json.RawMessage) {
	callback, err1 := idvString(props, "callback_url")
	ref, err2 := idvString(props, "reference")
	face := false
	var err3 error
	if raw, ok := props["face_verification"]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &face) != nil {
			err3 = fmt.Errorf("face_verification must be of type boolean")
		}
	}
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			writeIDVError(w, http.StatusBadRequest, "InvalidProperty", err.Error())
			return
		}
	}
	now := s.clock.Now()
	s.mu.Lock()
	s.idv.seq++
	ss := &idvSession{
		ID:               100000 + s.idv.seq,
		Token:            fmt.Sprintf("i_%08x%08x", s.intn(1<<31), s.intn(1<<31)),
		Created:          now,
		Expires:          now.Add(s.cfg.IDVSessionTTL),
		State:            "CREATED",
		Reference:        ref,
		CallbackURL:      callback,
		FaceVerification: face,
	}
	s.idv.sessions[ss.ID] = ss
	s.idv.order = append(s.idv.order, ss.ID)
	s.mu.Unlock()

	s.counters.Add(ref, CountIDVSessions)
	id := ss.ID
	s.after(s.cfg.IDVSessionTTL, func() { _ = s.idvTransition(id, "EXPIRED", nil) })
	writeJSON(w, http.StatusOK, map[string]any{"id": ss.ID, "token": ss.Token})
}

// idvRead answers session.get and session.state.
func (s *Server) idvRead(w http.ResponseWriter, props map[string]json.RawMessage, render func(*idvSession) any) {
	raw, ok := props["id"]
	if !ok || string(raw) == "null" {
		writeIDVError(w, http.StatusBadRequest, "MissingProperty", "id is required")
		return
	}
	var id int64
	if json.Unmarshal(raw, &id) != nil {
		writeIDVError(w, http.StatusBadRequest, "InvalidProperty", "id must be of type integer")
		return
	}
	s.mu.Lock()
	ss, found := s.idv.sessions[id]
	var out any
	if found {
		out = render(ss)
	}
	s.mu.Unlock()
	if !found {
		writeIDVError(w, http.StatusNotFound, "SessionNotFound", fmt.Sprintf("No session found with id: %d", id))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// idvList answers session.list {reference?} with {"data":[...]}, oldest first.
func (s *Server) idvList(w http.ResponseWriter, props map[string]json.RawMessage) {
	ref, err := idvString(props, "reference")
	if err != nil {
		writeIDVError(w, http.StatusBadRequest, "InvalidProperty", err.Error())
		return
	}
	raw, filtered := props["reference"]
	filtered = filtered && string(raw) != "null"
	s.mu.Lock()
	data := []map[string]any{}
	for _, id := range s.idv.order {
		ss := s.idv.sessions[id]
		if filtered && ss.Reference != ref {
			continue
		}
		doc := ss.doc()
		doc["token"] = ss.Token
		data = append(data, doc)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// idvNext is the legal move from one state to another.
func idvNext(from, to string) bool {
	switch to {
	case "IN_PROGRESS":
		return from == "CREATED"
	case "COMPLETED", "FAILED":
		return from == "IN_PROGRESS"
	case "EXPIRED":
		return from == "CREATED" || from == "IN_PROGRESS"
	}
	return false
}

// idvTransition moves a session to state (setting identity on COMPLETED) and sends the
// callback. It fails when the move is not legal from the current state.
func (s *Server) idvTransition(id int64, state string, identity *idvIdentity) error {
	s.mu.Lock()
	ss, ok := s.idv.sessions[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("no session %d", id)
	}
	if !idvNext(ss.State, state) {
		from := ss.State
		s.mu.Unlock()
		return fmt.Errorf("session %d is %s and cannot become %s", id, from, state)
	}
	ss.State = state
	if identity != nil {
		ss.Identity = *identity
	}
	payload := map[string]any{"id": ss.ID, "state": ss.State, "reference": ss.Reference}
	url, ref := ss.CallbackURL, ss.Reference
	s.mu.Unlock()
	s.hooks.send("idv", url, ref, "session."+strings.ToLower(state), payload)
	return nil
}

// idvState is the session's state ("" when there is none).
func (s *Server) idvState(id int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.idv.sessions[id]; ok {
		return ss.State
	}
	return ""
}

// idvFinish ends a session as a person would: from CREATED it passes IN_PROGRESS first.
// COMPLETED verifies person (the expected one when nil), or someone else when match is false.
func (s *Server) idvFinish(id int64, state string, match bool, person *IDVPerson) error {
	s.mu.Lock()
	ss, ok := s.idv.sessions[id]
	var current, ref string
	var face bool
	if ok {
		current, ref, face = ss.State, ss.Reference, ss.FaceVerification
	}
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("no session %d", id)
	}
	if current == "CREATED" && state != "EXPIRED" {
		// Another step (automatic mode's own start) may have moved it on meanwhile: that is
		// the state this step wanted.
		if err := s.idvTransition(id, "IN_PROGRESS", nil); err != nil && s.idvState(id) != "IN_PROGRESS" {
			return err
		}
	}
	var identity *idvIdentity
	if state == "COMPLETED" {
		p := idvExpectedPerson(ref)
		if person != nil && person.Name != "" {
			p = *person
		}
		if !match {
			p = idvOtherPerson(p)
		}
		identity = idvIdentityOf(p, id, face, s.clock.Now())
	}
	return s.idvTransition(id, state, identity)
}

// idvExpectedPerson is who the sandbox verifies by default for a reference.
func idvExpectedPerson(ref string) IDVPerson {
	orgs := make([]string, 0, len(TestCompanies))
	for org := range TestCompanies {
		orgs = append(orgs, org)
	}
	sort.Strings(orgs)
	for _, org := range orgs {
		if tc := TestCompanies[org]; strings.Contains(ref, org) && len(tc.Board) > 0 {
			b := tc.Board[0]
			return IDVPerson{Name: b.Name, BirthDate: b.BirthDate, Nationality: tc.Country}
		}
	}
	return idvDefaultPerson
}

// idvOtherPerson is a verified identity that does not match p.
func idvOtherPerson(p IDVPerson) IDVPerson {
	if p.Name == idvDefaultPerson.Name {
		return IDVPerson{Name: "Ola Nordmann", BirthDate: "1979-11-02", Nationality: "NO"}
	}
	return idvDefaultPerson
}

func idvIdentityOf(p IDVPerson, id int64, face bool, now time.Time) *idvIdentity {
	given, surname := p.Name, ""
	if i := strings.LastIndex(p.Name, " "); i > 0 {
		given, surname = p.Name[:i], p.Name[i+1:]
	}
	dob := p.BirthDate
	if len(dob) == 4 {
		dob += "-01-01"
	}
	nat := cmp.Or(p.Nationality, "NO")
	pn := ""
	if t, err := time.Parse(time.DateOnly, dob); err == nil {
		pn = t.Format("020106") + fmt.Sprintf("%05d", id%100000)
	}
	issuer := "Sandbox passport office"
	if nat == "NO" {
		issuer = "Politiet"
	}
	out := &idvIdentity{
		GivenNames: given, Surname: surname, Nationality: nat, DateOfBirth: dob, PersonalNumber: pn,
		DocumentType: "PASSPORT", DocumentNumber: "P" + strconv.FormatInt(1000000+id%9000000, 10),
		ExpiryDate: now.AddDate(5, 0, 0).Format(time.DateOnly), IssuingCountry: nat, Issuer: issuer,
		Portrait: "c2FuZGJveC1wb3J0cmFpdA==", UserIP: "127.0.0.1", UserAgent: "sandbox-idv/1.0",
	}
	if face {
		out.Face = "c2FuZGJveC1mYWNl"
	}
	return out
}

// doc renders session.get: flat, every property present. Call with s.mu held.
func (ss *idvSession) doc() map[string]any {
	id := ss.Identity
	return map[string]any{
		"id": ss.ID, "created": ss.Created.UTC().Format(time.RFC3339), "expires": ss.Expires.UTC().Format(time.RFC3339),
		"state": ss.State, "reference": ss.Reference, "user_ip": id.UserIP, "user_agent": id.UserAgent,
		"given_names": id.GivenNames, "surname": id.Surname, "nationality": id.Nationality, "sex": id.Sex,
		"date_of_birth": id.DateOfBirth, "personal_number": id.PersonalNumber, "document_type": id.DocumentType,
		"document_number": id.DocumentNumber, "expiry_date": id.ExpiryDate, "issuing_country": id.IssuingCountry,
		"issuer": id.Issuer, "portrait": id.Portrait, "face": id.Face,
	}
}

// idvFind resolves a control endpoint's {ref}: a session id or, failing that, the newest
// session with that reference.
func (s *Server) idvFind(ref string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if _, ok := s.idv.sessions[id]; ok {
			return id, true
		}
	}
	for i := len(s.idv.order) - 1; i >= 0; i-- {
		if ss := s.idv.sessions[s.idv.order[i]]; ss.Reference == ref {
			return ss.ID, true
		}
	}
	return 0, false
}

// idvControlGet: GET /control/idv/sessions/{ref}
func (s *Server) idvControlGet(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idvFind(r.PathValue("ref"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no session with id or reference " + r.PathValue("ref")})
		return
	}
	s.mu.Lock()
	ss := s.idv.sessions[id]
	doc := ss.doc()
	doc["callback_url"] = ss.CallbackURL // control only: session.get does not document it
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, doc)
}

// idvControlStart: POST /control/idv/sessions/{ref}/start (the person opens the session).
func (s *Server) idvControlStart(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idvFind(r.PathValue("ref"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no session with id or reference " + r.PathValue("ref")})
		return
	}
	if err := s.idvTransition(id, "IN_PROGRESS", nil); err != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		return
	}
	s.idvControlGet(w, r)
}

// idvControlFinish: POST /control/idv/sessions/{ref}/finish {"state": "COMPLETED" (default) |
// "FAILED" | "EXPIRED", "match": true (default), "person": {name, birthDate, nationality}}.
func (s *Server) idvControlFinish(w http.ResponseWriter, r *http.Request) {
	var in struct {
		State  string     `json:"state"`
		Match  *bool      `json:"match"`
		Person *IDVPerson `json:"person"`
	}
	if err := readJSON(r, &in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON: " + err.Error()})
		return
	}
	in.State = strings.ToUpper(cmp.Or(in.State, "COMPLETED"))
	if in.State != "COMPLETED" && in.State != "FAILED" && in.State != "EXPIRED" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "state must be COMPLETED, FAILED or EXPIRED"})
		return
	}
	id, ok := s.idvFind(r.PathValue("ref"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no session with id or reference " + r.PathValue("ref")})
		return
	}
	match := in.Match == nil || *in.Match
	if err := s.idvFinish(id, in.State, match, in.Person); err != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		return
	}
	s.idvControlGet(w, r)
}
