package jar

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Defaults for the zero Options.
const (
	// DefaultMaxCookiesPerDomain caps the cookies sharing one Domain, as
	// browsers do (Chrome and Firefox keep 180).
	DefaultMaxCookiesPerDomain = 180
	// DefaultMaxCookies caps the whole jar (Chrome keeps 3300, Firefox 3000).
	DefaultMaxCookies = 3000
	// DefaultMaxLifetime is the cookie age limit of RFC 6265bis §5.6.1 and
	// §5.6.2: an Expires or Max-Age further in the future is reduced to it.
	DefaultMaxLifetime = 400 * 24 * time.Hour
)

// NoLimit, as Options.MaxCookiesPerDomain, Options.MaxCookies or
// Options.MaxLifetime, switches that limit off. Zero means the default, so
// switching a limit off is always an explicit choice.
const NoLimit = -1

// PublicSuffixList tells which domains are public suffixes ("com",
// "co.uk", "github.io"), on which no server may set a domain cookie. It is
// the same interface as net/http/cookiejar's, so
// golang.org/x/net/publicsuffix.List satisfies both.
//
// Implementations must be safe for concurrent use.
type PublicSuffixList interface {
	// PublicSuffix returns the public suffix of domain: "co.uk" for
	// "www.example.co.uk".
	PublicSuffix(domain string) string
	// String names the list and its version, for messages.
	String() string
}

// NoPublicSuffixList, as Options.PublicSuffixList, turns the public suffix
// check off: a server may then set a cookie for all of "com". Use it only
// where every server is trusted (a test network, a single intranet host).
var NoPublicSuffixList PublicSuffixList = noSuffixes{}

type noSuffixes struct{}

// PublicSuffix reports no public suffix for any domain.
func (noSuffixes) PublicSuffix(string) string { return "" }

// String names the empty list.
func (noSuffixes) String() string { return "no public suffixes" }

// Options configures a Jar. The zero value is ready to use: the real clock,
// the public suffix list of golang.org/x/net/publicsuffix, browser-like
// limits and no change notification.
type Options struct {
	// Clock returns the current time; nil means time.Now. Tests and
	// programs that load saved state use it to fix "now". It is called
	// without the jar's lock held, from any goroutine using the jar, so it
	// must be safe for concurrent use.
	Clock func() time.Time

	// PublicSuffixList rejects domain cookies for public suffixes. nil
	// means golang.org/x/net/publicsuffix.List; pass NoPublicSuffixList to
	// switch the check off explicitly.
	PublicSuffixList PublicSuffixList

	// MaxCookiesPerDomain caps the cookies sharing one Domain value; zero
	// means DefaultMaxCookiesPerDomain, NoLimit none. When a new cookie
	// goes over the cap, the domain's least recently used cookie is
	// evicted, non-Secure cookies first (RFC 6265bis §5.7).
	MaxCookiesPerDomain int
	// MaxCookies caps the whole jar; zero means DefaultMaxCookies, NoLimit
	// none. Over the cap, the least recently used cookies go first.
	MaxCookies int
	// MaxLifetime caps how far in the future a Set-Cookie's Expires or
	// Max-Age may put the expiry; zero means DefaultMaxLifetime, NoLimit
	// none. Put and Restore keep the expiry they are given.
	MaxLifetime time.Duration

	// RejectNameless ignores Set-Cookie lines without a name ("foo",
	// "=foo"), as RFC 6265 did. By default such a line stores a nameless
	// cookie, sent back as "foo", as RFC 6265bis and browsers do.
	RejectNameless bool

	// OnChange, when set, is told of every cookie set, deleted, expired or
	// evicted; a persistence layer hooks in here. See Change for when and
	// where it is called.
	OnChange func(Change)
}

// ChangeKind says what happened to a cookie.
type ChangeKind int

