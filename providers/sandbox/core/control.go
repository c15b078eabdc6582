package core

import (
	"net/http"
	"time"
)

// mountControl registers the control endpoints that belong to no simulator.
func (c *Core) mountControl() {
	c.mux.HandleFunc("GET /control/health", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]any{"status": "ok", "auto": c.cfg.Auto, "now": c.clock.Now()})
	})
	c.mux.HandleFunc("GET /control/counters", c.serveCounters)
	c.mux.HandleFunc("GET /control/faults", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, c.faults.all())
	})
	// PUT /control/faults {"quickr": {...}, "idv": {...}} sets each named provider's faults;
	// an empty object for a provider clears it.
	c.mux.HandleFunc("PUT /control/faults", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]Fault
		if err := ReadJSON(r, &in); err != nil {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be {provider: fault}: " + err.Error()})
			return
		}
		for p, f := range in {
			if _, ok := c.providers[p]; !ok {
				WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown provider " + p})
				return
			}
			c.faults.set(p, f)
		}
		WriteJSON(w, http.StatusOK, c.faults.all())
	})
	c.mux.HandleFunc("GET /control/webhooks", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]any{"deliveries": c.hooks.deliveries(r.URL.Query().Get("reference"))})
	})
	// POST /control/clock/advance {"by":"1h"} moves a manual clock (tests and demos of expiry).
	c.mux.HandleFunc("POST /control/clock/advance", func(w http.ResponseWriter, r *http.Request) {
		mc, ok := c.clock.(*ManualClock)
		if !ok {
			WriteJSON(w, http.StatusConflict, map[string]string{"error": "the sandbox runs on the wall clock"})
			return
		}
		var in struct {
			By string `json:"by"`
		}
		if err := ReadJSON(r, &in); err != nil {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON: " + err.Error()})
			return
		}
		d, err := time.ParseDuration(in.By)
		if err != nil || d < 0 {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"by": "<positive Go duration>"}`})
			return
		}
		mc.Advance(d)
		WriteJSON(w, http.StatusOK, map[string]any{"now": mc.Now()})
	})
	c.mux.HandleFunc("POST /app/inbox", c.serveInboxPost)
	c.mux.HandleFunc("GET /control/inbox", c.serveInboxList)
}
