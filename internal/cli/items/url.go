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

// URL normalisation follows what HTTPie's URL goes through: urllib3's
// parse_url (dot segments removed from the path, characters that may not
// appear percent-encoded, existing escapes upper-cased) and then requests'
// requote_uri (escapes of unreserved characters decoded).

const (
	unreservedChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-~"
	subDelimChars   = "!$&'()*+,;="
	pathChars       = unreservedChars + subDelimChars + ":@/"
	queryChars      = pathChars + "?"
)

// removeDotSegments is urllib3's _remove_path_dot_segments (RFC 3986
// section 5.2.4).
func removeDotSegments(p string) string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		switch {
		case seg == ".":
		case seg != "..":
			out = append(out, seg)
		case len(out) > 0:
			out = out[:len(out)-1]
		}
	}
	if strings.HasPrefix(p, "/") && (len(out) == 0 || out[0] != "") {
		out = append([]string{""}, out...)
	}
	if strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/..") {
		out = append(out, "")
	}
	return strings.Join(out, "/")
}

func isHexDigit(c byte) bool { return hexVal(c) >= 0 }

// encodeComponent is urllib3's _encode_invalid_chars: escapes are
// upper-cased; if every '%' starts a valid escape they are kept, otherwise
// every '%' is encoded; bytes outside allowed are percent-encoded.
func encodeComponent(s, allowed string) string {
	valid := true
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && !(i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2])) {
			valid = false
			break
		}
	}
	const hexUpper = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && valid:
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(s[i+1 : i+3]))
			i += 2
		case c < 0x80 && strings.IndexByte(allowed, c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexUpper[c>>4])
			b.WriteByte(hexUpper[c&15])
		}
	}
	return b.String()
}

// unquoteUnreserved decodes escapes of unreserved characters (requests'
// unquote_unreserved); s holds only valid escapes.
func unquoteUnreserved(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if d := byte(hexVal(s[i+1])<<4 | hexVal(s[i+2])); strings.IndexByte(unreservedChars, d) >= 0 {
				b.WriteByte(d)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// buildURL turns the URL argument into the request URL: shortcuts
// expanded, path and query normalised as HTTPie's libraries do, host
// lower-cased and IDNA-encoded, an empty path made "/", and the query
// parameters appended.
func buildURL(arg, defaultScheme string, params string, pathAsIs bool) (*url.URL, error) {
	s := expandURL(arg, defaultScheme)
	sep := strings.Index(s, "://")
	scheme := strings.ToLower(s[:sep])
	if scheme != "http" && scheme != "https" {
		return nil, argErrf(arg, ErrURL, "unsupported scheme %q (only http and https)", scheme)
	}
	rest := s[sep+3:]
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, `\/?#`); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	path, query, fragment := tail, "", ""
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path, query = path[:i], path[i:]
		if j := strings.IndexByte(query, '#'); j >= 0 {
			query, fragment = query[:j], query[j+1:]
		}
		query = strings.TrimPrefix(query, "?")
	}
	if path != "" {
		if !pathAsIs {
			path = removeDotSegments(path)
		}
		path = unquoteUnreserved(encodeComponent(path, pathChars))
	}
	if path == "" {
		path = "/"
	}
	query = unquoteUnreserved(encodeComponent(query, queryChars))
	fragment = unquoteUnreserved(encodeComponent(fragment, queryChars))
	if params != "" {
		if query != "" {
			query += "&" + params
		} else {
			query = params
		}
	}

	u, err := url.Parse(scheme + "://" + authority)
	if err != nil {
		return nil, argErr(arg, fmt.Errorf("%w: %w", ErrURL, err))
	}
	host := u.Hostname()
	if host == "" {
		return nil, argErrf(arg, ErrURL, "no host")
	}
	if strings.HasPrefix(host, ".") || strings.HasPrefix(host, "*") {
		return nil, argErrf(arg, ErrURL, "invalid host %q", host)
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n > 65535 {
			return nil, argErrf(arg, ErrURL, "port %s out of range", port)
		}
		if port = strconv.Itoa(n); n == 0 {
			port = ""
		}
	}
	// Like urllib3, lower-case the host and IDNA-encode it only when it is
	// not ASCII (so "my_host" stays valid).
	switch lower := strings.ToLower(host); {
	case strings.Contains(host, ":"): // IPv6
		host = "[" + lower + "]"
	case isASCII(host):
		host = lower
	default:
		ascii, err := idna.Lookup.ToASCII(lower)
		if err != nil {
			return nil, argErr(arg, fmt.Errorf("%w: host %q: %w", ErrURL, host, err))
		}
		host = ascii
	}
	if port != "" {
		host += ":" + port
	}
	ref := scheme + "://" + host + path
	if query != "" {
		ref += "?" + query
	}
	if fragment != "" {
		ref += "#" + fragment
	}
	out, err := url.Parse(ref)
	if err != nil {
		return nil, argErr(arg, fmt.Errorf("%w: %w", ErrURL, err))
	}
	out.User = u.User
	return out, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
