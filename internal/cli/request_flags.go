package cli

import (
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
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

	// RequestType is "json", "form" or "multipart" from -j, -f and
	// --multipart, the last given winning as in HTTPie; "" when none is.
	RequestType   string
	Raw           string
	Boundary      string
	DefaultScheme string
	PathAsIs      bool
	Compress      int
	Chunked       bool

	Print           string
	HistoryPrint    string
	Verbose         int
	Quiet           int
	HeadersOnly     bool
	BodyOnly        bool
	Meta            bool
	All             bool
	Offline         bool
	Pretty          string
	Style           string
	FormatOptions   []string // --format-options, --sorted and --unsorted in order
	ResponseCharset string
	ResponseMIME    string
	Stream          bool
	ShowSecrets     bool
	Debug           bool

	Download bool
	Output   string
	Continue bool

	CheckStatus  bool
	Follow       bool
	MaxRedirects int
	Timeout      float64
	IdleTimeout  float64
	Retries      int

	Auth     string
	AuthType string

	Proxies []string
	Verify  string
	Cert    string
	CertKey string
	SSL     string
	Ciphers string

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
	name := "limpet"
	if f.HTTPS {
		name = "limpet-s"
	}
	cmd := &cobra.Command{
		Use:   name + " [METHOD] URL [REQUEST_ITEM ...]",
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

--timeout (30 s) bounds an API call, body included. Downloads (-d, -o) and streams
(-S; event streams and NDJSON on a terminal) may run longer: --timeout bounds the
wait for their headers, --idle-timeout each wait for more of the body (60 s for
downloads, none for streams).

Without -a, credentials come from ~/.netrc ($NETRC) for the request's host only
(--ignore-netrc: never). -a with --session keeps the user and where the password
came from, never the password; limpet login keeps a login that needs nobody at the
keyboard.

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
				// As HTTPie: the usage, on standard error, and exit status 1.
				fmt.Fprintf(io.ErrOut, "usage:\n    %s\n\nerror:\n    the following arguments are required: URL\n\nfor more information:\n    run '%s --help'\n",
					cmd.Use, cmd.Name())
				return &exitError{code: ExitError}
			}
			opts.Args = args
			opts.flags = cmd.Flags()
			if runF != nil {
				return runF(opts)
			}
			return runRequest(cmd.Context(), opts)
		},
	}
	bindRequestFlags(cmd, opts)
	if f.HTTPS {
		opts.DefaultScheme = "https"
		cmd.Flags().Lookup("default-scheme").DefValue = "https"
	}
	completeRequestFlags(cmd, f)
	cmd.PersistentFlags().StringVar(&f.sessionStore, "session-store", "",
		"where named sessions live: a directory (file:DIR), or redis://[:PASSWORD@]HOST[:PORT][/DB] (rediss:// for TLS; ?cluster=1&addr=HOST:PORT for a Redis Cluster); default $"+sessionStoreEnv+", else the configuration directory")
	cmd.AddCommand(NewCmdLogin(f, nil), NewCmdLogout(f, nil), NewCmdSession(f), NewCmdCookies(f), NewCmdCompletion(f))
	return cmd
}

