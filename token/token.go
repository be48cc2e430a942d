package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/legacystate"
	"github.com/limpet-http/limpet/store"
)

// DefaultSkew is how long before its expiry a token is renewed when
// Options.Skew is zero, for a token that lives two minutes or more; a
// shorter-lived token is renewed a quarter of its lifetime before it
// expires (a 20 s token after 15 s), not on every request.
const DefaultSkew = 30 * time.Second

// Options are the settings every token Authenticator shares. The zero value
// is valid.
type Options struct {
	// Name identifies the token in the session store: its state is saved
	// under the owner StatePrefix+Name.
	// Empty means a name made from the flow and its endpoint, such as
	// "jwt POST https://api.example.com/login".
	Name string
	// Skew is how long before its expiry a token is renewed; zero means
	// DefaultSkew (scaled to short lifetimes), a negative value renews
	// only tokens already expired.
	Skew time.Duration
	// Now is the clock; nil means time.Now. Tests set it to move time.
	Now func() time.Time
	// Origins, when set, limits the bearer token to requests whose URL has
	// one of these origins ("https://api.example.com"); nil sends it with
	// every request of the Session that has no Authorization header of its
	// own.
	Origins []string
	// Check, when set, replaces DefaultCheck: it tells from a response
	// whether the token was refused.
	Check func(req *http.Request, resp *limpet.Response) limpet.Verdict
}

// grant obtains and renews tokens for an Authenticator.
type grant interface {
	// obtain gets a new token from scratch: a login, client credentials,
	// the authorization code flow.
	obtain(ctx context.Context, s limpet.Env) (*oauth2.Token, error)
	// refresh renews cur; an error for which needsObtain is true makes
	// the Authenticator obtain a new token instead.
	refresh(ctx context.Context, s limpet.Env, cur *oauth2.Token) (*oauth2.Token, error)
	// recipe describes the flow for the session store, without secrets.
	recipe() savedRecipe
}

// errNoRefresh is returned by grants that cannot refresh a token.
var errNoRefresh = errors.New("token: the flow has no refresh")

// needsObtain reports whether a refresh failure calls for a new token
// from scratch: the grant has no refresh, or the server refused the
// refresh token (400 invalid_grant: expired or revoked).
func needsObtain(err error) bool {
	if errors.Is(err, errNoRefresh) {
		return true
	}
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}

// Authenticator sends a bearer token with a Session's requests and keeps
// it fresh: it obtains the token on Session.Login or on the server's first
// 401, renews it Skew before it expires (from expires_in, or the JWT's exp
// claim), renews it once when the server refuses it (401 with
// error="invalid_token") before the Session replays the request, and hands
// every new or rotated token to the Session's store, so that it survives
// the process.
//
// Set it as limpet.Options.Authenticator; with limpet.Options.Store the
// token and the login recipe (never a password or client secret) are saved
// with the session and restored by the next New. It is safe for concurrent
// use: renewals are serialised, and requests that find a token still valid
// while another goroutine renews it do not wait.
type Authenticator struct {
	g    grant
	name string
	skew time.Duration
	// scaleSkew: Skew was left to its default, which shrinks to a quarter
	// of a shorter token's lifetime.
	scaleSkew bool
	now       func() time.Time
	origins   []string
	check     func(*http.Request, *limpet.Response) limpet.Verdict
	created   time.Time

	renewMu sync.Mutex // held while a token is obtained or refreshed

	authz atomic.Pointer[authzHeader] // the last token's Authorization header (authorization)

	mu          sync.Mutex // guards the fields below
	tok         *oauth2.Token
	expiry      time.Time      // when tok expires; zero when unknown
	updated     time.Time      // when tok was obtained (or restored: its stored Updated)
	rejected    bool           // the server refused tok
	seed        bool           // tok was given to the constructor: any stored token replaces it
	legacy      bool           // tok came from an earlier release's "tokens" member: the next save removes it there
	legacyLogin bool           // and its recipe from the "login" member
	loaded      store.Snapshot // the snapshot the legacy token came from
	s           limpet.Env
}

