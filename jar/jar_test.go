package jar_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/limpet-http/limpet/jar"
)

var t0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// clock is a settable clock for jars under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// step is one response received, or the clock moving on.
type step struct {
	from    string   // URL of the request the response answered
	lines   []string // its Set-Cookie lines
	advance time.Duration
}

// check is the Cookie header expected for a request to url.
type check struct {
	url, want string
}

type scenario struct {
	name   string
	opts   jar.Options
	steps  []step
	checks []check
}

func set(from string, lines ...string) step { return step{from: from, lines: lines} }
func wait(d time.Duration) step             { return step{advance: d} }

func runScenarios(t *testing.T, tests []scenario) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			o := tt.opts
			o.Clock = clk.Now
			j := jar.New(o)
			for _, s := range tt.steps {
				clk.Advance(s.advance)
				if s.from != "" {
					j.SetCookieHeaders(mustURL(t, s.from), s.lines)
				}
			}
			for _, c := range tt.checks {
				if got := j.CookieHeader(mustURL(t, c.url)); got != c.want {
					t.Errorf("Cookie for %s = %q, want %q", c.url, got, c.want)
				}
			}
		})
	}
}

func TestDomainRules(t *testing.T) {
	runScenarios(t, []scenario{
		{name: "host-only cookie stays on its host",
			steps: []step{set("http://www.example.com/", "a=1")},
			checks: []check{
				{"http://www.example.com/", "a=1"},
				{"http://sub.www.example.com/", ""},
				{"http://example.com/", ""},
				{"http://WWW.Example.COM/", "a=1"},
			}},
		{name: "domain cookie reaches subdomains",
			steps: []step{set("http://www.example.com/", "a=1; Domain=example.com")},
			checks: []check{
				{"http://example.com/", "a=1"},
				{"http://www.example.com/", "a=1"},
				{"http://x.y.example.com/", "a=1"},
				{"http://badexample.com/", ""},
			}},
		{name: "leading dot ignored",
			steps:  []step{set("http://www.example.com/", "a=1; Domain=.EXAMPLE.com")},
			checks: []check{{"http://other.example.com/", "a=1"}}},
		{name: "domain that the host does not match is rejected",
			steps: []step{set("http://www.example.com/", "a=1; Domain=other.com", "b=2; Domain=sub.www.example.com")},
			checks: []check{
				{"http://other.com/", ""},
				{"http://www.example.com/", ""},
				{"http://sub.www.example.com/", ""},
			}},
		{name: "public suffix rejected",
			steps: []step{set("http://www.example.com/", "a=1; Domain=com", "b=2; Domain=co.uk")},
			checks: []check{
				{"http://www.example.com/", ""},
				{"http://other.com/", ""},
			}},
		{name: "public suffix rejected for fully qualified names",
			steps: []step{set("http://www.example.com./", "a=1; Domain=com.", "b=2; Domain=example.com.")},
			checks: []check{
				{"http://other.com./", ""},
				{"http://x.example.com./", "b=2"},
			}},
		{name: "private public suffix rejected",
			steps:  []step{set("https://alice.github.io/", "a=1; Domain=github.io")},
			checks: []check{{"https://alice.github.io/", ""}, {"https://mallory.github.io/", ""}}},
		{name: "public suffix check can be switched off explicitly",
			opts:   jar.Options{PublicSuffixList: jar.NoPublicSuffixList},
			steps:  []step{set("https://alice.github.io/", "a=1; Domain=github.io")},
			checks: []check{{"https://mallory.github.io/", "a=1"}}},
		{name: "Domain=localhost from localhost is a host-only cookie",
			steps: []step{set("http://localhost:8080/", "a=1; Domain=localhost")},
			checks: []check{
				{"http://localhost:9090/", "a=1"},
				{"http://sub.localhost/", ""},
			}},
		{name: "no .local mangling: localhost stays localhost",
			steps: []step{set("http://localhost/", "a=1")},
			checks: []check{
				{"http://localhost/", "a=1"},
				{"http://localhost.local/", ""},
			}},
		{name: "domain cookie under .local",
			steps:  []step{set("http://app.corp.local/", "a=1; Domain=corp.local")},
			checks: []check{{"http://db.corp.local/", "a=1"}}},
		{name: "IPv4 host",
			steps: []step{set("http://127.0.0.1:8080/", "a=1", "b=2; Domain=127.0.0.1", "c=3; Domain=0.0.1")},
			checks: []check{
				{"http://127.0.0.1/", "a=1; b=2"},
				{"http://127.0.0.2/", ""},
			}},
		{name: "IPv6 host",
			steps:  []step{set("http://[::1]:8080/", "a=1")},
			checks: []check{{"http://[::1]/", "a=1"}, {"http://[0:0::1]/", "a=1"}}},
		{name: "ports are ignored",
			steps:  []step{set("http://example.com:8080/", "a=1")},
			checks: []check{{"http://example.com:9999/", "a=1"}, {"https://example.com/", "a=1"}}},
		{name: "internationalized host",
			steps: []step{set("http://bücher.example/", "a=1")},
			checks: []check{
				{"http://xn--bcher-kva.example/", "a=1"},
				{"http://BÜCHER.example/", "a=1"},
			}},
		{name: "non-ASCII Domain attribute rejected",
			steps:  []step{set("http://www.bücher.example/", "a=1; Domain=bücher.example")},
			checks: []check{{"http://www.bücher.example/", ""}}},
		{name: "host-only and domain cookie of one name are two cookies",
			steps: []step{set("http://example.com/", "sid=host", "sid=domain; Domain=example.com")},
			checks: []check{
				{"http://example.com/", "sid=host; sid=domain"},
				{"http://www.example.com/", "sid=domain"},
			}},
		{name: "last Domain attribute wins",
			steps:  []step{set("http://www.example.com/", "a=1; Domain=other.com; Domain=example.com")},
			checks: []check{{"http://x.example.com/", "a=1"}}},
		{name: "schemes without cookies",
			steps:  []step{set("ftp://example.com/", "a=1"), set("file:///tmp/x", "b=2")},
			checks: []check{{"http://example.com/", ""}, {"ftp://example.com/", ""}}},
	})
}