// Kinds of Change.
const (
	// ChangeSet: a cookie was stored, new or replacing one with the same
	// Key (by a Set-Cookie, SetCookies or Put).
	ChangeSet ChangeKind = iota + 1
	// ChangeDeleted: a cookie was removed on request: by the server (a
	// Set-Cookie with an expiry in the past, Max-Age=0) or by Delete,
	// Clear or ClearSession. A server's deletion is reported even when the
	// jar held no cookie with that Key (it never had it, or evicted it),
	// with Cookie set to the deleting cookie as received: a store shared
	// by processes records it, since another process may hold the cookie.
	ChangeDeleted
	// ChangeExpired: a stored cookie reached its expiry time and was
	// removed.
	ChangeExpired
	// ChangeEvicted: a cookie was removed to keep the jar within
	// MaxCookiesPerDomain or MaxCookies.
	ChangeEvicted
)

// String returns "set", "deleted", "expired" or "evicted".
func (k ChangeKind) String() string {
	switch k {
	case ChangeSet:
		return "set"
	case ChangeDeleted:
		return "deleted"
	case ChangeExpired:
		return "expired"
	case ChangeEvicted:
		return "evicted"
	}
	return "unknown"
}

// Change reports one change to the jar's contents.
//
// OnChange is called without the jar's lock held, so it may call any
// method of the jar. Calls are made one at a time, never concurrently, in
// the order the changes happened. They run on a goroutine that called a
// changing method: the one whose call made the change, before that call
// returns; except that while one goroutine is delivering changes, changes
// made meanwhile by other goroutines (or by OnChange itself) are delivered
// by that same goroutine, after the current call to OnChange returns.
// OnChange should be quick and must not panic.
//
// Updates of LastAccess (each time a cookie is sent) are not reported, and
// Restore reports nothing: it loads state that came from a store.
type Change struct {
	Kind ChangeKind
	// Cookie is the cookie stored (ChangeSet) or removed (the others).
	Cookie Cookie
	// Time is the jar's clock when the change happened.
	Time time.Time
}

// Jar is an RFC 6265bis cookie jar. It parses raw Set-Cookie lines
// (SetCookieHeaders), writes the Cookie header (CookieHeader), implements
// http.CookieJar for any *http.Client, and lists, deletes, snapshots and
// restores what it holds.
//
// A Jar is safe for concurrent use by multiple goroutines. Every method
// takes one internal mutex for a short time; none does I/O.
type Jar struct {
	clock        func() time.Time
	psl          PublicSuffixList
	maxPerDomain int // <= 0: no limit
	maxTotal     int // <= 0: no limit
	maxLife      time.Duration
	nameless     bool
	onChange     func(Change)

	// mu guards every field below.
	mu sync.Mutex
	// domains holds the cookies by their Domain field; each bucket is kept
	// in sending order (longer paths first, then earlier creation), so a
	// lookup never sorts a single domain's cookies.
	domains map[string]*bucket
	n       int    // number of cookies
	seq     uint64 // last sequence number handed out
	// nextExpiry is no later than the earliest expiry of a stored
	// persistent cookie (zero: none); expired cookies are swept only once
	// the clock reaches it.
	nextExpiry time.Time
	// secureNames counts Secure cookies by name, so the "leave secure
	// cookies alone" rule costs nothing for names with none.
	secureNames map[string]int
	// scratch and mergeBuf are reused by lookups, so that a lookup does not
	// allocate for its working set.
	scratch, mergeBuf []*entry
	// spare holds entries of removed cookies (zeroed) for the next
	// insertions, so that a cookie set and deleted again allocates
	// nothing. No pointer to an entry outlives a method call: lookups
	// clear theirs (doneLocked) before unlocking.
	spare []*entry
	// pending holds changes not yet handed to onChange; delivering is set
	// while a goroutine hands them over.
	pending    []Change
	delivering bool
	muted      bool // set during Restore: changes are not reported
}

// bucket holds the cookies of one Domain value in sending order.
type bucket struct {
	// entries point to the cookies, so that inserting or removing one
	// moves pointers, not cookies: its cost barely grows with the
	// bucket's size.
	entries []*entry
	// index finds a cookie of a large bucket by Key without a scan: its
	// sort position (creation time and sequence number) for a binary
	// search. nil while the bucket holds no more than indexMin cookies.
	index map[Key]slot
}

