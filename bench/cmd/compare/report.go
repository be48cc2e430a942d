package main

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

func (r *results) group(name string) *group {
	for _, g := range r.groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

// ratioOf returns the per-round ratios a/b of two clients' throughput in
// group g (nil when either is missing).
func ratioOf(g *group, a, b string) []float64 {
	if g == nil || g.res[a] == nil || g.res[b] == nil {
		return nil
	}
	return ratios(g.res[a].rps, g.res[b].rps)
}

// goal is one line of the goals table.
type goal struct {
	what, measured string
	met            bool
	known          bool
}

func goals(r *results) []goal {
	var gs []goal
	add := func(what, measured string, met, known bool) {
		gs = append(gs, goal{what, measured, met, known})
	}
	ratio := func(rs []float64) float64 { return median(finite(rs)) }
	for _, name := range []string{"seq", "c8"} {
		g := r.group(name)
		x := ratio(ratioOf(g, "limpet", "nethttp"))
		om := median(finite(g.res["limpet"].rps)) / median(finite(g.res["nethttp"].rps))
		add(fmt.Sprintf("throughput ≥ 1.0× raw net/http (%s)", g.title),
			fmt.Sprintf("%s× (rounds %s; ratio of the medians %s×)", num(x), spread(ratioOf(g, "limpet", "nethttp")), num(om)), x >= 1.0, !math.IsNaN(x))
		if g.res["limpet"] != nil && g.res["nethttp"] != nil {
			cr := ratios(g.res["limpet"].cpu, g.res["nethttp"].cpu)
			y := ratio(cr)
			add(fmt.Sprintf("for information: CPU time per request ≤ raw net/http's (%s; less sensitive to the load)", g.title),
				fmt.Sprintf("%s× (rounds %s)", num(y), spread(cr)), y <= 1.0, !math.IsNaN(y))
		}
		worst, worstName := math.Inf(1), ""
		for _, p := range []string{"resty-v3", "resty-v2", "req-v3"} {
			if y := ratio(ratioOf(g, "limpet", p)); y < worst {
				worst, worstName = y, p
			}
		}
		add(fmt.Sprintf("throughput ≥ every other Go client (%s)", g.title), fmt.Sprintf("%s× %s, the closest", num(worst), display[worstName]), worst >= 1.0, !math.IsInf(worst, 1))
		if name == "seq" {
			la, na := median(finite(g.res["limpet"].allocs)), median(finite(g.res["nethttp"].allocs))
			add("allocations per request ≤ raw net/http (to within 0.5)", fmt.Sprintf("%.1f vs %.1f", la, na), la <= na+0.5, !math.IsNaN(la))
			if g.res["requests"] != nil {
				y := ratio(ratioOf(g, "limpet", "requests"))
				add("throughput ≥ 4× Python requests.Session (sequential)", fmt.Sprintf("%s×", num(y)), y >= 4, !math.IsNaN(y))
			}
		}
	}
	if c := r.cli; c != nil && c.skipped == "" {
		x := ratio(ratios(c.times["limpet"], c.times["curl"]))
		add("CLI time ≤ 0.6× curl", fmt.Sprintf("%s× (rounds %s)", num(x), spread(ratios(c.times["limpet"], c.times["curl"]))), x <= 0.6, !math.IsNaN(x))
		y := ratio(ratios(c.times["limpet"], c.times["httpie"]))
		add("CLI time ≤ 0.05× HTTPie", fmt.Sprintf("%s× (rounds %s)", num(y), spread(ratios(c.times["limpet"], c.times["httpie"]))), y <= 0.05, !math.IsNaN(y))
	}
	if g := r.group("redis"); g != nil {
		x := ratio(ratioOf(g, "limpet-redis", "limpet"))
		add("Redis-backed steady state ≥ 0.95× in-memory", fmt.Sprintf("%s× (rounds %s)", num(x), spread(ratioOf(g, "limpet-redis", "limpet"))), x >= 0.95, !math.IsNaN(x))
	}
	if j := r.jar; j != nil {
		n := 1000
		if p := j.res["lookup"][n]; p != nil {
			x := ratio(ratios(p.limpet, p.peer))
			add("jar lookup ≤ 0.25× the stdlib jar at 1,000 cookies per domain", fmt.Sprintf("%s×", num(x)), x <= 0.25, true)
		}
		lo, hi := j.sizes[0], j.sizes[len(j.sizes)-1]
		for _, op := range []string{"set", "new"} {
			a, b := j.res[op][lo], j.res[op][hi]
			growth := median(b.limpet) / median(a.limpet)
			peerGrowth := median(b.peer) / median(a.peer)
			x := ratio(ratios(b.limpet, b.peer))
			what := fmt.Sprintf("%s flat from %d to %d cookies per domain", jarOpTitle[op], lo, hi)
			if op == "new" {
				what += " (for information: the goal is about replacing a cookie)"
			}
			add(what,
				fmt.Sprintf("limpet %s× its time at %d (stdlib %s×); %s× the stdlib jar at %d", num(growth), lo, num(peerGrowth), num(x), hi),
				growth <= math.Max(1.5, 1.25*peerGrowth) && x <= 1, true)
		}
	}
	return gs
}

func report(c *config, r *results) string {
	var sb strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&sb, format, args...) }
	w("# Benchmarks: limpet against its peers\n\n")
	w("Written by `bench/run` (`bench/cmd/compare`) on %s; do not edit by hand, run it again. ", r.started.Format("2006-01-02 15:04 MST"))
	w("Every ratio compares two clients **in the same run**, round by round: the rounds are interleaved (A, B, C, A, B, C, ...; ")
	w("each round starts with the next client, B, C, A, so that none always runs first), ")
	w("so noise from the rest of the machine weighs on every client alike. The tables give the median of %d rounds and the ", c.rounds)
	w("range of the per-round ratio. Nothing here is a test assertion.\n\n")
	if c.quick {
		w("**Quick mode (`--quick`): a smoke test with short rounds; these figures are not the ones to quote.**\n\n")
	}

	w("## Machine\n\n")
	m := r.machine
	w("- %d cores, %s; %s; %s\n", m.cores, m.cpu, m.kernel, m.goVersion)
	w("- load average (1, 5, 15 min): %s at the start, %s at the end; at the start of each round: %s\n", m.loadStart, m.loadEnd, strings.Join(r.loads, "; "))
	if c.loadNote != "" {
		w("- %s\n", c.loadNote)
	}
	var tools []string
	for _, k := range []string{"go", "python", "curl", "http", "hyperfine", "redis-server"} {
		if v := m.tools[k]; v != "" {
			tools = append(tools, "`"+v+"`")
		}
	}
	w("- peers: %s\n", strings.Join(tools, ", "))
	w("- the run took %s\n\n", r.took.Round(time.Second))

	w("## Goals\n\n")
	var rows [][]string
	for _, g := range goals(r) {
		st := "not met"
		switch {
		case !g.known:
			st = "not measured"
		case g.met:
			st = "met"
		}
		rows = append(rows, []string{g.what, g.measured, st})
	}
	table(&sb, []string{"goal", "measured (median of the per-round ratios)", ""}, "lll", rows)
	w("\n")

	w("## Library throughput\n\n")
	w("![Requests per second by client](benchmarks-throughput.png)\n\n")
	w("Keep-alive GETs of a small JSON answer with a session cookie, on one loopback server (`bench/server`, a process of its own). ")
	w("Each client runs in a process of its own (`bench/cmd/client`, `bench/py/client.py`): it logs in (the server sets the cookie), ")
	w("sends requests for %s to warm up, then for %s; every answer must be a 200, which it is only when the cookie came back. ", c.warm, c.dur)
	w("Allocations are counted in the client's process (`runtime.MemStats`), so they are the client's alone; so is the CPU time ")
	w("per request (user and system time of the client's process, from `getrusage`), which depends less than requests per second on ")
	w("what else the machine runs.\n\n")
	w("- `net/http + cookiejar`: `http.Client` with `net/http/cookiejar` (and the public suffix list), 16 idle connections per host and a 30 s timeout, as limpet's defaults are.\n")
	w("- `limpet`: a `Session` with its defaults (RFC 6265bis jar, default headers, retries, redirect policy, 30 s timeout). ")
	w("`limpet + token Authenticator`: `token.JWTLogin`; the first request's 401 logs it in, and every request carries the bearer token.\n")
	w("- resty v3, resty v2, req v3: their defaults (their own cookie jars and transports; req v3 keeps 2 idle connections per host). ")
	w("resty v3's body is read with `Response.Bytes` (it leaves a JSON answer unread without a `Result`, and the connection is then not reused); ")
	w("resty v2 and req v3 read it themselves; limpet and net/http copy it to `io.Discard`.\n")
	w("- Python: one `requests.Session` (pool of 16) or `httpx.Client` (16 keep-alive connections), shared by the threads; allocations are not counted.\n")
	if r.pythonNote != "" {
		w("- %s\n", r.pythonNote)
	}
	w("\n")
	for _, name := range []string{"seq", "c8"} {
		throughputTable(&sb, r.group(name))
	}

	if j := r.jar; j != nil {
		w("## Cookie jar\n\n")
		w("![Jar lookup time by cookies per domain](benchmarks-jar-lookup.png)\n![Storing a cookie by cookies per domain](benchmarks-jar-set.png)\n\n")
		w("limpet's jar (`jar.New` with no limits) against `net/http/cookiejar` with the public suffix list, in this process, ")
		w("the two alternating round by round. The domain holds N cookies: a fifth each with `Domain=example.com`, and host-only on `/`, ")
		w("`/app`, `/app/page` and `/other`; the lookup is for `https://www.example.com/app/page` (80%% of the cookies match). ")
		w("`SetCookies` replaces one of the N cookies (a different one each call), or stores a new cookie and deletes it again. ")
		w("Times are CPU time of this process (the garbage collector's included; time other processes of the machine take is not), ")
		w("and a round's figure is the fastest of %d batches of about %s.\n\n", batches, c.micro/batches)
		for _, op := range j.ops {
			w("### %s\n\n", jarOpTitle[op])
			pairTable(&sb, "cookies per domain", j.sizes, j.res[op], "stdlib jar")
		}
	}
	if p := r.persist; p != nil {
		w("## Session files\n\n")
		w("![Session file save and load time by cookies](benchmarks-persist.png)\n\n")
		w("`filestore`: a save takes the file lock, reads and merges the file, writes it atomically and fsyncs the file and its folder; ")
		w("a load reads and decodes it with a fresh `File`. The peer, for scale, is the naive way: `json.MarshalIndent` and `os.WriteFile` ")
		w("(no lock, no merge, no fsync, not atomic), `os.ReadFile` and `json.Unmarshal` into `[]jar.Cookie`. Sessions from `store/storetest` ")
		w("(realistic attributes, ten domains). A round's figure is the fastest of %d batches of at least one call.\n\n", batches)
		for _, op := range p.ops {
			w("### %s\n\n", persistOpTitle[op])
			pairTable(&sb, "cookies", p.sizes, p.res[op], "naive encoding/json")
		}
	}
	if g := r.group("autosave"); g != nil {
		w("## Autosave under cookie churn\n\n")
		w("The server sets one of 50 rotating cookies on every answer; `limpet, session file` keeps the session in a `filestore` file ")
		w("(saved as cookies change, off the request path), `limpet, no store` keeps nothing.\n\n")
		throughputTable(&sb, g)
	}
	w("## Redis store\n\n")
	if g := r.group("redis"); g != nil {
		w("A `Session` whose `Store` is `redisstore.Open` on a redis-server of this run's own (loopback, nothing kept on disk), ")
		w("against a `Session` with no store, in steady state: the session cookie does not change, so nothing is saved.\n\n")
		throughputTable(&sb, g)
	} else {
		w("Not measured: %s.\n\n", r.redisNote)
	}
	w("## Re-login\n\n")
	if g := r.group("relogin"); g != nil {
		plain, expired := median(finite(g.res["limpet-token"].rps)), median(finite(g.res["limpet-relogin"].rps))
		w("### One process\n\n")
		w("A `Session` with `token.JWTLogin` against `/api/once`, where the server takes each token for one answer only: every request ")
		w("is refused (401 `invalid_token`, as for an expired session), the Authenticator logs in again (a POST to the token endpoint) ")
		w("and the Session replays the request. From the expired session to the replayed answer: **%s** per request, against %s for ", dur(1e9/expired), dur(1e9/plain))
		w("a request whose token is good (three exchanges instead of one).\n\n")
		throughputTable(&sb, g)
	}
	w("### Processes sharing a session file\n\n")
	if f := r.fleet; f == nil || f.failed != "" || len(f.last[1]) == 0 {
		why := "not run"
		if f != nil && f.failed != "" {
			why = "it failed: " + f.failed
		}
		w("Not measured: %s.\n\n", why)
	} else {
		w("N processes (`bench/cmd/client -fleet`) share one session file and a `token.JWTLogin` Authenticator, each logged in (or having ")
		w("adopted the others' login). The server then forgets every token, and all N send one request at once: the first to see the 401 ")
		w("takes the session's recovery lock and logs in, the others wait for it, adopt the new login from the file and replay. ")
		w("Times from the expiry to the answers; logins as the server counted them; median of %d rounds.\n\n", len(f.last[1]))
		var rows [][]string
		for _, n := range f.sizes {
			rows = append(rows, []string{fmt.Sprint(n), dur(median(f.med[n])), dur(median(f.last[n])),
				num(median(ratios(f.last[n], f.last[1]))) + "×", spread(ratios(f.last[n], f.last[1])), fmt.Sprintf("%.0f", median(f.logins[n]))})
		}
		table(&sb, []string{"processes", "median process", "last answer", "last answer vs 1 process", "per-round", "logins"}, "rrrrrr", rows)
		w("\n")
	}

	if cl := r.cli; cl != nil {
		w("## Command line\n\n")
		if cl.skipped != "" {
			w("Not measured: %s.\n\n", cl.skipped)
		} else {
			w("![One GET with a stored session](benchmarks-cli.png)\n\n")
			w("One GET with a stored session (the cookie jar read and written), `hyperfine -N`, %d rounds of %d runs of limpet and curl ", c.rounds, cl.runs)
			w("and %d of HTTPie, each after 3 warm-up runs; the time is the median of each round's medians. Each tool reads and writes its own stored session: ", cl.httpieRuns)
			w("limpet its session file under a file lock, curl `-b jar -c jar`, HTTPie `--session`. Peak RSS: GNU time's maximum resident set size, median of 5 runs.\n\n")
			var rows [][]string
			for _, t := range cl.tools {
				rc := ratios(cl.times[t], cl.times["curl"])
				rh := ratios(cl.times[t], cl.times["httpie"])
				rss := "–"
				if v, ok := cl.rss[t]; ok {
					rss = fmt.Sprintf("%.1f MiB", v/1024)
				}
				rows = append(rows, []string{cliTitle[t], dur(median(cl.times[t])), num(median(rc)) + "×", spread(rc), num(median(rh)) + "×", rss})
			}
			table(&sb, []string{"tool", "time", "vs curl", "per-round", "vs HTTPie", "peak RSS"}, "lrrrrr", rows)
			noisy(&sb, cl.noisy, "curl's time")
		}
	}

	w("## Regenerating\n\n")
	w("```sh\nbench/run            # the full run (about 5 minutes), rewrites docs/benchmarks.md and the charts\nbench/run --quick    # a smoke test, written to a temporary directory\n```\n\n")
	w("A round is flagged noisy when the baseline's figure in it strays more than %.0f%% from the baseline's median; its ratios are still counted.\n", 100*noiseLimit)
	return sb.String()
}

