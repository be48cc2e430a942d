package frameworks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/limpet-http/limpet/internal/testserver/proc"
)

// The fixtures, by the names start.sh takes.
const (
	// Django is Django 5.2: django.contrib.auth's LoginView (and the admin), CsrfViewMiddleware, sessions in
	// the database.
	Django = "django"
	// Flask is Flask 3.1 with Flask-Login and Flask-WTF's CSRFProtect; its session is a signed cookie.
	Flask = "flask"
	// ExpressSync is Express 5 with express-session and csrf-sync (a synchronizer token in the session).
	ExpressSync = "express-sync"
	// ExpressCSRF is Express 5 with express-session and csrf-csrf (a double-submit cookie bound to the session).
	ExpressCSRF = "express-csrf"
	// Rails is Rails 6.1 with Devise 4.8, from Debian's packages.
	Rails = "rails"
	// Laravel is Laravel 8 from Debian's php-laravel-framework, served by PHP's built-in server.
	Laravel = "laravel"

	// Keycloak is the identity provider of the single sign-on fixture: Keycloak 26.7 (the Quarkus distribution
	// from Maven Central) with the realm Realm. Start it with StartSSO.
	Keycloak = "keycloak"
	// SSORP is the relying party of the single sign-on fixture: a Spring Boot application whose login is Spring
	// Security's oauth2Login() against Keycloak. Start it with StartSSO.
	SSORP = "sso-rp"
)

// Paths every fixture serves (see the package documentation); LoginPath gives the login page.
const (
	// PagePath is the protected HTML page.
	PagePath = "/page"
	// MePath is the protected JSON endpoint.
	MePath = "/api/me"
	// CountPath is the CSRF-protected POST endpoint; its key query parameter names the counter.
	CountPath = "/api/count"
)

// InteropEnv names the environment variable that decides what Start does when a framework is not installed: with
// the value "require" the test fails, with any other value (or none) it is skipped.
const InteropEnv = "LIMPET_INTEROP"

// SetupCommand installs every framework; Start names it when it skips a test.
const SetupCommand = "interop/frameworks/setup.sh"

// DirEnv names the environment variable that overrides where the fixtures are (the directory holding start.sh);
// by default it is interop/frameworks of this module.
const DirEnv = "LIMPET_FRAMEWORKS_DIR"

// ErrNotInstalled reports that a framework, or what runs it, is missing from the machine.
var ErrNotInstalled = errors.New("frameworks: not installed")

const (
	// startTimeout bounds a start; start.sh's own limits (60 s, Keycloak 240 s) come first.
	startTimeout = 5 * time.Minute
	stopTimeout  = 20 * time.Second
)

// Apps returns the fixtures' names, in the order of interop/frameworks/README.md.
func Apps() []string { return []string{Django, Flask, ExpressSync, ExpressCSRF, Rails, Laravel} }

// LoginPath returns the path of app's login page, or "" for an unknown app.
func LoginPath(app string) string {
	switch app {
	case Django:
		return "/accounts/login/"
	case Flask, ExpressSync, ExpressCSRF, Laravel:
		return "/login"
	case Rails:
		return "/users/sign_in"
	}
	return ""
}

// User is a user of every fixture.
type User struct {
	Name     string // the login of Django, Flask and Express
	Email    string // the login of Rails (Devise) and Laravel
	Password string
}

// Login returns what the user types as the user name on app's login page: Email for Rails and Laravel, Name
// otherwise.
func (u User) Login(app string) string {
	if app == Rails || app == Laravel {
		return u.Email
	}
	return u.Name
}

// LoadUsers reads the fixtures' users from testdata/users.txt of the fixture directory.
func LoadUsers() ([]User, error) {
	dir, err := findDir()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, "testdata", "users.txt"))
	if err != nil {
		return nil, fmt.Errorf("frameworks: users: %w", err)
	}
	return parseUsers(string(data))
}

