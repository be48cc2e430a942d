package webform

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/htmlform"
)

// Options tune Login. The zero value serves the common case.
type Options struct {
	// Probe is a protected page, without side effects, that confirms a
	// login and from which CSRF tokens are read again. Default: the page
	// the login's redirects end on.
	Probe string
	// AllowOrigins are further origins ("https://sso.example.com") the
	// password may be posted to. Without them it goes only to the origin of
	// the login URL, or to an identity provider that the application
	// itself sent the client to with an OAuth2 authorization request
	// (single sign-on).
	AllowOrigins []string
	// NoSSO refuses to post the password to an identity provider at
	// another origin unless AllowOrigins names it.
	NoSSO bool
	// UserField and PasswordField name the login form's fields when the
	// guess (see the package documentation) is wrong.
	UserField, PasswordField string
	// CSRF are the strategies that find CSRF tokens; nil means
	// DefaultStrategies.
	CSRF []Strategy
	// Logger receives debug messages about the login; nil: none.
	Logger *slog.Logger
	// Credentials, when set, give the user name and password of each
	// login in place of those given to Login (read when a login happens:
	// from a file, the environment, a prompt).
	Credentials limpet.Credentials
}

// Authenticator logs a limpet.Session in through an HTML login form, keeps
// CSRF tokens, and logs in again when the server forgets the session. Set
// it as limpet.Options.Authenticator; it also implements limpet.StateSaver.
//
// An Authenticator serves one Session. Its methods are safe for concurrent
// use: Prepare and Check run on many goroutines at once, while its own
// exchanges with the server (logging in, reading tokens) run one at a time.
type Authenticator struct {
	start          *url.URL
	startErr       error
	user, password string
	o              Options
	strategies     []Strategy

	ioMu sync.Mutex // serialises the Authenticator's own exchanges

	mu       sync.Mutex // guards the fields below; never held during I/O
	env      env
	st       learned
	epoch    uint64 // incremented by every login
	searched uint64 // epoch+1 once a token search at epoch found nothing
	loggedIn bool   // a login succeeded here, or the state was restored: SaveState writes it
}

// learned is what logging in taught the Authenticator, saved with the
// session.
type learned struct {
	// LoginPages are the origins and paths (scheme://host:port/path) of
	// the login form's page and of the application's redirects that led
	// to it: a redirect there means the session is gone.
	LoginPages []string `json:"login_pages,omitempty"`
	// Actions are the origins and paths the login forms posted to: a 200
	// page with a form posting there is the login form.
	Actions []string `json:"actions,omitempty"`
	// Providers are the origins of identity providers the login went
	// through.
	Providers []string `json:"providers,omitempty"`
	// Home is the page the login ended on, from which tokens are read.
	Home string `json:"home,omitempty"`
	// Tokens are the CSRF tokens read from pages, by origin.
	Tokens map[string]Token `json:"tokens,omitempty"`
	// Updated is when any of it last changed.
	Updated time.Time `json:"updated"`
}

const stateVersion = 1

func (l learned) clone() learned {
	l.LoginPages = slices.Clone(l.LoginPages)
	l.Providers = slices.Clone(l.Providers)
	l.Actions = slices.Clone(l.Actions)
	l.Tokens = maps.Clone(l.Tokens)
	return l
}

// Login returns an Authenticator that logs in as user at loginURL: a login
// page, or any page that leads to one through redirects (a protected page
// of the application, the application's root for single sign-on).
func Login(loginURL, user, password string, o Options) *Authenticator {
	a := &Authenticator{user: user, password: password, o: o, strategies: o.CSRF}
	if a.strategies == nil {
		a.strategies = DefaultStrategies()
	}
	u, err := url.Parse(loginURL)
	switch {
	case err != nil:
		a.startErr = fmt.Errorf("webform: login URL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		a.startErr = fmt.Errorf("webform: login URL %q is not an absolute http(s) URL", loginURL)
	}
	a.start = u
	return a
}

// String names the Authenticator without its secrets.
func (a *Authenticator) String() string {
	return fmt.Sprintf("webform.Login(%q, %q)", redactURL(a.start), a.user)
}

func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.RawQuery, c.Fragment, c.User = "", "", nil
	return c.String()
}

