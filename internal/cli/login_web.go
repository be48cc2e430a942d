package cli

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/htmlform"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/webform"
)

// flowWeb is the generic web-form login (package webform): Django, Flask,
// Express, Rails, Laravel, and single sign-on through an identity
// provider's login form.
const flowWeb = "web"

func init() { flowNames[flowWeb] = "web form login" }

// springCookies are the session cookies of a servlet container or Spring
// Session: a login page that sets one is left to the Spring flow.
var springCookies = map[string]bool{"JSESSIONID": true, "SESSION": true}

// otherTokenFields are CSRF fields no Spring Security page uses.
var otherTokenFields = map[string]bool{"csrfmiddlewaretoken": true, "authenticity_token": true, "_token": true,
	"csrf_token": true, "__RequestVerificationToken": true}

// detectWeb decides, for detectFlow, whether the login form of page p
// (the answer resp to a GET of target, after redirects) is one for the
// generic web-form login rather than Spring Security's: a form that a
// single sign-on redirect of the application led to (an OAuth2
// authorization request whose redirect_uri is at target's origin; its
// origin is then added to allowed, the origins the password may go to),
// a form with another framework's CSRF field, or a page that sets session
// cookies and none of a servlet container's. It returns the recipe's
// parameters.
func detectWeb(s *limpet.Session, target *url.URL, resp *limpet.Response, p *htmlform.Page, form htmlform.Form, allowed origins) (map[string]string, bool) {
	final := resp.Request.URL
	action, err := form.ResolveAction(final)
	if err != nil {
		return nil, false
	}
	params := map[string]string{}
	if origin(final) != origin(target) {
		if origin(action) != origin(final) || !ssoRedirect(resp, target) {
			return nil, false // left to detectFlow's cross-origin refusal
		}
		allowed[origin(action)] = true
		params["login_url"] = stripQuery(action) // the provider's origin, for re-logins (recipeOrigins)
		return params, true
	}
	web := false
	for _, in := range form.Hidden() {
		web = web || otherTokenFields[in.Name]
	}
	other, servlet := false, false
	if j := s.Jar(); j != nil {
		for _, c := range j.Cookies(final) {
			switch {
			case springCookies[c.Name]:
				servlet = true
			case c.Name != "XSRF-TOKEN" && !strings.EqualFold(c.Name, "remember-me"):
				other = true
			}
		}
	}
	if !web && !(other && !servlet) {
		return nil, false
	}
	return params, true
}

// ssoRedirect reports whether resp was reached through an OAuth2
// authorization request whose redirect_uri is at target's origin.
func ssoRedirect(resp *limpet.Response, target *url.URL) bool {
	urls := []*url.URL{resp.Request.URL}
	for _, h := range resp.History {
		if h.Request != nil {
			urls = append(urls, h.Request.URL)
		}
	}
	for _, u := range urls {
		q := u.Query()
		if q.Get("client_id") == "" || !strings.Contains(q.Get("response_type"), "code") {
			continue
		}
		if ru, err := url.Parse(q.Get("redirect_uri")); err == nil && origin(ru) == origin(target) {
			return true
		}
	}
	return false
}

// newWebAuthenticator makes the web-form login of a recipe.
func newWebAuthenticator(l store.Login, password string) limpet.Authenticator {
	p := l.Params
	o := webform.Options{Probe: p["probe"], AllowOrigins: strings.Fields(p["allow_origins"])}
	if lu := p["login_url"]; lu != "" {
		o.AllowOrigins = append(o.AllowOrigins, lu)
	}
	if password == "" {
		// A stored session's authenticator is made without the password;
		// a CSRF recovery that finds the session gone logs in with the
		// password from where the recipe keeps it.
		r := &recipeAuthenticator{recipe: l, getenv: os.Getenv}
		o.Credentials = func(context.Context) (string, string, error) {
			if pw, ok := r.storedPassword(); ok {
				return l.User, pw, nil
			}
			return "", "", fmt.Errorf("the server session expired and no password is at hand (%s); run: limpet login --session=NAME %s -a %s",
				describeSource(l.PasswordFrom), l.URL, l.User)
		}
	}
	return webform.Login(l.URL, l.User, password, o)
}
