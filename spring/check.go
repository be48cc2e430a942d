package spring

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/htmlform"
)

// maxPeek bounds how much of a 200 page Check reads to tell a login page.
const maxPeek = 64 << 10

// Check classifies a response (limpet.Authenticator), following
// docs/spring.md ("What happens on the wire"):
//
//   - limpet.CSRFRejected for an unsafe request refused before it ran (a
//     403; for Basic and CSRF, also a 401 or the entry point's redirect to
//     the login page, as Spring answers an anonymous caller) when it
//     carried no token, a stale one, one in a placement the server never
//     accepted, or the answer set a new CSRF cookie (also a redirect other
//     than to the login page, as invalidSessionUrl's to a missing token,
//     when the request carried no CSRF cookie: see freshCSRFCookie). A 403
//     to a token that worked before is an authorization refusal and is
//     returned as it is.
//   - limpet.SessionExpired for a 401 (after any redirects), a redirect to
//     the login page or to one of Options.ExpiredURLs, a 200 that begins
//     with one of Options.ExpiredMarkers, or a 200 page that is the login
//     form (a server-side forward).
//   - limpet.OK for a redirect to the login page with a "logout" query
//     parameter (Spring's logout success URL, /login?logout): the request
//     ended the session itself, on purpose; the next request that needs a
//     session logs in again.
//
// NotExecuted (the Session replays a POST or PATCH only then) is set only
// for answers that Spring Security's filters give before any handler runs,
// as the request's own answer (not after a redirect of the application's):
// a 401 (an AuthenticationEntryPoint), the entry point's redirect to the
// login page, which carries no query (LoginUrlAuthenticationEntryPoint,
// from ExceptionTranslationFilter), a redirect to an ExpiredURLs entry
// (SessionManagementFilter's invalidSessionUrl, ConcurrentSessionFilter's
// expiredUrl), ConcurrentSessionFilter's expiry text, the login form
// forwarded in place of the page, and a CSRF refusal (CsrfFilter runs
// before authorization). A redirect to the login page with a query
// (/login?logout, /login?error, an application's own) is not proof: a
// handler that ran and ended the session answers that way. docs/spring.md
// lists the answers and why.
//
// Check reads the start of a 200 page or text body to recognise it; the
// caller still reads the whole body.
func (a *Authenticator) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	if isInternal(req.Context()) {
		return limpet.Verdict{}
	}
	if resp == nil || resp.Response == nil {
		return limpet.Verdict{}
	}
	a.noteHost(req.URL)
	p := a.pathsFor(req.URL)
	first := resp.Response
	if len(resp.History) > 0 {
		first = resp.History[0]
	}
	hop, target := -1, loginTarget{}
	for i, r := range chain(resp) {
		if t, ok := p.loginRedirect(r); ok {
			hop, target = i, t
			break
		}
	}
	// entry: the request's own answer is a security filter's redirect,
	// made before any handler ran.
	entry := hop == 0 && target.filter

	if !safeMethod(req.Method) && !a.o.CSRF.Disabled {
		refused := first.StatusCode == http.StatusForbidden ||
			a.kind != formKind && (first.StatusCode == http.StatusUnauthorized || entry) ||
			hop != 0 && a.freshCSRFCookie(req, first)
		if refused {
			if v, ok := a.csrfVerdict(req, resp, first.StatusCode); ok {
				return v
			}
		} else if first.StatusCode < 400 && hop < 0 {
			a.confirm(req)
		}
	}
	if a.kind == csrfKind {
		return limpet.Verdict{}
	}
	if hop < 0 && a.sessionReplaced(req, first) {
		// invalidSessionUrl: SessionManagementFilter redirects a request
		// whose session the server does not know, before any handler,
		// and starts a new session for it; whether the redirect was
		// followed (a Session without redirects, as the command line's,
		// gets the redirect itself) does not matter.
		return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: true,
			Reason: fmt.Sprintf("%d to %s with a new session: the server did not know the session sent",
				first.StatusCode, first.Header.Get("Location"))}
	}
	if hop >= 0 {
		if target.logout {
			return limpet.Verdict{}
		}
		return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: entry,
			Reason: fmt.Sprintf("redirect to %s", target.where)}
	}
	if resp.StatusCode == http.StatusUnauthorized {
		final := req
		if resp.Request != nil {
			final = resp.Request
		}
		return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: len(resp.History) == 0,
			Reason: fmt.Sprintf("401 to %s %s", final.Method, final.URL.Path)}
	}
	if resp.StatusCode == http.StatusForbidden && a.o.ForbiddenEntryPoint && len(resp.History) == 0 &&
		resp.Header.Get("WWW-Authenticate") == "" {
		// Http403ForbiddenEntryPoint answers a request without a session
		// before any handler runs; an authorization refusal looks the
		// same, and Recover asks the probe which it is.
		a.mu.Lock()
		a.forbidden = true
		a.mu.Unlock()
		return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: true,
			Reason: fmt.Sprintf("403 to %s %s: the entry point answers so without a session", req.Method, req.URL.Path)}
	}
	if a.kind != formKind || resp.StatusCode != http.StatusOK {
		return limpet.Verdict{}
	}
	if m, ok := a.expiredBody(resp); ok {
		return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: len(resp.History) == 0,
			Reason: fmt.Sprintf("200 saying %q", m)}
	}
	if p.isLoginPageResponse(req, resp) {
		return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: len(resp.History) == 0,
			Reason: "200 with the login form"}
	}
	return limpet.Verdict{}
}

