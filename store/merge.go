package store

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/limpet-http/limpet/jar"
)

// DefaultTombstoneTTL is how long Merge keeps a tombstone (and a state
// removal record) by default. A process that still holds a copy of a deleted
// cookie after this long, and saves it, brings the cookie back; a longer TTL
// makes files with much cookie churn grow.
const DefaultTombstoneTTL = 30 * 24 * time.Hour

// MergeOptions tune Merge. The zero value is ready to use.
type MergeOptions struct {
	// Now is the time at which expired cookies and old tombstones are
	// judged; zero means time.Now().
	Now time.Time
	// TombstoneTTL is how long tombstones and state removal records are kept
	// after their time; zero means DefaultTombstoneTTL, negative means
	// forever.
	TombstoneTTL time.Duration
	// MaxCookiesPerDomain and MaxCookies cap the merged cookies as a jar
	// caps what it holds (the jar.Options of the same names): zero means
	// jar.DefaultMaxCookiesPerDomain and jar.DefaultMaxCookies,
	// jar.NoLimit none. Over a cap, Merge drops the least recently used
	// cookies in the jar's order (within a domain, non-Secure ones first),
	// so the stored state never holds more than a jar would load. Give the
	// store the limits of the jars that share it.
	MaxCookiesPerDomain int
	MaxCookies          int
}

// Merge combines the stored snapshot disk with the snapshot mine that a
// session is about to save, and returns the state to store. It is a pure
// function: it changes neither argument, though the result may share Extra
// maps, header lists and Params with them (Clone the result before changing
// those in place).
//
// The rules, applied the same way by every Store:
//
//   - Cookies: per jar.Key (domain, path, name, host-only flag) the copy with the later Updated
//     wins; on a tie mine wins, and keeps disk's unknown members if it has
//     none. The winner takes the later LastAccess of the two. A cookie is
//     dropped when a tombstone for its key is at or after its Updated, and
//     when it has expired at Now.
//   - Limits: over MaxCookiesPerDomain cookies sharing a Domain, or
//     MaxCookies in all, the least recently used are dropped, as a jar
//     evicts them. No tombstone is written for them: a process that still
//     holds one and saves it brings it back (and another goes), as its jar
//     would.
//   - Tombstones: the latest per key is kept while it still removes
//     something it may meet again, that is until a cookie with a later
//     Updated supersedes it or TombstoneTTL has passed since its time.
//   - State: one entry per owner, the later Updated wins (tie: mine).
//     Removal records (no Data) are pruned like tombstones.
//   - Headers: the list with the later Updated wins (tie: mine); a nil one
//     loses to any other.
//   - Meta: the earliest Created, the latest Updated, mine's Limpet version
//     unless it is empty; unknown members and top-level Extra are united,
//     mine winning on a name both have. A top-level member mine records as
//     removed (a nil value) is left out.
//
// The result is sorted so that equal states encode to equal bytes: cookies
// by creation time (the order jar.Restore wants), tombstones by deletion
// time, then both by domain, path, name and host-only flag.
func Merge(disk, mine Snapshot, opts MergeOptions) Snapshot {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	ttl := opts.TombstoneTTL
	if ttl == 0 {
		ttl = DefaultTombstoneTTL
	}
	keepTomb := func(t time.Time) bool { return ttl < 0 || now.Sub(t) < ttl }

	var out Snapshot
	out.Meta = mergeMeta(disk.Meta, mine.Meta)
	out.Extra = withoutRemoved(unionExtra(disk.Extra, mine.Extra))
	out.Headers = later(disk.Headers, mine.Headers, func(h *Headers) time.Time { return h.Updated })
	out.State = mergeState(disk.State, mine.State, keepTomb)
	perDomain, total := opts.MaxCookiesPerDomain, opts.MaxCookies
	if perDomain == 0 {
		perDomain = jar.DefaultMaxCookiesPerDomain
	}
	if total == 0 {
		total = jar.DefaultMaxCookies
	}
	out.Cookies, out.Tombstones = mergeCookies(disk, mine, now, keepTomb, perDomain, total)
	return out
}

