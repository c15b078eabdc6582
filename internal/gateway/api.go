package gateway

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
)

// Onboardings is what the API needs of the engine; *engine.Engine implements it.
type Onboardings interface {
	Start(ctx context.Context, in api.OnboardingInput) (*engine.Started, error)
	Status(ctx context.Context, workflowID string) (*api.Status, error)
	List(ctx context.Context, f engine.ListFilter) (*engine.Page, error)
	Decide(ctx context.Context, workflowID, requestID string, d api.Decision) (*api.DecideResult, error)
	ExtendDeadline(ctx context.Context, workflowID, requestID string, c api.DeadlineChange) (*api.Status, error)
	Cancel(ctx context.Context, workflowID, reason, by string) error
	SupplyBankData(ctx context.Context, workflowID, requestID string, u api.BankDataUpload) (*api.BankDataStatus, error)
}

// API limits.
const (
	maxAPIBody    = 64 << 10
	maxReasonLen  = 1000
	apiTimeout    = 20 * time.Second
	headerIdemKey = "Idempotency-Key"
	maxIdemKeyLen = 128
)

// route is one API operation. The OpenAPI document lists exactly these (a test checks it).
type route struct {
	method, path string
	role         Role // empty: no token needed
	handle       http.HandlerFunc
}

func (s *Server) apiRoutes() []route {
	return []route{
		{"GET", "/v1/openapi.json", "", s.serveOpenAPI},
		{"POST", "/v1/onboardings", RoleApp, s.startOnboarding},
		{"GET", "/v1/onboardings", RoleApp, s.listOnboardings},
		{"GET", "/v1/onboardings/{id}", RoleApp, s.getOnboarding},
		{"POST", "/v1/onboardings/{id}/cancel", RoleApp, s.cancelOnboarding},
		{"PUT", "/v1/onboardings/{id}/bank-data", RoleApp, s.supplyBankData},
		{"POST", "/v1/onboardings/{id}/decision", RoleAgent, s.decide},
		{"POST", "/v1/onboardings/{id}/deadline", RoleAgent, s.extendDeadline},
	}
}

func (s *Server) mountAPI() {
	for _, rt := range s.apiRoutes() {
		h := rt.handle
		if strings.Contains(rt.path, "{id}") {
			h = onboardingsOnly(h)
		}
		if rt.role != "" {
			h = s.requireRole(rt.role, h)
		}
		s.mux.Handle(rt.method+" "+rt.path, withTimeout(apiTimeout, h))
	}
	// A route asked with a method it does not take is a JSON 405 naming those it does.
	var paths []string
	allowed := map[string][]string{}
	for _, rt := range s.apiRoutes() {
		if allowed[rt.path] == nil {
			paths = append(paths, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
		if rt.method == http.MethodGet {
			allowed[rt.path] = append(allowed[rt.path], http.MethodHead) // the mux serves HEAD with GET
		}
	}
	for _, path := range paths {
		allow := strings.Join(allowed[path], ", ")
		s.mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Allow", allow)
			writeProblem(w, http.StatusMethodNotAllowed, "this route takes "+allow, nil)
		})
	}
	// Anything else under /v1 is a JSON 404, not the mux's text one. It does not echo the path.
	s.mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "no such API route; the routes are in /v1/openapi.json", nil)
	})
}

// msgNoOnboarding answers every {id} that is not an onboarding's: no workflow, another
// workflow type, or not an onboarding ID at all. One answer for all, echoing nothing, so it
// never tells what exists.
const msgNoOnboarding = "no onboarding with this id"

// onboardingsOnly answers 404 for a path id that does not have an onboarding ID's shape
// (engine.IsOnboardingID: onboarding:<CC>:<company number>, bounded), before anything asks
// Temporal about it. The mux has decoded the path segment once; an id still holding escapes,
// slashes or anything else is not an onboarding's. The engine then checks the workflow's type.
func onboardingsOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !api.IsOnboardingID(r.PathValue("id")) {
			writeProblem(w, http.StatusNotFound, msgNoOnboarding, nil)
			return
		}
		h(w, r)
	}
}

