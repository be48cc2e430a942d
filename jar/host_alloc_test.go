package jar_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/jar"
)

// TestLookupAllocsIPHost checks that looking up the cookies of an IP
// address host (every request to a loopback server) allocates no more than
// for a domain host: the canonical text of an address that is already
// canonical is not built again.
func TestLookupAllocsIPHost(t *testing.T) {
	allocs := func(u *url.URL) (header, cookiesFor float64) {
		j := jar.New(jar.Options{})
		set := *u
		set.Path = "/"
		j.SetCookies(&set, domainCookies(10, ""))
		if got := strings.Count(j.CookieHeader(u), "; ") + 1; got != 8 {
			t.Fatalf("%s: %d cookies sent, want 8", u, got)
		}
		empty := jar.New(jar.Options{})
		return testing.AllocsPerRun(100, func() { _ = j.CookieHeader(u) }),
			testing.AllocsPerRun(100, func() { _ = empty.CookiesFor(u) })
	}
	domain := hostURLs[len(hostURLs)-1]
	wantHeader, wantFor := allocs(domain.url)
	if wantFor != 0 {
		t.Errorf("CookiesFor(%s) on an empty jar: %v allocations, want 0", domain.url, wantFor)
	}
	for _, h := range hostURLs[:len(hostURLs)-1] {
		header, cookiesFor := allocs(h.url)
		if header != wantHeader || cookiesFor != wantFor {
			t.Errorf("%s: %v allocations for CookieHeader, %v for CookiesFor on an empty jar; %s: %v and %v",
				h.url, header, cookiesFor, domain.url, wantHeader, wantFor)
		}
	}
}
