// Package quickr is the sandbox's Quickr: KYC cases, declarations, contracts and signing,
// checks from the seed's test data, agent decisions, notes and automations, served under
// /quickr/v2/accounts/{aid}/, with control endpoints under /control/quickr/ that play the
// merchant and the signatories. What it does where the seed is silent is in BEHAVIOUR.md.
package quickr

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
)

// Side-effect kinds counted per reference (the case's reference).
const (
	CountCases           = "cases"
	CountContractsReopen = "contractsReopened"
	CountContractsNew    = "contractsCreated"
	CountDecisions       = "agentDecisions"
	CountNotes           = "notes"
	CountArchived        = "casesArchived"
)

// RequestListCases is the case list the reconciler sweeps, as the request counters name it.
const RequestListCases = "quickr GET /quickr/v2/accounts/{aid}/cases"

// RequestGetCase is one read of one case: what the onboardings' case checks cost.
const RequestGetCase = RequestListCases + "/{cid}"

// Config is what the Quickr simulator needs of the sandbox's configuration.
type Config struct {
	AccountID, APIKey string
	// ChecksDelay applies in both modes: Quickr runs checks "a few seconds" after the last
	// data arrives.
	ChecksDelay time.Duration
	// ContractTTL is how long a contract stays signable.
	ContractTTL time.Duration
	// Automatic mode: case created -> declaration finished, contract created -> signed.
	DeclareDelay, SignDelay time.Duration
}

// Sim is the Quickr simulator.
type Sim struct {
	core *core.Core
	cfg  Config

	tokens *core.Tokens

	mu    sync.Mutex // guards everything below
	cases map[string]*qCase
	order []string // case ids, oldest first
	seq   int

	eventSeq    int
	contractSeq int
	sigSeq      int
	noteSeq     int

	automations map[string]map[string]any
	autoOrder   []string
	autoSeq     int
}

// New builds the simulator; register it with the core.
func New(c *core.Core, cfg Config) *Sim {
	return &Sim{
		core: c, cfg: cfg,
		tokens: c.NewTokens(tokenTTL), cases: map[string]*qCase{}, automations: map[string]map[string]any{},
	}
}

// Name is the simulator's fault and counter key.
func (s *Sim) Name() string { return "quickr" }

// Mount registers the API and the control endpoints.
func (s *Sim) Mount(r *core.Routes) {
	const base = "/quickr/v2/accounts/{aid}"
	r.API("POST "+base+"/auth/token", s.issueToken)
	r.API("GET "+base+"/cases/{cid}/contracts/{kid}/signatories/{sid}/sign", s.signLink)
	for _, rt := range []struct {
		pattern string
		h       http.HandlerFunc
	}{
		{"POST /cases", s.createCase},
		{"GET /cases", s.listCases},
		{"GET /cases/{cid}", s.getCase},
		{"GET /cases/{cid}/declarations/{did}", s.getDeclaration},
		{"PUT /cases/{cid}/declarations/{did}", s.putDeclaration},
		{"GET /cases/{cid}/events", s.listEvents},
		{"GET /cases/{cid}/contracts/{kid}", s.getContract},
		{"POST /cases/{cid}/contracts/new", s.newContract},
		{"POST /cases/{cid}/contracts/{kid}", s.contractAction},
		{"POST /cases/{cid}/agent-decisions", s.agentDecision},
		{"POST /cases/{cid}/notes", s.createNote},
		{"GET /cases/{cid}/notes", s.listNotes},
		{"POST /automations", s.createAutomation},
		{"GET /automations", s.listAutomations},
		{"GET /automations/{atid}", s.getAutomation},
		{"PUT /automations/{atid}", s.updateAutomation},
	} {
		method, path, _ := strings.Cut(rt.pattern, " ")
		r.API(method+" "+base+path, s.auth(rt.h))
	}
	s.mountControl(r)
}

// WriteError answers in Quickr's error shape {"error":{code,errors,message}}.
func (s *Sim) WriteError(w http.ResponseWriter, status int, code, msg string) {
	writeError(w, status, code, msg)
}

const tokenTTL = time.Hour

var accountRE = regexp.MustCompile(`^[PT]Q\d{7}$`)

func writeError(w http.ResponseWriter, status int, code, msg string) {
	core.WriteJSON(w, status, map[string]any{"error": map[string]any{"code": code, "errors": []any{}, "message": msg}})
}

func (s *Sim) issueToken(w http.ResponseWriter, r *http.Request) {
	aid := r.PathValue("aid")
	if !accountRE.MatchString(aid) {
		writeError(w, http.StatusBadRequest, "invalid_account_id", "account id must match ^[PT]Q\\d{7}$")
		return
	}
	if aid != s.cfg.AccountID || core.Bearer(r) != s.cfg.APIKey {
		writeError(w, http.StatusUnauthorized, "unauthorized", "invalid API key for this account")
		return
	}
	tok := fmt.Sprintf("qtok_%x", s.core.Intn(1<<30)) + fmt.Sprintf("%x", s.core.Intn(1<<30))
	core.WriteJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": s.tokens.Issue(tok)})
}

// auth accepts a live access token for the configured account.
func (s *Sim) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("aid") != s.cfg.AccountID {
			writeError(w, http.StatusNotFound, "account_not_found", "unknown account")
			return
		}
		if !s.tokens.Valid(r) {
			writeError(w, http.StatusUnauthorized, "unauthorized", "access token missing, unknown or expired")
			return
		}
		h(w, r)
	}
}

// qErr is a refusal with an HTTP status, for API handlers and control endpoints alike.
type qErr struct {
	status int
	code   string
	msg    string
}

func (e *qErr) Error() string { return e.msg }

func qNotFound(code, msg string) error { return &qErr{http.StatusNotFound, code, msg} }

func qConflict(code, msg string) error { return &qErr{http.StatusConflict, code, msg} }

// writeQErr answers err in Quickr's error shape (500 for anything that is not a *qErr).
func writeQErr(w http.ResponseWriter, err error) {
	var qe *qErr
	if errors.As(err, &qe) {
		writeError(w, qe.status, qe.code, qe.msg)
		return
	}
	writeError(w, http.StatusInternalServerError, "internal_error", err.Error())
}
