// Package browsertest runs real browsers for the tests of cookie import: a
// loopback app whose login only a browser performs (the login page submits
// its form from JavaScript), headless Chromium and Firefox with private
// profiles, and a private D-Bus session bus with an unlocked
// gnome-keyring-daemon for Chromium's keyring-encrypted ("v11") cookies.
//
// Each helper skips its test when the program it needs is missing, or fails
// it when LIMPET_INTEROP=require (scripts/setup installs them all). Every
// process started is stopped by the test's cleanup. The helpers are safe
// for parallel tests: nothing is shared but the binaries.
package browsertest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
)

// T is what the helpers need of a test. *testing.T and *testing.B have
// it; a testscript command adapts its *testscript.TestScript.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Skip(args ...any)
	Cleanup(func())
	Failed() bool
}

// SessionCookie is the name of the cookie the login app sets on login.
const SessionCookie = "APPSESSION"

// Need returns the path of the first of the programs found in $PATH. When
// none is, it skips the test, or fails it under LIMPET_INTEROP=require.
func Need(t T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("none of %s is installed (scripts/setup installs it)", strings.Join(names, ", "))
	if os.Getenv("LIMPET_INTEROP") == "require" {
		t.Fatalf("%s and LIMPET_INTEROP=require", msg)
	}
	t.Skip(msg)
	return ""
}

// ShortTempDir returns a new private directory with a short path (Unix
// socket paths are limited to 108 bytes, and t.TempDir's are long),
// removed by the test's cleanup.
func ShortTempDir(t T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "lbt")
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// LoginApp is a web app with a form login. GET /login serves a page whose
// script fills and submits the form; POST /login checks the credentials,
// sets the SessionCookie (persistent, HttpOnly, SameSite=Lax), a session
// cookie "theme" and redirects to /home. GET /api/me answers 200 with the
// user's name for a request with a live session, 401 without.
//
// A LoginApp is safe for concurrent use.
type LoginApp struct {
	// User and Password are the credentials the form submits.
	User, Password string
	// CloseAfterLogin makes /home close the browser window from script once
	// loaded; Firefox, allowed to (see StartFirefox), then quits cleanly as
	// when a person closes its last window.
	CloseAfterLogin atomic.Bool

	mu       sync.Mutex
	sessions map[string]string // session ID → user
	loggedIn chan struct{}
	once     sync.Once
}

// NewLoginApp returns an app for user alice with a random password.
func NewLoginApp() *LoginApp {
	return &LoginApp{User: "alice", Password: randomHex(8), sessions: map[string]string{}, loggedIn: make(chan struct{})}
}

// LoggedIn is closed once a browser has loaded /home with its new session
// cookie: the browser holds the cookie from then on.
func (a *LoginApp) LoggedIn() <-chan struct{} { return a.loggedIn }

// SessionIDs returns the session IDs the app has handed out.
func (a *LoginApp) SessionIDs() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var ids []string
	for id := range a.sessions {
		ids = append(ids, id)
	}
	return ids
}

func (a *LoginApp) user(r *http.Request) string {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sessions[c.Value]
}