func bindRequestFlags(cmd *cobra.Command, o *RequestOptions) {
	f := cmd.Flags()
	f.SortFlags = false
	f.Bool("help", false, "show this help")
	f.BoolVar(&o.version, "version", false, "print limpet's version")

	requestTypeFlag(f, &o.RequestType, "json", "j", "data items are serialised as a JSON object (the default)")
	requestTypeFlag(f, &o.RequestType, "form", "f", "data items are serialised as form fields (multipart with a file field)")
	requestTypeFlag(f, &o.RequestType, "multipart", "", "always send multipart/form-data")
	f.StringVar(&o.Raw, "raw", "", "the request body, as given; @- reads it from standard input")
	f.StringVar(&o.Boundary, "boundary", "", "the multipart boundary")
	f.CountVarP(&o.Compress, "compress", "x", "compress the body with Deflate (Content-Encoding: deflate) when that makes it smaller; twice: always")
	f.BoolVar(&o.Chunked, "chunked", false, "send the body with Transfer-Encoding: chunked")
	f.StringVar(&o.DefaultScheme, "default-scheme", "http", "scheme for URLs without one (limpet-s: https)")
	f.BoolVar(&o.PathAsIs, "path-as-is", false, "send the URL's path as given, with its /../ and /./ segments")

	f.StringVarP(&o.Print, "print", "p", "", "what to print: H request headers, B request body, h response headers, b response body, m metadata")
	f.StringVarP(&o.HistoryPrint, "history-print", "P", "", "what to print of the intermediate requests and responses (--all); default: as --print")
	f.CountVarP(&o.Verbose, "verbose", "v", "print the whole exchange (--print=HBhb); twice adds metadata")
	f.BoolVarP(&o.HeadersOnly, "headers", "h", false, "print only the response headers (--print=h)")
	f.BoolVarP(&o.BodyOnly, "body", "b", false, "print only the response body (--print=b)")
	f.BoolVarP(&o.Meta, "meta", "m", false, "print only the response metadata (--print=m)")
	f.CountVarP(&o.Quiet, "quiet", "q", "print nothing but errors and warnings; twice: errors only (a download is still saved)")
	f.BoolVar(&o.All, "all", false, "print intermediate requests and responses too (redirects, retries, logins)")
	f.BoolVar(&o.Offline, "offline", false, "build and print the request without sending it")
	f.StringVar(&o.Pretty, "pretty", "", "all, colors, format or none (default: all on a terminal, none otherwise)")
	f.StringVarP(&o.Style, "style", "s", "auto", "colour style: "+strings.Join(styleNames(), ", "))
	formatOptionFlag(f, &o.FormatOptions, "sorted", "", "sort headers and JSON keys (--format-options=headers.sort:true,json.sort_keys:true)", "headers.sort:true,json.sort_keys:true")
	formatOptionFlag(f, &o.FormatOptions, "unsorted", "", "sort neither headers nor JSON keys (--format-options=headers.sort:false,json.sort_keys:false)", "headers.sort:false,json.sort_keys:false")
	formatOptionFlag(f, &o.FormatOptions, "format-options", "", "formatting, as HTTPie: headers.sort, json.format, json.indent, json.sort_keys, xml.format, xml.indent (default "+defaultFormatOptions().String()+")", "")
	f.StringVar(&o.ResponseCharset, "response-charset", "", "the response body's character set for display (e.g. latin1, big5), whatever Content-Type says")
	f.StringVar(&o.ResponseMIME, "response-mime", "", "the response body's media type for formatting (e.g. application/json), whatever Content-Type says")
	f.BoolVarP(&o.Stream, "stream", "S", false, "print the body line by line as it arrives, each line formatted (the default on a terminal for text/event-stream and NDJSON)")
	f.BoolVar(&o.ShowSecrets, "show-secrets", false, "print credentials, cookie values and tokens in -v, --print, --curl and --har instead of masking them (errors and --debug stay masked)")
	f.BoolVar(&o.Debug, "debug", false, "log every request and response to stderr (redacted)")

	f.BoolVarP(&o.Download, "download", "d", false, "save the response body to a file named from the response (never replacing one), or write it to stdout when that is not a terminal")
	f.StringVarP(&o.Output, "output", "o", "", "save the response body to this file, replacing it")
	f.BoolVarP(&o.Continue, "continue", "c", false, "resume a download into the file -o names")

	f.BoolVar(&o.CheckStatus, "check-status", false, "exit with 3, 4 or 5 for 3xx, 4xx or 5xx responses")
	f.BoolVarP(&o.Follow, "follow", "F", false, "follow redirects")
	f.IntVar(&o.MaxRedirects, "max-redirects", 30, "the most redirects followed with --follow")
	f.Float64Var(&o.Timeout, "timeout", 0, "seconds an API call may take, body included (0: 30 s); for downloads and streams, seconds to wait for the response headers")
	f.Float64Var(&o.IdleTimeout, "idle-timeout", 0, "seconds a download or a stream may go without receiving a byte (0: 60 s for downloads, none for streams)")
	f.IntVar(&o.Retries, "retries", limpet.DefaultMaxRetries, "how often a failed request is sent again (0: never): GET, HEAD, OPTIONS, PUT and DELETE, or any with an Idempotency-Key header, after a connection failure or 429/502/503/504; -v says so, --all prints every attempt")

	f.StringVarP(&o.Auth, "auth", "a", "", "USER[:PASS] or TOKEN; the password is prompted for when missing")
	f.StringVarP(&o.AuthType, "auth-type", "A", "basic", "basic, digest or bearer")
	f.BoolVar(&o.IgnoreNetrc, "ignore-netrc", false, "do not take credentials from ~/.netrc ($NETRC), which are otherwise sent to the host they are for when -a is not given")

	f.StringArrayVar(&o.Proxies, "proxy", nil, "PROTOCOL:PROXY_URL, e.g. http:http://proxy:3128 (repeatable)")
	f.StringVar(&o.Verify, "verify", "yes", "yes, no (do not verify TLS certificates), or a CA bundle file")
	f.StringVar(&o.Cert, "cert", "", "client certificate file (PEM)")
	f.StringVar(&o.CertKey, "cert-key", "", "client certificate key file (PEM)")
	f.StringVar(&o.SSL, "ssl", "", "the TLS version to use: tls1, tls1.1, tls1.2 or tls1.3 (default: the highest both sides know, TLS 1.2 at least)")
	f.StringVar(&o.Ciphers, "ciphers", "", "TLS 1.2 cipher suites, in OpenSSL's cipher list format (ECDHE+AESGCM:!SHA1) or by name")

	f.BoolVarP(&o.IgnoreStdin, "ignore-stdin", "I", false, "do not warn about data piped to limpet and not read (stdin is read only for @-, --raw @- and field=@-)")

	f.StringVar(&o.HAR, "har", "", "record the exchange (every redirect and retry) to this HAR 1.2 file, secrets masked (unless --show-secrets)")
	f.BoolVar(&o.Curl, "curl", false, "print the request as a curl command instead of sending it, secrets masked (unless --show-secrets)")
	f.StringVar(&o.Session, "session", "", "session to use and update: NAME (kept per host), HOST_PORT/NAME as session list shows, or a PATH (./s.json)")
	f.StringVar(&o.SessionReadOnly, "session-read-only", "", "session to use without updating it (NAME, HOST_PORT/NAME or PATH)")
}

