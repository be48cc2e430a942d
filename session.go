package limpet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/limpet-http/limpet/internal/redact"
	"github.com/limpet-http/limpet/jar"
)

// Session sends HTTP requests that share state: cookies, default headers
// and query parameters, credentials, proxies, TLS settings and a pool of
// connections. It is the Go counterpart of requests.Session.
//
// A Session is safe for concurrent use by multiple goroutines. Its
// configuration is fixed by New; its cookie jar changes as responses arrive.
// Close releases its idle connections.
type Session struct {
	base         *url.URL
	header       http.Header
	query        url.Values
	userAgent    []string // User-Agent header value; shared, never appended to
	auth         Auth
	jar          http.CookieJar
	timeout      time.Duration
	maxRedirects int
	logger       *slog.Logger
	now          func() time.Time // nil: time.Now

	transport *http.Transport   // nil when Options.Transport replaced it
	rt        http.RoundTripper // credentials, cookies, hooks, middleware, base
	public    http.RoundTripper // defaults, then rt: for requests built elsewhere
	client    *http.Client      // sends requests built by NewRequest over rt
	persist   *persistence      // nil without Options.Store
	authn     *authState        // nil without Options.Authenticator
}

// New returns a Session configured by o. It returns an error, before
// anything is sent, when an option cannot be used: a malformed base URL, an
// unsupported proxy scheme, an unreadable CA or certificate file.
func New(o Options) (*Session, error) {
	s := &Session{
		header:       canonicalHeader(o.Header),
		query:        cloneValues(o.Query),
		auth:         o.Auth,
		jar:          o.Jar,
		timeout:      o.Timeout,
		maxRedirects: o.MaxRedirects,
		logger:       o.Logger,
	}
	ua := o.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	s.userAgent = []string{ua}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.maxRedirects == 0 {
		s.maxRedirects = DefaultMaxRedirects
	}
	if o.BaseURL != "" {
		u, err := url.Parse(o.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("limpet: invalid BaseURL: %w", err)
		}
		if u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("limpet: BaseURL %q is not absolute (it needs a scheme and a host)", o.BaseURL)
		}
		s.base = u
	}
	if o.Authenticator != nil {
		s.authn = &authState{a: o.Authenticator, logger: o.Logger, cooldown: RecoveryCooldown}
	}
	if o.Store != nil {
		if s.jar != nil {
			return nil, errors.New("limpet: Options.Store needs the Session's own cookie jar; leave Options.Jar nil")
		}
		s.persist = newPersistence(o.Store, o, o.Logger)
		jo := o.JarOptions
		if user := jo.OnChange; user != nil {
			jo.OnChange = func(c jar.Change) { s.persist.onChange(c); user(c) }
		} else {
			jo.OnChange = s.persist.onChange
		}
		s.jar = jar.New(jo)
		s.persist.jar = s.jar.(*jar.Jar)
		if ss, ok := o.Authenticator.(StateSaver); ok {
			s.persist.savers = append(s.persist.savers, ss)
		}
		s.persist.savers = append(s.persist.savers, o.StateSavers...)
	}
	if s.jar == nil {
		s.jar = jar.New(o.JarOptions)
	}

	base := o.Transport
	if base == nil {
		t, err := newTransport(o)
		if err != nil {
			return nil, err
		}
		s.transport = t
		base = t
	}
	if s.logger != nil {
		base = &logTransport{next: base, logger: s.logger}
	}
	for _, mw := range o.Middleware {
		base = mw(base)
	}
	cookies := &cookieTransport{
		jar:        s.jar,
		next:       base,
		onRequest:  o.OnRequest,
		onResponse: o.OnResponse,
	}
	if rj, ok := s.jar.(rawCookieJar); ok {
		cookies.raw = rj
	}
	cookies.auth = s.authn
	s.rt = &authTransport{s: s, next: newRetryTransport(cookies, o.Retry)}
	s.client = &http.Client{Transport: s.rt, CheckRedirect: s.checkRedirect}
	s.public = &defaultsTransport{s: s, next: s.rt}
	if s.persist != nil {
		s.persist.auth = s.authn
		if err := s.persist.load(context.Background()); err != nil {
			return nil, err
		}
	}
	if b, ok := o.Authenticator.(SessionBinder); ok {
		b.BindSession(s)
	}
	return s, nil
}

