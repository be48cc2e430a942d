package browsercookie

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/limpet-http/limpet/jar"
)

// Browser names a browser whose cookies Read can import.
type Browser string

// Browsers Read knows. Chromium and Chrome share a format; they differ in
// where their profiles live and in the name of their keyring item.
const (
	Chromium Browser = "chromium"
	Chrome   Browser = "chrome"
	Firefox  Browser = "firefox"
)

// Browsers lists the browsers Read knows, for messages and completion.
var Browsers = []Browser{Chromium, Chrome, Firefox}

// ParseBrowser returns the Browser named s: "chromium", "chrome" (or
// "google-chrome"), "firefox" (or "firefox-esr"), case-insensitively.
func ParseBrowser(s string) (Browser, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "chromium", "chromium-browser":
		return Chromium, nil
	case "chrome", "google-chrome", "google-chrome-stable":
		return Chrome, nil
	case "firefox", "firefox-esr", "mozilla-firefox":
		return Firefox, nil
	}
	return "", fmt.Errorf("browsercookie: unknown browser %q (want chromium, chrome or firefox)", s)
}

// Errors returned, wrapped, by Read. Test with errors.Is; the messages say
// what was found and what to do.
var (
	// ErrProfileNotFound: no profile matches Options.Profile, or the
	// browser has no profile at all. The error is a *ProfileNotFoundError
	// listing the profiles found.
	ErrProfileNotFound = errors.New("browsercookie: profile not found")
	// ErrSchemaTooNew: the cookie database was written by a browser
	// version newer than this package can read; the message names the
	// schema version.
	ErrSchemaTooNew = errors.New("browsercookie: cookie database is newer than this version reads")
	// ErrNotCookieDB: the file is not a cookie database of the browser.
	ErrNotCookieDB = errors.New("browsercookie: not a cookie database")
	// ErrKeyring: Chromium cookies are encrypted with a password held by
	// the desktop keyring, and the keyring is locked, absent or does not
	// hold it. The message says how to unlock it.
	ErrKeyring = errors.New("browsercookie: cannot get the cookie password from the keyring")
)

// Options says which cookies Read imports.
type Options struct {
	// Browser is the browser whose profile is read. Required.
	Browser Browser
	// Profile selects the profile: "" for the browser's default profile
	// (Chromium's last used, Firefox's default), a profile name (Chromium's
	// folder "Default", "Profile 1" or its display name; Firefox's Name= in
	// profiles.ini or its folder name), or a path to a profile folder, a
	// Chromium user-data folder, a Firefox profiles folder or a cookie
	// database file.
	Profile string
	// Domains keeps the cookies that a request to one of these hosts would
	// carry (host-only cookies of the host, domain cookies of it or of a
	// parent domain) and those of their subdomains. Empty keeps all.
	// "example.com" and ".example.com" are the same.
	Domains []string
	// Dirs locates the profiles; the zero value means DefaultDirs().
	Dirs Dirs
	// SafeStoragePassword returns the password of Chromium's keyring item
	// ("Chromium Safe Storage", "Chrome Safe Storage") that encrypts "v11"
	// cookie values. nil looks it up through the Secret Service on the
	// D-Bus session bus (gnome-keyring, KeePassXC, KWallet 5.97+). It is
	// called at most once, and only when a cookie to import needs it.
	SafeStoragePassword func(ctx context.Context, b Browser) ([]byte, error)
	// TempDir is where the private copy of the database is made ("" means
	// os.TempDir()). The copy is removed before Read returns.
	TempDir string
	// Now is the time against which expiry is checked; zero means
	// time.Now().
	Now time.Time
}

// Scheme is a set of URL schemes.
type Scheme uint8

// Schemes a cookie may come from.
const (
	SchemeHTTP Scheme = 1 << iota
	SchemeHTTPS
)

// String returns "http", "https", "http+https" or "".
func (s Scheme) String() string {
	switch s & (SchemeHTTP | SchemeHTTPS) {
	case SchemeHTTP:
		return "http"
	case SchemeHTTPS:
		return "https"
	case SchemeHTTP | SchemeHTTPS:
		return "http+https"
	}
	return ""
}

// Cookie is an imported cookie: a jar.Cookie ready for jar.Jar.Put, and
// what the browser recorded beyond the jar's storage model.
type Cookie struct {
	jar.Cookie
	// SourceScheme is the scheme (or schemes) of the origins that set the
	// cookie, as recorded by the browser (Chromium's source_scheme,
	// Firefox's schemeMap); 0 when not recorded. limpet's jar, like
	// browsers by default, does not bind cookies to the scheme that set
	// them; the Secure attribute decides.
	SourceScheme Scheme
	// Partition is the top-level site of a partitioned (CHIPS) cookie, as
	// the browser wrote it; "" for an unpartitioned cookie. Only cookies
	// partitioned under their own site are imported.
	Partition string
}