func mergeMeta(disk, mine Meta) Meta {
	m := Meta{Created: disk.Created, Updated: disk.Updated, Limpet: disk.Limpet}
	if !mine.Created.IsZero() && (m.Created.IsZero() || mine.Created.Before(m.Created)) {
		m.Created = mine.Created
	}
	if mine.Updated.After(m.Updated) {
		m.Updated = mine.Updated
	}
	if mine.Limpet != "" {
		m.Limpet = mine.Limpet
	}
	m.Extra = unionExtra(disk.Extra, mine.Extra)
	return m
}

// withoutRemoved returns m without its nil values (removed members).
func withoutRemoved(m map[string]json.RawMessage) map[string]json.RawMessage {
	n := 0
	for _, v := range m {
		if v == nil {
			n++
		}
	}
	if n == 0 {
		return m
	}
	if n == len(m) {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m)-n)
	for k, v := range m {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

func unionExtra(disk, mine map[string]json.RawMessage) map[string]json.RawMessage {
	switch {
	case len(disk) == 0 && len(mine) == 0:
		return nil
	case len(disk) == 0:
		return mine
	case len(mine) == 0:
		return disk
	}
	out := make(map[string]json.RawMessage, len(disk)+len(mine))
	for k, v := range disk {
		out[k] = v
	}
	for k, v := range mine {
		out[k] = v
	}
	return out
}

// later returns the one of disk and mine with the later time (mine on a
// tie); nil loses.
func later[T any](disk, mine *T, at func(*T) time.Time) *T {
	switch {
	case mine == nil:
		return disk
	case disk == nil:
		return mine
	case at(disk).After(at(mine)):
		return disk
	}
	return mine
}

func mergeState(disk, mine map[string]State, keep func(time.Time) bool) map[string]State {
	if len(disk) == 0 && len(mine) == 0 {
		return nil
	}
	out := make(map[string]State, max(len(disk), len(mine)))
	for k, st := range disk {
		if o, ok := mine[k]; ok && !st.Updated.After(o.Updated) {
			st = o
		}
		out[k] = st
	}
	for k, st := range mine {
		if _, ok := disk[k]; !ok {
			out[k] = st
		}
	}
	maps.DeleteFunc(out, func(_ string, st State) bool { return st.Removed() && !keep(st.Updated) })
	if len(out) == 0 {
		return nil
	}
	return out
}

type mergeEntry struct {
	key    jar.Key
	c      Cookie
	hasC   bool
	access time.Time // the latest LastAccess of any copy
	tomb   time.Time
	hasT   bool
}

// sortTime orders the result: cookies by creation, as a jar sends cookies
// of equal path length, then tombstones by deletion.
func (e *mergeEntry) sortTime() time.Time {
	if e.hasC {
		return e.c.Created
	}
	return e.tomb
}

func mergeCookies(disk, mine Snapshot, now time.Time, keepTomb func(time.Time) bool, perDomain, total int) ([]Cookie, []Tombstone) {
	n := len(disk.Cookies) + len(mine.Cookies) + len(disk.Tombstones) + len(mine.Tombstones)
	idx := make(map[jar.Key]int, n)
	entries := make([]mergeEntry, 0, n)
	get := func(k jar.Key) *mergeEntry {
		i, ok := idx[k]
		if !ok {
			i = len(entries)
			idx[k] = i
			entries = append(entries, mergeEntry{key: k})
		}
		return &entries[i]
	}
	for _, c := range disk.Cookies {
		e := get(c.Key())
		if c.LastAccess.After(e.access) {
			e.access = c.LastAccess
		}
		if !e.hasC || c.Updated.After(e.c.Updated) {
			e.c, e.hasC = c, true
		}
	}
	for _, c := range mine.Cookies {
		e := get(c.Key())
		if c.LastAccess.After(e.access) {
			e.access = c.LastAccess
		}
		switch {
		case !e.hasC || c.Updated.After(e.c.Updated):
			e.c, e.hasC = c, true
		case c.Updated.Equal(e.c.Updated):
			if len(c.Extra) == 0 {
				c.Extra = e.c.Extra
			}
			e.c = c
		}
	}
	for _, ts := range [][]Tombstone{disk.Tombstones, mine.Tombstones} {
		for _, t := range ts {
			e := get(t.Key)
			if !e.hasT || t.Deleted.After(e.tomb) {
				e.tomb, e.hasT = t.Deleted, true
			}
		}
	}

	// Sort indices, not the large entries.
	keep := make([]int32, 0, len(entries))
	nTombs := 0
	for i := range entries {
		e := &entries[i]
		if e.hasC && e.hasT && !e.c.Updated.After(e.tomb) {
			e.hasC = false // deleted after this copy was written
		}
		switch {
		case e.hasC:
			// A later cookie supersedes any tombstone.
			e.hasT = false
			if e.c.Expired(now) {
				continue
			}
			e.c.LastAccess = e.access
		case e.hasT && keepTomb(e.tomb):
			nTombs++
		default:
			continue
		}
		keep = append(keep, int32(i))
	}
	if evicted := evict(entries, keep, len(keep)-nTombs, perDomain, total); evicted > 0 {
		keep = slices.DeleteFunc(keep, func(i int32) bool { return !entries[i].hasC && !entries[i].hasT })
	}
	order := func(a, b int32) int {
		ea, eb := &entries[a], &entries[b]
		return cmp.Or(ea.sortTime().Compare(eb.sortTime()), compareKeys(ea.key, eb.key))
	}
	if !slices.IsSortedFunc(keep, order) { // disk's cookies come sorted
		slices.SortFunc(keep, order)
	}
	cookies := make([]Cookie, 0, len(keep)-nTombs)
	var tombs []Tombstone
	if nTombs > 0 {
		tombs = make([]Tombstone, 0, nTombs)
	}
	for _, i := range keep {
		e := &entries[i]
		if e.hasC {
			cookies = append(cookies, e.c)
		} else {
			tombs = append(tombs, Tombstone{Key: e.key, Deleted: e.tomb})
		}
	}
	return cookies, tombs
}

// evict keeps the n cookies among entries[keep] within perDomain cookies
// per Domain and total in all (a limit <= 0 is none), as a jar evicts:
// within a domain the least recently used non-Secure cookie goes first,
// then the least recently used Secure one; over total, the least recently
// used of all. It clears hasC of the cookies it drops and returns how many.
func evict(entries []mergeEntry, keep []int32, n, perDomain, total int) int {
	lru := func(a, b int32) int {
		ea, eb := &entries[a], &entries[b]
		return cmp.Or(ea.c.LastAccess.Compare(eb.c.LastAccess), ea.c.Created.Compare(eb.c.Created),
			compareKeys(ea.key, eb.key))
	}
	dropped := 0
	if perDomain > 0 && n > perDomain {
		count := make(map[string]int)
		over := 0
		for _, i := range keep {
			if e := &entries[i]; e.hasC {
				count[e.c.Domain]++
				if count[e.c.Domain] == perDomain+1 {
					over++
				}
			}
		}
		var byDomain map[string][]int32 // the domains over the limit only
		if over > 0 {
			byDomain = make(map[string][]int32, over)
			for _, i := range keep {
				if e := &entries[i]; e.hasC && count[e.c.Domain] > perDomain {
					byDomain[e.c.Domain] = append(byDomain[e.c.Domain], i)
				}
			}
		}
		for _, group := range byDomain {
			slices.SortFunc(group, func(a, b int32) int {
				return cmp.Or(cmpBool(entries[a].c.Secure, entries[b].c.Secure), lru(a, b))
			})
			for _, i := range group[:len(group)-perDomain] {
				entries[i].hasC = false
				dropped++
			}
		}
	}
	if total > 0 && n-dropped > total {
		all := make([]int32, 0, n-dropped)
		for _, i := range keep {
			if entries[i].hasC {
				all = append(all, i)
			}
		}
		slices.SortFunc(all, lru)
		for _, i := range all[:len(all)-total] {
			entries[i].hasC = false
			dropped++
		}
	}
	return dropped
}

func compareKeys(a, b jar.Key) int {
	return cmp.Or(strings.Compare(a.Domain, b.Domain), strings.Compare(a.Path, b.Path), strings.Compare(a.Name, b.Name),
		cmpBool(a.HostOnly, b.HostOnly))
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
