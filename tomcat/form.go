package tomcat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/htmlform"
	"github.com/limpet-http/limpet/internal/legacystate"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

// Defaults of the servlet specification's FORM login, as Tomcat's
// FormAuthenticator implements it.
const (
	DefaultAction        = "j_security_check"
	DefaultUserField     = "j_username"
	DefaultPasswordField = "j_password"
	DefaultCookieName    = "JSESSIONID"
)

// Errors of a FORM login. The error Login returns wraps one of them (or a
// transport error).
var (
	// ErrBadCredentials: Tomcat answered the credentials with its form
	// error page (200), as it does for a wrong user name or password.
	// It is limpet.ErrBadCredentials.
	ErrBadCredentials = limpet.ErrBadCredentials
	// ErrLoginNotStarted: Tomcat answered 408 or 400 to the credentials
	// twice, even though each attempt started at the probe page: the login
	// session was lost in between (expired, or its cookie not kept).
	ErrLoginNotStarted = errors.New("tomcat: the login was not started (408/400 from " + DefaultAction + ")")
	// ErrSessionNotEstablished: the login succeeded (303), but the probe
	// page still shows the login form: the session cookie was not kept or
	// not sent (a Secure cookie over http, a cookie path that excludes the
	// probe, a jar that refuses it).
	// It is limpet.ErrSessionNotEstablished.
	ErrSessionNotEstablished = limpet.ErrSessionNotEstablished
	// ErrNoLoginForm: the probe page answered neither the protected page
	// nor a login form.
	ErrNoLoginForm = errors.New("tomcat: the probe page shows no login form")
)

// Options configures FormLogin. Probe is required; the other fields have
// Tomcat's defaults.
type Options struct {
	// Probe is a protected page that is safe to request any number of
	// times (a GET without side effects), absolute or relative to the
	// Session's BaseURL. Every login starts there, so that the request
	// Tomcat saves and replays after the login is the probe and never one
	// of the caller's; a login is confirmed by requesting it again. For
	// Debian's examples: "/examples/jsp/security/protected/index.jsp".
	Probe string
	// UserField and PasswordField name the credentials' inputs; empty
	// means j_username and j_password.
	UserField, PasswordField string
	// Action is the last path segment of the login form's action; empty
	// means j_security_check. It also identifies the login page: a form
	// with a password input that posts to it.
	Action string
	// CookieName is the session cookie; empty means JSESSIONID.
	CookieName string
	// LoginPaths lists URL paths whose redirects mean that the session is
	// gone (a landing page, a login page reached by redirect); Tomcat's
	// own FORM login forwards instead, and is found by the page's content.
	LoginPaths []string
	// IsLoginPage, when set, replaces the login page fingerprint (a form
	// with a password input posting to Action). It gets the start of a 200
	// HTML response's body, at most PeekSize bytes.
	IsLoginPage func(body []byte) bool
	// LogoutURL is requested by Logout (for the examples:
	// "/examples/jsp/security/protected/index.jsp?logoff=true"); empty
	// means Logout only forgets the session locally.
	LogoutURL string
}

// PeekSize is how much of a 200 HTML response Check reads to tell the
// login page from other pages. The body stays readable in full.
const PeekSize = 64 << 10

