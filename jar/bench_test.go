package jar_test

import (
	"cmp"
	"flag"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/limpet-http/limpet/jar"
)

var benchReport = flag.Bool("benchreport", false, "run the benchmarks and rewrite BENCHMARKS.md")

// peer is a jar measured by the benchmarks.
type peer struct {
	name string
	new  func() http.CookieJar
}

var peers = []peer{
	{"limpet", func() http.CookieJar {
		return jar.New(jar.Options{MaxCookiesPerDomain: jar.NoLimit, MaxCookies: jar.NoLimit})
	}},
	{"stdlib", func() http.CookieJar {
		j, _ := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
		return j
	}},
}

// domainCookies returns n cookies as a server would set them: a fifth each
// with Domain=domain, Path=/, Path=/app, Path=/app/page and Path=/other. A
// request for /app/page carries all but the last fifth.
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
	benchSetURL = &url.URL{Scheme: "https", Host: "www.example.com", Path: "/"}
	benchGetURL = &url.URL{Scheme: "https", Host: "www.example.com", Path: "/app/page"}
)

func benchCookies(p peer, n int) func(*testing.B) {
	return func(b *testing.B) {
		j := p.new()
		j.SetCookies(benchSetURL, domainCookies(n, "example.com"))
		if got, want := len(j.Cookies(benchGetURL)), n-n/5; got != want {
			b.Fatalf("%d cookies sent, want %d", got, want)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			_ = j.Cookies(benchGetURL)
		}
	}
}

func benchCookieHeader(p peer, n int) func(*testing.B) {
	return func(b *testing.B) {
		j := p.new()
		j.SetCookies(benchSetURL, domainCookies(n, "example.com"))
		header := headerFunc(j)
		if h := header(benchGetURL); strings.Count(h, "; ") != n-n/5-1 {
			b.Fatalf("header has %d cookies", strings.Count(h, "; ")+1)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			_ = header(benchGetURL)
		}
	}
}

// benchSetCookies stores one cookie, replacing one of the n cookies of the
// domain (a different one each time, in turn), as a server that refreshes
// a session cookie does.
func benchSetCookies(p peer, n int) func(*testing.B) {
	return func(b *testing.B) {
		j := p.new()
		all := domainCookies(n, "example.com")
		j.SetCookies(benchSetURL, all)
		if got, want := len(j.Cookies(benchGetURL)), n-n/5; got != want {
			b.Fatalf("%d cookies sent, want %d", got, want)
		}
		one := make([][]*http.Cookie, n)
		for i, c := range all {
			nc := *c
			nc.Value = "new"
			one[i] = []*http.Cookie{&nc}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			j.SetCookies(benchSetURL, one[i%n])
		}
	}
}

// benchNewCookie stores a new cookie for a domain that holds n cookies,
// then deletes it (Max-Age=-1), as a server that sets and clears a
// short-lived cookie (a flash message, a CSRF nonce) does: the cookie is
// inserted among the n and removed again.
func benchNewCookie(p peer, n int) func(*testing.B) {
	return func(b *testing.B) {
		j := p.new()
		j.SetCookies(benchSetURL, domainCookies(n, "example.com"))
		add := []*http.Cookie{{Name: "fresh", Value: "v", Path: "/app"}}
		del := []*http.Cookie{{Name: "fresh", Value: "v", Path: "/app", MaxAge: -1}}
		j.SetCookies(benchSetURL, add)
		if got, want := len(j.Cookies(benchGetURL)), n-n/5+1; got != want {
			b.Fatalf("%d cookies sent, want %d", got, want)
		}
		j.SetCookies(benchSetURL, del)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			j.SetCookies(benchSetURL, add)
			j.SetCookies(benchSetURL, del)
		}
	}
}

// headerFunc returns how a Cookie header is made with j: limpet's
// CookieHeader, or Cookies added to a request as http.Client does.
func headerFunc(j http.CookieJar) func(*url.URL) string {
	if lj, ok := j.(*jar.Jar); ok {
		return lj.CookieHeader
	}
	return func(u *url.URL) string {
		r := &http.Request{Header: http.Header{}}
		for _, c := range j.Cookies(u) {
			r.AddCookie(c)
		}
		return r.Header.Get("Cookie")
	}
}

