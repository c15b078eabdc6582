package sandbox

import (
	"net/http"
	"time"
)

// mountControl registers the provider-independent control endpoints.
func (s *Server) mountControl() {
	s.mux.HandleFunc("GET /control/health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "auto": s.cfg.Auto, "now": s.clock.Now()})
	})
	s.mux.HandleFunc("GET /control/counters", s.serveCounters)
	s.mux.HandleFunc("GET /control/faults", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.faults.all())
	})
	// PUT /control/faults {"quickr": {...}, "idv": {...}} sets each named provider's faults;
	// an empty object for a provider clears it.
	s.mux.HandleFunc("PUT /control/faults", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]Fault
		if err := readJSON(r, &in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be {provider: fault}: " + err.Error()})
			return
		}
		for p, f := range in {
			if !knownProvider(p) {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown provider " + p})
				return
			}
			s.faults.set(p, f)
		}
		writeJSON(w, http.StatusOK, s.faults.all())
	})
	s.mux.HandleFunc("GET /control/webhooks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"deliveries": s.hooks.deliveries(r.URL.Query().Get("reference"))})
	})
	// POST /control/clock/advance {"by":"1h"} moves a manual clock (tests and demos of expiry).
	s.mux.HandleFunc("POST /control/clock/advance", func(w http.ResponseWriter, r *http.Request) {
		mc, ok := s.clock.(*ManualClock)
		if !ok {
			writeJSON(w, http.StatusConflict, map[string]string{"error": "the sandbox runs on the wall clock"})
			return
		}
		var in struct {
			By string `json:"by"`
		}
		if err := readJSON(r, &in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON: " + err.Error()})
			return
		}
		d, err := time.ParseDuration(in.By)
		if err != nil || d < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"by": "<positive Go duration>"}`})
			return
		}
		mc.Advance(d)
		writeJSON(w, http.StatusOK, map[string]any{"now": mc.Now()})
	})
	s.mux.HandleFunc("POST /app/inbox", s.serveInboxPost)
	s.mux.HandleFunc("GET /control/inbox", s.serveInboxList)
	s.mux.HandleFunc("PUT /control/app/bank-data/{workflowId}", s.serveAppProfile)
	s.mux.HandleFunc("GET /control/app/bank-data/samples/{profile}", s.serveSampleBankData)
}

// Providers the sandbox imitates.
var providerNames = []string{"quickr", "creditro", "idv", "deepidv", "openbanking"}

func knownProvider(p string) bool {
	for _, n := range providerNames {
		if n == p {
			return true
		}
	}
	return false
}
