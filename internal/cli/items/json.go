package items

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonKind is the type of a JSON value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// typeName is the name HTTPie's type errors use.
func (k jsonKind) typeName() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// jsonValue is a JSON value that keeps what HTTPie keeps: object members in
// order, duplicate keys included, and numbers as typed. Containers are
// mutated in place while nested paths are applied, so they are pointers.
type jsonValue struct {
	kind jsonKind
	b    bool
	s    string // string value, or number text as typed
	arr  []*jsonValue
	obj  []jsonMember
}

type jsonMember struct {
	key string
	val *jsonValue
}

func jsonStr(s string) *jsonValue { return &jsonValue{kind: jsonString, s: s} }

// lookup returns the index of the last member named key, or -1.
func (v *jsonValue) lookup(key string) int {
	for i := len(v.obj) - 1; i >= 0; i-- {
		if v.obj[i].key == key {
			return i
		}
	}
	return -1
}

// set replaces the value of the last member named key, or appends one.
func (v *jsonValue) set(key string, val *jsonValue) {
	if i := v.lookup(key); i >= 0 {
		v.obj[i].val = val
		return
	}
	v.obj = append(v.obj, jsonMember{key, val})
}

// maxJSONDepth bounds the nesting of raw JSON values; Python stops at its
// recursion limit (about 1000) with a crash, limpet with an error.
const maxJSONDepth = 1000

// parseJSON parses s as Python's json.loads does (same accepted syntax,
// same error wording and positions), except that NaN, Infinity and
// -Infinity are rejected because they are not JSON.
func parseJSON(s string) (*jsonValue, error) {
	p := &jsonParser{s: s}
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(s) {
		return nil, p.fail("Extra data", p.i)
	}
	return v, nil
}

type jsonParser struct {
	s string
	i int
}

func (p *jsonParser) fail(msg string, at int) *JSONError {
	prefix := p.s[:at]
	e := &JSONError{Message: msg, Offset: utf8.RuneCountInString(prefix), Line: strings.Count(prefix, "\n") + 1}
	if nl := strings.LastIndexByte(prefix, '\n'); nl >= 0 {
		e.Column = utf8.RuneCountInString(prefix[nl+1:]) + 1
	} else {
		e.Column = e.Offset + 1
	}
	return e
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) has(lit string) bool { return strings.HasPrefix(p.s[p.i:], lit) }

func (p *jsonParser) value(depth int) (*jsonValue, error) {
	if depth > maxJSONDepth {
		return nil, p.fail("Nesting too deep", p.i)
	}
	if p.i >= len(p.s) {
		return nil, p.fail("Expecting value", p.i)
	}
	switch c := p.s[p.i]; {
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return jsonStr(s), nil
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case p.has("null"):
		p.i += 4
		return &jsonValue{kind: jsonNull}, nil
	case p.has("true"):
		p.i += 4
		return &jsonValue{kind: jsonBool, b: true}, nil
	case p.has("false"):
		p.i += 5
		return &jsonValue{kind: jsonBool}, nil
	case p.has("NaN") || p.has("Infinity") || p.has("-Infinity"):
		return nil, p.fail("NaN and Infinity are not JSON", p.i)
	}
	return p.number()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number matches -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)? like Python's scanner.
func (p *jsonParser) number() (*jsonValue, error) {
	start, i, n := p.i, p.i, len(p.s)
	if i < n && p.s[i] == '-' {
		i++
	}
	switch {
	case i < n && p.s[i] >= '1' && p.s[i] <= '9':
		for i < n && isDigit(p.s[i]) {
			i++
		}
	case i < n && p.s[i] == '0':
		i++
	default:
		return nil, p.fail("Expecting value", start)
	}
	if i+1 < n && p.s[i] == '.' && isDigit(p.s[i+1]) {
		i += 2
		for i < n && isDigit(p.s[i]) {
			i++
		}
	}
	if i < n && (p.s[i] == 'e' || p.s[i] == 'E') {
		j := i + 1
		if j < n && (p.s[j] == '+' || p.s[j] == '-') {
			j++
		}
		k := j
		for k < n && isDigit(p.s[k]) {
			k++
		}
		if k > j {
			i = k
		}
	}
	p.i = i
	return &jsonValue{kind: jsonNumber, s: p.s[start:i]}, nil
}

func (p *jsonParser) object(depth int) (*jsonValue, error) {
	v := &jsonValue{kind: jsonObject}
	p.i++
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, p.fail("Expecting property name enclosed in double quotes", p.i)
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.fail("Expecting ':' delimiter", p.i)
		}
		p.i++
		p.ws()
		val, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.obj = append(v.obj, jsonMember{key, val})
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return v, nil
		}
		if p.i >= len(p.s) || p.s[p.i] != ',' {
			return nil, p.fail("Expecting ',' delimiter", p.i)
		}
		p.i++
		p.ws()
	}
}

