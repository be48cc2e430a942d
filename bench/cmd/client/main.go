// Command client runs one throughput measurement of one Go HTTP client
// against the benchmark server (bench/server), in a process of its own: it
// logs in (the server sets a session cookie), warms up, then sends
// keep-alive GETs to /api/items for a fixed time from 1 or more
// goroutines, and prints one JSON line: requests per second and the
// allocations and bytes the client allocated per request (the server runs
// in another process, so they are the client's alone).
//
//	client -client limpet -url http://127.0.0.1:PORT -conc 8 -time 1s
//
// Every response must be a 200: a client that does not send the session
// cookie back gets a 401 and the run fails.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	restyv2 "github.com/go-resty/resty/v2"
	reqv3 "github.com/imroc/req/v3"
	"golang.org/x/net/publicsuffix"
	restyv3 "resty.dev/v3"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/store/redisstore"
	"github.com/limpet-http/limpet/token"
)

// Result is what one run prints.
type Result struct {
	Client       string  `json:"client"`
	Conc         int     `json:"conc"`
	Requests     int64   `json:"requests"`
	Seconds      float64 `json:"seconds"`
	RPS          float64 `json:"rps"`
	AllocsPerReq float64 `json:"allocs_per_req"`
	BytesPerReq  float64 `json:"bytes_per_req"`
	// CPUPerReq is the process's CPU time (user and system) per request,
	// in microseconds: less sensitive than RPS to what else the machine
	// runs.
	CPUPerReq float64 `json:"cpu_us_per_req"`
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// doer sends one request and reports an error for anything but a 200.
type doer func(ctx context.Context) error

// setup makes the named client; it returns the function sending one
// request to path and a function releasing the client.
type setup func(base, path string, conc int, tmp string) (doer, func(), error)

func status(code int) error {
	if code != http.StatusOK {
		return fmt.Errorf("status %d", code)
	}
	return nil
}

func limpetClient(o limpet.Options, login bool) setup {
	return func(base, path string, conc int, tmp string) (doer, func(), error) {
		o.BaseURL = base
		s, err := limpet.New(o)
		if err != nil {
			return nil, nil, err
		}
		if login {
			if err := get(s, "/login", http.StatusNoContent); err != nil {
				return nil, nil, err
			}
		}
		u := base + path // absolute, as net/http's is
		return func(ctx context.Context) error {
			resp, err := s.Get(ctx, u)
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return status(resp.StatusCode)
		}, func() { s.Close() }, nil
	}
}

func get(s *limpet.Session, path string, want int) error {
	resp, err := s.Get(context.Background(), path)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("%s: status %d", path, resp.StatusCode)
	}
	return nil
}

func tokenClient(base, path string, conc int, tmp string) (doer, func(), error) {
	return limpetClient(limpet.Options{Authenticator: token.JWTLogin("/api/token", "alice", "secret", token.JWTOptions{})}, false)(base, path, conc, tmp)
}

var clients = map[string]setup{
	// limpet with its defaults (RFC 6265bis jar, default headers, retries,
	// redirect policy, 30 s timeout).
	"limpet": limpetClient(limpet.Options{}, true),
	// limpet with a token Authenticator: the first request's 401 makes it
	// log in at /api/token (a bearer token and the session cookie), and
	// every request then carries the bearer token.
	"limpet-token": tokenClient,
	// limpet with a token Authenticator against /api/once, where a token
	// is good for one answer: every request is refused (401), the
	// Authenticator logs in again, and the Session replays the request.
	"limpet-relogin": func(base, path string, conc int, tmp string) (doer, func(), error) {
		return tokenClient(base, "/api/once", conc, tmp)
	},
	// A session kept in a session file, saved as cookies change.
	"limpet-autosave": func(base, path string, conc int, tmp string) (doer, func(), error) {
		f := filestore.Open(filepath.Join(tmp, "s.json"), filestore.Options{})
		return limpetClient(limpet.Options{Store: f, JarOptions: jar.Options{MaxCookiesPerDomain: jar.NoLimit}}, true)(base, path, conc, tmp)
	},
	"limpet-nostore": limpetClient(limpet.Options{JarOptions: jar.Options{MaxCookiesPerDomain: jar.NoLimit}}, true),
	// A session kept in Redis (LIMPET_BENCH_REDIS is its URL).
	"limpet-redis": func(base, path string, conc int, tmp string) (doer, func(), error) {
		rs, err := redisstore.Open(os.Getenv("LIMPET_BENCH_REDIS"), fmt.Sprintf("bench-%d", os.Getpid()), redisstore.Options{})
		if err != nil {
			return nil, nil, err
		}
		d, done, err := limpetClient(limpet.Options{Store: rs}, true)(base, path, conc, tmp)
		if err != nil {
			rs.Close()
			return nil, nil, err
		}
		return d, func() { done(); rs.Close() }, nil
	},
	// net/http with the standard library's jar, a connection pool sized
	// like limpet's (16 idle connections per host) and limpet's default
	// 30 s timeout: what a careful user writes by hand.
	"nethttp": func(base, path string, conc int, tmp string) (doer, func(), error) {
		j, err := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
		if err != nil {
			return nil, nil, err
		}
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 16
		c := &http.Client{Jar: j, Timeout: 30 * time.Second, Transport: t}
		send := func(ctx context.Context, u string) (int, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return 0, err
			}
			resp, err := c.Do(req)
			if err != nil {
				return 0, err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode, nil
		}
		if code, err := send(context.Background(), base+"/login"); err != nil || code != http.StatusNoContent {
			return nil, nil, fmt.Errorf("login: %d %v", code, err)
		}
		u := base + path
		return func(ctx context.Context) error {
			code, err := send(ctx, u)
			if err != nil {
				return err
			}
			return status(code)
		}, c.CloseIdleConnections, nil
	},
	// resty v3 with its defaults (its own cookie jar and transport); the
	// body read with Response.Bytes.
	"resty-v3": func(base, path string, conc int, tmp string) (doer, func(), error) {
		c := restyv3.New().SetBaseURL(base)
		if r, err := c.R().Get("/login"); err != nil || r.StatusCode() != http.StatusNoContent {
			return nil, nil, fmt.Errorf("login: %v", err)
		}
		return func(ctx context.Context) error {
			r, err := c.R().SetContext(ctx).Get(path)
			if err != nil {
				return err
			}
			// resty v3 leaves a JSON answer unread when no Result is
			// set, and its connection is then not reused: read it, as
			// a caller wanting the body does.
			_ = r.Bytes()
			return status(r.StatusCode())
		}, func() { c.Close() }, nil
	},
	// resty v2 with its defaults.
	"resty-v2": func(base, path string, conc int, tmp string) (doer, func(), error) {
		c := restyv2.New().SetBaseURL(base)
		if r, err := c.R().Get("/login"); err != nil || r.StatusCode() != http.StatusNoContent {
			return nil, nil, fmt.Errorf("login: %v", err)
		}
		return func(ctx context.Context) error {
			r, err := c.R().SetContext(ctx).Get(path)
			if err != nil {
				return err
			}
			return status(r.StatusCode())
		}, func() {}, nil
	},
	// req v3 with its defaults (a cookie jar, 2 idle connections per host).
	"req-v3": func(base, path string, conc int, tmp string) (doer, func(), error) {
		c := reqv3.C().SetBaseURL(base)
		if r, err := c.R().Get("/login"); err != nil || r.StatusCode != http.StatusNoContent {
			return nil, nil, fmt.Errorf("login: %v", err)
		}
		return func(ctx context.Context) error {
			r, err := c.R().SetContext(ctx).Get(path)
			if err != nil {
				return err
			}
			return status(r.StatusCode)
		}, func() {}, nil
	},
}

