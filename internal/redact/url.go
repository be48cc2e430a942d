package redact

import (
	"net/url"
	"strings"
)

// URL returns u as a string with its user information, the values of
// sensitive query and fragment parameters, and sensitive path parameters
// (;jsessionid=) masked. See [URLString].
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return URLString(u.String())
}

// RequestURI returns u's path and query, as in a request line, redacted as
// [URL] does.
func RequestURI(u *url.URL) string {
	if u == nil {
		return ""
	}
	return URLString(u.RequestURI())
}

// URLString redacts a URL given as text, which need not parse: the
// password of its user information ("alice:****@"; a user name alone, which
// may be a token, is masked whole), sensitive path parameters
// (";jsessionid=" shows an [Identifier]), and the sensitive parameters of
// its query and fragment (see [Query]). The rest is kept byte for byte.
func URLString(raw string) string { return urlString(raw, 0) }

// maxNesting is how deep URLs inside query values (inside query values)
// are looked into.
const maxNesting = 3

func urlString(raw string, depth int) string {
	rest, frag, hasFrag := strings.Cut(raw, "#")
	rest, q, hasQuery := strings.Cut(rest, "?")
	rest = userinfo(rest)
	rest = pathParams(rest)
	if hasQuery {
		rest += "?" + query(q, depth)
	}
	if hasFrag {
		rest += "#" + query(frag, depth)
	}
	return rest
}

// userinfo masks the user information of the scheme, authority and path
// of a URL.
func userinfo(s string) string {
	start := strings.Index(s, "://")
	switch {
	case start >= 0:
		start += 3
	case strings.HasPrefix(s, "//"):
		start = 2
	default:
		return s
	}
	end := strings.IndexByte(s[start:], '/')
	if end < 0 {
		end = len(s)
	} else {
		end += start
	}
	at := strings.LastIndexByte(s[start:end], '@')
	if at < 0 {
		return s
	}
	user := s[start : start+at]
	if name, _, hasPass := strings.Cut(user, ":"); hasPass {
		user = name + ":" + Mask
	} else if user != "" {
		user = Mask
	}
	return s[:start] + user + s[start+at:]
}

// pathParams masks the values of sensitive ;name=value path parameters
// (a ;jsessionid= session identifier shows an Identifier).
func pathParams(s string) string {
	if !strings.Contains(s, ";") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, ';')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+1])
		s = s[i+1:]
		end := strings.IndexAny(s, ";/")
		if end < 0 {
			end = len(s)
		}
		name, value, ok := strings.Cut(s[:end], "=")
		if ok && value != "" && IsSensitiveName(unescape(name)) {
			if strings.EqualFold(unescape(name), "jsessionid") {
				value = Identifier(value)
			} else {
				value = Mask
			}
			b.WriteString(name + "=" + value)
		} else {
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
}

// Query masks the values of sensitive parameters in a raw query string
// (or a url-encoded form body, or a fragment of parameters): those whose
// name is sensitive and those whose value is a credential by its shape
// (see [Param]). The order, the separators and the encoding of the rest
// are kept. A value is masked to the next '&', and parameters that some
// servers split at ';' ("a=1;token=x") are masked from their '=' on.
func Query(raw string) string { return query(raw, 0) }

func query(raw string, depth int) string {
	if !strings.ContainsAny(raw, "=.") {
		return raw
	}
	var b strings.Builder
	b.Grow(len(raw))
	for {
		end := strings.IndexByte(raw, '&')
		part := raw
		if end >= 0 {
			part = raw[:end]
		}
		b.WriteString(queryPart(part, depth))
		if end < 0 {
			return b.String()
		}
		b.WriteByte('&')
		raw = raw[end+1:]
	}
}

// queryPart masks one name=value part of a query.
func queryPart(part string, depth int) string {
	name, value, ok := strings.Cut(part, "=")
	if !ok {
		if isJWT(unescape(part)) {
			return Mask
		}
		return part
	}
	v := unescape(value)
	if Param(unescape(name), v) != v {
		return name + "=" + Mask
	}
	// "a=1;token=x": mask from the first sensitive ;name= on.
	if strings.IndexByte(value, ';') >= 0 {
		at := 0
		for i, sub := range strings.Split(value, ";") {
			if n, _, ok := strings.Cut(sub, "="); i > 0 && ok && IsSensitiveName(unescape(n)) {
				return name + "=" + value[:at+len(n)+1] + Mask
			}
			at += len(sub) + 1
		}
	}
	if depth < maxNesting && strings.ContainsAny(v, "?#;@") && urlString(v, depth+1) != v {
		// A value that carries a secret (a redirect_uri with a token):
		// masked whole.
		return name + "=" + Mask
	}
	return part
}

// unescape decodes a query component, or returns it as it is when it does
// not decode.
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
