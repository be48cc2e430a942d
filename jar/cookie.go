package jar

import "time"

// SameSite is the value of a cookie's SameSite attribute.
type SameSite int

// SameSite values. SameSiteDefault means the attribute was absent (or had an
// unrecognised value), which RFC 6265bis treats as "Default"/Lax-allowing-unsafe
// depending on the user agent; the jar keeps the distinction so that it can be
// saved and shown.
const (
	SameSiteDefault SameSite = iota
	SameSiteNone
	SameSiteLax
	SameSiteStrict
)

// String returns "", "None", "Lax" or "Strict".
func (s SameSite) String() string {
	switch s {
	case SameSiteNone:
		return "None"
	case SameSiteLax:
		return "Lax"
	case SameSiteStrict:
		return "Strict"
	}
	return ""
}

// Cookie is one cookie as the jar stores it: every attribute of the RFC 6265bis
// storage model, so that a cookie can be listed, saved and restored exactly.
//
// Cookie is a plain value; the jar never hands out pointers into its storage.
type Cookie struct {
	// Name and Value as received. Name may be empty (a nameless cookie).
	Name  string
	Value string
	// Domain is the canonical (lower-case, no leading dot) host or domain the
	// cookie belongs to.
	Domain string
	// Path is the cookie's path attribute or its default-path.
	Path string
	// HostOnly is true when the cookie had no Domain attribute: it is sent to
	// Domain exactly and not to its subdomains.
	HostOnly bool
	// Persistent is false for a session cookie (no Max-Age or Expires).
	Persistent bool
	// Expires is the expiry time of a persistent cookie; zero for session cookies.
	Expires time.Time
	// Secure, HttpOnly, SameSite and Partitioned mirror the attributes.
	Secure      bool
	HttpOnly    bool
	SameSite    SameSite
	Partitioned bool
	// Created is the creation time; it orders cookies of equal path length and
	// is kept when a cookie is replaced by one of the same name, domain and path.
	Created time.Time
	// Updated is the last time the cookie was stored from a Set-Cookie (or
	// Put); unlike Created it changes on replacement. Stores that merge the
	// state of several processes use it as the cookie's version: the later
	// Updated wins.
	Updated time.Time
	// LastAccess is the last time the cookie was sent or set.
	LastAccess time.Time
}

// Key identifies a cookie in the jar: two cookies with the same Key cannot both
// be stored.
//
// As in RFC 6265bis §5.7 (step "same name, domain, host-only-flag, and
// path"), the host-only flag is part of a cookie's identity: a host-only
// cookie "sid" for example.com and a domain cookie "sid" with
// Domain=example.com are two cookies, both sent to example.com, as browsers
// keep them. Code that records keys (deletion tombstones, for example) must
// keep HostOnly too.
type Key struct {
	Domain, Path, Name string
	HostOnly           bool
}

// Key returns the cookie's identity (domain, path, name, host-only flag).
func (c Cookie) Key() Key {
	return Key{Domain: c.Domain, Path: c.Path, Name: c.Name, HostOnly: c.HostOnly}
}

// String returns the key as "name@domain/path", with a leading "." on the
// domain of a domain cookie (the cookies.txt convention), for messages.
func (k Key) String() string {
	d := k.Domain
	if !k.HostOnly {
		d = "." + d
	}
	return k.Name + "@" + d + k.Path
}

// Expired reports whether a persistent cookie has expired at now.
func (c Cookie) Expired(now time.Time) bool {
	return c.Persistent && !c.Expires.After(now)
}
