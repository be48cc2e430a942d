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

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/curlcmd"
	"github.com/limpet-http/limpet/har"
	"github.com/limpet-http/limpet/internal/cli/items"
	"github.com/limpet-http/limpet/internal/redact"
	"github.com/limpet-http/limpet/jar"
)

func runRequest(ctx context.Context, o *RequestOptions) error {
	ctx, clock := o.startClock(ctx)
	defer clock.stop(true)
	return timeoutCause(ctx, o.exchange(ctx, clock))
}

// exchange sends the request and prints or saves the answer.
func (o *RequestOptions) exchange(ctx context.Context, clock *exchangeClock) error {
	spec, err := o.printSpecFor()
	if err != nil {
		return err
	}
	hist := spec
	if o.HistoryPrint != "" && o.Quiet == 0 {
		if hist, err = parsePrintSpec(o.HistoryPrint); err != nil {
			return fmt.Errorf("--history-print: %w", err)
		}
	}
	pr, err := o.printer()
	if err != nil {
		return err
	}
	if !o.IgnoreStdin {
		defer o.warnUnreadInput()
	}
	ireq, sess, err := o.buildRequest()
	if err != nil {
		return err
	}
	resume, err := o.prepareDownload(ireq)
	if err != nil {
		return err
	}
	if err := o.encodeBody(ireq); err != nil {
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
			fmt.Fprintf(o.infoOut(), "limpet: retrying in %.1fs (%s)\n", max(wait.Seconds(), 0.1), why)
		}
	}
	if sess != nil {
		sess.apply(&lo, ireq, o.Now())
		if l, legacy := sessionRecipe(sess.snap); l != nil && l.Flow != "" && o.Auth == "" {
			ra, err := newRecipeAuthenticator(*l, legacy, sess.arg, o.IO, o.Getenv)
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
	var cap *capture
	if o.Offline || o.Curl {
		// Show the request as the Session would send it.
		cap = &capture{method: ireq.Method, url: ireq.URL.String()}
		lo.Middleware = append([]func(http.RoundTripper) http.RoundTripper{cap.middleware}, lo.Middleware...)
		lo.Retry.Max = limpet.NoRetries
		lo.MaxRedirects = limpet.NoRedirects
	} else if o.HAR != "" {
		rec := har.New(har.Options{IncludeSecrets: o.ShowSecrets})
		lo.Middleware = append(lo.Middleware, rec.Middleware())
		defer func() {
			if err := rec.WriteFile(o.HAR); err != nil {
				fmt.Fprintf(o.IO.ErrOut, "limpet: error: writing %s: %v\n", o.HAR, err)
			}
		}()
	}
	s, err := o.NewSession(lo)
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
		if err := moveCookieItems(s, ireq, o.Now()); err != nil {
			return err
		}
	}
	req, err := o.httpRequest(ctx, ireq)
	if err != nil {
		return err
	}
	if cap != nil {
		return o.showCaptured(s, req, cap, pr, spec)
	}

	start := o.Now()
	resp, err := s.DoHTTP(req)
	if err == nil {
		again, aerr := o.retryAuth(resp.Response)
		if again || aerr != nil {
			resp.Close()
			if aerr != nil {
				return aerr
			}
			if req, err = o.httpRequest(ctx, ireq); err != nil {
				return err
			}
			resp, err = s.DoHTTP(req)
		}
	}
	elapsed := o.Now().Sub(start) // until the final response's headers
	if err != nil {
		if len(sent) > 0 && spec.request() {
			from := len(sent) - 1
			if o.All {
				from = 0
			}
			for i, ex := range sent[from:] {
				if from+i < len(sent)-1 {
					o.printRequest(pr, hist, ex.req)
				} else {
					o.printRequest(pr, spec, ex.req)
				}
			}
		}
		return err
	}
	defer resp.Close()
	o.reportRecoveries(resp)
	streaming := !o.downloading() && (o.Stream || pr.tty && isStreamType(resp.Header.Get("Content-Type")))
	if o.downloading() || streaming {
		// Its headers have come: from now on the body may take long, but
		// not wait long.
		clock.stop(false)
		resp.Body = readCloser{clock.idleBody(resp.Body, o.idleTimeout(o.downloading())), resp.Body}
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
		if i < len(shown)-1 {
			o.printRequest(pr, hist, ex.req)
			if hist.respHead && ex.resp != nil {
				pr.responseHead(ex.resp)
			}
			continue
		}
		o.printRequest(pr, spec, ex.req)
		if spec.respHead && ex.resp != nil {
			pr.responseHead(ex.resp)
		}
		if err := o.writeBody(ctx, pr, spec, resp, resume, streaming); err != nil {
			return err
		}
		if spec.meta {
			fmt.Fprintf(pr.w, "Elapsed time: %.6fs\n", elapsed.Seconds())
		}
	}
	if sess != nil && !sess.readOnly && sess.changed() {
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

// buildRequest turns the arguments into the request, with the default
// headers of the session it names, and opens that session (nil when none).
func (o *RequestOptions) buildRequest() (*items.Request, *cliSession, error) {
	iopts := items.Options{DefaultScheme: o.DefaultScheme, Boundary: o.Boundary, UserAgent: limpet.DefaultUserAgent, PathAsIs: o.PathAsIs}
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
	if home, err := o.HomeDir(); err == nil {
		iopts.HomeDir = home
	}
	switch o.RequestType {
	case "multipart":
		iopts.Mode = items.ModeMultipart
	case "form":
		iopts.Mode = items.ModeForm
	case "json":
		iopts.Mode = items.ModeJSON
	}
	if o.flags != nil && o.flags.Changed("raw") {
		iopts.Raw = []byte(o.Raw)
		if o.Raw == "@-" {
			var err error
			if iopts.Raw, err = iopts.ReadFile("-"); err != nil {
				return nil, nil, err
			}
		}
	}
	ireq, err := items.Parse(o.Args, iopts)
	if err != nil {
		return nil, nil, err
	}
	sess, err := o.Sessions.open(o.Session, o.SessionReadOnly, ireq)
	if err != nil {
		return nil, nil, err
	}
	if sess != nil && len(sess.headers) > 0 {
		iopts.SessionHeaders = sess.headers
		if o.Raw != "@-" {
			stdinUses = 0 // the same items read it again
		}
		if ireq, err = items.Parse(o.Args, iopts); err != nil {
			return nil, nil, err
		}
	}
	return ireq, sess, nil
}

// reportRecoveries says what the session did to answer: logged in again,
// fetched a CSRF token, renewed a token.
func (o *RequestOptions) reportRecoveries(resp *limpet.Response) {
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
		fmt.Fprintf(o.infoOut(), "limpet: %s (%s)\n", what, redact.Text(r.Verdict.Reason))
	}
}

// infoOut is where progress and notes go: standard error, or nowhere with
// -q.
func (o *RequestOptions) infoOut() io.Writer {
	if o.Quiet > 0 {
		return io.Discard
	}
	return o.IO.ErrOut
}

// warnOut is where warnings go: standard error, or nowhere with -qq.
func (o *RequestOptions) warnOut() io.Writer {
	if o.Quiet > 1 {
		return io.Discard
	}
	return o.IO.ErrOut
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
		fmt.Fprintln(o.warnOut(), "limpet: warning: standard input was not read: send it as the body with @- (or --raw @-), as a field with field=@-; -I silences this")
	}
}

