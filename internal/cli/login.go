package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cli/items"
	"github.com/limpet-http/limpet/internal/htmlform"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/spring"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/token"
)

// Login flows the command line knows, as stored in a session's recipe.
const (
	flowForm     = "form"   // Spring Security form login, or any HTML login form
	flowTomcat   = "tomcat" // servlet container FORM login (j_security_check)
	flowBasic    = "basic"  // HTTP Basic on every request, CSRF on unsafe ones
	flowJWT      = "jwt"    // a login endpoint answering with a bearer token
	flowClient   = "oauth2-client-credentials"
	flowAutoName = "auto"
)

var flowNames = map[string]string{
	flowForm:   "form login",
	flowTomcat: "Tomcat FORM login",
	flowBasic:  "HTTP Basic",
	flowJWT:    "token login",
	flowClient: "OAuth2 client credentials",
}

// LoginOptions are the flags of "limpet login".
type LoginOptions struct {
	IO         *IOStreams
	Sessions   sessionDir
	NewSession func(limpet.Options) (*limpet.Session, error)
	Getenv     func(string) string
	Now        func() time.Time

	URL     string
	Session string

	Auth         string
	Type         string
	PasswordEnv  string
	PasswordFile string
	SavePassword bool

	LoginPage    string
	Probe        string
	AllowOrigins []string
	RememberMe   bool
	TokenField   string
	ClientID     string
	Scopes       string

	Verify  string
	Timeout float64
}

