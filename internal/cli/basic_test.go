package cli_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/limpet-http/limpet/internal/cli"
)

// HTTP Basic through the command line: a later process sends the password
// from where the login said it comes from, with its first request; it never
// sends an empty password, and without a password at hand it says so
// instead of trying.
func TestBasicNeverSendsAnEmptyPassword(t *testing.T) {
	var empty, good, bad atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pw, ok := r.BasicAuth()
		switch {
		case ok && pw == "":
			empty.Add(1)
		case ok && user == "alice" && pw == "s3cret":
			good.Add(1)
			w.Write([]byte("hello alice"))
			return
		case ok:
			bad.Add(1)
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	dir := t.TempDir()
	run := func(env map[string]string, args ...string) (int, string, string) {
		io, out, errOut := cli.TestStreams("", false)
		f := cli.NewFactory(io)
		f.Getenv = func(k string) string { return env[k] }
		code := cli.Run(context.Background(), args, f)
		return code, out.String(), errOut.String()
	}
	env := map[string]string{"PW": "s3cret"}
	if code, _, errOut := run(env, "login", "--session="+filepath.Join(dir, "env.json"), srv.URL+"/", "-a", "alice", "--password-env", "PW"); code != 0 {
		t.Fatalf("login: %d %s", code, errOut)
	}
	before := good.Load()
	if code, out, errOut := run(env, "--session="+filepath.Join(dir, "env.json"), srv.URL+"/data"); code != 0 || !strings.Contains(out, "hello alice") {
		t.Fatalf("request: %d %q %s", code, out, errOut)
	}
	if n := good.Load() - before; n != 1 || bad.Load() != 0 || empty.Load() != 0 {
		t.Fatalf("%d good, %d bad, %d empty-password requests for one request; want 1, 0, 0", n, bad.Load(), empty.Load())
	}

	// A password typed at the login: a later process without a terminal
	// has none, and sends nothing rather than an empty one.
	if code, _, errOut := run(nil, "login", "--session="+filepath.Join(dir, "typed.json"), srv.URL+"/", "-a", "alice:s3cret"); code != 0 {
		t.Fatalf("login: %d %s", code, errOut)
	}
	code, _, errOut := run(nil, "--session="+filepath.Join(dir, "typed.json"), srv.URL+"/data")
	if code == 0 || empty.Load() != 0 || bad.Load() != 0 || !strings.Contains(errOut, "password") {
		t.Fatalf("without a password at hand: exit %d, %d empty-password requests, %q", code, empty.Load(), errOut)
	}
}