// ServeHTTP implements http.Handler.
func (a *LoginApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case r.URL.Path == "/login" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>Sign in</title></head><body>
<form method="post" action="/login"><input name="user"><input name="password" type="password"><button>Sign in</button></form>
<script>
const f = document.forms[0];
f.user.value = %q; f.password.value = %q;
f.submit();
</script></body></html>`, html.EscapeString(a.User), html.EscapeString(a.Password))
	case r.URL.Path == "/login" && r.Method == http.MethodPost:
		if r.PostFormValue("user") != a.User || r.PostFormValue("password") != a.Password {
			http.Error(w, "bad credentials", http.StatusUnauthorized)
			return
		}
		id := randomHex(16)
		a.mu.Lock()
		a.sessions[id] = a.User
		a.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", MaxAge: 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark", Path: "/"})
		http.Redirect(w, r, "/home", http.StatusSeeOther)
	case r.URL.Path == "/home":
		u := a.user(r)
		if u == "" {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		closeScript := ""
		if a.CloseAfterLogin.Load() {
			closeScript = "<script>setTimeout(() => window.close(), 200)</script>"
		}
		fmt.Fprintf(w, "<!doctype html><html><body><p id=who>welcome %s</p>%s</body></html>", html.EscapeString(u), closeScript)
		a.once.Do(func() { close(a.loggedIn) })
	case r.URL.Path == "/api/me":
		u := a.user(r)
		if u == "" {
			http.Error(w, "not logged in", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"user\": %q}\n", u)
	default:
		http.NotFound(w, r)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// start starts cmd and stops it (SIGTERM, then SIGKILL) in the test's
// cleanup; its output goes to a log file in dir, shown when the test fails.
func start(t T, cmd *exec.Cmd, logName string) *process {
	t.Helper()
	logPath := filepath.Join(ShortTempDir(t), logName+".log")
	lf, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("%v", err)
	}
	if cmd.Stdout == nil {
		cmd.Stdout = lf
	}
	cmd.Stderr = lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		lf.Close()
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		lf.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(5 * time.Second)
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil && len(b) > 0 {
				if len(b) > 4000 {
					b = b[len(b)-4000:]
				}
				t.Logf("%s output (end):\n%s", logName, b)
			}
		}
	})
	return p
}

// process is a started program.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// stop sends SIGTERM to the process, waits up to grace for the
// process to exit, then kills the group. It returns the exit error.
func (p *process) stop(grace time.Duration) error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	// Kill what the program left in its group (helpers, zygotes).
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	return p.err
}

// Keyring is a private D-Bus session bus with gnome-keyring-daemon serving
// the Secret Service on it, its login keyring unlocked.
type Keyring struct {
	// Address is the bus address, for DBUS_SESSION_BUS_ADDRESS.
	Address string
	// Env is the environment for programs that use the keyring: the bus
	// address and private HOME and XDG directories.
	Env []string

	daemon *process
}

// busConfig is a session bus without service activation: nothing starts
// on the bus but what the test starts.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// StartBus starts a private D-Bus session bus and returns its address.
func StartBus(t T) string {
	t.Helper()
	bin := Need(t, "dbus-daemon")
	dir := ShortTempDir(t)
	sock := filepath.Join(dir, "bus")
	cfg := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, busConfig, sock), 0o600); err != nil {
		t.Fatalf("%v", err)
	}
	cmd := exec.Command(bin, "--config-file="+cfg, "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("%v", err)
	}
	start(t, cmd, "dbus-daemon")
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	go io.Copy(io.Discard, out)
	return strings.TrimSpace(line)
}

// StartKeyring starts a private bus and gnome-keyring-daemon on it with its
// login keyring unlocked by password. Its files live in a private HOME.
func StartKeyring(t T, password string) *Keyring {
	t.Helper()
	bin := Need(t, "gnome-keyring-daemon")
	addr := StartBus(t)
	dir := ShortTempDir(t)
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatalf("%v", err)
	}
	env := []string{
		"DBUS_SESSION_BUS_ADDRESS=" + addr,
		"HOME=" + dir,
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"XDG_RUNTIME_DIR=" + run,
	}
	cmd := exec.Command(bin, "--foreground", "--unlock", "--components=secrets")
	cmd.Env = append(baseEnv(), env...)
	cmd.Stdin = strings.NewReader(password)
	k := &Keyring{Address: addr, Env: env, daemon: start(t, cmd, "gnome-keyring-daemon")}
	if err := waitForUnlocked(addr, 30*time.Second); err != nil {
		t.Fatalf("gnome-keyring-daemon: %v", err)
	}
	return k
}

// waitForUnlocked waits until the Secret Service on the bus at addr serves
// an unlocked login keyring: a browser started before would fall back to
// its fixed key.
func waitForUnlocked(addr string, limit time.Duration) error {
	if err := waitForName(addr, "org.freedesktop.secrets", limit); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		return err
	}
	defer conn.Close()
	login := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets/collection/login")
	for {
		v, err := login.GetProperty("org.freedesktop.Secret.Collection.Locked")
		if locked, ok := v.Value().(bool); err == nil && ok && !locked {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the login keyring is not unlocked: %w", errors.Join(ctx.Err(), err))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitForName waits until name has an owner on the bus at addr.
func waitForName(addr, name string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		return err
	}
	defer conn.Close()
	for {
		var has bool
		err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
		if err == nil && has {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not appear on the bus: %w", name, errors.Join(ctx.Err(), err))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// baseEnv is the test process's environment without the variables the
// helpers set, so that no browser or daemon reaches the user's own session.
func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "DBUS_SESSION_BUS_ADDRESS", "HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR",
			"DISPLAY", "WAYLAND_DISPLAY", "MOZ_HEADLESS":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// Env returns the environment for a browser run: the test's environment
// with HOME set to home, XDG directories under it, and extra appended
// (extra wins).
func Env(home string, extra ...string) []string {
	env := append(baseEnv(),
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
	)
	return append(env, extra...)
}

// Chromium describes one headless Chromium run.
type Chromium struct {
	// Binary is the chromium (or google-chrome) program.
	Binary string
	// UserDataDir is the profile folder (--user-data-dir).
	UserDataDir string
	// PasswordStore is "basic" (cookies encrypted with a fixed key, "v10")
	// or "gnome-libsecret" (the key is in the keyring, "v11").
	PasswordStore string
	// Env is the browser's environment (see Env and Keyring.Env).
	Env []string
}

// Run loads url in a headless Chromium, waits for the page to settle (the
// login page's form submission and redirect included) and returns the DOM
// it printed. Chromium writes its cookie database when it exits.
func (c Chromium) Run(t T, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Binary,
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-features=MediaRouter,OptimizationHints,Translate",
		"--user-data-dir="+c.UserDataDir, "--password-store="+c.PasswordStore,
		"--virtual-time-budget=10000", "--dump-dom", url)
	cmd.Env = c.Env
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(errOut.String(), 3000))
	}
	return out.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Firefox is a running headless Firefox.
type Firefox struct {
	// Profile is its profile folder.
	Profile string
	p       *process
}

// firefoxPrefs keep a test profile quiet: no first-run pages, no update or
// telemetry traffic.
const firefoxPrefs = `user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.aboutwelcome.enabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.enabled", false);
user_pref("app.normandy.enabled", false);
user_pref("browser.safebrowsing.update.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("browser.sessionstore.resume_from_crash", false);
user_pref("dom.allow_scripts_to_close_windows", true);
`

// StartFirefox starts a headless Firefox on url with the profile folder
// profile (created with quiet preferences if it does not exist) and the
// environment env. The test's cleanup stops it.
func StartFirefox(t T, binary, profile string, env []string, url string) *Firefox {
	t.Helper()
	if err := os.MkdirAll(profile, 0o700); err != nil {
		t.Fatalf("%v", err)
	}
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(firefoxPrefs), 0o600); err != nil {
		t.Fatalf("%v", err)
	}
	cmd := exec.Command(binary, "--headless", "--no-remote", "--profile", profile, url)
	cmd.Env = append(env, "MOZ_HEADLESS=1", "MOZ_CRASHREPORTER_DISABLE=1")
	return &Firefox{Profile: profile, p: start(t, cmd, "firefox")}
}

// Wait waits for Firefox to exit by itself (after a page closed its last
// window, see LoginApp.CloseAfterLogin), at most limit, and fails the test
// if it did not exit, or exited with an error.
func (f *Firefox) Wait(t T, limit time.Duration) {
	t.Helper()
	select {
	case <-f.p.done:
		if f.p.err != nil {
			t.Fatalf("firefox exited: %v", f.p.err)
		}
	case <-time.After(limit):
		t.Fatalf("firefox did not exit within %v", limit)
	}
}

// Kill stops Firefox abruptly, as a crash would: its databases keep what
// they had, new rows in the write-ahead log.
func (f *Firefox) Kill() { f.p.stop(0) }

// WriteFirefoxProfilesIni lays out home/.mozilla/firefox as Firefox does,
// with profiles.ini naming the profile folder rel (relative to that
// folder) as the default profile, and returns the profile's path.
func WriteFirefoxProfilesIni(t T, home, rel string) string {
	t.Helper()
	root := filepath.Join(home, ".mozilla", "firefox")
	if err := os.MkdirAll(filepath.Join(root, rel), 0o700); err != nil {
		t.Fatalf("%v", err)
	}
	ini := fmt.Sprintf(`[Profile0]
Name=default-release
IsRelative=1
Path=%s
Default=1

[General]
StartWithLastProfile=1
Version=2
`, rel)
	if err := os.WriteFile(filepath.Join(root, "profiles.ini"), []byte(ini), 0o600); err != nil {
		t.Fatalf("%v", err)
	}
	return filepath.Join(root, rel)
}
