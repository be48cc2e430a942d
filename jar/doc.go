// Package jar is an RFC 6265bis cookie jar that can list, save and restore
// everything it holds.
//
// A [Jar] reads raw Set-Cookie header lines itself, instead of relying on
// net/http's parser (which drops cookies browsers keep and forgets
// attributes), stores them following the storage model of RFC 6265bis, and
// writes the Cookie header exactly as the RFC says. It also implements
// [net/http.CookieJar], so it plugs into any *http.Client. The jar does no
// I/O and no logging.
//
// # Creating a jar
//
// The zero [Options] give a jar with the real clock, the public suffix list
// of golang.org/x/net/publicsuffix, browser-like limits (180 cookies per
// domain, 3000 in all) and the 400-day cap on lifetimes:
//
//	j := jar.New(jar.Options{})
//
// Set Options.Clock to fix "now" in tests or when loading saved state, and
// Options.OnChange to hear about every change.
//
// # Storing cookies from a response
//
// Give the jar the request URL and the raw Set-Cookie values of the
// response; lines the RFC says to ignore are dropped, never half-stored:
//
//	j.SetCookieHeaders(req.URL, resp.Header["Set-Cookie"])
//
// A cookie with an expiry in the past (Max-Age=0, an Expires date gone by)
// deletes the stored cookie of the same name, domain, path and host-only
// flag; Max-Age wins over Expires.
//
// # Sending cookies
//
// CookieHeader returns the value of the Cookie header for a request, ""
// when no cookie matches:
//
//	if h := j.CookieHeader(req.URL); h != "" {
//		req.Header.Set("Cookie", h)
//	}
//
// Cookies are ordered longer paths first, then earlier creation. A cookie
// without a name (a Set-Cookie of "token", as RFC 6265bis keeps it) is sent
// as its bare value. Set Options.RejectNameless to ignore such cookies, as
// RFC 6265 did.
//
// # Using the jar with net/http
//
// A *Jar is an http.CookieJar:
//
//	client := &http.Client{Jar: jar.New(jar.Options{})}
//
// SetCookies re-reads the raw line net/http keeps in http.Cookie.Raw, so
// attributes net/http's parser dropped are not lost. Through that interface
// net/http writes the Cookie header itself (Request.AddCookie), which
// cannot express nameless cookies and drops bytes it considers invalid;
// limpet's Session calls SetCookieHeaders and CookieHeader instead.
//
// # Listing, deleting and explaining
//
// All lists every cookie with all its attributes; CookiesFor lists those a
// request for a URL would carry; Len counts them. Delete removes one cookie
// by its [Key], Clear removes all, ClearSession removes the session
// (non-persistent) cookies, as a browser does on restart.
//
// Explain answers "why was my cookie not sent?": for every stored cookie,
// whether a request for a URL carries it and, if not, which rule keeps it
// back (host-only, Domain, Path, Secure, expired).
//
// # Saving and restoring
//
// Snapshot returns every cookie with all its fields (creation, update and
// last access times, host-only flag, expiry); Restore replaces the jar's
// contents with such a list, exactly. Whatever the jar stores from a
// Set-Cookie, Restore takes back. Restore checks every cookie; one it cannot
// hold (a file edited by hand, a domain that became a public suffix) is
// skipped and reported in a [RestoreError], and the others are restored.
// Put inserts one cookie as it is, for importing from cookies.txt or
// HTTPie files and for merging the state of several processes.
//
// # Watching changes
//
// Options.OnChange is told of every cookie set, deleted, expired or
// evicted, in order, without the jar's lock held (it may call the jar); see
// [Change] for where and when. A persistence layer saves on these events.
// A server's deletion of a cookie the jar does not hold is reported too, so
// that a store shared by processes records it. Restore reports nothing.
//
// # Rules the jar follows
//
//   - Host-only cookies (no Domain attribute) go to their exact host; domain
//     cookies to the domain and its subdomains. The host-only flag is part
//     of a cookie's identity, as in RFC 6265bis.
//   - Domain attributes that are public suffixes ("com", "co.uk",
//     "github.io") are rejected, unless equal to the request host, which
//     makes a host-only cookie: Domain=localhost from localhost works. The
//     check is on unless Options.PublicSuffixList is NoPublicSuffixList.
//   - Host names are compared lower case, internationalized names in their
//     punycode form; IP addresses match exactly; "localhost" is kept as it
//     is (no ".local" suffix is added).
//   - A request is secure over https and wss, and to a loopback host
//     (127.0.0.0/8, ::1, localhost) over any scheme, so that Secure
//     cookies work against a local server behind no TLS. Secure cookies are
//     stored and sent only on secure requests, and an insecure request
//     cannot overwrite a Secure cookie.
//   - __Secure- cookies need Secure; __Host- cookies need Secure, no Domain
//     and Path=/ (prefixes match in any case).
//   - HttpOnly, SameSite and Partitioned are stored and kept. SameSite never
//     keeps a cookie back: a client that is not a browser has no cross-site
//     context, so every request counts as same-site.
//   - Name and value together may not exceed 4096 bytes; an attribute value
//     over 1024 bytes is ignored.
//   - A cookie without a (valid) Path gets the directory of the request
//     path, as RFC 6265bis §5.1.4 says, ';' included: a cookie set by
//     /app;jsessionid=ABC/page has the path /app;jsessionid=ABC and goes to
//     that rewritten path only, as in browsers and net/http/cookiejar.
//
// # Limits
//
// Over Options.MaxCookiesPerDomain cookies sharing a Domain, the least
// recently used non-Secure one is evicted first; over Options.MaxCookies,
// the least recently used of the jar. Expired cookies are removed first.
//
// # Concurrency
//
// A Jar is safe for concurrent use by multiple goroutines. Lookups index
// cookies by domain, so their cost follows the number of cookies that can
// match, not the size of the jar. Storing a cookie that replaces one keeps
// its place, and a domain with many cookies indexes them by Key, so that
// storing costs about the same with 10 or 1,000 cookies per domain (see
// BENCHMARKS.md).
package jar
