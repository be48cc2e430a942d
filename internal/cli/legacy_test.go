package cli_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cli"
	"github.com/limpet-http/limpet/internal/testserver/springserver"
	"github.com/limpet-http/limpet/login"
	"github.com/limpet-http/limpet/spring"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/token"
)

// The session files in testdata/legacy were written by the release before
// each piece kept its state in a State entry of its own: the command line's
// -a and -A bearer sessions, an HTTPie import, a program's token session, a
// program's and the command line's Spring form logins with a learned
// cookie CSRF mode. Their ports are written PORT. These tests load each in
// the library and in the command line: it goes on as before (no login
// where none is needed, the learned mode kept), and after a save the file
// has State entries only.

// legacyFile copies testdata/legacy/name to a temporary session file, with
// the port of the server at base and the replacements (old, new, ...).
func legacyFile(t *testing.T, name, base string, replace ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "legacy", name))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			t.Fatalf("%s has no %q", name, replace[i])
		}
		s = strings.ReplaceAll(s, replace[i], replace[i+1])
	}
	s = strings.ReplaceAll(s, "127.0.0.1:PORT", u.Host)
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// converted checks that the session file at path has the State entries
// of owners and none of the members an earlier release kept, and returns
// it.
func converted(t *testing.T, path string, owners ...string) store.Snapshot {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := store.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Extra) != 0 {
		t.Errorf("members of the earlier release left after a save:\n%s", raw)
	}
	for _, o := range owners {
		if _, ok := snap.LookupState(o); !ok {
			t.Errorf("no state %q after a save:\n%s", o, raw)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("session file mode: %v, %v", fi.Mode(), err)
	}
	return snap
}

// runCLI runs limpet with args; stdin is what a terminal types (tty).
func runCLI(t *testing.T, stdin string, tty bool, env map[string]string, args ...string) (string, string) {
	t.Helper()
	io, out, errOut := cli.TestStreams(stdin, tty)
	f := cli.NewFactory(io)
	f.Getenv = func(k string) string { return env[k] }
	if code := cli.Run(context.Background(), args, f); code != 0 {
		t.Fatalf("limpet %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out.String(), errOut.String()
}

// basicServer wants Basic user:pass, counts the refusals, and echoes the
// X-Team header.
func basicServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "pass" {
			refused.Add(1)
			w.Header().Set("WWW-Authenticate", `Basic realm="r"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte("hello user " + r.Header.Get("X-Team")))
	}))
	t.Cleanup(srv.Close)
	return srv, &refused
}

// The command line's -a user:pass session: the user and where the password
// came from (a prompt) are kept; the password is asked for again, once.
func TestLegacyCLIBasicSession(t *testing.T) {
	srv, refused := basicServer(t)
	path := legacyFile(t, "cli-basic.json", srv.URL)
	for i := range 2 { // converted by the first run, read back by the second
		out, errOut := runCLI(t, "pass\n", true, nil, "--session="+path, "GET", srv.URL+"/")
		if !strings.Contains(out, "hello user") || !strings.Contains(errOut, "password for user@") {
			t.Fatalf("run %d: %q, prompt %q", i, out, errOut)
		}
		snap := converted(t, path, "sessionauth")
		var a struct{ Kind, User, Password_From string }
		if err := json.Unmarshal(snap.State["sessionauth"].Data, &a); err != nil || a.Kind != "basic" || a.User != "user" ||
			a.Password_From != "prompt" || snap.State["sessionauth"].Secret != nil {
			t.Fatalf("run %d: saved %s, secret %s", i, snap.State["sessionauth"].Data, snap.State["sessionauth"].Secret)
		}
	}
	if n := refused.Load(); n != 2 {
		t.Errorf("%d refusals, want one per run (the password is asked for on the 401)", n)
	}
}

// The command line's -A bearer session: the token is sent without -A.
func TestLegacyCLIBearerSession(t *testing.T) {
	var refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-123" {
			refused.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	path := legacyFile(t, "cli-bearer.json", srv.URL)
	for i := range 2 {
		if out, _ := runCLI(t, "", false, nil, "--session="+path, "GET", srv.URL+"/x"); out != "ok" {
			t.Fatalf("run %d: %q", i, out)
		}
		converted(t, path, "sessionauth")
	}
	if n := refused.Load(); n != 0 {
		t.Errorf("%d refusals, want none", n)
	}
}

// An HTTPie session imported by the earlier release: its headers and its
// auth settings go on.
func TestLegacyHTTPieImport(t *testing.T) {
	srv, refused := basicServer(t)
	path := legacyFile(t, "httpie-import.json", srv.URL)
	out, _ := runCLI(t, "pass\n", true, nil, "--session="+path, "GET", srv.URL+"/")
	if !strings.Contains(out, "hello user blue") {
		t.Fatalf("GET: %q", out)
	}
	converted(t, path, "sessionauth")
	if n := refused.Load(); n != 1 {
		t.Errorf("%d refusals, want 1", n)
	}
	// Exported with its credentials: the user, without a password (none was kept).
	out, _ = runCLI(t, "", false, nil, "session", "export", "--format=httpie", "--with-credentials", path)
	if !strings.Contains(out, `"raw_auth": "user:"`) {
		t.Errorf("export: %s", out)
	}
}

// tokenServer issues jwt-1 at /token and accepts it elsewhere, counting the
// tokens issued.
func tokenServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var issued atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			issued.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"access_token": "jwt-1", "token_type": "Bearer", "expires_in": 3600}`))
			return
		}
		if r.Header.Get("Authorization") != "Bearer jwt-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv, &issued
}

