package curlcmd

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Quote returns s as one POSIX shell word that stands for s exactly:
// unchanged when it is made only of characters no shell treats specially
// (letters, digits and _ - . / : , + @ %), otherwise in single quotes, each
// single quote in s closed, escaped and reopened:
//
//	it's  ->  'it'\''s'
//
// Inside single quotes no shell expands anything, so the word is safe for
// sh, dash, bash, ksh and zsh.
//
// A shell word cannot hold a NUL byte; Build never quotes one.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if plain(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// plain reports whether s needs no quoting.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_', c == '-', c == '.', c == '/', c == ':', c == ',', c == '+', c == '@', c == '%':
		default:
			return false
		}
	}
	return true
}

// printfFormat returns a printf format string (for POSIX printf, the
// format alone, no arguments) that prints b exactly: printable text stays
// readable, % and \ are doubled, tab, newline and carriage return are
// written \t, \n and \r, and every other byte as a three-digit octal
// escape. A leading - is escaped too, so that printf never takes the
// format for an option.
func printfFormat(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/8)
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '%':
			sb.WriteString("%%")
		case c == '\\':
			sb.WriteString(`\\`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '-' && i == 0:
			sb.WriteString(`\055`)
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(b[i:])
			if r != utf8.RuneError && unicode.IsPrint(r) {
				sb.Write(b[i : i+size])
				i += size
				continue
			}
			octal(&sb, c)
		default:
			octal(&sb, c)
		}
		i++
	}
	return sb.String()
}

func octal(sb *strings.Builder, c byte) {
	sb.WriteByte('\\')
	sb.WriteByte('0' + c>>6)
	sb.WriteByte('0' + c>>3&7)
	sb.WriteByte('0' + c&7)
}
