package redact

import (
	"regexp"
	"strings"
)

var (
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
		s = pairs(s)
	}
	if strings.Contains(s, "://") {
		s = userinfos(s)
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

// userinfos masks the user information of the URLs in s: the password
// ("alice:****@"), or a user name alone, which may be a token ("****@").
func userinfos(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; ; {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			break
		}
		start := i + j + 3
		end := start
		for end < len(s) && strings.IndexByte("/ \t\r\n\"'<>?#@", s[end]) < 0 {
			end++
		}
		i = end
		if end == len(s) || s[end] != '@' || start == end {
			continue
		}
		user := s[start:end]
		if name, _, hasPass := strings.Cut(user, ":"); hasPass {
			user = name + ":" + Mask
		} else {
			user = Mask
		}
		if user == s[start:end] {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(user)
		last = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
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

// pairs masks the values of sensitive name=value pairs in s: query
// parameters inside URLs, form bodies, "key=value" in messages, also
// inside the values of other pairs ("url=/x?token=..."). A name is the run
// of letters, digits and _.~%+[]- before a '='; a value runs to the next
// '&', quote, angle bracket, '#' or white space. Command-line flags
// ("--session=app") are not pairs.
func pairs(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			continue
		}
		j := i
		for j > last && isNameByte(s[j-1]) {
			j--
		}
		name := s[j:i]
		if name == "" || name[0] == '-' || !IsSensitiveName(unescape(name)) {
			continue
		}
		k := i + 1
		for k < len(s) && !isValueEnd(s[k]) {
			k++
		}
		if value := s[i+1 : k]; value == "" || value == Mask {
			continue
		}
		b.WriteString(s[last : i+1])
		b.WriteString(Mask)
		last = k
		i = k - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.~%+[]-", c) >= 0
}

func isValueEnd(c byte) bool {
	return c == '&' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
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
