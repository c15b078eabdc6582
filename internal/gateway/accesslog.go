package gateway

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"go.uber.org/zap"
)

// HeaderRequestID carries the request id: taken from the caller when it sent a well-formed
// one, otherwise made here, and always echoed in the response.
const HeaderRequestID = "X-Request-Id"

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// withAccessLog logs one structured line per request: method, path, status, duration and
// request id. Never bodies, headers or query strings: they may carry secrets and PII; the
// callback URLs and the codec server's capability path are logged with their tokens redacted.
func withAccessLog(log *zap.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HeaderRequestID)
		if _, err := uuid.Parse(id); err != nil {
			id = uuid.NewString()
		}
		w.Header().Set(HeaderRequestID, id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r)
		log.Info("request",
			zap.String("requestId", id),
			zap.String("method", r.Method),
			zap.String("path", redactPath(r.URL.Path)),
			zap.Int("status", rec.status),
			zap.Duration("duration", time.Since(start)),
		)
	})
}