// NewCmdLogin returns "limpet login"; runF, when not nil, runs instead of
// the command (for tests).
func NewCmdLogin(f *Factory, runF func(*LoginOptions) error) *cobra.Command {
	o := &LoginOptions{IO: f.IOStreams, Sessions: f.sessions(), NewSession: f.NewSession, Getenv: f.Getenv, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "login --session=NAME URL -a USER",
		Short: "Log in to a Spring Security, Tomcat, Basic, JWT or OAuth2 server and keep the session",
		Long: `Log in and store the session, so that later requests with --session=NAME are
authenticated, carry CSRF tokens, and log in again by themselves when the server
session expires.

The flow is found from the page at URL unless --type says it: a login form
(Spring Security, or any form with a password field: its hidden inputs such as
_csrf are kept), Tomcat's j_security_check form, or an HTTP Basic challenge.
Token flows need --type jwt (URL is the login endpoint) or --type
oauth2-client-credentials (URL is the token endpoint; -a is the client id, the
password the client secret).

The password comes from a no-echo prompt, --password-env or --password-file;
the session remembers where it comes from, not the password itself (unless
--save-password). It is sent only to the origin of URL (and of --login-page):
a login form that posts elsewhere (a single sign-on server, or a page
tampered with) is refused unless --allow-origin names that origin.

  limpet login --session=shop :8080 -a alice
  limpet login --session=shop :8080 -a alice --password-env SHOP_PASSWORD
  limpet login --session=ex :8080/examples/jsp/security/protected/index.jsp -a tomcat`,
		Args:          wantArgs("URL"),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.URL = args[0]
			if runF != nil {
				return runF(o)
			}
			return runLogin(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Session, "session", "", "NAME (kept per host) or PATH of the session to store the login in (required)")
	fl.StringVarP(&o.Auth, "auth", "a", "", "USER, or USER:PASS (the password then shows in your shell history)")
	fl.StringVar(&o.Type, "type", flowAutoName, "auto, form, tomcat, basic, jwt or oauth2-client-credentials")
	fl.StringVar(&o.PasswordEnv, "password-env", "", "read the password from this environment variable")
	fl.StringVar(&o.PasswordFile, "password-file", "", "read the password from this file's first line")
	fl.BoolVar(&o.SavePassword, "save-password", false, "store the password in the session file (0600) so that re-login needs nothing; anyone who can read the file gets it")
	fl.StringVar(&o.LoginPage, "login-page", "", "the login page, when it is not found from URL (form flows)")
	fl.StringVar(&o.Probe, "probe", "", "a protected page without side effects that confirms the login (default: URL)")
	fl.StringArrayVar(&o.AllowOrigins, "allow-origin", nil, "also send the password to this origin (https://host[:port]) when the login form posts there (repeatable)")
	fl.BoolVar(&o.RememberMe, "remember-me", false, "ask for a remember-me cookie (Spring Security)")
	fl.StringVar(&o.TokenField, "token-field", "", "the JSON member holding the token in a jwt login response")
	fl.StringVar(&o.Scopes, "scope", "", "scopes for oauth2-client-credentials, space separated")
	fl.StringVar(&o.Verify, "verify", "yes", "yes, no, or a CA bundle file")
	fl.Float64Var(&o.Timeout, "timeout", 0, "seconds each request may take (0: 30 s)")
	completeFlagValues(cmd, "type", "auto\tfound from the page", "form\tSpring Security or any HTML login form", "tomcat\tservlet container FORM login (j_security_check)", "basic\tHTTP Basic, CSRF on unsafe requests", "jwt\ta login endpoint answering with a token", "oauth2-client-credentials\tOAuth2 client credentials grant")
	completeFlagValues(cmd, "verify", "yes", "no")
	_ = cmd.RegisterFlagCompletionFunc("session", completeSessionFlag(f))
	return cmd
}

// passwordSource says where a password comes from, as stored in a recipe.
func (o *LoginOptions) passwordSource() string {
	switch {
	case o.PasswordEnv != "":
		return "env:" + o.PasswordEnv
	case o.PasswordFile != "":
		return "file:" + o.PasswordFile
	}
	return "prompt"
}

func runLogin(ctx context.Context, o *LoginOptions) error {
	if o.Session == "" {
		return errors.New("login needs --session=NAME (or a path) to keep the session in")
	}
	ireq, err := items.Parse([]string{o.URL}, items.Options{})
	if err != nil {
		return err
	}
	target := ireq.URL
	user, pass, hasPass := strings.Cut(o.Auth, ":")
	if user == "" && o.Type != flowClient {
		return errors.New("login needs the user name: -a USER")
	}
	f, _, err := o.Sessions.file(o.Session, target, "")
	if err != nil {
		return err
	}
	if err := checkWritable(o.Session, f.Path()); err != nil {
		return err
	}
	base := limpet.Options{MaxRedirects: 0}
	if err := applyNetworkFlags(&base, o.IO, o.Verify, o.Timeout); err != nil {
		return err
	}
	// The password goes to the origins the user named, and no other.
	allowed := origins{}
	allowed.add(target.String())
	if o.LoginPage != "" {
		allowed.add(resolveRef(target, o.LoginPage))
	}
	var extra []string
	for _, a := range o.AllowOrigins {
		org, err := parseOrigin(a)
		if err != nil {
			return err
		}
		allowed[org] = true
		extra = append(extra, org)
	}

	recipe := store.Login{URL: target.String(), Flow: o.Type, User: user, Params: map[string]string{}}
	if recipe.Flow == "" || recipe.Flow == flowAutoName {
		flow, params, err := detectFlow(ctx, o.NewSession, base, target, allowed)
		if err != nil {
			return err
		}
		recipe.Flow = flow
		for k, v := range params {
			recipe.Params[k] = v
		}
	}
	if _, ok := flowNames[recipe.Flow]; !ok {
		return fmt.Errorf("--type %q: want auto, form, tomcat, basic, jwt or oauth2-client-credentials", o.Type)
	}
	if o.LoginPage != "" {
		recipe.Params["login_page"] = resolveRef(target, o.LoginPage)
	}
	if o.Probe != "" {
		recipe.Params["probe"] = resolveRef(target, o.Probe)
	}
	if o.RememberMe {
		recipe.Params["remember_me"] = "true"
	}
	if o.TokenField != "" {
		recipe.Params["token_field"] = o.TokenField
	}
	if o.Scopes != "" {
		recipe.Params["scopes"] = o.Scopes
	}
	if len(extra) > 0 {
		recipe.Params["allow_origins"] = strings.Join(extra, " ")
	}

	if !hasPass {
		switch {
		case o.PasswordEnv != "":
			pass = o.Getenv(o.PasswordEnv)
			if pass == "" {
				return fmt.Errorf("--password-env %s: the variable is empty or unset", o.PasswordEnv)
			}
		case o.PasswordFile != "":
			if pass, err = readPasswordFile(o.PasswordFile); err != nil {
				return err
			}
		default:
			if pass, err = promptPassword(o.IO, fmt.Sprintf("password for %s@%s: ", user, target.Host)); err != nil {
				return err
			}
		}
	}
	recipe.PasswordFrom = o.passwordSource()
	if o.SavePassword {
		recipe.PasswordFrom, recipe.Password = "stored", pass
	}
	recipe.Updated = o.Now()

	auth, err := buildAuthenticator(recipe, pass)
	if err != nil {
		return err
	}
	lo := base
	lo.MaxRedirects = limpet.NoRedirects
	lo.Store = f
	lo.ManualSave = true
	lo.Authenticator = auth
	lo.StateSavers = []limpet.StateSaver{recipeSaver{recipe}}
	lo.OnRequest = append(lo.OnRequest, passwordGuard(allowed, "the login at "+stripQuery(target), false, nil))
	if o.SavePassword {
		lo.Store = f.savingPasswords()
	}
	s, err := o.NewSession(lo)
	if err != nil {
		return err
	}
	if err := s.Login(ctx); err != nil {
		s.Close()
		var coe *crossOriginError
		if errors.As(err, &coe) {
			return coe
		}
		return err
	}
	if err := s.Save(ctx); err != nil {
		s.Close()
		return err
	}
	if err := s.Close(); err != nil {
		return err
	}
	fmt.Fprintf(o.IO.ErrOut, "logged in to %s as %s (%s)\n", target.Redacted(), user, flowNames[recipe.Flow])
	var names []string
	if j, ok := s.Jar().(*jar.Jar); ok {
		for _, c := range j.All() {
			names = append(names, c.Name)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		fmt.Fprintf(o.IO.ErrOut, "session %q saved, with no cookies; use it with: limpet --session=%s URL\n", o.Session, o.Session)
	} else {
		fmt.Fprintf(o.IO.ErrOut, "session %q saved with %s (%s); use it with: limpet --session=%s URL\n",
			o.Session, cookies(len(names)), strings.Join(names, ", "), o.Session)
	}
	if o.SavePassword {
		fmt.Fprintf(o.IO.ErrOut, "warning: the password is stored in %s; anyone who can read that file can log in as %s\n", f.Path(), user)
	}
	return nil
}

// recipeSaver stores the login recipe with the session.
type recipeSaver struct{ l store.Login }

func (r recipeSaver) SaveState(s *store.Snapshot) {
	l := r.l
	s.Login = &l
}

func (r recipeSaver) LoadState(store.Snapshot) {}

func resolveRef(base *url.URL, ref string) string {
	if u, err := url.Parse(ref); err == nil {
		return base.ResolveReference(u).String()
	}
	return ref
}

func readPasswordFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}

// maxLoginPage bounds how much of a page detectFlow reads.
const maxLoginPage = 2 << 20

// detectFlow looks at the page at target to choose a login flow: an HTML
// login form (Tomcat's j_security_check or any other), or an HTTP Basic
// challenge. It tries target, then target's /login.
func detectFlow(ctx context.Context, newSession func(limpet.Options) (*limpet.Session, error), o limpet.Options, target *url.URL, allowed origins) (string, map[string]string, error) {
	o.MaxRedirects = 0 // follow
	s, err := newSession(o)
	if err != nil {
		return "", nil, err
	}
	defer s.Close()
	try := []string{target.String()}
	if p := strings.TrimSuffix(target.Path, "/"); !strings.HasSuffix(p, "/login") {
		u := *target
		u.Path = p + "/login"
		u.RawQuery = ""
		try = append(try, u.String())
	}
	var seen []string
	for _, page := range try {
		resp, err := s.Do(ctx, &limpet.Request{URL: page, Header: http.Header{"Accept": {"text/html,application/xhtml+xml"}}})
		if err != nil {
			return "", nil, fmt.Errorf("login: %w", err)
		}
		// A login page is small: read at most maxLoginPage of it.
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxLoginPage))
		resp.Close()
		if err != nil {
			return "", nil, fmt.Errorf("login: reading %s: %w", page, err)
		}
		seen = append(seen, fmt.Sprintf("%s: %s", page, resp.Status))
		if resp.StatusCode == http.StatusUnauthorized && strings.HasPrefix(strings.ToLower(resp.Header.Get("Www-Authenticate")), "basic") {
			return flowBasic, map[string]string{"probe": target.String()}, nil
		}
		p, err := htmlform.Parse(strings.NewReader(string(body)))
		if err != nil {
			continue
		}
		form, ok := p.LoginForm()
		if !ok {
			continue
		}
		final := resp.Request.URL
		if params, ok := detectWeb(s, target, resp, p, form, allowed); ok { // login_web.go
			return flowWeb, params, nil
		}
		if action, err := form.ResolveAction(final); err == nil && !allowed[origin(action)] {
			return "", nil, &crossOriginError{what: "the login form at " + stripQuery(final), to: action, allowed: allowed}
		}
		if strings.Contains(form.Action, "j_security_check") {
			return flowTomcat, map[string]string{"probe": target.String()}, nil
		}
		params := map[string]string{"login_page": stripQuery(final)}
		if action, err := form.ResolveAction(final); err == nil {
			params["login_url"] = stripQuery(action)
		}
		if final.Path != target.Path {
			params["probe"] = target.String()
		}
		return flowForm, params, nil
	}
	return "", nil, fmt.Errorf("login: no login form or Basic challenge found (%s); say which flow with --type", strings.Join(seen, "; "))
}

