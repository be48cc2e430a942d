package jar

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

var _ http.CookieJar = (*Jar)(nil)

// SetCookies implements http.CookieJar: it stores cookies received in a
// response to a request for u, by the same rules as SetCookieHeaders.
//
// A cookie parsed by net/http carries its raw header line in Raw; when that
// line still parses to the cookie's name and value, it is stored from the
// line, so that nothing net/http's parser dropped (an unknown SameSite, an
// invalid Max-Age that should be ignored, a Partitioned flag) is lost.
// Otherwise the cookie's fields are used: MaxAge < 0 deletes, MaxAge > 0
// wins over Expires, a Quoted value keeps its quotes.
func (j *Jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	if len(cookies) == 0 {
		return
	}
	t, err := newTarget(u)
	if err != nil {
		return
	}
	now := j.now()
	j.mu.Lock()
	j.purgeLocked(now)
	for _, hc := range cookies {
		if hc == nil {
			continue
		}
		p, ok := j.fromHTTPCookie(hc, t.path, now)
		if !ok {
			continue
		}
		_ = j.storeLocked(&p, t, now)
	}
	j.unlockAndNotify()
}

// fromHTTPCookie turns an *http.Cookie into a parsed Set-Cookie.
func (j *Jar) fromHTTPCookie(hc *http.Cookie, reqPath string, now time.Time) (setCookie, bool) {
	value := hc.Value
	if hc.Quoted {
		value = `"` + value + `"`
	}
	if hc.Raw != "" {
		p, err := parseSetCookie(hc.Raw, reqPath, now, j.maxLife, j.nameless)
		if err == nil && p.name == hc.Name && p.value == value {
			return p, true
		}
	}
	p := setCookie{name: hc.Name, value: value}
	if hasCTL(p.name) || hasCTL(p.value) || strings.ContainsRune(p.name, '=') ||
		strings.ContainsRune(p.name, ';') || strings.ContainsRune(p.value, ';') {
		return p, false
	}
	p.name, p.value = trimWSP(p.name), trimWSP(p.value)
	switch {
	case p.name == "" && p.value == "":
		return p, false
	case p.name == "" && !j.nameless:
		return p, false
	case len(p.name)+len(p.value) > MaxNameValueSize:
		return p, false
	}
	limit := time.Time{}
	if j.maxLife >= 0 {
		limit = now.Add(j.maxLife)
	}
	switch {
	case hc.MaxAge < 0:
		p.hasMaxAge, p.maxAge = true, earliest
	case hc.MaxAge > 0:
		secs := min(int64(hc.MaxAge), 1<<32) // no Duration overflow
		p.hasMaxAge, p.maxAge = true, capExpiry(now.Add(time.Duration(secs)*time.Second), limit)
	}
	if !hc.Expires.IsZero() {
		p.hasExp, p.expires = true, capExpiry(hc.Expires.UTC(), limit)
	}
	if d := strings.TrimPrefix(hc.Domain, "."); d != "" {
		p.hasDomain, p.domain = true, asciiLower(d)
	}
	if hc.Path != "" {
		p.hasPath, p.path = true, hc.Path
		if hc.Path[0] != '/' || hasCTL(hc.Path) || strings.ContainsRune(hc.Path, ';') {
			p.path = defaultPath(reqPath)
		}
	}
	p.secure, p.httpOnly, p.partitioned = hc.Secure, hc.HttpOnly, hc.Partitioned
	switch hc.SameSite {
	case http.SameSiteNoneMode:
		p.sameSite = SameSiteNone
	case http.SameSiteLaxMode:
		p.sameSite = SameSiteLax
	case http.SameSiteStrictMode:
		p.sameSite = SameSiteStrict
	}
	return p, true
}

// Cookies implements http.CookieJar: the cookies to send with a request
// for u, in sending order, with LastAccess updated as CookieHeader does.
// Besides Name and Value, each carries the stored Path, Domain (for domain
// cookies; empty for host-only ones), Expires (persistent cookies), Secure,
// HttpOnly, SameSite and Partitioned. A value in double quotes is returned
// without them and with Quoted set, as net/http expects.
//
// net/http's Request.AddCookie writes a nameless cookie as "=value" and
// drops bytes it considers invalid in a value; CookieHeader writes the
// header exactly as RFC 6265bis says.
func (j *Jar) Cookies(u *url.URL) []*http.Cookie {
	t, err := newTarget(u)
	if err != nil {
		return nil
	}
	now := j.now()
	j.mu.Lock()
	j.purgeLocked(now)
	m := j.matchLocked(t, now)
	if len(m) == 0 {
		j.unlockAndNotify()
		return nil
	}
	store := make([]http.Cookie, len(m))
	out := make([]*http.Cookie, len(m))
	for i, e := range m {
		e.c.LastAccess = now
		hc := &store[i]
		hc.Name, hc.Value = e.c.Name, e.c.Value
		if v := hc.Value; len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			hc.Value, hc.Quoted = v[1:len(v)-1], true
		}
		hc.Path = e.c.Path
		if !e.c.HostOnly {
			hc.Domain = e.c.Domain
		}
		if e.c.Persistent {
			hc.Expires = e.c.Expires
		}
		hc.Secure, hc.HttpOnly, hc.Partitioned = e.c.Secure, e.c.HttpOnly, e.c.Partitioned
		switch e.c.SameSite {
		case SameSiteNone:
			hc.SameSite = http.SameSiteNoneMode
		case SameSiteLax:
			hc.SameSite = http.SameSiteLaxMode
		case SameSiteStrict:
			hc.SameSite = http.SameSiteStrictMode
		}
		out[i] = hc
	}
	j.doneLocked(m)
	j.unlockAndNotify()
	return out
}