// internalKey marks the Authenticator's own requests sent from Prepare,
// which Prepare and Check leave alone.
type internalKey struct{}

func isInternal(ctx context.Context) bool { return ctx.Value(internalKey{}) != nil }

// origin returns scheme://host[:port] of u, lower-cased, default ports
// dropped.
func origin(u *url.URL) string {
	if u == nil {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	scheme := strings.ToLower(u.Scheme)
	if port == "" || scheme == "http" && port == "80" || scheme == "https" && port == "443" {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

// pageKey is the origin and path of u.
func pageKey(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return origin(u) + p
}

// page is a fetched HTML page.
type page struct {
	url    *url.URL
	status int
	posted bool             // the answer to the login POST itself: no page to GET again
	chain  []*http.Response // the redirects and the final answer
	html   *htmlform.Page   // nil when not HTML
}

// maxPage bounds how much of a page the login reads.
const maxPage = htmlform.MaxSize

// get fetches u with GET, following redirects.
func (a *Authenticator) get(ctx context.Context, e env, u string) (*page, error) {
	resp, err := e.do(ctx, &limpet.Request{URL: u, MaxRedirects: 20,
		Header: http.Header{"Accept": {"text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}}})
	if err != nil {
		return nil, fmt.Errorf("webform: %w", err)
	}
	return readPage(resp)
}

func readPage(resp *limpet.Response) (*page, error) {
	defer resp.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	if err != nil {
		return nil, fmt.Errorf("webform: reading %s: %w", redactURL(resp.Request.URL), err)
	}
	p := &page{url: resp.Request.URL, status: resp.StatusCode,
		chain: append(append([]*http.Response(nil), resp.History...), resp.Response)}
	if isHTML(resp.Header.Get("Content-Type"), body) {
		p.html, _ = htmlform.Parse(bytes.NewReader(body))
	}
	return p, nil
}

func isHTML(ct string, body []byte) bool {
	ct = strings.ToLower(ct)
	if strings.Contains(ct, "html") {
		return true
	}
	if ct != "" && !strings.HasPrefix(ct, "text/plain") {
		return false
	}
	head := bytes.ToLower(bytes.TrimSpace(body[:min(len(body), 512)]))
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html")) || bytes.Contains(head, []byte("<form"))
}

// loginForm returns the page's login form, if it has one.
func (p *page) loginForm(o Options) (htmlform.Form, bool) {
	if p == nil || p.html == nil {
		return htmlform.Form{}, false
	}
	return pickForm(p.html, o.PasswordField)
}

// source returns what the strategies look at for this page.
func (p *page) source(e env) Source {
	src := Source{URL: p.url, Cookies: e.cookies(p.url), Page: p.html != nil}
	if p.html != nil {
		src.Meta = p.html.Meta
		src.Hidden = map[string]string{}
		for _, f := range p.html.Forms {
			for _, in := range f.Hidden() {
				if _, ok := src.Hidden[in.Name]; !ok {
					src.Hidden[in.Name] = in.Value
				}
			}
		}
	}
	return src
}

// login runs the whole login: fetch, pick the form, post, follow,
// confirm, read tokens. ioMu is held.
func (a *Authenticator) login(ctx context.Context, e env) error {
	a.mu.Lock()
	a.epoch++
	a.st.Tokens = nil
	a.mu.Unlock()

	p, err := a.get(ctx, e, a.start.String())
	if err != nil {
		return err
	}
	for retried := false; ; retried = true {
		form, ok := p.loginForm(a.o)
		if !ok {
			// No form: an identity provider whose session lives answered
			// the authorization request at once, or the session was
			// still good. Only a page of the application counts.
			if p.status/100 == 2 && origin(p.url) == origin(a.start) && !a.isLoginPage(p.url) && len(p.chain) > 0 {
				a.learnChain(p)
				return a.finish(ctx, e, p)
			}
			return a.loginError(limpet.ErrUnexpectedResponse, p.url, p.status, nil, "no login form (a form with a password field) on the page", nil)
		}
		action, err := form.ResolveAction(p.url)
		if err != nil {
			return fmt.Errorf("webform: %w", err)
		}
		if err := a.allowed(p, action); err != nil {
			return err
		}
		a.learnChain(p)
		a.mu.Lock()
		if k := pageKey(action); !slices.Contains(a.st.Actions, k) {
			a.st.Actions = append(a.st.Actions, k)
		}
		a.mu.Unlock()
		values, err := a.fill(ctx, form)
		if err != nil {
			return fmt.Errorf("webform: the login form at %s: %w", redactURL(p.url), err)
		}
		method := http.MethodPost
		if form.Method == http.MethodGet {
			return fmt.Errorf("webform: the login form at %s sends the password in the URL (method GET); refusing", redactURL(p.url))
		}
		hdr := http.Header{"Accept": {"text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}}
		if origin(action) == origin(p.url) {
			hdr.Set("Referer", redactURL(p.url))
			hdr.Set("Origin", origin(p.url))
		}
		resp, err := e.do(ctx, &limpet.Request{Method: method, URL: action.String(), Body: limpet.Form(values),
			MaxRedirects: limpet.NoRedirects, Header: hdr})
		if err != nil {
			return fmt.Errorf("webform: posting the login form to %s: %w", redactURL(action), err)
		}
		ans, err := readPage(resp)
		if err != nil {
			return err
		}
		ans.posted = true
		out, loc := a.classifyLogin(ans, p.url, action)
		a.debug(ctx, "login answer", "status", ans.status, "outcome", out)
		switch out {
		case outcomeBad:
			return a.loginError(limpet.ErrBadCredentials, action, ans.status, loc, describe(ans, loc), nil)
		case outcomeRefused:
			if retried {
				return a.loginError(limpet.ErrCSRFRejected, action, ans.status, nil, "refused before the password was checked, twice, with a fresh token the second time", nil)
			}
			if p, err = a.get(ctx, e, p.url.String()); err != nil {
				return err
			}
			continue
		case outcomeUnexpected:
			return a.loginError(limpet.ErrUnexpectedResponse, action, ans.status, loc, "", nil)
		}
		landing := ans
		if loc != nil {
			if landing, err = a.get(ctx, e, loc.String()); err != nil {
				return err
			}
		}
		if _, again := landing.loginForm(a.o); again || a.isLoginPage(landing.url) {
			return a.loginError(limpet.ErrBadCredentials, landing.url, landing.status, nil, "the redirects after the login POST ended on the login form again", nil)
		}
		return a.finish(ctx, e, landing)
	}
}

// finish confirms a login with the probe, when one is set, and reads the
// tokens of the page the login ended on.
func (a *Authenticator) finish(ctx context.Context, e env, landing *page) error {
	if a.o.Probe != "" {
		probe, err := a.start.Parse(a.o.Probe)
		if err != nil {
			return fmt.Errorf("webform: probe: %w", err)
		}
		if landing, err = a.get(ctx, e, probe.String()); err != nil {
			return err
		}
		if a.showsLogin(landing) || landing.status/100 != 2 {
			return a.loginError(limpet.ErrSessionNotEstablished, landing.url, landing.status, nil, "the probe after the login answered without the session", nil)
		}
	}
	a.mu.Lock()
	a.loggedIn = true
	if landing.status/100 == 2 && !landing.posted && origin(landing.url) == origin(a.start) {
		a.st.Home = landing.url.String()
	}
	a.mu.Unlock()
	a.readTokens(e, landing)
	e.changed()
	return nil
}

// readTokens keeps the first page token the strategies find on p.
func (a *Authenticator) readTokens(e env, p *page) bool {
	if p.html == nil {
		return false
	}
	src := p.source(e)
	for _, s := range a.strategies {
		t, ok := s.Find(src)
		if !ok || t.FromCookie() {
			continue
		}
		a.mu.Lock()
		if a.st.Tokens == nil {
			a.st.Tokens = map[string]Token{}
		}
		a.st.Tokens[origin(p.url)] = t
		a.st.Updated = time.Now()
		a.mu.Unlock()
		return true
	}
	return false
}

// fill returns the values the login form posts.
func (a *Authenticator) fill(ctx context.Context, form htmlform.Form) (url.Values, error) {
	user, password := a.user, a.password
	if a.o.Credentials != nil {
		var err error
		if user, password, err = a.o.Credentials.Get(ctx); err != nil {
			return nil, err
		}
	} else if password == "" {
		return nil, fmt.Errorf("no password: %w", limpet.ErrNoPassword)
	}
	pass := a.o.PasswordField
	if pass == "" {
		in, _ := form.Password()
		pass = in.Name
	}
	field := a.o.UserField
	if field == "" {
		var ok bool
		if field, ok = userField(form); !ok {
			return nil, fmt.Errorf("no user name field beside the password field %q (set Options.UserField)", pass)
		}
	}
	v := form.Values()
	// A browser sends the name and value of the submit button that sent
	// the form (pressing Enter: the first); some applications check it.
	for _, in := range form.Inputs {
		if in.Type == "submit" && in.Name != "" {
			if !v.Has(in.Name) {
				v.Set(in.Name, in.Value)
			}
			break
		}
	}
	v.Set(field, user)
	v.Set(pass, password)
	return v, nil
}

// allowed checks that the password may go to action, the login form's
// target on page p.
func (a *Authenticator) allowed(p *page, action *url.URL) error {
	if action.Scheme != "http" && action.Scheme != "https" {
		return fmt.Errorf("webform: the login form at %s posts to %q; refusing", redactURL(p.url), redactURL(action))
	}
	to := origin(action)
	if to == origin(a.start) {
		return nil
	}
	for _, o := range a.o.AllowOrigins {
		if u, err := url.Parse(o); err == nil && origin(u) == to {
			return nil
		}
	}
	if !a.o.NoSSO && to == origin(p.url) && authorizationRequest(p, a.start) {
		return nil
	}
	return fmt.Errorf("webform: the login form at %s posts the password to %s, another origin than %s, and no OAuth2 authorization request of the application led there; refusing (allow it with Options.AllowOrigins)",
		redactURL(p.url), to, origin(a.start))
}

// authorizationRequest reports whether p was reached through an OAuth2
// (OpenID Connect) authorization request whose redirect_uri is at the
// origin of start: the application sent the client to its identity
// provider.
func authorizationRequest(p *page, start *url.URL) bool {
	urls := []*url.URL{p.url}
	for _, r := range p.chain {
		if r.Request != nil {
			urls = append(urls, r.Request.URL)
		}
	}
	for _, u := range urls {
		if isAuthorizationRequest(u, start) {
			return true
		}
	}
	return false
}

// isAuthorizationRequest reports whether u is an OAuth2 authorization
// request (a client_id, a response_type with code) whose redirect_uri is
// at the origin of start.
func isAuthorizationRequest(u, start *url.URL) bool {
	q := u.Query()
	if q.Get("client_id") == "" || !strings.Contains(q.Get("response_type"), "code") {
		return false
	}
	ru, err := url.Parse(q.Get("redirect_uri"))
	return err == nil && origin(ru) == origin(start)
}

// learnChain records the login pages the fetch of p went through: the
// application's redirects on the way (other than to the start page and
// the page reached), the form's page, and the identity providers that
// authorization requests of the application went to.
func (a *Authenticator) learnChain(p *page) {
	a.mu.Lock()
	defer a.mu.Unlock()
	add := func(list *[]string, k string) {
		if !slices.Contains(*list, k) {
			*list = append(*list, k)
		}
	}
	if _, ok := p.loginForm(a.o); ok {
		add(&a.st.LoginPages, pageKey(p.url))
	}
	left := false // the chain went to another origin: what comes back from there (an OAuth2 callback) is no login page
	for _, r := range p.chain {
		if r.Request != nil && origin(r.Request.URL) != origin(a.start) {
			left = true
			if isAuthorizationRequest(r.Request.URL, a.start) {
				add(&a.st.Providers, origin(r.Request.URL))
			}
		}
		if r.StatusCode/100 != 3 || left {
			continue
		}
		loc, err := r.Location()
		if err != nil || origin(loc) != origin(a.start) {
			continue
		}
		if k := pageKey(loc); k != pageKey(a.start) && k != pageKey(p.url) && !slashOf(loc, a.start) {
			add(&a.st.LoginPages, k)
		}
	}
	a.st.Updated = time.Now()
}

// slashOf reports whether loc is u with a slash added to its path, where
// servers send a request for a directory or an application's context root
// (/app to /app/): the start page itself, not a login page.
func slashOf(loc, u *url.URL) bool {
	return origin(loc) == origin(u) && loc.EscapedPath() == u.EscapedPath()+"/"
}

// isLoginPage reports whether u is one of the learned login pages, or at
// an identity provider's origin.
func (a *Authenticator) isLoginPage(u *url.URL) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Contains(a.st.LoginPages, pageKey(u)) || slices.Contains(a.st.Providers, origin(u))
}

// isLoginAction reports whether form f of the page at u posts where a
// login form posted, or to a login page: a page with a password field
// that does not (a form to change the password) is no sign of expiry.
func (a *Authenticator) isLoginAction(f htmlform.Form, u *url.URL) bool {
	action, err := f.ResolveAction(u)
	if err != nil {
		return false
	}
	a.mu.Lock()
	known := slices.Contains(a.st.Actions, pageKey(action))
	a.mu.Unlock()
	return known || a.isLoginPage(action)
}

// showsLogin reports whether p is the login: a login form, a login page,
// or a 401.
func (a *Authenticator) showsLogin(p *page) bool {
	if _, ok := p.loginForm(a.o); ok {
		return true
	}
	return p.status == http.StatusUnauthorized || a.isLoginPage(p.url)
}

// outcome is what the answer to a login POST says.
type outcome int

const (
	outcomeOK         outcome = iota // a redirect away from the form, or a page without it
	outcomeBad                       // the form again, a redirect back to the login page, a 401
	outcomeRefused                   // refused before the password was checked: the CSRF token
	outcomeUnexpected                // anything else
)

func (o outcome) String() string {
	return [...]string{"ok", "bad credentials", "refused", "unexpected"}[o]
}

// classifyLogin reads the answer to a login POST to action from the form
// on formPage; for a redirect it returns its target.
func (a *Authenticator) classifyLogin(ans *page, formPage, action *url.URL) (outcome, *url.URL) {
	_, form := ans.loginForm(a.o)
	switch s := ans.status; {
	case s/100 == 3:
		loc, err := ans.chain[len(ans.chain)-1].Location()
		if err != nil {
			return outcomeUnexpected, nil
		}
		if q := loc.Query(); q.Has("code") && q.Has("state") && origin(loc) == origin(a.start) {
			return outcomeOK, loc // an identity provider sending the code back to the application
		}
		k := pageKey(loc)
		if k == pageKey(formPage) || k == pageKey(action) || a.isLoginPage(loc) && origin(loc) == origin(a.start) ||
			loc.Query().Has("error") {
			return outcomeBad, loc
		}
		return outcomeOK, loc
	case s/100 == 2:
		if form {
			return outcomeBad, nil
		}
		return outcomeOK, nil
	case s == http.StatusUnauthorized:
		return outcomeBad, nil
	case refusalStatus(s):
		if form {
			return outcomeBad, nil
		}
		return outcomeRefused, nil
	}
	return outcomeUnexpected, nil
}

func describe(ans *page, loc *url.URL) string {
	switch {
	case loc != nil:
		return "a redirect back to the login page"
	case ans.status == http.StatusUnauthorized:
		return "401"
	}
	return "the login form again"
}

// loginError makes the error of a failed login, about the answer from u.
func (a *Authenticator) loginError(reason error, u *url.URL, status int, loc *url.URL, detail string, err error) error {
	e := &limpet.LoginError{Pkg: "webform", Reason: reason, User: a.user, URL: redactURL(u), Status: status, Detail: detail, Err: err}
	if loc != nil {
		e.Location = redactURL(loc)
	}
	return e
}

// refusalStatus reports whether a framework refuses a CSRF token with s:
// Django, Express and Spring 403, Flask-WTF 400, Rails 422, Laravel 419.
func refusalStatus(s int) bool {
	switch s {
	case http.StatusBadRequest, http.StatusForbidden, 419, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// recoverEnv recovers after a verdict; it takes ioMu.
func (a *Authenticator) recoverEnv(ctx context.Context, e env, csrf bool, reason string) error {
	if a.startErr != nil {
		return a.startErr
	}
	a.ioMu.Lock()
	defer a.ioMu.Unlock()
	if !csrf {
		return a.login(ctx, e)
	}
	p, err := a.get(ctx, e, a.home())
	if err != nil {
		return err
	}
	// Stricter than a token search: a login form here, even on the login
	// page asked for, means a new login (the refusal may be the session's
	// end, and the page read may be the login page when nothing better is
	// known).
	if a.showsLogin(p) || a.chainShowsLogin(p.chain) {
		return a.login(ctx, e)
	}
	a.mu.Lock()
	delete(a.st.Tokens, origin(p.url))
	a.mu.Unlock()
	if a.readTokens(e, p) {
		e.changed()
		return nil
	}
	if _, ok := a.cookieToken(e, p.url); ok {
		return nil
	}
	return fmt.Errorf("webform: the server refused the CSRF token (%s), and %s shows none", reason, redactURL(p.url))
}

// home returns the page tokens are read from.
func (a *Authenticator) home() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.o.Probe != "" {
		if u, err := a.start.Parse(a.o.Probe); err == nil {
			return u.String()
		}
	}
	if a.st.Home != "" {
		return a.st.Home
	}
	return a.start.String()
}

// gone reports whether p, fetched to read tokens, shows the session
// gone: redirects to a login page, a 401, or the login form, except on the
// login URL itself asked for and answered without a redirect (a login page
// that shows its form to a logged-in user too, as Django's does).
func (a *Authenticator) gone(p *page) bool {
	asked := len(p.chain) == 1 && pageKey(p.url) == pageKey(a.start)
	return a.chainShowsLogin(p.chain) || p.status == http.StatusUnauthorized || !asked && a.showsLogin(p)
}

func (a *Authenticator) chainShowsLogin(chain []*http.Response) bool {
	for _, r := range chain {
		if loc, err := r.Location(); err == nil && r.StatusCode/100 == 3 && a.isLoginPage(loc) {
			return true
		}
	}
	return false
}

// cookieToken returns the token a cookie strategy finds for u.
func (a *Authenticator) cookieToken(e env, u *url.URL) (Token, bool) {
	src := Source{URL: u, Cookies: e.cookies(u)}
	for _, s := range a.strategies {
		if t, ok := s.Find(src); ok {
			return t, true
		}
	}
	return Token{}, false
}

// prepare adds the token to req; e is nil before the Session is known.
func (a *Authenticator) prepare(e env, req *http.Request) error {
	if isInternal(req.Context()) || safeMethod(req.Method) || a.start == nil || origin(req.URL) != origin(a.start) {
		return nil
	}
	t, ok := a.token(e, req.URL)
	if !ok && e != nil {
		t, ok = a.search(req.Context(), e, req.URL)
	}
	if ok {
		attach(req, t)
	}
	return nil
}

// token returns the token for u: a cookie's (when the Session is known),
// else a page's.
func (a *Authenticator) token(e env, u *url.URL) (Token, bool) {
	if e != nil {
		if t, ok := a.cookieToken(e, u); ok {
			return t, true
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	t, ok := a.st.Tokens[origin(u)]
	return t, ok
}

// search reads the home page for a token, once per login.
func (a *Authenticator) search(ctx context.Context, e env, u *url.URL) (Token, bool) {
	a.ioMu.Lock()
	defer a.ioMu.Unlock()
	if t, ok := a.token(e, u); ok {
		return t, true
	}
	a.mu.Lock()
	done := a.searched == a.epoch+1
	a.searched = a.epoch + 1
	a.mu.Unlock()
	if done {
		return Token{}, false
	}
	p, err := a.get(context.WithValue(ctx, internalKey{}, true), e, a.home())
	if err != nil || a.gone(p) {
		return Token{}, false
	}
	if a.readTokens(e, p) {
		e.changed()
	}
	return a.token(e, u)
}

// attach puts t into req: its header, unless the caller set it, and its
// field in a url-encoded body that lacks it.
func attach(req *http.Request, t Token) {
	if t.Header != "" && req.Header.Get(t.Header) == "" {
		req.Header.Set(t.Header, t.Value)
	}
	if t.Field == "" || t.FromCookie() || req.GetBody == nil {
		return
	}
	ct := strings.ToLower(req.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return
	}
	rc, err := req.GetBody()
	if err != nil {
		return
	}
	body, err := io.ReadAll(io.LimitReader(rc, 8<<20))
	rc.Close()
	if err != nil {
		return
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil || vals.Has(t.Field) {
		return
	}
	if len(body) > 0 {
		body = append(body, '&')
	}
	body = append(body, url.QueryEscape(t.Field)+"="+url.QueryEscape(t.Value)...)
	if req.Body != nil {
		req.Body.Close()
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.ContentLength = int64(len(body))
}

func safeMethod(m string) bool {
	switch m {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// Verdicts of check.
const (
	verdictOK = iota
	verdictExpired
	verdictCSRF
)

// maxPeek bounds how much of a body check reads.
const maxPeek = 64 << 10

// check classifies the answer (chain: redirects, then the final one) to
// req. It returns the verdict, whether the request provably did not run,
// and why.
func (a *Authenticator) check(req *http.Request, chain []*http.Response, peekBody func(int) []byte) (int, bool, string) {
	if a.start == nil || origin(req.URL) != origin(a.start) {
		return verdictOK, false, ""
	}
	first, last := chain[0], chain[len(chain)-1]
	if !safeMethod(req.Method) && refusalStatus(first.StatusCode) && len(chain) == 1 {
		body := bytes.ToLower(peekBody(maxPeek))
		if first.StatusCode == 419 || bytes.Contains(body, []byte("csrf")) || bytes.Contains(body, []byte("xsrf")) ||
			bytes.Contains(body, []byte("authenticity")) || bytes.Contains(body, []byte("token")) ||
			first.StatusCode == http.StatusUnprocessableEntity && len(bytes.TrimSpace(body)) == 0 {
			return verdictCSRF, true, fmt.Sprintf("%d to %s %s", first.StatusCode, req.Method, req.URL.Path)
		}
		// A refusal that does not say why (Spring's 403): the token, when
		// the request carried none, or not the current one.
		a.mu.Lock()
		e := a.env
		a.mu.Unlock()
		if t, ok := a.token(e, req.URL); !ok || req.Header.Get(t.Header) != t.Value {
			return verdictCSRF, true, fmt.Sprintf("%d to %s %s without the current CSRF token", first.StatusCode, req.Method, req.URL.Path)
		}
	}
	for i, r := range chain {
		if r.StatusCode/100 != 3 {
			continue
		}
		loc, err := r.Location()
		if err != nil || !a.isLoginPage(loc) {
			continue
		}
		if r.Request != nil && a.isLoginPage(r.Request.URL) {
			continue // the login's own pages redirecting among themselves
		}
		if safeMethod(req.Method) && last.StatusCode/100 == 2 && last.Request != nil &&
			origin(last.Request.URL) == origin(a.start) && !a.isLoginPage(last.Request.URL) {
			break // the redirects logged in again by themselves (single sign-on) and ended on the page: the form check below decides
		}
		q := loc.Query()
		proof := i == 0 && !q.Has("logout") && !q.Has("error")
		return verdictExpired, proof, fmt.Sprintf("%d to %s", r.StatusCode, redactURL(loc))
	}
	if last.StatusCode == http.StatusUnauthorized {
		return verdictExpired, len(chain) == 1, fmt.Sprintf("401 to %s %s", req.Method, last.Request.URL.Path)
	}
	if last.StatusCode == http.StatusOK && !a.isLoginPage(last.Request.URL) &&
		strings.Contains(strings.ToLower(last.Header.Get("Content-Type")), "html") {
		p, err := htmlform.Parse(bytes.NewReader(peekBody(maxPeek)))
		if err == nil {
			if f, ok := pickForm(p, a.o.PasswordField); ok && a.isLoginAction(f, last.Request.URL) {
				return verdictExpired, len(chain) == 1, "200 with the login form"
			}
		}
	}
	return verdictOK, false, ""
}

// peek reads up to n bytes of resp's body and puts them back in front of
// the rest, so that the caller still reads the whole body.
func peek(resp *limpet.Response, n int) []byte {
	body := resp.Body
	if body == nil || body == http.NoBody {
		return nil
	}
	head := make([]byte, n)
	k, err := io.ReadFull(body, head)
	head = head[:k]
	rest := io.Reader(body)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		rest = errReader{err}
	}
	resp.Body = peekedBody{Reader: io.MultiReader(bytes.NewReader(head), rest), Closer: body}
	return head
}

type peekedBody struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func (a *Authenticator) debug(ctx context.Context, msg string, args ...any) {
	if a.o.Logger != nil {
		a.o.Logger.DebugContext(ctx, "webform: "+msg, args...)
	}
}