// bigJar fills a jar with 100,000 cookies over 10,000 domains, 10 each.
// With sites, each domain is its own site (site0.com ... site9999.com);
// otherwise all are subdomains of one site (t0.example.com ...), as
// tenants of one service would be.
func bigJar(p peer, sites bool) (http.CookieJar, []*url.URL) {
	j := p.new()
	urls := make([]*url.URL, 10000)
	for d := range urls {
		host := fmt.Sprintf("t%d.example.com", d)
		if sites {
			host = fmt.Sprintf("site%d.com", d)
		}
		urls[d] = &url.URL{Scheme: "https", Host: host, Path: "/app/page"}
		j.SetCookies(urls[d], domainCookies(10, host))
	}
	if lj, ok := j.(*jar.Jar); ok && lj.Len() != 100000 {
		panic(fmt.Sprintf("jar holds %d cookies, want 100000", lj.Len()))
	}
	return j, urls
}

func benchLargeCookies(j http.CookieJar, urls []*url.URL) func(*testing.B) {
	return func(b *testing.B) {
		if got := len(j.Cookies(urls[42])); got != 8 {
			b.Fatalf("%d cookies sent, want 8", got)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			_ = j.Cookies(urls[i%len(urls)])
		}
	}
}

func benchLargeSet(j http.CookieJar, urls []*url.URL) func(*testing.B) {
	one := []*http.Cookie{{Name: "cookie0001", Value: "new", Path: "/"}}
	return func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			j.SetCookies(urls[i%len(urls)], one)
		}
	}
}

var layouts = []struct {
	name  string
	sites bool
}{{"sites", true}, {"subdomains", false}}

// BenchmarkCookies measures Cookies(u) for a URL whose domain holds 10, 100
// and 1000 cookies.
func BenchmarkCookies(b *testing.B) {
	for _, p := range peers {
		for _, n := range []int{10, 100, 1000} {
			b.Run(fmt.Sprintf("%s/%d", p.name, n), benchCookies(p, n))
		}
	}
}

// BenchmarkCookieHeader measures producing the Cookie header: limpet's
// CookieHeader, against the standard library jar's Cookies joined the way
// net/http's Request.AddCookie does.
func BenchmarkCookieHeader(b *testing.B) {
	for _, p := range peers {
		for _, n := range []int{10, 100, 1000} {
			b.Run(fmt.Sprintf("%s/%d", p.name, n), benchCookieHeader(p, n))
		}
	}
}

// BenchmarkSetCookies measures storing one cookie (replacing one) for a
// domain that holds 10, 100 and 1000 cookies.
func BenchmarkSetCookies(b *testing.B) {
	for _, p := range peers {
		for _, n := range []int{10, 100, 1000} {
			b.Run(fmt.Sprintf("%s/%d", p.name, n), benchSetCookies(p, n))
		}
	}
}

// BenchmarkNewCookie measures storing a new cookie and deleting it again
// for a domain that holds 10 to 3,000 cookies.
func BenchmarkNewCookie(b *testing.B) {
	for _, p := range peers {
		for _, n := range []int{10, 100, 1000, 3000} {
			b.Run(fmt.Sprintf("%s/%d", p.name, n), benchNewCookie(p, n))
		}
	}
}

// BenchmarkFullJar measures storing a new cookie in a jar at its default
// MaxCookies (3,000 cookies over 100 sites of 30), so that each call
// evicts the least recently used cookie of the jar. The standard library's
// jar has no cap to compare with.
func BenchmarkFullJar(b *testing.B) {
	j := jar.New(jar.Options{})
	for d := range 100 {
		j.SetCookies(&url.URL{Scheme: "https", Host: fmt.Sprintf("site%d.com", d), Path: "/"}, domainCookies(30, fmt.Sprintf("site%d.com", d)))
	}
	if j.Len() != jar.DefaultMaxCookies {
		b.Fatalf("jar holds %d cookies, want %d", j.Len(), jar.DefaultMaxCookies)
	}
	u := &url.URL{Scheme: "https", Host: "new.example.com", Path: "/"}
	one := make([][]*http.Cookie, 1000)
	for i := range one {
		one[i] = []*http.Cookie{{Name: fmt.Sprintf("n%d", i), Value: "v"}}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		j.SetCookies(u, one[i%len(one)])
	}
}