// chain returns the responses of an exchange, redirects first.
func chain(resp *limpet.Response) []*http.Response {
	return append(slices.Clip(resp.History), resp.Response)
}

// csrfVerdict decides whether an unsafe request refused with status was
// refused for its CSRF token.
func (a *Authenticator) csrfVerdict(req *http.Request, resp *limpet.Response, status int) (limpet.Verdict, bool) {
	newCookie := false
	for _, r := range chain(resp) {
		if a.setsCSRFCookie(r.Header) {
			newCookie = true
		}
	}
	sent := a.sentToken(req)
	cur, have := a.current(req.URL)
	a.mu.Lock()
	searchedNone := a.searched == a.epoch+1
	confirmed := have && a.confirmed == a.placementKeyLocked(cur)
	a.mu.Unlock()
	why := ""
	switch {
	case newCookie:
		why = "the server set a new CSRF cookie"
	case sent == "" && have:
		why = "no CSRF token sent"
	case sent == "" && searchedNone:
		return limpet.Verdict{}, false // no token to be found: the answer stands
	case sent == "":
		why = "no CSRF token known"
	case !have || !sameToken(sent, cur.value):
		why = "stale CSRF token"
	case !confirmed:
		a.mu.Lock()
		a.suspect = &suspect{value: cur.value, cookie: cur.fromCookie()}
		a.mu.Unlock()
		why = "CSRF token refused"
	case a.kind == csrfKind || status != http.StatusForbidden:
		return limpet.Verdict{}, false // a token that works was sent: not a CSRF refusal
	default:
		// A token that worked was refused: an authorization refusal, or
		// the CSRF filter's, because the session that held the token is
		// gone (the filter runs before the authentication check, so an
		// expired session gets a 403, not the login page). Recover asks
		// the probe which.
		a.mu.Lock()
		a.doubt = cur.value
		a.mu.Unlock()
		why = "a CSRF token that worked before was refused; the session may be gone"
	}
	return limpet.Verdict{Kind: limpet.CSRFRejected, NotExecuted: true,
		Reason: fmt.Sprintf("%d to %s %s: %s", status, req.Method, req.URL.Path, why)}, true
}

