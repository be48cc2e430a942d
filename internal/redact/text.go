package redact

import (
	"regexp"
	"strings"
)

var (
	// pairRe finds name=value pairs: query parameters inside URLs, form
	// bodies, "key=value" in messages. A value runs to the next '&',
	// quote, angle bracket, '#' or white space.
	pairRe = regexp.MustCompile(`([A-Za-z0-9_.~%+\[\]-]+)=([^&\s"'<>#]*)`)
	// userinfoRe finds the user information of URLs.
	userinfoRe = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)([^/\s"'<>@?#]*)@`)
	// quotedMemberRe finds JSON members quoted inside a quoted string
	// (`\"token\":\"...`), as Go's %q writes a JSON body.
	quotedMemberRe = regexp.MustCompile(`\\"([^"\\]{1,100})\\"\s*:\s*\\"`)
	// authRe finds HTTP credentials in text: "Bearer abc", "Basic YWxp...".
	authRe = regexp.MustCompile(`(?i)\b(Bearer|Basic)(\s+)([A-Za-z0-9._~+/-]+=*)`)
	// jwtRe finds JWTs.
	jwtRe = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)
)

// Text redacts free text, such as an error message or a log line, that
// may quote URLs, requests and bodies: in URLs, the user information; in
// name=value pairs (query parameters, form fields) and JSON members (also
// when quoted inside a quoted string), the values of sensitive names;
// "Bearer ..." and "Basic ..." credentials; and JWTs. Command-line flags
// ("--session=app") are not pairs. It is a net under the structured
// redactors, for text whose structure is not known.
func Text(s string) string {
	s = jsonSegments(s)
	if strings.Contains(s, `\"`) {
		s = quotedMembers(s)
	}
	if strings.IndexByte(s, '=') >= 0 {
		s = pairs(s, 0)
	}
	if strings.Contains(s, "://") {
		s = userinfoRe.ReplaceAllStringFunc(s, maskUserinfo)
	}
	if l := strings.ToLower(s); strings.Contains(l, "bearer") || strings.Contains(l, "basic") {
		s = authRe.ReplaceAllStringFunc(s, func(m string) string {
			sub := authRe.FindStringSubmatch(m)
			if !looksSecret(sub[3]) {
				return m
			}
			return sub[1] + sub[2] + Mask
		})
	}
	if strings.Contains(s, "eyJ") {
		s = jwtRe.ReplaceAllLiteralString(s, Mask)
	}
	return s
}

// maskUserinfo masks the user information a userinfoRe match holds.
func maskUserinfo(m string) string {
	sub := userinfoRe.FindStringSubmatch(m)
	scheme, user := sub[1], sub[2]
	if name, _, hasPass := strings.Cut(user, ":"); hasPass {
		return scheme + name + ":" + Mask + "@"
	}
	if user == "" || user == Mask {
		return m
	}
	return scheme + Mask + "@"
}

// jsonSegments masks the secrets of the JSON objects and arrays in s:
// from each '{' or '[' to its matching close (or the end of s).
func jsonSegments(s string) string {
	i := strings.IndexAny(s, "{[")
	if i < 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i >= 0 {
		end := containerEnd(s, i)
		if out, changed := jsonBody([]byte(s[i:end])); changed {
			b.WriteString(s[last:i])
			b.Write(out)
			last = end
		}
		next := strings.IndexAny(s[end:], "{[")
		if next < 0 {
			break
		}
		i = end + next
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// containerEnd returns the end of the JSON object or array that starts at
// s[i]: just past its matching close, or len(s).
func containerEnd(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '"':
			// Skip the string; j stops on its closing quote.
			for j++; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' {
					j++
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(s)
}

// quotedMembers masks the values of sensitive members of JSON quoted
// inside a quoted string: `\"password\":\"...\"`, to the closing `\"` (or
// the end of s).
func quotedMembers(s string) string {
	locs := quotedMemberRe.FindAllStringSubmatchIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		if l[0] < last {
			continue
		}
		if !IsSensitiveName(s[l[2]:l[3]]) {
			continue
		}
		start := l[1]
		end := strings.Index(s[start:], `\"`)
		if end < 0 {
			end = len(s)
		} else {
			end += start
		}
		b.WriteString(s[last:start])
		b.WriteString(Mask)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// pairs masks the values of sensitive name=value pairs in s, and looks
// for pairs inside the values of the others ("url=/x?token=..."), down to
// maxNesting levels.
func pairs(s string, depth int) string {
	locs := pairRe.FindAllStringSubmatchIndex(s, -1)
	if locs == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, l := range locs {
		name, value := s[l[2]:l[3]], s[l[4]:l[5]]
		if strings.HasPrefix(name, "-") || value == "" || value == Mask {
			continue
		}
		masked := value
		if Param(unescape(name), unescape(value)) != unescape(value) {
			masked = Mask
		} else if depth < maxNesting && strings.IndexByte(value, '=') >= 0 {
			masked = pairs(value, depth+1)
		}
		if masked != value {
			b.WriteString(s[last:l[4]])
			b.WriteString(masked)
			last = l[5]
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// looksSecret tells credentials after "Bearer" or "Basic" in text from
// words ("Basic challenge"): eight characters or more, with a digit or a
// symbol, or twenty or more.
func looksSecret(s string) bool {
	if len(s) >= 20 {
		return true
	}
	if len(s) < 8 || s == Mask {
		return false
	}
	return strings.ContainsAny(s, "0123456789._~+/-=")
}
