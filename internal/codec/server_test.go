package codec_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/merchantflow/onboarding/internal/codec"
)

const (
	token    = "codec-token-1"
	uiOrigin = "http://localhost:8233"
)

func codecServer(t *testing.T, opts codec.HandlerOptions) http.Handler {
	t.Helper()
	if opts.Tokens == nil {
		opts.Tokens = []string{"old-token", token}
	}
	if opts.AllowedOrigins == nil {
		opts.AllowedOrigins = []string{uiOrigin}
	}
	mux := http.NewServeMux()
	mux.Handle("/codec/", codec.Handler(keyring(t, "k1="+keyA), opts))
	return mux
}

// payloadsBody is the codec-server request body for ps.
func payloadsBody(t *testing.T, ps ...*commonpb.Payload) string {
	t.Helper()
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: ps})
	require.NoError(t, err)
	return string(b)
}

func readPayloads(t *testing.T, body []byte) []*commonpb.Payload {
	t.Helper()
	var out commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(body, &out), string(body))
	return out.Payloads
}

func call(h http.Handler, method, path, body string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func bearer(tok string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json", "X-Namespace": "default"}
}

func TestCodecServerRoundTripOverHTTP(t *testing.T) {
	srv := httptest.NewServer(codecServer(t, codec.HandlerOptions{}))
	t.Cleanup(srv.Close)
	post := func(path, body string) []byte {
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		return b
	}

	plain := plainPayload(t, kari)
	encoded := post("/codec/encode", payloadsBody(t, plain, plainPayload(t, "two")))
	require.NotContains(t, string(encoded), "Kari")
	enc := readPayloads(t, encoded)
	require.Len(t, enc, 2)
	require.Equal(t, codec.EncodingEncrypted, string(enc[0].Metadata[converter.MetadataEncoding]))

	decoded := readPayloads(t, post("/codec/decode", payloadsBody(t, enc...)))
	var got applicant
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(decoded[0], &got))
	require.Equal(t, kari, got)

	// The capability path the Temporal UI uses: http://host/codec/t/<token> + /decode.
	decoded = readPayloads(t, post("/codec/t/"+token+"/decode", payloadsBody(t, enc[0])))
	require.Len(t, decoded, 1)

	require.JSONEq(t, `{"payloads":[]}`, string(post("/codec/decode", `{}`)))
}

