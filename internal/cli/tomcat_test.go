package cli_test

import (
	"context"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/limpet-http/limpet/internal/testserver/tomcatserver"
)

// TestTomcatScripts drives the command against Debian's Tomcat 10: FORM
// login found from a protected page, reuse by later processes, and the
// transparent re-login after the manager expires the sessions.
func TestTomcatScripts(t *testing.T) {
	srv := tomcatserver.Start(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/tomcat",
		Setup: func(env *testscript.Env) error {
			env.Setenv("TOMCAT", srv.URL)
			env.Setenv("LIMPET_CONFIG_DIR", env.WorkDir+"/config")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// expire-sessions PATH expires every session of a webapp.
			"expire-sessions": func(ts *testscript.TestScript, neg bool, args []string) {
				n, err := srv.ExpireSessions(context.Background(), args[0])
				ts.Check(err)
				ts.Logf("expired %d sessions", n)
			},
		},
	})
}
