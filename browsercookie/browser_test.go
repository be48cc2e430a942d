package browsercookie_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/browsercookie"
	"github.com/limpet-http/limpet/internal/browsertest"
	"github.com/limpet-http/limpet/internal/secretservice"
	"github.com/limpet-http/limpet/jar"
)

// TestBrowserLogin logs in to a loopback app with real browsers (the app's
// login page submits its form from JavaScript, a login limpet does not
// perform), imports the browser's cookies and calls a protected page with
// them. The browsers run in parallel: each takes seconds to start.
func TestBrowserLogin(t *testing.T) {
	t.Run("chromium basic v10", func(t *testing.T) {
		t.Parallel()
		testChromium(t, false)
	})
	t.Run("chromium keyring v11", func(t *testing.T) {
		t.Parallel()
		testChromium(t, true)
	})
	t.Run("firefox after exit", func(t *testing.T) {
		t.Parallel()
		testFirefox(t, false)
	})
	t.Run("firefox running", func(t *testing.T) {
		t.Parallel()
		testFirefox(t, true)
	})
}

// startApp serves a LoginApp on loopback and returns its URL with host
// localhost (Chromium does not write session cookies of IP hosts).
func startApp(t *testing.T) (*browsertest.LoginApp, string) {
	app := browsertest.NewLoginApp()
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	return app, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
}

