package cli

import (
	"github.com/limpet-http/limpet/login"
)

// flowWeb is the generic web-form login (login.KindWeb, package webform):
// Django, Flask, Express, Rails, Laravel, and single sign-on through an
// identity provider's login form. login.Detect finds it and
// login.FromRecipe builds it, as login.Auto does in a program.
const flowWeb = login.KindWeb

func init() { flowNames[flowWeb] = "web form login" }

// allowWeb adds the identity provider of a web recipe (one the
// application itself sent the client to with an OAuth2 authorization
// request) to the origins the password may go to.
func allowWeb(r login.Recipe, allowed origins) {
	if r.Kind == login.KindWeb && r.Params[login.ParamSSOOrigin] != "" {
		allowed[r.Params[login.ParamSSOOrigin]] = true
	}
}
