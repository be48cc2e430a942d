package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/netrc"
)

// RequestOptions are the flags and arguments of a request.
type RequestOptions struct {
	IO         *IOStreams
	Sessions   sessionDir
	NewSession func(limpet.Options) (*limpet.Session, error)
	Now        func() time.Time
	Getenv     func(string) string
	HomeDir    func() (string, error)

	Args  []string
	flags *pflag.FlagSet

	version bool

	JSON, Form, Multipart bool
	Raw                   string
	Boundary              string
	DefaultScheme         string

	Print       string
	Verbose     int
	HeadersOnly bool
	BodyOnly    bool
	Meta        bool
	All         bool
	Offline     bool
	Pretty      string
	ShowSecrets bool
	Debug       bool

	Download bool
	Output   string
	Continue bool

	CheckStatus  bool
	Follow       bool
	MaxRedirects int
	Timeout      float64
	Retries      int

	Auth     string
	AuthType string

	Proxies []string
	Verify  string
	Cert    string
	CertKey string

	IgnoreStdin bool

	Session         string
	SessionReadOnly string

	HAR  string
	Curl bool

	IgnoreNetrc bool

	lateAuth  *lateAuth   // a session's credentials whose password is asked for on a 401
	netrcFile *netrc.File // ~/.netrc once read
}

// NewCmdRoot returns the limpet command: a request when its first
// argument is not a subcommand. runF, when not nil, runs the request
// instead of runRequest (for tests).
func NewCmdRoot(f *Factory, runF func(*RequestOptions) error) *cobra.Command {
	io := f.IOStreams
	opts := &RequestOptions{IO: io, Sessions: f.sessions(), NewSession: f.NewSession, Now: f.Now, Getenv: f.Getenv, HomeDir: f.HomeDir}
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
			if runF != nil {
				return runF(opts)
			}
			return runRequest(cmd.Context(), opts)
		},
	}
	cmd.CompletionOptions.HiddenDefaultCmd = false
	bindRequestFlags(cmd, opts)
	completeRequestFlags(cmd, f)
	cmd.AddCommand(NewCmdLogin(f, nil), NewCmdLogout(f, nil), NewCmdSession(f), NewCmdCookies(f))
	return cmd
}

