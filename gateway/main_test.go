package main

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/callback"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/process/proctest"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

func TestMain(m *testing.M) { proctest.Main(m, main) }

// Secrets of the tests; each is distinct, so an error that shows one is caught.
const (
	appSecret   = "app-secret-0123456789"
	agentSecret = "agent-secret-0123456789"
	hookSecret  = "hook-secret-0123456789"
	codecSecret = "codec-secret-0123456789"
	cbSecret    = "callback-secret-0123456789"
)

var testSecrets = []string{appSecret, agentSecret, hookSecret, codecSecret, cbSecret}

func TestGatewayWithoutCredentialsExits2NamingEveryMissingSetting(t *testing.T) {
	for _, profile := range []string{"", "ONBOARDING_PROFILE=production"} {
		code, out := proctest.Run(t, profile)
		require.Equal(t, 2, code, out)
		require.Equal(t, "config: missing ONBOARDING_PAYLOAD_KEYS (or ONBOARDING_PAYLOAD_KEYS_FILE), ONBOARDING_WEBHOOK_SECRETS, ONBOARDING_CALLBACK_SECRETS, ONBOARDING_API_TOKENS, ONBOARDING_BANK_DATA_DIR"+
			"; outside ONBOARDING_PROFILE=local (make run, tests) nothing falls back to the sandbox's credentials or addresses\n", out)
	}
	t.Run("the local profile still needs the tokens and keys", func(t *testing.T) {
		code, out := proctest.Run(t, "ONBOARDING_PROFILE=local")
		require.Equal(t, 2, code, out)
		require.Equal(t, "config: missing ONBOARDING_PAYLOAD_KEYS (or ONBOARDING_PAYLOAD_KEYS_FILE), ONBOARDING_API_TOKENS\n", out)
	})
	t.Run("an unknown profile", func(t *testing.T) {
		code, out := proctest.Run(t, "ONBOARDING_PROFILE=staging")
		require.Equal(t, 2, code, out)
		require.Contains(t, out, "ONBOARDING_PROFILE must be local or production")
	})
}

