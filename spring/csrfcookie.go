package spring

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/jar"
)

// isCSRFCookie reports whether a cookie of this name holds the CSRF token:
// the name of CSRFOptions.Cookie, or, when the options left it empty, a
// name that says so ("XSRF-TOKEN", "CSRF-TOKEN", "csrf_token", "csrftoken"
// and the like: applications rename CookieCsrfTokenRepository's cookie with
// setCookieName, other frameworks have their own), unless it is the
// session or remember-me cookie.
func (a *Authenticator) isCSRFCookie(name string) bool {
	if name == a.o.CSRF.Cookie {
		return true
	}
	if !a.guessCookie || name == a.o.SessionCookie || name == a.o.RememberMeParam {
		return false
	}
	n := strings.ToLower(name)
	return strings.Contains(n, "xsrf") || strings.Contains(n, "csrf")
}

// cookieHeader returns the header that carries the value of the CSRF
// cookie name: CSRFOptions.CookieHeader when set or when name is the
// configured cookie, else "X-" + name, the convention of Angular's and
// Axios's XSRF support that applications renaming the cookie follow
// (CSRF-TOKEN and X-CSRF-TOKEN).
func (a *Authenticator) cookieHeader(name string) string {
	if !a.guessCookieHeader || name == a.o.CSRF.Cookie {
		return a.o.CSRF.CookieHeader
	}
	h := "X-" + name
	if !validHeaderName(h) {
		return a.o.CSRF.CookieHeader
	}
	return h
}

// csrfCookie returns the name and value of the CSRF cookie the jar sends
// to u: the configured name first, then one isCSRFCookie takes; "" when
// there is none.
func (a *Authenticator) csrfCookie(cj http.CookieJar, u *url.URL) (name, value string) {
	if v := cookieValue(cj, u, a.o.CSRF.Cookie); v != "" || !a.guessCookie {
		return a.o.CSRF.Cookie, v
	}
	if cj == nil || u == nil {
		return "", ""
	}
	if j, ok := cj.(*jar.Jar); ok { // a look that leaves LastAccess alone
		for _, c := range j.CookiesFor(u) {
			if c.Value != "" && a.isCSRFCookie(c.Name) {
				return c.Name, c.Value
			}
		}
		return "", ""
	}
	for _, c := range cj.Cookies(u) {
		if c.Value != "" && a.isCSRFCookie(c.Name) {
			return c.Name, c.Value
		}
	}
	return "", ""
}

// setsCSRFCookie reports whether h sets a CSRF cookie (see isCSRFCookie)
// to a value.
func (a *Authenticator) setsCSRFCookie(h http.Header) bool {
	for _, line := range h.Values("Set-Cookie") {
		name, _, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || !a.isCSRFCookie(strings.TrimSpace(name)) {
			continue
		}
		if c, err := http.ParseSetCookie(line); err == nil && c.Value != "" && c.MaxAge >= 0 {
			return true
		}
	}
	return false
}

// DefaultCSRFEndpoint is where a token is looked for, as JSON, when no
// cookie, page or response header carries one: the endpoint Spring
// Security's reference documentation shows for clients that render no
// pages (a controller returning the CsrfToken argument), resolved against
// CSRFOptions.Page (the application's root).
const DefaultCSRFEndpoint = "csrf"

// tokenFromHeaders returns a token an answer carries in a header, as
// applications that hand the token to scripts on every response do
// (response.setHeader(token.getHeaderName(), token.getToken())): a header
// named like CSRFOptions.Header or CSRFOptions.CookieHeader, or another
// whose name says it is a CSRF token (X-CSRF-TOKEN, X-XSRF-TOKEN,
// CSRF-Token). The token goes back in the header it came in.
func (a *Authenticator) tokenFromHeaders(h http.Header) (token, bool) {
	try := func(name string) (token, bool) {
		v := strings.TrimSpace(h.Get(name))
		if v == "" || strings.ContainsAny(v, " ,;\"") || !validHeaderName(name) {
			return token{}, false
		}
		return token{value: v, header: http.CanonicalHeaderKey(name), param: a.o.CSRF.Param, source: "header:" + name}, true
	}
	for _, name := range []string{a.o.CSRF.Header, a.o.CSRF.CookieHeader} {
		if t, ok := try(name); ok {
			return t, true
		}
	}
	for name := range h {
		n := strings.ToLower(name)
		if (strings.Contains(n, "csrf") || strings.Contains(n, "xsrf")) && strings.HasSuffix(n, "token") {
			if t, ok := try(name); ok {
				return t, true
			}
		}
	}
	return token{}, false
}

// endpointURL returns the endpoint searched for a token:
// CSRFOptions.Endpoint, else DefaultCSRFEndpoint under CSRFOptions.Page.
func (a *Authenticator) endpointURL(base *url.URL) (*url.URL, error) {
	if a.o.CSRF.Endpoint != "" {
		return resolveRef(base, a.o.CSRF.Endpoint)
	}
	root, err := resolveRef(base, a.o.CSRF.Page)
	if err != nil {
		return nil, err
	}
	return resolveRef(root, DefaultCSRFEndpoint)
}

// loginToken looks for a token for a login POST whose page (pg, the
// answer to the GET of the login page or URL) shows none and for which the
// jar holds no CSRF cookie: in pg's headers, then at the endpoint (see
// endpointURL). An application whose login needs a token and that renders
// no page hands it out one of these ways; the login then needs one POST,
// so that a wrong password is sent once. ioMu is held.
func (a *Authenticator) loginToken(ctx context.Context, s limpet.Env, base *url.URL, pg *page) (token, bool, error) {
	if a.o.CSRF.Disabled {
		return token{}, false, nil
	}
	if t, ok := a.tokenFromHeaders(pg.header); ok {
		return t, true, nil
	}
	u, err := a.endpointURL(base)
	if err != nil {
		return token{}, false, err
	}
	return a.fetchEndpoint(ctx, s, u)
}

// recoverForbidden recovers from a 403 that Check took for an expiry
// (Options.ForbiddenEntryPoint): the probe tells whether the session is
// gone; if it is, a new login; if not, the 403 was an authorization
// refusal and stands. ioMu is held.
func (a *Authenticator) recoverForbidden(ctx context.Context, s limpet.Env, v limpet.Verdict) error {
	base, err := a.baseURL(s)
	if err != nil {
		return err
	}
	pr, err := a.probe(ctx, s, base)
	if err != nil {
		return err
	}
	if pr.ok {
		return fmt.Errorf("spring: %s, with the session alive: an authorization refusal (%w)", v.Reason, limpet.ErrAnswerStands)
	}
	return a.login(ctx, s, true)
}

// badCredentialsTexts are what login failure answers say, lower case:
// Spring's BadCredentialsException message and the usual wordings of
// applications' own failure handlers.
var badCredentialsTexts = []string{"bad credentials", "invalid credentials", "invalid username or password",
	"invalid user name or password", "wrong password", "incorrect password", "incorrect username or password",
	"invalid password", "authentication failed", "login failed"}

// saysBadCredentials reports whether the body of an answer to a login POST
// says the credentials were wrong: a failure handler answering 403 (or
// another status) says so, while the CSRF filter's refusal never does.
func saysBadCredentials(body []byte) bool {
	if len(body) > 4096 {
		body = body[:4096]
	}
	b := strings.ToLower(string(body))
	for _, t := range badCredentialsTexts {
		if strings.Contains(b, t) {
			return true
		}
	}
	return false
}
