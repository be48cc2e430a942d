// Package netrc reads .netrc files, the credentials file of ftp, curl and
// Python's requests: "machine HOST login USER password PASS" entries and a
// "default" one.
//
// Its syntax is that of Python's netrc module (which HTTPie and requests
// use): tokens separated by white space, a "#" starting a comment to the
// end of the line where a keyword is expected, quoted tokens with backslash escapes, and "macdef"
// definitions (skipped) that end at an empty line.
package netrc

import (
	"errors"
	"fmt"
	"strings"
)

// Entry is one machine's credentials, or the default entry.
type Entry struct {
	// Machine is the host name; "" for the default entry.
	Machine string
	// Login, Password and Account are as written.
	Login, Password, Account string
}

// File is a parsed .netrc file.
type File struct {
	// Entries are the machine entries in file order.
	Entries []Entry
	// Default is the default entry, nil when there is none.
	Default *Entry
}

// ErrSyntax is wrapped by every error Parse returns.
var ErrSyntax = errors.New("netrc: syntax error")

// Parse reads a .netrc file. A later entry for the same machine does not
// replace an earlier one: Find returns the first.
func Parse(data []byte) (*File, error) {
	lx := &lexer{s: string(data), line: 1}
	f := &File{}
	for {
		tok, ok, err := lx.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return f, nil
		}
		var e Entry
		switch tok {
		case "machine":
			m, ok, err := lx.value()
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, lx.errorf("machine without a name")
			}
			e.Machine = m
		case "default":
			if f.Default != nil {
				return nil, lx.errorf("a second default entry")
			}
		case "macdef":
			if _, ok, err := lx.value(); err != nil || !ok {
				return nil, lx.errorf("macdef without a name")
			}
			lx.skipMacro()
			continue
		default:
			return nil, lx.errorf("unexpected %q (want machine, default or macdef)", tok)
		}
		if err := lx.entry(&e); err != nil {
			return nil, err
		}
		if tok == "default" {
			d := e
			f.Default = &d
		} else {
			f.Entries = append(f.Entries, e)
		}
	}
}

// entry reads the login, password and account of an entry, up to the next
// machine, default or macdef token.
func (lx *lexer) entry(e *Entry) error {
	for {
		save := lx.pos
		saveLine := lx.line
		tok, ok, err := lx.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		switch tok {
		case "machine", "default", "macdef":
			lx.pos, lx.line = save, saveLine
			return nil
		case "login", "user", "password", "passwd", "account":
			v, ok, err := lx.value()
			if err != nil {
				return err
			}
			if !ok {
				return lx.errorf("%s without a value", tok)
			}
			switch tok {
			case "login", "user":
				e.Login = v
			case "password", "passwd":
				e.Password = v
			default:
				e.Account = v
			}
		default:
			return lx.errorf("unexpected %q in the entry for %q", tok, e.Machine)
		}
	}
}

// Find returns the entry for host (matched without regard to case), else
// the default entry.
func (f *File) Find(host string) (Entry, bool) {
	for _, e := range f.Entries {
		if strings.EqualFold(e.Machine, host) {
			return e, true
		}
	}
	if f.Default != nil {
		return *f.Default, true
	}
	return Entry{}, false
}

// lexer splits a .netrc file into tokens.
type lexer struct {
	s    string
	pos  int
	line int
}

func (lx *lexer) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", ErrSyntax, lx.line, fmt.Sprintf(format, args...))
}

// next returns the next keyword, skipping comments; ok is false at the
// end of the file.
func (lx *lexer) next() (tok string, ok bool, err error) { return lx.token(true) }

// value returns the next value: a "#" there is part of it, as in
// "password #x".
func (lx *lexer) value() (tok string, ok bool, err error) { return lx.token(false) }

func (lx *lexer) token(comments bool) (tok string, ok bool, err error) {
	for lx.pos < len(lx.s) {
		c := lx.s[lx.pos]
		switch {
		case c == '\n':
			lx.line++
			lx.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			lx.pos++
		case c == '#' && comments:
			for lx.pos < len(lx.s) && lx.s[lx.pos] != '\n' {
				lx.pos++
			}
		case c == '"':
			return lx.quoted()
		default:
			var b strings.Builder
			for lx.pos < len(lx.s) {
				c := lx.s[lx.pos]
				if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' {
					break
				}
				if c == '\\' && lx.pos+1 < len(lx.s) {
					lx.pos++
					c = lx.s[lx.pos]
				}
				b.WriteByte(c)
				lx.pos++
			}
			return b.String(), true, nil
		}
	}
	return "", false, nil
}

// quoted reads a "quoted token", in which a backslash escapes the next
// character.
func (lx *lexer) quoted() (string, bool, error) {
	start := lx.line
	lx.pos++ // the opening quote
	var b strings.Builder
	for lx.pos < len(lx.s) {
		c := lx.s[lx.pos]
		lx.pos++
		switch {
		case c == '"':
			return b.String(), true, nil
		case c == '\\' && lx.pos < len(lx.s):
			c = lx.s[lx.pos]
			lx.pos++
		}
		if c == '\n' {
			lx.line++
		}
		b.WriteByte(c)
	}
	return "", false, fmt.Errorf("%w: line %d: a quote is not closed", ErrSyntax, start)
}

// skipMacro skips a macro definition: the rest of its line, and the lines
// after it up to an empty line.
func (lx *lexer) skipMacro() {
	i := strings.IndexByte(lx.s[lx.pos:], '\n')
	if i < 0 {
		lx.pos = len(lx.s)
		return
	}
	lx.pos += i + 1
	lx.line++
	for lx.pos < len(lx.s) {
		j := strings.IndexByte(lx.s[lx.pos:], '\n')
		if j < 0 {
			lx.pos = len(lx.s)
			return
		}
		line := lx.s[lx.pos : lx.pos+j]
		lx.pos += j + 1
		lx.line++
		if strings.TrimSpace(line) == "" {
			return
		}
	}
}
