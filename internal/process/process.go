// Package process is what every binary's main does the same way: answer -help with the
// environment it reads, load the one config, build the logger, run, and exit with a code
// scripts can rely on; and serve HTTP until SIGINT or SIGTERM (or, beside other work, until
// told to stop), then shut down gracefully.
package process

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/logging"
)

// Configured is a binary's config: it embeds config.Logging.
type Configured interface {
	LoggingSettings() config.Logging
}

// Main loads cfg (a pointer) from the environment and calls run with a logger. It exits 2 on
// a configuration error and 1 when run fails.
func Main[C Configured](name, about string, cfg C, run func(cfg C, log *zap.Logger) error) {
	if len(os.Args) > 1 && (os.Args[1] == "-h" || os.Args[1] == "-help" || os.Args[1] == "--help") {
		fmt.Print(name + ": " + about + "\n\nEnvironment:\n" + config.Usage(cfg))
		return
	}
	if err := config.Load(cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ls := cfg.LoggingSettings()
	log, err := logging.New(ls.LogLevel, ls.LogFormat)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := run(cfg, log); err != nil {
		log.Error(name+" stopped", zap.Error(err))
		_ = log.Sync()
		os.Exit(1)
	}
	_ = log.Sync()
}

// ServeHTTP serves h on addr until SIGINT or SIGTERM, then lets requests in flight finish.
// addrVar names the setting, so a port already in use says which variable to change.
func ServeHTTP(addr, addrVar string, h http.Handler, log *zap.Logger) error {
	srv, errc, err := startHTTP(addr, addrVar, h, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	return shutdown(srv)
}

// StartHTTP serves h on addr in the background, for a binary whose main work is something
// else (the worker's metrics). The listener is open when it returns, so a port in use is an
// error here, naming addrVar. Stop lets requests in flight finish and reports a server that
// had failed meanwhile.
func StartHTTP(addr, addrVar string, h http.Handler, log *zap.Logger) (stop func() error, err error) {
	srv, errc, err := startHTTP(addr, addrVar, h, log)
	if err != nil {
		return nil, err
	}
	return func() error {
		select {
		case err := <-errc:
			return err
		default:
		}
		return shutdown(srv)
	}, nil
}

func startHTTP(addr, addrVar string, h http.Handler, log *zap.Logger) (*http.Server, <-chan error, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s (%s_%s): %w", addr, config.Prefix, addrVar, err)
	}
	srv := newServer(h)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", zap.String("addr", "http://"+ln.Addr().String()))
	return srv, errc, nil
}

// shutdown stops srv, letting requests in flight finish for up to ten seconds.
func shutdown(srv *http.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// MaxHeaderBytes bounds a request's header block on every server the binaries run (the
// gateway's webhooks and API, the sandbox, the worker's metrics): no caller needs more than a
// bearer token and a few short headers, and a large header is only a way to make a receiver
// work (net/http answers 431).
const MaxHeaderBytes = 16 << 10

// newServer is the http.Server every binary serves with: bounded headers, and timeouts so a
// slow client cannot hold a connection.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		MaxHeaderBytes:    MaxHeaderBytes,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
}
