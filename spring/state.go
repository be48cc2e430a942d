package spring

import (
	"strings"

	"github.com/limpet-http/limpet/store"
)

// Flow names of the login recipes the Authenticator saves (store.Login.Flow).
const (
	FlowForm  = "spring-form"
	FlowBasic = "spring-basic"
)

// Keys of store.Login.Params in the saved recipe.
const (
	paramLoginPage  = "login-page"
	paramUserField  = "username-param"
	paramPassField  = "password-param"
	paramProbe      = "probe"
	paramLogout     = "logout-url"
	paramRememberMe = "remember-me"
	paramCookieMode = "csrf-cookie" // "masked" or "raw"
	paramPageMode   = "csrf-page"   // "query" or "body-or-header"
	paramLoginJSON  = "login-json"  // "true": the credentials go as a JSON object
)

func (a *Authenticator) flow() string {
	switch a.kind {
	case formKind:
		return FlowForm
	case basicKind:
		return FlowBasic
	}
	return ""
}

// SaveState adds the Authenticator's state to a snapshot about to be saved
// (limpet.StateSaver): the CSRF token with where it came from and where it
// goes, and, once a login succeeded, the login recipe: the URL, flow, user
// name, form fields, probe and the learned token placement. The password
// is never saved.
func (a *Authenticator) SaveState(snap *store.Snapshot) {
	a.mu.Lock()
	sess, base, t := a.sess, a.base, a.tok
	updated := a.updated
	a.mu.Unlock()
	if sess != nil && base != nil {
		if name, v := a.csrfCookie(sess.Jar(), base); v != "" {
			t = a.cookieToken(name, v) // the jar's cookie is the token
		} else if t.fromCookie() {
			t = token{} // the cookie is gone
		}
	}
	if !updated.IsZero() {
		c := &store.CSRF{Updated: updated.UTC()}
		if t.value != "" {
			c.Token, c.HeaderName, c.ParamName, c.Source = t.value, t.header, t.param, t.source
		}
		snap.CSRF = c
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.loggedIn || a.kind == csrfKind {
		return
	}
	u := a.loginURL
	if u == "" {
		u = a.o.LoginURL // restored, not used in this process
	}
	if u == "" {
		u = a.o.LoginPage
	}
	params := map[string]string{
		paramLoginPage:  a.o.LoginPage,
		paramProbe:      a.o.Probe,
		paramLogout:     a.o.LogoutURL,
		paramCookieMode: "raw",
		paramPageMode:   "body-or-header",
	}
	if a.userParam != "" && (a.userParam != DefaultUsernameParam || a.passParam != DefaultPasswordParam) {
		params[paramUserField], params[paramPassField] = a.userParam, a.passParam
	}
	if a.o.RememberMe {
		params[paramRememberMe] = "true"
	}
	if a.o.LoginJSON {
		params[paramLoginJSON] = "true"
	}
	if a.cookieMasked {
		params[paramCookieMode] = "masked"
	}
	if a.pageInQuery {
		params[paramPageMode] = "query"
	}
	user := a.userName()
	if user == "" {
		user = a.restoredUser // credentials not fetched in this process: the recipe's user
	}
	snap.Login = &store.Login{URL: u, Flow: a.flow(), User: user, Params: params, Updated: a.loginUpdated.UTC()}
}

// LoadState takes the Authenticator's state from a snapshot that was loaded
// or merged (limpet.StateSaver): a CSRF token newer than the one it holds,
// and, from a recipe of the same flow and user, that this user logged in
// before and where the server wants the token.
func (a *Authenticator) LoadState(snap store.Snapshot) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := snap.CSRF; c != nil && c.Updated.After(a.updated) {
		a.updated = c.Updated
		a.searched, a.suspect = 0, nil
		a.tok = a.restoredToken(c, snap.Cookies)
	}
	if l := snap.Login; l != nil && a.kind != csrfKind && (l.User == a.userName() || a.cred.Load() == nil) && l.Flow == a.flow() &&
		l.Updated.After(a.loginUpdated) {
		a.loggedIn, a.loginUpdated = true, l.Updated
		a.cookieMasked, a.cookieLearned = l.Params[paramCookieMode] == "masked", true
		a.restoredUser = l.User
		a.pageInQuery = l.Params[paramPageMode] == "query"
		if a.o.LoginURL == "" && strings.HasPrefix(l.URL, "http") {
			a.loginURL = l.URL
		}
	}
}

// restoredToken rebuilds a token from its saved form; a token from a
// cookie takes the saved cookie's value, which may be newer.
func (a *Authenticator) restoredToken(c *store.CSRF, cookies []store.Cookie) token {
	if c.Token == "" {
		return token{}
	}
	t := token{value: c.Token, header: c.HeaderName, param: c.ParamName, source: c.Source}
	if t.param == "" {
		t.param = a.o.CSRF.Param
	}
	if t.fromCookie() {
		name := strings.TrimPrefix(t.source, "cookie:")
		if !validHeaderName(t.header) {
			t.header = a.cookieHeader(name)
		}
		var best *store.Cookie
		for i := range cookies {
			ck := &cookies[i]
			if ck.Name == name && ck.Value != "" && (best == nil || ck.Updated.After(best.Updated)) {
				best = ck
			}
		}
		if best != nil {
			t.value = best.Value
		}
		return t
	}
	if !validHeaderName(t.header) {
		t.header = a.o.CSRF.Header
	}
	if t.source == "" {
		t.source = "stored"
	}
	return t
}