func stripQuery(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment = "", ""
	return c.String()
}

// buildAuthenticator makes the Authenticator a recipe describes.
func buildAuthenticator(l store.Login, password string) (limpet.Authenticator, error) {
	p := l.Params
	switch l.Flow {
	case flowForm, flowBasic:
		so := spring.Options{LoginPage: p["login_page"], LoginURL: p["login_url"], Probe: p["probe"], RememberMe: p["remember_me"] == "true"}
		if so.LoginPage == "" {
			so.LoginPage = resolveRef(mustURL(l.URL), spring.DefaultLoginPage)
		}
		if so.Probe == "" {
			so.Probe = l.URL
		}
		if l.Flow == flowBasic {
			return spring.Basic(l.User, password, so), nil
		}
		return spring.FormLogin(l.User, password, so), nil
	case flowJWT:
		return token.JWTLogin(l.URL, l.User, password, token.JWTOptions{TokenField: p["token_field"]}), nil
	case flowClient:
		cfg := &clientcredentials.Config{ClientID: l.User, ClientSecret: password, TokenURL: l.URL}
		if sc := strings.Fields(p["scopes"]); len(sc) > 0 {
			cfg.Scopes = sc
		}
		return token.ClientCredentials(cfg, token.Options{}), nil
	case flowTomcat:
		return newTomcatAuthenticator(l, password)
	case flowWeb:
		return newWebAuthenticator(l, password), nil // login_web.go
	}
	return nil, fmt.Errorf("unknown login flow %q in the session", l.Flow)
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		return &url.URL{}
	}
	return u
}

