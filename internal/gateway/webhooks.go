package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/callback"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/webhooksig"
)

// Signaler is the part of the Temporal client the webhooks need.
type Signaler interface {
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
}

// Config configures the gateway handler.
type Config struct {
	// Callbacks verify the capability tokens of POST /webhooks/quickr/{token} and
	// /webhooks/idv/{token}, the callback URLs the worker mints per onboarding
	// (internal/callback). Nil: those routes answer 404.
	Callbacks *callback.Keys
	// WebhookSecrets verify the signed webhooks of the routes without a token
	// (POST /webhooks/quickr, /webhooks/idv), kept for the onboardings whose case or session
	// was created with them; more than one during a rotation.
	WebhookSecrets [][]byte
	// ProviderWebhookSecrets, per provider ("quickr", "idv"), replace WebhookSecrets for it.
	ProviderWebhookSecrets map[string][][]byte
	// WebhookTolerance is how far a signed webhook's timestamp may be from now.
	WebhookTolerance time.Duration
	// DedupeBytes bounds the memory of recently relayed event ids; 0 means DefaultDedupeBytes.
	DedupeBytes int
	// APITokens authenticate the /v1 API; without any, every API call is refused.
	APITokens []Token
	// Codec, when set, is the codec server for the Temporal UI, mounted at /codec/.
	Codec http.Handler
	// BankData stores the merchants' bank-data uploads (PUT /v1/onboardings/{id}/bank-data);
	// nil answers them 503.
	BankData BankDataStore
	// ConsoleIdle and ConsoleMaxAge end a console session idle that long, or that long after
	// sign-in; 0 means 30 minutes and 8 hours.
	ConsoleIdle, ConsoleMaxAge time.Duration
	Now                        func() time.Time
}

// maxWebhookBody bounds a webhook body.
const maxWebhookBody = 256 << 10

// maxEventID bounds an event id (the key of deduplication and of the workflow's own).
const maxEventID = 128

// Server handles the gateway's HTTP routes.
type Server struct {
	cfg  Config
	tc   Signaler
	eng  Onboardings
	log  *zap.Logger
	mux  *http.ServeMux
	seen *seenEvents
	// console holds the review console's sessions (console.go).
	console *sessions
}

// New returns the gateway: webhooks signal through tc, the API works through eng.
func New(cfg Config, tc Signaler, eng Onboardings, log *zap.Logger) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WebhookTolerance == 0 {
		cfg.WebhookTolerance = 5 * time.Minute
	}
	if cfg.DedupeBytes == 0 {
		cfg.DedupeBytes = DefaultDedupeBytes
	}
	s := &Server{cfg: cfg, tc: tc, eng: eng, log: log, mux: http.NewServeMux(), seen: newSeenEvents(cfg.DedupeBytes)}
	s.mountAPI()
	s.mountConsole()
	if cfg.Codec != nil {
		s.mux.Handle("/codec/", cfg.Codec)
	}
	s.mux.HandleFunc("POST /webhooks/quickr/{token}", s.capability(callback.Quickr, quickrFromBody))
	s.mux.HandleFunc("POST /webhooks/idv/{token}", s.capability(callback.IDV, idvFromBody))
	s.mux.HandleFunc("POST /webhooks/quickr", s.signed(callback.Quickr, quickrSigned))
	s.mux.HandleFunc("POST /webhooks/idv", s.signed(callback.IDV, idvSigned))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	return s
}

// Handler serves every route, with an access log.
func (s *Server) Handler() http.Handler { return withAccessLog(s.log, s.mux) }

// relayed is what a provider webhook becomes: a signal to one onboarding, or nothing.
type relayed struct {
	workflowID string // empty: no onboarding named (old route without reference); ignored
	eventID    string
	forward    bool // false: the event cannot move an onboarding; acknowledged, not signalled
	signal     string
	arg        any
}

