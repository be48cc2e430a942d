package cli_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/limpet-http/limpet/internal/testserver/redisserver"
)

// TestScriptsRedis runs the scripts of testdata/redis with a private
// redis-server: $REDIS is its redis:// URL (database 0), and sessions must
// not touch $LIMPET_CONFIG_DIR when --session-store or
// $LIMPET_SESSION_STORE names Redis.
func TestScriptsRedis(t *testing.T) {
	srv := redisserver.Start(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/redis",
		Setup: func(env *testscript.Env) error {
			h := httptest.NewServer(testHandler())
			env.Defer(h.Close)
			env.Setenv("SRV", h.URL)
			env.Setenv("PORT", h.URL[strings.LastIndexByte(h.URL, ':')+1:])
			env.Setenv("LIMPET_CONFIG_DIR", env.WorkDir+"/config")
			env.Setenv("NO_COLOR", "")
			// Each script its own prefix: scripts run in parallel on one server.
			env.Setenv("REDIS", srv.URL(0)+"?prefix="+strings.ReplaceAll(env.WorkDir[strings.LastIndexByte(env.WorkDir, '/')+1:], "-", "")+":")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"noleak": noleak},
	})
}