// FormAuth logs a Session in to a servlet container's FORM login
// (Tomcat's FormAuthenticator) and recovers when the server forgets the
// session. It implements limpet.Authenticator and limpet.StateSaver; it is
// safe for concurrent use by the Session's goroutines.
//
// # The login
//
// GET the probe page: Tomcat saves that request, rotates the session id
// and forwards to the login page (200). POST the credentials to the form's
// action, HTML-unescaped and resolved against the page, ;jsessionid= kept
// as Tomcat wrote it. A 303 is a candidate success, Tomcat's 200 error page
// means bad credentials (ErrBadCredentials), a 408 or 400 means the login
// session was lost, and the login starts again at the probe, once. The
// login is confirmed by the probe, which also consumes the request Tomcat
// saved. A recovery (Recover) first drops the session cookie, so that the
// probe starts a session of its own.
//
// # Expiry and replay
//
// Check reads an expired session from a 200 response that is the login
// page (Tomcat forwards to it, there is no 401 or redirect), a redirect to
// one of LoginPaths, or a 408 from the Action. The login page proves that
// the request did not run, when it is the request's own answer: Tomcat's
// FormAuthenticator checks the security constraint before any filter or
// servlet of the application runs, saves the request and forwards to the
// login page. So the Session replays it after the login, a POST included:
// since every login starts at the probe, Tomcat has saved the probe, not
// the caller's request, and nothing runs twice. The login page, or a
// redirect to a LoginPaths entry, reached after a redirect of the
// application's own proves nothing about the first request (it may have
// run, then ended the session): a POST is not replayed then. A response
// reached through a redirect from the Action is one Tomcat produced by
// replaying a saved request itself; it is never treated as expired, so it
// is never replayed.
//
// # Concurrent requests
//
// Each request Tomcat answers with the login page also sets a new,
// unauthenticated session cookie, and a request sent with the login's
// half-made session would be saved in it and change its id (Tomcat then
// answers the credentials with 408). The Session takes care of both:
// requests wait while a login runs, and answers to requests sent before it
// do not change the jar (see limpet.Authenticator).
type FormAuth struct {
	user, password string
	o              Options
	created        time.Time
	legacy         atomic.Bool // the recipe came from an earlier release's "login" member: the next save removes it
}

// sessionID is a session cookie a login step is sent with.
type sessionID struct {
	name, value string
	host, path  string
}

// FormLogin returns the Authenticator for a container FORM login as user.
// The password is kept in memory only; the session store gets the recipe
// (probe, user, field names).
func FormLogin(user, password string, o Options) *FormAuth {
	if o.UserField == "" {
		o.UserField = DefaultUserField
	}
	if o.PasswordField == "" {
		o.PasswordField = DefaultPasswordField
	}
	if o.Action == "" {
		o.Action = DefaultAction
	}
	if o.CookieName == "" {
		o.CookieName = DefaultCookieName
	}
	return &FormAuth{user: user, password: password, o: o, created: time.Now().Round(0).UTC()}
}

// errRestart asks Login to start again at the probe.
var errRestart = errors.New("tomcat: restart at the probe")

// login logs in, starting at the probe page. When the probe page shows the
// protected page, the session is already authenticated and nothing is
// posted.
func (a *FormAuth) login(ctx context.Context, s limpet.Env) error {
	if a.o.Probe == "" {
		return errors.New("tomcat: Options.Probe is required: a protected page without side effects")
	}
	for range 2 {
		err := a.loginOnce(ctx, s)
		if !errors.Is(err, errRestart) {
			return err
		}
	}
	return fmt.Errorf("%w: twice, after starting at %s", ErrLoginNotStarted, a.o.Probe)
}

// Recover logs in (limpet.Authenticator), starting at the probe page; when
// the probe page shows the protected page, the session is already
// authenticated and nothing is posted. After an expiry (v.Kind other than
// limpet.NoSession) it logs in again on a session of its own: it first
// drops the session cookie, so that the probe makes Tomcat start a new
// session. The session the jar held may be one Tomcat made for an
// earlier answer (with the login page), and requests still on their way
// may carry it: Tomcat changes a session's id each time it shows the
// login page for it, so one of them, processed while the login runs,
// would leave the login's credentials with an id Tomcat no longer knows
// (408, and the login started over).
func (a *FormAuth) Recover(ctx context.Context, s limpet.Env, v limpet.Verdict) error {
	if a.o.Probe != "" && v.Kind != limpet.NoSession {
		a.dropSession(ctx, s)
	}
	return a.login(ctx, s)
}

// dropSession deletes the session cookies the jar of s sends to the probe.
func (a *FormAuth) dropSession(ctx context.Context, s limpet.Env) {
	req, err := s.NewRequest(ctx, &limpet.Request{URL: a.o.Probe})
	if err != nil {
		return
	}
	if j, ok := s.Jar().(*jar.Jar); ok {
		for _, c := range j.CookiesFor(req.URL) {
			if c.Name == a.o.CookieName {
				j.Delete(c.Key())
			}
		}
		return
	}
	// Another jar: delete the cookie at each path that covers the probe.
	var gone []*http.Cookie
	for p := req.URL.Path; ; p = defaultPath(&url.URL{Path: p}) {
		gone = append(gone, &http.Cookie{Name: a.o.CookieName, Path: p, MaxAge: -1})
		if p == "/" {
			break
		}
	}
	s.Jar().SetCookies(req.URL, gone)
}

