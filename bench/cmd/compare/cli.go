package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// cliResults are the command-line measurements: per-round median times
// (ns) and the median peak RSS (KiB) of each tool.
type cliResults struct {
	tools      []string
	times      map[string][]float64
	rss        map[string]float64
	runs       int // per round, limpet and curl
	httpieRuns int
	noisy      []string
	skipped    string
}

var cliTitle = map[string]string{
	"limpet": "limpet --session",
	"curl":   "curl -b jar -c jar",
	"httpie": "HTTPie --session",
}

// runCLI times one GET with a stored session: limpet, curl and HTTPie, in
// hyperfine runs of a few executions each, interleaved round by round;
// then the peak RSS of each under GNU time.
func runCLI(c *config, url string) (*cliResults, error) {
	r := &cliResults{tools: []string{"limpet", "curl", "httpie"}, times: map[string][]float64{}, rss: map[string]float64{}, runs: 20, httpieRuns: 5}
	if c.quick {
		r.runs, r.httpieRuns = 3, 2
	}
	for _, t := range []string{"hyperfine", "curl", "http"} {
		if _, err := exec.LookPath(t); err != nil {
			r.skipped = t + " is not installed: the command-line comparison was skipped (bench/run installs it)"
			return r, nil
		}
	}
	work, err := os.MkdirTemp("", "limpet-bench-cli-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	env := append(os.Environ(), "LIMPET_CONFIG_DIR="+filepath.Join(work, "limpet-config"), "HTTPIE_CONFIG_DIR="+filepath.Join(work, "httpie-config"))
	limpet := filepath.Join(c.bin, "limpet")
	jarFile := filepath.Join(work, "jar.txt")
	cmds := map[string]string{
		"limpet": limpet + " --session=bench " + url + "/api/me",
		"curl":   "curl -s -b " + jarFile + " -c " + jarFile + " " + url + "/api/me",
		"httpie": "http --ignore-stdin --session=bench " + url + "/api/me",
	}
	// Log in once with each tool, so that every timed run reuses a stored
	// session, and check that it does.
	logins := []string{
		limpet + " --session=bench " + url + "/login",
		"curl -s -b " + jarFile + " -c " + jarFile + " " + url + "/login",
		"http --ignore-stdin --session=bench " + url + "/login",
	}
	sh := func(line string) (string, error) {
		cmd := exec.Command("sh", "-c", line)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, l := range logins {
		if out, err := sh(l); err != nil {
			return nil, fmt.Errorf("%s: %w: %s", l, err, out)
		}
	}
	for _, t := range r.tools {
		if out, err := sh(cmds[t]); err != nil || !strings.Contains(out, "alice") {
			return nil, fmt.Errorf("%s did not reuse its session: %v: %s", t, err, out)
		}
	}
	for round := range c.rounds {
		logf("  hyperfine round %d/%d", round+1, c.rounds)
		// HTTPie takes 30 times as long as the others: fewer runs of it.
		for _, set := range []struct {
			tools []string
			runs  int
		}{{[]string{"limpet", "curl"}, r.runs}, {[]string{"httpie"}, r.httpieRuns}} {
			h := filepath.Join(work, "h.json")
			args := []string{"-N", "--warmup", "3", "--runs", strconv.Itoa(set.runs), "--export-json", h, "--style", "none"}
			for _, t := range rotate(set.tools, round) {
				args = append(args, "-n", t, cmds[t])
			}
			cmd := exec.Command("hyperfine", args...)
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("hyperfine: %w: %s", err, out)
			}
			raw, err := os.ReadFile(h)
			if err != nil {
				return nil, err
			}
			var hr struct {
				Results []struct {
					Command string  `json:"command"`
					Median  float64 `json:"median"`
				} `json:"results"`
			}
			if err := json.Unmarshal(raw, &hr); err != nil {
				return nil, fmt.Errorf("hyperfine's JSON: %w", err)
			}
			for _, x := range hr.Results {
				r.times[x.Command] = append(r.times[x.Command], x.Median*1e9)
			}
		}
	}
	_, r.noisy = noisyRounds(r.times["curl"])
	// Peak RSS: GNU time's %M (KiB), the median of 5 runs.
	gtime := "/usr/bin/time"
	if _, err := os.Stat(gtime); err != nil {
		return r, nil
	}
	for _, t := range r.tools {
		var kb []float64
		for range 5 {
			o := filepath.Join(work, "rss")
			cmd := exec.Command(gtime, append([]string{"-f", "%M", "-o", o}, strings.Fields(cmds[t])...)...)
			cmd.Env = env
			if out, err := cmd.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("%s %s: %w: %s", gtime, t, err, out)
			}
			b, err := os.ReadFile(o)
			if err != nil {
				return nil, err
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
			if err != nil {
				return nil, fmt.Errorf("GNU time's output %q: %w", b, err)
			}
			kb = append(kb, v)
		}
		r.rss[t] = median(kb)
	}
	return r, nil
}
