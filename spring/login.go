package spring

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/htmlform"
	"github.com/limpet-http/limpet/jar"
)

// loginOutcome is what the answer to a login POST says (docs/spring.md,
// "What happens on the wire"), before the probe confirms a success.
type loginOutcome int

const (
	loginSucceeded  loginOutcome = iota // a redirect elsewhere, or a 200 that is not the login page
	loginFailed                         // the failure URL, a 200 login page, a 401 without a challenge
	loginRejected                       // rejected before authentication: a 403, a challenge, the login page
	loginUnexpected                     // anything else
)

func (o loginOutcome) String() string {
	switch o {
	case loginSucceeded:
		return "succeeded"
	case loginFailed:
		return "failed"
	case loginRejected:
		return "rejected"
	}
	return "unexpected"
}

// classifyLogin reads the answer to a login POST sent without following
// redirects: its status, Location, WWW-Authenticate, and whether its body
// is the login form again. reqURL is the POST's URL. It also returns the
// resolved redirect target, if any.
func classifyLogin(status int, location, challenge string, reqURL *url.URL, p paths, loginPage bool) (loginOutcome, *url.URL) {
	switch {
	case isRedirect(status):
		if location == "" {
			return loginUnexpected, nil
		}
		ref, err := url.Parse(location)
		if err != nil {
			return loginUnexpected, nil
		}
		loc := reqURL.ResolveReference(ref)
		if matchesFailure(loc, p.failure) {
			return loginFailed, loc
		}
		if _, ok := p.isLoginLocation(loc.String(), nil); ok {
			if loc.RawQuery != "" {
				// The entry point sends an anonymous caller to the page
				// itself; a failure handler adds a query (?error,
				// ?failed, an application's own).
				return loginFailed, loc
			}
			return loginRejected, loc
		}
		if failureQuery(loc) {
			return loginFailed, loc
		}
		return loginSucceeded, loc
	case status/100 == 2:
		if loginPage {
			return loginFailed, nil // a forward back to the form
		}
		return loginSucceeded, nil
	case status == http.StatusUnauthorized:
		if challenge != "" {
			return loginRejected, nil // an entry point answered an anonymous caller
		}
		return loginFailed, nil // a failure handler without a URL
	case status == http.StatusForbidden:
		return loginRejected, nil
	}
	return loginUnexpected, nil
}

// failureQuery reports whether loc's query says a login failed, as the
// failure URLs of most frameworks and applications do (?error, ?failed,
// ?login_error=1, ...).
func failureQuery(loc *url.URL) bool {
	for k := range loc.Query() {
		k = strings.ToLower(k)
		for _, w := range []string{"error", "fail", "invalid", "denied"} {
			if strings.Contains(k, w) {
				return true
			}
		}
	}
	return false
}

