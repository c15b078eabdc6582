package idv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Session states. The seed documents only CREATED; the rest are the sandbox convention
// ([SBX] in providers.md) and the ones the engine treats as terminal.
const (
	StateCreated    = "CREATED"
	StateInProgress = "IN_PROGRESS"
	StateCompleted  = "COMPLETED"
	StateFailed     = "FAILED"
	StateExpired    = "EXPIRED"
)

// Terminal reports whether a session in state s will not change any more.
func Terminal(s string) bool {
	return s == StateCompleted || s == StateFailed || s == StateExpired
}

// CreateSessionInput is the body of session.create. Every property is optional.
type CreateSessionInput struct {
	CallbackURL      string `json:"callback_url,omitempty"`
	FaceVerification bool   `json:"face_verification"`
	Reference        string `json:"reference,omitempty"`
}

// CreatedSession is the response of session.create. Token is what the end user's front end
// uses to run the session.
type CreatedSession struct {
	ID    int64  `json:"id"`
	Token string `json:"token"`
}

// UnmarshalJSON accepts the id as a number (documented) or a numeric string.
func (c *CreatedSession) UnmarshalJSON(b []byte) error {
	type plain CreatedSession
	var w struct {
		plain
		ID flexID `json:"id"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = CreatedSession(w.plain)
	c.ID = int64(w.ID)
	return nil
}

// Session is the response of session.get: flat, every value a string except the id.
// Timestamps are YYYY-MM-DDTHH:MM:SSZ, dates YYYY-MM-DD, countries ISO 3166 alpha-2.
// Portrait and Face are images of the person: PII, never logged.
type Session struct {
	ID             int64  `json:"id"`
	Created        string `json:"created,omitempty"`
	Expires        string `json:"expires,omitempty"`
	State          string `json:"state"`
	Reference      string `json:"reference,omitempty"`
	UserIP         string `json:"user_ip,omitempty"`
	UserAgent      string `json:"user_agent,omitempty"`
	GivenNames     string `json:"given_names,omitempty"`
	Surname        string `json:"surname,omitempty"`
	Nationality    string `json:"nationality,omitempty"`
	Sex            string `json:"sex,omitempty"`
	DateOfBirth    string `json:"date_of_birth,omitempty"`
	PersonalNumber string `json:"personal_number,omitempty"`
	DocumentType   string `json:"document_type,omitempty"`
	DocumentNumber string `json:"document_number,omitempty"`
	ExpiryDate     string `json:"expiry_date,omitempty"`
	IssuingCountry string `json:"issuing_country,omitempty"`
	Issuer         string `json:"issuer,omitempty"`
	Portrait       string `json:"portrait,omitempty"`
	Face           string `json:"face,omitempty"`
}

// UnmarshalJSON accepts the id as a number (documented) or a numeric string.
func (s *Session) UnmarshalJSON(b []byte) error {
	type plain Session
	var w struct {
		plain
		ID flexID `json:"id"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = Session(w.plain)
	s.ID = int64(w.ID)
	return nil
}

// CallbackEvent is what the provider posts to a session's callback_url when its state
// changes. The seed documents no callback payload; {id, state, reference} is the sandbox
// convention ([SBX]), flat like every other response of this API.
type CallbackEvent struct {
	ID        int64  `json:"id"`
	State     string `json:"state"`
	Reference string `json:"reference,omitempty"`
}

// UnmarshalJSON accepts the id as a number (documented) or a numeric string.
func (e *CallbackEvent) UnmarshalJSON(b []byte) error {
	type plain CallbackEvent
	var w struct {
		plain
		ID flexID `json:"id"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = CallbackEvent(w.plain)
	e.ID = int64(w.ID)
	return nil
}

// idRequest is the body of session.get and session.state.
type idRequest struct {
	ID int64 `json:"id"`
}

type stateResponse struct {
	State string `json:"state"`
}

// apiError is the documented error body.
type apiError struct {
	ErrorMessage string `json:"error_message"`
	ErrorName    string `json:"error_name"`
}

// flexID is a 64-bit id sent as a JSON number (documented) or, defensively, a numeric string.
type flexID int64

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	s := string(bytes.Trim(b, `"`))
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("idv: id %s is not a 64-bit integer", b)
	}
	*f = flexID(n)
	return nil
}