// A program's token session: the saved token is used, by the program and
// by the command line, without a new login. The file's expiry is moved an
// hour past now: the token was saved with a lifetime of an hour.
func TestLegacyTokenSession(t *testing.T) {
	expiry := time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)
	for _, by := range []string{"library", "cli"} {
		t.Run(by, func(t *testing.T) {
			srv, issued := tokenServer(t)
			path := legacyFile(t, "token.json", srv.URL, "2026-12-07T07:04:18.072756803Z", expiry)
			owner := token.StatePrefix + "jwt POST " + srv.URL + "/token"
			if by == "library" {
				s, err := limpet.New(limpet.Options{BaseURL: srv.URL, Store: filestore.Open(path, filestore.Options{}),
					Authenticator: token.JWTLogin(srv.URL+"/token", "user", "pass", token.JWTOptions{})})
				if err != nil {
					t.Fatal(err)
				}
				resp, err := s.Get(context.Background(), "/api")
				if err != nil {
					t.Fatal(err)
				}
				resp.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("GET: %d", resp.StatusCode)
				}
				if err := s.Save(context.Background()); err != nil {
					t.Fatal(err)
				}
				s.Close()
				converted(t, path, owner)
			} else {
				if out, _ := runCLI(t, "", false, nil, "--session="+path, "GET", srv.URL+"/api"); out != "ok" {
					t.Fatalf("GET: %q", out)
				}
				converted(t, path, owner, "cli", "login")
			}
			if n := issued.Load(); n != 0 {
				t.Errorf("%d tokens issued, want none: the saved one is good", n)
			}
		})
	}
}