// Skipped counts the cookies of the database that Read did not import, by
// reason.
type Skipped struct {
	// OtherDomain: outside Options.Domains.
	OtherDomain int
	// HostCheck: a Chromium value whose decrypted SHA-256 prefix does not
	// match its host (a row copied to another host, or tampered with).
	HostCheck int
	// Undecryptable: a Chromium value that no known key decrypts (bad
	// padding, unknown format, or a keyring password that changed).
	Undecryptable int
	// Expired: expired at Options.Now.
	Expired int
	// OtherPartition: partitioned under another top-level site, or kept by
	// Firefox for a container tab or private window.
	OtherPartition int
	// Invalid: breaks the cookie storage model (see jar.ErrInvalidCookie):
	// a bad name, value, domain or path, or a domain cookie on a public
	// suffix.
	Invalid int
	// Duplicate: the same name, domain, path and host-only flag as another
	// imported cookie (Chromium keys cookies by scheme and port too); the
	// most recently updated is kept.
	Duplicate int
}

// Total returns the number of skipped cookies.
func (s Skipped) Total() int {
	return s.OtherDomain + s.HostCheck + s.Undecryptable + s.Expired + s.OtherPartition + s.Invalid + s.Duplicate
}

// String describes the counts that are not zero, for people: "2 failed
// the host check, 1 expired"; "" when none was skipped.
func (s Skipped) String() string {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(s.HostCheck, "failed the host check")
	add(s.Undecryptable, "could not be decrypted")
	add(s.Expired, "expired")
	add(s.OtherPartition, "belong to another partition, container or private window")
	add(s.Invalid, "are invalid")
	add(s.Duplicate, "were duplicates")
	add(s.OtherDomain, "are for other domains")
	return strings.Join(parts, ", ")
}

// Result is what Read imported.
type Result struct {
	// Profile is the profile read.
	Profile Profile
	// Database is the path of the cookie database read (the browser's
	// file; Read reads a private copy).
	Database string
	// Schema is the database's schema version: Chromium's meta version,
	// Firefox's user_version.
	Schema int
	// Cookies are the imported cookies, ordered by domain, path and name.
	// Values are secrets: show them masked (internal/redact in limpet's
	// command line does).
	Cookies []Cookie
	// Skipped counts the cookies not imported, by reason.
	Skipped Skipped
	// Warnings are things a person should know: a schema newer than the
	// newest this package was checked against, read all the same.
	Warnings []string
}

// JarCookies returns the imported cookies as jar cookies, for jar.Jar.Put
// or store.CookiesFromJar.
func (r *Result) JarCookies() []jar.Cookie {
	out := make([]jar.Cookie, len(r.Cookies))
	for i, c := range r.Cookies {
		out[i] = c.Cookie
	}
	return out
}

// Read imports the cookies of a browser profile. It reads a private copy
// of the profile's cookie database (made in a new folder only the user can
// read, removed before it returns), so it works while the browser runs and
// sees what a running Firefox holds in its write-ahead log.
//
// It returns an error wrapping ErrProfileNotFound, ErrSchemaTooNew,
// ErrNotCookieDB or ErrKeyring for those cases. Cookies that cannot be
// imported are counted in Result.Skipped, never returned half-read: a
// Chromium value that fails its host check or does not decrypt is skipped.
//
// Read is safe for concurrent use.
func Read(ctx context.Context, o Options) (*Result, error) {
	if o.Browser == "" {
		return nil, errors.New("browsercookie: Options.Browser is required")
	}
	if _, err := ParseBrowser(string(o.Browser)); err != nil {
		return nil, err
	}
	filter, err := newDomainFilter(o.Domains)
	if err != nil {
		return nil, err
	}
	if o.Dirs == (Dirs{}) {
		o.Dirs = DefaultDirs()
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	prof, db, err := resolveProfile(o.Browser, o.Profile, o.Dirs)
	if err != nil {
		return nil, err
	}
	res := &Result{Profile: prof, Database: db}
	var cookies []Cookie
	switch o.Browser {
	case Firefox:
		cookies, err = readFirefox(ctx, db, o, filter, res)
	default:
		cookies, err = readChromium(ctx, db, o, filter, res)
	}
	if err != nil {
		return nil, err
	}
	res.Cookies = keepValid(cookies, o.Now, &res.Skipped)
	return res, nil
}

// keepValid returns the cookies that the jar's storage model accepts and
// that have not expired at now, one per jar.Key (the most recently
// updated), ordered by domain, path and name; it counts the others.
func keepValid(cs []Cookie, now time.Time, sk *Skipped) []Cookie {
	j := jar.New(jar.Options{
		Clock:               func() time.Time { return now },
		MaxCookies:          jar.NoLimit,
		MaxCookiesPerDomain: jar.NoLimit,
		MaxLifetime:         jar.NoLimit,
	})
	out := cs[:0] // filtered in place
	at := make(map[jar.Key]int, len(cs))
	for _, c := range cs {
		// Put checks the cookie against the storage model; Delete keeps
		// the jar, used for nothing else, empty.
		switch err := j.Put(c.Cookie); {
		case errors.Is(err, jar.ErrExpired):
			sk.Expired++
			continue
		case err != nil:
			sk.Invalid++
			continue
		}
		j.Delete(c.Key())
		if i, dup := at[c.Key()]; dup {
			if c.Updated.After(out[i].Updated) {
				out[i] = c
			}
			sk.Duplicate++
			continue
		}
		at[c.Key()] = len(out)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Cookie) int {
		return cmp.Or(cmp.Compare(a.Domain, b.Domain), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Name, b.Name),
			cmpBool(a.HostOnly, b.HostOnly))
	})
	return out
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// domainFilter keeps the cookies for some hosts; empty keeps all.
type domainFilter []string

