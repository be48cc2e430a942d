package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// This file holds a small reader and writer for JSON that is already known
// to be valid (Parse checks it with encoding/json first). They let the codec
// decode a snapshot in one pass while keeping unknown members as raw JSON,
// which encoding/json cannot do without decoding everything twice.

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// stringEnd returns the index just past the string starting at b[i] == '"'
// and whether it needs decoding: it contains escapes or non-ASCII bytes
// (which may be invalid UTF-8, decoded to U+FFFD as encoding/json does).
func stringEnd(b []byte, i int) (int, bool) {
	esc := false
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\\':
			esc = true
			i++
		case c == '"':
			return i + 1, esc
		case c >= utf8.RuneSelf:
			esc = true
		}
	}
	return len(b), esc
}

// valueEnd returns the index just past the value starting at b[i].
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		e, _ := stringEnd(b, i)
		return e
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i, _ = stringEnd(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default:
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

func kindOf(v []byte) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func typeErr(want string, v []byte) error {
	return fmt.Errorf("want %s, got %s", want, kindOf(v))
}

// memberIter walks the members of a JSON object; see members.
type memberIter struct {
	v    []byte
	i    int
	done bool
}

// members starts walking the object v, or reports that v is not an object.
func members(v []byte) (memberIter, error) {
	i := skipSpace(v, 0)
	if i >= len(v) || v[i] != '{' {
		return memberIter{}, typeErr("an object", v[i:])
	}
	i = skipSpace(v, i+1)
	return memberIter{v: v, i: i, done: i >= len(v) || v[i] == '}'}, nil
}

// next returns the next member's raw key (without quotes, undecoded),
// whether the key needs decoding (see keyString), and its value.
func (it *memberIter) next() (key []byte, esc bool, val []byte, ok bool) {
	if it.done {
		return nil, false, nil, false
	}
	v, i := it.v, it.i
	ke, esc := stringEnd(v, i)
	key = v[i+1 : max(ke-1, i+1)]
	i = skipSpace(v, ke)
	i = skipSpace(v, i+1) // ':'
	ve := valueEnd(v, i)
	val = v[i:ve]
	i = skipSpace(v, ve)
	if i >= len(v) || v[i] == '}' {
		it.done = true
	} else {
		i = skipSpace(v, i+1) // ','
	}
	it.i = i
	return key, esc, val, true
}

// keyString returns a member key as a string, decoding escapes and
// replacing invalid UTF-8.
func keyString(key []byte, esc bool) string {
	if !esc {
		return string(key)
	}
	var s string
	quoted := make([]byte, 0, len(key)+2)
	quoted = append(append(append(quoted, '"'), key...), '"')
	if err := json.Unmarshal(quoted, &s); err != nil {
		return string(key) // unreachable for valid JSON
	}
	return s
}

// eachMember calls fn for every member of the object v, in order.
func eachMember(v []byte, fn func(key string, val []byte) error) error {
	it, err := members(v)
	if err != nil {
		return err
	}
	for {
		k, esc, val, ok := it.next()
		if !ok {
			return nil
		}
		if err := fn(keyString(k, esc), val); err != nil {
			return err
		}
	}
}

// elementIter walks the elements of a JSON array; see elements.
type elementIter struct {
	v    []byte
	i    int
	done bool
}

// elements starts walking the array v, or reports that v is not an array.
func elements(v []byte) (elementIter, error) {
	i := skipSpace(v, 0)
	if i >= len(v) || v[i] != '[' {
		return elementIter{}, typeErr("an array", v[i:])
	}
	i = skipSpace(v, i+1)
	return elementIter{v: v, i: i, done: i >= len(v) || v[i] == ']'}, nil
}

func (it *elementIter) next() ([]byte, bool) {
	if it.done {
		return nil, false
	}
	v := it.v
	ve := valueEnd(v, it.i)
	val := v[it.i:ve]
	i := skipSpace(v, ve)
	if i >= len(v) || v[i] == ']' {
		it.done = true
	} else {
		i = skipSpace(v, i+1)
	}
	it.i = i
	return val, true
}

// eachElement calls fn for every element of the array v, in order.
func eachElement(v []byte, fn func(idx int, val []byte) error) error {
	it, err := elements(v)
	if err != nil {
		return err
	}
	for n := 0; ; n++ {
		val, ok := it.next()
		if !ok {
			return nil
		}
		if err := fn(n, val); err != nil {
			return err
		}
	}
}

func isNull(v []byte) bool { return len(v) == 4 && string(v) == "null" }

// decString decodes a string member; null is "".
func decString(v []byte) (string, error) {
	if isNull(v) {
		return "", nil
	}
	if len(v) < 2 || v[0] != '"' {
		return "", typeErr("a string", v)
	}
	body := v[1 : len(v)-1]
	plain := true
	for _, c := range body {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(body), nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", err
	}
	return s, nil
}

// decBool decodes a boolean member; null is false.
func decBool(v []byte) (bool, error) {
	switch string(v) {
	case "true":
		return true, nil
	case "false", "null":
		return false, nil
	}
	return false, typeErr("a boolean", v)
}

// decInt decodes an integer member.
func decInt(v []byte) (int, error) {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return 0, typeErr("an integer", v)
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return 0, fmt.Errorf("want an integer: %w", err)
	}
	return n, nil
}

