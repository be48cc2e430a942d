package har

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultMaxBody is the number of bytes of each request and response body
// a Recorder keeps when Options leaves the cap at zero.
const DefaultMaxBody = 1 << 20

// SkipBody, as Options.MaxRequestBody or Options.MaxResponseBody, keeps no
// body bytes at all; sizes are still recorded.
const SkipBody = -1

// Options configures a Recorder. The zero value records every exchange,
// keeps the first DefaultMaxBody bytes of each body and redacts secrets.
type Options struct {
	// MaxRequestBody caps the bytes kept of each request body; zero means
	// DefaultMaxBody, SkipBody keeps none. Bytes past the cap are sent
	// as usual and counted, not kept.
	MaxRequestBody int64
	// MaxResponseBody caps the bytes kept of each response body, as
	// MaxRequestBody does. The caller reads the whole body either way.
	MaxResponseBody int64

	// IncludeSecrets turns redaction OFF.
	//
	// WARNING: with IncludeSecrets the HAR file holds everything needed to
	// take over the recorded sessions and accounts: session cookies,
	// Authorization headers with passwords and bearer tokens, CSRF tokens,
	// API keys in URLs, and passwords in login forms and JSON bodies. Treat
	// such a file as a password: never attach it to a bug report, a ticket
	// or a chat, and delete it when done. Leave this false unless you are
	// debugging the credentials themselves.
	IncludeSecrets bool

	// Comment is written as the log's comment.
	Comment string
}

// Recorder records the exchanges that pass through its Middleware and
// writes them as a HAR 1.2 document.
//
// Unless Options.IncludeSecrets is set, what it writes is redacted with
// the same rules as limpet's logs: cookie values, credentials, CSRF
// tokens, API keys, token-like query parameters and password or token
// fields of form, JSON and multipart bodies are masked.
//
// A Recorder is safe for concurrent use: one Recorder may serve several
// Sessions, and HAR, WriteTo and WriteFile may be called while requests
// are in flight (those show as in progress).
type Recorder struct {
	opts Options

	mu      sync.Mutex // guards entries
	entries []*record
}

// New returns a Recorder configured by o.
func New(o Options) *Recorder {
	if o.MaxRequestBody == 0 {
		o.MaxRequestBody = DefaultMaxBody
	}
	if o.MaxResponseBody == 0 {
		o.MaxResponseBody = DefaultMaxBody
	}
	return &Recorder{opts: o}
}

// Middleware returns a layer for limpet.Options.Middleware (or any
// RoundTripper chain) that records each request it passes on and the
// response that comes back. Response bodies reach the caller as a stream,
// unchanged: the recorder copies what the caller reads, up to its cap.
func (r *Recorder) Middleware() func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		if next == nil {
			next = http.DefaultTransport
		}
		return &transport{rec: r, next: next}
	}
}

// Len returns the number of entries recorded so far.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.entries)
}

// HAR returns the document recorded so far, redacted unless
// Options.IncludeSecrets is set. The result is a copy the caller owns.
func (r *Recorder) HAR() *HAR {
	r.mu.Lock()
	recs := append([]*record(nil), r.entries...)
	r.mu.Unlock()
	entries := make([]Entry, 0, len(recs))
	for _, rec := range recs {
		entries = append(entries, rec.entry(&r.opts))
	}
	return &HAR{Log: Log{
		Version: "1.2",
		Creator: Creator{Name: "limpet", Version: limpetVersion},
		Entries: entries,
		Comment: r.opts.Comment,
	}}
}

// WriteTo writes the document recorded so far to w as indented JSON. It
// implements io.WriterTo.
func (r *Recorder) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r.HAR()); err != nil {
		return 0, fmt.Errorf("har: encoding: %w", err)
	}
	n, err := w.Write(buf.Bytes())
	if err != nil {
		return int64(n), fmt.Errorf("har: writing: %w", err)
	}
	return int64(n), nil
}