// withTimeout bounds the Temporal calls a request makes.
func withTimeout(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// StartResponse answers POST /v1/onboardings.
type StartResponse struct {
	WorkflowID string `json:"workflowId"`
	RunID      string `json:"runId"`
	// Existing is true (and the status 200, not 201) when this merchant's onboarding was
	// already running: a repeated start never makes a twin.
	Existing  bool   `json:"existing"`
	StatusURL string `json:"statusUrl"`
}

func (s *Server) startOnboarding(w http.ResponseWriter, r *http.Request) {
	var in api.OnboardingInput
	if !decodeBody(w, r, &in) {
		return
	}
	// The engine normalizes and checks the input (every field at fault is a 422).
	st, err := s.eng.Start(r.Context(), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loc := "/v1/onboardings/" + url.PathEscape(st.WorkflowID)
	w.Header().Set("Location", loc)
	code := http.StatusCreated
	if st.Existing {
		code = http.StatusOK
	}
	s.log.Info("onboarding started", zap.String("workflowId", st.WorkflowID), zap.Bool("existing", st.Existing),
		zap.String("caller", callerOf(r.Context()).String()))
	writeJSON(w, code, StartResponse{WorkflowID: st.WorkflowID, RunID: st.RunID, Existing: st.Existing, StatusURL: loc})
}

// answer writes v as the 200 answer, or err as its problem.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// fieldsOf are the fields a validation error names (none for another error).
func fieldsOf(err error) []api.FieldError {
	var fe *api.ValidationError
	if errors.As(err, &fe) {
		return fe.Fields
	}
	return nil
}

func (s *Server) getOnboarding(w http.ResponseWriter, r *http.Request) {
	st, err := s.eng.Status(r.Context(), r.PathValue("id"))
	s.answer(w, r, st, err)
}

// listParams are the query parameters GET /v1/onboardings takes.
var listParams = map[string]bool{"stage": true, "outcome": true, "country": true, "riskLevel": true, "pageSize": true, "pageToken": true}

func (s *Server) listOnboardings(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := &api.ValidationError{}
	for k, vs := range q {
		switch {
		case !listParams[k]:
			v.Add(api.Clip(k, 64), "unknown parameter; use stage, outcome, country, riskLevel, pageSize or pageToken")
		case len(vs) > 1:
			v.Add(k, "is given more than once")
		}
	}
	f := engine.ListFilter{
		Stage:     strings.ToUpper(q.Get("stage")),
		Outcome:   strings.ToUpper(q.Get("outcome")),
		Country:   strings.ToUpper(q.Get("country")),
		RiskLevel: strings.ToUpper(q.Get("riskLevel")),
		PageToken: q.Get("pageToken"),
	}
	if ps := q.Get("pageSize"); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 {
			v.Add("pageSize", "must be a whole number between 1 and 1000")
		}
		f.PageSize = n
	}
	if _, err := f.Query(); err != nil {
		v.Fields = append(v.Fields, fieldsOf(err)...)
	}
	if len(v.Fields) > 0 {
		writeProblem(w, http.StatusBadRequest, "invalid query parameters", v.Fields)
		return
	}
	page, err := s.eng.List(r.Context(), f)
	s.answer(w, r, page, err)
}

// DecisionRequest is an agent's decision. The agent is the token's name: a token cannot
// decide as somebody else, which is what makes the four-eyes rule mean something.
type DecisionRequest struct {
	Decision  string `json:"decision"`
	Reason    string `json:"reason,omitempty"`
	RiskLevel string `json:"riskLevel,omitempty"`
}

func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	key, req, ok := keyedBody[DecisionRequest](w, r)
	if !ok {
		return
	}
	caller := callerOf(r.Context())
	res, err := s.decideAs(r.Context(), caller, "api token "+caller.Name, r.PathValue("id"), key, req)
	s.answer(w, r, res, err)
}

