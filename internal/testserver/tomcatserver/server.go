package tomcatserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/limpet-http/limpet/internal/testserver/proc"
)

// Context paths of the web applications the server deploys.
const (
	// ExamplesPath is Debian's examples web application, FORM login as
	// shipped: sessions tracked by cookie and by ;jsessionid= URL rewriting.
	ExamplesPath = "/examples"
	// CookieExamplesPath is the same application with
	// <tracking-mode>COOKIE</tracking-mode>: no URL rewriting (scenario T8).
	CookieExamplesPath = "/cookie-examples"
	// ManagerPath is the manager application: /manager/html (BASIC,
	// manager-gui, CSRF nonce) and /manager/text (BASIC, manager-script).
	ManagerPath = "/manager"
)

// ProtectedPage is the examples' protected page, relative to ExamplesPath or
// CookieExamplesPath. Roles tomcat and role1 may see it; anyone else gets the
// FORM login page.
const ProtectedPage = "/jsp/security/protected/index.jsp"

// Users of the server, as written to tomcat-users.xml by start.sh.
const (
	// ExamplesUser has role tomcat and may see ProtectedPage.
	ExamplesUser     = "tomcat"
	ExamplesPassword = "tomcat"
	// BothUser has roles tomcat and role1.
	BothUser     = "both"
	BothPassword = "both"
	// Role1User has role role1 only.
	Role1User     = "role1"
	Role1Password = "role1"
	// SpecialUser has role tomcat and a password that needs form encoding.
	SpecialUser     = "special"
	SpecialPassword = "p&ss w+rd=%;"
	// ManagerGUIUser has role manager-gui: /manager/html.
	ManagerGUIUser     = "admin"
	ManagerGUIPassword = "admin-pw"
	// ManagerScriptUser has role manager-script: /manager/text.
	ManagerScriptUser     = "robot"
	ManagerScriptPassword = "robot-pw"
)

// InteropEnv names the environment variable that decides what Start does when
// Tomcat is not installed: with the value "require" the test fails, with any
// other value (or none) it is skipped.
const InteropEnv = "LIMPET_INTEROP"

// SetupCommand installs Tomcat; Start names it when it skips a test.
const SetupCommand = "sudo interop/tomcat/setup.sh"

// ErrNotInstalled reports that Tomcat, its examples or manager application,
// or Java is missing from the machine.
var ErrNotInstalled = errors.New("tomcatserver: Tomcat 10 is not installed (run " + SetupCommand + ")")

// Debian's installation directories.
const (
	defaultHome     = "/usr/share/tomcat10"
	examplesWebXML  = "/usr/share/tomcat10-examples/examples/WEB-INF/web.xml"
	managerWebXML   = "/usr/share/tomcat10-admin/manager/WEB-INF/web.xml"
	startTimeout    = 3 * time.Minute
	stopTimeout     = time.Minute
	requestTimeout  = 30 * time.Second
	maxManagerReply = 1 << 20
)

// Options configures New. The zero value is valid.
type Options struct {
	// Scripts is the directory holding start.sh and stop.sh. Empty means
	// interop/tomcat of the module this package belongs to.
	Scripts string
	// TomcatHome is the Tomcat installation (CATALINA_HOME). Empty means
	// Debian's /usr/share/tomcat10.
	TomcatHome string
}

// Server is a running Tomcat with a private CATALINA_BASE. Its methods are
// safe for concurrent use; its fields must not be changed.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT, without a trailing slash.
	URL string
	// Base is the private CATALINA_BASE; its logs directory holds
	// catalina.out and access.log. Stop removes it.
	Base string

	scripts string
	proc    *proc.Process
	client  *http.Client

	stopOnce sync.Once
	stopErr  error // written once inside stopOnce
}

