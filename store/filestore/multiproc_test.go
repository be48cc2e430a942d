package filestore_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/store/storetest"
)

var (
	multiProcs    = flag.Int("multi.procs", 20, "processes in TestMultiProcessSaves")
	multiRequests = flag.Int("multi.requests", 50, "requests (and saves) per process in TestMultiProcessSaves")
	limitsProcs   = flag.Int("limits.procs", 10, "processes in TestMultiProcessLimits")
	limitsReqs    = flag.Int("limits.requests", 30, "requests (each a Session of its own) per process in TestMultiProcessLimits")
	crashKills    = flag.Int("crash.kills", 200, "child processes SIGKILLed while saving in TestCrashWhileSaving")
	crashParallel = flag.Int("crash.parallel", 4, "children saving at once in TestCrashWhileSaving")
)

// The test binary is re-executed as the child process of the multi-process
// and crash tests; childEnv selects the child's role.
const childEnv = "LIMPET_FILESTORE_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "client":
		os.Exit(runChild(clientChild))
	case "limited":
		os.Exit(runChild(limitedChild))
	case "crash":
		os.Exit(runChild(crashChild))
	case "holdlock":
		os.Exit(runChild(holdLockChild))
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", childEnv, os.Getenv(childEnv))
		os.Exit(2)
	}
}

func runChild(fn func(ctx context.Context) error) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := fn(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

func envInt(name string) int {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	return n
}

func clientChild(ctx context.Context) error {
	// storetest.Writer's jars keep every cookie, and so does the store: the
	// test stores more cookies for one host than a jar keeps by default.
	st, err := filestore.New(filestore.Options{Dir: os.Getenv("LIMPET_TEST_DIR"),
		MaxCookiesPerDomain: jar.NoLimit, MaxCookies: jar.NoLimit})
	if err != nil {
		return err
	}
	f, err := st.File(os.Getenv("LIMPET_TEST_SESSION"))
	if err != nil {
		return err
	}
	return storetest.Writer(ctx, f, os.Getenv("LIMPET_TEST_URL"), "p", envInt("LIMPET_TEST_PROC"), envInt("LIMPET_TEST_N"))
}

// limitedChild is clientChild with the default limits of jars and store,
// and a Session per request, as one command-line run per request has.
func limitedChild(ctx context.Context) error {
	st, err := filestore.New(filestore.Options{Dir: os.Getenv("LIMPET_TEST_DIR")})
	if err != nil {
		return err
	}
	f, err := st.File(os.Getenv("LIMPET_TEST_SESSION"))
	if err != nil {
		return err
	}
	return storetest.WriterWith(ctx, f, storetest.WriterOptions{SessionPerRequest: true}, os.Getenv("LIMPET_TEST_URL"), "p",
		envInt("LIMPET_TEST_PROC"), envInt("LIMPET_TEST_N"))
}

// runWriters runs procs child processes of the given role, each sending n
// requests to srv and saving the session, and waits for them.
func runWriters(t *testing.T, role, dir, session, url string, procs, n int) {
	t.Helper()
	cmds := make([]*exec.Cmd, procs)
	outs := make([]strings.Builder, procs)
	for p := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+role, "LIMPET_TEST_DIR="+dir, "LIMPET_TEST_URL="+url,
			"LIMPET_TEST_SESSION="+session, "LIMPET_TEST_PROC="+strconv.Itoa(p), "LIMPET_TEST_N="+strconv.Itoa(n))
		cmd.Stdout, cmd.Stderr = &outs[p], &outs[p]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[p] = cmd
	}
	for p, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", p, err, outs[p].String())
		}
	}
}

// TestMultiProcessLimits runs many processes with the default limits of
// jars and store, that together set more cookies for one host than a jar
// keeps: their jars evict, and the server deletes cookies some of them
// evicted. No deleted cookie comes back, and the file stays within the
// jar's limit.
func TestMultiProcessLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	srv, requests := storetest.CookieServer(t)
	dir := t.TempDir()
	const session = "127.0.0.1/limits"
	procs, n := *limitsProcs, *limitsReqs
	if procs*n <= jar.DefaultMaxCookiesPerDomain {
		t.Skipf("%d processes x %d requests stay within the limit of %d", procs, n, jar.DefaultMaxCookiesPerDomain)
	}
	runWriters(t, "limited", dir, session, srv.URL, procs, n)
	if t.Failed() {
		return
	}
	got, err := newStoreAt(t, dir).Load(context.Background(), session)
	if err != nil {
		t.Fatal(err)
	}
	storetest.CheckLimitedWriters(t, got, []string{"p"}, procs, n, jar.DefaultMaxCookiesPerDomain)
	if r := requests.Load(); r != int64(procs*n) {
		t.Errorf("server saw %d requests, want %d", r, procs*n)
	}
	t.Logf("%d processes x %d requests: %d cookies, %d tombstones", procs, n, len(got.Cookies), len(got.Tombstones))
}

