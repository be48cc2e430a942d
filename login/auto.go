package login

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
	"sync"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/htmlform"
	"github.com/limpet-http/limpet/internal/legacystate"
	"github.com/limpet-http/limpet/spring"
	"github.com/limpet-http/limpet/store"
)

// StateOwner is the key of Auto's state in store.Snapshot.State: the
// recipe of the last login that succeeded.
const StateOwner = "login"

// stateVersion is the layout version of Auto's state.
const stateVersion = 1

// savedState is Auto's state as saved.
type savedState struct {
	Recipe Recipe `json:"recipe"`
}

// Auto returns an Authenticator that logs in to the application at the
// Session's base URL with creds, finding out how on its first login (see
// the package documentation); Options.LoginURL names where the credentials
// go when the application shows no login page to find. It needs a Session
// with a BaseURL.
//
// It saves what it found (a Recipe, under StateOwner) once a login
// succeeded, never after a failed one, and restores it from the store, so
// that a later process logs in again the same way without looking. The
// pieces it builds save their own state (CSRF token, token) beside it.
//
// Before it knows the login kind, Auto reads a 401, a 403 to a safe
// request, or a redirect to a page with a login form, as the need to log
// in; a 403 to an unsafe request as a CSRF rejection. It is safe for
// concurrent use.
func Auto(creds limpet.Credentials, o Options) limpet.Authenticator {
	return &auto{creds: creds, o: o}
}

type auto struct {
	creds limpet.Credentials
	o     Options

	mu      sync.Mutex // guards the fields below
	inner   limpet.Authenticator
	recipe  Recipe
	ok      bool           // the recipe logged in (or was restored): save it
	updated time.Time      // when recipe last changed
	loaded  store.Snapshot // the last snapshot loaded, for a piece built later
	hasSnap bool
	legacy  bool // the recipe came from an earlier release's "login" member: the next save removes it
	env     limpet.Env
}

func (a *auto) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inner == nil {
		return "login.Auto"
	}
	return fmt.Sprintf("login.Auto(%s: %v)", a.recipe.Kind, a.inner)
}

func (a *auto) current() limpet.Authenticator {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inner
}

// Learned returns what an Authenticator made by Auto found out, and whether a login with it
// succeeded (or it was restored from the store).
func Learned(auth limpet.Authenticator) (Recipe, bool) {
	a, ok := auth.(*auto)
	if !ok {
		return Recipe{}, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.recipe.clone(), a.ok
}

// Prepare implements limpet.Authenticator.
func (a *auto) Prepare(env limpet.Env, req *http.Request) error {
	if in := a.current(); in != nil {
		return in.Prepare(env, req)
	}
	return nil
}

// Check implements limpet.Authenticator.
func (a *auto) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	if in := a.current(); in != nil {
		return in.Check(req, resp)
	}
	return firstCheck(req, resp)
}

// firstCheck tells, before the login kind is known, whether resp asks for
// a login.
func firstCheck(req *http.Request, resp *limpet.Response) limpet.Verdict {
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return limpet.Verdict{Kind: limpet.NoSession, NotExecuted: len(resp.History) == 0, Reason: "401"}
	case resp.StatusCode == http.StatusForbidden && !safe(req.Method) && len(resp.History) == 0:
		return limpet.Verdict{Kind: limpet.CSRFRejected, NotExecuted: true, Reason: "403 to " + req.Method}
	case resp.StatusCode == http.StatusForbidden && len(resp.History) == 0 && resp.Header.Get("WWW-Authenticate") == "":
		// Before any login, a 403 to a safe request is how some entry
		// points ask for one (Spring's Http403ForbiddenEntryPoint); a page
		// forbidden to the user too stays so after the login.
		return limpet.Verdict{Kind: limpet.NoSession, NotExecuted: true, Reason: "403 to " + req.Method + " before any login"}
	case len(resp.History) > 0 && resp.StatusCode/100 == 2 && isHTML(resp.Header):
		head, _ := resp.Peek(MaxPage)
		if p, err := htmlform.Parse(bytes.NewReader(head)); err == nil {
			if _, ok := p.LoginForm(); ok {
				return limpet.Verdict{Kind: limpet.NoSession, NotExecuted: true,
					Reason: fmt.Sprintf("redirected to a login form at %s", resp.Request.URL.Path)}
			}
		}
	}
	return limpet.Verdict{}
}

