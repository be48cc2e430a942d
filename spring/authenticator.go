package spring

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/limpet-http/limpet"
)

// kind is what an Authenticator logs in with.
type kind int

const (
	formKind  kind = iota // form login
	basicKind             // HTTP Basic on every request
	csrfKind              // CSRF tokens only
)

// Authenticator logs a limpet.Session in to a Spring Security application
// and keeps it logged in: it sends the CSRF token with every unsafe request
// (POST, PUT, PATCH, DELETE), tells from a response that the server session
// is gone or that a token was refused, and logs in again or fetches a fresh
// token, once, for all goroutines. Set it as limpet.Options.Authenticator.
//
// It also implements limpet.StateSaver: with limpet.Options.Store, the CSRF
// token and the login recipe (not the password) are saved with the
// session's cookies, so that another process goes on without logging in.
//
// An Authenticator serves one Session. Its methods are safe for concurrent
// use: Prepare and Check run on many goroutines at once, while its own
// exchanges with the server (logging in, looking for a CSRF token, logging
// out) run one at a time.
type Authenticator struct {
	kind  kind
	creds limpet.Credentials // nil when given to the constructor
	o     Options

	credMu sync.Mutex           // serialises fetching the credentials
	cred   atomic.Pointer[cred] // the credentials, once known

	// ioMu serialises the Authenticator's own exchanges with the server:
	// logging in, looking for a CSRF token, logging out. Login and Recover
	// take it while the Session holds its recovery lock (and holds new
	// requests back); Prepare takes it alone, and nothing holding it waits
	// for the Session's lock.
	ioMu sync.Mutex

	mu   sync.Mutex // guards the fields below; never held during I/O
	sess limpet.Env // the Session, once Login, Recover or Logout ran
	base *url.URL   // the login page's absolute URL, once known
	host *url.URL   // the origin of the last request checked
	tok  token      // a token from a page or endpoint (or restored); zero when none
	// epoch counts the events after which the server's token may have
	// changed (a login, a logout); searched is epoch+1 when a search for a
	// token found none at that epoch, so that none is repeated.
	epoch, searched uint64
	cookieMasked    bool      // send cookie tokens masked (learned)
	cookieLearned   bool      // cookieMasked was learned (a request or login passed with it): primeCSRF asks the LogoutFilter no more
	doubt           string    // a confirmed token Check saw refused with a 403: Recover probes the session first
	forbidden       bool      // Check took a 403 for an expiry (ForbiddenEntryPoint): Recover probes the session first
	restoredUser    string    // the user of a restored recipe, saved again until the credentials are fetched
	noLoginToken    bool      // the last login succeeded without a CSRF token: primeCSRF asks no more
	pageInQuery     bool      // send page tokens as a query parameter (learned)
	confirmed       string    // the placement (placementKeyLocked) the server accepted last
	suspect         *suspect  // a current token refused, as Check saw it
	updated         time.Time // when the CSRF state last changed
	loggedIn        bool      // a login as user succeeded, here or in a restored session
	loginUpdated    time.Time // when the login recipe last changed
	legacy          []string  // members of an earlier release's file this state came from: the next save removes them
	loginURL        string    // the processing URL used last
	userParam       string    // the fields used last
	passParam       string
	paths           *pathsCache // pathsFor's last result

	// guessCookie and guessCookieHeader are set when Options left
	// CSRF.Cookie and CSRF.CookieHeader empty: a cookie named like a CSRF
	// cookie is taken too, its value sent in "X-" + its name (see
	// isCSRFCookie and cookieHeader).
	guessCookie, guessCookieHeader bool
}

// newAuthenticator returns an Authenticator of kind k with o's defaults,
// remembering which CSRF cookie settings o left to be found out.
func newAuthenticator(k kind, creds limpet.Credentials, o Options) *Authenticator {
	return &Authenticator{kind: k, creds: creds, o: o.withDefaults(), guessCookie: o.CSRF.Cookie == "",
		guessCookieHeader: o.CSRF.CookieHeader == ""}
}

// token is a CSRF token and how to send it.
type token struct {
	value  string // as received: a cookie's raw value, or a page's (usually masked) value
	header string // header that carries it
	param  string // form or query parameter that carries it
	source string // "cookie:NAME", "meta:_csrf", "form:_csrf", "endpoint:PATH"
}