// Spring form logins (a program's, and the command line's) against the
// cell of the configuration matrix the files were written on: a cookie CSRF
// repository with the XOR handler, whose masked form of the token limpet
// learned. The files' server session is replaced by a live one, so that
// no login is needed: the POST goes at once, with the masked token (a lost
// mode costs a 403 first), and nobody logs in.
func TestLegacySpringSessions(t *testing.T) {
	srv := springserver.Start(t, springserver.Boot4, springserver.MatrixProfile, springserver.Dedicated())
	var cell *springserver.Cell
	for _, c := range srv.Cells() {
		if strings.HasPrefix(c.Name, "csrf=cookie-js,handler=xor,login=default-page,") {
			cell = &c
			break
		}
	}
	if cell == nil {
		t.Fatal("no cell csrf=cookie-js,handler=xor,login=default-page in the matrix")
	}
	c := *cell
	// live returns the file with the session cookie and the CSRF token of
	// a new login in place of the stale ones.
	live := func(t *testing.T, name string) string {
		s, err := limpet.New(limpet.Options{BaseURL: c.URL, Authenticator: spring.FormLogin("user", "password", spring.Options{})})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Login(context.Background()); err != nil {
			t.Fatal(err)
		}
		// A POST: the cookie repository sets the token's cookie when a
		// request loads the token.
		resp, err := s.Post(context.Background(), "/api/items", limpet.JSON(map[string]string{"name": "limpet", "key": "legacy-warm-up"}))
		if err != nil {
			t.Fatal(err)
		}
		resp.Close()
		raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "legacy", name))
		if err != nil {
			t.Fatal(err)
		}
		old, err := store.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(c.URL)
		var replace []string
		for _, ck := range old.Cookies {
			for _, lc := range s.Jar().Cookies(u) {
				if lc.Name == ck.Name {
					replace = append(replace, ck.Value, lc.Value)
				}
			}
		}
		if len(replace) != 4 {
			t.Fatalf("live cookies: %v", s.Jar().Cookies(u))
		}
		return legacyFile(t, name, c.URL, replace...)
	}
	post := func(t *testing.T, key string, do func()) {
		t.Helper()
		before := c.Counters(t)
		do()
		if n := c.Posts(t, key); n != 1 {
			t.Errorf("the POST ran %d times", n)
		}
		if n := c.Counters(t).AuthSuccess - before.AuthSuccess; n != 0 {
			t.Errorf("%d logins, want none", n)
		}
	}
	masked := func(t *testing.T, snap store.Snapshot) {
		t.Helper()
		var saved struct {
			Login struct{ Params map[string]string }
			CSRF  struct{ Source string }
		}
		if err := json.Unmarshal(snap.State[spring.StateOwner].Data, &saved); err != nil || saved.Login.Params["csrf-cookie"] != "masked" ||
			saved.CSRF.Source != "cookie:XSRF-TOKEN" {
			t.Errorf("spring state %s: want the learned masked cookie mode", snap.State[spring.StateOwner].Data)
		}
	}

	t.Run("library", func(t *testing.T) {
		path := live(t, "spring-form.json")
		post(t, "legacy-lib", func() {
			s, err := limpet.New(limpet.Options{BaseURL: c.URL, Store: filestore.Open(path, filestore.Options{}),
				Authenticator: spring.FormLogin("user", "password", spring.Options{})})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := s.Post(context.Background(), "/api/items", limpet.JSON(map[string]string{"name": "limpet", "key": "legacy-lib"}))
			if err != nil {
				t.Fatal(err)
			}
			resp.Close()
			if resp.StatusCode != 200 || len(resp.Recoveries) != 0 {
				t.Errorf("POST: %d, recoveries %+v", resp.StatusCode, resp.Recoveries)
			}
			if err := s.Save(context.Background()); err != nil {
				t.Fatal(err)
			}
			s.Close()
		})
		masked(t, converted(t, path, spring.StateOwner))
	})
	t.Run("library's file in the cli", func(t *testing.T) {
		path := live(t, "spring-form.json")
		post(t, "legacy-lib-cli", func() {
			runCLI(t, "", false, nil, "--session="+path, "POST", c.URL+"/api/items", "name=limpet", "key=legacy-lib-cli")
		})
		masked(t, converted(t, path, spring.StateOwner, "cli", "login"))
	})
	t.Run("cli's file in the library", func(t *testing.T) {
		path := live(t, "cli-spring.json")
		post(t, "legacy-cli-lib", func() {
			s, err := limpet.New(limpet.Options{BaseURL: c.URL, Store: filestore.Open(path, filestore.Options{}),
				Authenticator: login.Auto(limpet.StaticCredentials("user", "password"), login.Options{})})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := s.Post(context.Background(), "/api/items", limpet.JSON(map[string]string{"name": "limpet", "key": "legacy-cli-lib"}))
			if err != nil {
				t.Fatal(err)
			}
			resp.Close()
			if resp.StatusCode != 200 || len(resp.Recoveries) != 0 {
				t.Errorf("POST: %d, recoveries %+v", resp.StatusCode, resp.Recoveries)
			}
			if err := s.Save(context.Background()); err != nil {
				t.Fatal(err)
			}
			s.Close()
		})
		// The command line's recipe says where its password comes from,
		// which a program does not know: its member stays for the
		// command line to convert, which the next run does.
		raw, _ := os.ReadFile(path)
		snap, err := store.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := snap.LookupState(login.StateOwner); !ok || snap.Extra["csrf"] != nil || snap.Extra["login"] == nil {
			t.Fatalf("after the program's save:\n%s", raw)
		}
		masked(t, snap)
		post(t, "legacy-cli-lib-2", func() {
			runCLI(t, "", false, nil, "--session="+path, "POST", c.URL+"/api/items", "name=limpet", "key=legacy-cli-lib-2")
		})
		converted(t, path, spring.StateOwner, "cli", "login")
	})
	t.Run("cli", func(t *testing.T) {
		path := live(t, "cli-spring.json")
		post(t, "legacy-cli", func() {
			runCLI(t, "", false, nil, "--session="+path, "POST", c.URL+"/api/items", "name=limpet", "key=legacy-cli")
		})
		snap := converted(t, path, spring.StateOwner, "cli", "login")
		masked(t, snap)
		var r struct{ Flow, User, Password_From string }
		if err := json.Unmarshal(snap.State["cli"].Data, &r); err != nil || r.Flow != spring.FlowForm || r.User != "user" ||
			r.Password_From != "env:GEN_PW" {
			t.Errorf("the command line's recipe: %s", snap.State["cli"].Data)
		}
		// The next run reads the State entries.
		post(t, "legacy-cli-2", func() {
			runCLI(t, "", false, nil, "--session="+path, "POST", c.URL+"/api/items", "name=limpet", "key=legacy-cli-2")
		})
	})
}