// rawCookieJar is implemented by limpet's jar: it reads Set-Cookie lines
// itself, losing no attribute, and writes the Cookie header exactly.
type rawCookieJar interface {
	SetCookieHeaders(u *url.URL, lines []string)
	CookieHeader(u *url.URL) string
}

// Jar returns the Session's cookie jar: a *jar.Jar unless Options.Jar
// named another.
func (s *Session) Jar() http.CookieJar { return s.jar }

// Client returns an *http.Client that sends requests through the Session
// (see RoundTrip): same cookies, default headers, credentials, redirect
// policy, timeout and connection pool, and the Authenticator's whole path:
// requests are prepared (a CSRF token), their answers checked, the session
// recovered and the request replayed under the rules of Verdict. Hand it to
// libraries that take an *http.Client, such as generated API clients. Do
// not set its Jar: the Session already handles cookies.
func (s *Session) Client() *http.Client {
	// The Session follows redirects itself, by its policy.
	c := &http.Client{Transport: s, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if s.timeout > 0 {
		c.Timeout = s.timeout
	}
	return c
}

// RoundTrip implements http.RoundTripper, so that a Session can be the
// Transport of an *http.Client built elsewhere: it sends req as Do would
// (default headers and query parameters added to a copy; relative URLs are
// not resolved), following redirects by the Session's policy, with the
// Authenticator's prepare, check, recover and replay. A request is
// replayed after a recovery only when its body can be sent again
// (req.GetBody, as http.NewRequest sets for in-memory bodies) and it is
// idempotent or the answer proves it never ran (Verdict.NotExecuted).
// Errors are the Session's: credentials and tokens in URLs are masked.
// The response's body must be closed; the Response's History and
// Recoveries are not visible through it (use Do for them).
func (s *Session) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	s.applyDefaults(r.Header)
	if len(s.query) > 0 {
		r.URL.RawQuery = s.withDefaultQuery(r.URL.RawQuery)
	}
	resp, err := s.send(r, nil)
	if err != nil {
		return nil, err
	}
	return resp.Response, nil
}

// Close stops autosave, writes what changed since the last save (with
// Options.Store) and closes idle connections. It returns the save's error.
// Requests may still be sent afterwards, but their changes are saved only
// by an explicit Save.
//
// While the Session's last login (Login, or a recovery that logs in)
// failed and none succeeded since, neither autosave nor Close writes: a
// wrong password creates no session file and leaves an existing one as it
// was, not replaced by what the failed login left (a login page's
// anonymous cookies). A Session that never logs in saves as usual.
func (s *Session) Close() error {
	var err error
	if s.persist != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = s.persist.close(ctx)
		cancel()
	}
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
	return err
}

// Save writes the session's state to Options.Store now, merging it with
// what other processes saved, and adopts their newer cookies, even after a
// failed login (see Close). Without a Store it does nothing.
func (s *Session) Save(ctx context.Context) error {
	if s.persist == nil {
		return nil
	}
	return s.persist.save(ctx, true)
}

// Get sends a GET request.
func (s *Session) Get(ctx context.Context, url string) (*Response, error) {
	return s.Do(ctx, &Request{Method: http.MethodGet, URL: url})
}

// Head sends a HEAD request.
func (s *Session) Head(ctx context.Context, url string) (*Response, error) {
	return s.Do(ctx, &Request{Method: http.MethodHead, URL: url})
}

// Delete sends a DELETE request.
func (s *Session) Delete(ctx context.Context, url string) (*Response, error) {
	return s.Do(ctx, &Request{Method: http.MethodDelete, URL: url})
}

