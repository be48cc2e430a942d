package jar

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Errors returned, wrapped, by Put and Restore. Test with errors.Is.
var (
	// ErrInvalidCookie: a cookie breaks a rule of the storage model (bad
	// name, value, domain or path, a domain cookie on a public suffix, a
	// broken __Secure-/__Host- prefix...). The message says which.
	ErrInvalidCookie = errors.New("jar: invalid cookie")
	// ErrExpired: Put was given a cookie that has already expired.
	ErrExpired = errors.New("jar: cookie has expired")
)

// Reasons a parsed Set-Cookie is not stored (RFC 6265bis §5.7).
var (
	errDomainNonASCII = errors.New("jar: Domain attribute is not ASCII")
	errPublicSuffix   = errors.New("jar: Domain attribute is a public suffix")
	errDomainMismatch = errors.New("jar: request host does not domain-match the Domain attribute")
	errInsecure       = errors.New("jar: Secure cookie from an insecure request")
	errSecureOverlay  = errors.New("jar: would overlay a Secure cookie from an insecure request")
	errPrefix         = errors.New("jar: cookie breaks the rules of its __Secure- or __Host- prefix")
)

// storeLocked runs the storage model of RFC 6265bis §5.7 for one parsed
// Set-Cookie received from t. It returns why the cookie was ignored, or nil.
func (j *Jar) storeLocked(p *setCookie, t target, now time.Time) error {
	domain := p.domain
	if domain != "" && !isASCII(domain) {
		return errDomainNonASCII
	}
	if domain != "" && j.isPublicSuffix(domain) {
		if domain != t.host {
			return errPublicSuffix
		}
		domain = "" // Domain=localhost from localhost: a host-only cookie
	}
	c := Cookie{
		Name:        p.name,
		Value:       p.value,
		Secure:      p.secure,
		HttpOnly:    p.httpOnly,
		SameSite:    p.sameSite,
		Partitioned: p.partitioned,
	}
	if domain != "" {
		if !domainMatch(t.host, t.isIP, domain) {
			return errDomainMismatch
		}
		c.Domain = domain
	} else {
		c.Domain, c.HostOnly = t.host, true
	}
	if p.hasPath {
		c.Path = p.path
	} else {
		c.Path = defaultPath(t.path)
	}
	if c.Secure && !t.secure {
		return errInsecure
	}
	if !c.Secure && !t.secure && j.overlaysSecureLocked(&c) {
		return errSecureOverlay
	}
	if !prefixOK(&c, p.hasPath) {
		return errPrefix
	}
	c.Persistent, c.Expires = p.expiry()
	c.Created, c.Updated, c.LastAccess = now, now, now
	j.setLocked(c, now, true)
	return nil
}

// overlaysSecureLocked implements the "leave Secure cookies alone" rule: an
// insecure request may not set a cookie named like a stored Secure cookie
// whose domain matches the new one's (or the reverse) and whose path the
// new cookie's path path-matches.
func (j *Jar) overlaysSecureLocked(c *Cookie) bool {
	if j.secureNames[c.Name] == 0 {
		return false
	}
	for d, b := range j.domains {
		if !domainMatch(d, false, c.Domain) && !domainMatch(c.Domain, false, d) {
			continue
		}
		for i := range b.entries {
			o := &b.entries[i].c
			if o.Secure && o.Name == c.Name && pathMatch(c.Path, o.Path) {
				return true
			}
		}
	}
	return false
}

// prefixOK checks the cookie name prefixes of RFC 6265bis §4.1.3 (matched
// case-insensitively), including a nameless cookie whose value starts like
// a prefixed name.
func prefixOK(c *Cookie, hasPath bool) bool {
	n := c.Name
	if n == "" {
		n = c.Value
		if hasPrefixFold(n, "__Secure-") || hasPrefixFold(n, "__Host-") {
			return false
		}
	}
	if hasPrefixFold(n, "__Secure-") && !c.Secure {
		return false
	}
	if hasPrefixFold(n, "__Host-") && (!c.Secure || !c.HostOnly || !hasPath || c.Path != "/") {
		return false
	}
	return true
}

