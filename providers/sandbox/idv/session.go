package idv

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/seeddata"
)

// A session's life: its states, the person it verifies and its document.

type session struct {
	ID               int64
	Token            string
	Created          time.Time
	Expires          time.Time
	State            string
	Reference        string
	CallbackURL      string
	FaceVerification bool
	Identity         verified
	Opened           bool // by a person, with the token
}

// verified is the verified person and document.
type verified struct {
	GivenNames, Surname, Nationality, Sex, DateOfBirth, PersonalNumber string
	DocumentType, DocumentNumber, ExpiryDate, IssuingCountry, Issuer   string
	Portrait, Face, UserIP, UserAgent                                  string
}

// Person is the person a control call completes a session for.
type Person struct {
	Name        string `json:"name"`        // "Given Names Surname"
	BirthDate   string `json:"birthDate"`   // YYYY-MM-DD (a bare year is read as YYYY-01-01)
	Nationality string `json:"nationality"` // ISO 3166 alpha-2, default NO
}

var defaultPerson = Person{Name: "Kari Nordmann", BirthDate: "1985-03-14", Nationality: "NO"}

// legalMove is the legal move from one state to another.
func legalMove(from, to string) bool {
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

// transition moves a session to state (setting identity on COMPLETED) and sends the
// callback. It fails when the move is not legal from the current state.
func (s *Sim) transition(id int64, state string, identity *verified) error {
	s.mu.Lock()
	ss, ok := s.sessions[id]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("no session %d", id)
	}
	if !legalMove(ss.State, state) {
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
	s.core.Webhook("idv", url, ref, "session."+strings.ToLower(state), payload)
	return nil
}

// stateOf is the session's state ("" when there is none).
func (s *Sim) stateOf(id int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.sessions[id]; ok {
		return ss.State
	}
	return ""
}

// finish ends a session as a person would: from CREATED it passes IN_PROGRESS first.
// COMPLETED verifies person (the expected one when nil), or someone else when match is false.
func (s *Sim) finish(id int64, state string, match bool, person *Person) error {
	s.mu.Lock()
	ss, ok := s.sessions[id]
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
		if err := s.transition(id, "IN_PROGRESS", nil); err != nil && s.stateOf(id) != "IN_PROGRESS" {
			return err
		}
	}
	var identity *verified
	if state == "COMPLETED" {
		p := expectedPerson(ref)
		if person != nil && person.Name != "" {
			p = *person
		}
		if !match {
			p = otherPerson(p)
		}
		identity = identityOf(p, id, face, s.core.Now())
	}
	return s.transition(id, state, identity)
}

// expectedPerson is who the sandbox verifies by default for a reference.
func expectedPerson(ref string) Person {
	for _, org := range seeddata.CompanyOrgs() {
		if tc := seeddata.TestCompanies[org]; strings.Contains(ref, org) && len(tc.Board) > 0 {
			b := tc.Board[0]
			return Person{Name: b.Name, BirthDate: b.BirthDate, Nationality: tc.Country}
		}
	}
	return defaultPerson
}

// otherPerson is a verified identity that does not match p.
func otherPerson(p Person) Person {
	if p.Name == defaultPerson.Name {
		return Person{Name: "Ola Nordmann", BirthDate: "1979-11-02", Nationality: "NO"}
	}
	return defaultPerson
}

func identityOf(p Person, id int64, face bool, now time.Time) *verified {
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
	out := &verified{
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
func (ss *session) doc() map[string]any {
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
