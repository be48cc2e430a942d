package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/net/publicsuffix"
	"golang.org/x/sys/unix"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/store/storetest"
)

// batches is how many batches timeOp times: it reports the fastest, since
// other processes taking the CPU can only add time to a batch.
const batches = 5

// timeOp runs op for about d in all and returns the time and the
// allocations per call of the fastest of several batches. It finds the
// number of calls per batch as testing.B does. With cpu, the time is the
// process's CPU time (clock_gettime's CLOCK_PROCESS_CPUTIME_ID: the
// garbage collector's threads count, time other processes take does not);
// otherwise the wall clock's (for work that waits on the disk).
func timeOp(op func(), d time.Duration, cpu bool) (ns, allocs float64) {
	now := time.Now
	if cpu {
		now = processCPU
	}
	per := d / batches
	n := 1
	for {
		start := now()
		for range n {
			op()
		}
		el := now().Sub(start)
		if el >= per || n >= 1e8 {
			break
		}
		next := n * 100
		if el > 0 {
			next = int(float64(n) * 1.2 * float64(per) / float64(el))
		}
		n = max(min(next, 100*n), n+1)
	}
	ns = math.Inf(1)
	for range batches {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		start := now()
		for range n {
			op()
		}
		el := now().Sub(start)
		runtime.ReadMemStats(&m1)
		ns = math.Min(ns, float64(el.Nanoseconds())/float64(n))
		allocs = float64(m1.Mallocs-m0.Mallocs) / float64(n)
	}
	return ns, allocs
}

// processCPU returns the process's CPU time as a time.Time (since the
// epoch), for timeOp.
func processCPU() time.Time {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Unix(0, ts.Nano())
}

// pair is limpet's and a peer's per-round times (ns) for one size.
type pair struct {
	limpet, peer []float64
	allocs       [2]float64 // limpet's and the peer's, last round
}

// jarResults are the jar measurements by operation and cookies per domain.
type jarResults struct {
	sizes []int
	ops   []string
	res   map[string]map[int]*pair
}

var jarOpTitle = map[string]string{
	"lookup": "`Cookies(u)`: lookup",
	"set":    "`SetCookies`: replace one cookie",
	"new":    "`SetCookies`: a new cookie, then its deletion",
}

// domainCookies returns n cookies for domain as a server sets them: a fifth
// each with Domain=domain and Path=/, host-only on /, /app, /app/page and
// /other. A request for /app/page carries all but the last fifth.
func domainCookies(n int, domain string) []*http.Cookie {
	cs := make([]*http.Cookie, n)
	for i := range cs {
		c := &http.Cookie{Name: fmt.Sprintf("cookie%04d", i), Value: fmt.Sprintf("value-%08x", i*7919)}
		switch i % 5 {
		case 0:
			c.Domain, c.Path = domain, "/"
		case 1:
			c.Path = "/"
		case 2:
			c.Path = "/app"
		case 3:
			c.Path = "/app/page"
		case 4:
			c.Path = "/other"
		}
		cs[i] = c
	}
	return cs
}

var (
	setURL = &url.URL{Scheme: "https", Host: "www.example.com", Path: "/"}
	getURL = &url.URL{Scheme: "https", Host: "www.example.com", Path: "/app/page"}
)

func newJar(limpet bool) http.CookieJar {
	if limpet {
		return jar.New(jar.Options{MaxCookiesPerDomain: jar.NoLimit, MaxCookies: jar.NoLimit})
	}
	j, _ := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
	return j
}

// jarOp returns the operation to time on a jar holding n cookies for one
// domain.
func jarOp(op string, limpet bool, n int) func() {
	j := newJar(limpet)
	all := domainCookies(n, "example.com")
	j.SetCookies(setURL, all)
	if got := len(j.Cookies(getURL)); got != n-n/5 {
		panic(fmt.Sprintf("jar: %d cookies sent, want %d", got, n-n/5))
	}
	switch op {
	case "lookup":
		return func() { _ = j.Cookies(getURL) }
	case "set":
		one := make([][]*http.Cookie, n)
		for i, c := range all {
			nc := *c
			nc.Value = "new"
			one[i] = []*http.Cookie{&nc}
		}
		i := 0
		return func() {
			j.SetCookies(setURL, one[i%n])
			i++
		}
	case "new":
		add := []*http.Cookie{{Name: "fresh", Value: "v", Path: "/app"}}
		del := []*http.Cookie{{Name: "fresh", Value: "v", Path: "/app", MaxAge: -1}}
		return func() {
			j.SetCookies(setURL, add)
			j.SetCookies(setURL, del)
		}
	}
	panic("jar: unknown operation " + op)
}

