package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	"github.com/limpet-http/limpet/internal/legacystate"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/login"
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
	// Found by login.Detect for a server without a login page.
	login.KindProcessingURL: "form login at a processing URL",
	login.KindJSONBody:      "JSON login",
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

	recipe := recipe{URL: target.String(), Flow: o.Type, User: user, Params: map[string]string{}}
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
	if recipe.Flow == flowJWT && recipe.Params[login.ParamEncoding] == "" {
		// The encoding the endpoint wants: the form (with the password
		// grant) for an OAuth 2 token endpoint, JSON otherwise.
		for k, v := range login.TokenRecipe(target).Params {
			recipe.Params[k] = v
		}
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
	recipe.Updated = legacystate.Time{Time: o.Now()}

	auth, err := buildAuthenticator(recipe, limpet.StaticCredentials(user, pass))
	if err != nil {
		return err
	}
	lo := base
	lo.MaxRedirects = limpet.NoRedirects
	lo.Store = f
	lo.Authenticator = auth
	lo.StateSavers = []limpet.StateSaver{&recipeSaver{l: recipe}}
	lo.OnRequest = append(lo.OnRequest, passwordGuard(allowed, "the login at "+stripQuery(target), false, nil))
	if o.SavePassword {
		lo.Store = f.savingPasswords()
	}
	s, err := o.NewSession(lo)
	if err != nil {
		return err
	}
	if err := s.Login(ctx); err != nil {
		// Close saves nothing of a failed login: not the recipe, not
		// what the pieces saw, not the login page's cookies.
		s.Close()
		var coe *crossOriginError
		if errors.As(err, &coe) {
			return coe
		}
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

// recipeSaver stores the login recipe with the session (the Session saves
// nothing of a failed login). What the Authenticator learned its pieces
// save beside it, in State entries of their own.
type recipeSaver struct {
	l recipe
}

func (r *recipeSaver) SaveState(s *store.Snapshot) {
	saveRecipe(s, r.l, false)
}

func (r *recipeSaver) LoadState(store.Snapshot) {}

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

// detectFlow finds out how the server at target wants its credentials,
// with login.Detect (as login.Auto does in a program): an HTML login form,
// an HTTP Basic challenge, a processing URL or a JSON-body login endpoint
// at target, a token endpoint at target for a server that wants bearer
// tokens; Tomcat's j_security_check form is recognized by a detector of
// the command line's own. target is where the credentials go (or a page
// that shows or leads to the login form) unless it is the server's root.
func detectFlow(ctx context.Context, newSession func(limpet.Options) (*limpet.Session, error), o limpet.Options, target *url.URL, allowed origins) (string, map[string]string, error) {
	o.MaxRedirects = 0 // follow
	root := &url.URL{Scheme: target.Scheme, Host: target.Host, Path: "/"}
	o.BaseURL = root.String()
	s, err := newSession(o)
	if err != nil {
		return "", nil, err
	}
	defer s.Close()
	lo := login.Options{Detectors: []login.Detector{tomcatDetector}}
	if p := strings.TrimSuffix(target.Path, "/"); p != "" || target.RawQuery != "" {
		lo.LoginURL = target.String()
	}
	r, err := login.Detect(ctx, s, lo)
	if err != nil {
		return "", nil, fmt.Errorf("login: %w; say which flow with --type", err)
	}
	allowWeb(r, allowed) // login_web.go
	for _, page := range []string{r.LoginPage, r.LoginURL} {
		if u, err := url.Parse(page); err == nil && u.Host != "" && !allowed[origin(u)] {
			return "", nil, &crossOriginError{what: "the login form at " + stripQuery(target), to: u, allowed: allowed}
		}
	}
	if action := r.Params["action"]; action != "" {
		if u, err := url.Parse(action); err == nil && u.Host != "" && !allowed[origin(u)] {
			return "", nil, &crossOriginError{what: "the login form at " + stripQuery(mustURL(r.LoginPage)), to: u, allowed: allowed}
		}
	}
	if r.Kind == flowTomcat {
		return flowTomcat, map[string]string{"probe": target.String()}, nil
	}
	l := login.ToLogin(r)
	delete(l.Params, "action")
	if (r.Kind == login.KindForm || r.Kind == login.KindBasic) && lo.LoginURL != "" && stripQuery(target) != r.LoginPage {
		l.Params["probe"] = target.String()
	}
	if r.Kind == login.KindForm && l.Params["login_page"] != "" {
		l.Params["login_page"] = stripQuery(mustURL(l.Params["login_page"]))
	}
	return l.Flow, l.Params, nil
}

// tomcatDetector recognizes a servlet container's FORM login: a login form
// posting to j_security_check, at the login URL or the base URL.
func tomcatDetector(_ context.Context, _ limpet.Env, p *login.Probe) (login.Recipe, bool, error) {
	for _, pg := range []*login.Page{p.Login, p.Base} {
		if pg == nil || pg.Status/100 != 2 {
			continue
		}
		parsed, err := htmlform.Parse(bytes.NewReader(pg.Body))
		if err != nil {
			continue
		}
		if f, ok := parsed.LoginForm(); ok && strings.Contains(f.Action, "j_security_check") {
			r := login.Recipe{Kind: flowTomcat, LoginPage: pg.URL.String(), Params: map[string]string{}}
			if action, err := f.ResolveAction(pg.URL); err == nil {
				r.Params["action"] = action.String()
			}
			return r, true, nil
		}
	}
	return login.Recipe{}, false, nil
}

func stripQuery(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment = "", ""
	return c.String()
}

// buildAuthenticator makes the Authenticator a recipe describes. The
// flows the login package knows (the command line's form, basic, jwt,
// processing-url and json-body, and the spring package's spring-form and
// spring-basic) are built by login.FromRecipe, as a program's are; creds
// are asked for the password only when a login needs it.
func buildAuthenticator(l recipe, creds limpet.Credentials) (limpet.Authenticator, error) {
	p := l.Params
	switch l.Flow {
	case flowClient:
		_, secret, err := creds.Get(context.Background())
		if err != nil {
			return nil, err
		}
		cfg := &clientcredentials.Config{ClientID: l.User, ClientSecret: secret, TokenURL: l.URL}
		if sc := strings.Fields(p["scopes"]); len(sc) > 0 {
			cfg.Scopes = sc
		}
		return token.ClientCredentials(cfg, token.Options{}), nil
	case flowTomcat, tomcatFormFlow:
		_, pw, err := creds.Get(context.Background())
		if err != nil {
			return nil, err
		}
		return newTomcatAuthenticator(l, pw)
	}
	r, ok := login.FromLogin(l)
	if !ok {
		return nil, fmt.Errorf("unknown login flow %q in the session (known: %s)", l.Flow, strings.Join(knownFlows(), ", "))
	}
	so := spring.Options{Probe: p["probe"], RememberMe: p["remember_me"] == "true"}
	if r.Kind == login.KindForm || r.Kind == login.KindBasic {
		if so.Probe == "" && l.Flow != spring.FlowForm && l.Flow != spring.FlowBasic {
			so.Probe = l.URL
		}
		// The command line's sessions have no base URL: the pieces' pages
		// are absolute.
		ref := l.URL
		if ref == "" {
			ref = so.Probe
		}
		if r.LoginPage == "" && r.LoginURL == "" && ref != "" {
			if r.Kind == login.KindForm {
				r.LoginPage = resolveRef(mustURL(ref), spring.DefaultLoginPage)
			} else {
				so.LoginPage = resolveRef(mustURL(ref), spring.DefaultLoginPage)
			}
		}
	}
	return login.FromRecipe(r, creds, login.Options{Spring: so})
}

// tomcatFormFlow is the flow the tomcat package saves its recipe under.
const tomcatFormFlow = "tomcat-form"

// knownFlows lists the flows buildAuthenticator knows.
func knownFlows() []string {
	return []string{flowForm, flowBasic, flowJWT, login.KindProcessingURL, login.KindJSONBody, flowTomcat, flowClient,
		flowWeb, spring.FlowForm, spring.FlowBasic}
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
	recipe  recipe
	legacy  bool // recipe came from an earlier release's "login" member: the next save removes it
	session string
	io      *IOStreams
	getenv  func(string) string

	mu    sync.Mutex // guards inner
	inner limpet.Authenticator
	lazy  limpet.Credentials // set while inner was made without the password (Tomcat, client credentials)

	loggingIn atomic.Bool // a login is under way: see guard
}

// recipeOrigins are the origins a stored login may send the password to:
// those of its URL, login page and login URL (checked when the user logged
// in), and those the user allowed.
func recipeOrigins(l recipe) origins {
	o := origins{}
	o.add(l.URL)
	o.add(l.Params["login_page"])
	o.add(l.Params["login_url"])
	o.add(l.Params[login.ParamSSOOrigin])
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

func newRecipeAuthenticator(l recipe, legacy bool, session string, io *IOStreams, getenv func(string) string) (*recipeAuthenticator, error) {
	r := &recipeAuthenticator{recipe: l, legacy: legacy, session: session, io: io, getenv: getenv}
	creds := limpet.Credentials(func(context.Context) (string, string, error) {
		pw, err := r.password()
		return r.recipe.User, pw, err
	})
	if l.Flow == flowTomcat || l.Flow == tomcatFormFlow || l.Flow == flowClient {
		// Made with the password, so only when a login needs it; until
		// then one made without it prepares and checks (it sends no
		// credentials before a login).
		r.lazy = creds
		inner, err := buildAuthenticator(l, limpet.StaticCredentials(l.User, "(not yet asked)"))
		if err != nil {
			return nil, err
		}
		r.inner = inner
		return r, nil
	}
	inner, err := buildAuthenticator(l, creds)
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
	why := "expired at the server"
	if f := displayFlow(l.Flow); f == flowBasic {
		why = "sends the password with every request (HTTP Basic)"
	}
	if r.io.IsStdinTTY() {
		return promptPassword(r.io, fmt.Sprintf("session %q %s; password for %s: ", r.session, why, l.User))
	}
	return "", fmt.Errorf("session %q %s and no password is at hand (%s); run: limpet login --session=%s %s -a %s --password-env VAR (or --password-file, --save-password)",
		r.session, why, describeSource(from), r.session, l.URL, l.User)
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

// build makes the inner Authenticator of a flow that needs the password
// to be made, once.
func (r *recipeAuthenticator) build() (limpet.Authenticator, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lazy == nil {
		return r.inner, nil
	}
	a, err := buildAuthenticator(r.recipe, r.lazy)
	if err != nil {
		return nil, err
	}
	r.inner, r.lazy = a, nil
	return a, nil
}

// Recover implements limpet.Authenticator: the same pieces log in again
// (what they learned, and the Session they were bound to, stay); the
// password is asked for only now, when a login needs it.
func (r *recipeAuthenticator) Recover(ctx context.Context, s limpet.Env, v limpet.Verdict) error {
	a, err := r.build()
	if err != nil {
		return err
	}
	r.loggingIn.Store(true)
	err = a.Recover(ctx, s, v)
	r.loggingIn.Store(false)
	var coe *crossOriginError
	if errors.As(err, &coe) {
		return coe
	}
	return err
}

// Prepare implements limpet.Authenticator.
func (r *recipeAuthenticator) Prepare(env limpet.Env, req *http.Request) error {
	if a := r.current(); a != nil {
		return a.Prepare(env, req)
	}
	return nil
}

// Check implements limpet.Authenticator.
func (r *recipeAuthenticator) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	if a := r.current(); a != nil {
		return a.Check(req, resp)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: len(resp.History) == 0, Reason: "401"}
	}
	return limpet.Verdict{}
}

// BindSession implements limpet.SessionBinder for the inner Authenticator.
func (r *recipeAuthenticator) BindSession(env limpet.Env) {
	if b, ok := r.current().(limpet.SessionBinder); ok {
		b.BindSession(env)
	}
}

// SaveState implements limpet.StateSaver: the inner Authenticator's state
// (what its pieces learned, in entries of their own), and the recipe with
// where its password comes from.
func (r *recipeAuthenticator) SaveState(s *store.Snapshot) {
	if ss, ok := r.current().(limpet.StateSaver); ok {
		ss.SaveState(s)
	}
	l := r.recipe
	if l.PasswordFrom != fromStored {
		l.Password = ""
	}
	saveRecipe(s, l, r.legacy)
}

// LoadState implements limpet.StateSaver.
func (r *recipeAuthenticator) LoadState(s store.Snapshot) {
	if ss, ok := r.current().(limpet.StateSaver); ok {
		ss.LoadState(s)
	}
}

var _ limpet.SessionBinder = (*recipeAuthenticator)(nil)
