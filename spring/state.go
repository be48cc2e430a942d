package spring

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/limpet-http/limpet/internal/legacystate"
	"github.com/limpet-http/limpet/store"
)

// StateOwner is the key of the Authenticator's state in
// store.Snapshot.State.
const StateOwner = "spring"

// stateVersion is the layout version of the saved state.
const stateVersion = 1

// Flow names of the login recipes the Authenticator saves (the flow of
// its saved recipe).
const (
	FlowForm  = "spring-form"
	FlowBasic = "spring-basic"
)

// Keys of the Params of the saved recipe.
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

// savedState is the Authenticator's state as saved under StateOwner: the
// CSRF token it holds and, once a login succeeded, its login recipe, each
// with the time it last changed.
type savedState struct {
	CSRF  *savedCSRF  `json:"csrf,omitempty"`
	Login *savedLogin `json:"login,omitempty"`
}

type savedCSRF struct {
	Token   string    `json:"token,omitempty"`
	Header  string    `json:"header,omitempty"`
	Param   string    `json:"param,omitempty"`
	Source  string    `json:"source,omitempty"` // "cookie:XSRF-TOKEN", "form:_csrf", ...
	Updated time.Time `json:"updated"`
}

type savedLogin struct {
	URL     string            `json:"url,omitempty"`
	Flow    string            `json:"flow"`
	User    string            `json:"user,omitempty"`
	Params  map[string]string `json:"params,omitempty"`
	Updated time.Time         `json:"updated"`
}

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
// (limpet.StateSaver), under StateOwner: the CSRF token with where it came
// from and where it goes, and, once a login succeeded, the login recipe:
// the URL, flow, user name, form fields, probe and the learned token
// placement. The password is never saved.
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
	var saved savedState
	if !updated.IsZero() {
		c := &savedCSRF{Updated: updated.UTC()}
		if t.value != "" {
			c.Token, c.Header, c.Param, c.Source = t.value, t.header, t.param, t.source
		}
		saved.CSRF = c
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.loggedIn && a.kind != csrfKind {
		saved.Login = a.savedLogin()
	}
	at := updated
	if saved.Login != nil && saved.Login.Updated.After(at) {
		at = saved.Login.Updated
	}
	if saved.CSRF == nil && saved.Login == nil {
		return
	}
	if snap.SetState(StateOwner, stateVersion, at.UTC(), saved) == nil {
		for _, m := range a.legacy {
			legacystate.Remove(snap, m)
		}
	}
}

// savedLogin returns the login recipe to save. a.mu is held.
func (a *Authenticator) savedLogin() *savedLogin {
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
	return &savedLogin{URL: u, Flow: a.flow(), User: user, Params: params, Updated: a.loginUpdated.UTC()}
}

// LoadState takes the Authenticator's state from a snapshot that was loaded
// or merged (limpet.StateSaver): a CSRF token newer than the one it holds,
// and, from a recipe of the same flow and user, that this user logged in
// before and where the server wants the token. A snapshot without state
// under StateOwner, written by an earlier release, has it in its "csrf"
// and "login" members: they are converted, and the next save removes them.
func (a *Authenticator) LoadState(snap store.Snapshot) {
	saved, legacy, ok := stateOf(snap)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range legacy {
		if !slices.Contains(a.legacy, m) {
			a.legacy = append(a.legacy, m)
		}
	}
	if c := saved.CSRF; c != nil && c.Updated.After(a.updated) {
		a.updated = c.Updated
		a.searched, a.suspect = 0, nil
		a.tok = a.restoredToken(c, snap.Cookies)
	}
	if l := saved.Login; l != nil && a.kind != csrfKind && (l.User == a.userName() || a.cred.Load() == nil) && l.Flow == a.flow() &&
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

// SavedCSRF returns the CSRF token s keeps for an Authenticator (its
// state, or an earlier release's "csrf" member): its value, the header it
// goes in, and where it was found ("cookie:XSRF-TOKEN", "form:_csrf", ...).
// ok is false when s keeps none.
func SavedCSRF(s store.Snapshot) (value, header, source string, ok bool) {
	saved, _, found := stateOf(s)
	if !found || saved.CSRF == nil || saved.CSRF.Token == "" {
		return "", "", "", false
	}
	c := saved.CSRF
	return c.Token, c.Header, c.Source, true
}

// stateOf returns the state snap keeps for an Authenticator: its State
// entry, or what an earlier release kept in the "csrf" and "login"
// members, with the names of those members. ok is false when there is
// none, or only a version newer than this one knows.
func stateOf(snap store.Snapshot) (saved savedState, legacy []string, ok bool) {
	if st, found := snap.LookupState(StateOwner); found {
		if st.Version != stateVersion || json.Unmarshal(st.Data, &saved) != nil {
			return savedState{}, nil, false
		}
		return saved, nil, true
	}
	if _, found := snap.State[StateOwner]; found {
		return savedState{}, nil, false // a removal record
	}
	if c, found := legacystate.CSRFOf(snap); found {
		saved.CSRF = &savedCSRF{Token: c.Token, Header: c.HeaderName, Param: c.ParamName, Source: c.Source, Updated: c.Updated.Time}
		legacy = append(legacy, legacystate.MemberCSRF)
	}
	// The command line's recipes (they say where the password comes from)
	// are the command line's to convert.
	if l, found := legacystate.LoginOf(snap); found && (l.Flow == FlowForm || l.Flow == FlowBasic) {
		saved.Login = &savedLogin{URL: l.URL, Flow: l.Flow, User: l.User, Params: l.Params, Updated: l.Updated.Time}
		if l.PasswordFrom == "" {
			legacy = append(legacy, legacystate.MemberLogin)
		}
	}
	return saved, legacy, saved.CSRF != nil || saved.Login != nil
}

// restoredToken rebuilds a token from its saved form; a token from a
// cookie takes the saved cookie's value, which may be newer.
func (a *Authenticator) restoredToken(c *savedCSRF, cookies []store.Cookie) token {
	if c.Token == "" {
		return token{}
	}
	t := token{value: c.Token, header: c.Header, param: c.Param, source: c.Source}
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
