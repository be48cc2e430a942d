package cli_test

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/limpet-http/limpet/internal/testserver/springserver"
)

// TestSpringScripts drives the built command against the real Spring
// Security fixture (Boot's default chain) on both Boot versions: login,
// CSRF-protected requests, reuse of the stored session by later processes,
// transparent re-login after the server session expires, logout.
func TestSpringScripts(t *testing.T) {
	for _, version := range springserver.Versions() {
		t.Run(version, func(t *testing.T) {
			srv := springserver.Start(t, version, "default", springserver.Dedicated())
			testscript.Run(t, testscript.Params{
				Dir: "testdata/spring",
				Setup: func(env *testscript.Env) error {
					env.Setenv("SPRING", srv.URL)
					env.Setenv("LIMPET_CONFIG_DIR", env.WorkDir+"/config")
					return nil
				},
			})
		})
	}
}