// fleetMember is one of many processes sharing the session file path: it
// logs in (or adopts the session another process saved), says "ready" on
// standard output, waits for a line on standard input (sent once the
// server has forgotten the session), sends one GET, which meets the
// expired session, recovers and is replayed, and prints the time that GET
// took in nanoseconds.
func fleetMember(base, path string) error {
	s, err := limpet.New(limpet.Options{
		BaseURL:       base,
		Store:         filestore.Open(path, filestore.Options{}),
		Authenticator: token.JWTLogin("/fleet/token", "alice", "secret", token.JWTOptions{}),
	})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := get(s, "/fleet/items", http.StatusOK); err != nil {
		return fmt.Errorf("first request: %w", err)
	}
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return err
	}
	start := time.Now()
	if err := get(s, "/fleet/items", http.StatusOK); err != nil {
		return fmt.Errorf("after the expiry: %w", err)
	}
	fmt.Println(time.Since(start).Nanoseconds())
	return nil
}

func main() {
	name := flag.String("client", "limpet", "client to measure")
	fleet := flag.String("fleet", "", "run as one of many processes sharing the session file at this path (see fleetMember)")
	base := flag.String("url", "", "base URL of the benchmark server")
	path := flag.String("path", "/api/items", "path to GET")
	conc := flag.Int("conc", 1, "goroutines sending requests")
	dur := flag.Duration("time", time.Second, "measured time")
	warm := flag.Duration("warmup", 300*time.Millisecond, "time sending requests before measuring")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the measured time to this file")
	flag.Parse()
	if *prof != "" {
		profile = *prof
	}
	if *fleet != "" {
		if err := fleetMember(*base, *fleet); err != nil {
			fmt.Fprintf(os.Stderr, "client -fleet: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*name, *base, *path, *conc, *dur, *warm); err != nil {
		fmt.Fprintf(os.Stderr, "client %s: %v\n", *name, err)
		os.Exit(1)
	}
}

// profile is where run writes a CPU profile; empty for none.
var profile string

func run(name, base, path string, conc int, dur, warm time.Duration) error {
	mk, ok := clients[name]
	if !ok {
		return fmt.Errorf("unknown client")
	}
	tmp, err := os.MkdirTemp("", "limpet-bench-client-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	do, done, err := mk(base, path, conc, tmp)
	if err != nil {
		return err
	}
	defer done()

	ctx := context.Background()
	// loop sends requests from conc goroutines until d has passed and
	// returns how many were sent.
	loop := func(d time.Duration) (int64, error) {
		var n atomic.Int64
		var first error
		var once sync.Once
		var wg sync.WaitGroup
		deadline := time.Now().Add(d)
		for range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					if err := do(ctx); err != nil {
						once.Do(func() { first = err })
						return
					}
					n.Add(1)
				}
			}()
		}
		wg.Wait()
		return n.Load(), first
	}
	if _, err := loop(warm); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	runtime.GC()
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0, start := cpuTime(), time.Now()
	n, err := loop(dur)
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	runtime.ReadMemStats(&after)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("no request completed")
	}
	return json.NewEncoder(os.Stdout).Encode(Result{
		Client:       name,
		Conc:         conc,
		Requests:     n,
		Seconds:      elapsed.Seconds(),
		RPS:          float64(n) / elapsed.Seconds(),
		AllocsPerReq: float64(after.Mallocs-before.Mallocs) / float64(n),
		BytesPerReq:  float64(after.TotalAlloc-before.TotalAlloc) / float64(n),
		CPUPerReq:    float64(cpu.Microseconds()) / float64(n),
	})
}