// maxSpare bounds Jar.spare.
const maxSpare = 16

// indexMin is the bucket size above which a bucket keeps an index: below
// it, scanning the names costs less than hashing a Key.
const indexMin = 32

// slot is where a cookie of known Key sorts in its bucket (with the
// length of its path).
type slot struct {
	created time.Time
	seq     uint64
}

// entry is a stored cookie and its sequence number, which orders cookies
// created at the same instant (a coarse or fixed clock) by arrival.
type entry struct {
	c   Cookie
	seq uint64
}

// New returns an empty jar configured by o.
func New(o Options) *Jar {
	j := &Jar{
		clock:        o.Clock,
		psl:          o.PublicSuffixList,
		maxPerDomain: o.MaxCookiesPerDomain,
		maxTotal:     o.MaxCookies,
		maxLife:      o.MaxLifetime,
		nameless:     !o.RejectNameless,
		onChange:     o.OnChange,
		domains:      make(map[string]*bucket),
		secureNames:  make(map[string]int),
	}
	if j.clock == nil {
		j.clock = time.Now
	}
	if j.psl == nil {
		j.psl = publicsuffix.List
	}
	if j.maxPerDomain == 0 {
		j.maxPerDomain = DefaultMaxCookiesPerDomain
	}
	if j.maxTotal == 0 {
		j.maxTotal = DefaultMaxCookies
	}
	if j.maxLife == 0 {
		j.maxLife = DefaultMaxLifetime
	}
	return j
}

// now reads the clock as a UTC time without a monotonic reading, so that
// stored times compare with == after a Snapshot/Restore round trip.
func (j *Jar) now() time.Time { return j.clock().UTC() }

// SetCookieHeaders stores the cookies of the raw Set-Cookie header values
// lines, received in a response to a request for u, in order. Each line is
// parsed and stored following RFC 6265bis §5.6 and §5.7; a line the RFC
// says to ignore (malformed, a Domain that u's host does not match, a
// public suffix, a Secure cookie over plain HTTP to a non-loopback host, a
// broken __Secure-/__Host- prefix...) is dropped without error, and never
// half-stored. A cookie whose expiry lies in the past deletes the stored
// cookie with the same Key.
//
// Requests count as secure over https and wss, and to loopback hosts
// (127.0.0.0/8, ::1, localhost) over any scheme. URLs with a scheme other
// than http, https, ws or wss, or without a host, store nothing.
func (j *Jar) SetCookieHeaders(u *url.URL, lines []string) {
	if len(lines) == 0 {
		return
	}
	t, err := newTarget(u)
	if err != nil {
		return
	}
	now := j.now()
	j.mu.Lock()
	j.purgeLocked(now)
	for _, line := range lines {
		p, err := parseSetCookie(line, t.path, now, j.maxLife, j.nameless)
		if err != nil {
			continue
		}
		_ = j.storeLocked(&p, t, now)
	}
	j.unlockAndNotify()
}

// CookieHeader returns the value of the Cookie header to send with a
// request for u, or "" when no cookie matches: the matching cookies
// serialized as RFC 6265bis §5.8.3 says ("name=value" pairs joined by "; ",
// a nameless cookie as its bare value), longer paths first, then earlier
// creation. It updates the LastAccess time of the cookies it returns.
func (j *Jar) CookieHeader(u *url.URL) string {
	t, err := newTarget(u)
	if err != nil {
		return ""
	}
	now := j.now()
	j.mu.Lock()
	j.purgeLocked(now)
	m := j.matchLocked(t, now)
	if len(m) == 0 {
		j.unlockAndNotify()
		return ""
	}
	size := 2 * (len(m) - 1)
	for _, e := range m {
		size += len(e.c.Name) + 1 + len(e.c.Value)
	}
	var sb strings.Builder
	sb.Grow(size)
	for i, e := range m {
		if i > 0 {
			sb.WriteString("; ")
		}
		if e.c.Name != "" {
			sb.WriteString(e.c.Name)
			sb.WriteByte('=')
		}
		sb.WriteString(e.c.Value)
		e.c.LastAccess = now
	}
	j.doneLocked(m)
	j.unlockAndNotify()
	return sb.String()
}

