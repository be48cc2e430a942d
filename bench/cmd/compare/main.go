// Command compare measures limpet against its peers in one run on one
// machine, with rounds interleaved (A, B, C, A, B, C, ...) so that the
// machine's noise weighs on every client alike, and writes the results as
// a Markdown page and PNG charts. bench/run is its entry point: it installs
// what the run needs and starts it from the bench directory.
//
//	go run ./cmd/compare [-quick] [-out DIR] [-rounds N] [-time D] [-python PATH] [-load-note TEXT]
//
// What it measures:
//   - library throughput and allocations per request: keep-alive GETs with
//     a session cookie, sequential and from 8 goroutines, each client in a
//     process of its own (bench/cmd/client, bench/py/client.py) against
//     the server in another (bench/server);
//   - the cookie jar: lookup and storing a cookie against cookies per
//     domain, limpet's jar against net/http/cookiejar;
//   - session files: save and load against cookies; autosave under cookie
//     churn;
//   - a session kept in Redis against one kept in memory (when
//     redis-server is installed);
//   - the command line: one GET with a stored session, limpet against curl
//     and HTTPie (hyperfine), and their peak RSS (GNU time).
//
// Measurements are reported, never asserted: the command fails only when a
// client cannot do its job (a request fails, a tool is missing).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// config is the run's settings.
type config struct {
	quick    bool
	out      string
	rounds   int
	dur      time.Duration
	warm     time.Duration
	micro    time.Duration // target time of one in-process measurement
	python   string
	loadNote string
	repo     string // the repository root
	bin      string // where the binaries are built
}

func main() {
	var c config
	flag.BoolVar(&c.quick, "quick", false, "smoke test: 2 short rounds, fewer sizes; writes to a temporary directory unless -out is given")
	flag.StringVar(&c.out, "out", "", "directory for benchmarks.md and the PNG charts (default: ../docs, or a temporary directory with -quick)")
	flag.IntVar(&c.rounds, "rounds", 0, "rounds (default 5, 2 with -quick)")
	flag.DurationVar(&c.dur, "time", 0, "measured time of one throughput run (default 1s, 200ms with -quick)")
	flag.StringVar(&c.python, "python", "", "Python of a venv with requests and httpx (empty: the Python clients are left out)")
	flag.StringVar(&c.loadNote, "load-note", "", "a sentence on what else ran on the machine, for the page")
	flag.StringVar(&c.repo, "repo", "..", "the repository root")
	flag.Parse()
	if c.rounds == 0 {
		c.rounds = 5
		if c.quick {
			c.rounds = 2
		}
	}
	if c.dur == 0 {
		c.dur = time.Second
		if c.quick {
			c.dur = 200 * time.Millisecond
		}
	}
	c.warm, c.micro = 300*time.Millisecond, 150*time.Millisecond
	if c.quick {
		c.warm, c.micro = 100*time.Millisecond, 30*time.Millisecond
	}
	if c.out == "" {
		if c.quick {
			d, err := os.MkdirTemp("", "limpet-bench-quick-")
			if err != nil {
				fatal(err)
			}
			c.out = d
		} else {
			c.out = filepath.Join(c.repo, "docs")
		}
	}
	if err := run(&c); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "compare:", err)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// results holds everything the page and the charts show.
type results struct {
	machine    machine
	started    time.Time
	took       time.Duration
	groups     []*group
	jar        *jarResults
	persist    *persistResults
	cli        *cliResults
	fleet      *fleetResults
	redisNote  string
	pythonNote string
	loads      []string // load average at the start of each round
}

