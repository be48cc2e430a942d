package cli

import (
	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/tomcat"
)

// newTomcatAuthenticator makes a servlet container FORM login from a
// recipe: the probe is the protected page the login was started from.
func newTomcatAuthenticator(l recipe, password string) (limpet.Authenticator, error) {
	probe := l.Params["probe"]
	if probe == "" {
		probe = l.URL
	}
	return tomcat.FormLogin(l.User, password, tomcat.Options{Probe: probe, LogoutURL: l.Params["logout_url"]}), nil
}
