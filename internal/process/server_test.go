package process

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestServerRefusesLargeHeaders(t *testing.T) {
	srv := newServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	require.Equal(t, MaxHeaderBytes, srv.MaxHeaderBytes)
	require.NotZero(t, srv.ReadHeaderTimeout, "a slow client cannot hold a connection open by trickling headers")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	send := func(sig string) int {
		req, err := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/webhooks/quickr", nil)
		require.NoError(t, err)
		req.Header.Set("Webhook-Signature", sig)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusNoContent, send("v1="+strings.Repeat("ab", 32)))
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, send(strings.Repeat("v1=,", 64<<10)), "a 256 KiB header never reaches the handler")
}