func (a *FormAuth) loginOnce(ctx context.Context, s limpet.Env) error {
	follow, noFollow := s.BareClient(), s.BareClient()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	// 1. The probe: the login page, or the page itself if the session is
	// alive.
	probe, err := a.send(ctx, s, follow, http.MethodGet, a.o.Probe, nil, nil)
	if err != nil {
		return err
	}
	if probe.status != http.StatusOK {
		return fmt.Errorf("%w: %s answered %d", ErrNoLoginForm, a.o.Probe, probe.status)
	}
	form, ok := a.loginForm(probe.body)
	if !ok {
		if a.isLoginPage(probe.body) {
			return fmt.Errorf("%w: %s looks like a login page, but has no form with a password input", ErrNoLoginForm, a.o.Probe)
		}
		return nil // alive: the session the jar holds is authenticated
	}
	loginID := a.sessionFrom(s, probe)

	// 2. The credentials, to the action as Tomcat wrote it.
	action, err := form.ResolveAction(probe.url)
	if err != nil {
		return fmt.Errorf("tomcat: %w", err)
	}
	values := form.Values()
	values.Set(a.o.UserField, a.user)
	values.Set(a.o.PasswordField, a.password)
	post, err := a.send(ctx, s, noFollow, http.MethodPost, action.String(), values, loginID)
	if err != nil {
		return err
	}
	switch {
	case post.status >= 300 && post.status < 400:
	case post.status == http.StatusOK:
		return &limpet.LoginError{Pkg: "tomcat", Reason: ErrBadCredentials, User: a.user, URL: action.String(),
			Status: post.status, Detail: fmt.Sprintf("the form error page: %q", post.title())}
	case post.status == http.StatusRequestTimeout || post.status == http.StatusBadRequest:
		return errRestart
	default:
		return fmt.Errorf("tomcat: %s answered %d to the credentials", action.Redacted(), post.status)
	}
	authID := a.sessionFrom(s, post)
	if authID == nil {
		authID = loginID // the container kept the id (changeSessionIdOnAuthentication off)
	}

	// 3. Confirm with the probe, which also consumes the saved request.
	confirm, err := a.send(ctx, s, follow, http.MethodGet, a.o.Probe, nil, authID)
	if err != nil {
		return err
	}
	if confirm.status != http.StatusOK || a.isLoginPage(confirm.body) {
		return &limpet.LoginError{Pkg: "tomcat", Reason: ErrSessionNotEstablished, User: a.user, URL: confirm.url.String(),
			Status: confirm.status, Detail: "the probe answered" +
				map[bool]string{true: " with the login page", false: ""}[a.isLoginPage(confirm.body)] + " after the login"}
	}
	return nil
}

// exchange is what loginOnce keeps of a response.
type exchange struct {
	status    int
	url       *url.URL // of the final request
	body      []byte
	setCookie []*http.Cookie
}

func (e *exchange) title() string {
	p, _ := htmlform.Parse(bytes.NewReader(e.body))
	return strings.TrimSpace(p.Title)
}

