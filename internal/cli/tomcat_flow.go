package cli

import (
	"fmt"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/store"
)

func newTomcatAuthenticator(l store.Login, password string) (limpet.Authenticator, error) {
	return nil, fmt.Errorf("the Tomcat FORM login flow is not available in this build")
}