func (t token) fromCookie() bool { return len(t.source) > 7 && t.source[:7] == "cookie:" }

// suspect records a current token refused in the current placement.
type suspect struct {
	value  string
	cookie bool
}

// cred is a user name and password, and the Basic header they make.
type cred struct {
	user, password, basic string
}

func newCred(user, password string) *cred {
	r := &http.Request{Header: make(http.Header)}
	r.SetBasicAuth(user, password)
	return &cred{user: user, password: password, basic: r.Header.Get("Authorization")}
}

// credentials returns the credentials, fetching them from the
// limpet.Credentials the Authenticator was made with the first time.
func (a *Authenticator) credentials(ctx context.Context) (*cred, error) {
	if c := a.cred.Load(); c != nil {
		return c, nil
	}
	a.credMu.Lock()
	defer a.credMu.Unlock()
	if c := a.cred.Load(); c != nil {
		return c, nil
	}
	if a.creds == nil {
		return nil, fmt.Errorf("spring: no credentials: %w", limpet.ErrNoPassword)
	}
	user, password, err := a.creds.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("spring: %w", err)
	}
	c := newCred(user, password)
	a.cred.Store(c)
	return c, nil
}

// userName returns the user name, or "" before the credentials are known.
func (a *Authenticator) userName() string {
	if c := a.cred.Load(); c != nil {
		return c.user
	}
	return ""
}

// FormLoginFrom is FormLogin with credentials fetched when the first login
// needs them (see limpet.Credentials), not before.
func FormLoginFrom(creds limpet.Credentials, o Options) *Authenticator {
	return newAuthenticator(formKind, creds, o)
}

// BasicFrom is Basic with credentials fetched when the first request needs
// them (see limpet.Credentials), once: never an empty password, never a
// prompt per request.
func BasicFrom(creds limpet.Credentials, o Options) *Authenticator {
	return newAuthenticator(basicKind, creds, o)
}

// FormLogin returns an Authenticator for Spring Security's form login
// (formLogin): it fetches the login page for its form and CSRF token,
// posts the credentials form-encoded without following the redirect,
// classifies the answer (see LoginError), and confirms the login with a
// request to Options.Probe. A login that fails is never retried in a loop:
// the Session reports it, and repeats it at most once per
// limpet.RecoveryCooldown.
//
// Until its first Login (explicit, with Session.Login, or on the first
// request the server refuses) it sends no credentials.
func FormLogin(user, password string, o Options) *Authenticator {
	a := newAuthenticator(formKind, nil, o)
	a.cred.Store(newCred(user, password))
	return a
}

// Basic returns an Authenticator for Spring Security's HTTP Basic
// (httpBasic), with Spring's rules: the credentials go with every request
// (Basic creates no server session), and unsafe requests still need a CSRF
// token, which it finds and sends as for FormLogin. A 401 makes it check
// the credentials against Options.Probe, reporting ErrBadCredentials when
// they are refused.
func Basic(user, password string, o Options) *Authenticator {
	a := newAuthenticator(basicKind, nil, o)
	a.cred.Store(newCred(user, password))
	return a
}

// CSRF returns an Authenticator that only handles CSRF tokens, for a
// Session that authenticates some other way (limpet.Options.Auth, a
// certificate, a token) or calls a single-page application's back end:
// it finds the token, sends it with unsafe requests, and fetches a fresh
// one, then replays the request once, when the server refuses it.
func CSRF(o Options) *Authenticator {
	return newAuthenticator(csrfKind, nil, o)
}

// String names the Authenticator without its secrets.
func (a *Authenticator) String() string {
	switch a.kind {
	case basicKind:
		return fmt.Sprintf("spring.Basic(%q)", a.userName())
	case csrfKind:
		return "spring.CSRF"
	}
	return fmt.Sprintf("spring.FormLogin(%q)", a.userName())
}

// internalKey marks the context of the Authenticator's own requests that
// go through the Session's checks (a token search from Prepare), so that
// Prepare and Check leave them alone. The Session does not hold them back
// while a login runs: they carry the context of the request being
// prepared.
type internalKey struct{}

func internal(ctx context.Context) context.Context {
	return context.WithValue(ctx, internalKey{}, true)
}

func isInternal(ctx context.Context) bool { return ctx.Value(internalKey{}) != nil }