// recipeAuthenticator logs in again from a stored recipe. It gets the
// password only when a login is needed: from the environment, a file, the
// session file, or a prompt on a terminal; when none can give it, the
// error tells the user how to log in again.
type recipeAuthenticator struct {
	recipe  store.Login
	session string
	io      *IOStreams
	getenv  func(string) string

	mu    sync.Mutex // guards inner
	inner limpet.Authenticator

	loggingIn atomic.Bool // a login is under way: see guard
}

// recipeOrigins are the origins a stored login may send the password to:
// those of its URL, login page and login URL (checked when the user logged
// in), and those the user allowed.
func recipeOrigins(l store.Login) origins {
	o := origins{}
	o.add(l.URL)
	o.add(l.Params["login_page"])
	o.add(l.Params["login_url"])
	for _, a := range strings.Fields(l.Params["allow_origins"]) {
		o.add(a)
	}
	return o
}

// guard returns an OnRequest hook that keeps the password of a new login
// to the recipe's origins.
func (r *recipeAuthenticator) guard() func(*http.Request) error {
	return passwordGuard(recipeOrigins(r.recipe), fmt.Sprintf("logging in again to session %q", r.session), true, r.loggingIn.Load)
}

func newRecipeAuthenticator(l store.Login, session string, io *IOStreams, getenv func(string) string) (*recipeAuthenticator, error) {
	r := &recipeAuthenticator{recipe: l, session: session, io: io, getenv: getenv}
	pw := ""
	if l.PasswordFrom == "stored" {
		pw = l.Password
	} else if l.Flow == flowBasic {
		// Basic sends the password with every request: take it now from
		// where it is at hand (never a prompt), rather than send a wrong
		// one first.
		pw, _ = r.storedPassword()
	}
	inner, err := buildAuthenticator(l, pw)
	if err != nil {
		return nil, err
	}
	r.inner = inner
	return r, nil
}