// TestMultiProcessSaves runs many processes that each load, request and save
// one named session many times: every cookie any of them set is there at
// the end.
func TestMultiProcessSaves(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	srv, requests := storetest.CookieServer(t)

	dir := t.TempDir()
	const session = "127.0.0.1/multi"
	procs, n := *multiProcs, *multiRequests
	runWriters(t, "client", dir, session, srv.URL, procs, n)
	if t.Failed() {
		return
	}
	st := newStoreAt(t, dir)
	got, err := st.Load(context.Background(), session)
	if err != nil {
		t.Fatal(err)
	}
	storetest.CheckWriters(t, got, []string{"p"}, procs, n)
	if r := requests.Load(); r != int64(procs*n) {
		t.Errorf("server saw %d requests, want %d", r, procs*n)
	}
	t.Logf("%d processes x %d requests: %d cookies", procs, n, len(got.Cookies))
}

const crashSession = "crash"

// checksum is the value of the "sum" cookie: a digest of every other cookie.
// A snapshot whose "sum" does not match was not written as a whole.
func checksum(s store.Snapshot) string {
	var lines []string
	for _, c := range s.Cookies {
		if c.Name != "sum" {
			lines = append(lines, c.Name+"="+c.Value)
		}
	}
	slices.Sort(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(h[:])
}

func setSum(s *store.Snapshot, now time.Time) {
	sum := checksum(*s)
	for i := range s.Cookies {
		if s.Cookies[i].Name == "sum" {
			s.Cookies[i].Value = sum
			s.Cookies[i].Updated = now
			return
		}
	}
	s.Cookies = append(s.Cookies, cookie("sum", sum, now))
}

func verifySum(s store.Snapshot) error {
	for _, c := range s.Cookies {
		if c.Name == "sum" {
			if want := checksum(s); c.Value != want {
				return fmt.Errorf("sum cookie %s, want %s: the file mixes two states", c.Value, want)
			}
			return nil
		}
	}
	return errors.New("no sum cookie")
}

// crashChild saves in a loop until it is killed: each save adds a cookie
// and updates the checksum cookie, under the lock.
func crashChild(ctx context.Context) error {
	st, err := filestore.New(filestore.Options{Dir: os.Getenv("LIMPET_TEST_DIR")})
	if err != nil {
		return err
	}
	fmt.Println("ready")
	for i := 0; ctx.Err() == nil; i++ {
		_, err := st.Update(ctx, crashSession, func(s *store.Snapshot) error {
			if err := verifySum(*s); err != nil {
				return err
			}
			now := time.Now()
			s.Cookies = append(s.Cookies, cookie(fmt.Sprintf("c%d_%d", os.Getpid(), i), strconv.Itoa(i), now))
			if len(s.Cookies) > 400 { // keep the file near a constant size
				s.Cookies = slices.Delete(s.Cookies, 0, 100)
			}
			setSum(s, now)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// TestCrashWhileSaving kills saving processes with SIGKILL at random points,
// many times: the file always loads and holds a whole state.
func TestCrashWhileSaving(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	st := newStoreAt(t, dir)
	if _, err := st.Update(ctx, crashSession, func(s *store.Snapshot) error {
		for i := range 300 {
			s.Cookies = append(s.Cookies, persistent(fmt.Sprintf("seed%03d", i), strings.Repeat("x", 40), t0))
		}
		setSum(s, time.Now())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p, _ := st.Path(crashSession)

	var (
		mu       sync.Mutex // guards firstErr
		firstErr error
		next     atomic.Int64
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	for range *crashParallel {
		wg.Go(func() {
			for next.Add(1) <= int64(*crashKills) {
				if err := killOne(dir); err != nil {
					fail(err)
					return
				}
				// Every state a reader can see is whole.
				s, err := filestore.Open(p, filestore.Options{}).Load(ctx)
				if err == nil {
					err = verifySum(s)
				}
				if err != nil {
					fail(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	// A save after all the crashes works and leaves no temporary file.
	got, err := st.Update(ctx, crashSession, func(s *store.Snapshot) error { return verifySum(*s) })
	if err != nil {
		t.Fatal(err)
	}
	if temps, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".crash.json.tmp-*")); len(temps) > 0 {
		t.Errorf("temporary files left: %v", temps)
	}
	t.Logf("%d kills; final state has %d cookies", *crashKills, len(got.Cookies))
}

// killOne starts a saving child, waits until it runs, lets it save for a
// random short while and kills it with SIGKILL.
func killOne(dir string) error {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=crash", "LIMPET_TEST_DIR="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fmt.Errorf("child did not start: %q %v %s", line, err, stderr.String())
	}
	time.Sleep(rand.N(4 * time.Millisecond))
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return nil // killed, as intended
		}
	}
	return fmt.Errorf("child ended before it was killed: %v\n%s", err, stderr.String())
}
