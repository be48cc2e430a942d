package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/curlcmd"
	"github.com/limpet-http/limpet/har"
	"github.com/limpet-http/limpet/internal/cli/items"
	"github.com/limpet-http/limpet/internal/redact"
	"github.com/limpet-http/limpet/jar"
)

// RequestOptions are the flags and arguments of a request.
type RequestOptions struct {
	IO    *IOStreams
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

	authHeader string // the Authorization header -a gives, when it is fixed (basic, bearer)
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
	f.BoolVar(&o.ShowSecrets, "show-secrets", false, "print credentials, cookie values and tokens in -v, --print, --curl and --har instead of masking them (errors and --debug stay masked)")
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

func runRequest(ctx context.Context, o *RequestOptions) error {
	spec, err := o.printSpecFor()
	if err != nil {
		return err
	}
	pr, err := o.printer()
	if err != nil {
		return err
	}
	if !o.IgnoreStdin {
		defer o.warnUnreadInput()
	}
	iopts := items.Options{DefaultScheme: o.DefaultScheme, Boundary: o.Boundary, UserAgent: limpet.DefaultUserAgent}
	// "-" is standard input, for one item (or --raw @-) only.
	stdinUses := 0
	iopts.ReadFile = func(name string) ([]byte, error) {
		if name != "-" {
			return os.ReadFile(name)
		}
		if stdinUses++; stdinUses > 1 {
			return nil, errors.New("standard input can go to one item only (@-, --raw @- or field=@-)")
		}
		return o.IO.ReadIn()
	}
	if home, err := os.UserHomeDir(); err == nil {
		iopts.HomeDir = home
	}
	switch {
	case o.Multipart:
		iopts.Mode = items.ModeMultipart
	case o.Form:
		iopts.Mode = items.ModeForm
	case o.JSON:
		iopts.Mode = items.ModeJSON
	}
	if o.flags != nil && o.flags.Changed("raw") {
		iopts.Raw = []byte(o.Raw)
		if o.Raw == "@-" {
			if iopts.Raw, err = iopts.ReadFile("-"); err != nil {
				return err
			}
		}
	}
	ireq, err := items.Parse(o.Args, iopts)
	if err != nil {
		return err
	}

	sess, err := openCLISession(o.Session, o.SessionReadOnly, ireq)
	if err != nil {
		return err
	}
	if sess != nil && len(sess.headers) > 0 {
		iopts.SessionHeaders = sess.headers
		if o.Raw != "@-" {
			stdinUses = 0 // the same items read it again
		}
		if ireq, err = items.Parse(o.Args, iopts); err != nil {
			return err
		}
	}
	resume, err := o.prepareDownload(ireq)
	if err != nil {
		return err
	}

	lo, err := o.sessionOptions()
	if err != nil {
		return err
	}
	// Every exchange, as sent and answered: each attempt, redirect hop and
	// login request, for --all.
	var sent []*exchange
	lo.OnRequest = append(lo.OnRequest, func(r *http.Request) error {
		sent = append(sent, &exchange{req: r})
		return nil
	})
	lo.OnResponse = append(lo.OnResponse, func(r *http.Response) error {
		if n := len(sent); n > 0 && sent[n-1].resp == nil {
			sent[n-1].resp = r
		}
		return nil
	})
	if o.Verbose > 0 || o.Debug {
		lo.Retry.OnRetry = func(_ *http.Request, resp *http.Response, err error, wait time.Duration) {
			why := ""
			if resp != nil {
				why = statusText(resp)
			} else if err != nil {
				why = message(err)
			}
			fmt.Fprintf(o.IO.ErrOut, "limpet: retrying in %.1fs (%s)\n", max(wait.Seconds(), 0.1), why)
		}
	}
	if sess != nil {
		sess.apply(&lo, ireq, o)
		if l := sess.snap.Login; l != nil && l.Flow != "" && o.Auth == "" {
			ra, err := newRecipeAuthenticator(*l, sess.arg, o.IO)
			if err != nil {
				return err
			}
			lo.Authenticator = ra
			lo.OnRequest = append(lo.OnRequest, ra.guard())
		}
	}
	if err := o.applyAuth(&lo, ireq, sess); err != nil {
		return err
	}
	if o.HAR != "" {
		rec := har.New(har.Options{IncludeSecrets: o.ShowSecrets})
		lo.Middleware = append(lo.Middleware, rec.Middleware())
		defer func() {
			if err := rec.WriteFile(o.HAR); err != nil {
				fmt.Fprintf(o.IO.ErrOut, "limpet: error: writing %s: %v\n", o.HAR, err)
			}
		}()
	}
	s, err := limpet.New(lo)
	if err != nil {
		return err
	}
	closed := false
	closeSession := func() error {
		if closed {
			return nil
		}
		closed = true
		return s.Close()
	}
	defer closeSession()

	if sess != nil && !sess.readOnly {
		if err := moveCookieItems(s, ireq); err != nil {
			return err
		}
	}
	req, err := ireq.HTTPRequest(ctx)
	if err != nil {
		return err
	}
	if o.Offline || o.Curl {
		// Show the request as it would be sent: with the session's cookies
		// and the credentials of -a.
		if j, ok := s.Jar().(*jar.Jar); ok {
			if c := j.CookieHeader(req.URL); c != "" {
				req.Header.Set("Cookie", c)
			}
		}
		if _, set := req.Header["User-Agent"]; !set {
			req.Header.Set("User-Agent", limpet.DefaultUserAgent)
		}
		if o.authHeader != "" && req.Header.Get("Authorization") == "" {
			req.Header.Set("Authorization", o.authHeader)
		}
		if o.Curl {
			cmd, err := curlcmd.Build(req, nil, curlcmd.Options{IncludeSecrets: o.ShowSecrets})
			if err != nil {
				return err
			}
			fmt.Fprintln(o.IO.Out, cmd.Multiline())
			return nil
		}
		o.printRequest(pr, spec, req)
		return nil
	}

	start := time.Now()
	resp, err := s.DoHTTP(req)
	elapsed := time.Since(start) // until the final response's headers
	if err != nil {
		if len(sent) > 0 && spec.request() {
			from := len(sent) - 1
			if o.All {
				from = 0
			}
			for _, ex := range sent[from:] {
				o.printRequest(pr, spec, ex.req)
			}
		}
		return err
	}
	defer resp.Close()

	for _, r := range resp.Recoveries {
		what := "the session was recovered"
		switch r.Verdict.Kind {
		case limpet.SessionExpired:
			what = "the server session had expired; logged in again"
		case limpet.CSRFRejected:
			what = "the CSRF token was refused; fetched a new one"
		case limpet.TokenExpired:
			what = "the token was refused; renewed it"
		}
		if !r.Recovered {
			what += " (by a concurrent request)"
		}
		if r.Replayed {
			what += " and sent the request again"
		} else {
			what += "; the request was not sent again, as it may have run"
		}
		fmt.Fprintf(o.IO.ErrOut, "limpet: %s (%s)\n", what, redact.Text(r.Verdict.Reason))
	}

	// The final exchange, and with --all every one before it.
	final := len(sent) - 1
	for i, ex := range sent {
		if ex.resp == resp.Response {
			final = i
		}
	}
	shown := []*exchange{{req: resp.Request, resp: resp.Response}}
	if final >= 0 {
		sent[final].resp = resp.Response
		shown = sent[final:]
		if o.All {
			shown = sent[:final+1]
		}
	}
	for i, ex := range shown {
		if spec.request() {
			o.printRequest(pr, spec, ex.req)
		}
		if spec.respHead && ex.resp != nil {
			pr.responseHead(ex.resp)
		}
		if i < len(shown)-1 {
			continue
		}
		if err := o.writeBody(ctx, pr, spec, resp, resume); err != nil {
			return err
		}
		if spec.meta {
			fmt.Fprintf(pr.w, "Elapsed time: %.6fs\n", elapsed.Seconds())
		}
	}
	if sess != nil && !sess.readOnly && (!sess.exists || sess.newHeaders != nil || sess.newAuth != nil) {
		if err := s.Save(ctx); err != nil {
			return sess.saveError(err)
		}
	}
	if err := closeSession(); err != nil {
		if sess != nil {
			return sess.saveError(err)
		}
		return err
	}
	return o.statusExit(resp.Response)
}

// exchange is one request as sent, and its response (nil when it failed).
type exchange struct {
	req  *http.Request
	resp *http.Response
}

// statusText is "503 Service Unavailable".
func statusText(resp *http.Response) string {
	status := strings.TrimSpace(resp.Status)
	if status == fmt.Sprint(resp.StatusCode) && http.StatusText(resp.StatusCode) != "" {
		status += " " + http.StatusText(resp.StatusCode)
	}
	return status
}

// warnUnreadInput says, on one line, that data piped to limpet was not
// sent, and how to send it.
func (o *RequestOptions) warnUnreadInput() {
	if o.IO.UnreadInput() {
		fmt.Fprintln(o.IO.ErrOut, "limpet: warning: standard input was not read: send it as the body with @- (or --raw @-), as a field with field=@-; -I silences this")
	}
}

// printRequest prints a request as sent; the body is read through GetBody.
func (o *RequestOptions) printRequest(pr *printer, spec printSpec, req *http.Request) {
	if spec.reqHead {
		pr.requestHead(req)
	}
	if spec.reqBody && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(rc)
			rc.Close()
			if len(b) > 0 {
				pr.body(req.Header.Get("Content-Type"), b, true)
				fmt.Fprintln(pr.w)
			}
		}
	}
}

