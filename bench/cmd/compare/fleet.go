package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// fleetResults are the re-login measurements of processes sharing one
// session file, by number of processes: per round, the time from the
// expiry to the last replayed answer (ns), the median process's time, and
// the logins the server saw.
type fleetResults struct {
	sizes     []int
	last, med map[int][]float64
	logins    map[int][]float64
	failed    string
}

// runFleet starts n client processes sharing one session file, waits until
// each has its answer, makes the server forget the session, lets them all
// send one request at once and times them; for n in 1 and 16, round after
// round.
func runFleet(c *config, url string) *fleetResults {
	r := &fleetResults{sizes: []int{1, 16}, last: map[int][]float64{}, med: map[int][]float64{}, logins: map[int][]float64{}}
	for round := range c.rounds {
		for _, n := range rotate(r.sizes, round) {
			last, med, logins, err := fleetRound(c, url, n)
			if err != nil {
				logf("  fleet of %d: %v", n, err)
				r.failed = err.Error()
				return r
			}
			r.last[n] = append(r.last[n], last)
			r.med[n] = append(r.med[n], med)
			r.logins[n] = append(r.logins[n], logins)
		}
	}
	return r
}

func fleetRound(c *config, url string, n int) (last, med, logins float64, err error) {
	dir, err := os.MkdirTemp("", "limpet-bench-fleet-")
	if err != nil {
		return 0, 0, 0, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "s.json")
	type member struct {
		cmd   *exec.Cmd
		in    io.WriteCloser
		out   *bufio.Reader
		errBu *strings.Builder
	}
	ms := make([]member, n)
	defer func() {
		for _, m := range ms {
			if m.cmd != nil && m.cmd.ProcessState == nil {
				m.cmd.Process.Kill()
				m.cmd.Wait()
			}
		}
	}()
	for i := range ms {
		cmd := exec.Command(filepath.Join(c.bin, "client"), "-url", url, "-fleet", path)
		in, err := cmd.StdinPipe()
		if err != nil {
			return 0, 0, 0, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return 0, 0, 0, err
		}
		var eb strings.Builder
		cmd.Stderr = &eb
		if err := cmd.Start(); err != nil {
			return 0, 0, 0, err
		}
		ms[i] = member{cmd, in, bufio.NewReader(out), &eb}
	}
	for _, m := range ms {
		if line, err := m.out.ReadString('\n'); err != nil || strings.TrimSpace(line) != "ready" {
			m.cmd.Wait()
			return 0, 0, 0, fmt.Errorf("a process did not get ready: %q %v: %s", line, err, m.errBu)
		}
	}
	before, err := count(url + "/fleet/logins")
	if err != nil {
		return 0, 0, 0, err
	}
	resp, err := http.Post(url+"/fleet/expire", "text/plain", nil)
	if err != nil {
		return 0, 0, 0, err
	}
	resp.Body.Close()
	start := time.Now()
	for _, m := range ms {
		io.WriteString(m.in, "go\n")
	}
	var times []float64
	for _, m := range ms {
		line, err := m.out.ReadString('\n')
		if err != nil {
			m.cmd.Wait()
			return 0, 0, 0, fmt.Errorf("a process failed: %v: %s", err, m.errBu)
		}
		last = float64(time.Since(start).Nanoseconds())
		v, err := strconv.ParseFloat(strings.TrimSpace(line), 64)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("a process printed %q", line)
		}
		times = append(times, v)
		if err := m.cmd.Wait(); err != nil {
			return 0, 0, 0, fmt.Errorf("a process failed: %v: %s", err, m.errBu)
		}
	}
	after, err := count(url + "/fleet/logins")
	if err != nil {
		return 0, 0, 0, err
	}
	return last, median(times), after - before, nil
}

func count(u string) (float64, error) {
	resp, err := http.Get(u)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
}
