package fleetproof_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cli"
	"github.com/limpet-http/limpet/internal/testserver/redisserver"
	"github.com/limpet-http/limpet/internal/testserver/springserver"
	"github.com/limpet-http/limpet/spring"
	"github.com/limpet-http/limpet/store"
	_ "github.com/limpet-http/limpet/store/filestore"
)

// roleEnv selects what the re-executed test binary does: "cli" runs the
// limpet command with the arguments, "worker" is a library worker,
// "holder" takes the session's recovery lock and keeps it until killed.
const roleEnv = "LIMPET_FLEET_ROLE"

// Worker settings, in the environment of the "worker" and "holder" roles.
const (
	envBase     = "FLEET_BASE"     // the cell's base URL
	envStore    = "FLEET_STORE"    // store URL
	envName     = "FLEET_NAME"     // session name
	envID       = "FLEET_ID"       // the worker's number
	envPhases   = "FLEET_PHASES"   // phases
	envPerPass  = "FLEET_PER"      // POSTs per phase
	envPass     = "FLEET_PASSWORD" // the password, for the CLI's --password-env
	envTolerate = "FLEET_TOLERATE" // when set, a failed request is reported ("SOFT ...") and sent again
)

const (
	user         = "user"
	password     = "password"
	defaultProcs = 16
)

// procs is how many processes share the session: 16, or $FLEET_PROCS.
var procs = func() int {
	if n, err := strconv.Atoi(os.Getenv("FLEET_PROCS")); err == nil && n > 0 {
		return n
	}
	return defaultProcs
}()

func TestMain(m *testing.M) {
	switch os.Getenv(roleEnv) {
	case "":
		os.Exit(springserver.Main(m))
	case "cli":
		os.Exit(cli.Main())
	case "worker":
		if err := worker(); err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
	case "holder":
		if err := holder(); err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", roleEnv, os.Getenv(roleEnv))
		os.Exit(2)
	}
}

// fleetLogin is the library side of the login of these tests, in one place.
func fleetLogin() limpet.Authenticator {
	return spring.FormLogin(user, password, spring.Options{Probe: "/api/me"})
}

// bind opens the store URL and binds the session name.
func bind(ctx context.Context, storeURL, name string) (store.Store, store.Bound, error) {
	st, err := store.Open(ctx, storeURL)
	if err != nil {
		return nil, nil, err
	}
	b, err := store.Bind(st, name)
	if err != nil {
		store.Close(st)
		return nil, nil, err
	}
	return st, b, nil
}

// worker sends FLEET_PER POSTs per phase, each with a key of its own,
// prints "done P" after phase P and waits for a line on stdin before the
// next.
func worker() error {
	ctx := context.Background()
	st, b, err := bind(ctx, os.Getenv(envStore), os.Getenv(envName))
	if err != nil {
		return err
	}
	defer store.Close(st)
	s, err := limpet.New(limpet.Options{BaseURL: os.Getenv(envBase), Store: b, Authenticator: fleetLogin(),
		MaxRedirects: 5, RecoveryWait: 2 * time.Minute})
	if err != nil {
		return err
	}
	phases, _ := strconv.Atoi(os.Getenv(envPhases))
	per, _ := strconv.Atoi(os.Getenv(envPerPass))
	in := bufio.NewScanner(os.Stdin)
	for p := range phases {
		for i := range per {
			key := fmt.Sprintf("w%s-p%d-%d", os.Getenv(envID), p, i)
			resp, err := s.Post(ctx, "/api/items?key="+key, limpet.JSON(map[string]string{"name": key}))
			for err != nil && os.Getenv(envTolerate) != "" {
				// The store is away: say so, and try again.
				fmt.Println("SOFT", strings.ReplaceAll(err.Error(), "\n", " "))
				time.Sleep(200 * time.Millisecond)
				resp, err = s.Post(ctx, "/api/items?key="+key, limpet.JSON(map[string]string{"name": key}))
			}
			if err != nil {
				return fmt.Errorf("POST %s: %w", key, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Close()
			if resp.StatusCode/100 != 2 {
				return fmt.Errorf("POST %s: %d %s", key, resp.StatusCode, body)
			}
		}
		if err := s.Save(ctx); err != nil {
			if os.Getenv(envTolerate) == "" {
				return err
			}
			fmt.Println("SOFT", strings.ReplaceAll(err.Error(), "\n", " ")) // saved again by the next save
		}
		fmt.Println("done", p)
		if p < phases-1 && !in.Scan() {
			return fmt.Errorf("stdin closed before phase %d", p+1)
		}
	}
	return s.Close()
}

// holder takes the recovery lock, says so, and waits to be killed.
func holder() error {
	ctx := context.Background()
	st, b, err := bind(ctx, os.Getenv(envStore), os.Getenv(envName))
	if err != nil {
		return err
	}
	defer store.Close(st)
	l, ok := b.(limpet.RecoveryLocker)
	if !ok {
		return fmt.Errorf("%T has no recovery lock", b)
	}
	if _, err := l.LockRecovery(ctx); err != nil {
		return err
	}
	fmt.Println("locked")
	time.Sleep(10 * time.Minute)
	return nil
}

// maxCell returns a cell of the matrix with maximumSessions(1) and a form
// login on Spring's default page, with CSRF tokens (csrf) or without.
func maxCell(t *testing.T, csrf bool) springserver.Cell {
	t.Helper()
	srv := springserver.Start(t, springserver.Boot4, springserver.MatrixProfile)
	var pick *springserver.Cell
	for _, c := range srv.Cells() {
		if c.Session == springserver.SessionMax1 && c.Login == springserver.LoginDefaultPage && c.LoginBody == "form" &&
			(c.CSRF != springserver.CSRFOff) == csrf {
			pick = &c
			break
		}
	}
	if pick == nil {
		t.Fatal("no max1 cell with the default login page")
	}
	t.Logf("cell %s", pick.Name)
	return *pick
}

// proc is a worker process.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	out   strings.Builder
	mu    sync.Mutex
	soft  []string // the "SOFT" lines seen; guarded by mu
}

func start(t *testing.T, role string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), roleEnv+"="+role), env...)
	p := &proc{cmd: cmd, lines: make(chan string, 16)}
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &lockedWriter{p: p}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return p
}