func run(c *config) error {
	start := time.Now()
	r := &results{started: start.UTC(), machine: describe(c)}
	logf("machine: %s, %d cores, %s, load %s", r.machine.cpu, r.machine.cores, r.machine.goVersion, r.machine.loadStart)
	bin, err := os.MkdirTemp("", "limpet-bench-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	c.bin = bin
	if err := build(c); err != nil {
		return err
	}
	srv, url, err := startServer(c)
	if err != nil {
		return err
	}
	defer stop(srv)
	logf("benchmark server %s (pid %d)", url, srv.Process.Pid)

	redisURL, redis, note := startRedis(c)
	r.redisNote = note
	if redis != nil {
		defer stop(redis)
	}
	if c.python == "" {
		r.pythonNote = "the Python clients were left out (no -python)"
	}
	r.groups = throughputGroups(c, redisURL != "")
	if err := runGroups(c, r, url, redisURL); err != nil {
		return err
	}
	logf("re-login, processes sharing a session")
	r.fleet = runFleet(c, url)
	logf("jar")
	r.jar = runJar(c)
	logf("session files")
	if r.persist, err = runPersist(c); err != nil {
		return err
	}
	logf("command line")
	if r.cli, err = runCLI(c, url); err != nil {
		return err
	}
	r.machine.loadEnd = loadAvg()
	r.took = time.Since(start)
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	if err := charts(c, r); err != nil {
		return err
	}
	page := report(c, r)
	p := filepath.Join(c.out, "benchmarks.md")
	if err := os.WriteFile(p, []byte(page), 0o644); err != nil {
		return err
	}
	logf("wrote %s and its charts in %s (%s)", p, c.out, r.took.Round(time.Second))
	return nil
}

// machine describes where the run happened.
type machine struct {
	cpu, goVersion, kernel string
	cores                  int
	loadStart, loadEnd     string
	tools                  map[string]string
}

func describe(c *config) machine {
	m := machine{cpu: "unknown", goVersion: runtime.Version(), cores: runtime.NumCPU(), loadStart: loadAvg(), tools: map[string]string{}}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(b))
	}
	version := func(name string, args ...string) {
		out, err := exec.Command(name, args...).CombinedOutput()
		if err == nil {
			line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
			if name == "http" {
				line = "HTTPie " + line
			}
			if name == "curl" {
				line, _, _ = strings.Cut(line, " (")
			}
			if name == "redis-server" {
				line, _, _ = strings.Cut(line, " sha=")
			}
			m.tools[name] = line
		}
	}
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Path}} {{.Version}}", "resty.dev/v3", "github.com/go-resty/resty/v2", "github.com/imroc/req/v3").Output(); err == nil {
		m.tools["go"] = strings.Join(strings.Split(strings.TrimSpace(string(out)), "\n"), ", ")
	}
	version("curl", "--version")
	version("http", "--version")
	version("hyperfine", "--version")
	version("redis-server", "--version")
	if c.python != "" {
		out, err := exec.Command(c.python, "-c", "import sys, requests, httpx; print('Python %d.%d.%d' % sys.version_info[:3], 'requests', requests.__version__, 'httpx', httpx.__version__)").Output()
		if err == nil {
			m.tools["python"] = strings.TrimSpace(string(out))
		}
	}
	return m
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// build compiles the client, the server and limpet's command line.
func build(c *config) error {
	logf("building")
	for _, b := range []struct{ dir, pkg, out string }{
		{".", "./cmd/client", "client"},
		{".", "./server", "server"},
		{c.repo, "./cmd/limpet", "limpet"},
	} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(c.bin, b.out), b.pkg)
		cmd.Dir, cmd.Stdout, cmd.Stderr = b.dir, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", b.pkg, err)
		}
	}
	return nil
}