// printSpecFor chooses what to print, as HTTPie does.
func (o *RequestOptions) printSpecFor() (printSpec, error) {
	switch {
	case o.Quiet > 0:
		return printSpec{}, nil
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
	p := &printer{w: w, secrets: o.ShowSecrets, tty: tty, mime: o.ResponseMIME, charset: o.ResponseCharset}
	var err error
	if p.style, err = styleFor(o.Style); err != nil {
		return nil, err
	}
	fo, err := parseFormatOptions(o.FormatOptions)
	if err != nil {
		return nil, err
	}
	p.fo = &fo
	if _, err := charsetEncoding(o.ResponseCharset); err != nil {
		return nil, fmt.Errorf("--response-charset: %w", err)
	}
	if o.ResponseMIME != "" {
		if _, _, err := mime.ParseMediaType(o.ResponseMIME); err != nil {
			return nil, fmt.Errorf("--response-mime %q: not a media type such as application/json", o.ResponseMIME)
		}
	}
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

// requestTypeFlag binds -j, -f or --multipart: each sets the request type,
// so that the last one given wins, as in HTTPie.
func requestTypeFlag(fs *pflag.FlagSet, target *string, name, short, usage string) {
	fl := fs.VarPF(&typeValue{target: target, value: name}, name, short, usage)
	fl.NoOptDefVal = "true"
}

// typeValue is the pflag.Value of a request type flag.
type typeValue struct {
	target *string
	value  string
}

func (v *typeValue) String() string {
	return strconv.FormatBool(v.target != nil && *v.target == v.value)
}

func (v *typeValue) Set(s string) error {
	on, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	switch {
	case on:
		*v.target = v.value
	case *v.target == v.value:
		*v.target = ""
	}
	return nil
}

func (v *typeValue) Type() string { return "bool" }

// IsBoolFlag lets the flag stand without a value.
func (v *typeValue) IsBoolFlag() bool { return true }

// formatOptionFlag binds --format-options (value "": it takes one), or
// --sorted and --unsorted (which stand for fixed options): all append to
// one list, so that the later ones override the earlier, as in HTTPie.
func formatOptionFlag(fs *pflag.FlagSet, target *[]string, name, short, usage, fixed string) {
	fl := fs.VarPF(&formatOptionValue{target: target, fixed: fixed}, name, short, usage)
	if fixed != "" {
		fl.NoOptDefVal = "true"
	}
}

// formatOptionValue is the pflag.Value of the format option flags.
type formatOptionValue struct {
	target *[]string
	fixed  string
}

func (v *formatOptionValue) String() string { return "" }

func (v *formatOptionValue) Set(s string) error {
	if v.fixed == "" {
		*v.target = append(*v.target, s)
		return nil
	}
	if on, err := strconv.ParseBool(s); err != nil || !on {
		return errors.New("takes no value")
	}
	*v.target = append(*v.target, v.fixed)
	return nil
}

func (v *formatOptionValue) Type() string {
	if v.fixed != "" {
		return "bool"
	}
	return "string"
}

// IsBoolFlag lets --sorted and --unsorted stand without a value.
func (v *formatOptionValue) IsBoolFlag() bool { return v.fixed != "" }
