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
// Auth, Tokens, CSRF and Login are legacy members: typed state of particular
// pieces, from before State. They keep working, and are saved and merged as
// before, until their owners move them to State entries of their own.
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
	// Auth is the kind of authentication the session uses; nil when none.
	// Legacy: to move to State.
	Auth *Auth
	// Tokens are the tokens the session holds, one per token source.
	// Legacy: to move to State.
	Tokens []Token
	// CSRF is the CSRF state the session learned; nil when none. Legacy: to
	// move to State.
	CSRF *CSRF
	// Login is the recipe to log in again when the server forgets the
	// session; nil when none. Legacy: to move to State.
	Login *Login
	// Extra holds the top-level members of a snapshot file that this version
	// does not know, as raw JSON by member name. They are written back as
	// they were, so that a file written by a newer limpet survives a load and
	// save by an older one.
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

// Auth is how a session authenticates.
//
// Security: Password is a secret. It is written to the snapshot only when
// the caller sets it, and the file store leaves it out unless its
// SavePasswords option is set; prefer a Login recipe that says where the
// password comes from.
type Auth struct {
	// Kind names the scheme or flow: "basic", "digest", "bearer",
	// "form", "oauth2-client-credentials", ...
	Kind string
	// User is the user name, if the kind has one.
	User string
	// Password is the password; see the security note above.
	Password string
	// PasswordFrom tells where the password comes from when Password is
	// not kept, as Login.PasswordFrom does: "prompt", "env:NAME",
	// "file:PATH", "netrc" or "stored" (Password holds it).
	PasswordFrom string
	// Updated is when the auth settings were last changed; Merge keeps the
	// later ones. An Auth with an empty Kind and a later Updated records that
	// authentication was removed.
	Updated time.Time
	// Extra holds unknown members, written back as they were.
	Extra map[string]json.RawMessage
}

// Token is a token obtained from one token source (an OAuth2 endpoint, a JWT
// login endpoint, ...).
//
// Tokens are secrets: the file store writes them to files only its owner can
// read, and nothing in this package logs them.
type Token struct {
	// Source names the token source; Merge keeps one token per source.
	Source string
	// AccessToken, RefreshToken and TokenType ("Bearer", ...) as obtained.
	AccessToken  string
	RefreshToken string
	TokenType    string
	// Expiry is when the access token expires; zero if unknown.
	Expiry time.Time
	// Updated is when the token was obtained or refreshed; Merge keeps the
	// token with the later Updated. A token with neither access nor refresh
	// token records that the source's token was dropped, and is pruned like
	// a tombstone.
	Updated time.Time
	// Extra holds unknown members, written back as they were.
	Extra map[string]json.RawMessage
}

// CSRF is the CSRF state a session learned from the server.
type CSRF struct {
	// Token is the current token value.
	Token string
	// HeaderName is the request header that carries the token
	// ("X-XSRF-TOKEN", "X-CSRF-TOKEN"), if any.
	HeaderName string
	// ParamName is the form parameter that carries the token ("_csrf"), if
	// any.
	ParamName string
	// Source tells where the token was found, as "kind:detail", for example
	// "cookie:XSRF-TOKEN", "form:_csrf", "meta:_csrf", "header:X-CSRF-TOKEN"
	// or "endpoint:/csrf".
	Source string
	// Updated is when the token was learned; Merge keeps the later state.
	Updated time.Time
	// Extra holds unknown members, written back as they were.
	Extra map[string]json.RawMessage
}

// Login is a recipe to log in again: enough to repeat the login without
// asking the user anything but, at most, the password.
//
// Security: like Auth.Password, Password is written only when the caller sets
// it and the file store drops it unless SavePasswords is set.
type Login struct {
	// URL is the login page or endpoint.
	URL string
	// Flow names the login flow: "form", "basic", "bearer", "jwt",
	// "oauth2-client-credentials", ...
	Flow string
	// User is the user name.
	User string
	// PasswordFrom tells where the password comes from: "prompt",
	// "env:NAME", "file:PATH" or "stored" (Password holds it).
	PasswordFrom string
	// Password is the password itself; see the security note above.
	Password string
	// Params holds flow-specific settings (form field names, client id,
	// scopes, ...).
	Params map[string]string
	// Updated is when the recipe was last changed; Merge keeps the later one.
	Updated time.Time
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

// WithoutPasswords returns a copy of s with Auth.Password and Login.Password
// cleared. The file store writes this unless asked to keep passwords.
func (s Snapshot) WithoutPasswords() Snapshot {
	if s.Auth != nil && s.Auth.Password != "" {
		a := *s.Auth
		a.Password = ""
		if a.PasswordFrom == "stored" {
			a.PasswordFrom = ""
		}
		s.Auth = &a
	}
	if s.Login != nil && s.Login.Password != "" {
		l := *s.Login
		l.Password = ""
		if l.PasswordFrom == "stored" {
			l.PasswordFrom = ""
		}
		s.Login = &l
	}
	return s
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
	if s.Auth != nil {
		a := *s.Auth
		a.Extra = cloneExtra(a.Extra)
		out.Auth = &a
	}
	if s.Tokens != nil {
		out.Tokens = make([]Token, len(s.Tokens))
		for i, t := range s.Tokens {
			t.Extra = cloneExtra(t.Extra)
			out.Tokens[i] = t
		}
	}
	if s.CSRF != nil {
		c := *s.CSRF
		c.Extra = cloneExtra(c.Extra)
		out.CSRF = &c
	}
	if s.Login != nil {
		l := *s.Login
		l.Params = maps.Clone(l.Params)
		l.Extra = cloneExtra(l.Extra)
		out.Login = &l
	}
	if s.State != nil {
		out.State = make(map[string]State, len(s.State))
		for k, st := range s.State {
			st.Data = slices.Clone(st.Data)
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
