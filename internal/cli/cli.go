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
	"strings"

	"github.com/spf13/cobra"

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
	return Run(ctx, os.Args[1:], System())
}

// Run runs limpet with args and returns the exit code.
func Run(ctx context.Context, args []string, io *IOStreams) int {
	cmd := NewRootCmd(io)
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

// NewRootCmd returns the limpet command: a request when its first argument
// is not a subcommand.
func NewRootCmd(io *IOStreams) *cobra.Command {
	opts := &RequestOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "limpet [METHOD] URL [REQUEST_ITEM ...]",
		Short: "HTTP requests with persistent sessions, HTTPie's syntax and Spring-aware logins",
		Long: `limpet sends an HTTP request described the HTTPie way and prints the response.

  limpet :8080/api/items                       GET http://localhost:8080/api/items
  limpet POST :8080/api/items name=x qty:=2    JSON body {"name": "x", "qty": 2}
  limpet -f POST :8080/upload title=Q3 file@report.csv
  limpet --session=app :8080/api/me            keep cookies in the named session "app"
  limpet login --session=app :8080 -a alice    log in (Spring Security, Tomcat, Basic, JWT, OAuth2)

Request items:
  Header:Value      request header            Header:       unset a default header
  Header;           header with empty value   name==value   query parameter
  field=value       string data field         field:=json   raw JSON value (number, bool, array...)
  field@file        file upload (--form)      field=@file   string field from a file
  field:=@file      JSON from a file          Header:@file  header value from a file
  a[b][]=x          nested JSON paths         \:  \=  \@     escape a separator
  @-  field=@-      standard input as the body, or as a field's value

Unlike HTTPie, limpet reads standard input only when asked: @- sends it as the
body, --raw @- as the raw body, field=@- (or field:=@-) as a field. Scripts and
CI jobs do not hang or turn GETs into POSTs; data piped and not read is warned
about on one line (-I silences it).

Idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE, or any with an
Idempotency-Key header) are sent again after a connection failure or a 429, 502,
503 or 504 answer, twice at most (--retries=0 turns that off); -v says
"retrying in 0.2s (503 Service Unavailable)" and --all prints every attempt.

Exit status with --check-status: 3 for 3xx, 4 for 4xx, 5 for 5xx; 2 for a timeout,
6 for too many redirects, 1 for other errors.`,
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.version {
				fmt.Fprintln(io.Out, "limpet", limpet.Version)
				return nil
			}
			if len(args) == 0 {
				return cmd.Help()
			}
			opts.Args = args
			opts.flags = cmd.Flags()
			return runRequest(cmd.Context(), opts)
		},
	}
	cmd.CompletionOptions.HiddenDefaultCmd = false
	bindRequestFlags(cmd, opts)
	cmd.AddCommand(NewCmdLogin(io), NewCmdLogout(io), NewCmdSession(io), NewCmdCookies(io))
	return cmd
}