func TestGatewayRefusesSecretsTwiceWithoutShowingThem(t *testing.T) {
	keys := "ONBOARDING_PAYLOAD_KEYS=k1=" + codec.NewKey()
	callbacks := "ONBOARDING_CALLBACK_SECRETS=" + cbSecret
	for _, tt := range []struct {
		name string
		env  []string
		want string
	}{
		{
			name: "two tokens, one secret",
			env:  []string{"ONBOARDING_API_TOKENS=app:shop=" + appSecret + ",agent:alice=" + appSecret, "ONBOARDING_WEBHOOK_SECRETS=" + hookSecret},
			want: "ONBOARDING_API_TOKENS: entry 2 (agent:alice) has the same secret as entry 1 (app:shop)",
		},
		{
			name: "one name, two roles",
			env:  []string{"ONBOARDING_API_TOKENS=app:alice=" + appSecret + ",agent:Alice=" + agentSecret, "ONBOARDING_WEBHOOK_SECRETS=" + hookSecret},
			want: "the name alice is used twice",
		},
		{
			name: "a lookalike name",
			env:  []string{"ONBOARDING_API_TOKENS=agent:alice=" + appSecret + ",agent:\u0430lice=" + agentSecret, "ONBOARDING_WEBHOOK_SECRETS=" + hookSecret},
			want: "ONBOARDING_API_TOKENS: entry 2: the name has U+0430",
		},
		{
			name: "a webhook secret twice",
			env:  []string{"ONBOARDING_API_TOKENS=app:shop=" + appSecret, "ONBOARDING_WEBHOOK_SECRETS=" + hookSecret + ", " + hookSecret},
			want: "ONBOARDING_WEBHOOK_SECRETS entry 1 and ONBOARDING_WEBHOOK_SECRETS entry 2 are the same secret",
		},
		{
			name: "an API token that is the webhook secret",
			env:  []string{"ONBOARDING_API_TOKENS=app:shop=" + appSecret + ",agent:alice=" + hookSecret, "ONBOARDING_WEBHOOK_SECRETS=" + hookSecret},
			want: "ONBOARDING_WEBHOOK_SECRETS entry 1 and the secret of ONBOARDING_API_TOKENS agent:alice are the same secret",
		},
		{
			name: "a codec token that is an API token",
			env:  []string{"ONBOARDING_API_TOKENS=app:shop=" + appSecret, "ONBOARDING_WEBHOOK_SECRETS=" + hookSecret, "ONBOARDING_CODEC_TOKENS=" + codecSecret + "," + appSecret},
			want: "the secret of ONBOARDING_API_TOKENS app:shop and ONBOARDING_CODEC_TOKENS entry 2 are the same secret",
		},
		{
			name: "codec tokens twice",
			env:  []string{"ONBOARDING_API_TOKENS=app:shop=" + appSecret, "ONBOARDING_WEBHOOK_SECRETS=" + hookSecret, "ONBOARDING_CODEC_TOKENS=" + codecSecret + ", " + codecSecret},
			want: "ONBOARDING_CODEC_TOKENS: entry 2 is the same token as entry 1",
		},
		{
			name: "an empty codec token",
			env:  []string{"ONBOARDING_API_TOKENS=app:shop=" + appSecret, "ONBOARDING_WEBHOOK_SECRETS=" + hookSecret, "ONBOARDING_CODEC_TOKENS=" + codecSecret + ","},
			want: "ONBOARDING_CODEC_TOKENS: entry 2 is empty",
		},
		{
			name: "an empty webhook secret",
			env:  []string{"ONBOARDING_API_TOKENS=app:shop=" + appSecret, "ONBOARDING_WEBHOOK_SECRETS=" + hookSecret + ", "},
			want: "ONBOARDING_WEBHOOK_SECRETS: entry 2 is empty",
		},
		{
			name: "a callback secret that is the webhook secret",
			env:  []string{"ONBOARDING_API_TOKENS=app:shop=" + appSecret, "ONBOARDING_WEBHOOK_SECRETS=" + hookSecret, "ONBOARDING_CALLBACK_SECRETS=" + cbSecret + "," + hookSecret},
			want: "ONBOARDING_WEBHOOK_SECRETS entry 1 and ONBOARDING_CALLBACK_SECRETS entry 2 are the same secret",
		},
		{
			name: "one signing secret for both providers",
			env:  []string{"ONBOARDING_API_TOKENS=app:shop=" + appSecret, "ONBOARDING_QUICKR_WEBHOOK_SECRETS=" + hookSecret, "ONBOARDING_IDV_WEBHOOK_SECRETS=" + hookSecret},
			want: "ONBOARDING_QUICKR_WEBHOOK_SECRETS entry 1 and ONBOARDING_IDV_WEBHOOK_SECRETS entry 1 are the same secret",
		},
		{
			name: "a short callback secret",
			env:  []string{"ONBOARDING_API_TOKENS=app:shop=" + appSecret, "ONBOARDING_WEBHOOK_SECRETS=" + hookSecret, "ONBOARDING_CALLBACK_SECRETS=" + cbSecret + ",tiny-secret"},
			want: "ONBOARDING_CALLBACK_SECRETS: entry 2 is shorter than 16 bytes",
		},
		{
			name: "too many webhook secrets",
			env:  []string{"ONBOARDING_API_TOKENS=app:shop=" + appSecret, "ONBOARDING_WEBHOOK_SECRETS=" + hookSecret + "1," + hookSecret + "2," + hookSecret + "3," + hookSecret + "4," + hookSecret + "5"},
			want: "ONBOARDING_WEBHOOK_SECRETS names 5 secrets; at most 4",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := append(append([]string{}, tt.env...), keys, "ONBOARDING_BANK_DATA_DIR="+t.TempDir())
			if !strings.Contains(strings.Join(tt.env, " "), "ONBOARDING_CALLBACK_SECRETS=") {
				env = append(env, callbacks)
			}
			code, out := proctest.Run(t, env...)
			require.Equal(t, 2, code, out)
			require.Contains(t, out, tt.want)
			for _, s := range testSecrets {
				require.NotContains(t, out, s, "a secret in the error output")
			}
		})
	}
}

func TestGatewayConfigTrimsSecretsOnce(t *testing.T) {
	t.Setenv("ONBOARDING_PAYLOAD_KEYS", "k1=checked-by-codec-not-config")
	t.Setenv("ONBOARDING_BANK_DATA_DIR", t.TempDir())
	t.Setenv("ONBOARDING_API_TOKENS", " app:shop = "+appSecret+" ")
	t.Setenv("ONBOARDING_WEBHOOK_SECRETS", hookSecret+", "+hookSecret+"-old ")
	t.Setenv("ONBOARDING_CODEC_TOKENS", codecSecret+", "+codecSecret+"-old")
	t.Setenv("ONBOARDING_CALLBACK_SECRETS", " "+cbSecret+" ,"+cbSecret+"-old")
	var cfg Config
	require.NoError(t, config.Load(&cfg))
	require.Equal(t, appSecret, cfg.tokens[0].Secret)
	require.Equal(t, [][]byte{[]byte(hookSecret), []byte(hookSecret + "-old")}, cfg.webhook)
	require.Empty(t, cfg.perProvider, "both providers verify with the shared list")
	require.Equal(t, [][]byte{[]byte(cbSecret), []byte(cbSecret + "-old")}, cfg.callbacks)
	require.Equal(t, []string{codecSecret, codecSecret + "-old"}, cfg.codecTokens)
}

