package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/providers/webhooksig"
	"github.com/merchantflow/onboarding/workflows"
)

// Signaler is the part of the Temporal client the webhooks need.
type Signaler interface {
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
}

// Config configures the gateway handler.
type Config struct {
	// WebhookSecrets verify provider webhooks; more than one during a rotation.
	WebhookSecrets [][]byte
	// WebhookTolerance is how far a webhook's timestamp may be from now.
	WebhookTolerance time.Duration
	// APITokens authenticate the /v1 API; without any, every API call is refused.
	APITokens []Token
	// Codec, when set, is the codec server for the Temporal UI, mounted at /codec/.
	Codec http.Handler
	Now   func() time.Time
}

// maxWebhookBody bounds a webhook body.
const maxWebhookBody = 256 << 10

// Server handles the gateway's HTTP routes.
type Server struct {
	cfg  Config
	tc   Signaler
	eng  Onboardings
	log  *zap.Logger
	mux  *http.ServeMux
	seen *recentIDs
}

// New returns the gateway: webhooks signal through tc, the API works through eng.
func New(cfg Config, tc Signaler, eng Onboardings, log *zap.Logger) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WebhookTolerance == 0 {
		cfg.WebhookTolerance = 5 * time.Minute
	}
	s := &Server{cfg: cfg, tc: tc, eng: eng, log: log, mux: http.NewServeMux(), seen: newRecentIDs(100_000)}
	s.mountAPI()
	if cfg.Codec != nil {
		s.mux.Handle("/codec/", cfg.Codec)
	}
	s.mux.HandleFunc("POST /webhooks/quickr", s.relay("quickr", parseQuickr))
	s.mux.HandleFunc("POST /webhooks/idv", s.relay("idv", parseIDV))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return s
}

// Handler serves every route, with an access log.
func (s *Server) Handler() http.Handler { return withAccessLog(s.log, s.mux) }

// quickrEvent is the part of a Quickr webhook the engine reads. The sandbox documents its
// shape; the case summary is a hint and the workflow re-reads the case.
type quickrEvent struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	SubEventType string `json:"sub_event_type"`
	CreatedAt    string `json:"created_at"`
	Case         struct {
		ID        string `json:"id"`
		Reference string `json:"reference"`
		Status    string `json:"status"`
	} `json:"case"`
}

// relayed is what a provider webhook becomes: a signal to one onboarding.
type relayed struct {
	workflowID string // empty: not an onboarding's event; acknowledged and ignored
	signal     string
	arg        any
}

// relay verifies a provider webhook and signals the onboarding parse names. Answers: 401 bad
// or stale signature (nothing signalled), 400 unreadable body, 202 accepted (also for repeats
// and unknown references, so the provider does not retry them), 503 when Temporal is
// unreachable (the provider's retry gets through later).
func (s *Server) relay(provider string, parse func(eventID string, body []byte) (relayed, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		eventID, err := webhooksig.Verify(r.Header, body, s.cfg.WebhookSecrets, s.cfg.Now(), s.cfg.WebhookTolerance)
		if err != nil {
			s.log.Warn("webhook rejected", zap.String("provider", provider), zap.Error(err))
			writeError(w, http.StatusUnauthorized, err.Error())
			return
		}
		ev, err := parse(eventID, body)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		key := provider + ":" + eventID
		if !s.seen.add(key) {
			writeJSON(w, http.StatusAccepted, map[string]string{"result": "duplicate"})
			return
		}
		if ev.workflowID == "" {
			s.log.Info("webhook without reference ignored", zap.String("provider", provider), zap.String("eventId", eventID))
			writeJSON(w, http.StatusAccepted, map[string]string{"result": "ignored"})
			return
		}
		err = s.tc.SignalWorkflow(r.Context(), ev.workflowID, "", ev.signal, ev.arg)
		var notFound *serviceerror.NotFound
		switch {
		case err == nil:
			writeJSON(w, http.StatusAccepted, map[string]string{"result": "signalled"})
		case errors.As(err, &notFound):
			// Not ours, or already finished: acknowledge so the provider stops retrying.
			s.log.Info("webhook for unknown or finished onboarding", zap.String("provider", provider),
				zap.String("workflowId", ev.workflowID), zap.String("eventId", eventID))
			writeJSON(w, http.StatusAccepted, map[string]string{"result": "unknown reference"})
		default:
			s.seen.remove(key) // let the provider's retry through
			s.log.Error("signal failed", zap.String("workflowId", ev.workflowID), zap.Error(err))
			writeError(w, http.StatusServiceUnavailable, "could not deliver the event; retry later")
		}
	}
}

// parseQuickr reads a Quickr case event; the case reference is the workflow ID.
func parseQuickr(eventID string, body []byte) (relayed, error) {
	var ev quickrEvent
	if err := json.Unmarshal(body, &ev); err != nil || ev.Case.ID == "" {
		return relayed{}, errors.New("body is not a Quickr case event")
	}
	occurred, _ := time.Parse(time.RFC3339Nano, ev.CreatedAt)
	return relayed{workflowID: ev.Case.Reference, signal: workflows.SignalCaseEvent, arg: workflows.CaseEvent{
		EventID:      eventID,
		Type:         ev.Type,
		SubEventType: ev.SubEventType,
		CaseID:       ev.Case.ID,
		Status:       ev.Case.Status,
		OccurredAt:   occurred,
	}}, nil
}

// idvEvent is the session IDV callback (sandbox convention: {id, state, reference}).
type idvEvent struct {
	ID        json.Number `json:"id"`
	State     string      `json:"state"`
	Reference string      `json:"reference"`
}

// parseIDV reads an identity-verification callback; the session reference is the workflow ID.
func parseIDV(eventID string, body []byte) (relayed, error) {
	var ev idvEvent
	if err := json.Unmarshal(body, &ev); err != nil || ev.State == "" {
		return relayed{}, errors.New("body is not an identity verification event")
	}
	id, err := ev.ID.Int64()
	if err != nil {
		return relayed{}, errors.New("identity verification event without a numeric session id")
	}
	return relayed{workflowID: ev.Reference, signal: workflows.SignalIDVEvent, arg: workflows.IDVEvent{
		EventID: eventID, SessionID: id, State: ev.State,
	}}, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) { writeProblem(w, status, msg, nil) }

// recentIDs remembers the last n event ids, so a redelivered webhook is acknowledged without
// a second signal. The workflow dedupes too; this only saves the signal.
type recentIDs struct {
	mu    sync.Mutex
	n     int
	order []string
	set   map[string]bool
}

func newRecentIDs(n int) *recentIDs { return &recentIDs{n: n, set: map[string]bool{}} }

// add records id and reports whether it was new.
func (r *recentIDs) add(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.set[id] {
		return false
	}
	r.set[id] = true
	r.order = append(r.order, id)
	if len(r.order) > r.n {
		delete(r.set, r.order[0])
		r.order = r.order[1:]
	}
	return true
}

func (r *recentIDs) remove(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.set, id)
}