type lockedWriter struct{ p *proc }

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.out.Write(b)
}

func (p *proc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// expect waits for the line want; a liveness bound, not a measurement.
func (p *proc) expect(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(3 * time.Minute)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				_ = p.cmd.Wait()
				t.Fatalf("worker ended before %q: %v\n%s", want, p.cmd.ProcessState, p.stderr())
			}
			if l == want {
				return
			}
			if strings.HasPrefix(l, "SOFT") {
				p.mu.Lock()
				p.soft = append(p.soft, l)
				p.mu.Unlock()
			}
			if strings.HasPrefix(l, "ERR") {
				t.Fatalf("worker: %s\n%s", l, p.stderr())
			}
		case <-timeout:
			t.Fatalf("no %q from the worker in 3 minutes\n%s", want, p.stderr())
		}
	}
}

// stores returns the store URLs of the proof: a file store, a Redis
// server, a Redis Cluster of 3 masters.
func stores(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"file":    func(t *testing.T) string { return "file:" + t.TempDir() },
		"redis":   func(t *testing.T) string { return redisserver.Start(t).URL(0) },
		"cluster": func(t *testing.T) string { return redisserver.StartCluster(t, 3).URL() },
	}
}

// TestLibraryFleet: 16 library worker processes share one session on a
// maximumSessions(1) cell; they start without a session (one login), the
// server's sessions are ended mid-run (one more login), every POST runs
// once and no worker sees an error.
func TestLibraryFleet(t *testing.T) {
	cell := maxCell(t, true)
	for _, kind := range []string{"file", "redis", "cluster"} {
		t.Run(kind, func(t *testing.T) {
			storeURL := stores(t)[kind](t)
			name := "localhost_" + strconv.Itoa(cell.Port) + "/fleet-lib-" + kind
			cell.ResetCounters(t)
			const per = 3
			var ws []*proc
			for i := range procs {
				ws = append(ws, start(t, "worker", []string{envBase + "=" + cell.URL, envStore + "=" + storeURL,
					envName + "=" + name, envID + "=" + strconv.Itoa(i), envPhases + "=2", envPerPass + "=" + strconv.Itoa(per)}))
			}
			for _, w := range ws {
				w.expect(t, "done 0")
			}
			c0 := cell.Counters(t)
			if c0.LoginPosts != 1 {
				t.Errorf("%d login POSTs for %d workers starting without a session, want 1", c0.LoginPosts, procs)
			}
			cell.ExpireAll(t)
			for _, w := range ws {
				fmt.Fprintln(w.stdin, "go")
			}
			for _, w := range ws {
				w.expect(t, "done 1")
				if err := w.cmd.Wait(); err != nil {
					t.Errorf("worker: %v\n%s", err, w.stderr())
				}
			}
			c1 := cell.Counters(t)
			if n := c1.LoginPosts - c0.LoginPosts; n != 1 {
				t.Errorf("%d login POSTs after the sessions were ended mid-run, want 1", n)
			}
			checkPosts(t, cell, procs, 2, per)
			checkStored(t, storeURL, name)
			t.Logf("%s: %d workers, login POSTs %d then %d, POSTs %d", kind, procs, c0.LoginPosts, c1.LoginPosts-c0.LoginPosts, c1.Posts)
		})
	}
}