func newAuthenticator(g grant, o Options, defaultName string) *Authenticator {
	a := &Authenticator{g: g, name: o.Name, skew: o.Skew, now: o.Now, check: o.Check}
	if a.name == "" {
		a.name = defaultName
	}
	if a.skew == 0 {
		a.skew, a.scaleSkew = DefaultSkew, true
	} else if a.skew < 0 {
		a.skew = 0
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.check == nil {
		a.check = DefaultCheck
	}
	for _, o := range o.Origins {
		a.origins = append(a.origins, strings.ToLower(strings.TrimSuffix(o, "/")))
	}
	a.created = a.now().Round(0).UTC()
	return a
}

// Name returns the name the token is stored under (its state's owner is
// StatePrefix+Name).
func (a *Authenticator) Name() string { return a.name }

// Token returns a copy of the current token, or nil before one was
// obtained or restored. Its Expiry is the one the Authenticator renews
// by, computed with Options.Now.
func (a *Authenticator) Token() *oauth2.Token {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok == nil {
		return nil
	}
	t := *a.tok
	t.Expiry = a.expiry
	return &t
}

// Recover makes sure the Session has a usable token
// (limpet.Authenticator). For a login (limpet.NoSession) it keeps a token
// that is still valid (restored from the store, for example) and obtains a
// new one otherwise. After the server refused the token it refreshes it (a
// refresh token, or the flow's own renewal), obtains a new one when the
// refresh is refused, and does nothing when the token the server refused
// was already replaced. It also lets the Authenticator renew tokens ahead
// of their expiry through s.
func (a *Authenticator) Recover(ctx context.Context, s limpet.Env, v limpet.Verdict) error {
	a.bind(s)
	a.renewMu.Lock()
	defer a.renewMu.Unlock()
	if a.usable() {
		return nil
	}
	_, err := a.renewLocked(ctx, s, v.Kind != limpet.NoSession)
	return err
}

// Prepare adds "Authorization: Bearer TOKEN" to req, unless req already
// has an Authorization header or lies outside Options.Origins. A token
// within Skew of its expiry is renewed first; should that fail while the
// token is still valid, the token is sent as it is.
func (a *Authenticator) Prepare(env limpet.Env, req *http.Request) error {
	if req.Header.Get("Authorization") != "" || !a.inScope(req.URL) {
		return nil
	}
	tok, err := a.current(req.Context())
	if err != nil {
		return err
	}
	if tok != nil {
		req.Header["Authorization"] = a.authorization(tok)
	}
	return nil
}

// authorization returns the Authorization header's value for tok, made
// once per token rather than once per request. The slice is shared, its
// capacity capped (as the Session shares its default headers): an append
// copies it.
func (a *Authenticator) authorization(tok *oauth2.Token) []string {
	if c := a.authz.Load(); c != nil && c.tok == tok {
		return c.value[:1:1]
	}
	c := &authzHeader{tok: tok, value: []string{tok.Type() + " " + tok.AccessToken}}
	a.authz.Store(c)
	return c.value[:1:1]
}

// authzHeader is the Authorization header made for a token.
type authzHeader struct {
	tok   *oauth2.Token
	value []string
}

// Check classifies the response with Options.Check (DefaultCheck unless
// replaced) and remembers when the server refused the current token.
// Responses to requests outside Options.Origins are limpet.OK: the token
// was not sent there.
func (a *Authenticator) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	if !a.inScope(req.URL) {
		return limpet.Verdict{}
	}
	v := a.check(req, resp)
	if v.Kind == limpet.TokenExpired || v.Kind == limpet.SessionExpired {
		sent := req.Header.Get("Authorization")
		a.mu.Lock()
		if a.tok == nil || sent == "" || sent == a.tok.Type()+" "+a.tok.AccessToken {
			a.rejected = true
		}
		a.mu.Unlock()
	}
	return v
}

