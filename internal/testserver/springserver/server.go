package springserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("springserver: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		candidate := filepath.Join(dir, "interop", "spring")
		if _, err := os.Stat(filepath.Join(candidate, "build.sh")); err == nil {
			return candidate, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("%w: no interop/spring above %s (set LIMPET_SPRING_DIR)", ErrNotBuilt, wd)
		}
	}
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

// process is one fixture JVM. Its methods are safe for concurrent use.
type process struct {
	version, jvm, jar, java string
	dir                     string // private temporary directory: ready file, log, JVM temp files

	mu      sync.Mutex // guards cmd, exited, info, startup and stopped; held across start and stop
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has exited
	info    Info
	startup time.Duration // how long the last start took until the ready file appeared
	stopped bool
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

// startLocked starts the JVM and waits for its ready file; pinned, when not nil, gives the ports to bind.
func (p *process) startLocked(pinned *Info) error {
	ready := filepath.Join(p.dir, "ready.json")
	_ = os.Remove(ready)
	tmp := filepath.Join(p.dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return fmt.Errorf("springserver: %w", err)
	}
	logFile, err := os.OpenFile(filepath.Join(p.dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("springserver: %w", err)
	}
	defer logFile.Close() // the child has its own descriptor

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
	began := time.Now()
	cmd := exec.Command(p.java, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Dir = p.dir
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("springserver: start java: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	p.cmd, p.exited, p.stopped = cmd, exited, false

	deadline := time.NewTimer(startTimeout())
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-exited:
			return fmt.Errorf("springserver: the %s %s JVM exited before it was ready: %s", p.version, p.jvm,
				cmd.ProcessState)
		case <-deadline.C:
			p.killLocked()
			return fmt.Errorf("springserver: the %s %s JVM was not ready after %v", p.version, p.jvm, startTimeout())
		case <-tick.C:
		}
		data, err := os.ReadFile(ready)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			p.killLocked()
			return fmt.Errorf("springserver: %w", err)
		}
		var info Info
		if err := json.Unmarshal(data, &info); err != nil {
			p.killLocked()
			return fmt.Errorf("springserver: ready file %s: %w", ready, err)
		}
		p.info = info
		p.startup = time.Since(began)
		return nil
	}
}

// killLocked stops the JVM: SIGTERM, then SIGKILL if it has not exited within ten seconds.
func (p *process) killLocked() {
	if p.cmd == nil || p.stopped {
		return
	}
	p.stopped = true
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return
	case <-time.After(10 * time.Second):
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

func (p *process) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.killLocked()
	_ = os.RemoveAll(p.dir)
}

func (p *process) restart() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	pinned := p.info
	p.killLocked()
	if err := p.startLocked(&pinned); err != nil {
		return err
	}
	if p.info.Port != pinned.Port {
		return fmt.Errorf("springserver: restarted on port %d, want %d", p.info.Port, pinned.Port)
	}
	return nil
}

// logTail returns the last n lines of the JVM's log.
func (p *process) logTail(n int) string {
	data, err := os.ReadFile(filepath.Join(p.dir, "log"))
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// JavaOptions returns the JVM options every fixture JVM starts with (before LIMPET_SPRING_JAVA_OPTS and the
// class-data-sharing archive).
func JavaOptions() []string { return slices.Clone(defaultJavaOptions) }
