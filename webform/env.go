package webform

// This file is the whole of the package's contact with limpet.Session:
// everything else talks to env.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/store"
)

// ErrBadCredentials is limpet.ErrBadCredentials: the Reason of the
// *limpet.LoginError of a login that the server refused for its user name
// or password (it answered with the login form again, redirected back to
// the login page, or answered 401).
var ErrBadCredentials = limpet.ErrBadCredentials

// env is what the login needs of a session.
type env interface {
	// do sends one of the Authenticator's own requests.
	do(ctx context.Context, r *limpet.Request) (*limpet.Response, error)
	// cookies returns the cookies the session sends to u.
	cookies(u *url.URL) []*http.Cookie
	// changed tells the session that the saved state changed.
	changed()
}

// sessionEnv is a limpet.Env as an env.
type sessionEnv struct{ e limpet.Env }

func (e sessionEnv) do(ctx context.Context, r *limpet.Request) (*limpet.Response, error) {
	return e.e.Send(ctx, r)
}

func (e sessionEnv) cookies(u *url.URL) []*http.Cookie {
	if j := e.e.Jar(); j != nil {
		return j.Cookies(u)
	}
	return nil
}

func (e sessionEnv) changed() { e.e.StateChanged() }

// Recover logs in (limpet.Authenticator) for limpet.NoSession and
// limpet.SessionExpired: see the package documentation; a login the
// server refuses is a *limpet.LoginError (Reason ErrBadCredentials for a
// wrong user or password). For limpet.CSRFRejected it reads the CSRF
// token again from the page the login ended on, or logs in again when
// that page shows the session gone.
func (a *Authenticator) Recover(ctx context.Context, e limpet.Env, v limpet.Verdict) error {
	return a.recoverEnv(ctx, a.bind(e), v.Kind == limpet.CSRFRejected, v.Reason)
}

// Prepare adds a CSRF token to unsafe requests (POST, PUT, PATCH, DELETE)
// to the login's origin (limpet.Authenticator): a cookie token, read
// again for every request, else the token of a page of that origin, in
// its header and, for a url-encoded body without it, in its field. When
// it knows none it reads the page the login ended on, once per login.
func (a *Authenticator) Prepare(e limpet.Env, req *http.Request) error {
	var en env
	if e != nil {
		en = a.bind(e)
	}
	return a.prepare(en, req)
}

// BindSession implements limpet.SessionBinder.
func (a *Authenticator) BindSession(e limpet.Env) { a.bind(e) }

func (a *Authenticator) bind(e limpet.Env) env {
	en := sessionEnv{e}
	a.mu.Lock()
	a.env = en
	a.mu.Unlock()
	return en
}

// Check classifies a response (limpet.Authenticator); see the package
// documentation for what each answer means.
func (a *Authenticator) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	if resp == nil || resp.Response == nil || isInternal(req.Context()) {
		return limpet.Verdict{}
	}
	chain := append(append([]*http.Response(nil), resp.History...), resp.Response)
	kind, notRun, reason := a.check(req, chain, func(n int) []byte { return peek(resp, n) })
	switch kind {
	case verdictCSRF:
		return limpet.Verdict{Kind: limpet.CSRFRejected, NotExecuted: notRun, Reason: reason}
	case verdictExpired:
		return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: notRun, Reason: reason}
	}
	return limpet.Verdict{}
}

// stateOwner names the Authenticator's entry in a snapshot's State.
const stateOwner = "webform"

// SaveState implements limpet.StateSaver: what the login learned (its
// pages, the single sign-on provider, the CSRF tokens of pages), never the
// password.
func (a *Authenticator) SaveState(s *store.Snapshot) {
	a.mu.Lock()
	st, ok := a.st.clone(), a.loggedIn
	a.mu.Unlock()
	if !ok || st.Updated.IsZero() {
		return
	}
	_ = s.SetState(stateOwner, stateVersion, st.Updated, st)
}

// LoadState implements limpet.StateSaver.
func (a *Authenticator) LoadState(s store.Snapshot) {
	entry, ok := s.LookupState(stateOwner)
	if !ok || entry.Version != stateVersion {
		return
	}
	var st learned
	if err := json.Unmarshal(entry.Data, &st); err != nil {
		return
	}
	a.mu.Lock()
	if st.Updated.After(a.st.Updated) {
		a.st, a.loggedIn = st, true
	}
	a.mu.Unlock()
}

// Tokens is the CSRF handling of Login as a piece for limpet.Chain, for a
// Session whose login is another piece (or none): it reads tokens with
// its strategies from cookies and from the page at its URL, adds them to
// unsafe requests to that page's origin, and reads them again after a
// login and after a refusal. Make it with CSRF.
type Tokens struct{ a *Authenticator }

var _ limpet.CSRFStrategy = (*Tokens)(nil)

// CSRF returns a Tokens that reads page tokens from page (an absolute URL
// of a page of the application, one with a form or a csrf-token meta
// tag) with strategies (nil: DefaultStrategies).
func CSRF(page string, strategies []Strategy) *Tokens {
	return &Tokens{a: Login(page, "", "", Options{CSRF: strategies, Probe: page})}
}

// String names the piece.
func (t *Tokens) String() string { return fmt.Sprintf("webform.CSRF(%q)", redactURL(t.a.start)) }

// Prepare implements limpet.CSRFStrategy.
func (t *Tokens) Prepare(e limpet.Env, req *http.Request) error { return t.a.Prepare(e, req) }

// Check implements limpet.CSRFStrategy: a CSRFRejected verdict for a
// refused token (see the package documentation), else OK.
func (t *Tokens) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	if v := t.a.Check(req, resp); v.Kind == limpet.CSRFRejected {
		return v
	}
	return limpet.Verdict{}
}

// Refresh implements limpet.CSRFStrategy: it reads the token again from
// the page, and reports limpet.ErrSessionNotEstablished when the page
// shows a login form or answers 401.
func (t *Tokens) Refresh(ctx context.Context, e limpet.Env, v limpet.Verdict) error {
	a := t.a
	if a.startErr != nil {
		return a.startErr
	}
	en := a.bind(e)
	a.ioMu.Lock()
	defer a.ioMu.Unlock()
	a.mu.Lock()
	a.epoch++
	a.st.Tokens = nil
	a.mu.Unlock()
	p, err := a.get(ctx, en, a.start.String())
	if err != nil {
		return err
	}
	if a.gone(p) {
		return fmt.Errorf("webform: %s shows the login (%d): %w", redactURL(p.url), p.status, limpet.ErrSessionNotEstablished)
	}
	a.mu.Lock()
	a.loggedIn = true
	a.mu.Unlock()
	if a.readTokens(en, p) {
		en.changed()
	}
	return nil
}
