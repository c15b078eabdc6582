package codec

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// DefaultPrefix is where Handler expects to be mounted: mux.Handle(DefaultPrefix+"/", h).
const DefaultPrefix = "/codec"

// DefaultMaxBody bounds a codec-server request body.
const DefaultMaxBody = 4 << 20

// HandlerOptions configures the codec server.
type HandlerOptions struct {
	// Prefix is the path the handler is mounted under; DefaultPrefix when empty.
	Prefix string
	// AllowedOrigins are the browser origins (scheme://host[:port], e.g. the Temporal UI's
	// http://localhost:8233) that may call the server cross-origin, with credentials. "*" is
	// not supported.
	AllowedOrigins []string
	// Tokens are the accepted bearer tokens; more than one during a rotation. With none, every
	// request is refused. A token in a capability path must be URL-path safe.
	Tokens []string
	// MaxBodyBytes bounds a request body; DefaultMaxBody when zero.
	MaxBodyBytes int64
}

// MinTokenLen keeps guessable codec tokens out of configuration.
const MinTokenLen = 16

// ParseTokens reads codec-server tokens separated by commas (ONBOARDING_CODEC_TOKENS), the
// first being the one to hand out, the others accepted during a rotation. Each is trimmed
// here, once, so what is checked is what authenticates. Blank spec: no tokens (the codec
// server is off). Refused: an empty entry, a token under MinTokenLen characters, one with
// a character a URL path cannot carry as is (the Temporal UI sends it in the path), and a
// token given twice. Errors name entries by position, never a token.
func ParseTokens(spec string) ([]string, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	var out []string
	for i, t := range strings.Split(spec, ",") {
		t = strings.TrimSpace(t)
		entry := "entry " + strconv.Itoa(i+1)
		switch {
		case t == "":
			return nil, errors.New(entry + " is empty")
		case len(t) < MinTokenLen:
			return nil, errors.New(entry + ": a token must be at least " + strconv.Itoa(MinTokenLen) + " characters")
		case strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune("/?#%", r) }):
			return nil, errors.New(entry + ": a token is printable ASCII without spaces and / ? # % (it travels in a URL path)")
		}
		if j := slices.Index(out, t); j >= 0 {
			return nil, errors.New(entry + " is the same token as entry " + strconv.Itoa(j+1))
		}
		out = append(out, t)
	}
	return out, nil
}

// Handler serves the Temporal codec-server protocol with k's codec:
//
//	POST {prefix}/encode and POST {prefix}/decode
//	POST {prefix}/t/{token}/encode and POST {prefix}/t/{token}/decode
//
// Both take and return application/json {"payloads":[...]}, the protojson form of
// temporal.api.common.v1.Payloads (bytes as base64). A request authenticates with
// "Authorization: Bearer <token>" or, for the Temporal UI, which cannot send headers, with
// the token in the path: --ui-codec-endpoint http://host:port/codec/t/<token>. Keep capability
// paths out of access logs (see RedactPath). CORS preflights (OPTIONS) are answered without
// authentication; only AllowedOrigins get CORS headers. Errors are JSON {"error": "..."}:
// 401 for a missing or wrong token, 413 for a body over the limit, 400 for bad JSON or a
// payload that does not decode (the message names the key id), 404 and 405 for other paths
// and methods. The handler logs nothing.
func Handler(k *Keyring, opts HandlerOptions) http.Handler {
	h := &handler{
		codec:   NewCodec(k),
		prefix:  strings.TrimSuffix(opts.Prefix, "/"),
		maxBody: opts.MaxBodyBytes,
	}
	if opts.Prefix == "" {
		h.prefix = DefaultPrefix
	}
	if h.maxBody <= 0 {
		h.maxBody = DefaultMaxBody
	}
	for _, o := range opts.AllowedOrigins {
		if o = strings.TrimSuffix(strings.TrimSpace(o), "/"); o != "" {
			h.origins = append(h.origins, o)
		}
	}
	for _, t := range opts.Tokens {
		if t != "" {
			h.tokens = append(h.tokens, sha256.Sum256([]byte(t)))
		}
	}
	return h
}