func parseUsers(text string) ([]User, error) {
	var users []User
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, " ", 3)
		if len(f) != 3 || f[0] == "" || f[1] == "" || f[2] == "" {
			return nil, fmt.Errorf("frameworks: users.txt line %d: want NAME EMAIL PASSWORD", i+1)
		}
		users = append(users, User{Name: f[0], Email: f[1], Password: f[2]})
	}
	if len(users) == 0 {
		return nil, errors.New("frameworks: users.txt lists no user")
	}
	return users, nil
}

// Info is what a fixture's /test/info answers.
type Info struct {
	App      string            `json:"app"`
	Instance string            `json:"instance"` // unique to one start
	Versions map[string]string `json:"versions"` // e.g. "django": "5.2.20"
}

// Counters is what a fixture's /test/counters answers. Each map is keyed by a counter key (Counts: the key query
// parameter of CountPath) or by the login the client sent (the others; a missing one counts under "").
type Counters struct {
	// Counts holds the runs of POST CountPath that got past the CSRF check and the login.
	Counts map[string]int `json:"counts"`
	// LoginPosts holds every POST to the login page, counted before any check (a refused token included).
	LoginPosts map[string]int `json:"login_posts"`
	// LoginsOK holds the successful logins.
	LoginsOK map[string]int `json:"logins_ok"`
	// LoginsFailed holds the logins the framework's authentication refused (a wrong password, an unknown user);
	// a POST refused for its CSRF token never reaches it.
	LoginsFailed map[string]int `json:"logins_failed"`
}

// Server is a running fixture. Its methods are safe for concurrent use; its fields must not be changed.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT, without a trailing slash.
	URL string
	// App is the fixture's name, one of Apps.
	App string
	// Info is what /test/info answered when the server was ready (Keycloak, which has none: only App).
	Info Info
	// Startup is how long the start took, until the server answered.
	Startup time.Duration

	state  string // LIMPET_FRAMEWORKS_STATE of this start
	proc   *proc.Process
	client *http.Client

	stopOnce sync.Once
	stopErr  error // written once inside stopOnce
}

// New starts the fixture app and waits until it serves requests. The caller must call Stop. It returns an error
// wrapping ErrNotInstalled when the framework is not installed.
//
// start.sh --foreground runs as a child of this process; on Linux it is sent SIGTERM should this process die
// first, and stops the server.
func New(ctx context.Context, app string) (*Server, error) {
	if !slices.Contains(Apps(), app) {
		return nil, fmt.Errorf("frameworks: unknown app %q (want one of %s)", app, strings.Join(Apps(), ", "))
	}
	return launch(ctx, app, nil)
}