// startServer starts the benchmark server in its own process and returns
// its base URL.
func startServer(c *config) (*exec.Cmd, string, error) {
	cmd := exec.Command(filepath.Join(c.bin, "server"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop(cmd)
		return nil, "", fmt.Errorf("benchmark server: %w", err)
	}
	return cmd, strings.TrimSpace(line), nil
}

func stop(cmd *exec.Cmd) {
	cmd.Process.Kill()
	cmd.Wait()
}

// group is one throughput comparison: clients measured interleaved against
// a baseline, round by round.
type group struct {
	name, title string
	path        string
	conc        int
	baseline    string
	clients     []string
	res         map[string]*runs
	noisy       []string
}

// runs holds a client's per-round figures (NaN where a run failed).
type runs struct {
	rps, allocs, bytes, cpu []float64
	failed                  string
}

var pythonClients = map[string]bool{"requests": true, "httpx": true}

// names shown on the page and the charts.
var display = map[string]string{
	"nethttp":         "net/http + cookiejar",
	"limpet":          "limpet",
	"limpet-token":    "limpet + token Authenticator",
	"resty-v3":        "resty v3",
	"resty-v2":        "resty v2",
	"req-v3":          "req v3",
	"requests":        "Python requests.Session",
	"httpx":           "Python httpx.Client",
	"limpet-nostore":  "limpet, no store",
	"limpet-autosave": "limpet, session file (autosave)",
	"limpet-redis":    "limpet, session in Redis",
	"limpet-relogin":  "limpet + token, every token refused once",
}

func throughputGroups(c *config, redis bool) []*group {
	all := []string{"nethttp", "limpet", "limpet-token", "resty-v3", "resty-v2", "req-v3"}
	if c.python != "" {
		all = append(all, "requests", "httpx")
	}
	gs := []*group{
		{name: "seq", title: "sequential", path: "/api/items", conc: 1, baseline: "nethttp", clients: all},
		{name: "c8", title: "8 goroutines", path: "/api/items", conc: 8, baseline: "nethttp", clients: all},
		{name: "relogin", title: "re-login, one process", path: "/api/items", conc: 1, baseline: "limpet-token", clients: []string{"limpet-token", "limpet-relogin"}},
		{name: "autosave", title: "autosave under cookie churn", path: "/api/rotate", conc: 1, baseline: "limpet-nostore", clients: []string{"limpet-nostore", "limpet-autosave"}},
	}
	if redis {
		gs = append(gs, &group{name: "redis", title: "Redis store, steady state", path: "/api/items", conc: 1, baseline: "limpet", clients: []string{"limpet", "limpet-redis"}})
	}
	for _, g := range gs {
		g.res = map[string]*runs{}
		for _, cl := range g.clients {
			g.res[cl] = &runs{}
		}
	}
	return gs
}

// runGroups runs every group's clients, interleaved, round after round.
func runGroups(c *config, r *results, url, redisURL string) error {
	for round := range c.rounds {
		r.loads = append(r.loads, loadAvg())
		logf("round %d/%d (load %s)", round+1, c.rounds, r.loads[round])
		for _, g := range r.groups {
			for _, cl := range rotate(g.clients, round) {
				res, err := runClient(c, cl, url, redisURL, g)
				rr := g.res[cl]
				if err != nil {
					logf("  %s %s: %v", g.name, cl, err)
					if rr.failed == "" {
						rr.failed = err.Error()
					}
					rr.rps, rr.allocs, rr.bytes = append(rr.rps, math.NaN()), append(rr.allocs, math.NaN()), append(rr.bytes, math.NaN())
					rr.cpu = append(rr.cpu, math.NaN())
					continue
				}
				rr.rps = append(rr.rps, res.RPS)
				rr.allocs = append(rr.allocs, res.AllocsPerReq)
				rr.bytes = append(rr.bytes, res.BytesPerReq)
				rr.cpu = append(rr.cpu, res.CPUPerReq)
			}
		}
	}
	for _, g := range r.groups {
		_, g.noisy = noisyRounds(g.res[g.baseline].rps)
	}
	return nil
}

// rotate returns xs starting at its (k mod len)-th element: each round
// starts with another client, so that none always runs first or after
// the same one.
func rotate[T any](xs []T, k int) []T {
	k %= len(xs)
	return append(append([]T(nil), xs[k:]...), xs[:k]...)
}

// clientResult is the JSON line a client process prints.
type clientResult struct {
	RPS          float64 `json:"rps"`
	AllocsPerReq float64 `json:"allocs_per_req"`
	BytesPerReq  float64 `json:"bytes_per_req"`
	CPUPerReq    float64 `json:"cpu_us_per_req"`
}

func runClient(c *config, name, url, redisURL string, g *group) (clientResult, error) {
	var cmd *exec.Cmd
	if pythonClients[name] {
		cmd = exec.Command(c.python, "py/client.py", name, url, fmt.Sprint(g.conc),
			fmt.Sprint(c.dur.Seconds()), fmt.Sprint(c.warm.Seconds()), g.path)
	} else {
		cmd = exec.Command(filepath.Join(c.bin, "client"), "-client", name, "-url", url, "-path", g.path,
			"-conc", fmt.Sprint(g.conc), "-time", c.dur.String(), "-warmup", c.warm.String())
		cmd.Env = append(os.Environ(), "LIMPET_BENCH_REDIS="+redisURL)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return clientResult{}, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var res clientResult
	if err := json.Unmarshal(out, &res); err != nil {
		return clientResult{}, fmt.Errorf("reading %q: %w", out, err)
	}
	if pythonClients[name] {
		res.AllocsPerReq, res.BytesPerReq = math.NaN(), math.NaN()
	}
	return res, nil
}