func throughputTable(sb *strings.Builder, g *group) {
	if g == nil {
		return
	}
	if g.name == "seq" || g.name == "c8" {
		fmt.Fprintf(sb, "### %s\n\n", strings.ToUpper(g.title[:1])+g.title[1:])
	}
	var rows [][]string
	order := append([]string(nil), g.clients...)
	sort.SliceStable(order, func(i, k int) bool {
		return median(finite(g.res[order[i]].rps)) > median(finite(g.res[order[k]].rps))
	})
	for _, cl := range order {
		rr := g.res[cl]
		rs := ratios(rr.rps, g.res[g.baseline].rps)
		allocs, bytes := "–", "–"
		if a := median(finite(rr.allocs)); !math.IsNaN(a) {
			allocs, bytes = fmt.Sprintf("%.1f", a), fmt.Sprintf("%.0f", median(finite(rr.bytes)))
		}
		name := display[cl]
		if rr.failed != "" {
			name += " (failed: " + strings.ReplaceAll(rr.failed, "|", "/") + ")"
		}
		cpu := ratios(rr.cpu, g.res[g.baseline].cpu)
		rows = append(rows, []string{name, fmt.Sprintf("%.0f", median(finite(rr.rps))), num(median(finite(rs))) + "×", spread(rs),
			fmt.Sprintf("%.1f", median(finite(rr.cpu))), num(median(finite(cpu))) + "×", allocs, bytes})
	}
	table(sb, []string{"client", "req/s", "vs " + display[g.baseline], "per-round ratio", "CPU µs/req", "CPU vs " + display[g.baseline], "allocs/req", "B/req"}, "lrrrrrrr", rows)
	noisy(sb, g.noisy, display[g.baseline])
}