func (p *jsonParser) array(depth int) (*jsonValue, error) {
	v := &jsonValue{kind: jsonArray}
	p.i++
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return v, nil
	}
	for {
		val, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.arr = append(v.arr, val)
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return v, nil
		}
		if p.i >= len(p.s) || p.s[p.i] != ',' {
			return nil, p.fail("Expecting ',' delimiter", p.i)
		}
		p.i++
		p.ws()
	}
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// hex4 decodes four hex digits at s[i:], or returns -1.
func hex4(s string, i int) rune {
	if i+4 > len(s) {
		return -1
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		h := hexVal(c)
		if h < 0 {
			return -1
		}
		r = r<<4 | rune(h)
	}
	return r
}

// jsonEscapes maps the character after a backslash to what it stands for.
var jsonEscapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// str scans a string starting at the opening quote, as CPython's
// scanstring does in strict mode. Lone surrogates become U+FFFD.
func (p *jsonParser) str() (string, error) {
	begin := p.i
	i := p.i + 1
	var b strings.Builder
	for {
		if i >= len(p.s) {
			return "", p.fail("Unterminated string starting at", begin)
		}
		c := p.s[i]
		switch {
		case c == '"':
			p.i = i + 1
			return b.String(), nil
		case c < 0x20:
			return "", p.fail("Invalid control character at", i)
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		}
		// Backslash escape.
		if i+1 >= len(p.s) {
			return "", p.fail("Unterminated string starting at", begin)
		}
		e := p.s[i+1]
		if r, ok := jsonEscapes[e]; ok {
			b.WriteByte(r)
			i += 2
			continue
		}
		if e != 'u' {
			return "", p.fail("Invalid \\escape", i)
		}
		// \uXXXX: CPython requires a character after the four digits,
		// and pairs a high surrogate only with a complete \uXXXX that is
		// followed by another character.
		u := i + 1
		if u+5 >= len(p.s) {
			return "", p.fail("Invalid \\uXXXX escape", u)
		}
		r := hex4(p.s, u+1)
		if r < 0 {
			return "", p.fail("Invalid \\uXXXX escape", u)
		}
		i = u + 5
		if utf16.IsSurrogate(r) && r < 0xdc00 && i+6 < len(p.s) && strings.HasPrefix(p.s[i:], `\u`) {
			r2 := hex4(p.s, i+2)
			if r2 < 0 {
				return "", p.fail("Invalid \\uXXXX escape", i+1)
			}
			if r2 >= 0xdc00 && r2 <= 0xdfff {
				r = utf16.DecodeRune(r, r2)
				i += 6
			}
		}
		if utf16.IsSurrogate(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
}

// encodeJSON writes v as Python's json.dumps does with default arguments
// (", " and ": " separators, non-ASCII escaped), which is what HTTPie
// sends. Numbers are written as typed.
func encodeJSON(b *strings.Builder, v *jsonValue) {
	switch v.kind {
	case jsonNull:
		b.WriteString("null")
	case jsonBool:
		if v.b {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case jsonNumber:
		b.WriteString(v.s)
	case jsonString:
		encodeJSONString(b, v.s)
	case jsonArray:
		b.WriteByte('[')
		for i, e := range v.arr {
			if i > 0 {
				b.WriteString(", ")
			}
			encodeJSON(b, e)
		}
		b.WriteByte(']')
	case jsonObject:
		b.WriteByte('{')
		for i, m := range v.obj {
			if i > 0 {
				b.WriteString(", ")
			}
			encodeJSONString(b, m.key)
			b.WriteString(": ")
			encodeJSON(b, m.val)
		}
		b.WriteByte('}')
	}
}

func encodeJSONString(b *strings.Builder, s string) {
	const hexDigits = "0123456789abcdef"
	u4 := func(r rune) {
		b.WriteString(`\u`)
		for sh := 12; sh >= 0; sh -= 4 {
			b.WriteByte(hexDigits[(r>>sh)&0xf])
		}
	}
	b.WriteByte('"')
	for _, r := range s { // invalid UTF-8 decodes to U+FFFD
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r >= ' ' && r <= '~':
			b.WriteRune(r)
		case r >= 0x10000:
			r1, r2 := utf16.EncodeRune(r)
			u4(r1)
			u4(r2)
		default:
			u4(r)
		}
	}
	b.WriteByte('"')
}

// formString is the text a raw JSON scalar becomes in a form field: strings
// as they are, numbers as typed, booleans as true/false.
func formString(v *jsonValue) (string, bool) {
	switch v.kind {
	case jsonString, jsonNumber:
		return v.s, true
	case jsonBool:
		if v.b {
			return "true", true
		}
		return "false", true
	}
	return "", false
}