// DefaultCheck reads a 401 as a refused token (limpet.TokenExpired, with
// NotExecuted set: the request was stopped before the application). Its
// reason quotes the Bearer challenge's error and description, such as
// `401 invalid_token: Jwt expired at ...`. Every other response, 403
// insufficient_scope included, is limpet.OK: a new token would not help.
func DefaultCheck(req *http.Request, resp *limpet.Response) limpet.Verdict {
	if resp.StatusCode != http.StatusUnauthorized {
		return limpet.Verdict{}
	}
	cs, _ := ParseChallenges(resp.Header.Values("WWW-Authenticate"))
	reason := "401"
	if c, ok := Find(cs, "Bearer"); ok {
		switch e := c.Params["error"]; e {
		case "":
			reason = "401 without a usable token"
		case "insufficient_scope":
			return limpet.Verdict{}
		default:
			reason = "401 " + e
			if d := c.Params["error_description"]; d != "" {
				reason += ": " + d
			}
		}
	}
	return limpet.Verdict{Kind: limpet.TokenExpired, NotExecuted: true, Reason: reason}
}

// StatePrefix starts the owner names of the token Authenticators' state in
// store.Snapshot.State: an Authenticator saves its token under
// StatePrefix+Name, so that each token source has an entry of its own.
const StatePrefix = "token/"

// stateVersion is the layout version of the saved state.
const stateVersion = 1

// savedState is an Authenticator's state as saved: its token (none: the
// token was dropped) and the recipe of its flow.
type savedState struct {
	AccessToken  string       `json:"access_token,omitempty"`
	RefreshToken string       `json:"refresh_token,omitempty"`
	TokenType    string       `json:"token_type,omitempty"`
	Expiry       time.Time    `json:"expiry,omitzero"`
	Recipe       *savedRecipe `json:"recipe,omitempty"`
}

// savedRecipe describes a token flow, without secrets.
type savedRecipe struct {
	URL    string            `json:"url,omitempty"`
	Flow   string            `json:"flow"`
	User   string            `json:"user,omitempty"`
	Params map[string]string `json:"params,omitempty"`
}

// SaveState adds the token, with the recipe of its flow, to a snapshot
// about to be saved (limpet.StateSaver), under StatePrefix+Name. Secrets
// other than the tokens themselves are never written; the token is, as the
// session needs it (the stores keep files only their owner can read).
func (a *Authenticator) SaveState(snap *store.Snapshot) {
	r := a.g.recipe()
	r.Params = maps.Clone(r.Params)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok == nil {
		return
	}
	saved := savedState{AccessToken: a.tok.AccessToken, RefreshToken: a.tok.RefreshToken, TokenType: a.tok.TokenType,
		Expiry: a.expiry, Recipe: &r}
	if snap.SetState(StatePrefix+a.name, stateVersion, a.updated, saved) != nil {
		return
	}
	if a.legacy {
		legacystate.RemoveToken(snap, a.loaded, a.name)
	}
	if a.legacyLogin {
		legacystate.Remove(snap, legacystate.MemberLogin)
	}
}

// LoadState adopts the snapshot's token for this Authenticator's Name when
// it is newer than the one held (limpet.StateSaver): restored by New, or
// saved by another process meanwhile. A snapshot without state for Name,
// written by an earlier release, has the token in its "tokens" member: it
// is converted, and the next save removes it there (and the recipe of this
// flow from the "login" member).
func (a *Authenticator) LoadState(snap store.Snapshot) {
	saved, updated, legacy, ok := a.stateOf(snap)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if legacy {
		a.legacy, a.loaded = true, snap
		r := a.g.recipe()
		if l, found := legacystate.LoginOf(snap); found && l.Flow == r.Flow && l.URL == r.URL && l.PasswordFrom == "" {
			a.legacyLogin = true
		}
	}
	if a.tok == nil || a.seed || updated.After(a.updated) {
		if saved.AccessToken == "" && saved.RefreshToken == "" {
			a.tok, a.expiry = nil, time.Time{}
		} else {
			a.tok = &oauth2.Token{AccessToken: saved.AccessToken, RefreshToken: saved.RefreshToken, TokenType: saved.TokenType, Expiry: saved.Expiry}
			a.expiry = saved.Expiry
		}
		a.updated, a.rejected, a.seed = updated, false, false
	}
}

