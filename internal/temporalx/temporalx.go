// Package temporalx dials Temporal the same way for the worker, the gateway, the starter and
// the tools: address and namespace, TLS or an API key for a real cluster, and the payload
// codec, so every process encrypts and decrypts payloads alike.
package temporalx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/config"
	"github.com/merchantflow/onboarding/internal/logging"
)

// Options returns client options for cfg: connection, credentials and the encrypting data
// converter.
func Options(cfg config.Temporal, z *zap.Logger) (client.Options, error) {
	keys, err := codec.FromConfig(cfg.Payload)
	if err != nil {
		return client.Options{}, err
	}
	opts := client.Options{
		HostPort:      cfg.TemporalAddress,
		Namespace:     cfg.TemporalNamespace,
		Logger:        logging.SDK(z),
		DataConverter: codec.DataConverter(keys),
	}
	switch cfg.TemporalCompression {
	case "", "none":
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	case "gzip":
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionGzip{}
	default:
		return client.Options{}, fmt.Errorf("config: %s_TEMPORAL_GRPC_COMPRESSION must be none or gzip, got %q", config.Prefix, cfg.TemporalCompression)
	}
	tlsCfg, err := TLS(cfg)
	if err != nil {
		return client.Options{}, err
	}
	opts.ConnectionOptions.TLS = tlsCfg
	if cfg.TemporalAPIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(cfg.TemporalAPIKey)
	}
	return opts, nil
}

// TLS returns the TLS settings cfg asks for, or nil for a plain connection (the dev server).
func TLS(cfg config.Temporal) (*tls.Config, error) {
	if !cfg.TemporalTLS && cfg.TemporalTLSCert == "" && cfg.TemporalAPIKey == "" && cfg.TemporalTLSCA == "" {
		return nil, nil
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.TemporalServerName}
	if t.ServerName == "" {
		if host, _, err := net.SplitHostPort(cfg.TemporalAddress); err == nil {
			t.ServerName = host
		}
	}
	if cfg.TemporalTLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TemporalTLSCert, cfg.TemporalTLSKey)
		if err != nil {
			return nil, fmt.Errorf("config: %s_TEMPORAL_TLS_CERT/_KEY: %w", config.Prefix, err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	if cfg.TemporalTLSCA != "" {
		pem, err := os.ReadFile(cfg.TemporalTLSCA)
		if err != nil {
			return nil, fmt.Errorf("config: %s_TEMPORAL_TLS_CA: %w", config.Prefix, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("config: " + config.Prefix + "_TEMPORAL_TLS_CA holds no PEM certificate")
		}
		t.RootCAs = pool
	}
	return t, nil
}

// Dial connects to Temporal.
func Dial(cfg config.Temporal, z *zap.Logger) (client.Client, error) {
	opts, err := Options(cfg, z)
	if err != nil {
		return nil, err
	}
	return client.Dial(opts)
}