// RedactPath returns path with the token of a capability path replaced by "REDACTED", for
// access logs: "/codec/t/s3cret/decode" becomes "/codec/t/REDACTED/decode". Other paths are
// returned as they are.
func RedactPath(path string) string {
	i := strings.Index(path, "/t/")
	if i < 0 {
		return path
	}
	rest := path[i+len("/t/"):]
	j := strings.LastIndexByte(rest, '/')
	if j <= 0 {
		return path[:i] + "/t/REDACTED"
	}
	return path[:i] + "/t/REDACTED" + rest[j:]
}

type handler struct {
	codec   *Codec
	prefix  string
	origins []string
	tokens  [][sha256.Size]byte // hashed, so comparison time does not depend on their length
	maxBody int64
}

// route splits a request path into the operation and, for a capability path, the token.
func (h *handler) route(path string) (op, token string, capability, ok bool) {
	rest, found := strings.CutPrefix(path, h.prefix)
	if !found {
		return "", "", false, false
	}
	if tail, isCap := strings.CutPrefix(rest, "/t/"); isCap {
		i := strings.LastIndexByte(tail, '/')
		if i <= 0 {
			return "", "", false, false
		}
		token, rest, capability = tail[:i], tail[i:], true
	}
	switch rest {
	case "/encode", "/decode":
		return rest[1:], token, capability, true
	}
	return "", "", false, false
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, token, capability, ok := h.route(r.URL.Path)
	w.Header().Add("Vary", "Origin")
	h.cors(w, r)
	if !ok {
		writeError(w, http.StatusNotFound, "no such codec endpoint: use .../encode or .../decode")
		return
	}
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		writeError(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	if !capability {
		token, ok = bearer(r.Header.Get("Authorization"))
	}
	if !ok || !h.authorized(token) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="codec"`)
		writeError(w, http.StatusUnauthorized, "missing or invalid codec-server token")
		return
	}

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			writeError(w, http.StatusRequestEntityTooLarge, "body is over the size limit")
			return
		}
		writeError(w, http.StatusBadRequest, "could not read the body")
		return
	}
	var in commonpb.Payloads
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, `body must be JSON {"payloads":[...]} (protojson Payloads)`)
		return
	}

	var out []*commonpb.Payload
	if op == "encode" {
		out, err = h.codec.Encode(in.GetPayloads())
		if err != nil {
			writeError(w, http.StatusInternalServerError, "could not encode the payloads")
			return
		}
	} else {
		out, err = h.codec.Decode(in.GetPayloads())
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	resp, err := marshalPayloads(out)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not marshal the payloads")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp)
}

// cors sets the CORS headers for an allowed origin; other origins get none.
func (h *handler) cors(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || !slices.Contains(h.origins, origin) {
		return
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", origin)
	hd.Set("Access-Control-Allow-Credentials", "true")
	if r.Method == http.MethodOptions {
		hd.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Namespace")
		hd.Set("Access-Control-Max-Age", "600")
	}
}

// authorized reports whether token is one of the configured tokens, in time that depends on
// neither the token nor which one matched.
func (h *handler) authorized(token string) bool {
	sum := sha256.Sum256([]byte(token))
	match := 0
	for _, t := range h.tokens {
		match |= subtle.ConstantTimeCompare(sum[:], t[:])
	}
	return match == 1 && token != ""
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// marshalPayloads writes {"payloads":[...]}, the array present even when empty.
func marshalPayloads(ps []*commonpb.Payload) ([]byte, error) {
	items := make([]json.RawMessage, len(ps))
	for i, p := range ps {
		b, err := protojson.Marshal(p)
		if err != nil {
			return nil, err
		}
		items[i] = b
	}
	return json.Marshal(map[string][]json.RawMessage{"payloads": items})
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
