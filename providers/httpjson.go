package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// DefaultTimeout bounds every provider call whose client was not given its own timeout.
const DefaultTimeout = 30 * time.Second

// maxBody caps how much of a response body a client reads.
const maxBody = 8 << 20

// NewHTTPClient returns an *http.Client with a timeout (DefaultTimeout when d <= 0) that
// keeps its connections in the shared pool.
func NewHTTPClient(d time.Duration) *http.Client {
	if d <= 0 {
		d = DefaultTimeout
	}
	return &http.Client{Timeout: d, Transport: sharedTransport}
}

// MaxIdleConnsPerHost is how many idle connections the pool keeps to one provider.
const MaxIdleConnsPerHost = 64

// sharedTransport is the connection pool of every provider client. Go's default transport
// keeps two idle connections per host, so a worker with dozens of calls in flight to one
// provider closed most connections after each call and opened (over TLS: handshook) a new one
// for the next; this keeps up to MaxIdleConnsPerHost per provider.
var sharedTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 8 * MaxIdleConnsPerHost
	t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	return t
}()

// Clock returns now, or time.Now when now is nil.
func Clock(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

// HTTPClient is the client a provider's calls go through: hc when not nil, else a new one
// whose timeout is timeout, or the rule's Timeout when timeout <= 0 (DefaultTimeout when the
// rule names none either).
func (r RetryRule) HTTPClient(hc *http.Client, timeout time.Duration) *http.Client {
	if hc != nil {
		return hc
	}
	if timeout <= 0 {
		timeout = r.Timeout
	}
	return NewHTTPClient(timeout)
}

// JSONError builds a Caller.ParseError for a provider whose error body is JSON: the body is
// decoded into a T and pick reads the code and message from it. A body that is not such JSON
// yields neither, so the Caller falls back to the raw body.
func JSONError[T any](pick func(e T) (code, message string)) func(body []byte) (string, string) {
	return func(body []byte) (string, string) {
		var e T
		if json.Unmarshal(body, &e) != nil {
			return "", ""
		}
		return pick(e)
	}
}

// Caller performs JSON calls for one provider and turns failures into *Error.
// It never retries.
type Caller struct {
	Provider string
	HTTP     *http.Client
	// ParseError extracts the provider's error code and message from a failed response body.
	// Nil, or empty results, fall back to the status text and the raw body.
	ParseError func(body []byte) (code, message string)
	// Now is the clock used for Retry-After dates; nil means time.Now.
	Now func() time.Time
}

// Request is one call. Body, when not nil, is sent as JSON unless RawBody is set.
type Request struct {
	Op      string // short operation name for errors, e.g. "create case"
	Method  string
	URL     string
	Header  http.Header
	Body    any
	RawBody []byte // sent as is (with the Content-Type in Header) when not nil
}

// Do sends req and decodes a 2xx JSON body into out (when out is not nil and the body is not
// empty). It returns the HTTP status for callers that distinguish 200 from 201 or 202.
func (c *Caller) Do(ctx context.Context, req Request, out any) (int, error) {
	var body io.Reader
	switch {
	case req.RawBody != nil:
		body = bytes.NewReader(req.RawBody)
	case req.Body != nil:
		b, err := json.Marshal(req.Body)
		if err != nil {
			return 0, &Error{Provider: c.Provider, Op: req.Op, Message: "encode request: " + err.Error(), Status: http.StatusBadRequest}
		}
		body = bytes.NewReader(b)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return 0, &Error{Provider: c.Provider, Op: req.Op, Status: http.StatusBadRequest, Message: "build request: " + err.Error()}
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hreq.Header.Add(k, v)
		}
	}
	hreq.Header.Set("Accept", "application/json")
	if req.Body != nil && req.RawBody == nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = NewHTTPClient(0)
	}
	resp, err := hc.Do(hreq)
	if err != nil {
		return 0, &Error{Provider: c.Provider, Op: req.Op, Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.StatusCode, &Error{Provider: c.Provider, Op: req.Op, Err: fmt.Errorf("read response: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, c.failure(req.Op, resp, raw)
	}
	if out != nil && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			// A 2xx we cannot read is the provider's fault and may be transient (a proxy page).
			return resp.StatusCode, &Error{Provider: c.Provider, Op: req.Op, Status: http.StatusBadGateway,
				Message: "decode response: " + err.Error()}
		}
	}
	return resp.StatusCode, nil
}

func (c *Caller) failure(op string, resp *http.Response, raw []byte) *Error {
	now := Clock(c.Now)
	e := &Error{
		Provider:   c.Provider,
		Op:         op,
		Status:     resp.StatusCode,
		RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), now()),
	}
	if c.ParseError != nil {
		e.Code, e.Message = c.ParseError(raw)
	}
	if e.Message == "" {
		e.Message = string(bytes.TrimSpace(raw))
		if len(e.Message) > 300 {
			e.Message = e.Message[:300] + "…"
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	return e
}
