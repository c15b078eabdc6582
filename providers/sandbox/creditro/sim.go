// Package creditro is the sandbox's Creditro (prior KYC cases), served under
// /creditro/{customerId}.
//
// Sandbox choices where the seed is silent (also in the README):
//   - "Get KYC cases by customerId" answers both POST (the seed's example) and GET (its name)
//     with {"items":[...]}; an item is {id, companyName, registrationNumber, country, status,
//     riskLevel, createdAt, updatedAt};
//   - API tokens are HS256 JWTs signed with a sandbox key (Token mints one; so does
//     GET /control/creditro/token). A token that is not such a JWT, lacks the customer claim,
//     names another customer than the sandbox's, or is past its exp gets 401; a valid token
//     asking for another customer's path gets 403;
//   - the sandbox customer starts with prior KYC cases for two of the Quickr test companies
//     (Ragnarok AS approved, Ecbert Holdings AS rejected); POST /control/creditro/cases adds
//     more;
//   - an injected 429 answers with the seed's text body "API calls quota exceeded! (...)";
//     other errors are {"statusCode", "message", "error"} (the seed shows no JSON error body).
package creditro

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/merchantflow/onboarding/providers/sandbox/core"
	"github.com/merchantflow/onboarding/providers/sandbox/seeddata"
)

// signingKey signs sandbox API tokens. It only ever unlocks the sandbox.
const signingKey = "sandbox-creditro-signing-key"

// Config is what the Creditro simulator needs of the sandbox's configuration.
type Config struct {
	CustomerID string // the one customer the sandbox knows
}

// Sim is the Creditro simulator.
type Sim struct {
	core *core.Core
	cfg  Config

	mu    sync.Mutex                  // guards the cases
	cases map[string][]map[string]any // customer id -> KYC cases, oldest first
	seq   int
}

// New builds the simulator with the sandbox customer's prior cases; register it with the
// core.
func New(c *core.Core, cfg Config) *Sim {
	s := &Sim{core: c, cfg: cfg, cases: map[string][]map[string]any{}}
	created := time.Date(2024, 3, 4, 9, 30, 0, 0, time.UTC)
	for _, seed := range []struct{ org, status, risk string }{{"987654321", "APPROVED", "LOW"}, {"987123654", "REJECTED", "HIGH"}} {
		tc := seeddata.TestCompanies[seed.org]
		s.addCaseLocked(tc.Name, tc.OrgNumber, tc.Country, seed.status, seed.risk, created)
		created = created.Add(36 * time.Hour)
	}
	return s
}

// Name is the simulator's fault and counter key.
func (s *Sim) Name() string { return "creditro" }

// Mount registers the API and the control endpoints.
func (s *Sim) Mount(r *core.Routes) {
	r.API("POST /creditro/{customerId}", s.listCases)
	r.API("GET /creditro/{customerId}", s.listCases)

	r.Control("GET", "/token", s.controlToken)
	r.Control("POST", "/cases", s.controlAddCase)
}

// WriteError answers {"statusCode", "message", "error"}, and a 429 as the seed's text.
func (s *Sim) WriteError(w http.ResponseWriter, status int, code, msg string) {
	writeError(w, status, code, msg)
}

// addCaseLocked adds a KYC case for the sandbox customer and returns it.
func (s *Sim) addCaseLocked(name, org, country, status, risk string, at time.Time) map[string]any {
	s.seq++
	ts := at.UTC().Format(time.RFC3339)
	c := map[string]any{
		"id": fmt.Sprintf("kyc_%06d", s.seq), "companyName": name, "registrationNumber": org, "country": country,
		"status": status, "riskLevel": risk, "createdAt": ts, "updatedAt": ts,
	}
	s.cases[s.cfg.CustomerID] = append(s.cases[s.cfg.CustomerID], c)
	return c
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	if status == http.StatusTooManyRequests {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, "API calls quota exceeded! (%s)", msg)
		return
	}
	core.WriteJSON(w, status, map[string]any{"statusCode": status, "message": msg, "error": code})
}

