package redisstore_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store/redisstore"
	"github.com/limpet-http/limpet/store/storetest"
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
	return writer(ctx, redisstore.New(c, noLimits), os.Getenv("LIMPET_TEST_SESSION"),
		os.Getenv("LIMPET_TEST_URL"), "p", proc, n)
}

// noLimits configures the stores of storetest.Writers, whose jars keep
// every cookie: the many-writer test stores more cookies for one host than
// a jar keeps by default.
var noLimits = redisstore.Options{MaxCookiesPerDomain: jar.NoLimit, MaxCookies: jar.NoLimit}

// writer runs a storetest.Writer on the named session of st.
func writer(ctx context.Context, st *redisstore.Store, name, base, kind string, id, n int) error {
	ss, err := st.Session(name)
	if err != nil {
		return err
	}
	return storetest.Writer(ctx, ss, base, kind, id, n)
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
	srv, requests := storetest.CookieServer(t)

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
			gerrs[g] = writer(context.Background(), redisstore.New(c, noLimits), session, srv.URL, "g", g, n)
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
	storetest.CheckWriters(t, got, []string{"p", "g"}, procs, n)
	if r := requests.Load(); r != int64(2*procs*n) {
		t.Errorf("server saw %d requests, want %d", r, 2*procs*n)
	}
	t.Logf("%d processes and %d goroutines x %d requests: %d cookies", procs, procs, n, len(got.Cookies))
}

// A Session is what limpet.Options.Store takes.
var _ limpet.SessionStore = (*redisstore.Session)(nil)