// setLocked stores c, replacing the cookie with the same Key. With
// inherit, c takes the replaced cookie's creation time, as the storage
// model requires. A cookie already expired only deletes.
func (j *Jar) setLocked(c Cookie, now time.Time, inherit bool) {
	k := c.Key()
	var seq uint64
	if b := j.domains[c.Domain]; b != nil {
		if i := b.find(k); i >= 0 {
			if inherit || c.Created.IsZero() {
				c.Created = b.entries[i].c.Created
			}
			if !c.Expired(now) && c.Created.Equal(b.entries[i].c.Created) {
				// The cookie keeps its place in the sending order:
				// replace it where it is, at a cost that does not grow
				// with the number of cookies of its domain.
				j.replaceLocked(b.entries[i], c)
				j.emitLocked(ChangeSet, c, now)
				return
			}
			old := j.removeLocked(c.Domain, b, i)
			seq = old.seq
			if c.Expired(now) {
				j.emitLocked(ChangeDeleted, old.c, now)
				return
			}
		}
	}
	if c.Expired(now) {
		// The server deletes a cookie this jar does not hold (it never
		// had it, or evicted it). Another process sharing the session may
		// hold it: report the deletion, so that a store records it.
		j.emitLocked(ChangeDeleted, c, now)
		return
	}
	if seq == 0 {
		j.seq++
		seq = j.seq
	}
	j.insertLocked(entry{c: c, seq: seq})
	j.emitLocked(ChangeSet, c, now)
	j.evictLocked(c.Domain, now)
}

// replaceLocked replaces e's cookie with c, which has the same Key and
// creation time (so the same place in the bucket and the same index slot),
// and updates the counters.
func (j *Jar) replaceLocked(e *entry, c Cookie) {
	if e.c.Secure != c.Secure {
		if c.Secure {
			j.secureNames[c.Name]++
		} else if j.secureNames[c.Name]--; j.secureNames[c.Name] <= 0 {
			delete(j.secureNames, c.Name)
		}
	}
	if c.Persistent && (j.nextExpiry.IsZero() || c.Expires.Before(j.nextExpiry)) {
		j.nextExpiry = c.Expires
	}
	e.c = c
}

// Put stores c as it is, replacing the cookie with the same Key: for
// importing cookies from a file and merging saved state. Zero Created,
// Updated and LastAccess times are set to now (Created to the replaced
// cookie's, if any); Expires is kept even beyond MaxLifetime. c must obey
// the storage model: see ErrInvalidCookie. Put returns an error wrapping
// ErrExpired, and changes nothing, for a cookie that has already expired.
// It reports ChangeSet (and any eviction) to OnChange.
func (j *Jar) Put(c Cookie) error {
	now := j.now()
	if err := j.validate(&c); err != nil {
		return err
	}
	if c.Expired(now) {
		return fmt.Errorf("%w: %s at %s", ErrExpired, c.Key(), c.Expires.Format(time.RFC3339))
	}
	if c.Updated.IsZero() {
		c.Updated = now
	}
	if c.LastAccess.IsZero() {
		c.LastAccess = now
	}
	j.mu.Lock()
	j.purgeLocked(now)
	if c.Created.IsZero() {
		c.Created = now
		if b := j.domains[c.Domain]; b != nil {
			if i := b.find(c.Key()); i >= 0 {
				c.Created = b.entries[i].c.Created
			}
		}
	}
	j.setLocked(c, now, false)
	j.unlockAndNotify()
	return nil
}

// Delete removes the cookie with key k and reports whether there was one.
// It reports ChangeDeleted to OnChange.
func (j *Jar) Delete(k Key) bool {
	now := j.now()
	j.mu.Lock()
	j.purgeLocked(now)
	found := false
	if b := j.domains[k.Domain]; b != nil {
		if i := b.find(k); i >= 0 {
			e := j.removeLocked(k.Domain, b, i)
			j.emitLocked(ChangeDeleted, e.c, now)
			found = true
		}
	}
	j.unlockAndNotify()
	return found
}

// Clear removes every cookie, reporting each as ChangeDeleted.
func (j *Jar) Clear() {
	j.removeWhere(func(*Cookie) bool { return true })
}

// ClearSession removes the session (non-persistent) cookies, as a browser
// does when "the current session is over", reporting each as
// ChangeDeleted.
func (j *Jar) ClearSession() {
	j.removeWhere(func(c *Cookie) bool { return !c.Persistent })
}