// checkPosts checks that each worker's POST ran exactly once.
func checkPosts(t *testing.T, cell springserver.Cell, n, phases, per int) {
	t.Helper()
	total := int64(0)
	for w := range n {
		for p := range phases {
			for i := range per {
				key := fmt.Sprintf("w%d-p%d-%d", w, p, i)
				if got := cell.Posts(t, key); got != 1 {
					t.Errorf("POST %s ran %d times, want 1", key, got)
				}
				total++
			}
		}
	}
	if c := cell.Counters(t); c.Posts != total {
		t.Errorf("%d POSTs ran, want %d", c.Posts, total)
	}
}

// checkStored checks that the stored session holds the session cookie
// and the login generation.
func checkStored(t *testing.T, storeURL, name string) {
	t.Helper()
	st, b, err := bind(context.Background(), storeURL, name)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(st)
	snap, err := b.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range snap.Cookies {
		found = found || c.Name == "JSESSIONID"
	}
	if _, ok := snap.LookupState("limpet/login"); !found || !ok {
		t.Errorf("stored session: JSESSIONID %v, login generation %v; want both", found, ok)
	}
}

// startFleet starts procs workers and waits for their first phase, in
// which exactly one logs in.
func startFleet(t *testing.T, cell springserver.Cell, storeURL, name string, phases, per int, extra ...string) []*proc {
	t.Helper()
	cell.ResetCounters(t)
	var ws []*proc
	for i := range procs {
		ws = append(ws, start(t, "worker", append([]string{envBase + "=" + cell.URL, envStore + "=" + storeURL,
			envName + "=" + name, envID + "=" + strconv.Itoa(i), envPhases + "=" + strconv.Itoa(phases),
			envPerPass + "=" + strconv.Itoa(per)}, extra...)))
	}
	for _, w := range ws {
		w.expect(t, "done 0")
	}
	if c := cell.Counters(t); c.LoginPosts != 1 {
		t.Fatalf("%d login POSTs for %d workers starting without a session, want 1", c.LoginPosts, procs)
	}
	return ws
}

// TestHolderKilled: the process holding the recovery lock is killed with
// SIGKILL while the others wait for it (the server's sessions ended): they
// go on once the lock is free (at once for a file lock, at the lock's
// expiry on Redis), with one login between them and no error.
func TestHolderKilled(t *testing.T) {
	cell := maxCell(t, true)
	for _, kind := range []string{"file", "redis"} {
		t.Run(kind, func(t *testing.T) {
			storeURL := stores(t)[kind](t)
			if kind == "redis" {
				storeURL += "?lock_ttl=3s"
			}
			name := "fleet-killed-" + kind
			ws := startFleet(t, cell, storeURL, name, 2, 2)
			h := start(t, "holder", []string{envStore + "=" + storeURL, envName + "=" + name})
			h.expect(t, "locked")
			c0 := cell.Counters(t)
			cell.ExpireAll(t)
			for _, w := range ws {
				fmt.Fprintln(w.stdin, "go")
			}
			time.Sleep(time.Second) // let the workers meet the ended session and wait for the lock
			if err := h.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed := time.Now()
			for _, w := range ws {
				w.expect(t, "done 1")
				if err := w.cmd.Wait(); err != nil {
					t.Errorf("worker: %v\n%s", err, w.stderr())
				}
			}
			if n := cell.Counters(t).LoginPosts - c0.LoginPosts; n != 1 {
				t.Errorf("%d login POSTs after the holder was killed, want 1", n)
			}
			checkPosts(t, cell, procs, 2, 2)
			t.Logf("%s: the %d workers finished %v after the lock holder was killed", kind, procs, time.Since(killed).Round(time.Millisecond))
		})
	}
}

