package login

import (
	"context"
	"errors"
	"net/url"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/legacystate"
	"github.com/limpet-http/limpet/spring"
	"github.com/limpet-http/limpet/store"
)

// Flows of the login recipes in the command-line tool's vocabulary, as
// sessions of earlier releases kept them in their "login" member (the
// spring package's and the command-line tool's).
const (
	flowCLIForm  = "form"
	flowCLIBasic = "basic"
	flowCLIJWT   = "jwt"
)

// FromLogin converts a recipe in the command-line tool's vocabulary (as
// sessions of earlier releases kept it in their "login" member: the spring
// package's "spring-form" and "spring-basic", the command-line tool's
// "form", "basic", "jwt", "processing-url", "json-body", "web") to a Recipe.
// It reports false for flows of other kinds (Tomcat, OAuth 2 client
// credentials), which their own packages rebuild.
func FromLogin(l legacystate.Login) (Recipe, bool) {
	p := l.Params
	r := Recipe{User: l.User, Params: map[string]string{}}
	copyParam := func(to, from string) {
		if v := p[from]; v != "" {
			r.Params[to] = v
		}
	}
	switch l.Flow {
	case spring.FlowForm:
		r.Kind, r.LoginPage, r.LoginURL = KindForm, p["login-page"], l.URL
		if p["login-json"] == "true" {
			r.Kind = KindJSONBody
		}
		copyParam(ParamUserField, "username-param")
		copyParam(ParamPasswordField, "password-param")
		copyParam(ParamEntry, ParamEntry)
	case spring.FlowBasic:
		r.Kind = KindBasic
	case flowCLIForm, KindProcessingURL, KindJSONBody:
		r.Kind, r.LoginPage, r.LoginURL = l.Flow, p["login_page"], p["login_url"]
		if r.Kind == flowCLIForm {
			r.Kind = KindForm
		}
		if r.Kind != KindForm && r.LoginURL == "" {
			r.LoginURL = l.URL
		}
		if r.Kind == KindForm && r.LoginPage == "" && r.LoginURL == "" {
			r.LoginPage = l.URL
		}
		copyParam(ParamEntry, ParamEntry)
		copyParam(ParamUserField, ParamUserField)
		copyParam(ParamPasswordField, ParamPasswordField)
	case flowCLIBasic:
		r.Kind = KindBasic
	case flowCLIJWT, KindToken:
		r.Kind, r.LoginURL = KindToken, l.URL
		for _, k := range []string{ParamEncoding, ParamGrantType, ParamTokenField, ParamUserField, ParamPasswordField} {
			copyParam(k, k)
		}
	case KindWeb:
		r.Kind, r.LoginURL, r.LoginPage = KindWeb, l.URL, p["login_page"]
		for _, k := range []string{ParamSSOOrigin, ParamAllowOrigins, ParamProbe} {
			copyParam(k, k)
		}
		if lu, err := url.Parse(p["login_url"]); err == nil && lu.Host != "" && r.Params[ParamSSOOrigin] == "" {
			if start, err := url.Parse(l.URL); err == nil && originOf(lu) != originOf(start) {
				// Sessions of older versions kept the identity
				// provider's form action there.
				r.Params[ParamSSOOrigin] = originOf(lu)
			}
		}
	default:
		return Recipe{}, false
	}
	return r, true
}

// ToLogin converts r to the command-line tool's vocabulary (the inverse of
// FromLogin for its flows).
func ToLogin(r Recipe) legacystate.Login {
	l := legacystate.Login{User: r.User, Params: map[string]string{}}
	for k, v := range r.Params {
		l.Params[k] = v
	}
	switch r.Kind {
	case KindForm:
		l.Flow, l.URL = flowCLIForm, r.LoginPage
		if r.LoginPage != "" {
			l.Params["login_page"] = r.LoginPage
		}
		if r.LoginURL != "" {
			l.Params["login_url"] = r.LoginURL
		}
		if l.URL == "" {
			l.URL = r.LoginURL
		}
	case KindBasic:
		l.Flow = flowCLIBasic
	case KindToken:
		l.Flow, l.URL = flowCLIJWT, r.LoginURL
	default:
		l.Flow, l.URL = r.Kind, r.LoginURL
		if r.LoginURL != "" {
			l.Params["login_url"] = r.LoginURL
		}
		if r.LoginPage != "" {
			l.Params["login_page"] = r.LoginPage
		}
	}
	return l
}

// Detect finds out how the application at env's base URL wants its
// credentials, as Auto does on its first login (o.LoginURL and
// o.Detectors included), and returns the recipe. Nothing is posted.
func Detect(ctx context.Context, env limpet.Env, o Options) (Recipe, error) {
	a := &auto{o: o}
	return a.find(ctx, env)
}

// Fixed returns a Detector that always answers r: Auto then logs in the
// way r says without looking (a user who said which kind it is).
func Fixed(r Recipe) Detector {
	return func(context.Context, limpet.Env, *Probe) (Recipe, bool, error) { return r.clone(), true, nil }
}

// TokenRecipe returns the recipe for the token endpoint at u: form-encoded
// with the password grant for an OAuth 2 token endpoint (a path with
// "oauth" ending in /token: RFC 6749 requires the form), JSON otherwise.
func TokenRecipe(u *url.URL) Recipe { return tokenRecipe(u) }

// errNoRecipe is returned by recipeOf for a snapshot with no login.
var errNoRecipe = errors.New("login: no recipe")

// recipeOf returns the recipe an earlier release's session keeps in its
// "login" member, converted, with the member.
func recipeOf(s store.Snapshot) (Recipe, legacystate.Login, error) {
	if l, ok := legacystate.LoginOf(s); ok {
		if r, ok := FromLogin(l); ok {
			return r, l, nil
		}
	}
	return Recipe{}, legacystate.Login{}, errNoRecipe
}