func TestPathRules(t *testing.T) {
	runScenarios(t, []scenario{
		{name: "default-path is the request's directory",
			steps: []step{set("http://h.test/app/login", "a=1")},
			checks: []check{
				{"http://h.test/app", "a=1"},
				{"http://h.test/app/x/y", "a=1"},
				{"http://h.test/application", ""},
				{"http://h.test/", ""},
			}},
		{name: "default-path of a top-level page is /",
			steps:  []step{set("http://h.test/login?next=/x", "a=1")},
			checks: []check{{"http://h.test/", "a=1"}, {"http://h.test/any/where", "a=1"}}},
		{name: "Path attribute",
			steps: []step{set("http://h.test/", "a=1; Path=/api")},
			checks: []check{
				{"http://h.test/api", "a=1"},
				{"http://h.test/api/v1", "a=1"},
				{"http://h.test/apix", ""},
				{"http://h.test/API", ""},
			}},
		{name: "Path with a trailing slash",
			steps:  []step{set("http://h.test/", "a=1; Path=/api/")},
			checks: []check{{"http://h.test/api/x", "a=1"}, {"http://h.test/api", ""}}},
		{name: "invalid Path falls back to default-path",
			steps:  []step{set("http://h.test/dir/page", "a=1; Path=relative")},
			checks: []check{{"http://h.test/dir/x", "a=1"}, {"http://h.test/other", ""}}},
		{name: "paths compare escaped",
			steps:  []step{set("http://h.test/", "a=1; Path=/a%20b")},
			checks: []check{{"http://h.test/a%20b/c", "a=1"}, {"http://h.test/a b/c", "a=1"}}},
		{name: "Tomcat context path",
			steps:  []step{set("http://localhost:8080/examples/jsp/index.jsp", "JSESSIONID=F309; Path=/examples; HttpOnly")},
			checks: []check{{"http://localhost:8080/examples/servlets", "JSESSIONID=F309"}, {"http://localhost:8080/manager/html", ""}}},
	})
}

func TestExpiryRules(t *testing.T) {
	day := 24 * time.Hour
	runScenarios(t, []scenario{
		{name: "Max-Age expires",
			steps:  []step{set("http://h.test/", "a=1; Max-Age=60"), wait(59 * time.Second)},
			checks: []check{{"http://h.test/", "a=1"}}},
		{name: "Max-Age expired",
			steps:  []step{set("http://h.test/", "a=1; Max-Age=60"), wait(60 * time.Second)},
			checks: []check{{"http://h.test/", ""}}},
		{name: "Max-Age wins over Expires",
			steps: []step{set("http://h.test/", "a=1; Expires=Wed, 01 Jan 2020 00:00:10 GMT; Max-Age=3600"),
				wait(time.Minute)},
			checks: []check{{"http://h.test/", "a=1"}}},
		{name: "Max-Age=0 deletes",
			steps:  []step{set("http://h.test/", "a=1", "b=2"), set("http://h.test/", "a=x; Max-Age=0")},
			checks: []check{{"http://h.test/", "b=2"}}},
		{name: "negative Max-Age deletes",
			steps:  []step{set("http://h.test/", "a=1"), set("http://h.test/", "a=; Max-Age=-1")},
			checks: []check{{"http://h.test/", ""}}},
		{name: "Expires in the past deletes",
			steps:  []step{set("http://h.test/", "a=1"), set("http://h.test/", "a=; Expires=Thu, 01 Jan 1970 00:00:10 GMT")},
			checks: []check{{"http://h.test/", ""}}},
		{name: "deletion needs the same path",
			steps:  []step{set("http://h.test/", "a=1; Path=/app"), set("http://h.test/", "a=; Max-Age=0; Path=/")},
			checks: []check{{"http://h.test/app", "a=1"}}},
		{name: "expire then set again in one response (JSESSIONID rotation)",
			steps: []step{set("http://h.test/", "JSESSIONID=old; Path=/"),
				set("http://h.test/login", "JSESSIONID=; Max-Age=0; Path=/", "JSESSIONID=new; Path=/")},
			checks: []check{{"http://h.test/", "JSESSIONID=new"}}},
		{name: "session cookie has no expiry",
			steps:  []step{set("http://h.test/", "a=1"), wait(10000 * day)},
			checks: []check{{"http://h.test/", "a=1"}}},
		{name: "expiry capped at 400 days",
			steps:  []step{set("http://h.test/", "a=1; Max-Age=315360000"), wait(400*day - time.Second)},
			checks: []check{{"http://h.test/", "a=1"}}},
		{name: "expiry capped at 400 days: gone after",
			steps:  []step{set("http://h.test/", "a=1; Expires=Fri, 01 Jan 2038 00:00:00 GMT"), wait(400 * day)},
			checks: []check{{"http://h.test/", ""}}},
		{name: "cap switched off",
			opts:   jar.Options{MaxLifetime: jar.NoLimit},
			steps:  []step{set("http://h.test/", "a=1; Expires=Fri, 01 Jan 2038 00:00:00 GMT"), wait(5000 * day)},
			checks: []check{{"http://h.test/", "a=1"}}},
		{name: "shorter custom cap",
			opts:   jar.Options{MaxLifetime: time.Hour},
			steps:  []step{set("http://h.test/", "a=1; Max-Age=7200"), wait(time.Hour)},
			checks: []check{{"http://h.test/", ""}}},
		{name: "invalid Max-Age is ignored, leaving a session cookie",
			steps:  []step{set("http://h.test/", "a=1; Max-Age=50,399"), wait(1000 * day)},
			checks: []check{{"http://h.test/", "a=1"}}},
	})
}