// A program that opens a session the command line's -a (or an HTTPie
// import) wrote goes on with its cookies; the -a settings are the command
// line's, which a program does not use: their member stays for the command
// line to convert, which its next run does.
func TestLegacyCLISessionsInTheLibrary(t *testing.T) {
	for _, name := range []string{"cli-basic.json", "httpie-import.json"} {
		t.Run(name, func(t *testing.T) {
			var cookies atomic.Value
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				cookies.Store(r.Header.Get("Cookie"))
				w.Write([]byte("ok"))
			}))
			defer srv.Close()
			path := legacyFile(t, name, srv.URL)
			s, err := limpet.New(limpet.Options{BaseURL: srv.URL, Store: filestore.Open(path, filestore.Options{})})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := s.Get(context.Background(), "/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Close()
			if err := s.Save(context.Background()); err != nil {
				t.Fatal(err)
			}
			s.Close()
			if c, _ := cookies.Load().(string); !strings.HasPrefix(c, "SID=") {
				t.Errorf("cookies sent: %q", c)
			}
			raw, _ := os.ReadFile(path)
			if !strings.Contains(string(raw), `"auth": {"kind":"basic","user":"user"`) {
				t.Fatalf("the -a settings after the program's save:\n%s", raw)
			}
			runCLI(t, "", false, nil, "--session="+path, "GET", srv.URL+"/")
			converted(t, path, "sessionauth")
		})
	}
}
