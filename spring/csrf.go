package spring

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/htmlform"
	"github.com/limpet-http/limpet/jar"
)

// Accept headers of the Authenticator's own requests.
const (
	acceptHTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
	acceptJSON = "application/json"
	// acceptProbe takes anything. Spring Boot answers it, from an
	// unauthenticated caller, with a 401 where HTTP Basic is on and with
	// a redirect to the login page where only form login is; a "*/*"
	// with a q-value or beside another type would select the redirect.
	acceptProbe = "*/*"
)

// maxFormBody is the largest url-encoded body a token is added to; a larger
// one gets the token in a header.
const maxFormBody = 8 << 20

// discover looks for a CSRF token: the endpoint (if configured), the CSRF
// cookie, CSRFOptions.Page, then the login page, stopping at the first
// that has one. It records what it found (or that it found nothing) and
// reports whether the pages showed that the session is gone (a 401 or a
// redirect to the login page). ioMu is held.
func (a *Authenticator) discover(ctx context.Context, s limpet.Env) (t token, found, gone bool, err error) {
	base, err := a.baseURL(s)
	if err != nil {
		return token{}, false, false, err
	}
	a.mu.Lock()
	epoch := a.epoch
	a.mu.Unlock()
	record := func(t token, found bool) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.epoch != epoch {
			return
		}
		a.updated = time.Now()
		if !found {
			a.tok, a.searched = token{}, epoch+1
			return
		}
		a.tok = t // for a cookie, current reads the jar; this copy is for the store
	}
	fromJar := func() (token, bool) {
		if name, v := a.csrfCookie(s.Jar(), base); v != "" {
			return a.cookieToken(name, v), true
		}
		return token{}, false
	}

	// fromEndpoint asks the CSRF endpoint at u (resolved with err) for
	// the token.
	fromEndpoint := func(u *url.URL, err error) (token, bool, error) {
		if err != nil {
			return token{}, false, err
		}
		t, ok, err := a.fetchEndpoint(ctx, s, u)
		if err != nil || !ok {
			return token{}, false, err
		}
		record(t, true)
		return t, true, nil
	}

	if a.o.CSRF.Endpoint != "" {
		if t, ok, err := fromEndpoint(resolveRef(base, a.o.CSRF.Endpoint)); err != nil || ok {
			return t, ok, false, err
		}
	}
	if t, ok := fromJar(); ok {
		record(t, true)
		return t, true, false, nil
	}
	p := a.pathsFor(base)
	pages := []string{a.o.CSRF.Page}
	if a.o.LoginPage != a.o.CSRF.Page {
		pages = append(pages, a.o.LoginPage)
	}
	for i, ref := range pages {
		u, err := resolveRef(base, ref)
		if err != nil {
			return token{}, false, false, err
		}
		pg, err := a.fetchPage(ctx, s, u, acceptHTML)
		if err != nil {
			return token{}, false, false, err
		}
		if t, ok := fromJar(); ok {
			record(t, true)
			return t, true, false, nil
		}
		if pg.status/100 == 2 {
			if t, ok := a.tokenFromHTML(pg.body); ok {
				record(t, true)
				return t, true, false, nil
			}
		}
		if t, ok := a.tokenFromHeaders(pg.header); ok {
			record(t, true)
			return t, true, false, nil
		}
		if i == 0 && a.kind != csrfKind && (pg.status == http.StatusUnauthorized || isRedirect(pg.status) && loginLoc(p, pg) ||
			a.o.ForbiddenEntryPoint && pg.status == http.StatusForbidden) {
			// The landing page wants a login: the session is gone, and a
			// token from the login page would be the anonymous one's.
			gone = true
			break
		}
	}
	if !gone && a.o.CSRF.Endpoint == "" {
		if t, ok, err := fromEndpoint(a.endpointURL(base)); err != nil || ok {
			return t, ok, false, err
		}
	}
	record(token{}, false)
	return token{}, false, gone, nil
}

// recoverCSRF fetches a fresh token after a rejection (see refreshCSRF),
// and logs in again when the pages show the session is gone. ioMu is held.
func (a *Authenticator) recoverCSRF(ctx context.Context, s limpet.Env) error {
	a.mu.Lock()
	doubt := a.doubt
	a.doubt = ""
	a.mu.Unlock()
	if doubt != "" {
		base, err := a.baseURL(s)
		if err != nil {
			return err
		}
		pr, err := a.probe(ctx, s, base)
		if err != nil {
			return err
		}
		if !pr.ok {
			return a.login(ctx, s, true) // the session is gone: a new one, and its token
		}
		if _, err := a.refreshCSRF(ctx, s); err != nil {
			return err
		}
		if cur, ok := a.current(base); ok && !sameToken(cur.value, doubt) {
			return nil // the token changed (it died with a server session): the replay takes the new one
		}
		return fmt.Errorf("spring: a 403 to a CSRF token that is still the server's, with the session alive (%w)", limpet.ErrAnswerStands)
	}
	gone, err := a.refreshCSRF(ctx, s)
	if err != nil || !gone {
		return err
	}
	return a.login(ctx, s, true)
}