// writeBody prints or saves the final response body. It never holds more
// of the body than formatting needs (see printer.responseBody).
func (o *RequestOptions) writeBody(ctx context.Context, pr *printer, spec printSpec, resp *limpet.Response, resume int64) error {
	if o.downloading() {
		return o.download(ctx, resp, resume)
	}
	if !spec.respBody {
		return nil
	}
	// The body shown with any part of the exchange is a transcript, with
	// secrets masked as in the headers; the body alone is the command's
	// output, as the server sent it.
	mask := !pr.secrets && (spec.reqHead || spec.reqBody || spec.respHead)
	tw := &tailWriter{w: pr.w}
	bp := *pr
	bp.w = tw
	if err := bp.responseBody(resp.Header.Get("Content-Type"), resp.Body, mask); err != nil {
		if tw.n > 0 && tw.last != '\n' {
			fmt.Fprintln(pr.w)
		}
		return fmt.Errorf("reading the response body: %w", err)
	}
	if tw.n > 0 && tw.last != '\n' && (pr.tty || spec.respHead) {
		fmt.Fprintln(pr.w)
	}
	return nil
}

// statusExit applies --check-status, and warns about error statuses when
// stdout is not a terminal (as HTTPie does).
func (o *RequestOptions) statusExit(resp *http.Response) error {
	code := 0
	switch {
	case resp.StatusCode >= 500:
		code = Exit5xx
	case resp.StatusCode >= 400:
		code = Exit4xx
	case resp.StatusCode >= 300 && !o.Follow:
		code = Exit3xx
	}
	if code == 0 {
		return nil
	}
	if o.CheckStatus {
		if !o.IO.IsStdoutTTY() {
			fmt.Fprintf(o.IO.ErrOut, "limpet: warning: HTTP %s\n", resp.Status)
		}
		return &exitError{code: code}
	}
	return nil
}

