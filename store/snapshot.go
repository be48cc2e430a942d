package store

import (
	"encoding/json"
	"maps"
	"runtime/debug"
	"slices"
	"time"

	"github.com/limpet-http/limpet/jar"
)

// FormatName is the value of the "format" member of every snapshot file.
const FormatName = "limpet-session"

// FormatVersion is the snapshot format version this package writes, and the
// newest it reads. Additions that older readers can ignore (new members) do
// not change it: older readers keep such members as Extra and write them
// back. A change that older readers would misread increments it, and they
// refuse the file with an error wrapping ErrCorrupt rather than rewrite it.
const FormatVersion = 1

// Snapshot is the persistent state of one session: its cookies, the deletions
// other writers must not undo, its default headers, and the state of each
// piece of the session that needs to go on where it stopped (a login, a CSRF
// strategy, a token source), in State. See FORMAT.md for the JSON form.
//
// The store knows no piece's vocabulary: what a login, a CSRF strategy or a
// token source saves is its own State entry. The members that files of
// earlier releases kept at the top level for particular pieces ("auth",
// "tokens", "csrf", "login") are unknown members like any other, in Extra;
// their owners convert them (see FORMAT.md, "Earlier files").
//
// A Snapshot is a plain value. Its slices and maps are not shared with the
// store: Load and Save return fresh copies, and Clone makes a deep copy.
// A Snapshot must not be modified while another goroutine reads it.
type Snapshot struct {
	// Meta records when the session was created and last saved, and by
	// which limpet version.
	Meta Meta
	// Cookies holds every cookie, session cookies included, with all
	// attributes.
	Cookies []Cookie
	// Tombstones record deleted cookies so that a merge with an older copy
	// does not bring them back. Merge prunes them after a while (see
	// MergeOptions.TombstoneTTL).
	Tombstones []Tombstone
	// Headers are the session's default request headers; nil when none were
	// recorded.
	Headers *Headers
	// State holds the saved state of each piece of the session, by owner
	// name: "<package>" or "<package>/<name>", as "spring" or "token/api".
	// The store never reads an entry's data; see State.
	State map[string]State
	// Extra holds the top-level members of a snapshot file that this version
	// does not know, as raw JSON by member name. They are written back as
	// they were, so that a file written by a newer limpet survives a load and
	// save by an older one. A member whose value is nil records that the
	// member was removed (see RemoveExtra): Merge leaves it out of the
	// result and Marshal does not write it.
	Extra map[string]json.RawMessage
}

// Meta describes a snapshot.
type Meta struct {
	// Created is when the session was first saved.
	Created time.Time
	// Updated is when the snapshot was last saved.
	Updated time.Time
	// Limpet is the version of limpet that last saved the snapshot.
	Limpet string
	// Extra holds unknown members, written back as they were.
	Extra map[string]json.RawMessage
}

// Cookie is one stored cookie: a jar.Cookie with every attribute, and the
// members of its JSON form that this version does not know.
type Cookie struct {
	jar.Cookie
	// Extra holds unknown members, written back as they were.
	Extra map[string]json.RawMessage
}

// Tombstone records that the cookie with Key (which includes the host-only
// flag) was deleted at Deleted (by the
// server, by expiry or by the user). A merge drops every copy of that cookie
// last updated at or before Deleted.
type Tombstone struct {
	Key     jar.Key
	Deleted time.Time
}

// Header is one default request header. Names may repeat; order is kept.
type Header struct {
	Name  string
	Value string
}

// Headers are a session's default request headers.
type Headers struct {
	// Updated is when the list was last changed; Merge keeps the list with
	// the later Updated.
	Updated time.Time
	// List holds the headers in order.
	List []Header
	// Extra holds unknown members, written back as they were.
	Extra map[string]json.RawMessage
}

// CookiesFromJar wraps jar cookies for a Snapshot.
func CookiesFromJar(cs []jar.Cookie) []Cookie {
	out := make([]Cookie, len(cs))
	for i, c := range cs {
		out[i] = Cookie{Cookie: c}
	}
	return out
}

// JarCookies returns the snapshot's cookies as jar cookies, for
// jar.Restore.
func (s Snapshot) JarCookies() []jar.Cookie {
	out := make([]jar.Cookie, len(s.Cookies))
	for i, c := range s.Cookies {
		out[i] = c.Cookie
	}
	return out
}

