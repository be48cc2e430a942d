package redisstore_test

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/redisstore"
)

var (
	multiProcs    = flag.Int("multi.procs", 10, "processes (and goroutines) in TestManyWriters")
	multiRequests = flag.Int("multi.requests", 30, "requests per process or goroutine in TestManyWriters")
)

// The test binary is re-executed as the child process of TestManyWriters;
// childEnv selects the child's role.
const childEnv = "LIMPET_REDISSTORE_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "client":
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := clientChild(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", childEnv, os.Getenv(childEnv))
		os.Exit(2)
	}
}

func envInt(name string) (int, error) {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

func clientChild(ctx context.Context) error {
	proc, err := envInt("LIMPET_TEST_PROC")
	if err != nil {
		return err
	}
	n, err := envInt("LIMPET_TEST_N")
	if err != nil {
		return err
	}
	c := redis.NewClient(&redis.Options{Addr: os.Getenv("LIMPET_TEST_REDIS")})
	defer c.Close()
	return clientLoop(ctx, redisstore.New(c, redisstore.Options{}), os.Getenv("LIMPET_TEST_SESSION"),
		os.Getenv("LIMPET_TEST_URL"), "p", proc, n)
}

// clientLoop is one writer's work: a limpet Session on the named session,
// autosaving, sends n requests that each set a distinct cookie (the first
// and last also set and delete a "doomed" one), then closes, which saves
// what autosave has not.
func clientLoop(ctx context.Context, st *redisstore.Store, name, base, kind string, id, n int) error {
	ss, err := st.Session(name)
	if err != nil {
		return err
	}
	s, err := limpet.New(limpet.Options{
		Store:      ss,
		SaveDelay:  time.Millisecond,
		JarOptions: jar.Options{MaxCookiesPerDomain: jar.NoLimit, MaxCookies: jar.NoLimit},
	})
	if err != nil {
		return err
	}
	for i := range n {
		u := fmt.Sprintf("%s/set?c=%s%02d_%02d", base, kind, id, i)
		switch i {
		case 0:
			u += fmt.Sprintf("&doomed=set&d=doomed_%s%02d", kind, id)
		case n - 1:
			u += fmt.Sprintf("&doomed=del&d=doomed_%s%02d", kind, id)
		}
		resp, err := s.Get(ctx, u)
		if err != nil {
			s.Close()
			return err
		}
		resp.Close()
		if resp.StatusCode != http.StatusOK {
			s.Close()
			return fmt.Errorf("request %d: %s", i, resp.Status)
		}
	}
	return s.Close()
}

// TestManyWriters runs processes and goroutines at once, each with a limpet
// Session on one Redis-stored session, each request setting a distinct
// cookie: every cookie any of them set is stored at the end, and none the
// server deleted came back.
func TestManyWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	addr := startRedis(t)
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		q := r.URL.Query()
		c := q.Get("c")
		if c == "" {
			http.Error(w, "no cookie name", http.StatusBadRequest)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: c, Value: "v-" + c, Path: "/"})
		switch q.Get("doomed") {
		case "set":
			http.SetCookie(w, &http.Cookie{Name: q.Get("d"), Value: "x", Path: "/"})
		case "del":
			http.SetCookie(w, &http.Cookie{Name: q.Get("d"), Value: "", Path: "/", MaxAge: -1})
		}
	}))
	defer srv.Close()

	const session = "127.0.0.1/fleet"
	procs, n := *multiProcs, *multiRequests
	cmds := make([]*exec.Cmd, procs)
	outs := make([]syncBuffer, procs)
	for p := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=client", "LIMPET_TEST_REDIS="+addr, "LIMPET_TEST_URL="+srv.URL,
			"LIMPET_TEST_SESSION="+session, "LIMPET_TEST_PROC="+strconv.Itoa(p), "LIMPET_TEST_N="+strconv.Itoa(n))
		cmd.Stdout, cmd.Stderr = &outs[p], &outs[p]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[p] = cmd
	}
	// Goroutines of this process write at the same time, each with its own
	// client and Store, as separate workers would.
	var wg sync.WaitGroup
	gerrs := make([]error, procs)
	for g := range procs {
		c := newClient(t, addr)
		wg.Go(func() {
			gerrs[g] = clientLoop(context.Background(), redisstore.New(c, redisstore.Options{}), session, srv.URL, "g", g, n)
		})
	}
	wg.Wait()
	for g, err := range gerrs {
		if err != nil {
			t.Errorf("goroutine %d: %v", g, err)
		}
	}
	for p, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", p, err, outs[p].String())
		}
	}
	if t.Failed() {
		return
	}
	got, err := newStore(t, addr, redisstore.Options{Clock: time.Now}).Load(context.Background(), session)
	if err != nil {
		t.Fatal(err)
	}
	checkCookies(t, got, procs, n)
	if r := requests.Load(); r != int64(2*procs*n) {
		t.Errorf("server saw %d requests, want %d", r, 2*procs*n)
	}
	t.Logf("%d processes and %d goroutines x %d requests: %d cookies", procs, procs, n, len(got.Cookies))
}

func checkCookies(t *testing.T, got store.Snapshot, writers, n int) {
	t.Helper()
	have := map[string]string{}
	var doomed []string
	for _, c := range got.Cookies {
		have[c.Name] = c.Value
		if strings.HasPrefix(c.Name, "doomed_") {
			doomed = append(doomed, c.Name)
		}
	}
	if len(doomed) > 0 {
		t.Errorf("cookies the server deleted came back: %v", doomed)
	}
	var missing []string
	for _, kind := range []string{"p", "g"} {
		for w := range writers {
			for i := range n {
				name := fmt.Sprintf("%s%02d_%02d", kind, w, i)
				if have[name] != "v-"+name {
					missing = append(missing, name)
				}
			}
		}
	}
	if want := 2 * writers * n; len(missing) > 0 || len(got.Cookies) != want {
		t.Fatalf("%d cookies stored, want %d; missing %d: %v", len(got.Cookies), want, len(missing), missing)
	}
	if n > 1 && len(got.Tombstones) != 2*writers {
		t.Errorf("%d tombstones, want %d", len(got.Tombstones), 2*writers)
	}
}

// A Session is what limpet.Options.Store takes.
var _ limpet.SessionStore = (*redisstore.Session)(nil)