// Token mints a sandbox Creditro API token for customerID: an HS256 JWT whose
// "customer" claim is the customer id, as the real tokens carry it. A zero exp means the token
// never expires.
func Token(customerID string, exp time.Time) string {
	claims := map[string]any{"customer": customerID, "name": "sandbox"}
	if !exp.IsZero() {
		claims["exp"] = exp.Unix()
	}
	enc := base64.RawURLEncoding
	payload, _ := json.Marshal(claims)
	unsigned := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(payload)
	return unsigned + "." + enc.EncodeToString(mac(unsigned))
}

func mac(unsigned string) []byte {
	m := hmac.New(sha256.New, []byte(signingKey))
	m.Write([]byte(unsigned))
	return m.Sum(nil)
}

// customer verifies a token and returns its customer claim.
func (s *Sim) customer(tok string) (string, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("token is not a JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac(parts[0]+"."+parts[1])) {
		return "", fmt.Errorf("token signature is invalid")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("token payload is not base64url")
	}
	var claims struct {
		Customer any    `json:"customer"`
		Exp      *int64 `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return "", fmt.Errorf("token payload is not JSON")
	}
	if claims.Exp != nil && !s.core.Now().Before(time.Unix(*claims.Exp, 0)) {
		return "", fmt.Errorf("token has expired")
	}
	cust := ""
	switch v := claims.Customer.(type) {
	case string:
		cust = v
	case float64:
		cust = fmt.Sprint(int64(v))
	}
	if cust == "" {
		return "", fmt.Errorf("token has no customer claim")
	}
	if cust != s.cfg.CustomerID {
		return "", fmt.Errorf("unknown customer")
	}
	return cust, nil
}

// listCases: POST|GET /creditro/{customerId} -> {"items":[...]}
func (s *Sim) listCases(w http.ResponseWriter, r *http.Request) {
	cust, err := s.customer(core.Bearer(r))
	if err != nil {
		writeError(w, http.StatusUnauthorized, "Unauthorized", err.Error())
		return
	}
	if r.PathValue("customerId") != cust {
		writeError(w, http.StatusForbidden, "Forbidden", "you do not have access to this customer")
		return
	}
	s.mu.Lock()
	items := make([]map[string]any, 0, len(s.cases[cust]))
	items = append(items, s.cases[cust]...)
	s.mu.Unlock()
	core.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

// controlToken: GET /control/creditro/token[?ttl=1h] mints a token for the sandbox
// customer.
func (s *Sim) controlToken(w http.ResponseWriter, r *http.Request) {
	var exp time.Time
	if ttl := r.URL.Query().Get("ttl"); ttl != "" {
		d, err := time.ParseDuration(ttl)
		if err != nil || d <= 0 {
			core.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "ttl must be a positive Go duration"})
			return
		}
		exp = s.core.Now().Add(d)
	}
	cust := s.cfg.CustomerID
	core.WriteJSON(w, http.StatusOK, map[string]any{"customer": cust, "token": Token(cust, exp)})
}

// controlAddCase: POST /control/creditro/cases {companyName, registrationNumber,
// country, status, riskLevel} adds a prior KYC case for the sandbox customer. A known test
// company's name and country are filled from its registration number.
func (s *Sim) controlAddCase(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CompanyName        string `json:"companyName"`
		RegistrationNumber string `json:"registrationNumber"`
		Country            string `json:"country"`
		Status             string `json:"status"`
		RiskLevel          string `json:"riskLevel"`
	}
	if err := core.ReadJSON(r, &in); err != nil {
		core.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON: " + err.Error()})
		return
	}
	if in.RegistrationNumber == "" {
		core.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "registrationNumber is required"})
		return
	}
	if tc, ok := seeddata.TestCompanies[in.RegistrationNumber]; ok {
		in.CompanyName = cmp.Or(in.CompanyName, tc.Name)
		in.Country = cmp.Or(in.Country, tc.Country)
	}
	in.Status = cmp.Or(in.Status, "APPROVED")
	in.RiskLevel = cmp.Or(in.RiskLevel, "LOW")
	s.mu.Lock()
	c := s.addCaseLocked(in.CompanyName, in.RegistrationNumber, in.Country, in.Status, in.RiskLevel, s.core.Now())
	s.mu.Unlock()
	core.WriteJSON(w, http.StatusCreated, c)
}
