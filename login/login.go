// Package login logs a limpet.Session in to a web application it knows
// only by its base URL and a user's credentials: Auto finds out, on the
// first login, how the application wants them (an HTTP Basic challenge, an
// HTML login form, a processing URL or a JSON-body endpoint the user names
// once, a token endpoint returning a bearer token), builds the pieces that
// do it (the spring, token and webform packages' presets), and saves what it
// learned with the session, so that the next process, the library or the
// command-line tool, goes on without finding out again.
//
// A recipe is what Auto learned: the login kind and its URLs and fields,
// never the password. FromRecipe rebuilds the pieces from one; the
// command-line tool uses the same recipes, so a session saved by a program
// works in the tool and the reverse.
//
// A login form that is not Spring Security's is the web form login
// (KindWeb, package webform): a form with another framework's CSRF field
// (Django, Rails, Laravel, Flask), a page that sets session cookies and
// none of a servlet container's (Express, Flask), or the login form of an
// identity provider the application redirects to with an OAuth2
// authorization request (single sign-on, Spring Security's oauth2Login()).
// Challenges and token endpoints are looked at first, and Spring's pages
// keep the spring pieces.
//
// The password goes only to the origins the user named (the base URL's,
// Options.LoginURL's), or to the identity provider that the application
// itself sent the client to with an OAuth2 authorization request whose
// redirect_uri is at the application's origin: Auto refuses a login form
// that would post it elsewhere, before posting anything.
//
// Other login kinds plug in with Register: a Detector that recognizes
// them from what an anonymous client sees, and a Builder that makes their
// pieces from a recipe.
package login

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"sort"
	"sync"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/spring"
	"github.com/limpet-http/limpet/token"
)

// Login kinds of a Recipe.
const (
	// KindForm: an HTML login form (Spring's formLogin, or any form with
	// a password input), posted form-encoded.
	KindForm = "form"
	// KindProcessingURL: credentials posted form-encoded to a URL that
	// shows no page (Spring's loginProcessingUrl with a 401 entry point).
	KindProcessingURL = "processing-url"
	// KindJSONBody: credentials posted as a JSON object to an endpoint
	// that keeps a session (a REST back end's login filter).
	KindJSONBody = "json-body"
	// KindBasic: HTTP Basic on every request.
	KindBasic = "basic"
	// KindToken: a token endpoint that returns a bearer token.
	KindToken = "token"
)

// Recipe is what Auto learned about an application's login, without the
// password: enough for FromRecipe to log in again without finding out.
type Recipe struct {
	// Kind is one of the Kind constants, or a kind added with Register.
	Kind string `json:"kind"`
	// User is the user name that logged in.
	User string `json:"user,omitempty"`
	// LoginPage is the page that shows the login form, if any.
	LoginPage string `json:"login_page,omitempty"`
	// LoginURL is where the credentials go.
	LoginURL string `json:"login_url,omitempty"`
	// Params holds what else the kind needs (field names, the encoding
	// a token endpoint wants), by the kind's own names.
	Params map[string]string `json:"params,omitempty"`
}

// Parameters of a Recipe's Params.
const (
	// ParamEncoding is "form" or "json": how a token endpoint or a login
	// URL wants the credentials.
	ParamEncoding = "encoding"
	// ParamUserField and ParamPasswordField name the credentials' fields.
	ParamUserField     = "user_field"
	ParamPasswordField = "password_field"
	// ParamTokenField is where a token endpoint's answer holds the token.
	ParamTokenField = "token_field"
	// ParamGrantType is the grant_type a form-encoded token endpoint wants.
	ParamGrantType = "grant_type"
	// ParamEntry is "403" for an application that answers a request
	// without a session with 403 (Http403ForbiddenEntryPoint): see
	// spring.Options.ForbiddenEntryPoint.
	ParamEntry = "entry"
)

// Options configures Auto and FromRecipe.
type Options struct {
	// LoginURL is where the credentials go, for an application that shows
	// no login page to find: a processing URL, a JSON-body login endpoint,
	// a token endpoint. Absolute, or relative to the Session's base URL. A
	// login page's URL works too. Empty: Auto looks at the base URL.
	LoginURL string
	// Spring is the base of the options of the spring pieces Auto makes;
	// what it finds (the login page, the login URL) fills the fields
	// left empty.
	Spring spring.Options
	// Detectors are tried, in order, before the registered ones and the
	// built-in detection; the first that recognizes the application
	// decides.
	Detectors []Detector
}

// Probe is what an anonymous client saw of the application when Auto
// looked: the answer to the base URL (following redirects) and, when
// Options.LoginURL is set, to a GET of it (not following redirects).
type Probe struct {
	// Base is the answer to GET BaseURL, Accept text/html.
	Base *Page
	// Login is the answer to GET Options.LoginURL, or nil.
	Login *Page
	// LoginURL is Options.LoginURL resolved against the base URL, or nil.
	LoginURL *url.URL
}

// Page is one answer Auto saw.
type Page struct {
	// URL is the final URL, after redirects.
	URL *url.URL
	// Status and Header are the final answer's.
	Status int
	Header http.Header
	// Body is the start of the body (at most MaxPage bytes).
	Body []byte
	// Redirected reports that the request was redirected.
	Redirected bool
	// Chain are the URLs requested on the way to URL, redirects followed.
	Chain []*url.URL
}