func TestSecureRules(t *testing.T) {
	runScenarios(t, []scenario{
		{name: "Secure cookie from https goes back over https only",
			steps: []step{set("https://h.test/", "a=1; Secure")},
			checks: []check{
				{"https://h.test/", "a=1"},
				{"http://h.test/", ""},
				{"wss://h.test/", "a=1"},
			}},
		{name: "Secure cookie from plain http is rejected",
			steps:  []step{set("http://h.test/", "a=1; Secure")},
			checks: []check{{"https://h.test/", ""}}},
		{name: "loopback is a secure context",
			steps: []step{
				set("http://localhost:8080/", "a=1; Secure"),
				set("http://127.0.0.1:8080/", "b=2; Secure"),
				set("http://127.8.9.10/", "c=3; Secure"),
				set("http://[::1]/", "d=4; Secure"),
			},
			checks: []check{
				{"http://localhost/", "a=1"},
				{"http://127.0.0.1/", "b=2"},
				{"http://127.8.9.10/", "c=3"},
				{"http://[::1]/", "d=4"},
			}},
		{name: "a name resolving to loopback is not enough",
			steps:  []step{set("http://app.test/", "a=1; Secure")},
			checks: []check{{"https://app.test/", ""}}},
		{name: "insecure request cannot overlay a Secure cookie",
			steps: []step{
				set("https://www.h.test/", "sid=secure; Secure; Path=/"),
				set("http://www.h.test/", "sid=evil; Path=/"),
				set("http://h.test/", "sid=evil2; Domain=h.test; Path=/app"),
			},
			checks: []check{
				{"https://www.h.test/", "sid=secure"},
				{"http://www.h.test/", ""},
			}},
		{name: "insecure request may set a non-overlapping path",
			steps: []step{
				set("https://h.test/", "sid=secure; Secure; Path=/login"),
				set("http://h.test/", "sid=plain; Path=/"),
			},
			checks: []check{{"https://h.test/login", "sid=secure; sid=plain"}}},
		{name: "https may replace a Secure cookie with a plain one",
			steps:  []step{set("https://h.test/", "sid=a; Secure"), set("https://h.test/", "sid=b")},
			checks: []check{{"http://h.test/", "sid=b"}}},
		{name: "HttpOnly does not change sending",
			steps:  []step{set("http://h.test/", "a=1; HttpOnly")},
			checks: []check{{"http://h.test/", "a=1"}}},
		{name: "SameSite does not change sending (every request is same-site)",
			steps:  []step{set("https://h.test/", "a=1; SameSite=Strict", "b=2; SameSite=Lax", "c=3; SameSite=None; Secure")},
			checks: []check{{"https://h.test/", "a=1; b=2; c=3"}}},
	})
}

func TestPrefixRules(t *testing.T) {
	runScenarios(t, []scenario{
		{name: "__Secure- needs Secure",
			steps:  []step{set("https://h.test/", "__Secure-a=1", "__Secure-b=2; Secure")},
			checks: []check{{"https://h.test/", "__Secure-b=2"}}},
		{name: "__Host- needs Secure, no Domain and Path=/",
			steps: []step{set("https://www.h.test/x",
				"__Host-a=1; Secure; Path=/",
				"__Host-b=2; Secure",
				"__Host-c=3; Secure; Path=/; Domain=www.h.test",
				"__Host-d=4; Path=/",
				"__Host-e=5; Secure; Path=/x")},
			checks: []check{{"https://www.h.test/x", "__Host-a=1"}}},
		{name: "prefixes match case-insensitively",
			steps:  []step{set("https://h.test/", "__SECURE-a=1", "__host-b=2; Secure")},
			checks: []check{{"https://h.test/", ""}}},
		{name: "nameless cookie cannot fake a prefix",
			steps:  []step{set("https://h.test/", "__Secure-a; Secure", "=__Host-b; Secure; Path=/")},
			checks: []check{{"https://h.test/", ""}}},
	})
}

func TestNamelessAndSize(t *testing.T) {
	big := strings.Repeat("v", 4095)
	runScenarios(t, []scenario{
		{name: "nameless cookie sent as its value",
			steps:  []step{set("http://h.test/", "a=1", "token", "b=")},
			checks: []check{{"http://h.test/", "a=1; token; b="}}},
		{name: "nameless cookies replace each other",
			steps:  []step{set("http://h.test/", "six", "seven", "=eight")},
			checks: []check{{"http://h.test/", "eight"}}},
		{name: "RejectNameless follows RFC 6265",
			opts:   jar.Options{RejectNameless: true},
			steps:  []step{set("http://h.test/", "a=1", "token", "=x")},
			checks: []check{{"http://h.test/", "a=1"}}},
		{name: "4096 bytes of name and value accepted",
			steps:  []step{set("http://h.test/", "n="+big)},
			checks: []check{{"http://h.test/", "n=" + big}}},
		{name: "4097 bytes rejected",
			steps:  []step{set("http://h.test/", "nn="+big)},
			checks: []check{{"http://h.test/", ""}}},
		{name: "control character rejects the whole line",
			steps:  []step{set("http://h.test/", "a=1\x01", "b=2")},
			checks: []check{{"http://h.test/", "b=2"}}},
	})
}

