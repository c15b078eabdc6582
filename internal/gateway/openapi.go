package gateway

import (
	_ "embed"
	"net/http"
)

// openAPI is the API's contract. TestOpenAPIMatchesRoutes keeps it and the routes in step.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI document the gateway serves at /v1/openapi.json.
func OpenAPI() []byte { return openAPI }

func (s *Server) serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}