// decideAs is the one decision path, for the API and the console alike: the request checked,
// then the decide update in the name of caller (the agent is always the authenticated
// token's name, never a field of the request), whose validator holds the four-eyes rule.
// via says how it came ("api token alice", "console session of alice").
func (s *Server) decideAs(ctx context.Context, caller Token, via, id, key string, req DecisionRequest) (*api.DecideResult, error) {
	v := &api.ValidationError{}
	if req.Decision != api.DecisionApprove && req.Decision != api.DecisionDecline {
		v.Add("decision", `must be "approve" or "decline"`)
	}
	switch req.RiskLevel {
	case "", "LOW", "MEDIUM", "HIGH":
	default:
		v.Add("riskLevel", "must be LOW, MEDIUM or HIGH")
	}
	if err := checkReason(v, req.Reason, false); err != nil {
		return nil, err
	}
	if caller.Role != RoleAgent {
		return nil, errors.New("decideAs: " + caller.String() + " is not an agent") // the routes never let one through
	}
	d := api.Decision{
		Decision: req.Decision, Agent: caller.Name, Reason: req.Reason, RiskLevel: req.RiskLevel, Via: via,
	}
	res, err := s.eng.Decide(ctx, id, key, d)
	if err != nil {
		return nil, err
	}
	s.log.Info("decision recorded", zap.String("workflowId", id), zap.String("agent", caller.Name), zap.String("via", via),
		zap.String("decision", req.Decision), zap.String("result", res.Status))
	return res, nil
}

// DeadlineRequest is the extend-deadline change; who asked is the token's name.
type DeadlineRequest struct {
	DeclarationDeadline *time.Time        `json:"declarationDeadline,omitempty"`
	ExtendBy            api.Duration      `json:"extendBy,omitempty"`
	Policy              *api.PolicyChange `json:"policy,omitempty"`
	Reason              string            `json:"reason,omitempty"`
}

func (s *Server) extendDeadline(w http.ResponseWriter, r *http.Request) {
	key, req, ok := keyedBody[DeadlineRequest](w, r)
	if !ok {
		return
	}
	ch := api.DeadlineChange{
		DeclarationDeadline: req.DeclarationDeadline, ExtendBy: req.ExtendBy, Policy: req.Policy,
		Reason: req.Reason, By: callerOf(r.Context()).Name,
	}
	// The limits a start has (api.ValidateDeadlineChange), answered here with every field
	// at fault, before anything is sent.
	v := &api.ValidationError{}
	if err := api.ValidateDeadlineChange(ch, time.Now()); err != nil {
		v.Fields = append(v.Fields, fieldsOf(err)...)
	}
	if err := checkReason(v, req.Reason, false); err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.eng.ExtendDeadline(r.Context(), r.PathValue("id"), key, ch)
	s.answer(w, r, st, err)
}

// CancelRequest asks an onboarding to stop.
type CancelRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) cancelOnboarding(w http.ResponseWriter, r *http.Request) {
	var req CancelRequest
	if !decodeBody(w, r, &req) {
		return
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if err := checkReason(&api.ValidationError{}, req.Reason, true); err != nil {
		s.fail(w, r, err)
		return
	}
	caller := callerOf(r.Context())
	if err := s.eng.Cancel(r.Context(), r.PathValue("id"), req.Reason, "api token "+caller.Name); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"result": "cancellation requested",
		"statusUrl": "/v1/onboardings/" + url.PathEscape(r.PathValue("id"))})
}

// keyedBody reads an update's request: its Idempotency-Key, then its JSON body as a T. On a
// bad key or body it has answered, and ok is false.
func keyedBody[T any](w http.ResponseWriter, r *http.Request) (key string, req T, ok bool) {
	if key, ok = idempotencyKey(w, r); ok {
		ok = decodeBody(w, r, &req)
	}
	return key, req, ok
}

// idempotencyKey reads the optional Idempotency-Key: once, 1-128 printable ASCII characters.
// The engine scopes it to the caller, the operation and the onboarding (engine.UpdateID), so
// it only ever makes this caller's retry of this request apply once. On a bad key it has
// answered 400 naming the header, and returns false.
func idempotencyKey(w http.ResponseWriter, r *http.Request) (string, bool) {
	vs := r.Header.Values(headerIdemKey)
	if len(vs) == 0 {
		return "", true
	}
	msg := ""
	switch k := vs[0]; {
	case len(vs) > 1:
		msg = "must be sent once"
	case k == "" || len(k) > maxIdemKeyLen || strings.IndexFunc(k, func(c rune) bool { return c < 0x20 || c > 0x7e }) >= 0:
		msg = "must be 1-" + strconv.Itoa(maxIdemKeyLen) + " printable ASCII characters"
	default:
		return k, true
	}
	writeProblem(w, http.StatusBadRequest, "invalid "+headerIdemKey+" header", []api.FieldError{{Field: headerIdemKey, Message: msg}})
	return "", false
}