func TestSerializationOrder(t *testing.T) {
	runScenarios(t, []scenario{
		{name: "longer paths first, then earlier creation",
			steps: []step{
				set("http://www.h.test/", "a=1; Path=/"),
				wait(time.Second),
				set("http://www.h.test/", "b=2; Path=/x/y"),
				wait(time.Second),
				set("http://www.h.test/", "c=3; Path=/x", "d=4; Path=/; Domain=h.test"),
			},
			checks: []check{{"http://www.h.test/x/y/z", "b=2; c=3; a=1; d=4"}}},
		{name: "same instant: arrival order",
			steps:  []step{set("http://www.h.test/", "z=1", "a=2; Domain=h.test", "m=3")},
			checks: []check{{"http://www.h.test/", "z=1; a=2; m=3"}}},
		{name: "replacement keeps its place",
			steps: []step{
				set("http://h.test/", "a=1", "b=2"),
				wait(time.Second),
				set("http://h.test/", "a=3"),
			},
			checks: []check{{"http://h.test/", "a=3; b=2"}}},
	})
}

func TestLimits(t *testing.T) {
	t.Run("per-domain cap evicts least recently used, non-Secure first", func(t *testing.T) {
		clk := newClock()
		var evicted []string
		j := jar.New(jar.Options{Clock: clk.Now, MaxCookiesPerDomain: 3, OnChange: func(c jar.Change) {
			if c.Kind == jar.ChangeEvicted {
				evicted = append(evicted, c.Cookie.Name)
			}
		}})
		u := mustURL(t, "https://h.test/")
		j.SetCookieHeaders(u, []string{"s=1; Secure"})
		clk.Advance(time.Second)
		j.SetCookieHeaders(u, []string{"a=1", "b=1"})
		clk.Advance(time.Second)
		j.CookieHeader(mustURL(t, "https://h.test/")) // every cookie used now
		clk.Advance(time.Second)
		j.SetCookieHeaders(mustURL(t, "https://h.test/b/"), []string{"b=2; Path=/b"}) // touches nothing
		// Now 4 cookies: the oldest non-Secure one by LastAccess goes (a and b
		// were used at the same time; a arrived first).
		if got, want := strings.Join(evicted, ","), "a"; got != want {
			t.Fatalf("evicted %q, want %q", got, want)
		}
		clk.Advance(time.Second)
		j.SetCookieHeaders(u, []string{"c=1"})
		if got, want := strings.Join(evicted, ","), "a,b"; got != want {
			t.Fatalf("evicted %q, want %q", got, want)
		}
		if got, want := j.CookieHeader(mustURL(t, "https://h.test/b/")), "b=2; s=1; c=1"; got != want {
			t.Fatalf("Cookie = %q, want %q", got, want)
		}
	})
	t.Run("per-domain cap evicts Secure cookies when all are Secure", func(t *testing.T) {
		clk := newClock()
		j := jar.New(jar.Options{Clock: clk.Now, MaxCookiesPerDomain: 2})
		u := mustURL(t, "https://h.test/")
		for _, n := range []string{"a", "b", "c"} {
			j.SetCookieHeaders(u, []string{n + "=1; Secure"})
			clk.Advance(time.Second)
		}
		if got, want := j.CookieHeader(u), "b=1; c=1"; got != want {
			t.Fatalf("Cookie = %q, want %q", got, want)
		}
	})
	t.Run("total cap evicts least recently used across domains", func(t *testing.T) {
		clk := newClock()
		j := jar.New(jar.Options{Clock: clk.Now, MaxCookies: 3})
		for _, h := range []string{"a", "b", "c"} {
			j.SetCookieHeaders(mustURL(t, "http://"+h+".test/"), []string{"x=" + h})
			clk.Advance(time.Second)
		}
		j.CookieHeader(mustURL(t, "http://a.test/")) // a is now the most recently used
		clk.Advance(time.Second)
		j.SetCookieHeaders(mustURL(t, "http://d.test/"), []string{"x=d"})
		var hosts []string
		for _, c := range j.All() {
			hosts = append(hosts, c.Domain)
		}
		if got, want := strings.Join(hosts, ","), "a.test,c.test,d.test"; got != want {
			t.Fatalf("kept %q, want %q", got, want)
		}
	})
	t.Run("default caps", func(t *testing.T) {
		j := jar.New(jar.Options{Clock: newClock().Now})
		u := mustURL(t, "http://h.test/")
		for i := range jar.DefaultMaxCookiesPerDomain + 20 {
			j.SetCookieHeaders(u, []string{fmt.Sprintf("c%d=1", i)})
		}
		if got := j.Len(); got != jar.DefaultMaxCookiesPerDomain {
			t.Fatalf("Len = %d, want %d", got, jar.DefaultMaxCookiesPerDomain)
		}
		for i := range jar.DefaultMaxCookies / 100 {
			for k := range 110 {
				j.SetCookieHeaders(mustURL(t, fmt.Sprintf("http://d%d.test/", i)), []string{fmt.Sprintf("c%d=1", k)})
			}
		}
		if got := j.Len(); got != jar.DefaultMaxCookies {
			t.Fatalf("Len = %d, want %d", got, jar.DefaultMaxCookies)
		}
	})
	t.Run("no limit", func(t *testing.T) {
		j := jar.New(jar.Options{MaxCookiesPerDomain: jar.NoLimit, MaxCookies: jar.NoLimit})
		u := mustURL(t, "http://h.test/")
		for i := range 5000 {
			j.SetCookieHeaders(u, []string{fmt.Sprintf("c%d=1", i)})
		}
		if got := j.Len(); got != 5000 {
			t.Fatalf("Len = %d, want 5000", got)
		}
	})
}

