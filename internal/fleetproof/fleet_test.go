package fleetproof_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cli"
	"github.com/limpet-http/limpet/internal/testserver/redisserver"
	"github.com/limpet-http/limpet/internal/testserver/springserver"
	"github.com/limpet-http/limpet/spring"
	"github.com/limpet-http/limpet/store"
	_ "github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/store/redisstore"
)

// roleEnv selects what the re-executed test binary does: "cli" runs the
// limpet command with the arguments, "worker" is a library worker,
// "holder" takes the session's recovery lock and keeps it until killed.
const roleEnv = "LIMPET_FLEET_ROLE"

// Worker settings, in the environment of the "worker" and "holder" roles.
const (
	envBase    = "FLEET_BASE"     // the cell's base URL
	envStore   = "FLEET_STORE"    // store URL
	envName    = "FLEET_NAME"     // session name
	envID      = "FLEET_ID"       // the worker's number
	envPhases  = "FLEET_PHASES"   // phases
	envPerPass = "FLEET_PER"      // POSTs per phase
	envPass    = "FLEET_PASSWORD" // the password, for the CLI's --password-env
)

const (
	user     = "user"
	password = "password"
	procs    = 16
)

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
			return err
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

// maxCell returns a cell of the matrix with maximumSessions(1), a form
// login on Spring's default page and CSRF tokens.
func maxCell(t *testing.T) springserver.Cell {
	t.Helper()
	srv := springserver.Start(t, springserver.Boot4, springserver.MatrixProfile)
	var pick *springserver.Cell
	for _, c := range srv.Cells() {
		if c.Session == springserver.SessionMax1 && c.Login == springserver.LoginDefaultPage && c.LoginBody == "form" {
			if pick == nil || (pick.CSRF == springserver.CSRFOff && c.CSRF != springserver.CSRFOff) {
				pick = &c
			}
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
	cell := maxCell(t)
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

var _ = filepath.Join
var _ = redisstore.DefaultLockTTL
