package springserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/limpet-http/limpet/internal/testserver/proc"
)

// Versions of the fixture, one jar each.
const (
	// Boot3 is the fixture built against Spring Boot 3.5.7 (Spring Security 6.5, Authorization Server 1.5).
	Boot3 = "boot3"
	// Boot4 is the fixture built against Spring Boot 4.0.7 (Spring Security 7.0).
	Boot4 = "boot4"
)

// InteropEnv names the environment variable that decides what Start does when the jar or Java is missing: with
// the value "require" the test fails, with any other value (or none) it is skipped.
const InteropEnv = "LIMPET_INTEROP"

// BuildCommand builds the fixture jars; Start names it when it skips a test.
const BuildCommand = "interop/spring/build.sh"

// Errors Start reports (through the test) when the fixture cannot run on this machine.
var (
	// ErrNotBuilt reports that a version's jar has not been built.
	ErrNotBuilt = errors.New("springserver: fixture jar not built")
	// ErrNoJava reports that no Java runtime was found.
	ErrNoJava = errors.New("springserver: no java runtime")
)

// jvmOf maps each profile to the JVM (Spring profile) that serves it. Profiles of the "chains" JVM are the names
// of its connectors.
var jvmOf = map[string]string{
	"default":     "bootdefault",
	"secure":      "secure",
	"timeout":     "timeout",
	MatrixProfile: "matrix",

	"form":       "chains",
	"page":       "chains",
	"cookie":     "chains",
	"spa":        "chains",
	"invalid":    "chains",
	"max":        "chains",
	"maxprevent": "chains",
	"remember":   "chains",
	"stateless":  "chains",
	"delcookie":  "chains",
	"jwt":        "chains",
	"as":         "chains",
}

// defaultJavaOptions make a small, quickly starting JVM; LIMPET_SPRING_JAVA_OPTS adds to them. They equal
// DEFAULT_JAVA_OPTS of interop/spring/common.sh, with which build.sh records the class-data-sharing archive.
var defaultJavaOptions = []string{
	"-Xss512k", "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
}

// Versions returns the fixture versions, oldest first.
func Versions() []string { return []string{Boot3, Boot4} }

// Profiles returns the profile names Start accepts, sorted.
func Profiles() []string {
	names := make([]string, 0, len(jvmOf))
	for name := range jvmOf {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Info describes a running fixture JVM, as its /test/info endpoint and ready file do.
type Info struct {
	PID                  int            `json:"pid"`
	Profiles             []string       `json:"profiles"`             // active Spring profiles
	Port                 int            `json:"port"`                 // main (control) port
	Connectors           map[string]int `json:"connectors"`           // extra connectors' ports by profile name
	SpringBoot           string         `json:"springBoot"`           // e.g. "3.5.7"
	SpringSecurity       string         `json:"springSecurity"`       // e.g. "6.5.6"
	Tomcat               string         `json:"tomcat"`               // e.g. "10.1.48.0"
	SecurityFilterChains []string       `json:"securityFilterChains"` // SecurityFilterChain bean names
	Cells                []Cell         `json:"cells"`                // the matrix's cells (profile "matrix"), without URL
}

// Server is one profile of a running fixture JVM. Its methods are safe for concurrent use; its fields must not
// be changed. Servers of profiles that share a JVM share its lifetime: Restart and Stop act on the JVM.
type Server struct {
	// URL is the profile's base URL, http://127.0.0.1:PORT without a trailing slash. It stays the same across
	// Restart.
	URL string
	// Version is Boot3 or Boot4.
	Version string
	// Profile is the profile name given to Start.
	Profile string

	proc *process
}

// Info returns the description of the JVM as of its last start.
func (s *Server) Info() Info { return s.proc.currentInfo() }

// Restart stops the JVM and starts it again on the same ports, so URL stays valid; like a real server restart it
// loses every session (Spring Boot does not persist sessions). It fails the test when the JVM does not come back.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	began := time.Now()
	if err := s.proc.restart(); err != nil {
		t.Fatalf("springserver: restart %s %s: %v\n%s", s.Version, s.Profile, err, s.proc.logTail(60))
	}
	t.Logf("springserver: restarted the %s %s JVM in %v (start-up %v)", s.Version, s.proc.jvm,
		time.Since(began).Round(time.Millisecond), s.proc.startupTime().Round(time.Millisecond))
}

// Stop stops the JVM (and so every Server sharing it). Stopping twice is harmless.
func (s *Server) Stop() { s.proc.stop() }

// LogTail returns the last n lines of the JVM's output, for failure messages.
func (s *Server) LogTail(n int) string { return s.proc.logTail(n) }

// Option adjusts Start.
type Option func(*startOptions)

type startOptions struct {
	dedicated bool
}

// Dedicated makes Start begin a JVM of its own, stopped by t.Cleanup, even when Main shares JVMs.
func Dedicated() Option { return func(o *startOptions) { o.dedicated = true } }

// Start returns a running fixture for the version (Boot3 or Boot4) and profile, waiting until it serves requests.
//
// With sharing enabled by Main (and no Dedicated option) the JVM is shared with the package's other tests and
// stopped by Main; otherwise t.Cleanup stops it. A missing jar or Java skips the test, or fails it when
// LIMPET_INTEROP=require. A JVM that does not start fails the test, with the end of its log.
func Start(t testing.TB, version, profile string, opts ...Option) *Server {
	t.Helper()
	var o startOptions
	for _, opt := range opts {
		opt(&o)
	}
	if version != Boot3 && version != Boot4 {
		t.Fatalf("springserver: unknown version %q (want %q or %q)", version, Boot3, Boot4)
	}
	jvm, ok := jvmOf[profile]
	if !ok {
		t.Fatalf("springserver: unknown profile %q (want one of %s)", profile, strings.Join(Profiles(), ", "))
	}
	jar, err := JarPath(version)
	if err != nil {
		unavailable(t, err)
	}
	java, err := javaPath()
	if err != nil {
		unavailable(t, err)
	}

	var p *process
	launched := true
	owned := o.dedicated || !sharingEnabled()
	if owned {
		p, err = launch(version, jvm, jar, java)
		if err == nil {
			t.Cleanup(p.stop)
		}
	} else {
		p, launched, err = sharedProcess(version, jvm, jar, java)
	}
	if err != nil {
		msg := fmt.Sprintf("springserver: start %s %s: %v", version, profile, err)
		if p != nil {
			msg += "\n" + p.logTail(60)
			if owned {
				p.stop() // Main removes a shared JVM that failed
			}
		}
		t.Fatal(msg)
	}
	if launched {
		t.Logf("springserver: started the %s %s JVM in %v", version, jvm, p.startupTime().Round(time.Millisecond))
	}
	info := p.currentInfo()
	port := info.Port
	if jvm == "chains" {
		port = info.Connectors[profile]
	}
	if port == 0 {
		t.Fatalf("springserver: the %s %s JVM reports no port for profile %q", version, jvm, profile)
	}
	return &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port), Version: version, Profile: profile, proc: p}
}