// bind records the Session the Authenticator serves.
func (a *Authenticator) bind(s limpet.Env) {
	a.mu.Lock()
	a.sess = s
	a.mu.Unlock()
}

// BindSession implements limpet.SessionBinder: the Session hands itself
// over when it is created, so that Prepare can fetch a CSRF token for the
// first unsafe request instead of sending it without one and replaying it.
func (a *Authenticator) BindSession(s limpet.Env) { a.bind(s) }

// login runs the kind's login; ioMu is held. A fresh form login starts
// from a new server session (see formLogin).
func (a *Authenticator) login(ctx context.Context, s limpet.Env, fresh bool) error {
	switch a.kind {
	case basicKind:
		if _, err := a.credentials(ctx); err != nil {
			return err
		}
		return a.basicLogin(ctx, s)
	case csrfKind:
		_, _, _, err := a.discover(ctx, s)
		return err
	}
	return a.formLogin(ctx, s, fresh)
}

// Recover logs in, or brings the session back after Check's verdict
// (limpet.Authenticator): the login for limpet.NoSession (for FormLogin
// the whole form login; for Basic a check of the credentials against the
// probe; for CSRF a search for a token), a new login for
// limpet.SessionExpired, a fresh CSRF token for limpet.CSRFRejected (or a
// new login, when looking for the token shows the session is gone). It
// returns a *LoginError when the server refuses the login.
func (a *Authenticator) Recover(ctx context.Context, s limpet.Env, v limpet.Verdict) error {
	a.bind(s)
	a.ioMu.Lock()
	defer a.ioMu.Unlock()
	switch v.Kind {
	case limpet.NoSession:
		return a.login(ctx, s, false)
	case limpet.SessionExpired:
		if a.kind == csrfKind {
			return fmt.Errorf("spring: the session needs a login, and a CSRF-only authenticator has no credentials (%s)", v.Reason)
		}
		a.mu.Lock()
		forbidden := a.forbidden
		a.forbidden = false
		a.mu.Unlock()
		if forbidden {
			return a.recoverForbidden(ctx, s, v)
		}
		return a.login(ctx, s, true)
	case limpet.CSRFRejected:
		return a.recoverCSRF(ctx, s)
	}
	return fmt.Errorf("spring: cannot recover from %s (%s)", v.Kind, v.Reason)
}

// Prepare adds the credentials (Basic) and, to unsafe requests, the CSRF
// token (limpet.Authenticator). When it knows no token it looks for one
// first (see CSRFOptions), once per login; when none is found the request
// goes without, and a rejection makes Recover look again.
//
// Where the token goes follows Spring Security's rules (docs/spring.md,
// "CSRF tokens, whatever the configuration"): a cookie's value in CSRFOptions.CookieHeader, raw, or masked once
// the raw value was refused; a page's token in the form body of a
// url-encoded request (replacing any field of that name), else in the
// header the page names, or in the query once the header was refused.
func (a *Authenticator) Prepare(env limpet.Env, req *http.Request) error {
	if isInternal(req.Context()) {
		return nil
	}
	if a.kind == basicKind && req.Header.Get("Authorization") == "" {
		c, err := a.credentials(req.Context())
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", c.basic)
	}
	if safeMethod(req.Method) || a.o.CSRF.Disabled {
		return nil
	}
	t, ok := a.current(req.URL)
	if !ok {
		t, ok = a.searchFor(req)
	}
	if ok {
		a.attach(req, t)
	}
	return nil
}

// current returns the token to send to u: the CSRF cookie the jar holds
// for u, else the token learned from a page.
func (a *Authenticator) current(u *url.URL) (token, bool) {
	a.mu.Lock()
	s, t := a.sess, a.tok
	a.mu.Unlock()
	if s != nil && u != nil {
		if name, v := a.csrfCookie(s.Jar(), u); v != "" {
			return a.cookieToken(name, v), true
		}
		if t.fromCookie() {
			return token{}, false // the cookie is gone from the jar
		}
	}
	return t, t.value != ""
}

// cookieToken is the token of the CSRF cookie name with value v.
func (a *Authenticator) cookieToken(name, v string) token {
	return token{value: v, header: a.cookieHeader(name), param: a.o.CSRF.Param, source: "cookie:" + name}
}

