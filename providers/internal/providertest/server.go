// Package providertest holds what the provider clients' tests share: a fake provider that
// records every request it receives and answers with canned replies, and the checks of the
// typed error a client returns. Only the tests of providers/* import it.
package providertest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Request is one request as the fake provider received it.
type Request struct {
	Method string
	Path   string // escaped, as sent
	Query  string // raw query
	Header http.Header
	Body   string
}

// Auth is the request's Authorization header.
func (r Request) Auth() string { return r.Header.Get("Authorization") }

// ContentType is the request's Content-Type header.
func (r Request) ContentType() string { return r.Header.Get("Content-Type") }

// BasicAuth is the request's HTTP basic credentials, as net/http reads them.
func (r Request) BasicAuth() (user, pass string, ok bool) {
	return (&http.Request{Header: r.Header}).BasicAuth()
}

// Recorder keeps the requests a fake received. Handlers record; the test goroutine reads.
type Recorder struct {
	mu   sync.Mutex
	reqs []Request
}

// Record reads req's body and keeps the request.
func (rec *Recorder) Record(req *http.Request) Request {
	b, _ := io.ReadAll(req.Body)
	r := Request{Method: req.Method, Path: req.URL.EscapedPath(), Query: req.URL.RawQuery, Header: req.Header.Clone(), Body: string(b)}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reqs = append(rec.reqs, r)
	return r
}

// All is every request so far, in order.
func (rec *Recorder) All() []Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Request(nil), rec.reqs...)
}

// Reply is a canned answer: a zero Status is 200.
type Reply struct {
	Status int
	Body   string
	Header map[string]string
}

// Write sends the reply.
func (rp Reply) Write(w http.ResponseWriter) {
	for k, v := range rp.Header {
		w.Header().Set(k, v)
	}
	if rp.Status != 0 {
		w.WriteHeader(rp.Status)
	}
	_, _ = io.WriteString(w, rp.Body)
}

// Routes are replies by route key; "*" answers any request no other key matches.
type Routes map[string]Reply

// Find is the reply of the first of keys present, else "*"'s, else notFound.
func (rs Routes) Find(notFound Reply, keys ...string) Reply {
	for _, k := range append(keys, "*") {
		if rp, ok := rs[k]; ok {
			return rp
		}
	}
	return notFound
}

// Server starts a fake provider that records every request, its body read, and then lets
// answer reply (nil: an empty 200). It is closed when the test ends.
func Server(t *testing.T, answer func(w http.ResponseWriter, r Request)) (*httptest.Server, *Recorder) {
	t.Helper()
	rec := &Recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r := rec.Record(req)
		if answer != nil {
			answer(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

// Answer is a Server answer that sends rp to every request.
func Answer(rp Reply) func(http.ResponseWriter, Request) {
	return func(w http.ResponseWriter, _ Request) { rp.Write(w) }
}

// ClosedURL is the address of a server that is no longer there: calls to it fail in the
// network.
func ClosedURL(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}
