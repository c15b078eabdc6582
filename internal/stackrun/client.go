package stackrun

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/logging"
)

// Client returns the stack's Temporal client, dialled on first use and closed by Close. It
// reconnects by itself after a restart of the dev server.
func (s *Stack) Client(ctx context.Context) (client.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return s.client, nil
	}
	c, err := s.Dial(ctx, client.Options{})
	if err != nil {
		return nil, err
	}
	s.client = c
	return c, nil
}

// Dial connects a new client to the stack's Temporal with opts (HostPort, Namespace and a
// silent Logger and the stack's encrypting data converter filled in when unset); the caller
// closes it.
func (s *Stack) Dial(ctx context.Context, opts client.Options) (client.Client, error) {
	if opts.HostPort == "" {
		opts.HostPort = s.TemporalAddr
	}
	if opts.Namespace == "" {
		opts.Namespace = Namespace
	}
	if opts.Logger == nil {
		opts.Logger = logging.SDK(zap.NewNop())
	}
	if opts.DataConverter == nil && s.Keys != nil {
		opts.DataConverter = codec.DataConverter(s.Keys)
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("stackrun: dial Temporal at %s: %w", opts.HostPort, err)
	}
	return c, nil
}