func safe(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, "":
		return true
	}
	return false
}

func isHTML(h http.Header) bool {
	ct := strings.ToLower(h.Get("Content-Type"))
	return strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "application/xhtml")
}

// Recover implements limpet.Authenticator: on the first login it finds
// out the login kind and builds its pieces; then the pieces recover.
func (a *auto) Recover(ctx context.Context, env limpet.Env, v limpet.Verdict) error {
	a.mu.Lock()
	a.env = env
	inner := a.inner
	a.mu.Unlock()
	if inner == nil {
		r, err := a.find(ctx, env)
		if err != nil {
			return err
		}
		if err := a.checkOrigins(r, env); err != nil {
			return err
		}
		if inner, err = FromRecipe(r, a.creds, a.o); err != nil {
			return err
		}
		if b, ok := inner.(limpet.SessionBinder); ok {
			b.BindSession(env)
		}
		a.mu.Lock()
		if ss, ok := inner.(limpet.StateSaver); ok && a.hasSnap {
			ss.LoadState(a.loaded)
		}
		a.inner, a.recipe, a.ok = inner, r, false
		a.mu.Unlock()
		v = limpet.Verdict{Kind: limpet.NoSession, Reason: v.Reason}
	}
	if err := inner.Recover(ctx, env, v); err != nil {
		return err
	}
	a.mu.Lock()
	changed := !a.ok
	if changed {
		a.ok, a.updated = true, env.Now()
	}
	a.mu.Unlock()
	if changed {
		env.StateChanged()
	}
	return nil
}

// SaveState implements limpet.StateSaver: the recipe, once it logged in,
// and the pieces' own state.
func (a *auto) SaveState(s *store.Snapshot) {
	a.mu.Lock()
	inner, r, ok, updated := a.inner, a.recipe.clone(), a.ok, a.updated
	a.mu.Unlock()
	if ss, isSaver := inner.(limpet.StateSaver); isSaver && ok {
		ss.SaveState(s)
	}
	if ok && SaveRecipe(s, r, updated) == nil && a.legacy {
		legacystate.Remove(s, legacystate.MemberLogin)
	}
}

// SaveRecipe saves r in s as Auto does once a login succeeded: under
// StateOwner, changed at updated. A program (or the command-line tool)
// that logged in another way saves its recipe so, and Auto goes on from
// it without finding out.
func SaveRecipe(s *store.Snapshot, r Recipe, updated time.Time) error {
	return s.SetState(StateOwner, stateVersion, updated, savedState{Recipe: r.clone()})
}

// SavedRecipe returns the recipe s keeps under StateOwner (Auto's, or one
// saved with SaveRecipe). ok is false when there is none, or only one of a
// version newer than this one knows.
func SavedRecipe(s store.Snapshot) (r Recipe, updated time.Time, ok bool) {
	st, found := s.LookupState(StateOwner)
	var saved savedState
	if !found || st.Version != stateVersion || json.Unmarshal(st.Data, &saved) != nil || saved.Recipe.Kind == "" {
		return Recipe{}, time.Time{}, false
	}
	return saved.Recipe, st.Updated, true
}

