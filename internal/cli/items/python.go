package items

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the few Python behaviours that HTTPie's syntax depends on:
// str.isspace, int(str) and repr(str).

// pyIsSpace reports whether r is whitespace for Python's str.isspace and
// str.strip: Go's unicode.IsSpace plus the information separators
// U+001C..U+001F.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyStrip removes leading and trailing Python whitespace.
func pyStrip(s string) string { return strings.TrimFunc(s, pyIsSpace) }

// pyMaxIntDigits is Python's default limit on the digits int() converts
// (sys.int_info.default_max_str_digits); longer strings are not numbers.
const pyMaxIntDigits = 4300

// pyInt parses s as Python's int(s) does: surrounding whitespace, an
// optional sign, decimal digits of any script and single underscores
// between digits. It returns the canonical decimal form ("-12", "0") and
// whether s is an integer.
func pyInt(s string) (string, bool) {
	s = pyStrip(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return "", false
	}
	var b strings.Builder
	prevDigit := false
	for _, r := range s {
		if r == '_' {
			if !prevDigit {
				return "", false
			}
			prevDigit = false
			continue
		}
		d, ok := pyDigit(r)
		if !ok {
			return "", false
		}
		b.WriteByte(byte('0' + d))
		prevDigit = true
	}
	if !prevDigit || b.Len() > pyMaxIntDigits {
		return "", false
	}
	digits := strings.TrimLeft(b.String(), "0")
	if digits == "" {
		return "0", true
	}
	if neg {
		return "-" + digits, true
	}
	return digits, true
}

// pyDigit returns the value of a decimal digit (Unicode category Nd).
// Unicode encodes decimal digits in contiguous runs of ten, zero first, so
// the value is the offset from the start of the run modulo ten.
func pyDigit(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if r < 0x80 || !unicode.IsDigit(r) {
		return 0, false
	}
	n := 0
	for c := r - 1; unicode.IsDigit(c); c-- {
		n++
	}
	return n % 10, true
}

// pyRepr quotes s the way Python's repr(str) does, so that messages name
// items as HTTPie users know them: 'a=b', "it's".
func pyRepr(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
			i++
			continue
		}
		i += size
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == ' ' || (unicode.IsPrint(r) && r != 0x7f):
			b.WriteRune(r)
		case r < 0x100:
			b.WriteString(`\x` + hex2(byte(r)))
		case r < 0x10000:
			b.WriteString(`\u` + pad(strconv.FormatInt(int64(r), 16), 4))
		default:
			b.WriteString(`\U` + pad(strconv.FormatInt(int64(r), 16), 8))
		}
	}
	b.WriteByte(quote)
	return b.String()
}

func hex2(c byte) string { return pad(strconv.FormatInt(int64(c), 16), 2) }

func pad(s string, n int) string {
	if len(s) < n {
		return strings.Repeat("0", n-len(s)) + s
	}
	return s
}