func TestListing(t *testing.T) {
	clk := newClock()
	j := jar.New(jar.Options{Clock: clk.Now})
	j.SetCookieHeaders(mustURL(t, "https://www.h.test/app/page"), []string{
		"sid=1; HttpOnly; Secure; SameSite=Lax",
		"pref=dark; Domain=h.test; Path=/; Max-Age=3600",
		"part=p; Secure; Partitioned; Path=/",
	})
	clk.Advance(time.Second)
	j.SetCookieHeaders(mustURL(t, "http://other.test/"), []string{"o=1"})

	all := j.All()
	var names []string
	for _, c := range all {
		names = append(names, c.Domain+c.Path+" "+c.Name)
	}
	if got, want := strings.Join(names, ", "), "h.test/ pref, other.test/ o, www.h.test/ part, www.h.test/app sid"; got != want {
		t.Fatalf("All = %s\nwant  %s", got, want)
	}
	sid := all[3]
	want := jar.Cookie{Name: "sid", Value: "1", Domain: "www.h.test", Path: "/app", HostOnly: true,
		Secure: true, HttpOnly: true, SameSite: jar.SameSiteLax, Created: t0, Updated: t0, LastAccess: t0}
	if sid != want {
		t.Fatalf("sid = %+v\nwant  %+v", sid, want)
	}
	if pref := all[0]; !pref.Persistent || !pref.Expires.Equal(t0.Add(time.Hour)) || pref.HostOnly {
		t.Fatalf("pref = %+v", pref)
	}
	if part := all[2]; !part.Partitioned {
		t.Fatalf("part = %+v", part)
	}
	if j.Len() != 4 {
		t.Fatalf("Len = %d", j.Len())
	}

	got := j.CookiesFor(mustURL(t, "https://www.h.test/app/x"))
	if len(got) != 3 || got[0].Name != "sid" || got[1].Name != "pref" || got[2].Name != "part" {
		t.Fatalf("CookiesFor = %+v", got)
	}
	if !got[0].LastAccess.Equal(t0) {
		t.Fatalf("CookiesFor changed LastAccess: %v", got[0].LastAccess)
	}
	clk.Advance(time.Second)
	j.CookieHeader(mustURL(t, "https://www.h.test/app/x"))
	for _, c := range j.CookiesFor(mustURL(t, "https://www.h.test/app/x")) {
		if !c.LastAccess.Equal(t0.Add(2 * time.Second)) {
			t.Fatalf("CookieHeader did not update LastAccess of %s: %v", c.Name, c.LastAccess)
		}
	}

	if !j.Delete(sid.Key()) || j.Delete(sid.Key()) {
		t.Fatal("Delete should succeed once")
	}
	wrong := all[0].Key()
	wrong.HostOnly = true
	if j.Delete(wrong) {
		t.Fatal("Delete matched a cookie with another host-only flag")
	}
	j.ClearSession()
	if got := j.All(); len(got) != 1 || got[0].Name != "pref" {
		t.Fatalf("after ClearSession: %+v", got)
	}
	clk.Advance(time.Hour)
	if j.Len() != 0 || len(j.All()) != 0 || len(j.Snapshot()) != 0 {
		t.Fatal("expired cookie still listed")
	}
	j.SetCookieHeaders(mustURL(t, "http://h.test/"), []string{"a=1", "b=2; Max-Age=60"})
	j.Clear()
	if j.Len() != 0 || j.CookieHeader(mustURL(t, "http://h.test/")) != "" {
		t.Fatal("Clear left cookies")
	}
}

func TestSnapshotRestore(t *testing.T) {
	clk := newClock()
	src := jar.New(jar.Options{Clock: clk.Now})
	src.SetCookieHeaders(mustURL(t, "https://www.h.test/app/"), []string{
		"z=1", "a=2; Domain=h.test; Max-Age=600", "sid=3; Secure; HttpOnly; SameSite=Strict; Path=/",
	})
	clk.Advance(time.Minute)
	src.SetCookieHeaders(mustURL(t, "https://www.h.test/app/"), []string{"z=4", "late=5"})
	clk.Advance(time.Minute)
	src.CookieHeader(mustURL(t, "https://www.h.test/app/"))
	snap := src.Snapshot()

	dst := jar.New(jar.Options{Clock: clk.Now})
	dst.SetCookieHeaders(mustURL(t, "http://old.test/"), []string{"old=1"})
	if err := dst.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if got := dst.Snapshot(); !slices.Equal(got, snap) {
		t.Fatalf("restored snapshot differs:\n got %+v\nwant %+v", got, snap)
	}
	u := mustURL(t, "https://www.h.test/app/x")
	if got, want := dst.CookieHeader(u), src.CookieHeader(u); got != want {
		t.Fatalf("restored jar sends %q, original %q", got, want)
	}
	if dst.CookieHeader(mustURL(t, "http://old.test/")) != "" {
		t.Fatal("Restore kept old cookies")
	}
	// Creation time and host-only flag survive, and the replaced cookie kept
	// its creation time.
	for _, c := range snap {
		if c.Name == "z" && (!c.Created.Equal(t0) || !c.Updated.Equal(t0.Add(time.Minute)) || !c.HostOnly) {
			t.Fatalf("z = %+v", c)
		}
	}

	t.Run("invalid cookies are skipped and reported", func(t *testing.T) {
		bad := jar.Cookie{Name: "x", Value: "secret-value", Domain: "Bad Domain", Path: "/"}
		psl := jar.Cookie{Name: "wide", Value: "1", Domain: "com", Path: "/"} // a domain cookie on a public suffix
		in := append([]jar.Cookie{bad}, snap...)
		in = append(in, psl, snap[0]) // snap[0] again: a second cookie with the same key
		err := dst.Restore(in)
		if !errors.Is(err, jar.ErrInvalidCookie) {
			t.Fatalf("err = %v", err)
		}
		var re *jar.RestoreError
		if !errors.As(err, &re) {
			t.Fatalf("err = %T %v, want a *jar.RestoreError", err, err)
		}
		var skipped []string
		for _, s := range re.Skipped {
			skipped = append(skipped, fmt.Sprintf("%d %s", s.Index, s.Cookie.Name))
			if !errors.Is(s.Err, jar.ErrInvalidCookie) {
				t.Errorf("skipped %d: %v does not wrap ErrInvalidCookie", s.Index, s.Err)
			}
		}
		want := []string{"0 x", fmt.Sprintf("%d wide", len(snap)+1), fmt.Sprintf("%d %s", len(snap)+2, snap[0].Name)}
		if !slices.Equal(skipped, want) {
			t.Errorf("skipped %v, want %v", skipped, want)
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "jar: ") || strings.Contains(msg, "secret-value") ||
			!strings.Contains(msg, "3 of") {
			t.Errorf("message %q: want the package prefix, a count and no cookie value", msg)
		}
		// The valid cookies, the first of two with one key included, are restored.
		if got := dst.Snapshot(); !slices.Equal(got, snap) {
			t.Fatalf("restored:\n got %+v\nwant %+v", got, snap)
		}
	})
	t.Run("expired cookies are skipped", func(t *testing.T) {
		clk.Advance(time.Hour)
		if err := dst.Restore(snap); err != nil {
			t.Fatal(err)
		}
		for _, c := range dst.Snapshot() {
			if c.Name == "a" {
				t.Fatal("expired cookie restored")
			}
		}
	})
}