// sessionOptions turns the network flags into Session options.
func (o *RequestOptions) sessionOptions() (limpet.Options, error) {
	lo := limpet.Options{MaxRedirects: limpet.NoRedirects}
	lo.Retry.Max = o.Retries
	if o.Retries <= 0 {
		lo.Retry.Max = limpet.NoRetries
	}
	if o.Follow {
		lo.MaxRedirects = o.MaxRedirects
		if lo.MaxRedirects <= 0 {
			lo.MaxRedirects = limpet.NoRedirects
		}
	}
	switch {
	case o.Timeout > 0:
		lo.Timeout = time.Duration(o.Timeout * float64(time.Second))
	case o.downloading():
		lo.Timeout = limpet.NoTimeout
	}
	for _, p := range o.Proxies {
		scheme, u, ok := strings.Cut(p, ":")
		if !ok || (scheme != "http" && scheme != "https" && scheme != "all") {
			return lo, fmt.Errorf("--proxy %q: want PROTOCOL:PROXY_URL, e.g. http:http://proxy:3128", p)
		}
		if lo.Proxy.URLs == nil {
			lo.Proxy.URLs = map[string]string{}
		}
		lo.Proxy.URLs[scheme] = u
	}
	if err := applyNetworkFlags(&lo, o.IO, o.Verify, 0); err != nil {
		return lo, err
	}
	lo.TLS.CertFile, lo.TLS.KeyFile = o.Cert, o.CertKey
	if o.Cert != "" && o.CertKey == "" {
		lo.TLS.KeyFile = o.Cert // a PEM holding both
	}
	lo.Logger = newLogger(o.IO, o.Debug)
	return lo, nil
}