// Post sends a POST request with body (nil for none).
func (s *Session) Post(ctx context.Context, url string, body Body) (*Response, error) {
	return s.Do(ctx, &Request{Method: http.MethodPost, URL: url, Body: body})
}

// Put sends a PUT request with body (nil for none).
func (s *Session) Put(ctx context.Context, url string, body Body) (*Response, error) {
	return s.Do(ctx, &Request{Method: http.MethodPut, URL: url, Body: body})
}

// Patch sends a PATCH request with body (nil for none).
func (s *Session) Patch(ctx context.Context, url string, body Body) (*Response, error) {
	return s.Do(ctx, &Request{Method: http.MethodPatch, URL: url, Body: body})
}

// Do sends r and returns the response after following redirects. A non-2xx
// status is not an error (see Response.CheckStatus). An error is returned
// for a request that cannot be built (nothing is sent then), a transport
// failure, a timeout, too many redirects, or a failing hook; the response
// body must be closed by the caller when err is nil.
func (s *Session) Do(ctx context.Context, r *Request) (*Response, error) {
	if ctx == nil {
		return nil, errors.New("limpet: nil context")
	}
	timeout := s.timeout
	if r.Timeout != 0 {
		timeout = r.Timeout
	}
	var cancel context.CancelFunc
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	}
	req, err := s.NewRequest(ctx, r)
	if err != nil {
		if cancel != nil {
			cancel()
		}
		return nil, err
	}
	return s.send(req, cancel)
}

// DoHTTP sends a request built elsewhere through the Session: the
// Session's default headers and query parameters are added (to a copy), and
// its timeout applies. Relative URLs are not resolved; the request's body
// should have GetBody set to be replayable.
func (s *Session) DoHTTP(req *http.Request) (*Response, error) {
	ctx := req.Context()
	var cancel context.CancelFunc
	if s.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
	}
	r := req.Clone(ctx)
	s.applyDefaults(r.Header)
	if len(s.query) > 0 {
		r.URL.RawQuery = s.withDefaultQuery(r.URL.RawQuery)
	}
	return s.send(r, cancel)
}

// send sends req (through the Authenticator's checks when there is one)
// and ties cancel, the request's timeout, to the response body.
func (s *Session) send(req *http.Request, cancel context.CancelFunc) (*Response, error) {
	if s.authn != nil && !s.bypassing(req.Context()) {
		return s.sendWithAuth(req, cancel)
	}
	resp, err := s.roundTrip(req)
	if err != nil {
		if cancel != nil {
			cancel()
		}
		return nil, err
	}
	return resp.withCancel(cancel), nil
}

// roundTrip sends req through the client (redirects, cookies, credentials)
// and records the redirect chain.
func (s *Session) roundTrip(req *http.Request) (*Response, error) {
	resp, err := s.client.Do(req)
	if err != nil {
		// The *url.Error names the URL, which may carry tokens.
		return nil, redact.Error(err)
	}
	out := &Response{Response: resp}
	for prev := resp.Request.Response; prev != nil; prev = prev.Request.Response {
		out.History = append(out.History, prev)
	}
	for i, j := 0, len(out.History)-1; i < j; i, j = i+1, j-1 {
		out.History[i], out.History[j] = out.History[j], out.History[i]
	}
	return out, nil
}