// TestRedisRestart: Redis is killed while 16 workers share a session; they
// go on with the session they hold, get clear errors when they need Redis
// (the server's sessions ended: a recovery needs the lock), and resume
// when Redis is back, with the stored session intact and one login.
func TestRedisRestart(t *testing.T) {
	cell := maxCell(t, true)
	srv := redisserver.Start(t, "--appendonly", "yes", "--appendfsync", "always")
	storeURL := srv.URL(0) + "?dial_timeout=300ms&max_retries=0"
	name := "fleet-restart"
	ws := startFleet(t, cell, storeURL, name, 3, 2, envTolerate+"=1")
	srv.Kill()
	for _, w := range ws { // phase 1: the session is alive, Redis is not needed
		fmt.Fprintln(w.stdin, "go")
	}
	for _, w := range ws {
		w.expect(t, "done 1")
	}
	c0 := cell.Counters(t)
	cell.ExpireAll(t)
	for _, w := range ws {
		fmt.Fprintln(w.stdin, "go")
	}
	time.Sleep(2 * time.Second) // let the workers meet the ended session and fail to reach Redis
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	soft := 0
	for _, w := range ws {
		w.expect(t, "done 2")
		if err := w.cmd.Wait(); err != nil {
			t.Errorf("worker: %v\n%s", err, w.stderr())
		}
		w.mu.Lock()
		soft += len(w.soft)
		if len(w.soft) > 0 && soft == len(w.soft) {
			t.Logf("the error a worker saw while Redis was down: %s", w.soft[0])
		}
		for _, l := range w.soft {
			if !strings.Contains(l, "redis") && !strings.Contains(l, "lock") {
				t.Errorf("an unclear error while Redis was down: %s", l)
			}
		}
		w.mu.Unlock()
	}
	if soft == 0 {
		t.Error("no worker saw an error while Redis was down")
	}
	if n := cell.Counters(t).LoginPosts - c0.LoginPosts; n != 1 {
		t.Errorf("%d login POSTs after Redis came back, want 1", n)
	}
	checkPosts(t, cell, procs, 3, 2)
	checkStored(t, storeURL, name)
	t.Logf("%d errors reported by %d workers while Redis was down; all resumed", soft, procs)
}

// runCLI runs the limpet command with args; it returns its output and
// error output.
func runCLI(t *testing.T, env []string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), roleEnv+"=cli", "NO_COLOR=1"), env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

// TestCLIFleet: 16 limpet processes at once share one session logged in
// with limpet login on a maximumSessions(1) cell: with the session alive
// none logs in; after the server's sessions end, exactly one does, and
// every POST runs once with no process failing. The cell keeps its CSRF
// token in a cookie: each process must send the cookie its jar holds (an
// adopted login's), not the token saved with the session.
func TestCLIFleet(t *testing.T) {
	cell := maxCell(t, true)
	for _, kind := range []string{"file", "redis", "cluster"} {
		t.Run(kind, func(t *testing.T) {
			storeURL := stores(t)[kind](t)
			env := []string{"LIMPET_CONFIG_DIR=" + t.TempDir(), "LIMPET_SESSION_STORE=" + storeURL, envPass + "=" + password}
			cell.ResetCounters(t)
			if _, errOut, err := runCLI(t, env, "login", "--session=fleet", cell.URL, "-a", user, "--password-env", envPass); err != nil {
				t.Fatalf("limpet login: %v\n%s", err, errOut)
			}
			if c := cell.Counters(t); c.LoginPosts != 1 {
				t.Fatalf("limpet login made %d login POSTs", c.LoginPosts)
			}
			phase := func(p int) {
				var wg sync.WaitGroup
				for i := range procs {
					wg.Go(func() {
						key := fmt.Sprintf("w%d-p%d-0", i, p)
						out, errOut, err := runCLI(t, env, "--session=fleet", "--check-status", "POST", cell.URL+"/api/items", "key=="+key, "name="+key)
						if err != nil {
							t.Errorf("limpet POST %s: %v\n%s\n%s", key, err, out, errOut)
						}
					})
				}
				wg.Wait()
			}
			phase(0)
			c0 := cell.Counters(t)
			if c0.LoginPosts != 1 {
				t.Errorf("%d login POSTs with the session alive, want none after limpet login's", c0.LoginPosts-1)
			}
			cell.ExpireAll(t)
			phase(1)
			c1 := cell.Counters(t)
			if n := c1.LoginPosts - c0.LoginPosts; n != 1 {
				t.Errorf("%d login POSTs from %d processes after the sessions ended, want 1", n, procs)
			}
			checkPosts(t, cell, procs, 2, 1)
			checkStored(t, storeURL, "127.0.0.1_"+strconv.Itoa(cell.Port)+"/fleet")
			t.Logf("%s: %d processes per phase, login POSTs: limpet login 1, alive %d, after expiry %d", kind, procs, c0.LoginPosts-1, c1.LoginPosts-c0.LoginPosts)
		})
	}
}