// matchesFailure reports whether loc is the failure URL: the same path, and
// every query parameter of the failure URL present (with its value, if it
// has one).
func matchesFailure(loc, failure *url.URL) bool {
	if failure == nil || loc.Path != failure.Path {
		return false
	}
	got := loc.Query()
	for k, vs := range failure.Query() {
		g, ok := got[k]
		if !ok {
			return false
		}
		for _, v := range vs {
			if v != "" && !containsString(g, v) {
				return false
			}
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// resetCSRF forgets the CSRF state before a login or after a logout: the
// server replaces its token then. It returns the new epoch.
func (a *Authenticator) resetCSRF() uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.epoch++
	a.tok, a.searched, a.suspect = token{}, 0, nil
	a.updated = time.Now()
	return a.epoch
}

// setToken records t as found at epoch, unless the epoch moved on.
func (a *Authenticator) setToken(t token, epoch uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.epoch == epoch {
		a.tok, a.updated = t, time.Now()
	}
}

// formLogin logs in with the login form; ioMu is held.
//
// A fresh login (a recovery, when the server no longer knows the session)
// drops the session cookie first, so that the login page starts a server
// session of its own: requests still in flight with the old cookie make
// the container create sessions too (a 401 saves the request in one), and
// their CSRF tokens must not mix with the login's. (The Session keeps the
// cookies of their answers out of the jar meanwhile, and holds new
// requests back: see limpet.Authenticator.) A login that is not
// fresh keeps the session, which a concurrent-session limit
// (maxSessionsPreventsLogin) counts as the user's own.
func (a *Authenticator) formLogin(ctx context.Context, s limpet.Env, fresh bool) error {
	if _, err := a.credentials(ctx); err != nil {
		return err
	}
	base, err := a.baseURL(s)
	if err != nil {
		return err
	}
	a.resetCSRF()
	if fresh {
		a.dropSessionCookie(s, base)
	}
	hint := ""
	var prevCookie string // the cookie token sent with the first attempt
	var prevMasked bool
	for attempt := 1; ; attempt++ {
		if attempt > 1 && fresh {
			a.dropSessionCookie(s, base)
		}
		pg, err := a.fetchPage(ctx, s, base, acceptHTML)
		if err != nil {
			return err
		}
		if h := secureCookieHint(s.Jar(), pg); h != "" {
			hint = h
		}
		var parsed *htmlform.Page
		var form *htmlform.Form
		if pg.status/100 == 2 {
			parsed, _ = htmlform.Parse(bytes.NewReader(pg.body))
			if parsed != nil {
				if f, ok := parsed.LoginForm(); ok {
					form = &f
				}
			}
		}
		target, values, err := a.loginForm(pg.url, form)
		if err != nil {
			return err
		}
		header := http.Header{"Accept": {acceptHTML}}
		cookieTok, masked, witnessed, otherTok := "", false, false, false
		pageTok, hasPageTok := tokenFromPage(orEmpty(parsed), a.o.CSRF.Header, a.o.CSRF.Param)
		name, v := "", ""
		var other token
		if !hasPageTok && !a.o.CSRF.Disabled {
			name, v = a.csrfCookie(s.Jar(), target)
			if v == "" && attempt == 1 {
				// A token the application hands out (a response header, its
				// /csrf endpoint), else the one its CSRF filter sets with a
				// refusal.
				t, ok, err := a.loginToken(ctx, s, base, pg)
				if err != nil {
					return err
				}
				if ok {
					other, otherTok = t, true
				} else {
					var pr primed
					if pr, err = a.primeCSRF(ctx, s, base, target); err != nil {
						return err
					}
					name, v, masked, witnessed = pr.name, pr.value, pr.masked, pr.witnessed
				}
			} else if v != "" {
				a.mu.Lock()
				masked = a.cookieMasked
				a.mu.Unlock()
			}
		}
		if hasPageTok && !a.o.CSRF.Disabled {
			if a.o.LoginJSON {
				header.Set(pageTok.header, pageTok.value) // the CSRF filter reads no JSON body
			} else {
				values.Set(pageTok.param, pageTok.value) // a page's token in the form works with every handler
			}
		} else if v != "" {
			if attempt > 1 && v == prevCookie {
				masked = !prevMasked // the same token was refused: try the other form
			}
			cookieTok = v
			sendV := v
			if masked {
				sendV = MaskCSRF(v)
			}
			header.Set(a.cookieHeader(name), sendV)
		} else if otherTok {
			header.Set(other.header, other.value) // a header works with every body and handler
		}
		a.mu.Lock()
		a.loginURL = target.String()
		a.mu.Unlock()
		var reqBody limpet.Body = limpet.Form(values)
		if a.o.LoginJSON {
			m := make(map[string]string, len(values))
			for k := range values {
				m[k] = values.Get(k)
			}
			reqBody = limpet.JSON(m)
		}
		resp, err := s.Send(ctx, &limpet.Request{Method: http.MethodPost, URL: target.String(), Header: header,
			Body: reqBody, MaxRedirects: limpet.NoRedirects})
		if err != nil {
			return fmt.Errorf("spring: login POST %s: %w", target.Path, err)
		}
		body, err := readLimited(resp.Body, htmlform.MaxSize)
		if err != nil {
			return fmt.Errorf("spring: login POST %s: reading the answer: %w", target.Path, err)
		}
		p := a.pathsFor(base)
		isForm := resp.StatusCode/100 == 2 && p.isLoginPage(body, target)
		out, loc := classifyLogin(resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("WWW-Authenticate"),
			target, p, isForm)
		sentToken := cookieTok != "" || otherTok || header.Get(a.o.CSRF.Header) != "" || values.Get(a.o.CSRF.Param) != ""
		if out != loginRejected && !sentToken && !a.o.CSRF.Disabled && a.setsCSRFCookie(resp.Header) {
			// Sent without a token, answered with a CSRF cookie to use: the
			// CSRF filter refused it (a cookie repository sends its token
			// with the first refusal; a login it let through clears the
			// cookie instead), whatever the status looks like: a 401, a
			// redirect to invalidSessionUrl.
			out = loginRejected
		}
		if out == loginRejected && resp.StatusCode == http.StatusForbidden && saysBadCredentials(body) {
			// A failure handler answering 403, as some REST back ends do:
			// the body says why, and a CSRF refusal never says that.
			out = loginFailed
		}
		a.mu.Lock()
		learned := a.cookieLearned
		a.mu.Unlock()
		if out == loginFailed && resp.StatusCode == http.StatusUnauthorized && cookieTok != "" && !learned && !witnessed &&
			len(bytes.TrimSpace(body)) == 0 && resp.Header.Get("WWW-Authenticate") == "" {
			// A bare 401 to a cookie token in a form not yet known to work
			// is an entry point's answer to a CSRF refusal (a failure
			// handler says why); the other form is tried once.
			out = loginRejected
		}
		lerr := &LoginError{Pkg: "spring", User: a.userName(), URL: target.String(), Status: resp.StatusCode}
		if loc != nil {
			lerr.Location = loc.Path
			if loc.RawQuery != "" {
				lerr.Location += "?" + loc.RawQuery
			}
		}
		switch out {
		case loginSucceeded:
			a.mu.Lock()
			if cookieTok != "" {
				a.cookieMasked, a.cookieLearned = masked, true
			}
			a.noLoginToken = !sentToken
			a.mu.Unlock()
			return a.confirmLogin(ctx, s, base, hint)
		case loginFailed:
			return a.loginFailure(ctx, s, lerr, loc, body)
		case loginRejected:
			if attempt == 1 || attempt == 2 && cookieTok != "" && cookieTok != prevCookie {
				// A stale or missing token: fetch the page (and a token)
				// once more; a cookie's token refused in one form is
				// tried once in the other.
				prevCookie, prevMasked = cookieTok, masked
				continue
			}
			lerr.Reason = ErrCSRFRejected
			lerr.Detail = "rejected before authentication twice, the second time with a fresh token"
			if resp.StatusCode == http.StatusUnauthorized {
				lerr.Reason = ErrBadCredentials
				lerr.Detail = "401 twice, the second time with a fresh CSRF token"
			}
		default:
			lerr.Reason = ErrUnexpectedResponse
		}
		if hint != "" {
			lerr.Reason, lerr.Detail = ErrSessionNotEstablished, hint
		}
		return lerr
	}
}

// primed is what primeCSRF found.
type primed struct {
	name      string // the CSRF cookie's name
	value     string // the CSRF cookie's value; "" when the server set none
	masked    bool   // send value masked
	witnessed bool   // the server accepted value in the form masked says (not a guess)
}

// primeCSRF gets the token of a cookie repository before a login that has
// none to send, without sending the credentials, so that the one login
// POST carries the password with a token the server takes. ioMu is held.
//
// Spring Security's CookieCsrfTokenRepository defers its token: a page
// that renders no token leaves it unwritten, and the CsrfFilter writes the
// cookie only when it loads the token to check an unsafe request, which it
// then refuses for carrying none. A PUT to the login URL without a body is
// such a request; it never authenticates (login filters take POSTs only)
// and, when nothing refuses it, nothing is written and the login needs no
// token. A server whose last login here needed none is not asked again.
//
// Which form of the token the server's request handler takes (raw for the
// plain and single-page-application handlers, masked for the XOR one, the
// default) is told by the filter right behind the CsrfFilter, the
// LogoutFilter: a POST to LogoutURL with the raw token in the header that
// passes the CsrfFilter runs CsrfLogoutHandler, which clears the cookie.
// Without credentials that logout ends nothing but the anonymous session
// of the login page (dropped with it); a cleared cookie is fetched again.
// An answer that clears nothing (a refusal, or no LogoutFilter there)
// leaves the masked form to try first, and the raw one after a refusal.
// The form is asked only until a login taught it (it is saved with the
// session).
func (a *Authenticator) primeCSRF(ctx context.Context, s limpet.Env, base, target *url.URL) (primed, error) {
	a.mu.Lock()
	skip, learned, masked := a.noLoginToken, a.cookieLearned, a.cookieMasked
	a.mu.Unlock()
	if skip {
		return primed{}, nil
	}
	name, v, err := a.unsafeWithoutToken(ctx, s, target)
	if err != nil || v == "" {
		return primed{}, err
	}
	if learned {
		return primed{name: name, value: v, masked: masked, witnessed: true}, nil
	}
	u, err := resolveRef(base, a.o.LogoutURL)
	if err != nil {
		return primed{}, err
	}
	resp, err := s.Send(ctx, &limpet.Request{Method: http.MethodPost, URL: u.String(),
		Header: http.Header{"Accept": {acceptProbe}, a.cookieHeader(name): {v}}, MaxRedirects: limpet.NoRedirects})
	if err != nil {
		return primed{}, fmt.Errorf("spring: POST %s (which CSRF token form the server takes): %w", u.Path, err)
	}
	resp.Close()
	if !clearsCookie(resp.Header, name) {
		return primed{name: name, value: v, masked: true}, nil
	}
	a.dropSessionCookie(s, base)
	if name, v, err = a.unsafeWithoutToken(ctx, s, target); err != nil || v == "" {
		return primed{}, err
	}
	return primed{name: name, value: v, witnessed: true}, nil
}

// unsafeWithoutToken sends a PUT without a body or a token to u, and
// returns the name and value of the CSRF cookie the jar then holds for u,
// if any.
// It says it is a script's request, with JSON accepted: Spring's request
// cache saves neither (with CSRF off, it saves any refused request), so a
// refusal does not become where the login sends the client afterwards.
func (a *Authenticator) unsafeWithoutToken(ctx context.Context, s limpet.Env, u *url.URL) (string, string, error) {
	resp, err := s.Send(ctx, &limpet.Request{Method: http.MethodPut, URL: u.String(),
		Header:       http.Header{"Accept": {acceptJSON}, "X-Requested-With": {"XMLHttpRequest"}},
		MaxRedirects: limpet.NoRedirects})
	if err != nil {
		return "", "", fmt.Errorf("spring: PUT %s (for a CSRF cookie): %w", u.Path, err)
	}
	resp.Close()
	name, v := a.csrfCookie(s.Jar(), u)
	return name, v, nil
}

// clearsCookie reports whether h deletes the cookie name (an empty value
// or an expiry in the past).
func clearsCookie(h http.Header, name string) bool {
	for _, line := range h.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == name && (c.Value == "" || c.MaxAge < 0) {
			return true
		}
	}
	return false
}

func orEmpty(p *htmlform.Page) *htmlform.Page {
	if p == nil {
		return &htmlform.Page{}
	}
	return p
}

// dropSessionCookie removes the session cookie the jar of s sends to u.
func (a *Authenticator) dropSessionCookie(s limpet.Env, u *url.URL) {
	if j, ok := s.Jar().(*jar.Jar); ok {
		for _, c := range j.CookiesFor(u) {
			if c.Name == a.o.SessionCookie {
				j.Delete(c.Key())
			}
		}
		return
	}
	if cj := s.Jar(); cj != nil {
		cj.SetCookies(&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"},
			[]*http.Cookie{{Name: a.o.SessionCookie, Path: "/", MaxAge: -1}})
	}
}

// loginForm returns where to post the credentials and the fields to post:
// the login form's fields (hidden inputs included), the credentials, the
// remember-me field and Options.Params.
func (a *Authenticator) loginForm(pageURL *url.URL, form *htmlform.Form) (*url.URL, url.Values, error) {
	values := url.Values{}
	userParam, passParam := a.o.UsernameParam, a.o.PasswordParam
	var target *url.URL
	if a.o.LoginURL != "" {
		u, err := resolveRef(pageURL, a.o.LoginURL)
		if err != nil {
			return nil, nil, err
		}
		target = u
	}
	if form != nil {
		values = form.Values()
		if target == nil {
			u, err := form.ResolveAction(pageURL)
			if err != nil {
				return nil, nil, fmt.Errorf("spring: login form: %w", err)
			}
			target = u
		}
		if userParam == "" {
			userParam, _ = form.UserField()
		}
		if passParam == "" {
			if in, ok := form.Password(); ok {
				passParam = in.Name
			}
		}
	}
	if target == nil {
		target = pageURL
	}
	if userParam == "" {
		userParam = DefaultUsernameParam
	}
	if passParam == "" {
		passParam = DefaultPasswordParam
	}
	c := a.cred.Load()
	if c == nil {
		c = &cred{}
	}
	values.Set(userParam, c.user)
	values.Set(passParam, c.password)
	if a.o.RememberMe {
		values.Set(a.o.RememberMeParam, "on")
	}
	for k, vs := range a.o.Params {
		values[k] = append([]string(nil), vs...)
	}
	a.mu.Lock()
	a.userParam, a.passParam = userParam, passParam
	a.mu.Unlock()
	return target, values, nil
}

// loginFailure builds the error for a login sent to the failure URL: bad
// credentials, or a refusal when the failure page names a concurrent-session
// limit or these credentials logged in before.
func (a *Authenticator) loginFailure(ctx context.Context, s limpet.Env, lerr *LoginError, loc *url.URL, body []byte) error {
	lerr.Reason = ErrBadCredentials
	lerr.Detail = "Spring sends a wrong password, a locked or disabled account and a concurrent-session limit to the same failure page"
	if loc != nil && len(a.o.RefusedMarkers) > 0 {
		body = nil
		if pg, err := a.fetchPage(ctx, s, loc, acceptHTML); err == nil && pg.status/100 == 2 {
			body = pg.body
		}
	}
	for _, m := range a.o.RefusedMarkers {
		if m != "" && bytes.Contains(body, []byte(m)) {
			lerr.Reason = ErrLoginRefused
			lerr.Detail = fmt.Sprintf("the failure page says %q", m)
			return lerr
		}
	}
	a.mu.Lock()
	before := a.loggedIn
	a.mu.Unlock()
	if before {
		lerr.Reason = ErrLoginRefused
		lerr.Detail = "these credentials logged in before: another session of the user may hold a concurrent-session " +
			"limit (maxSessionsPreventsLogin) until it logs out or expires, or the account was locked or its password changed"
	}
	return lerr
}

// confirmLogin runs the probe after a login the server accepted, and
// takes the new CSRF token from its answer when it shows one.
func (a *Authenticator) confirmLogin(ctx context.Context, s limpet.Env, base *url.URL, hint string) error {
	epoch := a.resetCSRF()
	pr, err := a.probe(ctx, s, base)
	if err != nil {
		return err
	}
	if !pr.ok {
		lerr := &LoginError{Pkg: "spring", Reason: ErrSessionNotEstablished, User: a.userName(), URL: pr.urlString(), Status: pr.status, Location: pr.location,
			Detail: "the probe " + pr.path + " " + pr.why + " right after the login: the server keeps no session " +
				"(SessionCreationPolicy.STATELESS?), or the session cookie is not sent back"}
		if hint != "" {
			lerr.Detail = hint
		}
		return lerr
	}
	a.mu.Lock()
	a.loggedIn, a.loginUpdated = true, time.Now()
	a.mu.Unlock()
	a.harvest(s, pr, epoch)
	return nil
}

// basicLogin checks the Basic credentials against the probe; ioMu is held.
func (a *Authenticator) basicLogin(ctx context.Context, s limpet.Env) error {
	base, err := a.baseURL(s)
	if err != nil {
		return err
	}
	a.mu.Lock()
	epoch := a.epoch
	a.mu.Unlock()
	pr, err := a.probe(ctx, s, base)
	if err != nil {
		return err
	}
	if !pr.ok {
		lerr := &LoginError{Pkg: "spring", Reason: ErrBadCredentials, User: a.userName(), URL: pr.urlString(), Status: pr.status, Location: pr.location}
		if pr.status != http.StatusUnauthorized {
			lerr.Reason = ErrUnexpectedResponse
			lerr.Detail = "the probe " + pr.path + " " + pr.why + " with HTTP Basic credentials (is httpBasic enabled?)"
		}
		return lerr
	}
	a.mu.Lock()
	a.loggedIn, a.loginUpdated = true, time.Now()
	a.mu.Unlock()
	a.harvest(s, pr, epoch)
	return nil
}

// probeResult is the answer to the probe.
type probeResult struct {
	ok       bool
	path     string // the probe's path, for messages
	status   int
	location string // where it was sent to the login page, if it was
	why      string // why it does not prove a login
	url      *url.URL
	html     bool
	body     []byte
}

// urlString returns the probe's URL, or "".
func (pr probeResult) urlString() string {
	if pr.url == nil {
		return ""
	}
	return pr.url.String()
}

// probe GETs Options.Probe, following redirects, and tells whether the
// answer proves an authenticated session.
func (a *Authenticator) probe(ctx context.Context, s limpet.Env, base *url.URL) (probeResult, error) {
	u, err := resolveRef(base, a.o.Probe)
	if err != nil {
		return probeResult{}, err
	}
	pr := probeResult{path: u.Path}
	resp, err := s.Send(ctx, &limpet.Request{Method: http.MethodGet, URL: u.String(),
		Header: a.withCredentials(http.Header{"Accept": {acceptProbe}}), MaxRedirects: limpet.DefaultMaxRedirects})
	if err != nil {
		return pr, fmt.Errorf("spring: probe GET %s: %w", u.Path, err)
	}
	p := a.pathsFor(base)
	pr.status, pr.url = resp.StatusCode, resp.Request.URL
	for _, r := range chain(resp) {
		if t, ok := p.loginRedirect(r); ok {
			resp.Close()
			pr.status, pr.location, pr.why = r.StatusCode, t.path, "was redirected to "+t.path
			return pr, nil
		}
	}
	if resp.StatusCode/100 != 2 {
		resp.Close()
		pr.why = fmt.Sprintf("answered %d", resp.StatusCode)
		return pr, nil
	}
	if m, ok := a.expiredBody(resp); ok {
		resp.Close()
		pr.why = fmt.Sprintf("answered %q", m)
		return pr, nil
	}
	body, err := readLimited(resp.Body, htmlform.MaxSize)
	if err != nil {
		return pr, fmt.Errorf("spring: probe GET %s: reading the answer: %w", u.Path, err)
	}
	ct := mediaType(resp.Header.Get("Content-Type"))
	pr.html = ct == "text/html" || ct == "application/xhtml+xml"
	if pr.html && pr.url.Path != p.login && p.isLoginPage(body, pr.url) {
		pr.why = "answered with the login form"
		return pr, nil
	}
	pr.ok, pr.body = true, body
	return pr, nil
}

// harvest takes the CSRF token from the probe's answer, if it has one.
func (a *Authenticator) harvest(s limpet.Env, pr probeResult, epoch uint64) {
	if a.o.CSRF.Disabled {
		return
	}
	if name, v := a.csrfCookie(s.Jar(), pr.url); v != "" {
		a.setToken(a.cookieToken(name, v), epoch)
		return
	}
	if pr.html {
		if t, ok := a.tokenFromHTML(pr.body); ok {
			a.setToken(t, epoch)
		}
	}
}

// secureCookieHint explains a session that cannot work: the server set a
// Secure cookie over plain http that the jar will not send back.
func secureCookieHint(jar http.CookieJar, pg *page) string {
	if pg.url == nil || pg.url.Scheme != "http" {
		return ""
	}
	for _, line := range pg.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil || !c.Secure || c.Value == "" || c.MaxAge < 0 {
			continue
		}
		if cookieValue(jar, pg.url, c.Name) == "" {
			return fmt.Sprintf("the server sets the cookie %s with the Secure attribute over plain http, and the "+
				"cookie jar does not send it back over http: use https, or limpet's own jar, which treats loopback "+
				"hosts as secure", c.Name)
		}
	}
	return ""
}