// launch starts any fixture of start.sh, the single sign-on pair included, with extra environment variables.
func launch(ctx context.Context, app string, env []string) (*Server, error) {
	dir, err := findDir()
	if err != nil {
		return nil, err
	}
	state, err := os.MkdirTemp("", "limpet-frameworks-"+app+"-")
	if err != nil {
		return nil, fmt.Errorf("frameworks: %w", err)
	}
	// The marker has start.sh remove the state when it stops the server on a signal, also when this process died.
	if err := os.WriteFile(filepath.Join(state, ".limpet-temporary"), nil, 0o644); err != nil {
		_ = os.RemoveAll(state)
		return nil, fmt.Errorf("frameworks: %w", err)
	}
	s := &Server{
		App:   app,
		state: state,
		client: &http.Client{
			Timeout: 30 * time.Second,
			// No keep-alive: ExpireAll's POST must not meet a connection the server is closing.
			Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		},
	}
	began := time.Now()
	cmd := exec.Command("bash", filepath.Join(dir, "start.sh"), "--foreground", app)
	cmd.Env = append(append(os.Environ(), "LIMPET_FRAMEWORKS_STATE="+state), env...)
	// start.sh prints the URL as its only line once the server answers. Should this process die first, the kernel
	// sends start.sh SIGTERM (on Linux), and it stops the server.
	if s.proc, err = proc.Start(cmd, proc.Options{ReadyLine: true, DeathSignal: syscall.SIGTERM}); err != nil {
		_ = os.RemoveAll(state)
		return nil, fmt.Errorf("frameworks: run start.sh: %w", err)
	}

	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	line, err := s.proc.WaitLine(ctx)
	if err == nil {
		if s.URL, err = proc.LoopbackURL(line); err != nil {
			err = fmt.Errorf("frameworks: %w", err)
		}
	} else if errors.Is(err, proc.ErrExited) {
		var exit *exec.ExitError
		if errors.As(s.proc.Err(), &exit) && exit.ExitCode() == 2 {
			err = fmt.Errorf("%w: %s: %s", ErrNotInstalled, app, strings.TrimSpace(s.proc.Output()))
		} else {
			err = fmt.Errorf("frameworks: start.sh %s exited before the server was ready (%v): %s", app, s.proc.Err(), s.proc.Tail())
		}
	} else {
		err = fmt.Errorf("frameworks: waiting for %s: %w: %s", app, ctx.Err(), s.proc.Tail())
	}
	if err != nil {
		_ = s.Stop()
		return nil, err
	}
	s.Startup = time.Since(began)
	if app == Keycloak {
		// Keycloak has no /test/info: start.sh waited for its realm.
		s.Info = Info{App: Keycloak}
		return s, nil
	}
	if err := s.getJSON(ctx, "/test/info", &s.Info); err != nil {
		_ = s.Stop()
		return nil, err
	}
	if s.Info.App != app {
		_ = s.Stop()
		return nil, fmt.Errorf("frameworks: %s answers as %q", s.URL, s.Info.App)
	}
	return s, nil
}

// findDir locates interop/frameworks: $LIMPET_FRAMEWORKS_DIR, else beside this module's source when the build kept
// source paths, else in the module enclosing the working directory.
func findDir() (string, error) {
	if dir := os.Getenv(DirEnv); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "start.sh")); err != nil {
			return "", fmt.Errorf("%w: %s=%s: %w", ErrNotInstalled, DirEnv, dir, err)
		}
		return dir, nil
	}
	dir, err := proc.ModuleDir("interop/frameworks", "start.sh")
	if err != nil {
		return "", fmt.Errorf("%w: %w (set %s)", ErrNotInstalled, err, DirEnv)
	}
	return dir, nil
}

