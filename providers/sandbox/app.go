package sandbox

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The sandbox also plays the platform's app and the people behind it, in automatic mode:
//   - bank_data_requested: the app uploads the merchant's bank data to the gateway
//     (PUT {AppAPIURL}/v1/onboardings/{id}/bank-data with AppToken), one of the two datasets
//     in bankdata/ (written by this project after seed 004's "good" and "risky" profiles,
//     their dates moved so that asOf is the upload day); "good" unless
//     PUT /control/app/bank-data/{workflowId} {"profile": "risky" | "none"} chose otherwise
//     ("none": the app never uploads);
//   - identity_verification_ready: the form submitter opens the session with the token the
//     notification carries (POST /idv/person/{token}/open), which starts it at once and
//     completes it after Delays.IDV. Without the token nothing completes a session but the
//     control routes.
//
// None of this is a provider's behaviour: it stands in for the app and the person.

// appUploadAttempts bounds the app's tries of one upload.
const appUploadAttempts = 45

//go:embed bankdata/*.json
var bankDataFiles embed.FS

// appState is what the sandbox's app remembers.
type appState struct {
	mu       sync.Mutex
	profiles map[string]string // workflow id -> "good", "risky" or "none"
}

// SampleBankData is one of the shipped datasets ("good" or "risky") with its dates moved so
// that its asOf day is the day of now: the shape PUT /v1/onboardings/{id}/bank-data takes.
func SampleBankData(profile string, now time.Time) (json.RawMessage, error) {
	raw, err := bankDataFiles.ReadFile("bankdata/" + profile + ".json")
	if err != nil {
		return nil, fmt.Errorf("no bank data profile %q", profile)
	}
	var f struct {
		AsOf         string           `json:"asOf"`
		Accounts     []map[string]any `json:"accounts"`
		Transactions []map[string]any `json:"transactions"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, err
	}
	asOf, err := time.Parse(time.DateOnly, f.AsOf)
	if err != nil {
		return nil, err
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	shift := func(m map[string]any, key string) {
		if s, ok := m[key].(string); ok {
			if d, err := time.Parse(time.DateOnly, s); err == nil {
				m[key] = today.Add(d.Sub(asOf)).Format(time.DateOnly)
			}
		}
	}
	for _, a := range f.Accounts {
		shift(a, "balanceDate")
	}
	for _, t := range f.Transactions {
		shift(t, "date")
	}
	return json.Marshal(map[string]any{"accounts": f.Accounts, "transactions": f.Transactions})
}

// appOnNotification reacts to a notification the engine sent the app (automatic mode).
func (s *Server) appOnNotification(body []byte) {
	if !s.cfg.Auto {
		return
	}
	var n struct {
		WorkflowID string         `json:"workflowId"`
		Type       string         `json:"type"`
		Data       map[string]any `json:"data"`
	}
	if json.Unmarshal(body, &n) != nil || n.WorkflowID == "" {
		return
	}
	switch n.Type {
	case "bank_data_requested", "bank_data_reminder":
		s.after(0, func() { s.appUploadBankData(n.WorkflowID) })
	case "identity_verification_ready":
		if token, _ := n.Data["token"].(string); token != "" {
			s.after(0, func() { _ = s.idvOpen(token) })
		}
	}
}

// appUploadBankData uploads the workflow's dataset to the gateway; a failed delivery is
// tried again after attempt seconds (at most 15), for about ten minutes, so a gateway that is
// down for a while still gets it.
func (s *Server) appUploadBankData(workflowID string) {
	s.app.mu.Lock()
	profile := s.app.profiles[workflowID]
	s.app.mu.Unlock()
	if profile == "" {
		profile = "good"
	}
	if profile == "none" || s.cfg.AppAPIURL == "" {
		return
	}
	body, err := SampleBankData(profile, s.clock.Now())
	if err != nil {
		s.cfg.Logf("sandbox app: %v", err)
		return
	}
	// The gateways of WebhookFailover serve the same API: a try the first cannot take goes to
	// the next, as a load balancer in front of them would send it.
	bases := []string{s.cfg.AppAPIURL}
	for _, b := range s.cfg.WebhookFailover {
		if b = strings.TrimRight(b, "/"); b != strings.TrimRight(s.cfg.AppAPIURL, "/") {
			bases = append(bases, b)
		}
	}
	path := "/v1/onboardings/" + url.PathEscape(workflowID) + "/bank-data"
	var try func(attempt int)
	try = func(attempt int) {
		u := bases[(attempt-1)%len(bases)] + path
		req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.cfg.AppToken)
		req.Header.Set("Idempotency-Key", "sandbox-app-bank-data")
		resp, err := s.cfg.HTTPClient.Do(req)
		if err == nil {
			resp.Body.Close()
			switch {
			case resp.StatusCode < 300:
				return
			case resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
				s.cfg.Logf("sandbox app: bank data for %s refused: %d", workflowID, resp.StatusCode)
				return
			}
		}
		if attempt >= appUploadAttempts {
			s.cfg.Logf("sandbox app: bank data for %s not delivered", workflowID)
			return
		}
		s.after(min(time.Duration(attempt)*time.Second, 15*time.Second), func() { try(attempt + 1) })
	}
	try(1)
}

// idvOpen is the person opening the session whose token they were given: it starts at once
// and completes (verified as the expected person) after Delays.IDV.
func (s *Server) idvOpen(token string) error {
	id, ok := s.idvByToken(token)
	if !ok {
		return fmt.Errorf("no session with this token")
	}
	if s.cfg.Delays.IDV > 0 {
		if err := s.idvTransition(id, "IN_PROGRESS", nil); err != nil {
			return err
		}
	}
	s.after(s.cfg.Delays.IDV, func() { _ = s.idvFinish(id, "COMPLETED", true, nil) })
	return nil
}

// idvByToken finds the session a token opens, and marks it opened (counted once).
func (s *Server) idvByToken(token string) (int64, bool) {
	s.mu.Lock()
	var found *idvSession
	for _, ss := range s.idv.sessions {
		if ss.Token == token && token != "" {
			found = ss
			break
		}
	}
	first := found != nil && !found.Opened
	if first {
		found.Opened = true
	}
	s.mu.Unlock()
	if found == nil {
		return 0, false
	}
	if first {
		s.counters.Add(found.Reference, CountIDVOpened)
	}
	return found.ID, true
}

// serveIDVPersonComplete: POST /idv/person/{token}/complete [{"match": false}], the person
// finishing the verification with the session's token (the provider's front-end, which
// the seed leaves out): COMPLETED at once, as the expected person unless match is false.
func (s *Server) serveIDVPersonComplete(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Match *bool `json:"match"`
	}
	if err := readJSON(r, &in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be empty or {\"match\": bool}"})
		return
	}
	id, ok := s.idvByToken(r.PathValue("token"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no session with this token"})
		return
	}
	if err := s.idvFinish(id, "COMPLETED", in.Match == nil || *in.Match, nil); err != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// serveAppProfile: PUT /control/app/bank-data/{workflowId} {"profile": "good"|"risky"|"none"}
func (s *Server) serveAppProfile(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Profile string `json:"profile"`
	}
	if err := readJSON(r, &in); err != nil || (in.Profile != "good" && in.Profile != "risky" && in.Profile != "none") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"profile": "good"|"risky"|"none"}`})
		return
	}
	s.app.mu.Lock()
	s.app.profiles[r.PathValue("workflowId")] = in.Profile
	s.app.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// serveSampleBankData: GET /control/app/bank-data/samples/{profile}, the dataset as the app
// would upload it today (for the CLI and the tests).
func (s *Server) serveSampleBankData(w http.ResponseWriter, r *http.Request) {
	b, err := SampleBankData(r.PathValue("profile"), s.clock.Now())
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
