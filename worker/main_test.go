package main

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/config"
)

func TestMetricsAddrConfig(t *testing.T) {
	t.Setenv("ONBOARDING_PAYLOAD_KEYS", "k1=checked-by-codec-not-config")
	tests := []struct {
		name    string
		env     *string // nil: unset
		want    string
		wantErr bool
	}{
		{name: "default", want: "127.0.0.1:9464"},
		{name: "empty turns metrics off", env: ptr(""), want: ""},
		{name: "any interface", env: ptr(":9464"), want: ":9464"},
		{name: "no port", env: ptr("127.0.0.1"), wantErr: true},
		{name: "port not a number", env: ptr("127.0.0.1:metrics"), wantErr: true},
		{name: "port out of range", env: ptr("127.0.0.1:70000"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != nil {
				t.Setenv("ONBOARDING_METRICS_ADDR", *tt.env)
			}
			var cfg Config
			err := config.Load(&cfg)
			if tt.wantErr {
				require.ErrorContains(t, err, "ONBOARDING_METRICS_ADDR")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, cfg.MetricsAddr)
		})
	}
}

func TestMetricsPortInUseNamesTheVariable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	_, _, err = serveMetrics(ln.Addr().String(), zap.NewNop())
	require.ErrorContains(t, err, "ONBOARDING_METRICS_ADDR")
}

func ptr(s string) *string { return &s }