// freshCSRFCookie reports whether first, the answer to an unsafe request
// that carried no CSRF cookie, is a redirect that sets one: a
// cookie repository writes a token only when it had none and something
// loaded it, and for an unsafe request that is the CSRF filter refusing it
// (MissingCsrfTokenException), whatever the answer looks like. With an
// invalidSessionUrl, Spring answers a missing token with a redirect to that
// page (InvalidSessionAccessDeniedHandler) although the session is alive;
// following it gives a 200 that is no answer to the request.
func (a *Authenticator) freshCSRFCookie(req *http.Request, first *http.Response) bool {
	if !isRedirect(first.StatusCode) || !a.setsCSRFCookie(first.Header) {
		return false
	}
	sent := req
	if first.Request != nil {
		sent = first.Request // as sent, with the jar's cookies
	}
	for _, c := range sent.Cookies() {
		if c.Value != "" && a.isCSRFCookie(c.Name) {
			return false // the repository had a token: the new one is the application's doing
		}
	}
	return true
}

// confirm records that the server accepted the current token in its
// current placement, so that a later 403 to it is taken for what it says.
func (a *Authenticator) confirm(req *http.Request) {
	cur, have := a.current(req.URL)
	if !have {
		return
	}
	a.mu.Lock()
	key := a.placementKeyLocked(cur)
	done := a.confirmed == key
	a.mu.Unlock()
	if done {
		return
	}
	if sent := a.sentToken(req); sent != "" && sameToken(sent, cur.value) {
		a.mu.Lock()
		if a.placementKeyLocked(cur) == key {
			a.confirmed = key
		}
		a.mu.Unlock()
	}
}

// placementKeyLocked names where t is sent; a.mu is held.
func (a *Authenticator) placementKeyLocked(t token) string {
	switch {
	case t.fromCookie() && a.cookieMasked:
		return "cookie-masked"
	case t.fromCookie():
		return "cookie-raw"
	case a.pageInQuery:
		return "page-query"
	}
	return "page"
}

// expiredBody reports whether a 200 text answer begins with one of the
// ExpiredMarkers.
func (a *Authenticator) expiredBody(resp *limpet.Response) (string, bool) {
	if len(a.o.ExpiredMarkers) == 0 {
		return "", false
	}
	if ct := mediaType(resp.Header.Get("Content-Type")); ct != "" && ct != "text/plain" && ct != "text/html" {
		return "", false
	}
	n := 0
	for _, m := range a.o.ExpiredMarkers {
		n = max(n, len(m))
	}
	head := bytes.TrimLeft(peek(resp, n+16), " \t\r\n")
	for _, m := range a.o.ExpiredMarkers {
		if m != "" && bytes.HasPrefix(head, []byte(m)) {
			return m, true
		}
	}
	return "", false
}

// peek returns up to n bytes of resp's body, leaving the whole body to
// the caller (limpet.Response.Peek). A read error leaves what came before
// it.
func peek(resp *limpet.Response, n int) []byte {
	head, _ := resp.Peek(n)
	return head
}