// LoadState implements limpet.StateSaver: it takes a recipe newer than
// its own, and builds its pieces from it.
func (a *auto) LoadState(s store.Snapshot) {
	st, found := s.LookupState(StateOwner)
	var saved savedState
	if found && st.Version == stateVersion && json.Unmarshal(st.Data, &saved) != nil {
		found = false
	}
	legacy := false
	if _, entry := s.State[StateOwner]; !entry {
		// A session saved by an earlier release, by the spring package or
		// the command-line tool: its recipe, converted. The next save
		// removes the old member, unless it is the command-line tool's
		// (which says where the password comes from), for the tool to
		// convert.
		if r, l, err := recipeOf(s); err == nil {
			upd := l.Updated.Time
			if upd.IsZero() {
				upd = time.Unix(1, 0).UTC()
			}
			st, found, saved = store.State{Version: stateVersion, Updated: upd}, true, savedState{Recipe: r}
			legacy = l.PasswordFrom == ""
		}
	}
	a.mu.Lock()
	a.loaded, a.hasSnap = s, true
	a.legacy = a.legacy || legacy
	if found && st.Version == stateVersion && st.Updated.After(a.updated) && saved.Recipe.Kind != "" &&
		(a.inner == nil || saved.Recipe.Kind != a.recipe.Kind || saved.Recipe.LoginURL != a.recipe.LoginURL) {
		if in, err := FromRecipe(saved.Recipe, a.creds, a.o); err == nil {
			if b, ok := in.(limpet.SessionBinder); ok && a.env != nil {
				b.BindSession(a.env)
			}
			a.inner, a.recipe = in, saved.Recipe
		}
	}
	if found && st.Version == stateVersion && st.Updated.After(a.updated) {
		a.ok, a.updated = true, st.Updated
	}
	inner := a.inner
	a.mu.Unlock()
	if ss, ok := inner.(limpet.StateSaver); ok {
		ss.LoadState(s)
	}
}

// BindSession implements limpet.SessionBinder.
func (a *auto) BindSession(env limpet.Env) {
	a.mu.Lock()
	a.env = env
	inner := a.inner
	a.mu.Unlock()
	if b, ok := inner.(limpet.SessionBinder); ok {
		b.BindSession(env)
	}
}

// find looks at the application and returns the recipe for its login.
func (a *auto) find(ctx context.Context, env limpet.Env) (Recipe, error) {
	base := env.BaseURL()
	if base == nil {
		return Recipe{}, errors.New("login: Auto needs a Session with a BaseURL")
	}
	p := &Probe{}
	var err error
	if p.Base, err = fetch(ctx, env, base, true); err != nil {
		return Recipe{}, err
	}
	if a.o.LoginURL != "" {
		ref, err := url.Parse(a.o.LoginURL)
		if err != nil {
			return Recipe{}, fmt.Errorf("login: Options.LoginURL: %w", err)
		}
		p.LoginURL = base.ResolveReference(ref)
		if p.Login, err = fetch(ctx, env, p.LoginURL, true); err != nil {
			return Recipe{}, err
		}
	}
	regMu.RLock()
	ds := append(append([]Detector(nil), a.o.Detectors...), detectors...)
	regMu.RUnlock()
	for _, d := range ds {
		r, ok, err := d(ctx, env, p)
		if err != nil {
			return Recipe{}, err
		}
		if ok {
			return r, nil
		}
	}
	r, err := detect(ctx, env, p)
	if err != nil {
		return Recipe{}, err
	}
	return withEntry(withAppRoot(r, base), p), nil
}

// withEntry records in a Spring recipe that the application answered the
// anonymous look at its base URL with a bare 403 (ParamEntry): its entry
// point answers so (Http403ForbiddenEntryPoint), and a 403 may later mean
// that the session is gone.
func withEntry(r Recipe, p *Probe) Recipe {
	switch r.Kind {
	case KindForm, KindProcessingURL, KindJSONBody:
	default:
		return r
	}
	if p.Base == nil || p.Base.Status != http.StatusForbidden || p.Base.challenge() != "" || p.Base.Redirected {
		return r
	}
	r = r.clone()
	if r.Params == nil {
		r.Params = map[string]string{}
	}
	r.Params[ParamEntry] = "403"
	return r
}

// withAppRoot records in a Spring recipe the root of an application whose
// base URL has a path (a servlet context path, http://host/app): Spring's
// own paths (the page after a login, /logout, the default login page) are
// relative to the context path, not to the host, so the root becomes the
// recipe's probe (ParamProbe), from which FromRecipe derives the others.
func withAppRoot(r Recipe, base *url.URL) Recipe {
	switch r.Kind {
	case KindForm, KindProcessingURL, KindJSONBody, KindBasic:
	default:
		return r
	}
	if strings.Trim(base.Path, "/") == "" || r.Params[ParamProbe] != "" {
		return r
	}
	root := *base
	root.RawQuery, root.Fragment, root.User = "", "", nil
	if !strings.HasSuffix(root.Path, "/") {
		root.Path += "/"
		root.RawPath = ""
	}
	r = r.clone()
	if r.Params == nil {
		r.Params = map[string]string{}
	}
	r.Params[ParamProbe] = root.String()
	return r
}