// decTime decodes an RFC 3339 time member; null and "" are the zero time.
func decTime(v []byte) (time.Time, error) {
	if isNull(v) || string(v) == `""` {
		return time.Time{}, nil
	}
	if t, ok := fastUTCTime(v); ok {
		return t, nil
	}
	s, err := decString(v)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		var pe *time.ParseError
		if errors.As(err, &pe) {
			return time.Time{}, fmt.Errorf("want an RFC 3339 time, got %q", s)
		}
		return time.Time{}, err
	}
	return t, nil
}

// fastUTCTime parses the form Marshal writes, "2006-01-02T15:04:05.999999999Z"
// in quotes, without allocating. Anything else (other offsets, escapes,
// out-of-range fields) reports !ok and goes to time.Parse.
func fastUTCTime(v []byte) (time.Time, bool) {
	if len(v) < 22 || v[0] != '"' || v[len(v)-1] != '"' || v[len(v)-2] != 'Z' {
		return time.Time{}, false
	}
	b := v[1 : len(v)-2]
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	if b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := num(b[0:4])
	month, ok2 := num(b[5:7])
	day, ok3 := num(b[8:10])
	hour, ok4 := num(b[11:13])
	minute, ok5 := num(b[14:16])
	sec, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, false
	}
	nsec := 0
	if frac := b[19:]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		n, ok := num(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		for range 10 - len(frac) {
			n *= 10
		}
		nsec = n
	}
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // e.g. February 30: let time.Parse report it
		return time.Time{}, false
	}
	return t, true
}

// decStringMap decodes an object of strings.
func decStringMap(v []byte) (map[string]string, error) {
	if isNull(v) {
		return nil, nil
	}
	m := map[string]string{}
	err := eachMember(v, func(k string, val []byte) error {
		s, err := decString(val)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		m[k] = s
		return nil
	})
	return m, err
}

// putExtra records an unknown member.
func putExtra(m *map[string]json.RawMessage, k string, v []byte) {
	if *m == nil {
		*m = map[string]json.RawMessage{}
	}
	(*m)[k] = json.RawMessage(append([]byte(nil), v...))
}

// Writing.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as with encoding/json; callers that must not lose bytes check first.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Times outside the years RFC 3339 can write are clamped to them; for an
// expiry far in the future this changes nothing a cookie jar can observe.
var (
	minTime = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	if t.Before(minTime) {
		t = minTime
	} else if t.After(maxTime) {
		t = maxTime
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// object writes one JSON object on a single line.
type object struct {
	b     []byte
	first bool
	err   error
}

func beginObject(b []byte) object { return object{b: append(b, '{'), first: true} }

func (o *object) key(k string) {
	if !o.first {
		o.b = append(o.b, ", "...)
	}
	o.first = false
	o.b = appendString(o.b, k)
	o.b = append(o.b, ": "...)
}

func (o *object) str(k, v string) {
	if v == "" {
		return
	}
	o.key(k)
	o.b = appendString(o.b, v)
}

func (o *object) strAlways(k, v string) {
	o.key(k)
	o.b = appendString(o.b, v)
}

func (o *object) boolean(k string, v bool) {
	if !v {
		return
	}
	o.key(k)
	o.b = append(o.b, "true"...)
}

func (o *object) time(k string, t time.Time) {
	if t.IsZero() {
		return
	}
	o.key(k)
	o.b = appendTime(o.b, t)
}

// extra writes unknown members, sorted by name, compacted to one line.
func (o *object) extra(m map[string]json.RawMessage, known func(string) bool) {
	if len(m) == 0 {
		return
	}
	for _, k := range sortedKeys(m) {
		if known(k) {
			continue // a known member always comes from the typed field
		}
		if !json.Valid(m[k]) {
			if o.err == nil {
				o.err = fmt.Errorf("member %q of Extra is not valid JSON", k)
			}
			continue
		}
		o.key(k)
		o.b = appendCompact(o.b, m[k])
	}
}

func (o *object) end() []byte { return append(o.b, '}') }

// appendCompact appends the valid JSON v with insignificant space removed.
func appendCompact(b []byte, v json.RawMessage) []byte {
	inString := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if inString {
			b = append(b, c)
			switch c {
			case '\\':
				i++
				b = append(b, v[i])
			case '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
			b = append(b, c)
		case isSpace(c):
		default:
			b = append(b, c)
		}
	}
	return b
}
