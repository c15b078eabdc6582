// Package openbanking is the sandbox's open-banking credit decisioning provider, served
// under /openbanking. Every path and shape here is a sandbox convention ([SBX] in
// providers.md §6): the seed's code samples were stripped.
//
// Sandbox choices (also in the README):
//   - POST /openbanking/oauth/token takes client_id and client_secret as a form, JSON or HTTP
//     Basic, and returns {access_token, token_type: "Bearer", expires_in: 3600};
//   - POST /customers {customIdentifier} -> 201 {id, customIdentifier, createdAt}; a second one
//     with the same customIdentifier -> 422; GET /customers?customIdentifier= -> {"data":[...]};
//   - POST /customers/{id}/analyses {accounts, transactions} -> 202 {id, status: IN_PROGRESS};
//     GET /customers/{id}/analyses/{analysisId} -> {id, status, scores, creditInsights}, the
//     last two once COMPLETED (automatically after Config.Delay, or on
//     POST /control/openbanking/analyses/{ref}/finish in manual mode);
//   - scores.creditScore {value 0..1000, indicators} is 820 with no indicators for the good
//     profile and 310 with four raised indicators for the risky one. An analysis is risky
//     when its upload reads so (more spent than earned, an account overdrawn, or a
//     transaction categorised GAMBLING, DEBT_COLLECTION or UNPAID_DIRECT_DEBIT), or its
//     customer is: a customIdentifier containing "risky", or after POST
//     /control/openbanking/customers/{ref}/profile {"profile":"risky"}; a finish call may also
//     name the profile. creditInsights are computed from the uploaded transactions;
//   - GET /customers/{id}/analyses -> {"data":[analysis...]}, oldest first (404 for an unknown
//     customer), so a client can find the analysis it started before a lost response;
//   - errors are {"code", "message"}; token errors are OAuth's {error, error_description}.
//   - no completion webhook (its configuration is undocumented).
package openbanking

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
)

// Side-effect kinds counted per customIdentifier.
const (
	CountCustomers = "customers"
	CountAnalyses  = "analyses"
)

// Config is what the open-banking simulator needs of the sandbox's configuration.
type Config struct {
	ClientID, Secret string
	Delay            time.Duration // automatic mode: analysis created -> COMPLETED
}

// Sim is the open-banking simulator.
type Sim struct {
	core *core.Core
	cfg  Config

	tokens *core.Tokens

	mu        sync.Mutex // guards everything below
	customers map[string]*customer
	byIdent   map[string]string // customIdentifier -> customer id
	analyses  map[string]*analysis
	order     []string // analysis ids, oldest first
	seq       int
}

// New builds the simulator; register it with the core.
func New(c *core.Core, cfg Config) *Sim {
	return &Sim{
		core: c, cfg: cfg,
		tokens: c.NewTokens(tokenTTL), customers: map[string]*customer{}, byIdent: map[string]string{},
		analyses: map[string]*analysis{},
	}
}

// Name is the simulator's fault and counter key.
func (s *Sim) Name() string { return "openbanking" }

// Mount registers the API and the control endpoints.
func (s *Sim) Mount(r *core.Routes) {
	r.API("POST /openbanking/oauth/token", s.issueToken)
	r.API("POST /openbanking/customers", s.auth(s.createCustomer))
	r.API("GET /openbanking/customers", s.auth(s.listCustomers))
	r.API("GET /openbanking/customers/{id}", s.auth(s.getCustomer))
	r.API("POST /openbanking/customers/{id}/analyses", s.auth(s.createAnalysis))
	r.API("GET /openbanking/customers/{id}/analyses", s.auth(s.listAnalyses))
	r.API("GET /openbanking/customers/{id}/analyses/{analysisId}", s.auth(s.getAnalysis))

	r.Control("POST", "/customers/{ref}/profile", s.controlProfile)
	r.Control("GET", "/analyses/{ref}", s.controlGet)
	r.Control("POST", "/analyses/{ref}/finish", s.controlFinish)
}

// WriteError answers {"code", "message"}.
func (s *Sim) WriteError(w http.ResponseWriter, status int, code, msg string) {
	writeError(w, status, code, msg)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	core.WriteJSON(w, status, map[string]string{"code": code, "message": msg})
}

const tokenTTL = time.Hour