func (j *Jar) removeWhere(match func(*Cookie) bool) {
	now := j.now()
	j.mu.Lock()
	j.purgeLocked(now)
	var gone []Cookie
	for d, b := range j.domains {
		for i := 0; i < len(b.entries); {
			if match(&b.entries[i].c) {
				gone = append(gone, j.removeLocked(d, b, i).c)
				continue
			}
			i++
		}
	}
	if j.n == 0 {
		j.nextExpiry = time.Time{}
	}
	slices.SortFunc(gone, compareListing)
	for _, c := range gone {
		j.emitLocked(ChangeDeleted, c, now)
	}
	j.unlockAndNotify()
}

// Len returns the number of cookies held, expired ones not counted.
func (j *Jar) Len() int {
	now := j.now()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.nextExpiry.IsZero() || now.Before(j.nextExpiry) {
		return j.n
	}
	n := 0
	for _, b := range j.domains {
		for i := range b.entries {
			if !b.entries[i].c.Expired(now) {
				n++
			}
		}
	}
	return n
}

// All returns every cookie held, expired ones left out, sorted by domain,
// path and name, for listing.
func (j *Jar) All() []Cookie {
	out := j.collect()
	slices.SortFunc(out, compareListing)
	return out
}

// Snapshot returns every cookie held, expired ones left out, with all its
// fields, in creation order: the state a store saves. Restore of the
// result rebuilds the jar exactly, including the order in which cookies
// created at the same instant are sent.
func (j *Jar) Snapshot() []Cookie {
	return j.collect()
}

// collect returns the live cookies in creation order.
func (j *Jar) collect() []Cookie {
	now := j.now()
	j.mu.Lock()
	es := make([]*entry, 0, j.n)
	for _, b := range j.domains {
		for i := range b.entries {
			if e := b.entries[i]; !e.c.Expired(now) {
				es = append(es, e)
			}
		}
	}
	slices.SortFunc(es, func(a, b *entry) int {
		if c := a.c.Created.Compare(b.c.Created); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	out := make([]Cookie, len(es))
	for i, e := range es {
		out[i] = e.c
	}
	j.mu.Unlock()
	return out
}

// RestoreError is the error Restore returns when it skipped cookies it
// cannot hold; it restored all the others. It wraps the error of each
// skipped cookie, so errors.Is(err, ErrInvalidCookie) holds.
//
// Its message names the skipped cookies by key and says why, never with
// their values.
type RestoreError struct {
	// Total is the number of cookies Restore was given.
	Total int
	// Skipped lists the cookies left out, in the order they were given.
	Skipped []SkippedCookie
}

// SkippedCookie is a cookie Restore left out, and why.
type SkippedCookie struct {
	// Index is the cookie's position in the slice given to Restore.
	Index int
	// Cookie is the cookie as given.
	Cookie Cookie
	// Err says why; it wraps ErrInvalidCookie.
	Err error
}

// Error returns "jar: restore: skipped N of M cookies: ..." with the reason
// for each.
func (e *RestoreError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "jar: restore: skipped %d of %d cookies", len(e.Skipped), e.Total)
	for i, s := range e.Skipped {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "cookie %d: %s", s.Index, strings.TrimPrefix(s.Err.Error(), "jar: "))
	}
	return b.String()
}

// Unwrap returns the error of each skipped cookie.
func (e *RestoreError) Unwrap() []error {
	out := make([]error, len(e.Skipped))
	for i, s := range e.Skipped {
		out[i] = s.Err
	}
	return out
}

