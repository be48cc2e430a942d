package login

import (
	"errors"
	"net/url"
	"strings"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/htmlform"
	"github.com/limpet-http/limpet/webform"
)

// KindWeb: the generic HTML form login of package webform, for the login
// forms of other frameworks than Spring Security (Django, Flask, Express,
// Rails, Laravel) and for single sign-on through an identity provider's
// login form that the application redirects to.
const KindWeb = "web"

// Parameters of a KindWeb Recipe's Params.
const (
	// ParamSSOOrigin is the origin of the identity provider whose login
	// form gets the password: the application itself sent the client
	// there with an OAuth2 authorization request returning to its origin.
	ParamSSOOrigin = "sso_origin"
	// ParamAllowOrigins are further origins, separated by spaces, the user
	// allowed the password to go to.
	ParamAllowOrigins = "allow_origins"
	// ParamProbe is a protected page that confirms a login.
	ParamProbe = "probe"
)

// springCookies are the session cookies of a servlet container or Spring
// Session: a login page that sets one is left to the Spring pieces.
var springCookies = map[string]bool{"JSESSIONID": true, "SESSION": true}

// otherTokenFields are CSRF fields no Spring Security page uses.
var otherTokenFields = map[string]bool{"csrfmiddlewaretoken": true, "authenticity_token": true, "_token": true,
	"csrf_token": true, "__RequestVerificationToken": true}

// webRecipe decides whether the login form f of page pg, reached from
// start (the base URL or Options.LoginURL), is one for the web form login
// rather than Spring Security's: a form at another origin that an OAuth2
// authorization request of the application led to (single sign-on), a
// form with another framework's CSRF field, or a page that sets session
// cookies and none of a servlet container's. A form posting the password
// to another origin without such a request is not taken: the password
// goes only to the origin the user named or to the application's own
// identity provider.
func webRecipe(env limpet.Env, start *url.URL, pg *Page, f htmlform.Form) (Recipe, bool) {
	if start == nil || strings.Contains(f.Action, "j_security_check") {
		return Recipe{}, false
	}
	action, err := f.ResolveAction(pg.URL)
	if err != nil {
		return Recipe{}, false
	}
	r := Recipe{Kind: KindWeb, LoginURL: start.String(), LoginPage: stripQuery(pg.URL), Params: map[string]string{}}
	if originOf(pg.URL) != originOf(start) {
		if originOf(action) != originOf(pg.URL) || !pg.authorized(start) {
			return Recipe{}, false
		}
		r.Params[ParamSSOOrigin] = originOf(action)
		return r, true
	}
	if originOf(action) != originOf(start) {
		return Recipe{}, false
	}
	for _, in := range f.Hidden() {
		if otherTokenFields[in.Name] {
			return r, true
		}
	}
	if springPage(pg) {
		return Recipe{}, false // whatever its session cookie is named
	}
	other, servlet := false, false
	if j := env.Jar(); j != nil {
		for _, c := range j.Cookies(pg.URL) {
			switch {
			case springCookies[c.Name]:
				servlet = true
			case c.Name != "XSRF-TOKEN" && !strings.EqualFold(c.Name, "remember-me"):
				other = true
			}
		}
	}
	if other && !servlet {
		return r, true
	}
	return Recipe{}, false
}

// springPage reports whether the answer with the login page pg is Spring
// Security's: it has the headers Spring Security writes by default (no
// caching with "Expires: 0", "X-Frame-Options: DENY",
// "X-Content-Type-Options: nosniff"), a set other frameworks' defaults do
// not make. An application that renames its session cookie
// (server.servlet.session.cookie.name) is still a Spring one. (The CSRF
// field _csrf is no sign: Express's csurf uses that name too.)
func springPage(pg *Page) bool {
	h := pg.Header
	return h != nil && h.Get("Cache-Control") == "no-cache, no-store, max-age=0, must-revalidate" &&
		h.Get("Expires") == "0" && strings.EqualFold(h.Get("X-Frame-Options"), "DENY") &&
		h.Get("X-Content-Type-Options") == "nosniff"
}

// authorized reports whether the page was reached through an OAuth2
// authorization request (a client_id, a response_type with code) whose
// redirect_uri is at start's origin.
func (p *Page) authorized(start *url.URL) bool {
	for _, u := range append([]*url.URL{p.URL}, p.Chain...) {
		q := u.Query()
		if q.Get("client_id") == "" || !strings.Contains(q.Get("response_type"), "code") {
			continue
		}
		if ru, err := url.Parse(q.Get("redirect_uri")); err == nil && originOf(ru) == originOf(start) {
			return true
		}
	}
	return false
}

// buildWeb makes the web form login of r. The password goes to the
// origin of r.LoginURL, to r's identity provider and allowed origins, and
// to a provider that the application sends the client to with an OAuth2
// authorization request returning to its origin (webform's rule).
func buildWeb(r Recipe, creds limpet.Credentials, _ Options) (limpet.Authenticator, error) {
	if r.LoginURL == "" {
		return nil, errors.New("login: a web recipe needs its login URL")
	}
	o := webform.Options{Probe: r.Params[ParamProbe], AllowOrigins: strings.Fields(r.Params[ParamAllowOrigins]),
		Credentials: creds}
	if sso := r.Params[ParamSSOOrigin]; sso != "" {
		o.AllowOrigins = append(o.AllowOrigins, sso)
	}
	return webform.Login(r.LoginURL, r.User, "", o), nil
}

func originOf(u *url.URL) string {
	if u == nil {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

func stripQuery(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment = "", ""
	return c.String()
}