// issueToken: client credentials as a form, JSON or Basic auth.
func (s *Sim) issueToken(w http.ResponseWriter, r *http.Request) {
	var id, secret, grant string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var in struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
			GrantType    string `json:"grant_type"`
		}
		if err := core.ReadJSON(r, &in); err != nil {
			core.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "body is not valid JSON"})
			return
		}
		id, secret, grant = in.ClientID, in.ClientSecret, in.GrantType
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
		if err := r.ParseForm(); err != nil {
			core.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "body is not a form"})
			return
		}
		id, secret, grant = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), r.PostForm.Get("grant_type")
	}
	if u, p, ok := r.BasicAuth(); ok && id == "" {
		id, secret = u, p
	}
	if grant != "" && grant != "client_credentials" {
		core.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "only client_credentials is supported"})
		return
	}
	if id != s.cfg.ClientID || secret != s.cfg.Secret {
		core.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "unknown client_id or wrong client_secret"})
		return
	}
	tok := fmt.Sprintf("obtok_%08x%08x", s.core.Intn(1<<31), s.core.Intn(1<<31))
	core.WriteJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": s.tokens.Issue(tok)})
}

func (s *Sim) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.tokens.Valid(r) {
			writeError(w, http.StatusUnauthorized, "UNAUTHORIZED", "access token missing, unknown or expired")
			return
		}
		h(w, r)
	}
}

type customer struct {
	ID, CustomIdentifier string
	CreatedAt            time.Time
	Risky                bool
}

func (c *customer) doc() map[string]any {
	return map[string]any{"id": c.ID, "customIdentifier": c.CustomIdentifier, "createdAt": c.CreatedAt.UTC().Format(time.RFC3339)}
}

func (s *Sim) createCustomer(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CustomIdentifier string `json:"customIdentifier"`
	}
	if err := core.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST", "body is not valid JSON: "+err.Error())
		return
	}
	if strings.TrimSpace(in.CustomIdentifier) == "" {
		writeError(w, http.StatusBadRequest, "INVALID_REQUEST", "customIdentifier is required")
		return
	}
	s.mu.Lock()
	if _, dup := s.byIdent[in.CustomIdentifier]; dup {
		s.mu.Unlock()
		writeError(w, http.StatusUnprocessableEntity, "CUSTOMER_ALREADY_EXISTS", "a customer with customIdentifier "+in.CustomIdentifier+" already exists")
		return
	}
	s.seq++
	c := &customer{
		ID:               fmt.Sprintf("cus_%06d", s.seq),
		CustomIdentifier: in.CustomIdentifier,
		CreatedAt:        s.core.Now(),
		Risky:            strings.Contains(strings.ToLower(in.CustomIdentifier), "risky"),
	}
	s.customers[c.ID] = c
	s.byIdent[c.CustomIdentifier] = c.ID
	doc := c.doc()
	s.mu.Unlock()
	s.core.Counters().Add(c.CustomIdentifier, CountCustomers)
	core.WriteJSON(w, http.StatusCreated, doc)
}

// listCustomers: GET /customers[?customIdentifier=] -> {"data":[...]}
func (s *Sim) listCustomers(w http.ResponseWriter, r *http.Request) {
	ident := r.URL.Query().Get("customIdentifier")
	s.mu.Lock()
	data := []map[string]any{}
	if ident != "" {
		if id, ok := s.byIdent[ident]; ok {
			data = append(data, s.customers[id].doc())
		}
	} else {
		for i := 1; i <= s.seq; i++ {
			if c, ok := s.customers[fmt.Sprintf("cus_%06d", i)]; ok {
				data = append(data, c.doc())
			}
		}
	}
	s.mu.Unlock()
	core.WriteJSON(w, http.StatusOK, map[string]any{"data": data})
}

func (s *Sim) getCustomer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	doc := core.Locked(&s.mu, func() map[string]any {
		if c, ok := s.customers[id]; ok {
			return c.doc()
		}
		return nil
	})
	core.WriteFound(w, doc, func(w http.ResponseWriter) {
		writeError(w, http.StatusNotFound, "CUSTOMER_NOT_FOUND", "no customer "+id)
	})
}

// controlProfile: POST /control/openbanking/customers/{ref}/profile {"profile":"good"|"risky"}
// sets the profile of a customer (id or customIdentifier) for analyses that finish later.
func (s *Sim) controlProfile(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Profile string `json:"profile"`
	}
	if err := core.ReadJSON(r, &in); err != nil || (in.Profile != "good" && in.Profile != "risky") {
		core.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"profile": "good"|"risky"}`})
		return
	}
	ref := r.PathValue("ref")
	s.mu.Lock()
	c, ok := s.customers[ref]
	if !ok {
		if id, found := s.byIdent[ref]; found {
			c, ok = s.customers[id], true
		}
	}
	var doc map[string]any
	if ok {
		c.Risky = in.Profile == "risky"
		doc = c.doc()
		doc["profile"] = in.Profile
	}
	s.mu.Unlock()
	if !ok {
		core.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no customer with id or customIdentifier " + ref})
		return
	}
	core.WriteJSON(w, http.StatusOK, doc)
}
