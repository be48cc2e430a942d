package jar

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
)

// Errors for URLs the jar cannot attach cookies to.
var (
	// ErrNoHost is returned (wrapped) for a URL without a host name.
	ErrNoHost = errors.New("jar: URL has no host")
	// ErrScheme is returned (wrapped) for a URL whose scheme is not http,
	// https, ws or wss.
	ErrScheme = errors.New("jar: URL scheme does not carry cookies")
)

// target is a request URL reduced to what cookie matching needs.
type target struct {
	host   string // canonicalized request-host
	isIP   bool
	path   string // escaped path, "/" when empty
	secure bool   // https/wss, or a loopback host
}

// newTarget canonicalizes u for storing and matching cookies.
func newTarget(u *url.URL) (target, error) {
	if u == nil {
		return target{}, fmt.Errorf("%w: nil URL", ErrNoHost)
	}
	var secureScheme bool
	switch strings.ToLower(u.Scheme) {
	case "https", "wss":
		secureScheme = true
	case "http", "ws":
	default:
		return target{}, fmt.Errorf("%w: %q", ErrScheme, u.Scheme)
	}
	host, isIP, err := canonicalHost(u.Hostname())
	if err != nil {
		return target{}, err
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return target{
		host:   host,
		isIP:   isIP,
		path:   p,
		secure: secureScheme || isLoopback(host, isIP),
	}, nil
}

// canonicalHost returns the canonicalized host name of RFC 6265bis §5.1.2:
// lower case, with non-ASCII labels converted to their A-label (punycode)
// form. IP addresses are returned in their canonical text form (IPv6
// without brackets or zone).
func canonicalHost(h string) (host string, isIP bool, err error) {
	if h == "" {
		return "", false, ErrNoHost
	}
	if looksLikeIP(h) {
		if a, perr := netip.ParseAddr(h); perr == nil {
			// The canonical text is built on the stack: an address
			// already in canonical form (127.0.0.1, ::1) is returned
			// as given, without allocating.
			var buf [64]byte // the longest form, IPv4-mapped IPv6, has 45 bytes
			b := a.WithZone("").AppendTo(buf[:0])
			if string(b) == h {
				return h, true, nil
			}
			return string(b), true, nil
		}
	}
	if !isASCII(h) {
		a, ierr := idna.Lookup.ToASCII(h)
		if ierr != nil {
			return "", false, fmt.Errorf("jar: host %q: %w", h, ierr)
		}
		h = a
	}
	h = asciiLower(h)
	if !validHostName(h) {
		return "", false, fmt.Errorf("jar: invalid host name %q", h)
	}
	return h, false, nil
}

// looksLikeIP reports whether h may be an IP address: it has a ':' (IPv6)
// or only digits and dots (IPv4). It spares host names a failing, and
// allocating, netip.ParseAddr.
func looksLikeIP(h string) bool {
	if strings.IndexByte(h, ':') >= 0 {
		return true
	}
	for i := 0; i < len(h); i++ {
		if !isDigit(h[i]) && h[i] != '.' {
			return false
		}
	}
	return true
}

// validHostName reports whether h, already lower case, can be a cookie's
// domain: ASCII letters, digits, '-', '_' and dots, no empty label except a
// final one (a fully qualified "example.com.").
func validHostName(h string) bool {
	if h == "" || h[0] == '.' || strings.Contains(h, "..") {
		return false
	}
	for i := 0; i < len(h); i++ {
		b := h[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
			return false
		}
	}
	return true
}

// isLoopback reports whether a canonical host is a loopback address
// (127.0.0.0/8, ::1) or the name "localhost", which RFC 6761 reserves for
// the loopback interface. Requests to such hosts count as secure.
func isLoopback(host string, isIP bool) bool {
	if isIP {
		a, err := netip.ParseAddr(host)
		return err == nil && a.Unmap().IsLoopback()
	}
	return host == "localhost" || host == "localhost."
}

// domainMatch implements "domain-match" (RFC 6265bis §5.1.3): host equals
// domain, or host is a host name ending in "." + domain.
func domainMatch(host string, hostIsIP bool, domain string) bool {
	if host == domain {
		return true
	}
	return !hostIsIP && len(host) > len(domain) &&
		host[len(host)-len(domain)-1] == '.' && strings.HasSuffix(host, domain)
}

// pathMatch implements "path-match" (RFC 6265bis §5.1.4).
func pathMatch(reqPath, cookiePath string) bool {
	if reqPath == cookiePath {
		return true
	}
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return cookiePath[len(cookiePath)-1] == '/' || reqPath[len(cookiePath)] == '/'
}

// defaultPath implements the default-path of RFC 6265bis §5.1.4: the
// directory of the request path.
func defaultPath(reqPath string) string {
	if reqPath == "" || reqPath[0] != '/' {
		return "/"
	}
	i := strings.LastIndexByte(reqPath, '/')
	if i == 0 {
		return "/"
	}
	return reqPath[:i]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// asciiLower lower-cases ASCII letters, allocating only when s has upper
// case letters.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lower(b[j])
			}
			return string(b)
		}
	}
	return s
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