// CookiesFor returns, with all their attributes, the cookies a request for
// u would carry, in the order CookieHeader sends them. Unlike CookieHeader
// it leaves LastAccess unchanged. It returns nil for a URL that cannot
// carry cookies.
func (j *Jar) CookiesFor(u *url.URL) []Cookie {
	t, err := newTarget(u)
	if err != nil {
		return nil
	}
	now := j.now()
	j.mu.Lock()
	defer j.mu.Unlock()
	m := j.matchLocked(t, now)
	defer j.doneLocked(m)
	if len(m) == 0 {
		return nil
	}
	out := make([]Cookie, len(m))
	for i, e := range m {
		out[i] = e.c
	}
	return out
}

// matchLocked returns the cookies to send to t, in sending order, in the
// jar's scratch slice: the result is valid only while j.mu is held and the
// jar unchanged, and the caller must pass it to doneLocked before
// unlocking.
func (j *Jar) matchLocked(t target, now time.Time) []*entry {
	dst := j.scratch[:0]
	var runStarts [8]int // where each bucket's (sorted) matches begin
	runs := 0
	d := t.host
	for {
		if b := j.domains[d]; b != nil {
			before := len(dst)
			for i := range b.entries {
				e := b.entries[i]
				if e.c.HostOnly && d != t.host ||
					!pathMatch(t.path, e.c.Path) ||
					e.c.Secure && !t.secure ||
					e.c.Persistent && !e.c.Expires.After(now) {
					continue
				}
				dst = append(dst, e)
			}
			if len(dst) > before {
				if runs < len(runStarts) {
					runStarts[runs] = before
				}
				runs++
			}
		}
		if t.isIP {
			break
		}
		i := strings.IndexByte(d, '.')
		if i < 0 || i+1 >= len(d) {
			break
		}
		d = d[i+1:]
	}
	switch {
	case runs > len(runStarts):
		slices.SortFunc(dst, compareEntries)
	case runs > 1:
		dst = j.mergeRuns(dst, runStarts[:runs])
	}
	j.scratch = dst
	return dst
}

// doneLocked forgets the pointers matchLocked left in the scratch slice.
func (j *Jar) doneLocked(m []*entry) { clear(m) }

// mergeRuns merges the sorted runs of s that begin at starts (starts[0] is
// 0) into one sorted slice, in place.
func (j *Jar) mergeRuns(s []*entry, starts []int) []*entry {
	for r := 1; r < len(starts); r++ {
		end := len(s)
		if r+1 < len(starts) {
			end = starts[r+1]
		}
		a, b := s[:starts[r]], s[starts[r]:end]
		out := j.mergeBuf[:0]
		for len(a) > 0 && len(b) > 0 {
			if compareEntries(b[0], a[0]) < 0 {
				out, b = append(out, b[0]), b[1:]
			} else {
				out, a = append(out, a[0]), a[1:]
			}
		}
		out = append(append(out, a...), b...)
		copy(s, out)
		clear(out)
		j.mergeBuf = out[:0]
	}
	return s
}