// capability serves a provider's callback URL, <route>/{token}: the token (internal/callback)
// authenticates the request and names the onboarding; nothing in the body routes it. parse
// reads the body as the provider documents it. Answers: 404 unknown or forged token (nothing
// read, nothing signalled), 400 unreadable body or an event id over 128 bytes, 202 with
// result signalled / ignored / duplicate / unknown reference, 503 when Temporal is
// unreachable (the provider's retry gets through later).
func (s *Server) capability(provider string, parse func(workflowID string, body []byte) (relayed, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Callbacks == nil {
			writeError(w, http.StatusNotFound, "not found")
			return
		}
		workflowID, err := s.cfg.Callbacks.Verify(provider, r.PathValue("token"))
		if err != nil {
			// Never log the token: it is the credential.
			s.log.Warn("webhook with an invalid callback token", zap.String("provider", provider))
			writeError(w, http.StatusNotFound, "not found")
			return
		}
		body, ok := readWebhookBody(w, r)
		if !ok {
			return
		}
		ev, err := parse(workflowID, body)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		s.deliver(w, r, provider, ev)
	}
}

// signed serves the routes without a token (POST /webhooks/quickr, /webhooks/idv): the
// webhook is signed (webhooksig) and its body names the onboarding. Onboardings whose case or
// session was created before the callback URLs carried a token still use them. Answers as
// capability, but 401 for a bad or stale signature.
func (s *Server) signed(provider string, parse func(eventID string, body []byte) (relayed, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := readWebhookBody(w, r)
		if !ok {
			return
		}
		secrets := s.cfg.WebhookSecrets
		if ps, ok := s.cfg.ProviderWebhookSecrets[provider]; ok {
			secrets = ps
		}
		eventID, err := webhooksig.Verify(r.Header, body, secrets, s.cfg.Now(), s.cfg.WebhookTolerance)
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
		s.deliver(w, r, provider, ev)
	}
}

func readWebhookBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "body too large")
		return nil, false
	}
	return body, true
}

// deliver filters, deduplicates and signals one parsed event.
func (s *Server) deliver(w http.ResponseWriter, r *http.Request, provider string, ev relayed) {
	if ev.eventID == "" || len(ev.eventID) > maxEventID {
		writeError(w, http.StatusBadRequest, "the event id must be 1 to "+strconv.Itoa(maxEventID)+" bytes")
		return
	}
	if !ev.forward || ev.workflowID == "" {
		s.log.Debug("webhook ignored", zap.String("provider", provider), zap.String("eventId", ev.eventID))
		writeJSON(w, http.StatusAccepted, map[string]string{"result": "ignored"})
		return
	}
	// The workflow ID comes from the token (or the signed body), so a sender can repeat an
	// event id only for its own onboarding.
	key := provider + "\x00" + ev.workflowID + "\x00" + ev.eventID
	if !s.seen.add(key) {
		writeJSON(w, http.StatusAccepted, map[string]string{"result": "duplicate"})
		return
	}
	err := s.tc.SignalWorkflow(r.Context(), ev.workflowID, "", ev.signal, ev.arg)
	var notFound *serviceerror.NotFound
	switch {
	case err == nil:
		writeJSON(w, http.StatusAccepted, map[string]string{"result": "signalled"})
	case errors.As(err, &notFound):
		// Not ours, or already finished: acknowledge so the provider stops retrying.
		s.log.Info("webhook for unknown or finished onboarding", zap.String("provider", provider),
			zap.String("workflowId", ev.workflowID), zap.String("eventId", ev.eventID))
		writeJSON(w, http.StatusAccepted, map[string]string{"result": "unknown reference"})
	default:
		s.seen.remove(key) // let the provider's retry through
		s.log.Error("signal failed", zap.String("workflowId", ev.workflowID), zap.Error(err))
		writeError(w, http.StatusServiceUnavailable, "could not deliver the event; retry later")
	}
}

