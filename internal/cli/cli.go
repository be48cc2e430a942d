// Package cli implements the limpet command line: HTTPie's request syntax
// and flags, named sessions shared safely between runs, logins to Spring
// Security, Tomcat and token endpoints, and session management.
//
// Each command is an options struct, a constructor that binds flags to it
// (NewCmdX) and a run function that takes the options, so that flag parsing
// can be tested apart from running. All output goes through IOStreams.
package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cli/items"
	"github.com/limpet-http/limpet/internal/redact"
)

// Exit codes, as HTTPie's.
const (
	ExitOK               = 0
	ExitError            = 1
	ExitTimeout          = 2
	Exit3xx              = 3
	Exit4xx              = 4
	Exit5xx              = 5
	ExitTooManyRedirects = 6
	ExitInterrupted      = 130
)

// ExitError carries an exit code to Main.
type exitError struct {
	code int
	err  error // nil: nothing more to print
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// Main runs limpet with the process's arguments and streams and returns
// the exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	f := NewFactory(System())
	f.HTTPS = isHTTPSCommand(os.Args[0])
	return Run(ctx, os.Args[1:], f)
}

// MainHTTPS is Main with https as the default scheme: the limpet-s
// command, HTTPie's https.
func MainHTTPS() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	f := NewFactory(System())
	f.HTTPS = true
	return Run(ctx, os.Args[1:], f)
}

// isHTTPSCommand reports whether limpet runs as limpet-s (a link named so).
func isHTTPSCommand(arg0 string) bool {
	name := strings.TrimSuffix(filepath.Base(arg0), ".exe")
	return name == "limpet-s"
}

// Run runs limpet with args and returns the exit code.
func Run(ctx context.Context, args []string, f *Factory) int {
	io := f.IOStreams
	cmd := NewCmdRoot(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(io.Out)
	cmd.SetErr(io.ErrOut)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := exitCode(ctx, err)
	var ee *exitError
	if !errors.As(err, &ee) || ee.err != nil {
		fmt.Fprintf(io.ErrOut, "limpet: error: %s\n", message(err))
	}
	return code
}

// exitCode maps an error to HTTPie's exit codes.
func exitCode(ctx context.Context, err error) int {
	var ee *exitError
	var ne net.Error
	switch {
	case errors.As(err, &ee):
		return ee.code
	case ctx.Err() != nil:
		return ExitInterrupted
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return ExitTimeout
	case errors.Is(err, limpet.ErrTooManyRedirects):
		return ExitTooManyRedirects
	}
	return ExitError
}

// message words an error for a person: no package prefixes from deep
// inside, the useful part first, and no secrets (tokens in URLs, quoted
// bodies, credentials), whichever layer wrote the error.
func message(err error) string {
	var ae *items.ArgError
	if errors.As(err, &ae) {
		return redact.Text(strings.TrimPrefix(ae.Error(), "items: "))
	}
	if m := storeMessage(err); m != "" {
		return redact.Text(m)
	}
	if m := networkMessage(err); m != "" {
		return redact.Text(m)
	}
	s := err.Error()
	s = strings.TrimPrefix(s, "limpet: ")
	if errors.Is(err, context.DeadlineExceeded) {
		s += " (timed out; see --timeout)"
	}
	return redact.Text(s)
}