// WriteFile writes the document recorded so far to the file at path,
// readable by its owner only (mode 0600), replacing it atomically: a
// reader sees the old file or the new one, never a part.
func (r *Recorder) WriteFile(path string) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("har: writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("har: writing %s: %w", path, err)
	}
	if _, err := r.WriteTo(f); err != nil {
		return fmt.Errorf("har: writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("har: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("har: writing %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("har: writing %s: %w", path, err)
	}
	return nil
}

// transport is the recording RoundTripper made by Middleware.
type transport struct {
	rec  *Recorder
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := newRecord(req, t.rec.opts)
	hasBody := req.Body != nil && req.Body != http.NoBody
	// Set before the record is published: HAR may read it from now on.
	rec.hasReqBody = hasBody
	t.rec.mu.Lock()
	t.rec.entries = append(t.rec.entries, rec)
	t.rec.mu.Unlock()

	out := req.WithContext(httptrace.WithClientTrace(req.Context(), rec.trace()))
	if hasBody {
		out.Body = &requestBody{rc: req.Body, rec: rec}
		if req.GetBody != nil {
			getBody := req.GetBody
			out.GetBody = func() (io.ReadCloser, error) {
				b, err := getBody()
				if err != nil {
					return nil, err
				}
				rec.restartRequestBody()
				if b == nil || b == http.NoBody {
					return b, nil
				}
				return &requestBody{rc: b, rec: rec}, nil
			}
		}
	}
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		rec.failed(err)
		return nil, err
	}
	if resp.Request == out {
		resp.Request = req
	}
	rec.responded(resp)
	if resp.Body == nil || resp.Body == http.NoBody || resp.StatusCode == http.StatusSwitchingProtocols {
		// Nothing to read, or a connection handed over to another
		// protocol, whose body must keep its own type.
		rec.finish(true, nil)
		return resp, nil
	}
	resp.Body = &responseBody{rc: resp.Body, rec: rec}
	return resp, nil
}

// requestBody copies what the transport sends into the record.
type requestBody struct {
	rc  io.ReadCloser
	rec *record
}

func (b *requestBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.rec.sent(p[:n], err == io.EOF)
	return n, err
}

func (b *requestBody) Close() error { return b.rc.Close() }

// responseBody copies what the caller reads into the record, and marks
// the exchange finished at the end of the body or when it is closed.
type responseBody struct {
	rc  io.ReadCloser
	rec *record
}

func (b *responseBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.rec.received(p[:n], err)
	return n, err
}

func (b *responseBody) Close() error {
	err := b.rc.Close()
	b.rec.finish(false, nil)
	return err
}

// capture keeps the first limit bytes written to it and counts them all.
type capture struct {
	buf   []byte
	limit int64 // < 0: keep nothing
	n     int64 // bytes seen, kept or not
}

func (c *capture) write(p []byte) {
	c.n += int64(len(p))
	if room := c.limit - int64(len(c.buf)); room > 0 {
		if int64(len(p)) > room {
			p = p[:room]
		}
		c.buf = append(c.buf, p...)
	}
}

func (c *capture) truncated() bool { return c.n > int64(len(c.buf)) }

// record is one exchange as it happens.
type record struct {
	mu sync.Mutex // guards every field below

	start    time.Time
	method   string
	url      *url.URL
	host     string
	proto    string
	header   http.Header
	reqLimit int64

	hasReqBody bool
	reqBody    capture
	reqEOF     bool

	// httptrace times; zero when the hook did not run.
	dnsStart, dnsDone, connectStart, connectDone time.Time
	tlsStart, tlsDone, gotConn, wrote, firstByte time.Time
	reused                                       bool
	remoteIP, localPort                          string

	hasResponse  bool
	respAt       time.Time
	status       int
	statusLine   string
	respProto    string
	respHeader   http.Header
	uncompressed bool
	respBody     capture
	respEOF      bool

	done    bool
	end     time.Time
	err     error // transport error: no response
	bodyErr error // error while reading the response body
}