// quickrEvent is a Quickr case event as the seed documents it (the case events list, which
// webhooks carry): {id, type, sub_event_type, created_at, created_by, case{id, status,
// risk_level, ...}}. Other fields are skipped. The case summary is a hint: the workflow
// re-reads the case.
type quickrEvent struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	SubEventType string `json:"sub_event_type"`
	CreatedAt    string `json:"created_at"`
	CreatedBy    string `json:"created_by"`
	Case         struct {
		ID        string `json:"id"`
		Status    string `json:"status"`
		RiskLevel string `json:"risk_level"`
		// Reference is read by the signed route only, which routes by it; the seed's events
		// carry none.
		Reference string `json:"reference"`
	} `json:"case"`
}

func parseQuickrEvent(body []byte) (quickrEvent, error) {
	var ev quickrEvent
	if err := decodeProviderJSON(body, &ev); err != nil {
		return ev, errors.New("body is not a Quickr case event: " + err.msg)
	}
	if ev.Type == "" || ev.Case.ID == "" {
		return ev, errors.New("body is not a Quickr case event: type and case.id are required")
	}
	return ev, nil
}

// quickrFromBody reads a Quickr event posted to a callback URL; the event's own id is its id.
func quickrFromBody(workflowID string, body []byte) (relayed, error) {
	ev, err := parseQuickrEvent(body)
	if err != nil {
		return relayed{}, err
	}
	return quickrRelayed(workflowID, ev.ID, ev), nil
}

// quickrSigned reads a signed Quickr event; the case reference is the workflow ID and the
// Webhook-Id the event id.
func quickrSigned(eventID string, body []byte) (relayed, error) {
	ev, err := parseQuickrEvent(body)
	if err != nil {
		return relayed{}, err
	}
	return quickrRelayed(ev.Case.Reference, eventID, ev), nil
}

func quickrRelayed(workflowID, eventID string, ev quickrEvent) relayed {
	occurred, _ := time.Parse(time.RFC3339Nano, ev.CreatedAt)
	return relayed{workflowID: workflowID, eventID: eventID, forward: quickrForward(ev.Type, ev.Case.Status),
		signal: api.SignalCaseEvent, arg: api.CaseEvent{
			EventID:      eventID,
			Type:         ev.Type,
			SubEventType: ev.SubEventType,
			CaseID:       ev.Case.ID,
			Status:       ev.Case.Status,
			OccurredAt:   occurred,
		}}
}

// Which Quickr events become signals (each is a billable Temporal action). The workflow's
// waits settle on a declared case (PROCESSING_DETAILS or later) and on a contract that
// stops waiting for signatures; an event that can move neither is dropped here:
//
//   - CASE_STATUS_UPDATED is forwarded when the new status is a declared one short of a
//     decision (the list below); to FORM_NOT_STARTED, FORM_IN_PROGRESS, a decided or archived
//     status (ACTIVE, DECLINED, SUSPENDED, ARCHIVED: the engine's own write-back, which no
//     wait is settled by) or a status we do not know it is dropped.
//   - CONTRACT_REJECTED, CONTRACT_EXPIRED and CONTRACT_CLOSED are forwarded: each settles
//     the signing wait. CONTRACT_SIGNED is not: signing is settled only once Quickr has run
//     the checks it releases, which is its own status update (READY_FOR_REVIEW).
//   - CASE_CREATED, CASE_DISCOVERIES_CREATED (the seed's), CASE_DECLARED,
//     CASE_CHECKS_COMPLETED, CONTRACT_CREATED, CONTRACT_REOPENED, CONTRACT_SIGNED and
//     SIGNATORY_SIGNED (the sandbox's) are dropped: a contract to sign settles nothing, and
//     the status change that follows the others, if any, is its own event.
//   - A type not listed here is forwarded: Quickr may add events, and a lost one would wait
//     for the poll.
var (
	quickrSettling = map[string]bool{
		"CONTRACT_REJECTED": true, "CONTRACT_EXPIRED": true, "CONTRACT_CLOSED": true,
	}
	quickrDropped = map[string]bool{
		"CASE_CREATED": true, "CASE_DISCOVERIES_CREATED": true, "CASE_DECLARED": true,
		"CASE_CHECKS_COMPLETED": true, "CONTRACT_CREATED": true, "CONTRACT_REOPENED": true,
		"CONTRACT_SIGNED": true, "SIGNATORY_SIGNED": true,
	}
	// quickrDeclared are the statuses of a submitted declaration that a wait can still be
	// settled by, as the workflow ranks them (workflows/messages.go, declaredStatus):
	// PROCESSING_DETAILS and the review statuses after it, not the decided ones.
	quickrDeclared = map[string]bool{
		"PROCESSING_DETAILS": true, "READY_FOR_REVIEW": true, "REVIEW_IN_PROGRESS": true,
		"WAITING_FOR_DETAILS": true,
	}
)