// TestDefaultPathWithSemicolon: a cookie without Path set from a URL whose
// path holds ';' (Java's ";jsessionid=" URL rewriting) gets the directory
// of the request path as its default-path, ';' included, as RFC 6265bis
// §5.1.4, Go's net/http/cookiejar and browsers do; and what the jar
// stores, it restores.
func TestDefaultPathWithSemicolon(t *testing.T) {
	tests := []struct{ url, line, path string }{
		{"http://h.test/app;jsessionid=ABC/page", "a=b", "/app;jsessionid=ABC"},
		{"http://h.test/app;jsessionid=ABC/page", "a=b; Path=rel", "/app;jsessionid=ABC"},
		{"http://0/;/", "a=b", "/;"},
		{"http://h.test/examples/j_security_check;jsessionid=F7", "a=b", "/examples"},
	}
	for _, tt := range tests {
		t.Run(tt.url+" "+tt.line, func(t *testing.T) {
			clk := newClock()
			j := jar.New(jar.Options{Clock: clk.Now})
			j.SetCookieHeaders(mustURL(t, tt.url), []string{tt.line})
			snap := j.Snapshot()
			if len(snap) != 1 || snap[0].Path != tt.path {
				t.Fatalf("stored %+v, want one cookie with path %q", snap, tt.path)
			}
			r := jar.New(jar.Options{Clock: clk.Now})
			if err := r.Restore(snap); err != nil {
				t.Fatalf("Restore(Snapshot()): %v", err)
			}
			if got := r.Snapshot(); !slices.Equal(got, snap) {
				t.Fatalf("round trip %+v, want %+v", got, snap)
			}
			if err := jar.New(jar.Options{Clock: clk.Now}).Put(snap[0]); err != nil {
				t.Fatalf("Put of a stored cookie: %v", err)
			}
			if h := r.CookieHeader(mustURL(t, tt.url)); h != "a=b" {
				t.Errorf("restored jar sends %q to %s", h, tt.url)
			}
		})
	}
	// The cookie goes where browsers send it: under the rewritten path only.
	j := jar.New(jar.Options{Clock: newClock().Now})
	j.SetCookieHeaders(mustURL(t, "http://h.test/app;jsessionid=ABC/page"), []string{"a=b"})
	for u, want := range map[string]string{
		"http://h.test/app;jsessionid=ABC/other": "a=b",
		"http://h.test/app;jsessionid=ABC":       "a=b",
		"http://h.test/app/other":                "",
		"http://h.test/app;jsessionid=XYZ/page":  "",
	} {
		if got := j.CookieHeader(mustURL(t, u)); got != want {
			t.Errorf("%s: sent %q, want %q", u, got, want)
		}
	}
}