func TestGatewayPerProviderWebhookSecrets(t *testing.T) {
	t.Setenv("ONBOARDING_PAYLOAD_KEYS", "k1=checked-by-codec-not-config")
	t.Setenv("ONBOARDING_BANK_DATA_DIR", t.TempDir())
	t.Setenv("ONBOARDING_API_TOKENS", "app:shop="+appSecret)
	t.Setenv("ONBOARDING_CALLBACK_SECRETS", cbSecret)
	t.Setenv("ONBOARDING_QUICKR_WEBHOOK_SECRETS", hookSecret+"-quickr")
	t.Run("one provider's own list, the shared one for the other", func(t *testing.T) {
		t.Setenv("ONBOARDING_WEBHOOK_SECRETS", hookSecret)
		var cfg Config
		require.NoError(t, config.Load(&cfg))
		require.Equal(t, map[string][][]byte{"quickr": {[]byte(hookSecret + "-quickr")}}, cfg.perProvider)
		require.Equal(t, [][]byte{[]byte(hookSecret)}, cfg.webhook)
	})
	t.Run("the shared list is required while a provider has none of its own", func(t *testing.T) {
		var cfg Config
		require.ErrorContains(t, config.Load(&cfg), "missing ONBOARDING_WEBHOOK_SECRETS")
	})
	t.Run("both providers' own lists: no shared one needed", func(t *testing.T) {
		t.Setenv("ONBOARDING_IDV_WEBHOOK_SECRETS", hookSecret+"-idv")
		var cfg Config
		require.NoError(t, config.Load(&cfg))
		require.Len(t, cfg.perProvider, 2)
		require.Empty(t, cfg.webhook)
	})
}

func TestGatewayLocalProfileStartsWithTheSandboxDefaults(t *testing.T) {
	t.Run("config", func(t *testing.T) {
		t.Setenv("ONBOARDING_PROFILE", "local")
		t.Setenv("ONBOARDING_PAYLOAD_KEYS", "k1=checked-by-codec-not-config")
		t.Setenv("ONBOARDING_BANK_DATA_DIR", t.TempDir())
		t.Setenv("ONBOARDING_API_TOKENS", "app:shop="+appSecret)
		var cfg Config
		require.NoError(t, config.Load(&cfg))
		require.True(t, cfg.IsLocal())
		require.Equal(t, [][]byte{[]byte(sandbox.DefaultCredentials().WebhookSigningSecret)}, cfg.webhook)
		require.Equal(t, [][]byte{[]byte(callback.DevSecret)}, cfg.callbacks, "the worker's local default too")
		require.Empty(t, cfg.codecTokens, "no codec tokens: the codec server is off")
	})
	t.Run("process", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts a Temporal dev server")
		}
		keys, err := codec.GenerateSpec("t1")
		require.NoError(t, err)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		p := proctest.Start(t, "listening",
			"ONBOARDING_PROFILE=local", "ONBOARDING_PAYLOAD_KEYS="+keys, "ONBOARDING_TEMPORAL_ADDRESS="+proctest.DevServer(t),
			"ONBOARDING_API_TOKENS=app:shop="+appSecret, "ONBOARDING_CODEC_TOKENS="+codecSecret, "ONBOARDING_GATEWAY_ADDR="+addr)
		require.Contains(t, p.Output(), "local profile")
		resp, err := http.Get("http://" + addr + "/healthz")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/v1/onboardings", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+appSecret)
		resp, err = http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "the token authenticates")
		require.Equal(t, 0, p.Stop(t), p.Output())
		for _, s := range testSecrets {
			require.NotContains(t, p.Output(), s, "a secret in the log")
		}
		require.False(t, strings.Contains(p.Output(), sandbox.DefaultCredentials().WebhookSigningSecret), "the webhook secret in the log")
		require.False(t, strings.Contains(p.Output(), callback.DevSecret), "the callback secret in the log")
	})
}