func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv(InteropEnv) == "require" {
		t.Fatalf("%v (%s=require; build with %s)", err, InteropEnv, BuildCommand)
	}
	t.Skipf("%v; build it with %s (set %s=require to fail instead)", err, BuildCommand, InteropEnv)
}

// Main runs a package's tests with fixture JVMs shared between them, then stops those JVMs and returns the exit
// code for os.Exit. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(springserver.Main(m)) }
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.enabled = true
	shared.mu.Unlock()
	code := m.Run()
	stopShared()
	return code
}

// shared holds the JVMs shared under Main.
var shared struct {
	mu      sync.Mutex // guards enabled and procs
	enabled bool
	procs   map[string]*sharedEntry // by version + "/" + jvm
}

type sharedEntry struct {
	ready chan struct{} // closed when p and err are set
	p     *process
	err   error
}

func sharingEnabled() bool {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	return shared.enabled
}

// sharedProcess returns the shared JVM, starting it on first use (launched reports that this call did); concurrent
// callers wait for the one start.
func sharedProcess(version, jvm, jar, java string) (p *process, launched bool, err error) {
	key := version + "/" + jvm
	shared.mu.Lock()
	if shared.procs == nil {
		shared.procs = make(map[string]*sharedEntry)
	}
	e, found := shared.procs[key]
	if !found {
		e = &sharedEntry{ready: make(chan struct{})}
		shared.procs[key] = e
	}
	shared.mu.Unlock()
	if found {
		<-e.ready
		return e.p, false, e.err
	}
	e.p, e.err = launch(version, jvm, jar, java)
	close(e.ready)
	return e.p, true, e.err
}

func stopShared() {
	shared.mu.Lock()
	entries := shared.procs
	shared.procs = nil
	shared.mu.Unlock()
	var wg sync.WaitGroup
	for _, e := range entries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-e.ready
			if e.p != nil {
				e.p.stop()
			}
		}()
	}
	wg.Wait()
}