// SavedTokens returns the tokens s keeps, by the Name of the Authenticator
// that saved them: their State entries, and the tokens of an earlier
// release's "tokens" member that have none. Dropped tokens are left out.
func SavedTokens(s store.Snapshot) map[string]oauth2.Token {
	out := map[string]oauth2.Token{}
	for owner := range s.State {
		name, ok := strings.CutPrefix(owner, StatePrefix)
		if !ok {
			continue
		}
		a := &Authenticator{name: name}
		if saved, _, _, ok := a.stateOf(s); ok && (saved.AccessToken != "" || saved.RefreshToken != "") {
			out[name] = oauth2.Token{AccessToken: saved.AccessToken, RefreshToken: saved.RefreshToken, TokenType: saved.TokenType, Expiry: saved.Expiry}
		}
	}
	for _, t := range legacystate.Tokens(s) {
		if _, entry := s.State[StatePrefix+t.Source]; !entry && (t.AccessToken != "" || t.RefreshToken != "") {
			out[t.Source] = oauth2.Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType, Expiry: t.Expiry.Time}
		}
	}
	return out
}

// stateOf returns the token snap keeps for the Authenticator: its State
// entry, or the one an earlier release kept in the "tokens" member
// (legacy). ok is false when there is none, or only a version newer than
// this one knows.
func (a *Authenticator) stateOf(snap store.Snapshot) (saved savedState, updated time.Time, legacy, ok bool) {
	owner := StatePrefix + a.name
	if st, found := snap.LookupState(owner); found {
		if st.Version != stateVersion || json.Unmarshal(st.Data, &saved) != nil {
			return savedState{}, time.Time{}, false, false
		}
		return saved, st.Updated, false, true
	}
	if _, found := snap.State[owner]; found {
		return savedState{}, time.Time{}, false, false // a removal record
	}
	t, found := legacystate.TokenOf(snap, a.name)
	if !found {
		return savedState{}, time.Time{}, false, false
	}
	return savedState{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType, Expiry: t.Expiry.Time},
		t.Updated.Time, true, true
}

func (a *Authenticator) bind(s limpet.Env) {
	a.mu.Lock()
	a.s = s
	a.mu.Unlock()
}

// BindSession implements limpet.SessionBinder: the Session hands itself
// over when it is created, so that a token restored from the store is
// renewed ahead of its expiry from the first request on.
func (a *Authenticator) BindSession(s limpet.Env) { a.bind(s) }

// usable reports whether the current token may be sent: held, not refused,
// and not within Skew of its expiry.
func (a *Authenticator) usable() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tok != nil && !a.rejected && (a.expiry.IsZero() || a.now().Before(a.expiry.Add(-a.skewLocked())))
}

// skewLocked returns how long before its expiry the token is renewed:
// Options.Skew; the default, DefaultSkew, is at most a quarter of the
// token's lifetime (from when it was obtained to its expiry, by expires_in
// or the exp claim), so that a token that lives less than DefaultSkew is
// not renewed on every request. a.mu is held.
func (a *Authenticator) skewLocked() time.Duration {
	if !a.scaleSkew || a.expiry.IsZero() || a.updated.IsZero() {
		return a.skew
	}
	if life := a.expiry.Sub(a.updated); life > 0 && a.skew > life/4 {
		return life / 4
	}
	return a.skew
}

