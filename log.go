package limpet

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/limpet-http/limpet/internal/redact"
)

// logTransport logs each request as it is sent and each response as it
// arrives, at debug level, with secrets redacted (package internal/redact:
// the URL, the headers, and the error of a failed attempt). It sits
// innermost, so every attempt and redirect hop is logged.
type logTransport struct {
	next   http.RoundTripper
	logger *slog.Logger
}

func (t *logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !t.logger.Enabled(ctx, slog.LevelDebug) {
		return t.next.RoundTrip(req)
	}
	url := redact.URL(req.URL)
	t.logger.LogAttrs(ctx, slog.LevelDebug, "limpet: request",
		slog.String("method", req.Method),
		slog.String("url", url),
		slog.Any("header", redact.Header(req.Header)))
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	elapsed := time.Since(start)
	if err != nil {
		t.logger.LogAttrs(context.WithoutCancel(ctx), slog.LevelDebug, "limpet: request failed",
			slog.String("method", req.Method), slog.String("url", url),
			slog.Duration("elapsed", elapsed), slog.String("error", redact.Text(err.Error())))
		return nil, err
	}
	t.logger.LogAttrs(ctx, slog.LevelDebug, "limpet: response",
		slog.String("method", req.Method),
		slog.String("url", url),
		slog.Int("status", resp.StatusCode),
		slog.String("proto", resp.Proto),
		slog.Duration("elapsed", elapsed),
		slog.Any("header", redact.Header(resp.Header)))
	return resp, nil
}