// Restore replaces the jar's contents with cookies, typically a Snapshot
// loaded from a store, keeping every field as given: creation, update and
// last access times, host-only flag, expiry. Cookies that have expired are
// skipped; zero times are set to now. Cookies with equal creation times
// are sent in the order they have in the slice.
//
// A cookie the jar cannot hold (see ErrInvalidCookie: a file edited by
// hand, a domain that has become a public suffix since it was saved) or a
// second cookie with a Key already given does not stop the others: Restore
// restores every valid cookie and returns a *RestoreError that lists the
// ones it skipped. A caller loading a saved session should report that
// error as a warning and go on. Any other result is nil.
//
// Limits apply: cookies beyond MaxCookiesPerDomain or MaxCookies are
// evicted as usual. Restore reports nothing to OnChange.
func (j *Jar) Restore(cookies []Cookie) error {
	now := j.now()
	keep := make([]Cookie, 0, len(cookies))
	seen := make(map[Key]int, len(cookies))
	var rerr *RestoreError
	skip := func(i int, c Cookie, err error) {
		if rerr == nil {
			rerr = &RestoreError{Total: len(cookies)}
		}
		rerr.Skipped = append(rerr.Skipped, SkippedCookie{Index: i, Cookie: c, Err: err})
	}
	for i, c := range cookies {
		if err := j.validate(&c); err != nil {
			skip(i, cookies[i], err)
			continue
		}
		if first, dup := seen[c.Key()]; dup {
			skip(i, cookies[i], fmt.Errorf("%w %s: same key as cookie %d", ErrInvalidCookie, c.Key(), first))
			continue
		}
		seen[c.Key()] = i
		if c.Expired(now) {
			continue
		}
		if c.Created.IsZero() {
			c.Created = now
		}
		if c.Updated.IsZero() {
			c.Updated = now
		}
		if c.LastAccess.IsZero() {
			c.LastAccess = now
		}
		keep = append(keep, c)
	}
	slices.SortStableFunc(keep, func(a, b Cookie) int { return a.Created.Compare(b.Created) })

	j.mu.Lock()
	j.domains = make(map[string]*bucket)
	j.secureNames = make(map[string]int)
	j.n = 0
	j.nextExpiry = time.Time{}
	j.muted = true // Restore reports nothing, evictions included
	for _, c := range keep {
		j.seq++
		j.insertLocked(entry{c: c, seq: j.seq})
	}
	for d := range j.domains {
		j.evictLocked(d, now)
	}
	j.muted = false
	j.mu.Unlock()
	if rerr != nil {
		return rerr
	}
	return nil
}

// validate checks a cookie given to Put or Restore against the storage
// model and normalizes what has one meaning only (the Expires of a session
// cookie).
func (j *Jar) validate(c *Cookie) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %s: %s", ErrInvalidCookie, c.Key(), fmt.Sprintf(format, args...))
	}
	switch {
	case c.Name == "" && c.Value == "":
		return bad("neither name nor value")
	case len(c.Name)+len(c.Value) > MaxNameValueSize:
		return bad("name and value exceed %d bytes", MaxNameValueSize)
	case strings.ContainsAny(c.Name, "=;") || hasCTL(c.Name) || trimWSP(c.Name) != c.Name:
		return bad("name %q has '=', ';', a control character or surrounding white space", c.Name)
	case strings.ContainsRune(c.Value, ';') || hasCTL(c.Value) || trimWSP(c.Value) != c.Value:
		return bad("value has ';', a control character or surrounding white space")
	case c.Path == "" || c.Path[0] != '/' || hasCTL(c.Path):
		// A Path attribute cannot hold ';', but a default-path can: it is
		// the directory of the request path (RFC 6265bis §5.1.4), and
		// "/app;jsessionid=ABC/page" gives "/app;jsessionid=ABC".
		return bad("path %q must start with '/' and have no control character", c.Path)
	case len(c.Path) > MaxAttributeValueSize:
		return bad("path longer than %d bytes", MaxAttributeValueSize)
	case c.Persistent && c.Expires.IsZero():
		return bad("persistent cookie without an expiry time")
	}
	if !c.Persistent {
		c.Expires = time.Time{}
	}
	isIP := false
	if a, err := netip.ParseAddr(c.Domain); err == nil {
		if a.Zone() != "" || a.String() != c.Domain {
			return bad("IP address domain %q is not in canonical form", c.Domain)
		}
		isIP = true
	} else if !validHostName(c.Domain) {
		return bad("domain %q is not a lower-case ASCII host name without a leading dot", c.Domain)
	}
	if !c.HostOnly && !isIP && j.isPublicSuffix(c.Domain) {
		return bad("domain cookie for public suffix %q (use HostOnly)", c.Domain)
	}
	if !prefixOK(c, true) {
		return bad("name prefix __Secure- needs Secure; __Host- needs Secure, HostOnly and Path \"/\"")
	}
	if c.SameSite < SameSiteDefault || c.SameSite > SameSiteStrict {
		return bad("unknown SameSite value %d", c.SameSite)
	}
	return nil
}

func hasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if isCTL(s[i]) {
			return true
		}
	}
	return false
}