// send sends one request of the login through the Session, without its
// Authenticator, the given session id first in the Cookie header.
func (a *FormAuth) send(ctx context.Context, s limpet.Env, c *http.Client, method, target string, form url.Values, id *sessionID) (*exchange, error) {
	r := &limpet.Request{Method: method, URL: target, Header: http.Header{"Accept": {"text/html"}}}
	if form != nil {
		r.Body = limpet.Form(form)
	}
	req, err := s.NewRequest(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("tomcat: %w", err)
	}
	if id != nil && id.covers(req.URL) {
		req.Header.Set("Cookie", id.name+"="+id.value)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("tomcat: login: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, htmlform.MaxSize))
	if err != nil {
		return nil, fmt.Errorf("tomcat: login: reading %s: %w", req.URL.Redacted(), err)
	}
	return &exchange{status: resp.StatusCode, url: resp.Request.URL, body: body, setCookie: resp.Cookies()}, nil
}

// sessionFrom returns the session the response set, or else the one the
// jar holds for the response's URL.
func (a *FormAuth) sessionFrom(s limpet.Env, e *exchange) *sessionID {
	if p := a.setBy(e); p != nil {
		return p
	}
	return a.fromJar(s, e.url)
}

// setBy returns the session a response set: its last Set-Cookie of
// CookieName.
func (a *FormAuth) setBy(e *exchange) *sessionID {
	for i := len(e.setCookie) - 1; i >= 0; i-- {
		c := e.setCookie[i]
		if c.Name == a.o.CookieName && c.Value != "" && c.MaxAge >= 0 {
			path := c.Path
			if path == "" {
				path = defaultPath(e.url)
			}
			return &sessionID{name: c.Name, value: c.Value, host: strings.ToLower(e.url.Hostname()), path: path}
		}
	}
	return nil
}

// fromJar returns the jar's session cookie for u.
func (a *FormAuth) fromJar(s limpet.Env, u *url.URL) *sessionID {
	if j, ok := s.Jar().(*jar.Jar); ok {
		for _, c := range j.CookiesFor(u) {
			if c.Name == a.o.CookieName {
				return &sessionID{name: c.Name, value: c.Value, host: c.Domain, path: c.Path}
			}
		}
		return nil
	}
	for _, c := range s.Jar().Cookies(u) {
		if c.Name == a.o.CookieName {
			return &sessionID{name: c.Name, value: c.Value, host: strings.ToLower(u.Hostname()), path: defaultPath(u)}
		}
	}
	return nil
}

// Prepare does nothing: the jar holds the session (limpet.Authenticator).
func (a *FormAuth) Prepare(env limpet.Env, req *http.Request) error { return nil }

// covers reports whether the cookie is sent to u (host and path match).
func (p *sessionID) covers(u *url.URL) bool {
	if !strings.EqualFold(u.Hostname(), p.host) {
		return false
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return path == p.path || strings.HasPrefix(path, p.path) && (strings.HasSuffix(p.path, "/") || path[len(p.path)] == '/' || path[len(p.path)] == ';')
}

// Check tells an expired session from a response (see FormAuth).
func (a *FormAuth) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	for _, h := range resp.History {
		if h.Request != nil && h.Request.Method == http.MethodPost && a.isAction(h.Request.URL) && h.StatusCode >= 300 && h.StatusCode < 400 {
			// Tomcat answered this request by replaying a saved one:
			// whatever it shows, it ran.
			return limpet.Verdict{}
		}
	}
	final := resp.Request
	if final == nil {
		final = req
	}
	switch {
	case resp.StatusCode == http.StatusRequestTimeout && a.isAction(final.URL):
		return limpet.Verdict{Kind: limpet.SessionExpired, Reason: "408 from " + a.o.Action}
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		if loc, err := resp.Location(); err == nil && a.isLoginPath(loc) {
			return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: len(resp.History) == 0,
				Reason: fmt.Sprintf("%d to %s", resp.StatusCode, loc.Path)}
		}
	case resp.StatusCode == http.StatusOK:
		for i, h := range resp.History {
			if loc, err := h.Location(); err == nil && a.isLoginPath(loc) {
				// Only the request's own answer shows that it did not run.
				return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: i == 0,
					Reason: fmt.Sprintf("redirected to %s", loc.Path)}
			}
		}
		if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.Contains(strings.ToLower(ct), "html") {
			return limpet.Verdict{}
		}
		if a.isLoginPage(peek(resp, PeekSize)) {
			return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: len(resp.History) == 0, Reason: "200 login page"}
		}
	}
	return limpet.Verdict{}
}

// peek returns up to n bytes of the body and leaves the whole body
// readable (limpet.Response.Peek).
func peek(resp *limpet.Response, n int) []byte {
	head, _ := resp.Peek(n)
	return head
}

// isAction reports whether u is the login form's action: its last path
// segment, before any ;jsessionid=, is Action.
func (a *FormAuth) isAction(u *url.URL) bool {
	if u == nil {
		return false
	}
	return IsAction(u.Path, a.o.Action)
}

// IsAction reports whether a URL path (or a form's action) names the FORM
// login action: its last segment, without path parameters such as
// ;jsessionid=ID, is action (j_security_check). It is safe for concurrent
// use.
func IsAction(path, action string) bool {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		path = path[i+1:]
	}
	if i := strings.IndexByte(path, ';'); i >= 0 {
		path = path[:i]
	}
	return path == action
}

func (a *FormAuth) isLoginPath(u *url.URL) bool {
	for _, p := range a.o.LoginPaths {
		if u.Path == p {
			return true
		}
	}
	return false
}