// New starts a Tomcat and waits until it serves requests. The caller must
// call Stop. It returns an error wrapping ErrNotInstalled when Tomcat or Java
// is missing.
//
// The Tomcat is run by start.sh --foreground as a child of this process; on
// Linux the child is sent SIGTERM should this process die first, and stops
// Tomcat.
func New(ctx context.Context, opts Options) (*Server, error) {
	home := opts.TomcatHome
	if home == "" {
		home = defaultHome
	}
	if err := checkInstalled(home); err != nil {
		return nil, err
	}
	scripts := opts.Scripts
	if scripts == "" {
		var err error
		if scripts, err = findScripts(); err != nil {
			return nil, err
		}
	}
	startScript := filepath.Join(scripts, "start.sh")
	if _, err := os.Stat(startScript); err != nil {
		return nil, fmt.Errorf("tomcatserver: start script: %w", err)
	}
	base, err := os.MkdirTemp("", "limpet-tomcat-")
	if err != nil {
		return nil, fmt.Errorf("tomcatserver: CATALINA_BASE: %w", err)
	}
	// The marker has stop.sh remove the base, also when start.sh stops
	// Tomcat on its own because this process died.
	if err := os.WriteFile(filepath.Join(base, ".limpet-temporary"), nil, 0o644); err != nil {
		_ = os.RemoveAll(base)
		return nil, fmt.Errorf("tomcatserver: CATALINA_BASE: %w", err)
	}

	s := &Server{
		Base:    base,
		scripts: scripts,
		client: &http.Client{
			Timeout:   requestTimeout,
			Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4},
		},
	}
	cmd := exec.Command("bash", startScript, "--foreground", base)
	cmd.Env = append(os.Environ(), "TOMCAT_HOME="+home)
	// start.sh prints the URL as its only line of output once Tomcat is
	// ready. Should this process die first, the kernel sends start.sh
	// SIGTERM (on Linux), and it stops Tomcat.
	if s.proc, err = proc.Start(cmd, proc.Options{ReadyLine: true, DeathSignal: syscall.SIGTERM}); err != nil {
		_ = os.RemoveAll(base)
		return nil, fmt.Errorf("tomcatserver: run start.sh: %w", err)
	}

	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	line, err := s.proc.WaitLine(ctx)
	switch {
	case errors.Is(err, proc.ErrExited):
		err = fmt.Errorf("tomcatserver: start.sh exited before Tomcat was ready (%v): %s", s.proc.Err(), s.proc.Tail())
	case err != nil:
		err = fmt.Errorf("tomcatserver: waiting for Tomcat: %w: %s", ctx.Err(), s.proc.Tail())
	default:
		if s.URL, err = proc.LoopbackURL(line); err == nil {
			return s, nil
		}
		err = fmt.Errorf("tomcatserver: %w", err)
	}
	_ = s.Stop()
	return nil, err
}

// checkInstalled reports ErrNotInstalled unless Tomcat, its examples and
// manager applications and Java are present.
func checkInstalled(home string) error {
	for _, f := range []string{filepath.Join(home, "bin", "catalina.sh"), examplesWebXML, managerWebXML} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%w: %s is missing", ErrNotInstalled, f)
		}
	}
	if os.Getenv("JAVA_HOME") == "" {
		if _, err := exec.LookPath("java"); err != nil {
			return fmt.Errorf("%w: no java on PATH and JAVA_HOME unset", ErrNotInstalled)
		}
	}
	return nil
}

// findScripts locates interop/tomcat: beside this module's source when the
// build kept source paths, otherwise in the module enclosing the working
// directory (go test runs in the package directory).
func findScripts() (string, error) {
	dir, err := proc.ModuleDir("interop/tomcat", "start.sh")
	if err != nil {
		return "", fmt.Errorf("tomcatserver: %w; set Options.Scripts", err)
	}
	return dir, nil
}