// WithoutPasswords returns a copy of s without the Secret of any State
// entry: the passwords its owners keep. The file and Redis stores write this
// unless asked to keep passwords.
func (s Snapshot) WithoutPasswords() Snapshot {
	found := false
	for _, st := range s.State {
		if st.Secret != nil {
			found = true
			break
		}
	}
	if !found {
		return s
	}
	m := make(map[string]State, len(s.State))
	for k, st := range s.State {
		st.Secret = nil
		m[k] = st
	}
	s.State = m
	return s
}

// RemoveExtra records that the top-level member name (a member s keeps in
// Extra because the store does not know it) was removed, so that a merge
// with the stored snapshot does not bring it back: an owner that converted
// a member of an earlier release's file to a State entry removes the
// member. Like SetState, it replaces s.Extra by a new map.
func (s *Snapshot) RemoveExtra(name string) { s.SetExtra(name, nil) }

// SetExtra sets the top-level member name to the JSON v (nil: removed, as
// RemoveExtra). It replaces s.Extra by a new map rather than changing the
// one s has, which other snapshots may share.
func (s *Snapshot) SetExtra(name string, v json.RawMessage) {
	m := make(map[string]json.RawMessage, len(s.Extra)+1)
	maps.Copy(m, s.Extra)
	m[name] = v
	s.Extra = m
}

// WithoutSessionCookies returns a copy of s without session cookies
// (cookies that are not Persistent).
func (s Snapshot) WithoutSessionCookies() Snapshot {
	n := 0
	for _, c := range s.Cookies {
		if c.Persistent {
			n++
		}
	}
	if n == len(s.Cookies) {
		return s
	}
	out := make([]Cookie, 0, n)
	for _, c := range s.Cookies {
		if c.Persistent {
			out = append(out, c)
		}
	}
	s.Cookies = out
	return s
}

// Clone returns a deep copy of s.
func (s Snapshot) Clone() Snapshot {
	out := s
	out.Meta.Extra = cloneExtra(s.Meta.Extra)
	if s.Cookies != nil {
		out.Cookies = make([]Cookie, len(s.Cookies))
		for i, c := range s.Cookies {
			c.Extra = cloneExtra(c.Extra)
			out.Cookies[i] = c
		}
	}
	out.Tombstones = slices.Clone(s.Tombstones)
	if s.Headers != nil {
		h := *s.Headers
		h.List = slices.Clone(h.List)
		h.Extra = cloneExtra(h.Extra)
		out.Headers = &h
	}
	if s.State != nil {
		out.State = make(map[string]State, len(s.State))
		for k, st := range s.State {
			st.Data = slices.Clone(st.Data)
			st.Secret = slices.Clone(st.Secret)
			st.Extra = cloneExtra(st.Extra)
			out.State[k] = st
		}
	}
	out.Extra = cloneExtra(s.Extra)
	return out
}

func cloneExtra(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

// LimpetVersion returns the version of the limpet module in the running
// binary, as recorded in its build information, or "(devel)" when unknown.
// Stores write it to Meta.Limpet when the caller left that empty.
func LimpetVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	const mod = "github.com/limpet-http/limpet"
	if bi.Main.Path == mod && bi.Main.Version != "" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == mod && d.Version != "" {
			return d.Version
		}
	}
	return "(devel)"
}

// TombstoneFor returns the tombstone to record for a change reported by a
// jar's OnChange: a cookie deleted, by the server (an expiry in the past,
// Max-Age=0, also for a cookie the jar did not hold) or by Delete, Clear or
// ClearSession. ok is false for the other kinds: a cookie that was set is
// saved as itself, an expired one is dropped by every Merge anyway, and an
// eviction is the local jar's size limit, not a deletion other processes
// should apply (Merge applies the same limits to the stored state; see
// MergeOptions).
func TombstoneFor(ch jar.Change) (t Tombstone, ok bool) {
	if ch.Kind != jar.ChangeDeleted {
		return Tombstone{}, false
	}
	return Tombstone{Key: ch.Cookie.Key(), Deleted: ch.Time}, true
}
