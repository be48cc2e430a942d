package curlcmd

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// shellWords splits s into words as a POSIX shell would, for the subset of
// the language Quote and Build write: blanks between words, single
// quotes, double quotes, backslash escapes and backslash-newline
// continuations. Anything a shell would expand or treat as an operator
// (unquoted $ ` | & ; < > ( ) * ? [ { } ! # ~ =, or $ and ` inside double
// quotes) is an error, so a word that parses here is taken literally by
// every shell.
func shellWords(s string) ([]string, error) {
	var (
		words  []string
		cur    strings.Builder
		inWord bool
	)
	end := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			end()
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("backslash at the end")
			}
			i++
			if s[i] == '\n' {
				continue // line continuation
			}
			cur.WriteByte(s[i])
			inWord = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				switch s[i] {
				case '$', '`':
					return nil, fmt.Errorf("expansion %q inside double quotes", s[i])
				case '\\':
					if i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
						i++
						if s[i] == '\n' {
							continue
						}
					}
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
			inWord = true
		case strings.IndexByte("$`|&;<>()*?[{}!\n", c) >= 0:
			return nil, fmt.Errorf("unquoted %q", c)
		case (c == '#' || c == '~' || c == '=') && !inWord:
			return nil, fmt.Errorf("unquoted %q at the start of a word", c)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	end()
	return words, nil
}