func TestPutValidation(t *testing.T) {
	ok := jar.Cookie{Name: "n", Value: "v", Domain: "example.com", Path: "/", HostOnly: true}
	with := func(f func(*jar.Cookie)) jar.Cookie { c := ok; f(&c); return c }
	tests := []struct {
		name string
		c    jar.Cookie
		err  error
	}{
		{"valid host-only", ok, nil},
		{"valid domain cookie", with(func(c *jar.Cookie) { c.HostOnly = false }), nil},
		{"valid nameless", with(func(c *jar.Cookie) { c.Name = "" }), nil},
		{"valid IPv6", with(func(c *jar.Cookie) { c.Domain = "::1" }), nil},
		{"valid persistent", with(func(c *jar.Cookie) { c.Persistent, c.Expires = true, t0.Add(time.Hour) }), nil},
		{"valid __Host-", with(func(c *jar.Cookie) { c.Name, c.Secure = "__Host-x", true }), nil},
		{"empty", with(func(c *jar.Cookie) { c.Name, c.Value = "", "" }), jar.ErrInvalidCookie},
		{"too large", with(func(c *jar.Cookie) { c.Value = strings.Repeat("x", 4096) }), jar.ErrInvalidCookie},
		{"name with =", with(func(c *jar.Cookie) { c.Name = "a=b" }), jar.ErrInvalidCookie},
		{"value with ;", with(func(c *jar.Cookie) { c.Value = "a;b" }), jar.ErrInvalidCookie},
		{"control character", with(func(c *jar.Cookie) { c.Value = "a\nb" }), jar.ErrInvalidCookie},
		{"surrounding space", with(func(c *jar.Cookie) { c.Name = " n" }), jar.ErrInvalidCookie},
		{"no domain", with(func(c *jar.Cookie) { c.Domain = "" }), jar.ErrInvalidCookie},
		{"upper-case domain", with(func(c *jar.Cookie) { c.Domain = "Example.com" }), jar.ErrInvalidCookie},
		{"leading dot", with(func(c *jar.Cookie) { c.Domain = ".example.com" }), jar.ErrInvalidCookie},
		{"domain with port", with(func(c *jar.Cookie) { c.Domain = "example.com:80" }), jar.ErrInvalidCookie},
		{"non-canonical IPv6", with(func(c *jar.Cookie) { c.Domain = "0:0::1" }), jar.ErrInvalidCookie},
		{"domain cookie on a public suffix", with(func(c *jar.Cookie) { c.Domain, c.HostOnly = "com", false }), jar.ErrInvalidCookie},
		{"host-only on a public suffix is fine", with(func(c *jar.Cookie) { c.Domain = "localhost" }), nil},
		{"relative path", with(func(c *jar.Cookie) { c.Path = "x" }), jar.ErrInvalidCookie},
		{"path with ;", with(func(c *jar.Cookie) { c.Path = "/app;jsessionid=1" }), nil},
		{"path with a control character", with(func(c *jar.Cookie) { c.Path = "/a\nb" }), jar.ErrInvalidCookie},
		{"empty path", with(func(c *jar.Cookie) { c.Path = "" }), jar.ErrInvalidCookie},
		{"persistent without expiry", with(func(c *jar.Cookie) { c.Persistent = true }), jar.ErrInvalidCookie},
		{"expired", with(func(c *jar.Cookie) { c.Persistent, c.Expires = true, t0 }), jar.ErrExpired},
		{"__Secure- without Secure", with(func(c *jar.Cookie) { c.Name = "__Secure-x" }), jar.ErrInvalidCookie},
		{"__Host- on a domain cookie", with(func(c *jar.Cookie) { c.Name, c.Secure, c.HostOnly = "__Host-x", true, false }), jar.ErrInvalidCookie},
		{"__Host- with a path", with(func(c *jar.Cookie) { c.Name, c.Secure, c.Path = "__Host-x", true, "/a" }), jar.ErrInvalidCookie},
		{"bad SameSite", with(func(c *jar.Cookie) { c.SameSite = 9 }), jar.ErrInvalidCookie},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := jar.New(jar.Options{Clock: newClock().Now})
			err := j.Put(tt.c)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Put error = %v, want %v", err, tt.err)
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "jar: ") {
					t.Errorf("error %q lacks the package prefix", err)
				}
				if j.Len() != 0 {
					t.Fatal("failed Put stored a cookie")
				}
				return
			}
			got := j.All()
			if len(got) != 1 || got[0].Key() != tt.c.Key() || !got[0].Created.Equal(t0) {
				t.Fatalf("stored %+v", got)
			}
		})
	}
	t.Run("Put keeps times and expiry as given", func(t *testing.T) {
		j := jar.New(jar.Options{Clock: newClock().Now})
		c := with(func(c *jar.Cookie) {
			c.Persistent, c.Expires = true, t0.AddDate(5, 0, 0)
			c.Created, c.Updated, c.LastAccess = t0.Add(-3*time.Hour), t0.Add(-2*time.Hour), t0.Add(-time.Hour)
		})
		if err := j.Put(c); err != nil {
			t.Fatal(err)
		}
		if got := j.All(); len(got) != 1 || got[0] != c {
			t.Fatalf("stored %+v\nwant   %+v", got, c)
		}
	})
}