// MaxPage is how much of a page's body Auto reads.
const MaxPage = 256 << 10

// Detector recognizes a login kind from a Probe. It returns the recipe for
// it, with ok true, or ok false when the application is not of its kind.
// It may send requests of its own with env (they are the login's own).
type Detector func(ctx context.Context, env limpet.Env, p *Probe) (r Recipe, ok bool, err error)

// Builder makes the Authenticator a recipe of its kind describes.
type Builder func(r Recipe, creds limpet.Credentials, o Options) (limpet.Authenticator, error)

var (
	regMu     sync.RWMutex
	detectors []Detector
	builders  = map[string]Builder{}
)

// Register adds a login kind: d (nil for none) is tried by Auto after
// Options.Detectors and before the built-in detection, and b builds the
// kind's Authenticator from its recipes (in FromRecipe, in Auto, and in
// the command-line tool). A kind registered twice keeps the last Builder.
// Register is meant for init functions; it is safe for concurrent use.
func Register(kind string, d Detector, b Builder) {
	regMu.Lock()
	defer regMu.Unlock()
	if d != nil {
		detectors = append(detectors, d)
	}
	if b != nil {
		builders[kind] = b
	}
}

// Kinds returns the login kinds FromRecipe knows, sorted.
func Kinds() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	ks := []string{KindForm, KindProcessingURL, KindJSONBody, KindBasic, KindToken, KindWeb}
	for k := range builders {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// ErrUnknownKind is wrapped by FromRecipe's error for a kind nobody
// registered.
var ErrUnknownKind = errors.New("login: unknown login kind")

// FromRecipe returns the Authenticator r describes, logging in with creds
// when the server asks (creds are called then, not now).
func FromRecipe(r Recipe, creds limpet.Credentials, o Options) (limpet.Authenticator, error) {
	so := o.Spring
	switch r.Kind {
	case KindForm, KindProcessingURL, KindJSONBody:
		if so.LoginPage == "" {
			so.LoginPage = r.LoginPage
		}
		if so.LoginPage == "" {
			so.LoginPage = r.LoginURL
		}
		if so.LoginURL == "" {
			so.LoginURL = r.LoginURL
		}
		if so.UsernameParam == "" {
			so.UsernameParam = r.Params[ParamUserField]
		}
		if so.PasswordParam == "" {
			so.PasswordParam = r.Params[ParamPasswordField]
		}
		if r.Kind == KindJSONBody {
			so.LoginJSON = true
		}
		return spring.FormLoginFrom(creds, underAppRoot(so, r)), nil
	case KindBasic:
		return spring.BasicFrom(creds, underAppRoot(so, r)), nil
	case KindToken:
		if r.LoginURL == "" {
			return nil, errors.New("login: a token recipe needs its login URL")
		}
		jo := token.JWTOptions{UserField: r.Params[ParamUserField], PasswordField: r.Params[ParamPasswordField],
			TokenField: r.Params[ParamTokenField]}
		if r.Params[ParamEncoding] == "form" {
			jo.Form = true
			if g := r.Params[ParamGrantType]; g != "" {
				jo.Extra = map[string]string{"grant_type": g}
			}
		}
		return token.JWTLoginFrom(r.LoginURL, creds, jo), nil
	case KindWeb:
		return buildWeb(r, creds, o)
	}
	regMu.RLock()
	b := builders[r.Kind]
	regMu.RUnlock()
	if b == nil {
		return nil, fmt.Errorf("%w %q (known: %v)", ErrUnknownKind, r.Kind, Kinds())
	}
	return b(r, creds, o)
}

// underAppRoot fills the Spring options a recipe of an application under a
// context path leaves to Spring's defaults (see withAppRoot) with the
// paths under its root: the probe and the page searched for a CSRF token
// (the root itself), the logout URL and, for HTTP Basic, the login page.
// Without a root, an absolute probe (a page of the application the user
// named) is also the page searched for a CSRF token: Spring's default,
// the host's root, may not be the application's.
func underAppRoot(so spring.Options, r Recipe) spring.Options {
	if r.Params[ParamEntry] == "403" {
		so.ForbiddenEntryPoint = true
	}
	root, err := url.Parse(r.Params[ParamProbe])
	if err != nil || r.Params[ParamProbe] == "" || !root.IsAbs() {
		if p, err := url.Parse(so.Probe); err == nil && p.IsAbs() && so.CSRF.Page == "" {
			so.CSRF.Page = so.Probe
		}
		return so
	}
	under := func(p *string, rel string) {
		if *p == "" {
			*p = root.ResolveReference(&url.URL{Path: rel}).String()
		}
	}
	under(&so.Probe, "")
	under(&so.CSRF.Page, "")
	under(&so.LogoutURL, "logout")
	if r.Kind == KindBasic {
		under(&so.LoginPage, "login")
	}
	return so
}

func (r Recipe) clone() Recipe {
	r.Params = maps.Clone(r.Params)
	return r
}