// Stop stops Tomcat, waits for it to exit and removes Base. Calling it again
// returns the first call's result. Servers returned by Start are stopped for
// the caller and must not be stopped by it.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.client != nil {
			s.client.CloseIdleConnections()
		}
		var errs []error
		// start.sh --foreground traps SIGTERM and stops Tomcat.
		exitedBefore, err := s.proc.Stop(syscall.SIGTERM, stopTimeout)
		switch {
		case exitedBefore && s.URL != "":
			// Before Stop, start.sh only exits when Tomcat has.
			errs = append(errs, fmt.Errorf("tomcatserver: Tomcat exited before Stop (start.sh: %v; log: %s)",
				s.proc.Err(), filepath.Join(s.Base, "logs", "catalina.out")))
		case exitedBefore:
		case err != nil:
			errs = append(errs, fmt.Errorf("tomcatserver: start.sh did not stop within %v: %w", stopTimeout, err))
		case s.proc.Err() != nil:
			errs = append(errs, fmt.Errorf("tomcatserver: start.sh: %w: %s", s.proc.Err(), s.proc.Tail()))
		}
		// start.sh's own stop.sh run removed the base; if it is still
		// there, stop.sh stops a JVM that outlived start.sh.
		if _, err := os.Stat(s.Base); err == nil {
			stop := exec.Command("bash", filepath.Join(s.scripts, "stop.sh"), s.Base)
			if out, err := stop.CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("tomcatserver: stop.sh: %w: %s", err, bytes.TrimSpace(out)))
			}
		}
		if err := os.RemoveAll(s.Base); err != nil {
			errs = append(errs, fmt.Errorf("tomcatserver: removing CATALINA_BASE: %w", err))
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

// ExpireSessions expires every session of the web application at
// contextPath (for example ExamplesPath) through the manager's text
// interface, /manager/text/expire?path=...&idle=0, as ManagerScriptUser. It
// returns the number of sessions Tomcat expired.
func (s *Server) ExpireSessions(ctx context.Context, contextPath string) (int, error) {
	if !strings.HasPrefix(contextPath, "/") {
		return 0, fmt.Errorf("tomcatserver: context path %q does not start with /", contextPath)
	}
	q := url.Values{"path": {contextPath}, "idle": {"0"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+ManagerPath+"/text/expire?"+q.Encode(), nil)
	if err != nil {
		return 0, fmt.Errorf("tomcatserver: expire %s: %w", contextPath, err)
	}
	req.SetBasicAuth(ManagerScriptUser, ManagerScriptPassword)
	req.Header.Set("Accept-Language", "en")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("tomcatserver: expire %s: %w", contextPath, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxManagerReply))
	if err != nil {
		return 0, fmt.Errorf("tomcatserver: expire %s: reading the reply: %w", contextPath, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("tomcatserver: expire %s: manager answered %s", contextPath, resp.Status)
	}
	n, err := parseExpireReply(string(body))
	if err != nil {
		return 0, fmt.Errorf("tomcatserver: expire %s: %w", contextPath, err)
	}
	return n, nil
}

// shared is the server of a test binary whose TestMain calls Run.
var shared struct {
	mu     sync.Mutex // guards the fields below
	active bool       // Run is in charge of the binary
	srv    *Server    // started by the first Start, stopped by Run
	err    error      // the first start's error, reported to every Start
}

// Run runs the tests of a binary and stops the shared server, if Start
// started one; TestMain passes its result to os.Exit. While Run is in charge,
// every Start returns the same server, started on the first call.
func Run(m *testing.M) int {
	shared.mu.Lock()
	shared.active = true
	shared.mu.Unlock()

	code := m.Run()

	shared.mu.Lock()
	srv := shared.srv
	shared.active, shared.srv, shared.err = false, nil, nil
	shared.mu.Unlock()
	if srv != nil {
		if err := srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// Start returns a running Tomcat for tb: the binary's shared server when
// TestMain uses Run, otherwise a new server that tb's cleanup stops. When
// Tomcat is not installed it skips tb, or fails it if InteropEnv is
// "require". Any other start-up failure fails tb. Parallel tests may call
// it; under Run they wait for the one start-up.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return start(tb, Options{}, os.Getenv(InteropEnv), true)
}

// start is Start with its inputs made explicit: useShared lets the binary's
// shared server serve the call.
func start(tb testing.TB, opts Options, interop string, useShared bool) *Server {
	tb.Helper()
	var (
		srv *Server
		err error
	)
	shared.mu.Lock()
	if useShared && shared.active {
		if shared.srv == nil && shared.err == nil {
			began := time.Now()
			shared.srv, shared.err = New(context.Background(), opts)
			if shared.err == nil {
				tb.Logf("tomcatserver: shared Tomcat at %s started in %v", shared.srv.URL, time.Since(began).Round(time.Millisecond))
			}
		}
		srv, err = shared.srv, shared.err
		shared.mu.Unlock()
	} else {
		shared.mu.Unlock()
		began := time.Now()
		srv, err = New(context.Background(), opts)
		if err == nil {
			tb.Logf("tomcatserver: Tomcat at %s started in %v", srv.URL, time.Since(began).Round(time.Millisecond))
			tb.Cleanup(func() {
				if err := srv.Stop(); err != nil {
					tb.Error(err)
				}
			})
		}
	}
	switch {
	case err == nil:
		return srv
	case errors.Is(err, ErrNotInstalled) && interop != "require":
		tb.Skipf("%v; %s=require turns this into a failure", err, InteropEnv)
	case errors.Is(err, ErrNotInstalled):
		tb.Fatalf("%v; required by %s=%s", err, InteropEnv, interop)
	default:
		tb.Fatalf("%v", err)
	}
	return nil
}