const quickrStatusUpdated = "CASE_STATUS_UPDATED"

// quickrForward reports whether a Quickr event of typ, its case in status, may move an
// onboarding.
func quickrForward(typ, status string) bool {
	switch {
	case typ == quickrStatusUpdated:
		return quickrDeclared[status]
	case quickrSettling[typ]:
		return true
	case quickrDropped[typ]:
		return false
	default:
		return true
	}
}

// idvCallback is the IDV provider's session callback. The seed documents callback_url on
// session.create but no body; {id, state, ...} is the sandbox's convention (flat, like the
// API's other objects), and a reference in it is never read: the token names the onboarding.
type idvCallback struct {
	ID    int64  `json:"id"`
	State string `json:"state"`
}

// idvSignedCallback is the body the signed route routes by reference.
type idvSignedCallback struct {
	ID        int64  `json:"id"`
	State     string `json:"state"`
	Reference string `json:"reference"`
}

// idvFromBody reads a callback posted to a callback URL. The body has no event id; a session
// enters a state once, so "<session id>.<state>" is one.
func idvFromBody(workflowID string, body []byte) (relayed, error) {
	var ev idvCallback
	if err := decodeProviderJSON(body, &ev); err != nil {
		return relayed{}, errors.New("body is not an identity verification event: " + err.msg)
	}
	if ev.ID <= 0 || ev.State == "" {
		return relayed{}, errors.New("body is not an identity verification event: id and state are required")
	}
	return idvRelayed(workflowID, strconv.FormatInt(ev.ID, 10)+"."+ev.State, ev.ID, ev.State), nil
}

// idvSigned reads a signed callback; the session reference is the workflow ID.
func idvSigned(eventID string, body []byte) (relayed, error) {
	var ev idvSignedCallback
	if err := decodeProviderJSON(body, &ev); err != nil {
		return relayed{}, errors.New("body is not an identity verification event: " + err.msg)
	}
	if ev.ID <= 0 || ev.State == "" {
		return relayed{}, errors.New("body is not an identity verification event: id and state are required")
	}
	return idvRelayed(ev.Reference, eventID, ev.ID, ev.State), nil
}

// idvRelayed forwards terminal states only (COMPLETED, FAILED, EXPIRED): the workflow waits
// for the session to end and reads it then.
func idvRelayed(workflowID, eventID string, sessionID int64, state string) relayed {
	return relayed{workflowID: workflowID, eventID: eventID, forward: api.IDVTerminal(state),
		signal: api.SignalIDVEvent, arg: api.IDVEvent{EventID: eventID, SessionID: sessionID, State: state}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) { writeProblem(w, status, msg, nil) }

// redactPath is the path as the access log shows it: the token of a callback URL
// (/webhooks/{provider}/{token}) and of the codec server's capability path replaced.
func redactPath(path string) string {
	if rest, ok := strings.CutPrefix(path, "/webhooks/"); ok {
		if provider, _, hasToken := strings.Cut(rest, "/"); hasToken {
			return "/webhooks/" + provider + "/REDACTED"
		}
	}
	return codec.RedactPath(path)
}