// searchFor looks for a token on behalf of req, unless the Authenticator
// has no Session yet or a search since the last login found none.
func (a *Authenticator) searchFor(req *http.Request) (token, bool) {
	a.mu.Lock()
	s := a.sess
	a.mu.Unlock()
	if s == nil {
		return token{}, false
	}
	a.ioMu.Lock()
	defer a.ioMu.Unlock()
	if t, ok := a.current(req.URL); ok {
		return t, true
	}
	a.mu.Lock()
	done := a.searched == a.epoch+1
	a.mu.Unlock()
	if done {
		return token{}, false
	}
	t, found, _, err := a.discover(internal(req.Context()), s)
	if err != nil || !found {
		return token{}, false
	}
	s.StateChanged()
	return t, true
}

// attach puts t into req where the server looks for it.
func (a *Authenticator) attach(req *http.Request, t token) {
	a.mu.Lock()
	masked, inQuery := a.cookieMasked, a.pageInQuery
	a.mu.Unlock()
	if t.fromCookie() {
		v := t.value
		if masked {
			v = MaskCSRF(v)
		}
		setIfAbsent(req.Header, t.header, v)
		return
	}
	switch {
	case inQuery:
		req.URL.RawQuery = replaceParam(req.URL.RawQuery, t.param, t.value)
	case isFormBody(req):
		setFormParam(req, t)
	default:
		setIfAbsent(req.Header, t.header, t.value)
	}
}

func setIfAbsent(h http.Header, name, value string) {
	k := canonicalKey(name)
	if vs := h[k]; len(vs) == 0 || vs[0] == "" { // h.Get(name) == ""
		h[k] = []string{value}
	}
}

// headerValue is h.Get(name), without canonicalizing name anew on every
// request.
func headerValue(h http.Header, name string) string {
	if vs := h[canonicalKey(name)]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// canonicalKeys caches the canonical form of the header names tokens go
// in (configured, or named by a page): they are used on every unsafe
// request, and canonicalizing one that is not already canonical
// ("X-CSRF-TOKEN") allocates.
var (
	canonicalKeys    sync.Map // string to string
	canonicalKeysLen atomic.Int32
)

// maxCanonicalKeys bounds canonicalKeys: the names come from pages.
const maxCanonicalKeys = 64

// canonicalKey returns http.CanonicalHeaderKey(name).
func canonicalKey(name string) string {
	if k, ok := canonicalKeys.Load(name); ok {
		return k.(string)
	}
	k := http.CanonicalHeaderKey(name)
	if canonicalKeysLen.Load() < maxCanonicalKeys {
		if _, loaded := canonicalKeys.LoadOrStore(name, k); !loaded {
			canonicalKeysLen.Add(1)
		}
	}
	return k
}

// safeMethod reports whether Spring's CsrfFilter lets a method through
// without a token.
func safeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, "":
		return true
	}
	return false
}

// withCredentials returns h with the Basic credentials added, for basicKind.
func (a *Authenticator) withCredentials(h http.Header) http.Header {
	if a.kind == basicKind {
		if h == nil {
			h = make(http.Header)
		}
		if c := a.cred.Load(); c != nil {
			h.Set("Authorization", c.basic)
		}
	}
	return h
}

// Refresh implements limpet.CSRFStrategy, so that an Authenticator made by
// CSRF combines with a login of another kind in limpet.Chain: after a
// login (limpet.NoSession, limpet.SessionExpired) it forgets the token the
// old session had; after a rejection (limpet.CSRFRejected) it looks for a
// fresh token, switching placement when the same token was refused, and
// returns an error wrapping limpet.ErrSessionNotEstablished when the pages
// show that the session is gone.
func (a *Authenticator) Refresh(ctx context.Context, s limpet.Env, v limpet.Verdict) error {
	a.bind(s)
	a.ioMu.Lock()
	defer a.ioMu.Unlock()
	if v.Kind != limpet.CSRFRejected {
		a.resetCSRF()
		return nil
	}
	gone, err := a.refreshCSRF(ctx, s)
	if err != nil {
		return err
	}
	if gone {
		return fmt.Errorf("spring: %w: the pages show the session is gone (%s)", limpet.ErrSessionNotEstablished, v.Reason)
	}
	return nil
}

var _ limpet.CSRFStrategy = (*Authenticator)(nil)