func noisy(sb *strings.Builder, rounds []string, who string) {
	if len(rounds) == 0 {
		fmt.Fprintf(sb, "\nNo noisy round (%s within ±%.0f%% of its median in every round).\n\n", who, 100*noiseLimit)
		return
	}
	fmt.Fprintf(sb, "\nNoisy rounds (%s against its median): %s.\n\n", who, strings.Join(rounds, "; "))
}

func pairTable(sb *strings.Builder, unit string, sizes []int, res map[int]*pair, peer string) {
	var rows [][]string
	var why []string
	for _, n := range sizes {
		p := res[n]
		rs := ratios(p.limpet, p.peer)
		rows = append(rows, []string{fmt.Sprint(n), dur(median(p.limpet)), dur(median(p.peer)), num(median(rs)) + "×", spread(rs),
			fmt.Sprintf("%.0f / %.0f", p.allocs[0], p.allocs[1])})
		if idx, _ := noisyRounds(p.peer); len(idx) > 0 {
			var rs []string
			for _, i := range idx {
				rs = append(rs, fmt.Sprint(i+1))
			}
			why = append(why, fmt.Sprintf("at %d rounds %s", n, strings.Join(rs, ", ")))
		}
	}
	table(sb, []string{unit, "limpet", peer, "ratio", "per-round ratio", "allocs (limpet / peer)"}, "rrrrrr", rows)
	noisy(sb, why, peer+"'s time")
}
