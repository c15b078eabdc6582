package workerapp_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/workerapp"
)

// TestRunSettings holds the worker's own settings (beside the providers' and the tuning's)
// to their defaults and bounds: each row sets one variable (or leaves it unset).
func TestRunSettings(t *testing.T) {
	t.Setenv("ONBOARDING_PROFILE", "local")
	t.Setenv("ONBOARDING_PAYLOAD_KEYS", "k1=checked-by-codec-not-config")
	type row struct {
		name    string
		env     *string // nil: unset
		want    any
		wantErr bool
	}
	settings := []struct {
		variable string
		get      func(workerapp.Config) any
		rows     []row
	}{
		{"ONBOARDING_METRICS_ADDR", func(c workerapp.Config) any { return c.MetricsAddr }, []row{
			{name: "default", want: "127.0.0.1:9464"},
			{name: "empty turns metrics off", env: ptr(""), want: ""},
			{name: "any interface", env: ptr(":9464"), want: ":9464"},
			{name: "no port", env: ptr("127.0.0.1"), wantErr: true},
			{name: "port not a number", env: ptr("127.0.0.1:metrics"), wantErr: true},
			{name: "port out of range", env: ptr("127.0.0.1:70000"), wantErr: true},
		}},
		{"ONBOARDING_RECONCILE_EVERY", func(c workerapp.Config) any { return c.ReconcileEvery }, []row{
			{name: "default", want: 4 * time.Minute},
			{name: "off", env: ptr("0"), want: time.Duration(0)},
			{name: "shortest", env: ptr("10s"), want: 10 * time.Second},
			{name: "longest", env: ptr("1h"), want: time.Hour},
			{name: "too short", env: ptr("5s"), wantErr: true},
			{name: "too long", env: ptr("2h"), wantErr: true},
			{name: "negative", env: ptr("-1m"), wantErr: true},
			{name: "not a duration", env: ptr("often"), wantErr: true},
		}},
	}
	for _, s := range settings {
		for _, tt := range s.rows {
			t.Run(s.variable+"/"+tt.name, func(t *testing.T) {
				if tt.env != nil {
					t.Setenv(s.variable, *tt.env)
				}
				var cfg workerapp.Config
				err := config.Load(&cfg)
				if tt.wantErr {
					require.ErrorContains(t, err, s.variable)
					return
				}
				require.NoError(t, err)
				require.Equal(t, tt.want, s.get(cfg))
			})
		}
	}
}

func ptr(s string) *string { return &s }