// callProtected calls /api/me with the cookies and returns the status and
// body.
func callProtected(t *testing.T, srvURL string, cookies []jar.Cookie) (int, string) {
	t.Helper()
	j := jar.New(jar.Options{})
	for _, c := range cookies {
		if err := j.Put(c); err != nil {
			t.Fatalf("put %s: %v", c.Key(), err)
		}
	}
	s, err := limpet.New(limpet.Options{Jar: j, BaseURL: srvURL})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, err := s.Get(context.Background(), "/api/me")
	if err != nil {
		t.Fatal(err)
	}
	body, err := resp.Text()
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// checkLogin checks that the imported session cookie is the one the app
// handed out, and that limpet, with the imported cookies, is logged in.
func checkLogin(t *testing.T, app *browsertest.LoginApp, srvURL string, res *browsercookie.Result) *browsercookie.Cookie {
	t.Helper()
	var sess *browsercookie.Cookie
	for i, c := range res.Cookies {
		if c.Name == browsertest.SessionCookie {
			sess = &res.Cookies[i]
		}
	}
	if sess == nil {
		t.Fatalf("no %s cookie imported from %s (got %d cookies, skipped: %s)", browsertest.SessionCookie, res.Database, len(res.Cookies), res.Skipped)
	}
	if !slices.Contains(app.SessionIDs(), sess.Value) {
		t.Fatalf("imported %s value is not a session the app handed out", browsertest.SessionCookie)
	}
	if sess.Domain != "localhost" || !sess.HostOnly || sess.Path != "/" || !sess.HttpOnly || sess.SameSite != jar.SameSiteLax ||
		!sess.Persistent || sess.Expires.Before(time.Now().Add(50*time.Minute)) || sess.SourceScheme != browsercookie.SchemeHTTP {
		t.Errorf("imported cookie attributes: %+v", sess.Cookie)
	}
	if code, _ := callProtected(t, srvURL, nil); code != http.StatusUnauthorized {
		t.Fatalf("without the browser's cookies: status %d, want 401", code)
	}
	code, body := callProtected(t, srvURL, res.JarCookies())
	if code != http.StatusOK || !strings.Contains(body, `"alice"`) {
		t.Fatalf("with the browser's cookies: %d %s", code, body)
	}
	return sess
}

// encryptedPrefixes returns the formats ("v10", "v11") of the encrypted
// values of a Chromium cookie database (the browser has exited).
func encryptedPrefixes(t *testing.T, db string) []string {
	t.Helper()
	conn, err := sqlite3.OpenFlags(db, sqlite3.OPEN_READONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stmt, _, err := conn.Prepare("SELECT DISTINCT substr(encrypted_value, 1, 3) FROM cookies")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	var out []string
	for stmt.Step() {
		out = append(out, stmt.ColumnText(0))
	}
	return out
}

func testChromium(t *testing.T, keyring bool) {
	bin := browsertest.Need(t, "chromium", "chromium-browser")
	app, srvURL := startApp(t)
	home := t.TempDir()
	store, format, extra := "basic", "v10", []string(nil)
	var k *browsertest.Keyring
	if keyring {
		k = browsertest.StartKeyring(t, "keyring-password")
		store, format, extra = "gnome-libsecret", "v11", []string{"DBUS_SESSION_BUS_ADDRESS=" + k.Address}
	}
	c := browsertest.Chromium{Binary: bin, UserDataDir: filepath.Join(home, ".config", "chromium"), PasswordStore: store,
		Env: browsertest.Env(home, extra...)}
	if dom := c.Run(t, srvURL+"/login"); !strings.Contains(dom, "welcome alice") {
		t.Fatalf("the browser did not log in; page:\n%s", dom)
	}

	o := browsercookie.Options{Browser: browsercookie.Chromium, Dirs: browsercookie.Dirs{Home: home}, Domains: []string{"localhost"}}
	if keyring {
		o.SafeStoragePassword = func(ctx context.Context, _ browsercookie.Browser) ([]byte, error) {
			return secretservice.Lookup(ctx, k.Address, map[string]string{"application": "chromium"})
		}
	}
	res, err := browsercookie.Read(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if got := encryptedPrefixes(t, res.Database); !slices.Equal(got, []string{format}) {
		t.Fatalf("the profile's values are %q, want %s only", got, format)
	}
	if res.Schema != browsercookie.ChromiumNewestSchema || len(res.Warnings) > 0 {
		t.Logf("Chromium wrote cookie database version %d (warnings %q)", res.Schema, res.Warnings)
	}
	checkLogin(t, app, srvURL, res)
	// Chromium may write session cookies too (is_persistent 0); whether
	// it does before it exits varies, so only check one that it wrote.
	if i := slices.IndexFunc(res.Cookies, func(c browsercookie.Cookie) bool { return c.Name == "theme" }); i >= 0 &&
		(res.Cookies[i].Persistent || res.Cookies[i].Value != "dark") {
		t.Errorf("session cookie theme: %+v", res.Cookies[i])
	}

	if keyring {
		// Without the keyring, the values cannot be read: the error says so.
		o.SafeStoragePassword = func(ctx context.Context, _ browsercookie.Browser) ([]byte, error) {
			return secretservice.Lookup(ctx, "unix:path="+filepath.Join(home, "no-bus"), map[string]string{"application": "chromium"})
		}
		if _, err := browsercookie.Read(context.Background(), o); err == nil || !strings.Contains(err.Error(), "Chromium Safe Storage") {
			t.Errorf("without the keyring: %v, want ErrKeyring", err)
		}
		return
	}

	// A value moved to another host's row fails its host check.
	conn, err := sqlite3.Open(res.Database)
	if err != nil {
		t.Fatal(err)
	}
	err = conn.Exec("UPDATE cookies SET host_key = '127.0.0.1' WHERE name = '" + browsertest.SessionCookie + "'")
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	o.Domains = []string{"127.0.0.1"}
	res, err = browsercookie.Read(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cookies) != 0 || res.Skipped.HostCheck != 1 {
		t.Errorf("moved row: cookies %+v, skipped %+v; want it skipped by the host check", res.Cookies, res.Skipped)
	}
}

func testFirefox(t *testing.T, running bool) {
	bin := browsertest.Need(t, "firefox-esr", "firefox")
	app, srvURL := startApp(t)
	app.CloseAfterLogin.Store(!running)
	home := t.TempDir()
	prof := browsertest.WriteFirefoxProfilesIni(t, home, "t3st.default-esr")
	ff := browsertest.StartFirefox(t, bin, prof, browsertest.Env(home), srvURL+"/login")
	select {
	case <-app.LoggedIn():
	case <-time.After(3 * time.Minute):
		t.Fatal("Firefox did not log in")
	}
	o := browsercookie.Options{Browser: browsercookie.Firefox, Dirs: browsercookie.Dirs{Home: home}, Domains: []string{"localhost"}}
	var res *browsercookie.Result
	if !running {
		ff.Wait(t, 2*time.Minute)
		if fi, err := os.Stat(filepath.Join(prof, "cookies.sqlite-wal")); err == nil && fi.Size() > 0 {
			t.Errorf("Firefox left a write-ahead log of %d bytes: not a clean exit", fi.Size())
		}
		var err error
		if res, err = browsercookie.Read(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	} else {
		// Firefox writes the cookie shortly after it arrives, to the WAL.
		deadline := time.Now().Add(time.Minute)
		for {
			var err error
			if res, err = browsercookie.Read(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			if slices.ContainsFunc(res.Cookies, func(c browsercookie.Cookie) bool { return c.Name == browsertest.SessionCookie }) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the running Firefox's profile has no %s cookie after a minute", browsertest.SessionCookie)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if n := rowsInMainFile(t, prof); n == 0 {
			t.Logf("the cookies were only in the write-ahead log (a reader of cookies.sqlite alone sees none)")
		}
	}
	if res.Schema != browsercookie.FirefoxNewestSchema || len(res.Warnings) > 0 {
		t.Logf("Firefox wrote cookie database schema %d (warnings %q)", res.Schema, res.Warnings)
	}
	checkLogin(t, app, srvURL, res)
}

// rowsInMainFile counts the rows of a copy of cookies.sqlite made without
// its write-ahead log: what a reader that ignores the WAL sees.
func rowsInMainFile(t *testing.T, prof string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(prof, "cookies.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "main-only.sqlite")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	conn, err := sqlite3.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stmt, _, err := conn.Prepare("SELECT count(*) FROM moz_cookies")
	if err != nil {
		return 0 // the schema itself is still in the WAL
	}
	defer stmt.Close()
	stmt.Step()
	return int(stmt.ColumnInt64(0))
}
