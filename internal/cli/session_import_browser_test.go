package cli_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/limpet-http/limpet/browsercookie"
	"github.com/limpet-http/limpet/internal/browsertest"
)

// appKey holds a script's LoginApp in its testscript.Env values.
type appKey struct{}

// scriptT lets the browsertest helpers run inside a testscript command.
type scriptT struct{ ts *testscript.TestScript }

func (s scriptT) Helper()                        {}
func (s scriptT) Fatalf(format string, a ...any) { s.ts.Fatalf(format, a...) }
func (s scriptT) Logf(format string, a ...any)   { s.ts.Logf(format, a...) }
func (s scriptT) Skip(a ...any)                  { s.ts.Fatalf("%s", fmt.Sprint(a...)) }
func (s scriptT) Cleanup(f func())               { s.ts.Defer(f) }
func (s scriptT) Failed() bool                   { return true } // logs show only on failure
var _ browsertest.T = scriptT{}

// TestBrowserImport runs the scripts of testdata/browser: a real browser
// logs in to a loopback app (its login page submits the form from
// JavaScript), then "limpet session import --from" takes the browser's
// cookies and "limpet --session" calls a protected page with them. The
// scripts run in parallel.
func TestBrowserImport(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/browser",
		Setup: func(env *testscript.Env) error {
			app := browsertest.NewLoginApp()
			srv := httptest.NewServer(app)
			env.Defer(srv.Close)
			env.Values[appKey{}] = app
			// localhost: Chromium does not write session cookies of IP hosts.
			u := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
			env.Setenv("SRV", u)
			env.Setenv("PORT", u[strings.LastIndexByte(u, ':')+1:])
			env.Setenv("LIMPET_CONFIG_DIR", env.WorkDir+"/config")
			env.Setenv("HOME", env.WorkDir+"/home")
			env.Setenv("NO_COLOR", "")
			return os.MkdirAll(env.WorkDir+"/home", 0o700)
		},
		Condition: func(cond string) (bool, error) {
			if cond == "interop-required" {
				return os.Getenv("LIMPET_INTEROP") == "require", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"keyring-start":  cmdKeyringStart,
			"keyring-lock":   cmdKeyringLock,
			"chromium-login": cmdChromiumLogin,
			"firefox-login":  cmdFirefoxLogin,
			"mode":           cmdMode,
		},
	})
}

// mode FILE PERM checks a file's permission bits.
func cmdMode(ts *testscript.TestScript, neg bool, args []string) {
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	if got := fmt.Sprintf("%04o", fi.Mode().Perm()); (got == args[1]) == neg {
		ts.Fatalf("mode of %s is %s", args[0], got)
	}
}

// browserEnv is the environment of a browser run by a script: its HOME,
// and its session bus if keyring-start set one.
func browserEnv(ts *testscript.TestScript) []string {
	var extra []string
	if a := ts.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" {
		extra = append(extra, "DBUS_SESSION_BUS_ADDRESS="+a)
	}
	return browsertest.Env(ts.Getenv("HOME"), extra...)
}

// keyring-start PASSWORD starts a session bus and an unlocked
// gnome-keyring-daemon, and sets DBUS_SESSION_BUS_ADDRESS for the script.
func cmdKeyringStart(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: keyring-start PASSWORD")
	}
	k := browsertest.StartKeyring(scriptT{ts}, args[0])
	ts.Setenv("DBUS_SESSION_BUS_ADDRESS", k.Address)
}

// keyring-lock locks the login keyring of keyring-start.
func cmdKeyringLock(ts *testscript.TestScript, neg bool, args []string) {
	conn, err := dbus.Connect(ts.Getenv("DBUS_SESSION_BUS_ADDRESS"))
	ts.Check(err)
	defer conn.Close()
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	ts.Check(conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").
		Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{"/org/freedesktop/secrets/collection/login"}).
		Store(&locked, &prompt))
}

// chromium-login basic|keyring logs in to $SRV with a headless Chromium
// whose profile is $HOME/.config/chromium, cookies encrypted with the
// fixed key (basic, "v10") or the keyring's (keyring, "v11").
func cmdChromiumLogin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || args[0] != "basic" && args[0] != "keyring" {
		ts.Fatalf("usage: chromium-login basic|keyring")
	}
	store := "basic"
	if args[0] == "keyring" {
		store = "gnome-libsecret"
	}
	t := scriptT{ts}
	c := browsertest.Chromium{
		Binary:        browsertest.Need(t, "chromium", "chromium-browser"),
		UserDataDir:   filepath.Join(ts.Getenv("HOME"), ".config", "chromium"),
		PasswordStore: store,
		Env:           browserEnv(ts),
	}
	if dom := c.Run(t, ts.Getenv("SRV")+"/login"); !strings.Contains(dom, "welcome alice") {
		ts.Fatalf("Chromium did not log in; page:\n%s", dom)
	}
}

// firefox-login exit|running logs in to $SRV with a headless Firefox whose
// profile is the default one of $HOME/.mozilla/firefox/profiles.ini. With
// exit, the page closes the window and Firefox quits; with running,
// Firefox goes on running (until the script ends) and the command returns
// once the session cookie is in the profile's database, which for a
// running Firefox means its write-ahead log.
func cmdFirefoxLogin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || args[0] != "exit" && args[0] != "running" {
		ts.Fatalf("usage: firefox-login exit|running")
	}
	t := scriptT{ts}
	app := ts.Value(appKey{}).(*browsertest.LoginApp)
	app.CloseAfterLogin.Store(args[0] == "exit")
	home := ts.Getenv("HOME")
	prof := browsertest.WriteFirefoxProfilesIni(t, home, "l1mp.default-esr")
	ff := browsertest.StartFirefox(t, browsertest.Need(t, "firefox-esr", "firefox"), prof, browserEnv(ts), ts.Getenv("SRV")+"/login")
	select {
	case <-app.LoggedIn():
	case <-time.After(3 * time.Minute):
		ts.Fatalf("Firefox did not log in")
	}
	if args[0] == "exit" {
		ff.Wait(t, 2*time.Minute)
		return
	}
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := browsercookie.Read(context.Background(), browsercookie.Options{Browser: browsercookie.Firefox, Profile: prof})
		ts.Check(err)
		if slices.ContainsFunc(res.Cookies, func(c browsercookie.Cookie) bool { return c.Name == browsertest.SessionCookie }) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("no %s cookie in the running Firefox's profile after a minute", browsertest.SessionCookie)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
