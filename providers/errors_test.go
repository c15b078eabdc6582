package providers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
)

// timeoutErr is what net/http returns when a client's timeout runs out.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestErrorClass(t *testing.T) {
	tests := []struct {
		name string
		err  *providers.Error
		want string
	}{
		{"client timeout", &providers.Error{Err: &url.Error{Op: "Get", URL: "http://x", Err: timeoutErr{}}}, "timeout"},
		{"context deadline", &providers.Error{Err: fmt.Errorf("send: %w", context.DeadlineExceeded)}, "timeout"},
		{"408", &providers.Error{Status: http.StatusRequestTimeout}, "timeout"},
		{"connection refused", &providers.Error{Err: errors.New("connection refused")}, "network"},
		{"429", &providers.Error{Status: http.StatusTooManyRequests}, "rate_limited"},
		{"503", &providers.Error{Status: http.StatusServiceUnavailable}, "server"},
		{"401", &providers.Error{Status: http.StatusUnauthorized}, "auth"},
		{"404", &providers.Error{Status: http.StatusNotFound}, "not_found"},
		{"422", &providers.Error{Status: http.StatusUnprocessableEntity}, "conflict"},
		{"400", &providers.Error{Status: http.StatusBadRequest}, "client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, tt.err.Class())
		})
	}
}