// mediaType returns the media type of a Content-Type, lower-cased, or,
// when it does not parse, the whole value lower-cased and trimmed.
func mediaType(ct string) string {
	if !strings.Contains(ct, ";") {
		// What mime.ParseMediaType gives for a value without parameters
		// (valid or not), without its allocations: called for every
		// answer and every unsafe request.
		return strings.ToLower(strings.TrimSpace(ct))
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}

// paths are the Authenticator's configured places, resolved to paths.
type paths struct {
	login      string     // the login page's path
	loginQuery string     // the login page's query, as configured (usually none)
	process    string     // the processing URL's path
	failure    *url.URL   // the failure URL
	expired    []*url.URL // ExpiredURLs, resolved
}

// pathsFor resolves the configured places against the login page's URL,
// or, before it is known, against ref.
func (a *Authenticator) pathsFor(ref *url.URL) paths {
	a.mu.Lock()
	base, processURL, cached := a.base, a.loginURL, a.paths
	a.mu.Unlock()
	if cached != nil && cached.base == base && cached.loginURL == processURL {
		return cached.p
	}
	p := a.computePaths(ref, base, processURL)
	if base != nil {
		a.mu.Lock()
		a.paths = &pathsCache{base: base, loginURL: processURL, p: p}
		a.mu.Unlock()
	}
	return p
}

// pathsCache holds the paths computed for a login page URL and processing
// URL.
type pathsCache struct {
	base     *url.URL
	loginURL string
	p        paths
}

func (a *Authenticator) computePaths(ref, base *url.URL, processURL string) paths {
	if base == nil {
		base = ref
		if lp, err := url.Parse(a.o.LoginPage); err == nil {
			base = ref.ResolveReference(lp)
		}
	}
	res := func(s string) *url.URL {
		u, err := resolveRef(base, s)
		if err != nil {
			return &url.URL{Path: "\x00"} // matches no path
		}
		return u
	}
	p := paths{login: base.Path, loginQuery: base.RawQuery, failure: res(a.o.FailureURL)}
	switch {
	case processURL != "":
		p.process = res(processURL).Path
	case a.o.LoginURL != "":
		p.process = res(a.o.LoginURL).Path
	default:
		p.process = p.login
	}
	for _, e := range a.o.ExpiredURLs {
		p.expired = append(p.expired, res(e))
	}
	return p
}

// resolveRef resolves ref against base.
func resolveRef(base *url.URL, ref string) (*url.URL, error) {
	u, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("spring: invalid URL %q: %w", ref, err)
	}
	return base.ResolveReference(u), nil
}

// isRedirect reports whether status is a redirect that carries a Location.
func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// loginTarget is where a redirect to the login page or to an
// expired-session URL goes.
type loginTarget struct {
	path  string // its path
	where string // its path and query, for messages
	// filter: a redirect Spring Security's filters make before any
	// handler runs: the login page as LoginUrlAuthenticationEntryPoint
	// sends it (without a query), or an ExpiredURLs entry
	// (invalidSessionUrl, expiredUrl).
	filter bool
	// logout: the login page with a "logout" parameter, the logout
	// success URL (a logout, or a handler that ended the session, ran).
	logout bool
}

// loginRedirect reports whether r redirects to the login page or to an
// expired-session URL, and where.
func (p paths) loginRedirect(r *http.Response) (loginTarget, bool) {
	if r == nil || !isRedirect(r.StatusCode) {
		return loginTarget{}, false
	}
	var from *url.URL
	if r.Request != nil {
		from = r.Request.URL
	}
	return p.loginLocation(r.Header.Get("Location"), from)
}

// isLoginLocation reports whether the Location loc (resolved against from)
// is the login page or an expired-session URL; it returns its path.
func (p paths) isLoginLocation(loc string, from *url.URL) (string, bool) {
	t, ok := p.loginLocation(loc, from)
	return t.path, ok
}

// loginLocation reads a Location (resolved against from): whether it is
// the login page or an expired-session URL, and which kind of redirect
// it is. A ;jsessionid= path parameter (a servlet container's URL
// rewriting, when the session was created in the answer) is ignored.
func (p paths) loginLocation(loc string, from *url.URL) (loginTarget, bool) {
	if loc == "" {
		return loginTarget{}, false
	}
	u, err := url.Parse(loc)
	if err != nil {
		return loginTarget{}, false
	}
	if from != nil {
		u = from.ResolveReference(u)
	}
	path := withoutSessionID(u.Path)
	t := loginTarget{path: path, where: path}
	if u.RawQuery != "" {
		t.where += "?" + u.RawQuery
	}
	for _, e := range p.expired {
		if matchesFailure(&url.URL{Path: path, RawQuery: u.RawQuery}, e) {
			t.filter = true
			return t, true
		}
	}
	if path != p.login {
		return loginTarget{}, false
	}
	q := u.Query()
	_, t.logout = q["logout"]
	t.filter = u.RawQuery == p.loginQuery
	return t, true
}