// checkReason adds the problem with a request's free-text reason to v and returns v.OrNil().
func checkReason(v *api.ValidationError, reason string, required bool) error {
	switch {
	case required && reason == "":
		v.Add("reason", "is required: say why")
	case len(reason) > maxReasonLen:
		v.Add("reason", "must be at most 1000 characters")
	}
	return v.OrNil()
}

// fail answers an engine error with its status code. Unexpected errors are logged and
// answered without detail: they may name internals.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var invalid *api.ValidationError
	var rejected *engine.RejectedError
	var unavailable *serviceerror.Unavailable
	switch {
	case errors.As(err, &invalid):
		writeProblem(w, http.StatusUnprocessableEntity, "invalid input", invalid.Fields)
	case errors.Is(err, engine.ErrNotFound):
		writeProblem(w, http.StatusNotFound, msgNoOnboarding, nil)
	case errors.Is(err, engine.ErrFinished), errors.Is(err, engine.ErrIDTaken):
		writeProblem(w, http.StatusConflict, err.Error(), nil)
	case errors.As(err, &rejected):
		writeProblem(w, http.StatusConflict, rejected.Reason, nil)
	case errors.Is(err, context.DeadlineExceeded):
		s.log.Warn("request timed out", zap.String("path", r.URL.Path), zap.Error(err))
		writeProblem(w, http.StatusGatewayTimeout, "the engine did not answer in time; retry", nil)
	case errors.As(err, &unavailable):
		s.log.Error("temporal unavailable", zap.Error(err))
		writeProblem(w, http.StatusServiceUnavailable, "the engine is unavailable; retry later", nil)
	default:
		s.log.Error("request failed", zap.String("path", r.URL.Path), zap.Error(err))
		writeProblem(w, http.StatusInternalServerError, "internal error", nil)
	}
}

// decodeBody reads a JSON body strictly: sent once as application/json (charset utf-8, if
// any), within the size limit, then decodeJSON. On failure it has answered and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeBodyLimit(w, r, v, maxAPIBody)
}

// jsonContentType reports whether h has one Content-Type, application/json, with no
// parameter but charset=utf-8: JSON is UTF-8 (RFC 8259), and a body that says otherwise is
// refused rather than read as something it is not.
func jsonContentType(h http.Header) bool {
	vs := h.Values("Content-Type")
	if len(vs) != 1 {
		return false
	}
	mt, params, err := mime.ParseMediaType(vs[0])
	if err != nil || mt != "application/json" {
		return false
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return false
		}
	}
	return true
}

// problem is every API error body: a message, and the fields at fault when there are some.
type problem struct {
	Error  string           `json:"error"`
	Fields []api.FieldError `json:"fields,omitempty"`
}

// Bounds of what a problem carries, whatever built it: an answer never carries a large
// input back.
const (
	maxProblemMsg   = 300
	maxProblemField = 100
	maxFieldMsg     = 300
	maxFieldErrors  = 50
)

func writeProblem(w http.ResponseWriter, status int, msg string, fields []api.FieldError) {
	p := problem{Error: clipRunes(msg, maxProblemMsg)}
	for i, f := range fields {
		if i == maxFieldErrors {
			break
		}
		p.Fields = append(p.Fields, api.FieldError{Field: clipRunes(f.Field, maxProblemField), Message: clipRunes(f.Message, maxFieldMsg)})
	}
	writeJSON(w, status, p)
}

// Routes lists the API's operations as "METHOD /path" (the OpenAPI test reads it).
func Routes() []string {
	var s Server
	var out []string
	for _, r := range s.apiRoutes() {
		out = append(out, r.method+" "+r.path)
	}
	return out
}