func bindRequestFlags(cmd *cobra.Command, o *RequestOptions) {
	f := cmd.Flags()
	f.SortFlags = false
	f.Bool("help", false, "show this help")
	f.BoolVar(&o.version, "version", false, "print limpet's version")

	f.BoolVarP(&o.JSON, "json", "j", false, "data items are serialised as a JSON object (the default)")
	f.BoolVarP(&o.Form, "form", "f", false, "data items are serialised as form fields (multipart with a file field)")
	f.BoolVar(&o.Multipart, "multipart", false, "always send multipart/form-data")
	f.StringVar(&o.Raw, "raw", "", "the request body, as given; @- reads it from standard input")
	f.StringVar(&o.Boundary, "boundary", "", "the multipart boundary")
	f.StringVar(&o.DefaultScheme, "default-scheme", "http", "scheme for URLs without one")

	f.StringVarP(&o.Print, "print", "p", "", "what to print: H request headers, B request body, h response headers, b response body, m metadata")
	f.CountVarP(&o.Verbose, "verbose", "v", "print the whole exchange (--print=HBhb); twice adds metadata")
	f.BoolVarP(&o.HeadersOnly, "headers", "h", false, "print only the response headers (--print=h)")
	f.BoolVarP(&o.BodyOnly, "body", "b", false, "print only the response body (--print=b)")
	f.BoolVarP(&o.Meta, "meta", "m", false, "print only the response metadata (--print=m)")
	f.BoolVar(&o.All, "all", false, "print intermediate requests and responses too (redirects, retries, logins)")
	f.BoolVar(&o.Offline, "offline", false, "build and print the request without sending it")
	f.StringVar(&o.Pretty, "pretty", "", "all, colors, format or none (default: all on a terminal, none otherwise)")
	f.BoolVar(&o.ShowSecrets, "show-secrets", false, "print credentials, cookie values and tokens instead of masking them")
	f.BoolVar(&o.Debug, "debug", false, "log every request and response to stderr (redacted)")

	f.BoolVarP(&o.Download, "download", "d", false, "save the response body to a file named from the response (never replacing one), or write it to stdout when that is not a terminal")
	f.StringVarP(&o.Output, "output", "o", "", "save the response body to this file, replacing it")
	f.BoolVarP(&o.Continue, "continue", "c", false, "resume a download into the file -o names")

	f.BoolVar(&o.CheckStatus, "check-status", false, "exit with 3, 4 or 5 for 3xx, 4xx or 5xx responses")
	f.BoolVarP(&o.Follow, "follow", "F", false, "follow redirects")
	f.IntVar(&o.MaxRedirects, "max-redirects", 30, "the most redirects followed with --follow")
	f.Float64Var(&o.Timeout, "timeout", 0, "seconds the whole exchange may take (0: 30 s, or none for downloads)")
	f.IntVar(&o.Retries, "retries", limpet.DefaultMaxRetries, "how often a failed request is sent again (0: never): GET, HEAD, OPTIONS, PUT and DELETE, or any with an Idempotency-Key header, after a connection failure or 429/502/503/504; -v says so, --all prints every attempt")

	f.StringVarP(&o.Auth, "auth", "a", "", "USER[:PASS] or TOKEN; the password is prompted for when missing")
	f.StringVarP(&o.AuthType, "auth-type", "A", "basic", "basic, digest or bearer")
	f.BoolVar(&o.IgnoreNetrc, "ignore-netrc", false, "do not take credentials from ~/.netrc ($NETRC), which are otherwise sent to the host they are for when -a is not given")

	f.StringArrayVar(&o.Proxies, "proxy", nil, "PROTOCOL:PROXY_URL, e.g. http:http://proxy:3128 (repeatable)")
	f.StringVar(&o.Verify, "verify", "yes", "yes, no (do not verify TLS certificates), or a CA bundle file")
	f.StringVar(&o.Cert, "cert", "", "client certificate file (PEM)")
	f.StringVar(&o.CertKey, "cert-key", "", "client certificate key file (PEM)")

	f.BoolVarP(&o.IgnoreStdin, "ignore-stdin", "I", false, "do not warn about data piped to limpet and not read (stdin is read only for @-, --raw @- and field=@-)")

	f.StringVar(&o.HAR, "har", "", "record the exchange (every redirect and retry) to this HAR 1.2 file, secrets masked (unless --show-secrets)")
	f.BoolVar(&o.Curl, "curl", false, "print the request as a curl command instead of sending it, secrets masked (unless --show-secrets)")
	f.StringVar(&o.Session, "session", "", "session to use and update: NAME (kept per host), HOST_PORT/NAME as session list shows, or a PATH (./s.json)")
	f.StringVar(&o.SessionReadOnly, "session-read-only", "", "session to use without updating it (NAME, HOST_PORT/NAME or PATH)")
}

// printSpecFor chooses what to print, as HTTPie does.
func (o *RequestOptions) printSpecFor() (printSpec, error) {
	switch {
	case o.Print != "":
		return parsePrintSpec(o.Print)
	case o.Verbose >= 2:
		return parsePrintSpec("HBhbm")
	case o.Verbose == 1:
		return parsePrintSpec("HBhb")
	case o.HeadersOnly:
		return parsePrintSpec("h")
	case o.BodyOnly:
		return parsePrintSpec("b")
	case o.Meta:
		return parsePrintSpec("m")
	case o.Offline:
		return parsePrintSpec("HB")
	case o.downloading():
		// As HTTPie: the headers, on standard error, when it is a terminal.
		if o.IO.IsStderrTTY() {
			return parsePrintSpec("h")
		}
		return parsePrintSpec("")
	case o.IO.IsStdoutTTY():
		return parsePrintSpec("hb")
	}
	return parsePrintSpec("b")
}

// downloading reports whether the body is saved (-d or -o) rather than
// printed.
func (o *RequestOptions) downloading() bool { return o.Download || o.Output != "" }

func (o *RequestOptions) printer() (*printer, error) {
	w, tty := o.IO.Out, o.IO.IsStdoutTTY()
	if o.downloading() && !o.Offline && !o.Curl {
		// As HTTPie: standard output is left to the body.
		w, tty = o.IO.ErrOut, o.IO.IsStderrTTY()
	}
	p := &printer{w: w, secrets: o.ShowSecrets, tty: tty}
	pretty := o.Pretty
	if pretty == "" {
		pretty = "none"
		if tty {
			pretty = "all"
		}
	}
	switch pretty {
	case "all":
		p.color, p.format = true, true
	case "colors":
		p.color = true
	case "format":
		p.format = true
	case "none":
	default:
		return nil, fmt.Errorf("--pretty: %q is not one of all, colors, format, none", pretty)
	}
	if p.color && (o.IO.noColor || !tty && o.Pretty == "") {
		p.color = false
	}
	return p, nil
}