// withoutSessionID removes ;jsessionid=... path parameters from a path.
func withoutSessionID(path string) string {
	for {
		i := strings.Index(strings.ToLower(path), ";jsessionid=")
		if i < 0 {
			return path
		}
		rest := path[i+1:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			path = path[:i] + rest[j:]
		} else {
			path = path[:i]
		}
	}
}

// isLoginPageResponse reports whether a 200 answer to req is the login
// form, as a server-side forward to the login page gives.
func (p paths) isLoginPageResponse(req *http.Request, resp *limpet.Response) bool {
	final := resp.Request
	if final == nil {
		final = req
	}
	if final.URL.Path == p.login || final.URL.Path == p.process {
		return false // the caller asked for the login page itself
	}
	switch mediaType(resp.Header.Get("Content-Type")) {
	case "text/html", "application/xhtml+xml":
	default:
		return false
	}
	return p.isLoginPage(peek(resp, maxPeek), final.URL)
}

// isLoginPage reports whether body holds a form with a password input that
// posts to the login processing URL (or the login page).
func (p paths) isLoginPage(body []byte, pageURL *url.URL) bool {
	if !bytes.Contains(body, []byte("assword")) && !bytes.Contains(body, []byte("ASSWORD")) {
		return false // quick: no password input can be there
	}
	pg, _ := htmlform.Parse(bytes.NewReader(body))
	if pg == nil {
		return false
	}
	for _, f := range pg.Forms {
		if _, ok := f.Password(); !ok {
			continue
		}
		action, err := f.ResolveAction(pageURL)
		if err != nil {
			continue
		}
		if action.Path == p.process || action.Path == p.login {
			return true
		}
	}
	return false
}

// noteHost remembers the origin of a checked request, to resolve paths
// before the login page's URL is known.
func (a *Authenticator) noteHost(u *url.URL) {
	a.mu.Lock()
	if a.host == nil || a.host.Host != u.Host || a.host.Scheme != u.Scheme {
		a.host = &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}
	}
	a.mu.Unlock()
}

// baseURL returns the login page's absolute URL, against which every
// configured path is resolved.
func (a *Authenticator) baseURL(s limpet.Env) (*url.URL, error) {
	a.mu.Lock()
	base, host := a.base, a.host
	a.mu.Unlock()
	if base != nil {
		return base, nil
	}
	ref, err := url.Parse(a.o.LoginPage)
	if err != nil {
		return nil, fmt.Errorf("spring: invalid LoginPage %q: %w", a.o.LoginPage, err)
	}
	var abs *url.URL
	switch {
	case ref.IsAbs():
		abs = ref
	case s != nil:
		if req, err := s.NewRequest(context.Background(), &limpet.Request{URL: a.o.LoginPage}); err == nil {
			abs = req.URL
			abs.RawQuery = ref.RawQuery // without the Session's default query
		}
	}
	if abs == nil && host != nil {
		abs = host.ResolveReference(ref)
	}
	if abs == nil {
		return nil, fmt.Errorf("spring: cannot resolve LoginPage %q: the Session has no BaseURL (use an absolute URL)", a.o.LoginPage)
	}
	abs.Fragment = ""
	a.mu.Lock()
	if a.base == nil {
		a.base = abs
	}
	base = a.base
	a.mu.Unlock()
	return base, nil
}

// sessionReplaced reports whether resp, a redirect answering req, sets a
// session cookie other than the one req carried: the server did not know
// the session req sent.
func (a *Authenticator) sessionReplaced(req *http.Request, resp *http.Response) bool {
	if !isRedirect(resp.StatusCode) {
		return false
	}
	sent := ""
	for _, c := range req.Cookies() {
		if c.Name == a.o.SessionCookie {
			sent = c.Value
		}
	}
	if sent == "" {
		return false
	}
	for _, line := range resp.Header.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == a.o.SessionCookie && c.Value != "" && c.Value != sent {
			return true
		}
	}
	return false
}