// loginForm returns the page's login form: one with a password input that
// posts to Action.
func (a *FormAuth) loginForm(body []byte) (htmlform.Form, bool) {
	return LoginForm(body, a.o.Action)
}

func (a *FormAuth) isLoginPage(body []byte) bool {
	if a.o.IsLoginPage != nil {
		return a.o.IsLoginPage(body)
	}
	_, ok := a.loginForm(body)
	return ok
}

// LoginForm finds a FORM login page's form in an HTML document: the first
// form with a password input whose action names action (see IsAction). It
// reads at most htmlform.MaxSize bytes, never panics, and is safe for
// concurrent use.
func LoginForm(body []byte, action string) (htmlform.Form, bool) {
	if !bytes.Contains(body, []byte(action)) {
		return htmlform.Form{}, false // most pages: no parsing
	}
	page, _ := htmlform.Parse(bytes.NewReader(body))
	if page == nil {
		return htmlform.Form{}, false
	}
	for _, f := range page.Forms {
		if _, ok := f.Password(); ok && IsAction(strings.TrimSpace(f.Action), action) {
			return f, true
		}
	}
	return htmlform.Form{}, false
}

// defaultPath is RFC 6265's default-path of u.
func defaultPath(u *url.URL) string {
	p := u.Path
	if p == "" || p[0] != '/' {
		return "/"
	}
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}

// Logout requests Options.LogoutURL (through the Session, without this
// Authenticator, following redirects) and forgets the session: the jar's
// session cookie for the probe is deleted. It runs as the Session's
// Exclusive: requests started meanwhile wait for it. It returns an error
// when the logout request fails; a server that answers with the login
// page, as Tomcat's examples do, has logged out.
func (a *FormAuth) Logout(ctx context.Context, s *limpet.Session) error {
	return s.Exclusive(ctx, func(ctx context.Context) error { return a.logout(ctx, s) })
}

func (a *FormAuth) logout(ctx context.Context, s limpet.Env) error {
	var err error
	if a.o.LogoutURL != "" {
		var e *exchange
		e, err = a.send(ctx, s, s.BareClient(), http.MethodGet, a.o.LogoutURL, nil, nil)
		if err == nil && e.status >= 400 {
			err = fmt.Errorf("tomcat: logout: %s answered %d", a.o.LogoutURL, e.status)
		}
	}
	a.dropSession(ctx, s)
	return err
}

// StateOwner is the key of FormAuth's state in store.Snapshot.State.
const StateOwner = "tomcat"

// stateVersion is the layout version of the saved state.
const stateVersion = 1

// savedState is FormAuth's state as saved: its login recipe.
type savedState struct {
	Probe         string `json:"probe,omitempty"`
	User          string `json:"user,omitempty"`
	UserField     string `json:"user_field,omitempty"`
	PasswordField string `json:"password_field,omitempty"`
	Action        string `json:"action,omitempty"`
	Cookie        string `json:"cookie,omitempty"`
}

// legacyFlow is the flow of the recipe earlier releases kept in the
// "login" member.
const legacyFlow = "tomcat-form"

// SaveState records the login recipe (the probe, the user and the field
// names; never the password) in a snapshot about to be saved
// (limpet.StateSaver), under StateOwner. The session itself is the jar's
// cookie.
func (a *FormAuth) SaveState(snap *store.Snapshot) {
	saved := savedState{Probe: a.o.Probe, User: a.user, UserField: a.o.UserField, PasswordField: a.o.PasswordField,
		Action: a.o.Action, Cookie: a.o.CookieName}
	if snap.SetState(StateOwner, stateVersion, a.created, saved) == nil && a.legacy.Load() {
		legacystate.Remove(snap, legacystate.MemberLogin)
	}
}

// LoadState takes nothing: the recipe comes from the Options, and the
// session from the jar (limpet.StateSaver). The recipe an earlier release
// kept in the "login" member is replaced by the next save.
func (a *FormAuth) LoadState(snap store.Snapshot) {
	if _, ok := snap.State[StateOwner]; ok {
		return
	}
	if l, ok := legacystate.LoginOf(snap); ok && l.Flow == legacyFlow && l.PasswordFrom == "" {
		a.legacy.Store(true)
	}
}
