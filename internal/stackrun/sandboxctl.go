package stackrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/merchantflow/onboarding/providers/sandbox"
)

// Providers the sandbox imitates, the keys of SetFaults.
var Providers = []string{"quickr", "creditro", "idv", "deepidv", "openbanking"}

// Counts are side-effect counts of one reference by kind (sandbox.CountCases, ...).
type Counts map[string]int

// SandboxControl calls the sandbox's control endpoints. GET and PUT are sent again (up to
// three times) when the connection fails, e.g. on a keep-alive connection the sandbox closed
// as idle just as the request went out.
func (s *Stack) SandboxControl(ctx context.Context, method, path string, in, out any) error {
	var b []byte
	if in != nil {
		var err error
		if b, err = json.Marshal(in); err != nil {
			return err
		}
	}
	attempts := 1
	if method == http.MethodGet || method == http.MethodPut {
		attempts = 3
	}
	var err error
	for range attempts {
		if err = s.sandboxCall(ctx, method, path, b, out); err == nil || ctx.Err() != nil || !errors.Is(err, errTransport) {
			return err
		}
	}
	return err
}

// errTransport marks a failure to exchange the request at all.
var errTransport = errors.New("transport")

func (s *Stack) sandboxCall(ctx context.Context, method, path string, in []byte, out any) error {
	var body io.Reader
	if in != nil {
		body = bytes.NewReader(in)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.SandboxURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("stackrun: sandbox %s %s: %w (%w)", method, path, err, errTransport)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("stackrun: sandbox %s %s: %w (%w)", method, path, err, errTransport)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("stackrun: sandbox %s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("stackrun: sandbox %s %s: %w", method, path, err)
		}
	}
	return nil
}

// SetFaults sets each named provider's faults; a zero Fault clears that provider's.
func (s *Stack) SetFaults(ctx context.Context, faults map[string]sandbox.Fault) error {
	return s.SandboxControl(ctx, http.MethodPut, "/control/faults", faults, nil)
}

// SetAllFaults gives every provider the same faults.
func (s *Stack) SetAllFaults(ctx context.Context, f sandbox.Fault) error {
	m := map[string]sandbox.Fault{}
	for _, p := range Providers {
		m[p] = f
	}
	return s.SetFaults(ctx, m)
}

// ClearFaults turns every provider's faults off.
func (s *Stack) ClearFaults(ctx context.Context) error { return s.SetAllFaults(ctx, sandbox.Fault{}) }

// Counters returns the side-effect counts of every reference (the engine's reference is the
// workflow ID).
func (s *Stack) Counters(ctx context.Context) (map[string]Counts, error) {
	var out struct {
		References map[string]Counts `json:"references"`
	}
	if err := s.SandboxControl(ctx, http.MethodGet, "/control/counters", nil, &out); err != nil {
		return nil, err
	}
	if out.References == nil {
		out.References = map[string]Counts{}
	}
	return out.References, nil
}

// Requests returns the provider API requests the sandbox served, by route
// ("<provider> <METHOD> <pattern>", e.g. sandbox.RequestQuickrGetCase).
func (s *Stack) Requests(ctx context.Context) (map[string]int, error) {
	var out struct {
		Requests map[string]int `json:"requests"`
	}
	if err := s.SandboxControl(ctx, http.MethodGet, "/control/counters", nil, &out); err != nil {
		return nil, err
	}
	return out.Requests, nil
}

// CountersFor returns the side-effect counts of one reference.
func (s *Stack) CountersFor(ctx context.Context, ref string) (Counts, error) {
	var out struct {
		Counts Counts `json:"counts"`
	}
	if err := s.SandboxControl(ctx, http.MethodGet, "/control/counters?reference="+url.QueryEscape(ref), nil, &out); err != nil {
		return nil, err
	}
	if out.Counts == nil {
		out.Counts = Counts{}
	}
	return out.Counts, nil
}