// refreshCSRF forgets the page token and looks for a token again; when the
// server refused the token it still holds, it switches to the other
// placement (a cookie's value masked or raw, a page's token in the header
// or the query). It reports whether the pages show the session is gone.
// ioMu is held.
func (a *Authenticator) refreshCSRF(ctx context.Context, s limpet.Env) (bool, error) {
	a.mu.Lock()
	sus := a.suspect
	a.suspect, a.tok, a.searched = nil, token{}, 0
	a.mu.Unlock()
	t, found, gone, err := a.discover(ctx, s)
	if err != nil || gone {
		return gone, err
	}
	if found && sus != nil && sus.cookie == t.fromCookie() && sameToken(sus.value, t.value) {
		a.mu.Lock()
		if t.fromCookie() {
			a.cookieMasked, a.cookieLearned = !a.cookieMasked, true
		} else {
			a.pageInQuery = !a.pageInQuery
		}
		a.confirmed = ""
		a.updated = time.Now()
		a.loginUpdated = a.updated // the placement is saved with the recipe
		a.mu.Unlock()
	}
	return false, nil
}

// loginLoc reports whether pg redirects to the login page.
func loginLoc(p paths, pg *page) bool {
	_, ok := p.isLoginLocation(pg.location, pg.url)
	return ok
}

// page is an answer to one of the Authenticator's GETs.
type page struct {
	url      *url.URL
	status   int
	location string // the Location header, as sent
	header   http.Header
	body     []byte
}

// fetchPage GETs u without following redirects and reads the body.
func (a *Authenticator) fetchPage(ctx context.Context, s limpet.Env, u *url.URL, accept string) (*page, error) {
	resp, err := s.Send(ctx, &limpet.Request{Method: http.MethodGet, URL: u.String(),
		Header: a.withCredentials(http.Header{"Accept": {accept}}), MaxRedirects: limpet.NoRedirects})
	if err != nil {
		return nil, fmt.Errorf("spring: GET %s: %w", u.Path, err)
	}
	body, err := readLimited(resp.Body, htmlform.MaxSize)
	if err != nil {
		return nil, fmt.Errorf("spring: GET %s: reading the answer: %w", u.Path, err)
	}
	return &page{url: resp.Request.URL, status: resp.StatusCode, location: resp.Header.Get("Location"),
		header: resp.Header, body: body}, nil
}

// fetchEndpoint reads a token from a JSON endpoint.
func (a *Authenticator) fetchEndpoint(ctx context.Context, s limpet.Env, u *url.URL) (token, bool, error) {
	pg, err := a.fetchPage(ctx, s, u, acceptJSON)
	if err != nil {
		return token{}, false, err
	}
	if pg.status/100 != 2 {
		return token{}, false, nil
	}
	t, err := parseTokenJSON(pg.body)
	if err != nil {
		return token{}, false, nil
	}
	if t.header == "" {
		t.header = a.o.CSRF.Header
	}
	if t.param == "" {
		t.param = a.o.CSRF.Param
	}
	t.source = "endpoint:" + u.Path
	return t, true, nil
}

