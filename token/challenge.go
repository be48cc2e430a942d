package token

import (
	"errors"
	"fmt"
	"strings"
)

// Challenge is one authentication challenge of a WWW-Authenticate header
// (RFC 9110 §11.6.1), such as
//
//	Bearer error="invalid_token", error_description="Jwt expired at ..."
type Challenge struct {
	// Scheme is the authentication scheme as sent ("Bearer", "Basic").
	// Compare it case-insensitively.
	Scheme string
	// Params holds the auth-params by lower-case name, unquoted. A name
	// that repeats keeps its first value.
	Params map[string]string
	// Token68 is the token68 form of the credentials, if the challenge
	// used it instead of auth-params (rare in challenges).
	Token68 string
}

// ErrMalformedChallenge is wrapped by the error ParseChallenges returns
// for a header it cannot read to the end.
var ErrMalformedChallenge = errors.New("token: malformed WWW-Authenticate header")

// MaxChallengeHeader is the longest WWW-Authenticate value, all header
// lines together, that ParseChallenges reads.
const MaxChallengeHeader = 16 << 10

// ParseChallenges reads the challenges of one or more WWW-Authenticate
// header values (each value may hold several challenges, separated by
// commas). On malformed input it returns the challenges read before the
// fault together with an error wrapping ErrMalformedChallenge; it never
// panics. It is safe for concurrent use.
func ParseChallenges(values []string) ([]Challenge, error) {
	var out []Challenge
	total := 0
	for _, v := range values {
		total += len(v)
		if total > MaxChallengeHeader {
			return out, fmt.Errorf("%w: longer than %d bytes", ErrMalformedChallenge, MaxChallengeHeader)
		}
		p := challengeParser{s: v}
		cs, err := p.parse()
		out = append(out, cs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Find returns the first challenge whose scheme is scheme, ignoring case.
func Find(cs []Challenge, scheme string) (Challenge, bool) {
	for _, c := range cs {
		if strings.EqualFold(c.Scheme, scheme) {
			return c, true
		}
	}
	return Challenge{}, false
}

// String formats the challenge as a header value that ParseChallenges reads
// back to an equal Challenge. Parameters are written in sorted order.
func (c Challenge) String() string {
	var b strings.Builder
	b.WriteString(c.Scheme)
	if c.Token68 != "" {
		b.WriteByte(' ')
		b.WriteString(c.Token68)
		return b.String()
	}
	for i, k := range sortedKeys(c.Params) {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteString(", ")
		}
		b.WriteString(k)
		b.WriteString(`="`)
		for _, r := range []byte(c.Params[k]) {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(r)
		}
		b.WriteByte('"')
	}
	return b.String()
}

type challengeParser struct {
	s   string
	pos int
}

func (p *challengeParser) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrMalformedChallenge, what, p.pos)
}

func (p *challengeParser) parse() ([]Challenge, error) {
	var out []Challenge
	for {
		p.skipListSeparators()
		if p.pos == len(p.s) {
			return out, nil
		}
		scheme := p.token()
		if scheme == "" {
			return out, p.fail(fmt.Sprintf("unexpected %q where a scheme was expected", p.s[p.pos]))
		}
		if p.pos < len(p.s) && p.s[p.pos] != ' ' && p.s[p.pos] != '\t' && p.s[p.pos] != ',' {
			return out, p.fail(fmt.Sprintf("unexpected %q after scheme %q", p.s[p.pos], scheme))
		}
		c := Challenge{Scheme: scheme}
		p.skipWS()
		nextChallenge := false
		name, value, ok, err := p.authParam()
		switch {
		case err != nil:
			return out, err
		case ok:
			c.Params = map[string]string{name: value}
			for !nextChallenge {
				p.skipWS()
				if p.pos == len(p.s) {
					break
				}
				p.skipListSeparators() // authParam left the position at a comma
				if p.pos == len(p.s) {
					break
				}
				name, value, ok, err := p.authParam()
				if err != nil {
					return append(out, c), err
				}
				if !ok {
					nextChallenge = true // a scheme, not a parameter
					break
				}
				if _, dup := c.Params[name]; !dup {
					c.Params[name] = value
				}
			}
		default:
			if t, ok := p.token68(); ok {
				c.Token68 = t
			}
		}
		out = append(out, c)
		if nextChallenge {
			continue
		}
		p.skipWS()
		if p.pos < len(p.s) && p.s[p.pos] != ',' {
			return out, p.fail(fmt.Sprintf("unexpected %q after a challenge", p.s[p.pos]))
		}
	}
}

// authParam reads token OWS "=" OWS ( token / quoted-string ) followed by
// the end, OWS and a comma. It reports ok=false, leaving the position
// unchanged, when the input there is not a parameter.
func (p *challengeParser) authParam() (name, value string, ok bool, err error) {
	start := p.pos
	name = p.token()
	if name == "" {
		return "", "", false, nil
	}
	p.skipWS()
	if p.pos == len(p.s) || p.s[p.pos] != '=' {
		p.pos = start
		return "", "", false, nil
	}
	p.pos++
	p.skipWS()
	if p.pos < len(p.s) && p.s[p.pos] == '"' {
		value, err = p.quoted()
		if err != nil {
			return "", "", false, err
		}
	} else {
		value = p.token()
		if value == "" {
			// "name=" followed by "=" or nothing: a token68 such as
			// "abc==", not a parameter.
			p.pos = start
			return "", "", false, nil
		}
	}
	end := p.pos
	p.skipWS()
	if p.pos < len(p.s) && p.s[p.pos] != ',' {
		p.pos = start
		return "", "", false, nil
	}
	p.pos = end
	return strings.ToLower(name), value, true, nil
}

// token68 reads 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
// followed by OWS and the end or a comma.
func (p *challengeParser) token68() (string, bool) {
	start := p.pos
	for p.pos < len(p.s) && isToken68(p.s[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return "", false
	}
	for p.pos < len(p.s) && p.s[p.pos] == '=' {
		p.pos++
	}
	t := p.s[start:p.pos]
	save := p.pos
	p.skipWS()
	if p.pos < len(p.s) && p.s[p.pos] != ',' {
		p.pos = start
		return "", false
	}
	p.pos = save
	return t, true
}

func (p *challengeParser) quoted() (string, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c == '\\':
			if p.pos+1 == len(p.s) {
				return "", p.fail("unterminated quoted string")
			}
			if e := p.s[p.pos+1]; e < 0x20 && e != '\t' || e == 0x7f {
				return "", p.fail(fmt.Sprintf("control character %#x in a quoted string", e))
			}
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
		case c < 0x20 && c != '\t' || c == 0x7f:
			return "", p.fail(fmt.Sprintf("control character %#x in a quoted string", c))
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.fail("unterminated quoted string")
}

func (p *challengeParser) token() string {
	start := p.pos
	for p.pos < len(p.s) && isTchar(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos]
}

func (p *challengeParser) skipWS() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *challengeParser) skipListSeparators() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == ',') {
		p.pos++
	}
}

// isTchar reports whether c may appear in an RFC 9110 token.
func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isToken68(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~+/", c) >= 0
}