// checkOrigins refuses a recipe of the built-in detection that sends the
// password elsewhere than the user said (see checkOrigins).
func (a *auto) checkOrigins(r Recipe, env limpet.Env) error {
	named := []*url.URL{env.BaseURL()}
	if a.o.LoginURL != "" {
		if ref, err := url.Parse(a.o.LoginURL); err == nil && named[0] != nil {
			named = append(named, named[0].ResolveReference(ref))
		}
	}
	return checkOrigins(r, named...)
}

// fetch GETs u as a browser would, following redirects or not.
func fetch(ctx context.Context, env limpet.Env, u *url.URL, follow bool) (*Page, error) {
	r := &limpet.Request{URL: u.String(), Header: http.Header{"Accept": {"text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}}}
	if !follow {
		r.MaxRedirects = limpet.NoRedirects
	}
	resp, err := env.Send(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("login: looking at %s: %w", u.Redacted(), err)
	}
	defer resp.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPage))
	if err != nil {
		return nil, fmt.Errorf("login: reading %s: %w", u.Redacted(), err)
	}
	pg := &Page{URL: resp.Request.URL, Status: resp.StatusCode, Header: resp.Header, Body: body,
		Redirected: len(resp.History) > 0}
	for _, h := range resp.History {
		if h.Request != nil {
			pg.Chain = append(pg.Chain, h.Request.URL)
		}
	}
	return pg, nil
}

// loginForm returns the page's login form, if it shows one.
func (p *Page) loginForm() (htmlform.Form, bool) {
	if p == nil || p.Status/100 != 2 {
		return htmlform.Form{}, false
	}
	parsed, err := htmlform.Parse(bytes.NewReader(p.Body))
	if err != nil {
		return htmlform.Form{}, false
	}
	return parsed.LoginForm()
}

// challenge returns the scheme of the page's WWW-Authenticate, lower case.
func (p *Page) challenge() string {
	if p == nil {
		return ""
	}
	for _, v := range p.Header.Values("WWW-Authenticate") {
		scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		return strings.ToLower(scheme)
	}
	return ""
}

// detect is the built-in detection.
func detect(ctx context.Context, env limpet.Env, p *Probe) (Recipe, error) {
	base := p.Base
	if p.LoginURL != nil {
		lu := p.LoginURL.String()
		if f, ok := p.Login.loginForm(); ok {
			// A login page, or a protected page that sends there.
			return formRecipe(env, p.LoginURL, p.Login, f)
		}
		for _, pg := range []*Page{p.Login, base} {
			switch pg.challenge() {
			case "bearer":
				return tokenRecipe(p.LoginURL), nil
			case "basic":
				return Recipe{Kind: KindBasic}, nil
			}
		}
		if jsonEndpoint(p.LoginURL) {
			return Recipe{Kind: KindJSONBody, LoginURL: lu}, nil
		}
		return Recipe{Kind: KindProcessingURL, LoginURL: lu}, nil
	}
	switch base.challenge() {
	case "basic":
		return Recipe{Kind: KindBasic}, nil
	case "bearer":
		return Recipe{}, &limpet.LoginError{Pkg: "login", Reason: limpet.ErrUnexpectedResponse, URL: base.URL.String(),
			Status: base.Status, Detail: "the application wants a bearer token: name its token endpoint with Options.LoginURL (limpet login --login-url)"}
	}
	if f, ok := base.loginForm(); ok {
		return formRecipe(env, env.BaseURL(), base, f)
	}
	if base.Status/100 == 2 || base.Status == http.StatusUnauthorized || base.Status == http.StatusForbidden {
		// A public start page, or an entry point that answers with a
		// status: look where login pages usually are.
		for _, path := range LoginPaths {
			u := base.URL.ResolveReference(&url.URL{Path: path})
			pg, err := fetch(ctx, env, u, true)
			if err != nil {
				return Recipe{}, err
			}
			if f, ok := pg.loginForm(); ok {
				return formRecipe(env, u, pg, f)
			}
		}
	}
	return Recipe{}, &limpet.LoginError{Pkg: "login", Reason: limpet.ErrUnexpectedResponse, URL: base.URL.String(),
		Status: base.Status, Detail: "no login form, Basic challenge or bearer challenge there: name where the " +
			"credentials go with Options.LoginURL (limpet login --login-url)"}
}

// formRecipe returns the recipe for the login form f of page pg, reached
// from start: the web form login's (webRecipe), else Spring's form login,
// unless the form would post the password to another origin than start's.
func formRecipe(env limpet.Env, start *url.URL, pg *Page, f htmlform.Form) (Recipe, error) {
	if r, ok := webRecipe(env, start, pg, f); ok {
		return r, nil
	}
	r := withFields(Recipe{Kind: KindForm, LoginPage: pg.URL.String()}, f)
	if action, err := f.ResolveAction(pg.URL); err == nil && originOf(action) != originOf(start) {
		r.Params[ParamAction] = action.String() // for checkOrigins
	}
	return r, nil
}

// ParamAction is where a form recipe keeps the form's action when it is
// at another origin than the page the user named (Auto refuses it, see
// checkOrigins).
const ParamAction = "action"

// checkOrigins refuses a recipe, found by the built-in detection, that
// would send the password to another origin than those the user named
// (the base URL's and Options.LoginURL's), unless it is the identity
// provider a web recipe's application sent the client to.
func checkOrigins(r Recipe, named ...*url.URL) error {
	ok := map[string]bool{}
	for _, u := range named {
		if u != nil {
			ok[originOf(u)] = true
		}
	}
	check := []string{r.LoginURL, r.LoginPage, r.Params[ParamAction]}
	switch r.Kind {
	case KindWeb:
		if sso := r.Params[ParamSSOOrigin]; sso != "" {
			ok[sso] = true
		}
	case KindForm, KindProcessingURL, KindJSONBody:
	default:
		return nil
	}
	for _, c := range check {
		if u, err := url.Parse(c); err == nil && u.Host != "" && !ok[originOf(u)] {
			return &limpet.LoginError{Pkg: "login", Reason: limpet.ErrUnexpectedResponse, URL: u.Redacted(),
				Detail: fmt.Sprintf("the login would send the password to %s, not an origin of the base URL or "+
					"Options.LoginURL, and no OAuth2 authorization request of the application led there; refusing", originOf(u))}
		}
	}
	return nil
}

// LoginPaths are where Auto looks for a login page when the base URL shows
// none (a public start page, or a 401 or 403 without a challenge), in
// order: Spring Security's default, then common custom ones.
var LoginPaths = []string{"/login", "/signin", "/sign-in", "/auth/login", "/account/login", "/users/sign_in",
	"/accounts/login/"}

// withFields records the form's user and password fields in r.
func withFields(r Recipe, f htmlform.Form) Recipe {
	r.Params = map[string]string{}
	u, _ := f.UserField()
	pw, _ := f.Password()
	if u != spring.DefaultUsernameParam || pw.Name != spring.DefaultPasswordParam {
		// Spring's defaults need no saving.
		r.Params[ParamUserField], r.Params[ParamPasswordField] = u, pw.Name
	}
	return r
}

// jsonEndpoint tells a JSON-body login endpoint from a form processing URL
// by its name: Spring's processing URLs keep "login" (or "signin",
// "logon") in their last segment, while JSON endpoints of REST back ends
// are named "authenticate", "auth", "session" and the like.
func jsonEndpoint(u *url.URL) bool {
	seg := strings.ToLower(u.Path[strings.LastIndex(u.Path, "/")+1:])
	for _, w := range []string{"login", "signin", "sign-in", "logon", "j_security_check"} {
		if strings.Contains(seg, w) {
			return false
		}
	}
	return true
}

// tokenRecipe is the recipe for a token endpoint: form-encoded with the
// password grant for an OAuth 2 token endpoint (RFC 6749 requires the
// form), JSON otherwise.
func tokenRecipe(u *url.URL) Recipe {
	r := Recipe{Kind: KindToken, LoginURL: u.String(), Params: map[string]string{ParamEncoding: "json"}}
	p := strings.ToLower(u.Path)
	if strings.Contains(p, "oauth") && strings.HasSuffix(p, "/token") {
		r.Params[ParamEncoding], r.Params[ParamGrantType] = "form", "password"
	}
	return r
}
