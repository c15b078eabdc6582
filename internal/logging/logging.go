// Package logging builds the zap logger every binary uses and adapts it to the Temporal SDK's
// log.Logger, so SDK and engine logs share one format. Keys are lowerCamel; secrets and PII are
// never passed to it.
package logging

import (
	"fmt"

	"go.temporal.io/sdk/log"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// New returns a zap logger at level ("debug", "info", "warn", "error") in format
// ("console" or "json").
func New(level, format string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log level: %w", err)
	}
	cfg := zap.NewProductionConfig()
	if format == "console" {
		cfg = zap.NewDevelopmentConfig()
		cfg.DisableStacktrace = true
	}
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	cfg.EncoderConfig.TimeKey = "ts"
	cfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	return cfg.Build()
}

// SDK adapts z to the Temporal SDK's structured logger.
func SDK(z *zap.Logger) log.Logger {
	return &sdkLogger{z: z.WithOptions(zap.AddCallerSkip(1)).Sugar()}
}

type sdkLogger struct{ z *zap.SugaredLogger }

func (l *sdkLogger) Debug(msg string, kv ...any) { l.z.Debugw(msg, kv...) }
func (l *sdkLogger) Info(msg string, kv ...any)  { l.z.Infow(msg, kv...) }
func (l *sdkLogger) Warn(msg string, kv ...any)  { l.z.Warnw(msg, kv...) }
func (l *sdkLogger) Error(msg string, kv ...any) { l.z.Errorw(msg, kv...) }

// With returns a logger that adds kv to every entry (log.WithLogger).
func (l *sdkLogger) With(kv ...any) log.Logger { return &sdkLogger{z: l.z.With(kv...)} }

var _ log.WithLogger = (*sdkLogger)(nil)
