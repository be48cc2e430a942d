package webform

// This file is the whole of the package's contact with limpet.Session:
// everything else talks to env.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/store"
)

// ErrBadCredentials is wrapped by the error of a login that the server
// refused for its user name or password: it answered with the login form
// again, redirected back to the login page, or answered 401.
var ErrBadCredentials = errors.New("webform: bad credentials")

// env is what the login needs of a session.
type env interface {
	// do sends one of the Authenticator's own requests.
	do(ctx context.Context, r *limpet.Request) (*limpet.Response, error)
	// cookies returns the cookies the session sends to u.
	cookies(u *url.URL) []*http.Cookie
	// changed tells the session that the saved state changed.
	changed()
}

// sessionEnv is a limpet.Session as an env.
type sessionEnv struct{ s *limpet.Session }

func (e sessionEnv) do(ctx context.Context, r *limpet.Request) (*limpet.Response, error) {
	return e.s.Do(ctx, r)
}

func (e sessionEnv) cookies(u *url.URL) []*http.Cookie {
	if j := e.s.Jar(); j != nil {
		return j.Cookies(u)
	}
	return nil
}

func (e sessionEnv) changed() { e.s.StateChanged() }

// Login logs the Session in (limpet.Authenticator): see the package
// documentation. It returns an error wrapping ErrBadCredentials when the
// server refuses the user or password.
func (a *Authenticator) Login(ctx context.Context, s *limpet.Session) error {
	return a.loginEnv(ctx, a.bind(s))
}

// Recover brings the session back after Check's verdict
// (limpet.Authenticator): a new login for limpet.SessionExpired; fresh
// CSRF tokens for limpet.CSRFRejected, or a new login when the page they
// are read from shows the session gone.
func (a *Authenticator) Recover(ctx context.Context, s *limpet.Session, v limpet.Verdict) error {
	return a.recoverEnv(ctx, a.bind(s), v.Kind == limpet.CSRFRejected, v.Reason)
}

// BindSession implements limpet.SessionBinder: Prepare can then fetch a
// CSRF token before the first unsafe request of a restored session.
func (a *Authenticator) BindSession(s *limpet.Session) { a.bind(s) }

func (a *Authenticator) bind(s *limpet.Session) env {
	e := sessionEnv{s}
	a.mu.Lock()
	a.env = e
	a.mu.Unlock()
	return e
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