// BenchmarkLargeJar measures Cookies(u) and storing one cookie in a jar of
// 100,000 cookies over 10,000 domains, visiting the domains in turn.
func BenchmarkLargeJar(b *testing.B) {
	for _, l := range layouts {
		for _, p := range peers {
			j, urls := bigJar(p, l.sites) // built once: the framework calls each function several times
			b.Run(fmt.Sprintf("Cookies/%s/%s", l.name, p.name), benchLargeCookies(j, urls))
			b.Run(fmt.Sprintf("SetCookies/%s/%s", l.name, p.name), benchLargeSet(j, urls))
		}
	}
}

// TestWriteBenchmarks runs the benchmarks and rewrites BENCHMARKS.md with
// each limpet figure beside the standard library's from the same run. It
// runs only with -benchreport.
func TestWriteBenchmarks(t *testing.T) {
	if !*benchReport {
		t.Skip("run with -benchreport to rewrite BENCHMARKS.md")
	}
	type row struct {
		name string
		res  map[string]testing.BenchmarkResult
	}
	load := "unknown"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	var rows []row
	// Each pair runs interleaved, rounds times; the median of each side is
	// reported, so that load from other processes weighs on both alike.
	const rounds = 5
	run := func(name string, fs map[string]func(*testing.B)) {
		r := row{name: name, res: map[string]testing.BenchmarkResult{}}
		all := map[string][]testing.BenchmarkResult{}
		for range rounds {
			for _, p := range peers {
				all[p.name] = append(all[p.name], testing.Benchmark(fs[p.name]))
			}
		}
		for n, rs := range all {
			slices.SortFunc(rs, func(a, b testing.BenchmarkResult) int { return cmp.Compare(a.NsPerOp(), b.NsPerOp()) })
			r.res[n] = rs[len(rs)/2]
		}
		rows = append(rows, r)
	}
	perPeer := func(f func(p peer) func(*testing.B)) map[string]func(*testing.B) {
		m := map[string]func(*testing.B){}
		for _, p := range peers {
			m[p.name] = f(p)
		}
		return m
	}
	for _, n := range []int{10, 100, 1000} {
		run(fmt.Sprintf("Cookies/%d", n), perPeer(func(p peer) func(*testing.B) { return benchCookies(p, n) }))
	}
	for _, n := range []int{10, 100, 1000} {
		run(fmt.Sprintf("CookieHeader/%d", n), perPeer(func(p peer) func(*testing.B) { return benchCookieHeader(p, n) }))
	}
	for _, n := range []int{10, 100, 1000} {
		run(fmt.Sprintf("SetCookies/%d", n), perPeer(func(p peer) func(*testing.B) { return benchSetCookies(p, n) }))
	}
	for _, n := range []int{10, 100, 1000, 3000} {
		run(fmt.Sprintf("NewCookie/%d", n), perPeer(func(p peer) func(*testing.B) { return benchNewCookie(p, n) }))
	}
	for _, l := range layouts {
		get, put := map[string]func(*testing.B){}, map[string]func(*testing.B){}
		for _, p := range peers {
			j, urls := bigJar(p, l.sites)
			get[p.name], put[p.name] = benchLargeCookies(j, urls), benchLargeSet(j, urls)
		}
		run("LargeJar/Cookies/"+l.name, get)
		run("LargeJar/SetCookies/"+l.name, put)
	}

	var md strings.Builder
	md.WriteString("# Cookie jar benchmarks\n\n")
	md.WriteString("limpet's jar against the standard library's `net/http/cookiejar` (with `golang.org/x/net/publicsuffix`),\n")
	md.WriteString("measured in the same run: each pair runs interleaved five times and the medians are shown. Regenerate with:\n\n")
	md.WriteString("    go test ./jar -run TestWriteBenchmarks -benchreport -count=1 -timeout 30m\n\n")
	md.WriteString("or run the same benchmarks directly:\n\n")
	md.WriteString("    go test ./jar -run '^$' -bench 'Cookies|CookieHeader|SetCookies|NewCookie|LargeJar' -benchmem\n\n")
	fmt.Fprintf(&md, "Machine: %s/%s, %d CPUs, %s; %s; load average when the run started: %s (the\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), time.Now().UTC().Format("2006-01-02"), load)
	md.WriteString("machine is shared, so absolute times vary from run to run; the ratios, from interleaved runs, vary less).\n\n")
	md.WriteString("- `Cookies/N`: `Cookies(u)` for a URL whose domain holds N cookies, 80% of which match (a fifth each\n")
	md.WriteString("  with `Domain=example.com`, `Path=/`, `/app`, `/app/page`; a fifth on `/other` that does not match).\n")
	md.WriteString("- `CookieHeader/N`: the `Cookie` header value for the same URL: limpet's `CookieHeader`, against the standard\n")
	md.WriteString("  jar's `Cookies` added with `Request.AddCookie` (what `http.Client` does).\n")
	md.WriteString("- `SetCookies/N`: `SetCookies(u, one)` replacing one of the N cookies of the same domain, a different one\n")
	md.WriteString("  each call, in turn.\n")
	md.WriteString("- `NewCookie/N`: `SetCookies` of a new cookie for the same domain, then of its deletion (`Max-Age=-1`).\n")
	md.WriteString("- `LargeJar`: 100,000 cookies over 10,000 domains (10 each), the domains visited in turn: `sites` are\n")
	md.WriteString("  10,000 registrable domains (`site123.com`), `subdomains` are 10,000 hosts of one site (`t123.example.com`).\n")
	md.WriteString("  `SetCookies` replaces one cookie per call.\n\n")
	md.WriteString("| benchmark | limpet ns/op | stdlib ns/op | time ratio | limpet allocs/op | stdlib allocs/op | limpet B/op | stdlib B/op |\n")
	md.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		l, s := r.res["limpet"], r.res["stdlib"]
		fmt.Fprintf(&md, "| %s | %d | %d | %.3g× | %d | %d | %d | %d |\n", r.name,
			l.NsPerOp(), s.NsPerOp(), float64(l.NsPerOp())/float64(s.NsPerOp()),
			l.AllocsPerOp(), s.AllocsPerOp(), l.AllocedBytesPerOp(), s.AllocedBytesPerOp())
	}
	md.WriteString("\nTime ratio = limpet ns/op ÷ stdlib ns/op (lower is better for limpet). The goals: at most 0.25× at\n")
	md.WriteString("1000 cookies per domain for lookups, storing a cookie as flat as the standard library's as cookies per\n")
	md.WriteString("domain grow, and no more allocations than the standard library at 10.\n")
	t.Log("\n" + md.String())
	if err := os.WriteFile("BENCHMARKS.md", []byte(md.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hostURLs are request URLs for one host each: an IPv4 and an IPv6
// address (as every request to a loopback test server has) and a domain.
var hostURLs = []struct {
	name string
	url  *url.URL
}{
	{"ipv4", &url.URL{Scheme: "http", Host: "127.0.0.1:8080", Path: "/app/page"}},
	{"ipv6", &url.URL{Scheme: "http", Host: "[::1]:8080", Path: "/app/page"}},
	{"domain", &url.URL{Scheme: "https", Host: "www.example.com", Path: "/app/page"}},
}

// BenchmarkCookieHeaderHost measures CookieHeader for a URL whose host
// holds 10 cookies, 8 of which match, when the host is an IP address and
// when it is a domain.
func BenchmarkCookieHeaderHost(b *testing.B) {
	for _, h := range hostURLs {
		b.Run(h.name, func(b *testing.B) {
			j := jar.New(jar.Options{})
			set := *h.url
			set.Path = "/"
			j.SetCookies(&set, domainCookies(10, ""))
			if got := strings.Count(j.CookieHeader(h.url), "; ") + 1; got != 8 {
				b.Fatalf("%d cookies sent, want 8", got)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				_ = j.CookieHeader(h.url)
			}
		})
	}
}