func newDomainFilter(domains []string) (domainFilter, error) {
	var f domainFilter
	for _, d := range domains {
		n, err := normalizeHost(d)
		if err != nil {
			return nil, err
		}
		f = append(f, n)
	}
	return f, nil
}

// normalizeHost turns a user's host or domain ("Example.COM", ".example.com",
// "[::1]", "localhost:8080") into the jar's canonical form.
func normalizeHost(s string) (string, error) {
	h := strings.ToLower(strings.TrimSpace(s))
	if strings.ContainsAny(h, "/?#@ \t;,") {
		return "", fmt.Errorf("browsercookie: domain %q: want a host name such as example.com", s)
	}
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimPrefix(strings.TrimSuffix(h, "."), ".")
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if h == "" {
		return "", fmt.Errorf("browsercookie: domain %q: want a host name such as example.com", s)
	}
	return h, nil
}

// match reports whether a cookie of domain (canonical, no leading dot) is
// kept: it is sent to one of the filter's hosts, or belongs to a host
// under one.
func (f domainFilter) match(domain string, hostOnly bool) bool {
	if len(f) == 0 {
		return true
	}
	for _, d := range f {
		if domain == d || strings.HasSuffix(domain, "."+d) || !hostOnly && strings.HasSuffix(d, "."+domain) {
			return true
		}
	}
	return false
}

// hostKey splits a browser's host column (".example.com" for a domain
// cookie, "example.com" or "[::1]" for a host-only one) into the jar's
// canonical domain and host-only flag.
func hostKey(s string) (domain string, hostOnly bool) {
	hostOnly = !strings.HasPrefix(s, ".")
	d := strings.ToLower(strings.TrimPrefix(s, "."))
	if strings.HasPrefix(d, "[") && strings.HasSuffix(d, "]") {
		d = d[1 : len(d)-1]
	}
	return d, hostOnly
}

// partitionSite returns the host of a partition key's site: Chromium's
// top_frame_site_key ("https://example.com") or Firefox's partitionKey
// ("(https,example.com)" or "(https,example.com,8443)").
func partitionSite(key string) string {
	if strings.HasPrefix(key, "(") && strings.HasSuffix(key, ")") {
		parts := strings.Split(key[1:len(key)-1], ",")
		if len(parts) >= 2 {
			return strings.ToLower(strings.Trim(parts[1], "[]"))
		}
		return ""
	}
	if _, rest, ok := strings.Cut(key, "://"); ok {
		rest, _, _ = strings.Cut(rest, "/")
		if h, _, err := net.SplitHostPort(rest); err == nil {
			rest = h
		}
		return strings.ToLower(strings.Trim(rest, "[]"))
	}
	return ""
}

// ownPartition reports whether a cookie of domain partitioned under key
// is first-party: the partition's site is the cookie's domain or a parent
// of it. Such a cookie is sent when the site itself is visited, as limpet
// does; others only inside another site's frames.
func ownPartition(key, domain string) bool {
	site := partitionSite(key)
	return site != "" && (domain == site || strings.HasSuffix(domain, "."+site))
}

// maxTime caps imported times: JSON and RFC 3339 stop at year 9999.
var maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// clampTime returns t, or maxTime if t is later.
func clampTime(t time.Time) time.Time {
	if t.After(maxTime) {
		return maxTime
	}
	return t
}