// current returns the token to send, renewing it first when it is within
// Skew of its expiry.
func (a *Authenticator) current(ctx context.Context) (*oauth2.Token, error) {
	a.mu.Lock()
	tok, exp, s, skew := a.tok, a.expiry, a.s, a.skewLocked()
	a.mu.Unlock()
	if tok == nil || exp.IsZero() {
		return tok, nil
	}
	now := a.now()
	if now.Before(exp.Add(-skew)) {
		return tok, nil
	}
	expired := !now.Before(exp)
	if s == nil {
		// Restored from the store and not yet bound to its Session by
		// Login or a recovery: send it; should the server refuse it, the
		// Session's recovery renews it.
		return tok, nil
	}
	if expired {
		a.renewMu.Lock()
	} else if !a.renewMu.TryLock() {
		return tok, nil // another goroutine renews it; this one is still valid
	}
	defer a.renewMu.Unlock()
	a.mu.Lock()
	same := a.tok == tok
	fresh := a.tok
	a.mu.Unlock()
	if !same {
		return fresh, nil
	}
	nt, err := a.renewLocked(ctx, s, true)
	if err != nil {
		if expired {
			return nil, fmt.Errorf("token: renewing the expired token: %w", err)
		}
		return tok, nil
	}
	return nt, nil
}

// renewLocked refreshes the token (when refresh is set and it has a
// refresh token) or obtains a new one, stores it and tells the Session.
// The caller holds renewMu.
func (a *Authenticator) renewLocked(ctx context.Context, s limpet.Env, refresh bool) (*oauth2.Token, error) {
	a.mu.Lock()
	cur := a.tok
	a.mu.Unlock()
	var (
		nt  *oauth2.Token
		err error
	)
	if refresh && cur != nil {
		nt, err = a.g.refresh(ctx, s, cur)
		if err != nil && !needsObtain(err) {
			return nil, err
		}
	}
	if nt == nil {
		refreshErr := err
		nt, err = a.g.obtain(ctx, s)
		if err != nil {
			if refreshErr != nil && !errors.Is(refreshErr, errNoRefresh) {
				return nil, fmt.Errorf("%w (after the refresh failed: %w)", err, refreshErr)
			}
			return nil, err
		}
	}
	a.set(nt)
	s.StateChanged()
	return nt, nil
}

// set makes t the current token. Its expiry is the earliest of
// expires_in (counted from now on Options.Now's clock), t.Expiry when
// expires_in is absent, and the exp claim when the token is a JWT.
func (a *Authenticator) set(t *oauth2.Token) {
	now := a.now()
	var exp time.Time
	switch in := expiresIn(t); {
	case in > 0:
		exp = now.Add(time.Duration(in) * time.Second)
	case !t.Expiry.IsZero():
		exp = t.Expiry
	}
	if jexp, err := JWTExpiry(t.AccessToken); err == nil && (exp.IsZero() || jexp.Before(exp)) {
		exp = jexp
	}
	c := *t
	c.Expiry = exp
	a.mu.Lock()
	a.tok, a.expiry, a.updated, a.rejected, a.seed = &c, exp.Round(0).UTC(), now.Round(0).UTC(), false, false
	a.mu.Unlock()
}

// expiresIn returns the token response's expires_in: the Token field, or
// the raw member, which x/oauth2's clientcredentials package does not copy
// to the field (it computes Expiry on the wall clock instead of the
// Authenticator's). It returns 0 when unknown or out of range.
func expiresIn(t *oauth2.Token) int64 {
	n := t.ExpiresIn
	if n == 0 {
		switch v := t.Extra("expires_in").(type) {
		case float64:
			n = int64(v)
		case string:
			n, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if n <= 0 || n > maxExpiresIn {
		return 0
	}
	return n
}

// maxExpiresIn is the longest expires_in taken as it is: a hundred years.
const maxExpiresIn = 100 * 365 * 24 * 3600

func (a *Authenticator) inScope(u *url.URL) bool {
	if len(a.origins) == 0 {
		return true
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	return slices.Contains(a.origins, origin)
}

// httpClient returns a client that sends through s without its
// Authenticator: token requests must not carry the token they renew.
// Redirects are not followed.
func httpClient(s limpet.Env) *http.Client {
	c := s.BareClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
