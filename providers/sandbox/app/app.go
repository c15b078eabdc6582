// Package app is the sandbox playing the platform's app and the people behind it, in
// automatic mode:
//   - bank_data_requested: the app uploads the merchant's bank data to the gateway
//     (PUT {AppAPIURL}/v1/onboardings/{id}/bank-data with AppToken), one of the two datasets
//     in bankdata/ (written by this project after seed 004's "good" and "risky" profiles,
//     their dates moved so that asOf is the upload day); "good" unless
//     PUT /control/app/bank-data/{workflowId} {"profile": "risky" | "none"} chose otherwise
//     ("none": the app never uploads);
//   - identity_verification_ready: the form submitter opens the session with the token the
//     notification carries (the IDV simulator's Open), which starts it at once and
//     completes it after the IDV delay. Without the token nothing completes a session but the
//     control routes.
//
// None of this is a provider's behaviour: it stands in for the app and the person.
package app

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

	"github.com/merchantflow/onboarding/providers/sandbox/core"
)

// uploadAttempts bounds the app's tries of one upload.
const uploadAttempts = 45

//go:embed bankdata/*.json
var bankDataFiles embed.FS

// Config is what the app needs of the sandbox's configuration: the gateway it uploads to
// (http://host:port) and its app token. Empty APIURL: it never uploads.
type Config struct {
	APIURL, Token string
}

// Sessions is what the app needs of the identity provider: the person opening a session
// with the token the notification carried.
type Sessions interface {
	Open(token string) error
}

// Sim is the app player.
type Sim struct {
	core *core.Core
	cfg  Config
	idv  Sessions

	mu       sync.Mutex
	profiles map[string]string // workflow id -> "good", "risky" or "none"
}

// New builds the app player; it reacts to the notifications the core's inbox receives.
func New(c *core.Core, cfg Config, idv Sessions) *Sim {
	s := &Sim{core: c, cfg: cfg, idv: idv, profiles: map[string]string{}}
	c.OnNotification(s.onNotification)
	return s
}

// Name is the app's control prefix (/control/app/).
func (s *Sim) Name() string { return "app" }

// Mount registers the app's control endpoints.
func (s *Sim) Mount(r *core.Routes) {
	r.Control("PUT", "/bank-data/{workflowId}", s.serveProfile)
	r.Control("GET", "/bank-data/samples/{profile}", s.serveSample)
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

// onNotification reacts to a notification the engine sent the app (automatic mode).
func (s *Sim) onNotification(body []byte) {
	if !s.core.Auto() {
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
		s.core.After(0, func() { s.uploadBankData(n.WorkflowID) })
	case "identity_verification_ready":
		if token, _ := n.Data["token"].(string); token != "" {
			s.core.After(0, func() { _ = s.idv.Open(token) })
		}
	}
}

// uploadBankData uploads the workflow's dataset to the gateway; a failed delivery is
// tried again after attempt seconds (at most 15), for about ten minutes, so a gateway that is
// down for a while still gets it.
func (s *Sim) uploadBankData(workflowID string) {
	s.mu.Lock()
	profile := s.profiles[workflowID]
	s.mu.Unlock()
	if profile == "" {
		profile = "good"
	}
	if profile == "none" || s.cfg.APIURL == "" {
		return
	}
	body, err := SampleBankData(profile, s.core.Now())
	if err != nil {
		s.core.Logf("sandbox app: %v", err)
		return
	}
	// The gateways of WebhookFailover serve the same API: a try the first cannot take goes to
	// the next, as a load balancer in front of them would send it.
	bases := []string{s.cfg.APIURL}
	for _, b := range s.core.Failover() {
		if b = strings.TrimRight(b, "/"); b != strings.TrimRight(s.cfg.APIURL, "/") {
			bases = append(bases, b)
		}
	}
	path := "/v1/onboardings/" + url.PathEscape(workflowID) + "/bank-data"
	var try func(attempt int)
	try = func(attempt int) {
		u := bases[(attempt-1)%len(bases)] + path
		req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
		req.Header.Set("Idempotency-Key", "sandbox-app-bank-data")
		resp, err := s.core.HTTPClient().Do(req)
		if err == nil {
			resp.Body.Close()
			switch {
			case resp.StatusCode < 300:
				return
			case resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
				s.core.Logf("sandbox app: bank data for %s refused: %d", workflowID, resp.StatusCode)
				return
			}
		}
		if attempt >= uploadAttempts {
			s.core.Logf("sandbox app: bank data for %s not delivered", workflowID)
			return
		}
		s.core.After(min(time.Duration(attempt)*time.Second, 15*time.Second), func() { try(attempt + 1) })
	}
	try(1)
}

// serveProfile: PUT /control/app/bank-data/{workflowId} {"profile": "good"|"risky"|"none"}
func (s *Sim) serveProfile(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Profile string `json:"profile"`
	}
	if err := core.ReadJSON(r, &in); err != nil || (in.Profile != "good" && in.Profile != "risky" && in.Profile != "none") {
		core.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"profile": "good"|"risky"|"none"}`})
		return
	}
	s.mu.Lock()
	s.profiles[r.PathValue("workflowId")] = in.Profile
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// serveSample: GET /control/app/bank-data/samples/{profile}, the dataset as the app
// would upload it today (for the CLI and the tests).
func (s *Sim) serveSample(w http.ResponseWriter, r *http.Request) {
	b, err := SampleBankData(r.PathValue("profile"), s.core.Now())
	if err != nil {
		core.WriteJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