// cancelBody releases a request's timeout when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// NewRequest builds the *http.Request that Do would send for r: its URL
// resolved against the base URL, the Session's default headers and query
// parameters applied, its body encoded. Nothing is sent.
func (s *Session) NewRequest(ctx context.Context, r *Request) (*http.Request, error) {
	if ctx == nil {
		return nil, errors.New("limpet: nil context")
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var (
		open   func() (io.ReadCloser, error)
		ctype  string
		length int64
		err    error
	)
	if r.Body != nil {
		open, ctype, length, err = r.Body.prepare()
		if err != nil {
			return nil, err
		}
	}
	if r.Auth != nil || r.Proxy != "" || r.MaxRedirects != 0 {
		o := &requestOptions{auth: r.Auth, maxRedirects: r.MaxRedirects}
		if r.Proxy != "" {
			p, err := parseProxyURL(r.Proxy)
			if err != nil {
				return nil, fmt.Errorf("limpet: Request.Proxy: %w", err)
			}
			o.proxy = p
		}
		ctx = context.WithValue(ctx, requestOptionsKey{}, o)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL, nil)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, redact.Error(fmt.Errorf("limpet: invalid URL %q: %w", redact.URLString(r.URL), ue.Err))
		}
		return nil, redact.Error(fmt.Errorf("limpet: building request: %w", err))
	}
	if err := s.resolve(req, r.URL); err != nil {
		return nil, err
	}
	if len(r.Query) > 0 || len(s.query) > 0 {
		q := req.URL.RawQuery
		if len(r.Query) > 0 {
			if q != "" {
				q += "&"
			}
			q += r.Query.Encode()
		}
		req.URL.RawQuery = s.withDefaultQuery(q)
	}
	for k, vs := range r.Header {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	s.applyDefaults(req.Header)
	if open != nil {
		body, err := open()
		if err != nil {
			return nil, err
		}
		req.Body = body
		req.GetBody = open
		req.ContentLength = length
		if length == 0 {
			req.Body = http.NoBody
			req.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		}
		if _, set := req.Header["Content-Type"]; !set && ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
	}
	return req, nil
}

// resolveBase resolves ref against base as clients with a base URL do
// (httpx, resty, generated API clients): the base URL's path is the prefix
// of every relative request path, so that with the base URL
// "http://h/app" both "/api/me" and "api/me" go to "http://h/app/api/me".
// A reference with a host, or with no path (a query or a fragment alone),
// resolves as RFC 3986 says.
func resolveBase(base, ref *url.URL) *url.URL {
	if ref.Host != "" || ref.Path == "" || ref.Opaque != "" {
		return base.ResolveReference(ref)
	}
	dir := *base
	if !strings.HasSuffix(dir.Path, "/") {
		dir.Path += "/"
		if dir.RawPath != "" {
			dir.RawPath += "/"
		}
	}
	rel := *ref
	rel.Path = strings.TrimLeft(rel.Path, "/")
	rel.RawPath = strings.TrimLeft(rel.RawPath, "/")
	return dir.ResolveReference(&rel)
}