// JarPath returns the application jar that build.sh prepared for version (in the run directory named by
// VERSION/target/current, next to its class-data-sharing archive app.jsa), or an error wrapping ErrNotBuilt. The
// fixture directory is $LIMPET_SPRING_DIR, or interop/spring in the first parent of the working directory that has
// one.
func JarPath(version string) (string, error) {
	if version != Boot3 && version != Boot4 {
		return "", fmt.Errorf("springserver: unknown version %q", version)
	}
	dir, err := fixtureDir()
	if err != nil {
		return "", err
	}
	target := filepath.Join(dir, version, "target")
	current, err := os.ReadFile(filepath.Join(target, "current"))
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrNotBuilt, version, err)
	}
	run := strings.TrimSpace(string(current))
	if run == "" || strings.ContainsAny(run, `/\`) || run == "." || run == ".." {
		return "", fmt.Errorf("%w: %s: bad %s", ErrNotBuilt, version, filepath.Join(target, "current"))
	}
	if _, err := os.Stat(filepath.Join(target, run, "complete")); err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrNotBuilt, version, err)
	}
	jar := filepath.Join(target, run, "limpet-spring-fixture-"+version+".jar")
	if _, err := os.Stat(jar); err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrNotBuilt, version, err)
	}
	return jar, nil
}

func fixtureDir() (string, error) {
	if dir := os.Getenv("LIMPET_SPRING_DIR"); dir != "" {
		return dir, nil
	}
	dir, err := proc.ModuleDir("interop/spring", "build.sh")
	if err != nil {
		return "", fmt.Errorf("%w: %w (set LIMPET_SPRING_DIR)", ErrNotBuilt, err)
	}
	return dir, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// javaPath finds Java: $JAVA, then $JAVA_HOME/bin/java, then java on PATH.
func javaPath() (string, error) {
	if java := os.Getenv("JAVA"); java != "" {
		return java, nil
	}
	if home := os.Getenv("JAVA_HOME"); home != "" {
		java := filepath.Join(home, "bin", "java")
		if _, err := os.Stat(java); err == nil {
			return java, nil
		}
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoJava, err)
	}
	return java, nil
}

// startTimeout bounds the wait for a JVM to become ready; LIMPET_SPRING_START_TIMEOUT (seconds) overrides it.
func startTimeout() time.Duration {
	if s := os.Getenv("LIMPET_SPRING_START_TIMEOUT"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return time.Duration(n) * time.Second
		}
	}
	return 3 * time.Minute
}

// stopTimeout bounds the wait for a JVM to exit after SIGTERM before it is killed.
const stopTimeout = 10 * time.Second

// maxEarlierLog bounds the output kept from the runs of a JVM before its last restart.
const maxEarlierLog = 64 << 10

// process is one fixture JVM. Its methods are safe for concurrent use.
type process struct {
	version, jvm, jar, java string
	dir                     string // private temporary directory: ready file, JVM temp files

	mu      sync.Mutex // guards info and startup, and the writes of run and earlier; held across start and stop
	info    Info
	startup time.Duration // how long the last start took until the ready file appeared

	outMu   sync.Mutex    // guards run and earlier, which are written under mu too, for logTail during a start
	run     *proc.Process // the running (or last) JVM; nil before the first start
	earlier string        // the end of the output of the runs before run, for logTail
}

// launch starts a JVM on free ports.
func launch(version, jvm, jar, java string) (*process, error) {
	dir, err := os.MkdirTemp("", "limpet-spring-"+version+"-"+jvm+"-")
	if err != nil {
		return nil, fmt.Errorf("springserver: %w", err)
	}
	p := &process{version: version, jvm: jvm, jar: jar, java: java, dir: dir}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.startLocked(nil); err != nil {
		return p, err
	}
	return p, nil
}

func (p *process) startupTime() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.startup
}

func (p *process) currentInfo() Info {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.info
}

// args returns the JVM's command line; pinned, when not nil, gives the ports to bind.
func (p *process) args(ready, tmp string, pinned *Info) []string {
	args := slices.Clone(defaultJavaOptions)
	if archive := filepath.Join(filepath.Dir(p.jar), "app.jsa"); fileExists(archive) {
		args = append(args, "-XX:SharedArchiveFile="+archive)
	}
	args = append(args, strings.Fields(os.Getenv("LIMPET_SPRING_JAVA_OPTS"))...)
	args = append(args, "-Djava.io.tmpdir="+tmp, "-jar", p.jar,
		"--spring.profiles.active="+p.jvm, "--limpet.ready-file="+ready)
	if pinned != nil {
		args = append(args, "--server.port="+strconv.Itoa(pinned.Port))
		names := make([]string, 0, len(pinned.Connectors))
		for name, port := range pinned.Connectors {
			names = append(names, name+":"+strconv.Itoa(port))
		}
		sort.Strings(names)
		args = append(args, "--limpet.ports="+strings.Join(names, ";")) // matrix cell names contain commas
	}
	return args
}

// startLocked starts the JVM and waits for its ready file; pinned, when not nil, gives the ports to bind.
func (p *process) startLocked(pinned *Info) error {
	ready := filepath.Join(p.dir, "ready.json")
	_ = os.Remove(ready)
	tmp := filepath.Join(p.dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return fmt.Errorf("springserver: %w", err)
	}
	began := time.Now()
	cmd := exec.Command(p.java, p.args(ready, tmp, pinned)...)
	cmd.Dir = p.dir
	run, err := proc.Start(cmd, proc.Options{DeathSignal: syscall.SIGKILL})
	if err != nil {
		return fmt.Errorf("springserver: start java: %w", err)
	}
	p.outMu.Lock()
	if p.run != nil {
		p.earlier = lastBytes(p.earlier+p.run.Output(), maxEarlierLog)
	}
	p.run = run
	p.outMu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout())
	defer cancel()
	var data []byte
	var readErr error
	err = run.WaitReady(ctx, 50*time.Millisecond, func(context.Context) error {
		data, readErr = os.ReadFile(ready)
		if errors.Is(readErr, os.ErrNotExist) {
			return readErr
		}
		return nil // read, or failed for good
	})
	switch {
	case errors.Is(err, proc.ErrExited):
		return fmt.Errorf("springserver: the %s %s JVM exited before it was ready: %w", p.version, p.jvm, err)
	case err != nil:
		p.stopLocked()
		return fmt.Errorf("springserver: the %s %s JVM was not ready after %v: %w", p.version, p.jvm, startTimeout(), err)
	case readErr != nil:
		p.stopLocked()
		return fmt.Errorf("springserver: %w", readErr)
	}
	var info Info
	if err := json.Unmarshal(data, &info); err != nil {
		p.stopLocked()
		return fmt.Errorf("springserver: ready file %s: %w", ready, err)
	}
	p.info = info
	p.startup = time.Since(began)
	return nil
}

// stopLocked stops the JVM: SIGTERM, then SIGKILL if it has not exited within stopTimeout. Stopping a JVM that
// has exited does nothing.
func (p *process) stopLocked() {
	if p.run != nil {
		_, _ = p.run.Stop(syscall.SIGTERM, stopTimeout)
	}
}

func (p *process) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopLocked()
	_ = os.RemoveAll(p.dir)
}

// restartAttempts bounds how often restart starts the JVM again when one of its ports was taken meanwhile.
const restartAttempts = 4

// restart stops the JVM and starts it on the ports it had. The ports came from the kernel's ephemeral range (the
// JVM bound port 0), so while the JVM was down another process's outgoing connection may have been given one of
// them as its local port: restart waits until every port can be bound again, and starts the JVM once more when one
// was taken between that check and the JVM's bind.
func (p *process) restart() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	pinned := p.info
	p.stopLocked()
	var err error
	for range restartAttempts {
		if err = waitPortsFree(pinned, portWait); err != nil {
			continue
		}
		if err = p.startLocked(&pinned); err == nil || !errors.Is(err, proc.ErrExited) || !p.portTaken() {
			break
		}
	}
	if err != nil {
		return err
	}
	if p.info.Port != pinned.Port {
		return fmt.Errorf("springserver: restarted on port %d, want %d", p.info.Port, pinned.Port)
	}
	return nil
}

// portWait is how long restart waits for the ports of the stopped JVM to be free, per attempt.
const portWait = 30 * time.Second

// portTaken reports whether the last run of the JVM failed because a port was in use.
func (p *process) portTaken() bool {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	return p.run != nil && strings.Contains(p.run.Output(), "already in use")
}

// waitPortsFree waits until every port of info can be bound on the JVM's address, for at most wait.
func waitPortsFree(info Info, wait time.Duration) error {
	ports := []int{info.Port}
	for _, port := range info.Connectors {
		ports = append(ports, port)
	}
	deadline := time.Now().Add(wait)
	for {
		busy := 0
		for _, port := range ports {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err != nil {
				busy = port
				break
			}
			l.Close()
		}
		if busy == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("springserver: port %d is still in use %v after the JVM stopped", busy, wait)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logTail returns the last n lines of the JVM's output, across restarts.
func (p *process) logTail(n int) string {
	p.outMu.Lock()
	out := p.earlier
	if p.run != nil {
		out += p.run.Output()
	}
	p.outMu.Unlock()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if s := strings.Join(lines, "\n"); s != "" {
		return s
	}
	return "(no output)"
}

// lastBytes returns the last n bytes of s.
func lastBytes(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// JavaOptions returns the JVM options every fixture JVM starts with (before LIMPET_SPRING_JAVA_OPTS and the
// class-data-sharing archive).
func JavaOptions() []string { return slices.Clone(defaultJavaOptions) }