func newRecord(req *http.Request, o Options) *record {
	u := *req.URL
	if req.URL.User != nil {
		ui := *req.URL.User
		u.User = &ui
	}
	host := req.Host
	if host == "" {
		host = u.Host
	}
	return &record{
		start:    time.Now(),
		method:   req.Method,
		url:      &u,
		host:     host,
		proto:    req.Proto,
		header:   req.Header.Clone(),
		reqLimit: o.MaxRequestBody,
		reqBody:  capture{limit: o.MaxRequestBody},
		respBody: capture{limit: o.MaxResponseBody},
	}
}

// trace returns the httptrace hooks that time the exchange's phases.
func (r *record) trace() *httptrace.ClientTrace {
	set := func(f func()) {
		r.mu.Lock()
		f()
		r.mu.Unlock()
	}
	return &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) {
			set(func() {
				if r.dnsStart.IsZero() {
					r.dnsStart = time.Now()
				}
			})
		},
		DNSDone: func(httptrace.DNSDoneInfo) { set(func() { r.dnsDone = time.Now() }) },
		ConnectStart: func(string, string) {
			set(func() {
				if r.connectStart.IsZero() {
					r.connectStart = time.Now()
				}
			})
		},
		ConnectDone:       func(string, string, error) { set(func() { r.connectDone = time.Now() }) },
		TLSHandshakeStart: func() { set(func() { r.tlsStart = time.Now() }) },
		TLSHandshakeDone:  func(tls.ConnectionState, error) { set(func() { r.tlsDone = time.Now() }) },
		GotConn: func(info httptrace.GotConnInfo) {
			now := time.Now()
			var remote, local string
			if info.Conn != nil {
				remote = ipOf(info.Conn.RemoteAddr())
				if la := info.Conn.LocalAddr(); la != nil {
					if _, port, err := net.SplitHostPort(la.String()); err == nil {
						local = port
					}
				}
			}
			set(func() {
				r.gotConn = now
				r.reused = info.Reused
				r.remoteIP, r.localPort = remote, local
			})
		},
		WroteRequest:         func(httptrace.WroteRequestInfo) { set(func() { r.wrote = time.Now() }) },
		GotFirstResponseByte: func() { set(func() { r.firstByte = time.Now() }) },
	}
}

// ipOf returns the IP address of a network address, without a zone.
func ipOf(a net.Addr) string {
	if a == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return ""
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return ""
	}
	return ip.String()
}

func (r *record) sent(p []byte, eof bool) {
	r.mu.Lock()
	r.reqBody.write(p)
	if eof {
		r.reqEOF = true
	}
	r.mu.Unlock()
}

// restartRequestBody forgets what was sent: the transport is sending the
// body again from its start.
func (r *record) restartRequestBody() {
	r.mu.Lock()
	r.reqBody = capture{limit: r.reqLimit}
	r.reqEOF = false
	r.mu.Unlock()
}

func (r *record) failed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
	r.done = true
	r.end = time.Now()
}

func (r *record) responded(resp *http.Response) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hasResponse = true
	r.respAt = now
	r.status = resp.StatusCode
	r.statusLine = resp.Status
	r.respProto = resp.Proto
	r.respHeader = resp.Header.Clone()
	r.uncompressed = resp.Uncompressed
}

func (r *record) received(p []byte, err error) {
	r.mu.Lock()
	r.respBody.write(p)
	r.mu.Unlock()
	if err == io.EOF {
		r.finish(true, nil)
	} else if err != nil {
		r.finish(false, err)
	}
}

// finish marks the exchange over: at the end of the body (eof), on a read
// error, or when the body is closed. Only the first call counts.
func (r *record) finish(eof bool, err error) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	r.done = true
	r.end = now
	r.respEOF = eof
	r.bodyErr = err
}
