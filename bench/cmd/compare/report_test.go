package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// synthetic returns results as a run without Python and Redis, with one
// client failing in every round, would leave them.
func synthetic(rounds int) *results {
	c := &config{rounds: rounds}
	r := &results{started: time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC), machine: machine{cpu: "test CPU", cores: 2, goVersion: "go1.x", tools: map[string]string{}},
		redisNote: "redis-server is not installed: the Redis comparison was skipped", pythonNote: "the Python clients were left out (no -python)"}
	r.groups = throughputGroups(c, false)
	for _, g := range r.groups {
		for k, cl := range g.clients {
			rr := g.res[cl]
			for i := range rounds {
				v := 1000 * float64(k+1+i)
				if cl == "req-v3" {
					rr.failed, v = "exit status 1: boom | bang", math.NaN()
				}
				rr.rps = append(rr.rps, v)
				rr.allocs = append(rr.allocs, 60+float64(k))
				rr.bytes = append(rr.bytes, 5000)
				rr.cpu = append(rr.cpu, 100)
			}
		}
		r.loads = append(r.loads, "1.00 1.00 1.00")
	}
	r.jar = &jarResults{sizes: []int{10, 100}, ops: []string{"lookup", "set", "new"}, res: map[string]map[int]*pair{}}
	for _, op := range r.jar.ops {
		r.jar.res[op] = map[int]*pair{}
		for _, n := range r.jar.sizes {
			p := &pair{}
			for range rounds {
				p.limpet, p.peer = append(p.limpet, float64(n)), append(p.peer, float64(10*n))
			}
			r.jar.res[op][n] = p
		}
	}
	r.persist = &persistResults{sizes: []int{100, 1000}, ops: []string{"save", "load"}, res: map[string]map[int]*pair{}}
	for _, op := range r.persist.ops {
		r.persist.res[op] = map[int]*pair{}
		for _, n := range r.persist.sizes {
			r.persist.res[op][n] = &pair{limpet: []float64{1e6, 2e6}, peer: []float64{2e6, 2e6}}
		}
	}
	r.cli = &cliResults{skipped: "hyperfine is not installed: the command-line comparison was skipped (bench/run installs it)"}
	return r
}

func TestReportAndChartsWithMissingPeers(t *testing.T) {
	r := synthetic(3)
	c := &config{rounds: 3, out: t.TempDir(), dur: time.Second, warm: time.Second, micro: time.Second}
	page := report(c, r)
	for _, want := range []string{
		"| goal |",
		"req v3 (failed: exit status 1: boom / bang)",
		"Not measured: redis-server is not installed",
		"the Python clients were left out",
		"Not measured: not run.",
		"Not measured: hyperfine is not installed",
		"| 100 | 100 ns | 1.0 µs | 0.10× | 0.10–0.10× |",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q:\n%s", want, page)
		}
	}
	if err := charts(c, r); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"benchmarks-throughput.png", "benchmarks-jar-lookup.png", "benchmarks-jar-set.png", "benchmarks-persist.png"} {
		b, err := os.ReadFile(filepath.Join(c.out, f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "\x89PNG") {
			t.Errorf("%s is not a PNG", f)
		}
	}
	if _, err := os.Stat(filepath.Join(c.out, "benchmarks-cli.png")); err == nil {
		t.Errorf("a CLI chart was drawn for a skipped comparison")
	}
}