// applyAuth handles -a/-A: Basic, Digest or a bearer token, prompting for
// a missing password on a terminal.
func (o *RequestOptions) applyAuth(lo *limpet.Options, ireq *items.Request, sess *cliSession) error {
	if o.Auth == "" {
		return nil
	}
	kind := strings.ToLower(o.AuthType)
	if kind == "bearer" {
		lo.Auth = limpet.BearerAuth(o.Auth)
		o.authHeader = "Bearer " + o.Auth
		if sess != nil {
			sess.recordAuth("bearer", "")
		}
		return nil
	}
	user, pass, hasPass := strings.Cut(o.Auth, ":")
	if !hasPass {
		p, err := promptPassword(o.IO, fmt.Sprintf("password for %s@%s: ", user, ireq.URL.Host))
		if err != nil {
			return err
		}
		pass = p
	}
	switch kind {
	case "basic":
		lo.Auth = limpet.BasicAuth(user, pass)
		r := &http.Request{Header: http.Header{}}
		r.SetBasicAuth(user, pass)
		o.authHeader = r.Header.Get("Authorization")
	case "digest":
		lo.Auth = limpet.DigestAuth(user, pass)
	default:
		return fmt.Errorf("--auth-type %q: want basic, digest or bearer", o.AuthType)
	}
	if sess != nil {
		sess.recordAuth(kind, user)
	}
	return nil
}

// promptPassword reads a password without echo from the terminal.
func promptPassword(io *IOStreams, prompt string) (string, error) {
	if !io.IsStdinTTY() || io.readPassword == nil {
		return "", errors.New("a password is needed and standard input is not a terminal (give USER:PASS, or use limpet login with --password-env or --password-file)")
	}
	fmt.Fprint(io.ErrOut, prompt)
	b, err := io.readPassword()
	fmt.Fprintln(io.ErrOut)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return string(b), nil
}

// moveCookieItems does what HTTPie does with a Cookie header item when a
// session is in use: its cookies go into the session's jar (host-only, for
// the request's host, path /), and are sent from there.
func moveCookieItems(s *limpet.Session, ireq *items.Request) error {
	j, ok := s.Jar().(*jar.Jar)
	if !ok {
		return nil
	}
	kept := ireq.Header[:0]
	now := time.Now()
	for _, h := range ireq.Header {
		if h.Unset || !strings.EqualFold(h.Name, "Cookie") {
			kept = append(kept, h)
			continue
		}
		for _, c := range (&http.Request{Header: http.Header{"Cookie": {h.Value}}}).Cookies() {
			now = now.Add(time.Microsecond) // creation order is sending order
			err := j.Put(jar.Cookie{Name: c.Name, Value: c.Value, Domain: ireq.URL.Hostname(), Path: "/", HostOnly: true,
				Created: now, Updated: now, LastAccess: now})
			if err != nil {
				return fmt.Errorf("the cookie %q of the Cookie item: %w", c.Name, err)
			}
		}
	}
	ireq.Header = kept
	return nil
}
