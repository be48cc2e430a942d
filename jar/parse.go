package jar

import (
	"errors"
	"strings"
	"time"
)

// Limits of RFC 6265bis §5.6 and §5.7.
const (
	// MaxNameValueSize is the largest accepted len(Name)+len(Value); a
	// larger cookie is ignored.
	MaxNameValueSize = 4096
	// MaxAttributeValueSize is the largest accepted attribute value; a
	// longer attribute is ignored (the cookie is kept).
	MaxAttributeValueSize = 1024
)

// Reasons a Set-Cookie line is ignored entirely. They are returned by the
// internal parser and shown by tests; SetCookieHeaders drops such lines
// silently, as RFC 6265bis requires.
var (
	errCTL      = errors.New("jar: Set-Cookie contains a control character")
	errEmpty    = errors.New("jar: Set-Cookie has neither name nor value")
	errTooLarge = errors.New("jar: Set-Cookie name and value exceed 4096 bytes")
	errNameless = errors.New("jar: Set-Cookie has no name (ignored by RFC 6265 rules)")
)

// setCookie is a parsed Set-Cookie line: the cookie's name and value and
// the cookie-attribute-list reduced to the last value of each attribute,
// which is all the storage model reads.
type setCookie struct {
	name, value string

	hasMaxAge bool
	maxAge    time.Time // expiry from Max-Age
	hasExp    bool
	expires   time.Time // expiry from Expires

	hasDomain bool
	domain    string // lower case, leading "." removed; may be ""

	hasPath bool
	path    string // attribute value, or the default-path when invalid

	secure, httpOnly, partitioned bool
	sameSite                      SameSite
}

// expiry returns the cookie's persistent flag and expiry time: Max-Age wins
// over Expires, whatever their order.
func (p *setCookie) expiry() (bool, time.Time) {
	switch {
	case p.hasMaxAge:
		return true, p.maxAge
	case p.hasExp:
		return true, p.expires
	}
	return false, time.Time{}
}

// earliest is the "earliest representable date" of the storage model: an
// expiry at it always lies in the past.
var earliest = time.Unix(0, 0).UTC()

// parseSetCookie parses one Set-Cookie header value following RFC 6265bis
// §5.6. reqPath is the (escaped) request path, used for the default-path of
// a missing or invalid Path attribute; now and maxLife turn Max-Age and
// Expires into an expiry time capped at now+maxLife (no cap when maxLife
// is negative). With nameless false, a line without "=" or with an empty
// name is rejected as RFC 6265 did.
func parseSetCookie(line, reqPath string, now time.Time, maxLife time.Duration, nameless bool) (setCookie, error) {
	var p setCookie
	for i := 0; i < len(line); i++ {
		if isCTL(line[i]) {
			return p, errCTL
		}
	}
	nv, attrs := line, ""
	if i := strings.IndexByte(line, ';'); i >= 0 {
		nv, attrs = line[:i], line[i:]
	}
	if i := strings.IndexByte(nv, '='); i >= 0 {
		p.name, p.value = trimWSP(nv[:i]), trimWSP(nv[i+1:])
	} else {
		if !nameless {
			return p, errNameless
		}
		p.value = trimWSP(nv)
	}
	if p.name == "" && !nameless {
		return p, errNameless
	}
	if len(p.name)+len(p.value) > MaxNameValueSize {
		return p, errTooLarge
	}
	if p.name == "" && p.value == "" {
		return p, errEmpty
	}

	limit := time.Time{}
	if maxLife >= 0 {
		limit = now.Add(maxLife)
	}
	for attrs != "" {
		attrs = attrs[1:] // the ';'
		av := attrs
		if i := strings.IndexByte(attrs, ';'); i >= 0 {
			av, attrs = attrs[:i], attrs[i:]
		} else {
			attrs = ""
		}
		name, value := av, ""
		if i := strings.IndexByte(av, '='); i >= 0 {
			name, value = av[:i], av[i+1:]
		}
		name, value = trimWSP(name), trimWSP(value)
		if len(value) > MaxAttributeValueSize {
			continue
		}
		switch {
		case strings.EqualFold(name, "Expires"):
			t, ok := parseCookieDate(value)
			if !ok {
				continue
			}
			p.hasExp, p.expires = true, capExpiry(t, limit)
		case strings.EqualFold(name, "Max-Age"):
			t, ok := parseMaxAge(value, now, limit)
			if !ok {
				continue
			}
			p.hasMaxAge, p.maxAge = true, t
		case strings.EqualFold(name, "Domain"):
			if value == "" {
				continue // RFC 6265bis §5.6.3: SHOULD ignore the cookie-av
			}
			value = strings.TrimPrefix(value, ".")
			p.hasDomain, p.domain = true, asciiLower(value)
		case strings.EqualFold(name, "Path"):
			if value == "" || value[0] != '/' {
				value = defaultPath(reqPath)
			}
			p.hasPath, p.path = true, value
		case strings.EqualFold(name, "Secure"):
			p.secure = true
		case strings.EqualFold(name, "HttpOnly"):
			p.httpOnly = true
		case strings.EqualFold(name, "SameSite"):
			p.sameSite = parseSameSite(value)
		case strings.EqualFold(name, "Partitioned"):
			p.partitioned = true
		}
	}
	return p, nil
}

// parseMaxAge implements §5.6.2: an optional "-" then digits only.
func parseMaxAge(v string, now, limit time.Time) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	neg := v[0] == '-'
	digits := v
	if neg {
		digits = v[1:]
	}
	if digits == "" {
		return time.Time{}, false
	}
	var n int64
	const maxSeconds = 1 << 32 // about 136 years: beyond any limit, and no Duration overflow
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return time.Time{}, false
		}
		if n < maxSeconds {
			n = n*10 + int64(digits[i]-'0')
		}
	}
	if neg || n == 0 {
		return earliest, true
	}
	return capExpiry(now.Add(time.Duration(min(n, maxSeconds))*time.Second), limit), true
}

// capExpiry reduces an expiry to limit (the cookie age limit), unless limit
// is zero (no limit).
func capExpiry(t, limit time.Time) time.Time {
	if !limit.IsZero() && t.After(limit) {
		return limit
	}
	return t
}

func parseSameSite(v string) SameSite {
	switch {
	case strings.EqualFold(v, "None"):
		return SameSiteNone
	case strings.EqualFold(v, "Lax"):
		return SameSiteLax
	case strings.EqualFold(v, "Strict"):
		return SameSiteStrict
	}
	return SameSiteDefault
}

// isCTL reports the control characters RFC 6265bis forbids in a
// set-cookie-string, name or value: %x00-08 / %x0A-1F / %x7F (HTAB allowed).
func isCTL(b byte) bool { return b <= 0x08 || (b >= 0x0A && b <= 0x1F) || b == 0x7F }

func isWSP(b byte) bool { return b == ' ' || b == '\t' }

func trimWSP(s string) string {
	for len(s) > 0 && isWSP(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isWSP(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