// compareEntries orders cookies for sending: longer paths first, then
// earlier creation, then earlier arrival.
func compareEntries(a, b *entry) int {
	if la, lb := len(a.c.Path), len(b.c.Path); la != lb {
		return lb - la
	}
	if c := a.c.Created.Compare(b.c.Created); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// find returns the index of the cookie with key k in b, or -1.
func (b *bucket) find(k Key) int {
	if b.index != nil {
		s, ok := b.index[k]
		if !ok {
			return -1
		}
		probe := entry{c: Cookie{Path: k.Path, Created: s.created}, seq: s.seq}
		if i := b.search(&probe); i < len(b.entries) && b.entries[i].seq == s.seq {
			return i
		}
		panic("jar: bucket index out of step") // unreachable: entries and index change together
	}
	for i := range b.entries {
		c := &b.entries[i].c
		if c.Name == k.Name && c.Path == k.Path && c.HostOnly == k.HostOnly {
			return i
		}
	}
	return -1
}

// search returns the position of the first entry of b that does not sort
// before e.
func (b *bucket) search(e *entry) int {
	lo, hi := 0, len(b.entries)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if compareEntries(b.entries[m], e) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// insertLocked adds e in sending order and updates the counters.
func (j *Jar) insertLocked(e entry) {
	b := j.domains[e.c.Domain]
	if b == nil {
		b = &bucket{}
		j.domains[e.c.Domain] = b
	}
	var pe *entry
	if n := len(j.spare); n > 0 {
		pe, j.spare = j.spare[n-1], j.spare[:n-1]
	} else {
		pe = new(entry)
	}
	*pe = e
	b.entries = slices.Insert(b.entries, b.search(pe), pe) // after every entry that sorts before e
	switch {
	case b.index != nil:
		b.index[e.c.Key()] = slot{created: e.c.Created, seq: e.seq}
	case len(b.entries) > indexMin:
		b.index = make(map[Key]slot, 2*len(b.entries))
		for i := range b.entries {
			o := b.entries[i]
			b.index[o.c.Key()] = slot{created: o.c.Created, seq: o.seq}
		}
	}
	j.n++
	if e.c.Secure {
		j.secureNames[e.c.Name]++
	}
	if e.c.Persistent && (j.nextExpiry.IsZero() || e.c.Expires.Before(j.nextExpiry)) {
		j.nextExpiry = e.c.Expires
	}
}

// removeLocked removes the i-th cookie of the bucket for domain and
// returns it.
func (j *Jar) removeLocked(domain string, b *bucket, i int) entry {
	pe := b.entries[i]
	e := *pe
	b.entries = slices.Delete(b.entries, i, i+1)
	if len(j.spare) < maxSpare {
		*pe = entry{}
		j.spare = append(j.spare, pe)
	}
	if b.index != nil {
		delete(b.index, e.c.Key())
	}
	if len(b.entries) == 0 {
		delete(j.domains, domain)
	}
	j.n--
	if e.c.Secure {
		if j.secureNames[e.c.Name]--; j.secureNames[e.c.Name] <= 0 {
			delete(j.secureNames, e.c.Name)
		}
	}
	return e
}

// emitLocked queues a change for OnChange.
func (j *Jar) emitLocked(kind ChangeKind, c Cookie, now time.Time) {
	if j.onChange != nil && !j.muted {
		j.pending = append(j.pending, Change{Kind: kind, Cookie: c, Time: now})
	}
}

// unlockAndNotify releases j.mu and hands queued changes to OnChange, unless
// another goroutine is already doing so (it will deliver them).
func (j *Jar) unlockAndNotify() {
	if len(j.pending) == 0 || j.delivering {
		j.mu.Unlock()
		return
	}
	j.delivering = true
	done := false
	defer func() {
		if done {
			return
		}
		// OnChange panicked (j.mu is not held): let later changes be
		// delivered.
		j.mu.Lock()
		j.delivering = false
		j.mu.Unlock()
	}()
	for {
		batch := j.pending
		j.pending = nil
		j.mu.Unlock()
		for _, ch := range batch {
			j.onChange(ch)
		}
		j.mu.Lock()
		if len(j.pending) == 0 {
			j.delivering = false
			done = true
			j.mu.Unlock()
			return
		}
	}
}

// purgeLocked removes expired cookies once the clock has passed the
// earliest expiry.
func (j *Jar) purgeLocked(now time.Time) {
	if j.nextExpiry.IsZero() || now.Before(j.nextExpiry) {
		return
	}
	var next time.Time
	var expired []Cookie
	for d, b := range j.domains {
		for i := 0; i < len(b.entries); {
			c := &b.entries[i].c
			if c.Expired(now) {
				e := j.removeLocked(d, b, i)
				if j.onChange != nil {
					expired = append(expired, e.c)
				}
				continue
			}
			if c.Persistent && (next.IsZero() || c.Expires.Before(next)) {
				next = c.Expires
			}
			i++
		}
	}
	j.nextExpiry = next
	slices.SortFunc(expired, compareListing)
	for _, c := range expired {
		j.emitLocked(ChangeExpired, c, now)
	}
}

// evictLocked keeps domain within MaxCookiesPerDomain and the jar within
// MaxCookies, removing the least recently used cookies (non-Secure first
// within a domain), as RFC 6265bis §5.7 orders it.
func (j *Jar) evictLocked(domain string, now time.Time) {
	if b := j.domains[domain]; j.maxPerDomain > 0 && b != nil {
		for len(b.entries) > j.maxPerDomain {
			victim := -1
			for pass := 0; pass < 2 && victim < 0; pass++ {
				for i := range b.entries {
					e := b.entries[i]
					if pass == 0 && e.c.Secure {
						continue
					}
					if victim < 0 || lessRecentlyUsed(e, b.entries[victim]) {
						victim = i
					}
				}
			}
			e := j.removeLocked(domain, b, victim)
			j.emitLocked(ChangeEvicted, e.c, now)
		}
	}
	if j.maxTotal <= 0 || j.n <= j.maxTotal {
		return
	}
	if j.n-j.maxTotal == 1 {
		// The usual case, one cookie over: find the least recently used
		// without sorting the jar (lessRecentlyUsed is a strict order, so
		// this is the cookie a sort would put first).
		var victim *entry
		for _, b := range j.domains {
			for _, e := range b.entries {
				if victim == nil || lessRecentlyUsed(e, victim) {
					victim = e
				}
			}
		}
		k := victim.c.Key()
		b := j.domains[k.Domain]
		e := j.removeLocked(k.Domain, b, b.find(k))
		j.emitLocked(ChangeEvicted, e.c, now)
		return
	}
	all := make([]*entry, 0, j.n)
	for _, b := range j.domains {
		all = append(all, b.entries...)
	}
	slices.SortFunc(all, func(a, b *entry) int {
		if lessRecentlyUsed(a, b) {
			return -1
		}
		if lessRecentlyUsed(b, a) {
			return 1
		}
		return 0
	})
	victims := make([]Key, j.n-j.maxTotal)
	for i := range victims {
		victims[i] = all[i].c.Key()
	}
	for _, k := range victims {
		b := j.domains[k.Domain]
		if i := b.find(k); i >= 0 {
			e := j.removeLocked(k.Domain, b, i)
			j.emitLocked(ChangeEvicted, e.c, now)
		}
	}
}

// lessRecentlyUsed orders eviction candidates: earlier LastAccess first,
// then earlier creation, then earlier arrival.
func lessRecentlyUsed(a, b *entry) bool {
	if c := a.c.LastAccess.Compare(b.c.LastAccess); c != 0 {
		return c < 0
	}
	if c := a.c.Created.Compare(b.c.Created); c != 0 {
		return c < 0
	}
	return a.seq < b.seq
}

// compareListing orders cookies for All and messages: by domain, path,
// name, domain cookies before host-only ones.
func compareListing(a, b Cookie) int {
	if c := strings.Compare(a.Domain, b.Domain); c != 0 {
		return c
	}
	if c := strings.Compare(a.Path, b.Path); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	switch {
	case a.HostOnly == b.HostOnly:
		return 0
	case b.HostOnly:
		return -1
	}
	return 1
}

// isPublicSuffix reports whether domain is a public suffix, or lies outside
// the suffix the list gives for it. A fully qualified name ("com.") is
// looked up without its final dot, which the list does not know.
func (j *Jar) isPublicSuffix(domain string) bool {
	domain = strings.TrimSuffix(domain, ".")
	ps := j.psl.PublicSuffix(domain)
	if ps == "" {
		return false
	}
	return !(len(domain) > len(ps) && domain[len(domain)-len(ps)-1] == '.' && strings.HasSuffix(domain, ps))
}