func TestShellWords(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr bool
	}{
		{"plain words", "curl -X POST", []string{"curl", "-X", "POST"}, false},
		{"single quotes", `'a b' 'it'\''s'`, []string{"a b", "it's"}, false},
		{"double quotes", `"a \"b\" \\ c"`, []string{`a "b" \ c`}, false},
		{"continuation", "a \\\n  b", []string{"a", "b"}, false},
		{"empty word", "''", []string{""}, false},
		{"dollar", "a$b", nil, true},
		{"dollar in double quotes", `"$HOME"`, nil, true},
		{"glob", "a*", nil, true},
		{"tilde", "~root", nil, true},
		{"pipe", "a|b", nil, true},
		{"unterminated", "'abc", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := shellWords(tc.in)
			if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
				t.Errorf("shellWords(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// quoteCases are words that shells like to get wrong.
var quoteCases = []string{
	"", "plain", "a b", "it's", "''", `"`, `\`, `\\n`, "$HOME", "${x}", "$(id)", "`id`", "!event", "#comment",
	"~user", "=cmd", "a=b", "*", "?", "[a]", "{a,b}", "a;b", "a&b", "a|b", "(x)", "<in", ">out",
	"new\nline", "tab\there", "\r", "héllo ✓ 日本", "-n", "--", "%s%%", "'\\''", "trailing '",
}

func TestQuote(t *testing.T) {
	for _, s := range quoteCases {
		t.Run(fmt.Sprintf("%q", s), func(t *testing.T) {
			q := Quote(s)
			words, err := shellWords(q)
			if err != nil || len(words) != 1 || words[0] != s {
				t.Errorf("Quote(%q) = %s, which parses as %q (%v)", s, q, words, err)
			}
		})
	}
	if got := Quote("simple-word_1.2/x:y,z+@%"); got != "simple-word_1.2/x:y,z+@%" {
		t.Errorf("a plain word was quoted: %s", got)
	}
}

// TestQuoteInShells has each installed shell print the quoted words back.
func TestQuoteInShells(t *testing.T) {
	for _, sh := range installedShells(t) {
		t.Run(sh, func(t *testing.T) {
			var script strings.Builder
			for _, s := range quoteCases {
				script.WriteString("printf '%s\\000' " + Quote(s) + "\n")
			}
			out := runShell(t, sh, script.String())
			got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
			if !slices.Equal(got, quoteCases) {
				t.Errorf("%s printed %q, want %q", sh, got, quoteCases)
			}
		})
	}
}

// decodePrintf interprets a printf format with no arguments as POSIX
// printf does, accepting only what printfFormat writes: %% and the
// escapes \\ \n \r \t and \ddd.
func decodePrintf(f string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(f); i++ {
		switch c := f[i]; c {
		case '%':
			if i+1 >= len(f) || f[i+1] != '%' {
				return nil, fmt.Errorf("conversion at %d", i)
			}
			out = append(out, '%')
			i++
		case '\\':
			if i+1 >= len(f) {
				return nil, errors.New("backslash at the end")
			}
			i++
			switch e := f[i]; {
			case e == '\\':
				out = append(out, '\\')
			case e == 'n':
				out = append(out, '\n')
			case e == 'r':
				out = append(out, '\r')
			case e == 't':
				out = append(out, '\t')
			case '0' <= e && e <= '7':
				v := 0
				j := i
				for ; j < len(f) && j < i+3 && '0' <= f[j] && f[j] <= '7'; j++ {
					v = v*8 + int(f[j]-'0')
				}
				if v > 255 {
					return nil, fmt.Errorf("octal escape %q out of range", f[i:j])
				}
				out = append(out, byte(v))
				i = j - 1
			default:
				return nil, fmt.Errorf("unknown escape \\%c", e)
			}
		default:
			out = append(out, c)
		}
	}
	return out, nil
}

var printfCases = [][]byte{
	nil,
	[]byte("plain text"),
	[]byte("-n starts like an option"),
	[]byte("--"),
	[]byte("100% \\ %s %d \\101 \\0"),
	[]byte("a\x00b\x001\x002"), // NUL followed by digits
	[]byte("\r\n\t\x7f\x1b[0m"),
	[]byte("héllo ✓ \xff\xfe invalid \xe2\x82"),
	[]byte("it's 'quoted'"),
	func() []byte {
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}(),
}

func TestPrintfFormat(t *testing.T) {
	for _, b := range printfCases {
		f := printfFormat(b)
		got, err := decodePrintf(f)
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("printfFormat(%q) = %q, decodes to %q (%v)", b, f, got, err)
		}
	}
}

// TestPrintfFormatInShells has each installed shell's printf print the
// formats, which must give back the bytes exactly.
func TestPrintfFormatInShells(t *testing.T) {
	for _, sh := range installedShells(t) {
		t.Run(sh, func(t *testing.T) {
			for _, b := range printfCases {
				if out := runShell(t, sh, "printf "+Quote(printfFormat(b))); !bytes.Equal(out, b) {
					t.Errorf("%s: printf %s printed %q, want %q", sh, Quote(printfFormat(b)), out, b)
				}
			}
		})
	}
}

func installedShells(t *testing.T) []string {
	var out []string
	for _, name := range []string{"sh", "bash", "zsh"} {
		if _, err := exec.LookPath(name); err == nil {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		if os.Getenv("LIMPET_INTEROP") == "require" {
			t.Fatal("no POSIX shell found (LIMPET_INTEROP=require)")
		}
		t.Skip("no POSIX shell found")
	}
	return out
}

func runShell(t *testing.T, sh, script string) []byte {
	t.Helper()
	cmd := exec.Command(sh, "-c", script)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C.UTF-8"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s -c %q: %v\n%s", sh, script, err, stderr.Bytes())
	}
	return out
}

func FuzzQuote(f *testing.F) {
	for _, s := range quoteCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			return // no shell word holds a NUL
		}
		q := Quote(s)
		words, err := shellWords(q)
		if err != nil || len(words) != 1 || words[0] != s {
			t.Fatalf("Quote(%q) = %s, which parses as %q (%v)", s, q, words, err)
		}
		// Words joined by spaces stay apart, as Command.String joins them.
		two, err := shellWords(q + " " + q)
		if err != nil || len(two) != 2 || two[0] != s || two[1] != s {
			t.Fatalf("two copies of %s parse as %q (%v)", q, two, err)
		}
	})
}

func FuzzPrintfFormat(f *testing.F) {
	for _, b := range printfCases {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fm := printfFormat(b)
		if strings.HasPrefix(fm, "-") {
			t.Fatalf("format %q starts with a dash", fm)
		}
		got, err := decodePrintf(fm)
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("printfFormat(%q) = %q, decodes to %q (%v)", b, fm, got, err)
		}
		words, err := shellWords("printf " + Quote(fm))
		if err != nil || len(words) != 2 || words[1] != fm {
			t.Fatalf("quoted format parses as %q (%v)", words, err)
		}
	})
}
