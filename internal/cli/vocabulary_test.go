package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cli"
	"github.com/limpet-http/limpet/internal/testserver/springserver"
	"github.com/limpet-http/limpet/login"
	"github.com/limpet-http/limpet/store/filestore"
)

// One vocabulary: a session a program saved with login.Auto works in the
// command line without a new login, and a session the command line's login
// saved works in a program (login.Auto) without one, on Spring matrix
// cells with and without a login page.
func TestSessionsSharedWithTheLibrary(t *testing.T) {
	srv := springserver.Start(t, springserver.Boot4, springserver.MatrixProfile, springserver.Dedicated())
	want := map[string]bool{
		"csrf=session,handler=xor,login=default-page":     true,
		"csrf=cookie-js,handler=xor,login=processing-url": true,
	}
	tested := 0
	for _, c := range srv.Cells() {
		prefix := strings.Join(strings.Split(c.Name, ",")[:3], ",")
		if !want[prefix] {
			continue
		}
		want[prefix] = false
		tested++
		t.Run(c.Name, func(t *testing.T) {
			lu := ""
			if !c.HasLoginPage() {
				lu = c.LoginURL
			}
			lib := func(path string) *limpet.Session {
				s, err := limpet.New(limpet.Options{BaseURL: c.URL, Store: filestore.Open(path, filestore.Options{}),
					Authenticator: login.Auto(limpet.StaticCredentials("user", "password"), login.Options{LoginURL: lu})})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			run := func(args ...string) string {
				io, out, errOut := cli.TestStreams("", false)
				f := cli.NewFactory(io)
				f.Getenv = func(k string) string {
					if k == "MATRIX_PASSWORD" {
						return "password"
					}
					return ""
				}
				if code := cli.Run(context.Background(), args, f); code != 0 {
					t.Fatalf("limpet %s: exit %d: %s", strings.Join(args, " "), code, errOut)
				}
				return out.String()
			}
			dir := t.TempDir()

			// The library saves, the command line goes on.
			path := filepath.Join(dir, "lib.json")
			s := lib(path)
			if err := s.Login(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			before := c.Counters(t)
			if out := run("--session="+path, "GET", c.URL+"/api/me"); !strings.Contains(out, "user") {
				t.Fatalf("GET /api/me through the CLI: %q", out)
			}
			run("--session="+path, "POST", c.URL+"/api/items", "name=limpet", "key=lib-cli")
			if n := c.Posts(t, "lib-cli"); n != 1 {
				t.Fatalf("the CLI's POST ran %d times", n)
			}
			if n := c.Counters(t).AuthSuccess - before.AuthSuccess; n != 0 {
				t.Fatalf("the CLI logged in %d times on the library's session", n)
			}

			// The command line logs in, the library goes on.
			path = filepath.Join(dir, "cli.json")
			run("login", "--session="+path, c.URL+lu, "-a", "user", "--password-env", "MATRIX_PASSWORD")
			before = c.Counters(t)
			s = lib(path)
			defer s.Close()
			resp, err := s.Post(context.Background(), "/api/items", limpet.JSON(map[string]string{"name": "limpet", "key": "cli-lib"}))
			if err != nil {
				t.Fatal(err)
			}
			resp.Close()
			if resp.StatusCode != 200 || c.Posts(t, "cli-lib") != 1 {
				t.Fatalf("the library's POST on the CLI's session: %d, %d executions", resp.StatusCode, c.Posts(t, "cli-lib"))
			}
			if n := c.Counters(t).AuthSuccess - before.AuthSuccess; n != 0 {
				t.Fatalf("the library logged in %d times on the CLI's session", n)
			}
		})
	}
	if tested != len(want) {
		t.Fatalf("tested %d cells, want %d", tested, len(want))
	}
}