func TestOnChange(t *testing.T) {
	clk := newClock()
	var got []string
	var j *jar.Jar
	j = jar.New(jar.Options{Clock: clk.Now, MaxCookiesPerDomain: 2, OnChange: func(c jar.Change) {
		got = append(got, fmt.Sprintf("%s %s=%s @%s", c.Kind, c.Cookie.Name, c.Cookie.Value, c.Time.Sub(t0)))
		// OnChange may use the jar, changing methods included.
		_ = j.Len()
		if c.Cookie.Name == "trigger" && c.Kind == jar.ChangeSet {
			j.Delete(c.Cookie.Key())
		}
	}})
	u := mustURL(t, "http://h.test/")
	j.SetCookieHeaders(u, []string{"a=1; Max-Age=10", "b=2"})
	clk.Advance(time.Second)
	j.SetCookieHeaders(u, []string{"b=3", "c=4"})
	clk.Advance(10 * time.Second)
	j.CookieHeader(u)
	j.SetCookieHeaders(u, []string{"c=; Max-Age=0", "trigger=1"})
	if err := j.Put(jar.Cookie{Name: "p", Value: "5", Domain: "other.test", Path: "/", HostOnly: true}); err != nil {
		t.Fatal(err)
	}
	j.Clear()
	if err := j.Restore([]jar.Cookie{{Name: "r", Value: "6", Domain: "h.test", Path: "/", HostOnly: true}}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"set a=1 @0s",
		"set b=2 @0s",
		"set b=3 @1s",
		"set c=4 @1s",
		"evicted a=1 @1s",
		"deleted c=4 @11s",
		"set trigger=1 @11s",
		"deleted trigger=1 @11s",
		"set p=5 @11s",
		"deleted b=3 @11s",
		"deleted p=5 @11s",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	t.Run("deletion of a cookie the jar does not hold reported", func(t *testing.T) {
		// A store shared by processes must learn of a server's deletion
		// even when this jar evicted the cookie (or never had it): another
		// process may hold it.
		var got []string
		j := jar.New(jar.Options{Clock: newClock().Now, MaxCookiesPerDomain: 1, OnChange: func(c jar.Change) {
			got = append(got, fmt.Sprintf("%s %s", c.Kind, c.Cookie.Key()))
		}})
		j.SetCookieHeaders(u, []string{"old=1", "new=2", "old=; Max-Age=0", "never=; Expires=Thu, 01 Jan 1970 00:00:10 GMT",
			"__Host-x=; Max-Age=0"}) // ignored: breaks its prefix's rules, so it deletes nothing
		want := []string{"set old@h.test/", "set new@h.test/", "evicted old@h.test/", "deleted old@h.test/", "deleted never@h.test/"}
		if !slices.Equal(got, want) {
			t.Fatalf("changes %q, want %q", got, want)
		}
	})
	t.Run("expiry reported", func(t *testing.T) {
		var kinds []jar.ChangeKind
		clk := newClock()
		j := jar.New(jar.Options{Clock: clk.Now, OnChange: func(c jar.Change) { kinds = append(kinds, c.Kind) }})
		j.SetCookieHeaders(u, []string{"a=1; Max-Age=5"})
		clk.Advance(5 * time.Second)
		j.CookieHeader(u)
		if !slices.Equal(kinds, []jar.ChangeKind{jar.ChangeSet, jar.ChangeExpired}) {
			t.Fatalf("kinds = %v", kinds)
		}
	})
}

func TestExplain(t *testing.T) {
	clk := newClock()
	j := jar.New(jar.Options{Clock: clk.Now})
	j.SetCookieHeaders(mustURL(t, "https://app.h.test/"), []string{
		"JSESSIONID=1; Path=/; HttpOnly",
		"legacy_sso=2; Path=/sso",
		"remember=3; Secure; Max-Age=60",
		"wide=4; Domain=h.test",
		"short=5; Max-Age=1",
	})
	j.SetCookieHeaders(mustURL(t, "http://other.test/"), []string{"x=6"})
	j.SetCookieHeaders(mustURL(t, "http://h.test/"), []string{"top=7"})
	clk.Advance(time.Second)

	got := j.Explain(mustURL(t, "http://app.h.test/admin/report"))
	var lines []string
	for _, d := range got {
		lines = append(lines, d.Reason.String()+" "+d.String())
	}
	want := []string{
		"sent JSESSIONID: sent",
		"sent wide: sent",
		"secure remember: not sent: Secure cookie, and http://app.h.test is neither https nor a loopback host",
		"expired short: not sent: expired at 2020-01-01T00:00:01Z",
		"path legacy_sso: not sent: Path=/sso does not match /admin/report",
		"host-only top: not sent: host-only cookie of h.test (set without Domain) is not sent to its subdomain app.h.test",
		"domain x: not sent: cookie of other.test, request to app.h.test",
	}
	if !slices.Equal(lines, want) {
		t.Fatalf("Explain:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if !got[0].Sent() || got[2].Sent() {
		t.Fatal("Sent() wrong")
	}
	if bad := j.Explain(mustURL(t, "ftp://app.h.test/")); len(bad) != 7 || bad[0].Reason != jar.NotSentURL {
		t.Fatalf("ftp: %+v", bad)
	}
}

// TestConcurrentUse runs every method from many goroutines (under -race it
// checks the locking) and checks that OnChange is never entered twice at
// once and that the jar ends consistent.
func TestConcurrentUse(t *testing.T) {
	var inFlight, calls atomic.Int64
	j := jar.New(jar.Options{MaxCookiesPerDomain: 20, OnChange: func(jar.Change) {
		if inFlight.Add(1) != 1 {
			t.Error("OnChange entered concurrently")
		}
		calls.Add(1)
		inFlight.Add(-1)
	}})
	hc := &http.Client{Jar: j}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				u := mustURL(t, fmt.Sprintf("http://h%d.test/p%d/x", g%3, i%4))
				j.SetCookieHeaders(u, []string{fmt.Sprintf("c%d=%d; Max-Age=%d", i%30, i, i%3), "s=1"})
				_ = j.CookieHeader(u)
				_ = j.Cookies(u)
				hc.Jar.SetCookies(u, []*http.Cookie{{Name: "h", Value: "v"}})
				switch i % 50 {
				case 10:
					_ = j.Restore(j.Snapshot())
				case 20:
					j.ClearSession()
				case 30:
					_ = j.Explain(u)
					_ = j.All()
					_ = j.Len()
				case 40:
					for _, c := range j.CookiesFor(u) {
						j.Delete(c.Key())
					}
				}
			}
		})
	}
	wg.Wait()
	if calls.Load() == 0 {
		t.Fatal("no change reported")
	}
	all := j.All()
	if len(all) != j.Len() || len(j.Snapshot()) != len(all) {
		t.Fatalf("All %d, Len %d, Snapshot %d", len(all), j.Len(), len(j.Snapshot()))
	}
	perDomain := map[string]int{}
	for _, c := range all {
		perDomain[c.Domain]++
	}
	for d, n := range perDomain {
		if n > 20 {
			t.Errorf("%s holds %d cookies, cap 20", d, n)
		}
	}
}