// printRequest prints a request as sent; the body is read through GetBody.
// A body ends with a blank line, as in HTTPie, so that it stands apart
// from the response that follows.
func (o *RequestOptions) printRequest(pr *printer, spec printSpec, req *http.Request) {
	if spec.reqHead {
		pr.requestHead(req)
	}
	if spec.reqBody && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(rc)
			rc.Close()
			if len(b) > 0 {
				tw := &tailWriter{w: pr.w}
				bp := *pr
				bp.w = tw
				bp.body(req.Header.Get("Content-Type"), b, true)
				if tw.last != '\n' {
					fmt.Fprintln(pr.w)
				}
				fmt.Fprintln(pr.w)
			}
		}
	}
}

// writeBody prints or saves the final response body. It never holds more
// of the body than formatting needs (see printer.responseBody).
func (o *RequestOptions) writeBody(ctx context.Context, pr *printer, spec printSpec, resp *limpet.Response, resume int64, streaming bool) error {
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
	show := bp.responseBody
	if streaming {
		show = bp.streamBody
	}
	if err := show(resp.Header.Get("Content-Type"), resp.Body, mask); err != nil {
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
			fmt.Fprintf(o.warnOut(), "limpet: warning: HTTP %s\n", resp.Status)
		}
		return &exitError{code: code}
	}
	return nil
}

// moveCookieItems does what HTTPie does with a Cookie header item when a
// session is in use: its cookies go into the session's jar (host-only, for
// the request's host, path /), and are sent from there.
func moveCookieItems(s *limpet.Session, ireq *items.Request, now time.Time) error {
	j, ok := s.Jar().(*jar.Jar)
	if !ok {
		return nil
	}
	kept := ireq.Header[:0]
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

// showCaptured runs req through the Session to capture it, unsent, and
// prints it (--offline) or its curl command (--curl).
func (o *RequestOptions) showCaptured(s *limpet.Session, req *http.Request, cap *capture, pr *printer, spec printSpec) error {
	resp, err := s.DoHTTP(req)
	if err == nil {
		resp.Close()
		return errors.New("--offline: the request was sent") // cannot happen: capture answers none
	}
	sent := cap.captured()
	if sent == nil {
		return err
	}
	if o.Curl {
		cmd, err := curlcmd.Build(sent, nil, curlcmd.Options{IncludeSecrets: o.ShowSecrets})
		if err != nil {
			return err
		}
		fmt.Fprintln(o.IO.Out, cmd.Multiline())
		return nil
	}
	o.printRequest(pr, spec, sent)
	return nil
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}