func runJar(c *config) *jarResults {
	r := &jarResults{sizes: []int{10, 30, 100, 300, 1000, 3000}, ops: []string{"lookup", "set", "new"}, res: map[string]map[int]*pair{}}
	if c.quick {
		r.sizes = []int{10, 100, 1000}
	}
	for _, op := range r.ops {
		r.res[op] = map[int]*pair{}
		for _, n := range r.sizes {
			p := &pair{}
			r.res[op][n] = p
			// Each jar is filled once; the rounds alternate limpet and the
			// standard library's jar.
			fl, fs := jarOp(op, true, n), jarOp(op, false, n)
			for range c.rounds {
				ns, a := timeOp(fl, c.micro, true)
				p.limpet, p.allocs[0] = append(p.limpet, ns), a
				ns, a = timeOp(fs, c.micro, true)
				p.peer, p.allocs[1] = append(p.peer, ns), a
			}
		}
	}
	return r
}

// persistResults are the session file measurements by cookies.
type persistResults struct {
	sizes []int
	ops   []string
	res   map[string]map[int]*pair
}

var persistOpTitle = map[string]string{
	"save": "save (one cookie changed)",
	"load": "load (a fresh reader)",
}

// persistOp returns limpet's operation and the naive peer's (encoding/json
// and os.WriteFile, no lock, no merge, no fsync) on a session of n
// cookies in dir.
func persistOp(op string, n int, dir string) (limpet, peer func(), err error) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	snap := storetest.Snapshot(n, t0)
	p := filepath.Join(dir, fmt.Sprintf("%s-%d.json", op, n))
	f := filestore.Open(p, filestore.Options{Clock: func() time.Time { return t0 }})
	if _, err := f.Save(ctx, snap); err != nil {
		return nil, nil, err
	}
	pp := filepath.Join(dir, fmt.Sprintf("%s-%d-peer.json", op, n))
	cookies := snap.JarCookies()
	raw, err := json.MarshalIndent(cookies, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(pp, raw, 0o600); err != nil {
		return nil, nil, err
	}
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	switch op {
	case "save":
		i := 0
		limpet = func() {
			c := &snap.Cookies[i%n]
			c.Value = strconv.Itoa(i)
			c.Updated = t0.Add(time.Duration(i+1) * time.Millisecond)
			i++
			_, err := f.Save(ctx, snap)
			must(err)
		}
		peer = func() {
			cookies[i%n].Value = strconv.Itoa(i)
			i++
			b, err := json.MarshalIndent(cookies, "", "  ")
			must(err)
			must(os.WriteFile(pp, b, 0o600))
		}
	case "load":
		limpet = func() {
			_, err := filestore.Open(p, filestore.Options{}).Load(ctx)
			must(err)
		}
		peer = func() {
			b, err := os.ReadFile(pp)
			must(err)
			var cs []jar.Cookie
			must(json.Unmarshal(b, &cs))
		}
	}
	return limpet, peer, nil
}

func runPersist(c *config) (*persistResults, error) {
	r := &persistResults{sizes: []int{100, 300, 1000, 3000}, ops: []string{"save", "load"}, res: map[string]map[int]*pair{}}
	if c.quick {
		r.sizes = []int{100, 1000}
	}
	dir, err := os.MkdirTemp("", "limpet-bench-files-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for _, op := range r.ops {
		r.res[op] = map[int]*pair{}
		for _, n := range r.sizes {
			fl, fp, err := persistOp(op, n, dir)
			if err != nil {
				return nil, err
			}
			p := &pair{}
			r.res[op][n] = p
			for range c.rounds {
				ns, a := timeOp(fl, c.micro, false)
				p.limpet, p.allocs[0] = append(p.limpet, ns), a
				ns, a = timeOp(fp, c.micro, false)
				p.peer, p.allocs[1] = append(p.peer, ns), a
			}
		}
	}
	return r, nil
}

// startRedis starts a redis-server of its own on a free loopback port,
// keeping nothing on disk, and returns its URL; without redis-server it
// returns a note saying why the Redis comparison is missing.
func startRedis(c *config) (string, *exec.Cmd, string) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, "redis-server is not installed: the Redis comparison was skipped"
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, "no free port for redis-server: " + err.Error()
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", c.bin)
	if err := cmd.Start(); err != nil {
		return "", nil, "redis-server did not start: " + err.Error()
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for range 100 {
		if conn, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			conn.Close()
			return "redis://" + addr + "/0", cmd, ""
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop(cmd)
	return "", nil, "redis-server did not answer on " + addr
}
