package items

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

var schemeRE = regexp.MustCompile(`(?i)^[a-z][a-z0-9.+-]*://`)

// expandURL applies HTTPie's URL shortcuts: a pasted "://host" loses its
// "://", a URL without scheme gets defaultScheme, and ":3000/x", ":/x" and
// ":" stand for localhost.
func expandURL(raw, defaultScheme string) string {
	raw = strings.TrimPrefix(raw, "://")
	if schemeRE.MatchString(raw) {
		return raw
	}
	scheme := defaultScheme + "://"
	// HTTPie's shorthand is the regexp ^:(?!:)(\d*)(/?.*)$ in Python, where
	// \d is any decimal digit, '.' does not match a newline and '$' also
	// matches before a final newline.
	if !strings.HasPrefix(raw, ":") || strings.HasPrefix(raw, "::") {
		return scheme + raw
	}
	rest := raw[1:]
	port := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsDigit(r) })
	if port < 0 {
		port = len(rest)
	}
	digits, tail := rest[:port], rest[port:]
	if nl := strings.IndexByte(tail, '\n'); nl >= 0 {
		if nl != len(tail)-1 {
			return scheme + raw
		}
		tail = tail[:nl]
	}
	u := scheme + "localhost"
	if digits != "" {
		u += ":" + digits
	}
	return u + tail
}

// requote normalises the percent-encoding of a URL's path, query and
// fragment as Python requests' requote_uri does: escapes of unreserved
// characters are decoded, characters that may not appear in a URL are
// encoded, and '%' not followed by two hex digits becomes %25.
func requote(s string) string {
	const safe = "!#$%&'()*+,/:;=?@[]~"
	unreserved := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

	// Pass 1, unquote_unreserved: decode %XX of unreserved characters. It
	// fails on '%' followed by two alphanumerics that are not hex, and
	// requests then quotes every '%' of the original.
	var mid strings.Builder
	invalid := false
	for i := 0; i < len(s) && !invalid; i++ {
		c := s[i]
		if c != '%' || i+2 >= len(s) || !alnum(s[i+1]) || !alnum(s[i+2]) {
			mid.WriteByte(c)
			continue
		}
		hi, lo := hexVal(s[i+1]), hexVal(s[i+2])
		if hi < 0 || lo < 0 {
			invalid = true
			break
		}
		if d := byte(hi<<4 | lo); unreserved(d) {
			mid.WriteByte(d)
			i += 2
			continue
		}
		mid.WriteByte(c)
	}
	src, safeSet := mid.String(), safe
	if invalid {
		src, safeSet = s, strings.ReplaceAll(safe, "%", "")
	}

	// Pass 2, quote: percent-encode every other byte.
	const hexUpper = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		c := src[i]
		if unreserved(c) || strings.IndexByte(safeSet, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&15])
	}
	return b.String()
}

// buildURL turns the URL argument into the request URL: shortcuts
// expanded, percent-encoding normalised, host lower-cased and IDNA-encoded,
// an empty path made "/", and the query parameters appended.
func buildURL(arg, defaultScheme string, query string) (*url.URL, error) {
	s := expandURL(arg, defaultScheme)
	sep := strings.Index(s, "://")
	scheme := strings.ToLower(s[:sep])
	if scheme != "http" && scheme != "https" {
		return nil, argErrf(arg, ErrURL, "unsupported scheme %q (only http and https)", scheme)
	}
	rest := s[sep+3:]
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	u, err := url.Parse(scheme + "://" + authority + requote(tail))
	if err != nil {
		return nil, argErr(arg, fmt.Errorf("%w: %w", ErrURL, err))
	}
	host := u.Hostname()
	if host == "" {
		return nil, argErrf(arg, ErrURL, "no host")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n > 65535 {
			return nil, argErrf(arg, ErrURL, "port %s out of range", port)
		}
	}
	if !strings.HasPrefix(u.Host, "[") {
		ascii, err := idna.Lookup.ToASCII(strings.ToLower(host))
		if err != nil {
			return nil, argErr(arg, fmt.Errorf("%w: host %q: %w", ErrURL, host, err))
		}
		if p := u.Port(); p != "" {
			u.Host = ascii + ":" + p
		} else if strings.HasSuffix(u.Host, ":") {
			u.Host = ascii + ":"
		} else {
			u.Host = ascii
		}
	} else {
		u.Host = strings.ToLower(u.Host)
	}
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	if query != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&" + query
		} else {
			u.RawQuery = query
		}
		u.ForceQuery = false
	}
	return u, nil
}