func TestCodecServerAuth(t *testing.T) {
	sealed := encode(t, keyring(t, "k1="+keyA), plainPayload(t, kari))[0]
	tests := []struct {
		name   string
		path   string
		header map[string]string
		opts   codec.HandlerOptions
		want   int
	}{
		{name: "bearer token", path: "/codec/decode", header: bearer(token), want: http.StatusOK},
		{name: "second token during a rotation", path: "/codec/decode", header: bearer("old-token"), want: http.StatusOK},
		{name: "lower-case scheme", path: "/codec/decode", header: map[string]string{"Authorization": "bearer " + token}, want: http.StatusOK},
		{name: "capability path", path: "/codec/t/" + token + "/decode", want: http.StatusOK},
		{name: "no token", path: "/codec/decode", want: http.StatusUnauthorized},
		{name: "wrong token", path: "/codec/decode", header: bearer("codec-token-2"), want: http.StatusUnauthorized},
		{name: "token prefix", path: "/codec/decode", header: bearer("codec-token"), want: http.StatusUnauthorized},
		{name: "empty bearer", path: "/codec/decode", header: map[string]string{"Authorization": "Bearer "}, want: http.StatusUnauthorized},
		{name: "basic auth", path: "/codec/decode", header: map[string]string{"Authorization": "Basic " + token}, want: http.StatusUnauthorized},
		{name: "wrong capability token", path: "/codec/t/nope/decode", header: bearer(token), want: http.StatusUnauthorized},
		{name: "no tokens configured", path: "/codec/decode", header: bearer(token), opts: codec.HandlerOptions{Tokens: []string{""}}, want: http.StatusUnauthorized},
		{name: "encode needs a token too", path: "/codec/encode", want: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := call(codecServer(t, tt.opts), http.MethodPost, tt.path, payloadsBody(t, sealed), tt.header)
			require.Equal(t, tt.want, rec.Code, rec.Body.String())
			if tt.want == http.StatusUnauthorized {
				var body map[string]string
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
				require.NotEmpty(t, body["error"])
				require.NotContains(t, rec.Body.String(), "payloads", "nothing is decoded")
				require.NotContains(t, rec.Body.String(), token)
				require.Equal(t, `Bearer realm="codec"`, rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

func TestParseTokens(t *testing.T) {
	const a, b = "codec-token-aaaaaaaa", "codec-token-bbbbbbbb"
	for _, tt := range []struct {
		name, spec string
		want       []string
		wantErr    string
	}{
		{name: "unset: the codec server is off", spec: ""},
		{name: "blank: off too", spec: "  "},
		{name: "one", spec: a, want: []string{a}},
		{name: "trimmed once, so the second one authenticates", spec: a + ", " + b + " ", want: []string{a, b}},
		{name: "empty entry", spec: a + ",," + b, wantErr: "entry 2 is empty"},
		{name: "trailing comma", spec: a + ",", wantErr: "entry 2 is empty"},
		{name: "short", spec: a + ",short-token", wantErr: "entry 2: a token must be at least 16"},
		{name: "a slash cannot travel in the path", spec: "codec/token/aaaaaaaaaa", wantErr: "entry 1: a token is printable ASCII"},
		{name: "inner space", spec: "codec token aaaaaaaaaa", wantErr: "printable ASCII"},
		{name: "twice", spec: a + "," + b + ", " + a, wantErr: "entry 3 is the same token as entry 1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := codec.ParseTokens(tt.spec)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				for _, secret := range []string{a, b, "short-token", "aaaaaaaaaa"} {
					require.NotContains(t, err.Error(), secret, "errors never show a token")
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	// What is parsed is what authenticates: the second token, after ", ", opens the server.
	tokens, err := codec.ParseTokens(a + ", " + b)
	require.NoError(t, err)
	sealed := encode(t, keyring(t, "k1="+keyA), plainPayload(t, kari))[0]
	rec := call(codecServer(t, codec.HandlerOptions{Tokens: tokens}), http.MethodPost, "/codec/t/"+b+"/decode", payloadsBody(t, sealed), nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

func TestCodecServerCORS(t *testing.T) {
	h := codecServer(t, codec.HandlerOptions{})
	preflight := func(origin, path string) *httptest.ResponseRecorder {
		return call(h, http.MethodOptions, path, "", map[string]string{
			"Origin":                         origin,
			"Access-Control-Request-Method":  "POST",
			"Access-Control-Request-Headers": "content-type,x-namespace",
		})
	}
	t.Run("preflight from the UI needs no token", func(t *testing.T) {
		for _, path := range []string{"/codec/decode", "/codec/t/" + token + "/decode", "/codec/t/anything/encode"} {
			rec := preflight(uiOrigin, path)
			require.Equal(t, http.StatusNoContent, rec.Code)
			hd := rec.Header()
			require.Equal(t, uiOrigin, hd.Get("Access-Control-Allow-Origin"))
			require.Equal(t, "true", hd.Get("Access-Control-Allow-Credentials"))
			require.Equal(t, "POST, OPTIONS", hd.Get("Access-Control-Allow-Methods"))
			require.Equal(t, "Authorization, Content-Type, X-Namespace", hd.Get("Access-Control-Allow-Headers"))
			require.Equal(t, "Origin", hd.Get("Vary"))
		}
	})
	t.Run("foreign origin gets no CORS headers", func(t *testing.T) {
		rec := preflight("https://evil.example", "/codec/decode")
		hd := rec.Header()
		for _, name := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers"} {
			require.Empty(t, hd.Get(name), name)
		}
		require.Equal(t, "Origin", hd.Get("Vary"))
	})
	t.Run("actual request from the UI is allowed to read the answer", func(t *testing.T) {
		header := bearer(token)
		header["Origin"] = uiOrigin
		rec := call(h, http.MethodPost, "/codec/decode", payloadsBody(t), header)
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, uiOrigin, rec.Header().Get("Access-Control-Allow-Origin"))
		require.Equal(t, "true", rec.Header().Get("Access-Control-Allow-Credentials"))
	})
}

func TestCodecServerErrors(t *testing.T) {
	sealed := encode(t, keyring(t, "k1="+keyA), plainPayload(t, kari))[0]
	foreign := encode(t, keyring(t, "elsewhere="+keyB), plainPayload(t, kari))[0]
	tampered := encode(t, keyring(t, "k1="+keyA), plainPayload(t, kari))[0]
	tampered.Data[len(tampered.Data)-1] ^= 1
	tests := []struct {
		name    string
		method  string
		path    string
		body    string
		opts    codec.HandlerOptions
		want    int
		wantErr string
	}{
		{name: "body over the limit", path: "/codec/decode", body: payloadsBody(t, sealed, sealed, sealed), opts: codec.HandlerOptions{MaxBodyBytes: 256}, want: http.StatusRequestEntityTooLarge, wantErr: "size limit"},
		{name: "not JSON", path: "/codec/decode", body: `{"payloads":[`, want: http.StatusBadRequest, wantErr: "payloads"},
		{name: "wrong JSON shape", path: "/codec/encode", body: `{"payloads":"no"}`, want: http.StatusBadRequest, wantErr: "payloads"},
		{name: "unknown key id", path: "/codec/decode", body: payloadsBody(t, sealed, foreign), want: http.StatusBadRequest, wantErr: `"elsewhere"`},
		{name: "tampered payload", path: "/codec/decode", body: payloadsBody(t, tampered), want: http.StatusBadRequest, wantErr: `key "k1"`},
		{name: "unknown operation", path: "/codec/peek", body: `{}`, want: http.StatusNotFound},
		{name: "nothing after the token", path: "/codec/t/" + token, body: `{}`, want: http.StatusNotFound},
		{name: "GET", method: http.MethodGet, path: "/codec/decode", want: http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			rec := call(codecServer(t, tt.opts), method, tt.path, tt.body, bearer(token))
			require.Equal(t, tt.want, rec.Code, rec.Body.String())
			var body map[string]string
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
			require.Contains(t, body["error"], tt.wantErr)
			require.NotContains(t, rec.Body.String(), "Kari")
		})
	}
}

func TestCodecServerCustomPrefix(t *testing.T) {
	h := http.StripPrefix("/ops", codec.Handler(keyring(t, "k1="+keyA), codec.HandlerOptions{Prefix: "/encryption/", Tokens: []string{token}}))
	rec := call(h, http.MethodPost, "/ops/encryption/t/"+token+"/encode", payloadsBody(t, plainPayload(t, kari)), nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Len(t, readPayloads(t, rec.Body.Bytes()), 1)
}

func TestRedactPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/codec/t/s3cret/decode", "/codec/t/REDACTED/decode"},
		{"/codec/t/s3cr/et/encode", "/codec/t/REDACTED/encode"},
		{"/codec/t/s3cret", "/codec/t/REDACTED"},
		{"/codec/decode", "/codec/decode"},
		{"/webhooks/quickr", "/webhooks/quickr"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, codec.RedactPath(tt.in), tt.in)
	}
}