func (r *recipeAuthenticator) current() limpet.Authenticator {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inner
}

// storedPassword returns the password from where the recipe says it is
// kept (the session file, an environment variable, a file), or false.
func (r *recipeAuthenticator) storedPassword() (string, bool) {
	l := r.recipe
	from := l.PasswordFrom
	switch {
	case from == "stored":
		return l.Password, true
	case strings.HasPrefix(from, "env:"):
		if v := r.getenv(from[4:]); v != "" {
			return v, true
		}
	case strings.HasPrefix(from, "file:"):
		if v, err := readPasswordFile(from[5:]); err == nil {
			return v, true
		}
	}
	return "", false
}

func (r *recipeAuthenticator) password() (string, error) {
	l := r.recipe
	from := l.PasswordFrom
	if pw, ok := r.storedPassword(); ok {
		return pw, nil
	}
	if r.io.IsStdinTTY() {
		return promptPassword(r.io, fmt.Sprintf("session %q expired at the server; password for %s: ", r.session, l.User))
	}
	return "", fmt.Errorf("session %q expired at the server and no password is at hand (%s); run: limpet login --session=%s %s -a %s",
		r.session, describeSource(from), r.session, l.URL, l.User)
}

func describeSource(from string) string {
	switch {
	case strings.HasPrefix(from, "env:"):
		return "$" + from[4:] + " is not set"
	case strings.HasPrefix(from, "file:"):
		return from[5:] + " cannot be read"
	}
	return "it was typed at a prompt, and this is not a terminal"
}

func (r *recipeAuthenticator) relogin(ctx context.Context, s limpet.Env, run func(limpet.Authenticator) error) error {
	pw, err := r.password()
	if err != nil {
		return err
	}
	a, err := buildAuthenticator(r.recipe, pw)
	if err != nil {
		return err
	}
	r.loggingIn.Store(true)
	err = run(a)
	r.loggingIn.Store(false)
	if err != nil {
		var coe *crossOriginError
		if errors.As(err, &coe) {
			return coe
		}
		return err
	}
	r.mu.Lock()
	r.inner = a
	r.mu.Unlock()
	return nil
}

// Recover implements limpet.Authenticator.
func (r *recipeAuthenticator) Recover(ctx context.Context, s limpet.Env, v limpet.Verdict) error {
	if v.Kind == limpet.CSRFRejected {
		return r.current().Recover(ctx, s, v)
	}
	return r.relogin(ctx, s, func(a limpet.Authenticator) error { return a.Recover(ctx, s, v) })
}

// Prepare implements limpet.Authenticator.
func (r *recipeAuthenticator) Prepare(env limpet.Env, req *http.Request) error {
	return r.current().Prepare(env, req)
}

// Check implements limpet.Authenticator.
func (r *recipeAuthenticator) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	return r.current().Check(req, resp)
}

// SaveState implements limpet.StateSaver.
func (r *recipeAuthenticator) SaveState(s *store.Snapshot) {
	if ss, ok := r.current().(limpet.StateSaver); ok {
		ss.SaveState(s)
	}
	l := r.recipe
	if l.PasswordFrom != "stored" {
		l.Password = ""
	}
	s.Login = &l
}

// LoadState implements limpet.StateSaver.
func (r *recipeAuthenticator) LoadState(s store.Snapshot) {
	if ss, ok := r.current().(limpet.StateSaver); ok {
		ss.LoadState(s)
	}
}

// BindSession implements limpet.SessionBinder: the Authenticator the
// recipe makes reads the CSRF cookie from the Session's jar (not only the
// token saved with the session, which another process sharing the
// session may have left older than the cookie).
func (r *recipeAuthenticator) BindSession(env limpet.Env) {
	if b, ok := r.current().(limpet.SessionBinder); ok {
		b.BindSession(env)
	}
}
