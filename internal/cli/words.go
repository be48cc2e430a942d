package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"

	"github.com/limpet-http/limpet/internal/redact"

	"github.com/spf13/cobra"
)

// wantArgs checks a command's arguments and words a mistake for a person:
// what is missing (named as in the usage line) and the usage.
func wantArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
		switch {
		case len(args) < len(names):
			return fmt.Errorf("%s needs %s; usage: %s (more: %s --help)",
				name, strings.Join(names[len(args):], " and "), cmd.UseLine(), cmd.CommandPath())
		case len(args) > len(names) && len(names) == 0:
			return fmt.Errorf("%s takes no arguments (got %q); usage: %s", name, args[0], cmd.UseLine())
		case len(args) > len(names):
			what := "one " + names[0]
			if len(names) > 1 {
				what = strings.Join(names, " and ")
			}
			return fmt.Errorf("%s takes %s (got %d arguments: %s); usage: %s",
				name, what, len(args), strings.Join(quoteAll(args), " "), cmd.UseLine())
		}
		return nil
	}
}

func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = fmt.Sprintf("%q", a)
	}
	return out
}

// cookies counts cookies in English: "no cookies", "1 cookie", "2 cookies".
func cookies(n int) string {
	switch n {
	case 0:
		return "no cookies"
	case 1:
		return "1 cookie"
	}
	return fmt.Sprintf("%d cookies", n)
}

// insecureWarning is what --verify=no prints, once.
const insecureWarning = "limpet: warning: TLS certificates are not verified (--verify=no): anyone between here and the server can read and change this exchange"

// newLogger returns the logger limpet's Sessions log to: with --debug,
// every request and response as structured lines; otherwise only warnings,
// as plain lines. The library's warning about --verify=no is left out: the
// command says it in its own words (insecureWarning).
func newLogger(io *IOStreams, debug bool) *slog.Logger {
	level := slog.LevelWarn
	if debug {
		level = slog.LevelDebug
	}
	return slog.New(&plainHandler{w: io, text: slog.NewTextHandler(io.ErrOut, &slog.HandlerOptions{Level: level, ReplaceAttr: redactAttr}), level: level})
}

// plainHandler writes warnings as "limpet: warning: ..." lines and hands
// debug records to a text handler.
type plainHandler struct {
	w     *IOStreams
	text  slog.Handler
	level slog.Level
}

func (h *plainHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *plainHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return h.text.Handle(ctx, r)
	}
	if strings.Contains(r.Message, "TLS certificate verification") {
		return nil // said by the command itself
	}
	msg := strings.TrimPrefix(r.Message, "limpet: ")
	var extra []string
	r.Attrs(func(a slog.Attr) bool {
		extra = append(extra, a.Key+": "+a.Value.String())
		return true
	})
	if len(extra) > 0 {
		msg += " (" + strings.Join(extra, "; ") + ")"
	}
	_, err := fmt.Fprintln(h.w.ErrOut, "limpet: warning: "+redact.Text(msg))
	return err
}

func (h *plainHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &plainHandler{w: h.w, text: h.text.WithAttrs(as), level: h.level}
}

func (h *plainHandler) WithGroup(name string) slog.Handler {
	return &plainHandler{w: h.w, text: h.text.WithGroup(name), level: h.level}
}

// networkMessage words the common network failures for a person, or
// returns "" for others.
func networkMessage(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		addr := ""
		if op.Addr != nil {
			addr = op.Addr.String()
		}
		why := op.Err.Error()
		var se interface{ Unwrap() error }
		if errors.As(op.Err, &se) && se.Unwrap() != nil {
			why = se.Unwrap().Error()
		}
		// The URL says which request failed (a redirect's target, a
		// login step); the Session masked its secrets already.
		var ue *url.Error
		if errors.As(err, &ue) && ue.URL != "" {
			addr += " for " + strings.ToUpper(ue.Op) + " " + ue.URL
		}
		return fmt.Sprintf("cannot connect to %s: %s (is the server running, and is the URL right?)", addr, why)
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return fmt.Sprintf("cannot find the host %s: %s (check the URL)", dns.Name, dns.Err)
	}
	var unknownCA x509.UnknownAuthorityError
	var badHost x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknownCA):
		return "the server's TLS certificate is not signed by a trusted authority: trust its CA with --verify=CA.pem (or, at your own risk, --verify=no)"
	case errors.As(err, &badHost):
		return fmt.Sprintf("the server's TLS certificate is not for this host (%s)", badHost.Error())
	case errors.As(err, &invalid):
		return fmt.Sprintf("the server's TLS certificate is not valid: %s", invalid.Error())
	}
	return ""
}
