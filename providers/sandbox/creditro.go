package sandbox

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Creditro imitation, served under /creditro/{customerId}.
//
// Sandbox choices where the seed is silent (also in the README):
//   - "Get KYC cases by customerId" answers both POST (the seed's example) and GET (its name)
//     with {"items":[...]}; an item is {id, companyName, registrationNumber, country, status,
//     riskLevel, createdAt, updatedAt};
//   - API tokens are HS256 JWTs signed with a sandbox key (CreditroToken mints one; so does
//     GET /control/creditro/token). A token that is not such a JWT, lacks the customer claim,
//     names another customer than the sandbox's, or is past its exp gets 401; a valid token
//     asking for another customer's path gets 403;
//   - the sandbox customer starts with prior KYC cases for two of the Quickr test companies
//     (Ragnarok AS approved, Ecbert Holdings AS rejected); POST /control/creditro/cases adds
//     more;
//   - an injected 429 answers with the seed's text body "API calls quota exceeded! (...)";
//     other errors are {"statusCode", "message", "error"} (the seed shows no JSON error body).

// creditroSigningKey signs sandbox API tokens. It only ever unlocks the sandbox.
const creditroSigningKey = "sandbox-creditro-signing-key"

type creditroState struct {
	cases map[string][]map[string]any // customer id -> KYC cases, oldest first
	seq   int
}

func (s *Server) mountCreditro() {
	st := &creditroState{cases: map[string][]map[string]any{}}
	cust := s.cfg.Credentials.CreditroCustomerID
	created := time.Date(2024, 3, 4, 9, 30, 0, 0, time.UTC)
	for _, seed := range []struct{ org, status, risk string }{{"987654321", "APPROVED", "LOW"}, {"987123654", "REJECTED", "HIGH"}} {
		tc := TestCompanies[seed.org]
		st.cases[cust] = append(st.cases[cust], st.newCase(tc.Name, tc.OrgNumber, tc.Country, seed.status, seed.risk, created))
		created = created.Add(36 * time.Hour)
	}
	s.creditro = st

	s.handle("creditro", "POST /creditro/{customerId}", s.creditroListCases)
	s.handle("creditro", "GET /creditro/{customerId}", s.creditroListCases)

	s.mux.HandleFunc("GET /control/creditro/token", s.creditroControlToken)
	s.mux.HandleFunc("POST /control/creditro/cases", s.creditroControlAddCase)
}

func (st *creditroState) newCase(name, org, country, status, risk string, at time.Time) map[string]any {
	st.seq++
	ts := at.UTC().Format(time.RFC3339)
	return map[string]any{
		"id": fmt.Sprintf("kyc_%06d", st.seq), "companyName": name, "registrationNumber": org, "country": country,
		"status": status, "riskLevel": risk, "createdAt": ts, "updatedAt": ts,
	}
}

func writeCreditroError(w http.ResponseWriter, status int, code, msg string) {
	if status == http.StatusTooManyRequests {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, "API calls quota exceeded! (%s)", msg)
		return
	}
	writeJSON(w, status, map[string]any{"statusCode": status, "message": msg, "error": code})
}

// CreditroToken mints a sandbox Creditro API token for customerID: an HS256 JWT whose
// "customer" claim is the customer id, as the real tokens carry it. A zero exp means the token
// never expires.
func CreditroToken(customerID string, exp time.Time) string {
	claims := map[string]any{"customer": customerID, "name": "sandbox"}
	if !exp.IsZero() {
		claims["exp"] = exp.Unix()
	}
	enc := base64.RawURLEncoding
	payload, _ := json.Marshal(claims)
	unsigned := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(payload)
	return unsigned + "." + enc.EncodeToString(creditroMAC(unsigned))
}

func creditroMAC(unsigned string) []byte {
	m := hmac.New(sha256.New, []byte(creditroSigningKey))
	m.Write([]byte(unsigned))
	return m.Sum(nil)
}

// creditroCustomer verifies a token and returns its customer claim.
func (s *Server) creditroCustomer(tok string) (string, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("token is not a JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, creditroMAC(parts[0]+"."+parts[1])) {
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
	if claims.Exp != nil && !s.clock.Now().Before(time.Unix(*claims.Exp, 0)) {
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
	if cust != s.cfg.Credentials.CreditroCustomerID {
		return "", fmt.Errorf("unknown customer")
	}
	return cust, nil
}

// creditroListCases: POST|GET /creditro/{customerId} -> {"items":[...]}
func (s *Server) creditroListCases(w http.ResponseWriter, r *http.Request) {
	cust, err := s.creditroCustomer(bearer(r))
	if err != nil {
		writeCreditroError(w, http.StatusUnauthorized, "Unauthorized", err.Error())
		return
	}
	if r.PathValue("customerId") != cust {
		writeCreditroError(w, http.StatusForbidden, "Forbidden", "you do not have access to this customer")
		return
	}
	s.mu.Lock()
	items := make([]map[string]any, 0, len(s.creditro.cases[cust]))
	items = append(items, s.creditro.cases[cust]...)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// creditroControlToken: GET /control/creditro/token[?ttl=1h] mints a token for the sandbox
// customer.
func (s *Server) creditroControlToken(w http.ResponseWriter, r *http.Request) {
	var exp time.Time
	if ttl := r.URL.Query().Get("ttl"); ttl != "" {
		d, err := time.ParseDuration(ttl)
		if err != nil || d <= 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "ttl must be a positive Go duration"})
			return
		}
		exp = s.clock.Now().Add(d)
	}
	cust := s.cfg.Credentials.CreditroCustomerID
	writeJSON(w, http.StatusOK, map[string]any{"customer": cust, "token": CreditroToken(cust, exp)})
}

// creditroControlAddCase: POST /control/creditro/cases {companyName, registrationNumber,
// country, status, riskLevel} adds a prior KYC case for the sandbox customer. A known test
// company's name and country are filled from its registration number.
func (s *Server) creditroControlAddCase(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CompanyName        string `json:"companyName"`
		RegistrationNumber string `json:"registrationNumber"`
		Country            string `json:"country"`
		Status             string `json:"status"`
		RiskLevel          string `json:"riskLevel"`
	}
	if err := readJSON(r, &in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON: " + err.Error()})
		return
	}
	if in.RegistrationNumber == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "registrationNumber is required"})
		return
	}
	if tc, ok := TestCompanies[in.RegistrationNumber]; ok {
		in.CompanyName = cmp.Or(in.CompanyName, tc.Name)
		in.Country = cmp.Or(in.Country, tc.Country)
	}
	in.Status = cmp.Or(in.Status, "APPROVED")
	in.RiskLevel = cmp.Or(in.RiskLevel, "LOW")
	cust := s.cfg.Credentials.CreditroCustomerID
	s.mu.Lock()
	c := s.creditro.newCase(in.CompanyName, in.RegistrationNumber, in.Country, in.Status, in.RiskLevel, s.clock.Now())
	s.creditro.cases[cust] = append(s.creditro.cases[cust], c)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, c)
}