// parseTokenJSON reads the JSON form of Spring's CsrfToken:
// {"token": ..., "headerName": ..., "parameterName": ...}.
func parseTokenJSON(data []byte) (token, error) {
	var v struct {
		Token         string `json:"token"`
		HeaderName    string `json:"headerName"`
		ParameterName string `json:"parameterName"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return token{}, fmt.Errorf("spring: CSRF endpoint answer: %w", err)
	}
	if v.Token == "" {
		return token{}, errors.New("spring: CSRF endpoint answer has no token")
	}
	if !validHeaderName(v.HeaderName) {
		v.HeaderName = ""
	}
	return token{value: v.Token, header: v.HeaderName, param: v.ParameterName}, nil
}

// tokenFromHTML finds a token in a page: <meta name="_csrf"> (with
// _csrf_header and _csrf_parameter), else a hidden input named like the
// parameter.
func (a *Authenticator) tokenFromHTML(body []byte) (token, bool) {
	if len(body) == 0 {
		return token{}, false
	}
	pg, _ := htmlform.Parse(bytes.NewReader(body)) // a broken page may still hold the token
	if pg == nil {
		return token{}, false
	}
	return tokenFromPage(pg, a.o.CSRF.Header, a.o.CSRF.Param)
}

func tokenFromPage(pg *htmlform.Page, defHeader, defParam string) (token, bool) {
	header, param := pg.Meta["_csrf_header"], pg.Meta["_csrf_parameter"]
	if !validHeaderName(header) {
		header = defHeader
	}
	if param == "" {
		param = defParam
	}
	if v := pg.Meta["_csrf"]; v != "" {
		return token{value: v, header: header, param: param, source: "meta:_csrf"}, true
	}
	for _, f := range pg.Forms {
		for _, in := range f.Inputs {
			if in.Type == "hidden" && in.Name == param && in.Value != "" {
				return token{value: in.Value, header: header, param: param, source: "form:" + param}, true
			}
		}
	}
	return token{}, false
}

// validHeaderName reports whether s can be sent as a header name.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// cookieValue returns the value of the cookie the jar sends to u under
// name, or "".
func cookieValue(cj http.CookieJar, u *url.URL, name string) string {
	if cj == nil || u == nil {
		return ""
	}
	if j, ok := cj.(*jar.Jar); ok { // a look that leaves LastAccess alone
		for _, c := range j.CookiesFor(u) {
			if c.Name == name && c.Value != "" {
				return c.Value
			}
		}
		return ""
	}
	for _, c := range cj.Cookies(u) {
		if c.Name == name && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// isFormBody reports whether req has a replayable url-encoded body.
func isFormBody(req *http.Request) bool {
	if req.GetBody == nil || req.ContentLength > maxFormBody {
		return false
	}
	return mediaType(req.Header.Get("Content-Type")) == "application/x-www-form-urlencoded"
}

// formBody reads req's url-encoded body again (through GetBody).
func formBody(req *http.Request) (string, error) {
	rc, err := req.GetBody()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := readLimited(rc, maxFormBody+1)
	if err != nil {
		return "", err
	}
	if len(b) > maxFormBody {
		return "", fmt.Errorf("spring: form body larger than %d bytes", maxFormBody)
	}
	return string(b), nil
}

// setFormParam sets t's parameter in req's url-encoded body, keeping the
// other fields as they were encoded.
func setFormParam(req *http.Request, t token) {
	old, err := formBody(req)
	if err != nil {
		setIfAbsent(req.Header, t.header, t.value) // cannot rewrite: the header still works
		return
	}
	data := []byte(replaceParam(old, t.param, t.value))
	if req.Body != nil {
		req.Body.Close()
	}
	req.Body = io.NopCloser(bytes.NewReader(data))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	req.ContentLength = int64(len(data))
}

// replaceParam returns the url-encoded raw with every name field removed
// and name=value appended; the other fields keep their encoding and order.
func replaceParam(raw, name, value string) string {
	var b strings.Builder
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, _, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err == nil && dk == name {
			continue
		}
		b.WriteString(pair)
		b.WriteByte('&')
	}
	b.WriteString(url.QueryEscape(name))
	b.WriteByte('=')
	b.WriteString(url.QueryEscape(value))
	return b.String()
}

// paramValue returns the first value of name in the url-encoded raw.
func paramValue(raw, name string) string {
	for _, pair := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err == nil && dk == name {
			dv, err := url.QueryUnescape(v)
			if err != nil {
				return v
			}
			return dv
		}
	}
	return ""
}

// sentToken returns the token req carried, where Spring reads it: the
// header first, then the parameter (query or url-encoded body).
func (a *Authenticator) sentToken(req *http.Request) string {
	a.mu.Lock()
	pageHeader, pageParam, s := a.tok.header, a.tok.param, a.sess
	a.mu.Unlock()
	cookieHeader := ""
	if s != nil {
		if name, v := a.csrfCookie(s.Jar(), req.URL); v != "" {
			cookieHeader = a.cookieHeader(name)
		}
	}
	for _, h := range []string{a.o.CSRF.CookieHeader, a.o.CSRF.Header, pageHeader, cookieHeader} {
		if h != "" {
			if v := headerValue(req.Header, h); v != "" {
				return v
			}
		}
	}
	for _, p := range []string{a.o.CSRF.Param, pageParam} {
		if p == "" {
			continue
		}
		if v := paramValue(req.URL.RawQuery, p); v != "" {
			return v
		}
		if isFormBody(req) {
			if body, err := formBody(req); err == nil {
				if v := paramValue(body, p); v != "" {
					return v
				}
			}
		}
	}
	return ""
}

// readLimited reads at most n bytes of r and closes it.
func readLimited(r io.ReadCloser, n int64) ([]byte, error) {
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, n))
}
