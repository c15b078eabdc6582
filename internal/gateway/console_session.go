package gateway

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// The console's sessions live in the gateway's memory: the browser holds only a random id in
// an HttpOnly, SameSite=Strict cookie, never the agent's token. A session ends when it has been
// idle for ConsoleIdle, ConsoleMaxAge after sign-in, at sign-out, or when the gateway restarts
// (the agent signs in again). Each carries its own CSRF token, which every form sends back.

const (
	sessionCookie = "onboarding_console"
	signinCookie  = "onboarding_console_signin" // the sign-in form's CSRF token, before a session exists
	consolePath   = "/console"

	defaultConsoleIdle   = 30 * time.Minute
	defaultConsoleMaxAge = 8 * time.Hour
	maxSessions          = 10000
)

// session is one signed-in agent.
type session struct {
	agent    Token // Secret cleared: the session never needs it again
	csrf     string
	created  time.Time
	lastSeen time.Time
	flash    *flash // shown once, on the next page
}

// flash is the answer to the last form an agent sent, shown on the page it lands on.
type flash struct {
	OK      bool
	Message string
	Detail  string
}

type sessions struct {
	mu     sync.Mutex
	byHash map[[32]byte]*session
	idle   time.Duration
	maxAge time.Duration
	now    func() time.Time
}

func newSessions(idle, maxAge time.Duration, now func() time.Time) *sessions {
	if idle <= 0 {
		idle = defaultConsoleIdle
	}
	if maxAge <= 0 {
		maxAge = defaultConsoleMaxAge
	}
	return &sessions{byHash: map[[32]byte]*session{}, idle: idle, maxAge: maxAge, now: now}
}

// randomToken is 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error()) // the runtime's generator does not fail
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session for agent and returns the id for its cookie. The map is keyed by
// the id's digest, so the ids themselves are kept nowhere.
func (ss *sessions) create(agent Token) string {
	agent.Secret = ""
	id := randomToken()
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.byHash) >= maxSessions {
		ss.sweepLocked(now)
	}
	if len(ss.byHash) >= maxSessions {
		// Still full: the oldest sign-in makes room.
		var oldest [32]byte
		var at time.Time
		for k, s := range ss.byHash {
			if at.IsZero() || s.created.Before(at) {
				oldest, at = k, s.created
			}
		}
		delete(ss.byHash, oldest)
	}
	ss.byHash[sha256.Sum256([]byte(id))] = &session{agent: agent, csrf: randomToken(), created: now, lastSeen: now}
	return id
}

func (ss *sessions) expired(s *session, now time.Time) bool {
	return now.Sub(s.lastSeen) >= ss.idle || now.Sub(s.created) >= ss.maxAge
}

func (ss *sessions) sweepLocked(now time.Time) {
	for k, s := range ss.byHash {
		if ss.expired(s, now) {
			delete(ss.byHash, k)
		}
	}
}

// get returns a copy of the live session with id, and marks it seen; an expired one is removed.
func (ss *sessions) get(id string) (session, bool) {
	if id == "" {
		return session{}, false
	}
	k := sha256.Sum256([]byte(id))
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.byHash[k]
	if !ok {
		return session{}, false
	}
	if ss.expired(s, now) {
		delete(ss.byHash, k)
		return session{}, false
	}
	s.lastSeen = now
	return *s, true
}

// takeFlash returns and clears the session's flash.
func (ss *sessions) takeFlash(id string) *flash {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if s, ok := ss.byHash[sha256.Sum256([]byte(id))]; ok {
		f := s.flash
		s.flash = nil
		return f
	}
	return nil
}

func (ss *sessions) setFlash(id string, f *flash) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if s, ok := ss.byHash[sha256.Sum256([]byte(id))]; ok {
		s.flash = f
	}
}

func (ss *sessions) remove(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.byHash, sha256.Sum256([]byte(id)))
}

// sameToken compares two tokens in constant time.
func sameToken(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	x, y := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(x[:], y[:]) == 1
}

// setCookie writes a console cookie: HttpOnly, SameSite=Strict, scoped to /console, Secure when
// the request came over TLS (the loopback stack serves plain HTTP). maxAge < 0 deletes it.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: consolePath, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
}

// sameOrigin refuses a state change sent from another site: a browser names the origin of a
// form post (Origin) and whether it is this site's own (Sec-Fetch-Site). Either, when present,
// must say this site; the CSRF token is checked besides.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host && (u.Scheme == "http" || u.Scheme == "https")
}