// Stop stops the server, waits for it to exit and removes its state. Calling it again returns the first call's
// result. Servers returned by Start are stopped for the caller.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.client.CloseIdleConnections()
		var errs []error
		// start.sh --foreground traps SIGTERM and stops the server.
		exitedBefore, err := s.proc.Stop(syscall.SIGTERM, stopTimeout)
		switch {
		case exitedBefore && s.URL != "":
			errs = append(errs, fmt.Errorf("frameworks: %s exited before Stop (start.sh: %v): %s", s.App, s.proc.Err(),
				s.proc.Tail()))
		case err != nil:
			errs = append(errs, fmt.Errorf("frameworks: start.sh %s did not stop within %v: %w", s.App, stopTimeout, err))
		}
		if err := os.RemoveAll(s.state); err != nil {
			errs = append(errs, fmt.Errorf("frameworks: removing the state: %w", err))
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

// LogTail returns the last n lines of the server's log, for failure messages.
func (s *Server) LogTail(n int) string {
	data, err := os.ReadFile(filepath.Join(s.state, s.App, "log"))
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Counters returns the fixture's counters now, failing tb when they cannot be read.
func (s *Server) Counters(tb testing.TB) Counters {
	tb.Helper()
	var c Counters
	if err := s.getJSON(context.Background(), "/test/counters", &c); err != nil {
		tb.Fatalf("%v\n%s", err, s.LogTail(20))
	}
	return c
}

// ExpireAll ends every server session of the fixture (for Flask, whose session is a signed cookie, by starting a
// new session epoch that the app checks). It returns how many sessions ended, or -1 when the framework cannot
// tell. It fails tb when the fixture refuses.
func (s *Server) ExpireAll(tb testing.TB) int {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/test/expire-all", nil)
	if err != nil {
		tb.Fatal(err)
	}
	var out struct {
		Expired int `json:"expired"`
	}
	if err := s.do(req, &out); err != nil {
		tb.Fatalf("%v\n%s", err, s.LogTail(20))
	}
	return out.Expired
}

func (s *Server) getJSON(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	if err != nil {
		return fmt.Errorf("frameworks: %w", err)
	}
	return s.do(req, v)
}

func (s *Server) do(req *http.Request, v any) error {
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("frameworks: %s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("frameworks: %s %s: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("frameworks: %s %s: %s: %.200s", req.Method, req.URL.Path, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("frameworks: %s %s: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// shared holds the servers of a test binary whose TestMain calls Main.
var shared struct {
	mu      sync.Mutex // guards active and entries
	active  bool
	entries map[string]*sharedEntry
}

type sharedEntry struct {
	ready chan struct{} // closed when srv and err are set
	srv   *Server
	err   error
}

// Main runs a package's tests with each fixture started at most once and shared between the tests, then stops
// the fixtures and returns the exit code for os.Exit. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(frameworks.Main(m)) }
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.active = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	entries := shared.entries
	shared.active, shared.entries = false, nil
	shared.mu.Unlock()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, e := range entries {
		wg.Go(func() {
			<-e.ready
			if e.srv == nil {
				return
			}
			if err := e.srv.Stop(); err != nil {
				mu.Lock()
				fmt.Fprintln(os.Stderr, err)
				code = max(code, 1)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return code
}

// Start returns a running fixture app for tb: the binary's shared one when TestMain uses Main (started by the
// first call; parallel callers wait for it), otherwise a new one that tb's cleanup stops. When the framework is
// not installed it skips tb, or fails it if InteropEnv is "require". Any other start-up failure fails tb.
func Start(tb testing.TB, app string) *Server {
	tb.Helper()
	srv, launched, owned, err := startShared(app, nil)
	return started(tb, app, srv, launched, owned, err)
}

// started reports the outcome of a start to tb as Start does; a server tb owns is stopped by tb's cleanup.
func started(tb testing.TB, app string, srv *Server, launched, owned bool, err error) *Server {
	tb.Helper()
	switch {
	case err == nil:
		if owned {
			tb.Cleanup(func() {
				if err := srv.Stop(); err != nil {
					tb.Error(err)
				}
			})
		}
		if launched {
			tb.Logf("frameworks: %s %v at %s started in %v", app, srv.Info.Versions, srv.URL,
				srv.Startup.Round(time.Millisecond))
		}
		return srv
	case errors.Is(err, ErrNotInstalled) && os.Getenv(InteropEnv) != "require":
		tb.Skipf("%v; install with %s (%s=require turns this into a failure)", err, SetupCommand, InteropEnv)
	case errors.Is(err, ErrNotInstalled):
		tb.Fatalf("%v; install with %s (required by %s=require)", err, SetupCommand, InteropEnv)
	default:
		tb.Fatalf("%v", err)
	}
	return nil
}

// startShared returns the binary's shared server of app, started on the first call, or under no Main a new one
// that the caller owns (launched reports that this call started it). env goes to start.sh on the start.
func startShared(app string, env []string) (srv *Server, launched, owned bool, err error) {
	shared.mu.Lock()
	if !shared.active {
		shared.mu.Unlock()
		srv, err = launch(context.Background(), app, env)
		return srv, err == nil, err == nil, err
	}
	if shared.entries == nil {
		shared.entries = make(map[string]*sharedEntry)
	}
	e, found := shared.entries[app]
	if !found {
		e = &sharedEntry{ready: make(chan struct{})}
		shared.entries[app] = e
	}
	shared.mu.Unlock()
	if found {
		<-e.ready
		return e.srv, false, false, e.err
	}
	e.srv, e.err = launch(context.Background(), app, env)
	close(e.ready)
	return e.srv, e.err == nil, false, e.err
}