// resolve makes req's URL absolute against the base URL and checks it.
func (s *Session) resolve(req *http.Request, raw string) error {
	u := req.URL
	if s.base != nil && !u.IsAbs() {
		u = resolveBase(s.base, u)
		req.URL = u
		req.Host = u.Host
	}
	raw = redact.URLString(raw)
	switch {
	case u.Scheme == "":
		return fmt.Errorf("limpet: URL %q has no scheme (use an absolute URL or set Options.BaseURL)", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("limpet: URL %q: unsupported scheme %q", raw, u.Scheme)
	case u.Host == "":
		return fmt.Errorf("limpet: URL %q has no host", raw)
	}
	return nil
}

// applyDefaults adds the Session's default headers and User-Agent to h
// where h does not set them, then removes keys h set with no values.
func (s *Session) applyDefaults(h http.Header) {
	for k, vs := range s.header {
		if _, set := h[k]; !set {
			h[k] = vs[:len(vs):len(vs)]
		}
	}
	if _, set := h["User-Agent"]; !set {
		h["User-Agent"] = s.userAgent[:1:1]
	}
	for k, vs := range h {
		if len(vs) == 0 && k != "User-Agent" {
			delete(h, k)
		}
	}
}

// withDefaultQuery adds the default query parameters that rawQuery lacks.
func (s *Session) withDefaultQuery(rawQuery string) string {
	if len(s.query) == 0 {
		return rawQuery
	}
	q, _ := url.ParseQuery(rawQuery)
	extra := make(url.Values)
	for k, vs := range s.query {
		if _, set := q[k]; !set {
			extra[k] = vs
		}
	}
	if len(extra) == 0 {
		return rawQuery
	}
	if rawQuery != "" {
		return rawQuery + "&" + extra.Encode()
	}
	return extra.Encode()
}

// requestOptions carries a Request's overrides to the transport layers.
type requestOptions struct {
	auth         Auth
	proxy        *url.URL
	maxRedirects int
}

type requestOptionsKey struct{}

func optionsFrom(ctx context.Context) *requestOptions {
	o, _ := ctx.Value(requestOptionsKey{}).(*requestOptions)
	return o
}

// checkRedirect enforces the redirect limit and strips credentials the
// caller set by hand when a redirect leaves the origin.
func (s *Session) checkRedirect(req *http.Request, via []*http.Request) error {
	max := s.maxRedirects
	if o := optionsFrom(req.Context()); o != nil && o.maxRedirects != 0 {
		max = o.maxRedirects
	}
	if max < 0 {
		return http.ErrUseLastResponse
	}
	if s.hopNeedsRecovery(req, via) {
		return http.ErrUseLastResponse // the Session recovers and replays from this answer
	}
	if len(via) > max {
		return fmt.Errorf("%w: stopped after %d", ErrTooManyRedirects, max)
	}
	// Like requests, send no Referer the caller did not set: Go's client
	// adds the previous URL, which may carry tokens, even to other origins.
	if _, set := via[0].Header["Referer"]; !set {
		req.Header.Del("Referer")
	}
	if crossedOrigin(req) {
		req.Header.Del("Authorization")
		req.Header.Del("Proxy-Authorization")
		req.Header.Del("Cookie")
	}
	return nil
}

// crossedOrigin reports whether any redirect hop that led to req changed
// origin in a way that must drop credentials.
func crossedOrigin(req *http.Request) bool {
	cur := req
	for cur.Response != nil && cur.Response.Request != nil {
		prev := cur.Response.Request
		if shouldStripAuth(prev.URL, cur.URL) {
			return true
		}
		cur = prev
	}
	return false
}

// shouldStripAuth follows requests' rule: credentials are dropped when the
// host changes, or the scheme or port changes, except for an upgrade from
// http to https on the default ports.
func shouldStripAuth(from, to *url.URL) bool {
	if !strings.EqualFold(from.Hostname(), to.Hostname()) {
		return true
	}
	fromPort, toPort := from.Port(), to.Port()
	if from.Scheme == "http" && (fromPort == "" || fromPort == "80") &&
		to.Scheme == "https" && (toPort == "" || toPort == "443") {
		return false
	}
	if from.Scheme == to.Scheme {
		def := defaultPort(from.Scheme)
		if (fromPort == "" || fromPort == def) && (toPort == "" || toPort == def) {
			return false
		}
	}
	return from.Scheme != to.Scheme || fromPort != toPort
}

func defaultPort(scheme string) string {
	switch scheme {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// defaultsTransport applies the Session's default headers and query
// parameters to requests built elsewhere (Client), on a copy.
type defaultsTransport struct {
	s    *Session
	next http.RoundTripper
}

func (t *defaultsTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := new(http.Request)
	*r = *req
	r.Header = req.Header.Clone()
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	t.s.applyDefaults(r.Header)
	if req.Response == nil && len(t.s.query) > 0 {
		u := *req.URL
		u.RawQuery = t.s.withDefaultQuery(u.RawQuery)
		r.URL = &u
	}
	return t.next.RoundTrip(r)
}

// authTransport adds the Session's (or the Request's) credentials to each
// request whose redirect chain has not left the first request's origin.
// The request it changes is the Session's own: built by NewRequest, copied
// by defaultsTransport, or made by http.Client for a redirect.
type authTransport struct {
	s    *Session
	next http.RoundTripper
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	auth := t.s.auth
	if o := optionsFrom(req.Context()); o != nil && o.auth != nil {
		auth = o.auth
	}
	if auth == nil || req.Header.Get("Authorization") != "" || crossedOrigin(req) {
		return t.next.RoundTrip(req)
	}
	return auth.RoundTrip(req, t.next)
}

// cookieTransport attaches the jar's cookies to each request, stores the
// cookies of each response, and runs the request and response hooks.
//
// Below authTransport, every request belongs to the Session's own stack
// (built by NewRequest, copied by defaultsTransport or DoHTTP, or made by
// http.Client for a redirect), so layers there change it in place instead
// of copying it. A layer that may send a request more than once (Digest
// authentication, retries) keeps a copy of the header from before the first
// attempt.
type cookieTransport struct {
	jar        http.CookieJar
	raw        rawCookieJar // jar as a rawCookieJar, or nil
	auth       *authState   // the Authenticator's state, or nil
	next       http.RoundTripper
	onRequest  []func(*http.Request) error
	onResponse []func(*http.Response) error
}

func (t *cookieTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	jarless := t.auth != nil && t.auth.jarless(req.Context())
	if jarless {
		if err := t.auth.attach(req, func(*http.Request) {}); err != nil {
			closeBody(req)
			return nil, err
		}
	} else if t.auth != nil {
		if err := t.auth.attach(req, t.addCookies); err != nil {
			closeBody(req)
			return nil, err
		}
	} else {
		t.addCookies(req)
	}
	for _, h := range t.onRequest {
		if err := h(req); err != nil {
			closeBody(req)
			return nil, fmt.Errorf("limpet: request hook: %w", err)
		}
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if lines := resp.Header["Set-Cookie"]; len(lines) > 0 && !jarless {
		t.auth.store(req.Context(), func() {
			if t.raw != nil {
				t.raw.SetCookieHeaders(req.URL, lines)
			} else if cs := resp.Cookies(); len(cs) > 0 {
				t.jar.SetCookies(req.URL, cs)
			}
		})
	}
	for _, h := range t.onResponse {
		if err := h(resp); err != nil {
			drain(resp.Body)
			return nil, fmt.Errorf("limpet: response hook: %w", err)
		}
	}
	return resp, nil
}

// addCookies adds the jar's cookies for req's URL to its Cookie header.
func (t *cookieTransport) addCookies(req *http.Request) {
	if t.raw != nil {
		if jarHeader := t.raw.CookieHeader(req.URL); jarHeader != "" {
			if prev := req.Header.Get("Cookie"); prev != "" {
				jarHeader = prev + "; " + jarHeader
			}
			req.Header["Cookie"] = []string{jarHeader}
		}
		return
	}
	// As http.Client does with its Jar.
	for _, c := range t.jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

func canonicalHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		out[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// dialer returns the dial function for o.
func dialer(o Options) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if o.DialContext != nil {
		return o.DialContext
	}
	timeout := o.DialTimeout
	if timeout == 0 {
		timeout = DefaultDialTimeout
	}
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return d.DialContext
}

// hopNeedsRecovery shows the Authenticator the redirect that led to req,
// when it answered the first request of a chain the Authenticator prepared:
// a redirect it reads as a need to recover, made before the request ran
// (an entry point's redirect to the login page), ends the chain there
// instead of being followed (a client that accepts only JSON may otherwise
// follow a login page's redirects to the limit). The Authenticator's own
// requests are followed as they are.
func (s *Session) hopNeedsRecovery(req *http.Request, via []*http.Request) bool {
	st := s.authn
	if st == nil || len(via) != 1 || req.Response == nil {
		return false
	}
	ss := st.stateOf(req.Context())
	if ss == nil || ss.own || ss.nested {
		return false
	}
	v := st.a.Check(via[0], &Response{Response: req.Response})
	return v.Kind != OK && v.NotExecuted
}
