package items

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"unicode/utf8"
)

var itemSeeds = []string{
	"a:b", "a:", "a;", "a:@f", "q==v", "q==@f", "a=b", "a=@f", "a:=1", "a:=@f", "f@x;type=t/p", "@x",
	"url==x=y", `a\=b=c`, `foo\==bar`, `a\\=b`, `a=b\`, `\`, `\\`, "", "==", ":=@", "ü:ö", `a[b][]=1`,
}

// FuzzParseItem checks that the item tokenizer never panics, always names
// a known separator, and that an item without backslashes in its key and
// value is rebuilt by escaping both.
func FuzzParseItem(f *testing.F) {
	for _, s := range itemSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		it, err := ParseItem(arg)
		if err != nil {
			if !errors.Is(err, ErrNoSeparator) {
				t.Fatalf("ParseItem(%q): unexpected error %v", arg, err)
			}
			return
		}
		known := false
		for _, s := range separators {
			known = known || it.Sep == s
		}
		if !known || it.Arg != arg {
			t.Fatalf("ParseItem(%q) = %+v", arg, it)
		}
		if len(it.Key)+len(it.Sep)+len(it.Value) > len(arg) {
			t.Fatalf("ParseItem(%q) = %+v: longer than the input", arg, it)
		}
		if strings.Contains(it.Key, `\`) || strings.Contains(it.Value, `\`) {
			return
		}
		escape := func(s string) string {
			var b strings.Builder
			for i := 0; i < len(s); i++ {
				if isItemSpecial(s[i]) {
					b.WriteByte('\\')
				}
				b.WriteByte(s[i])
			}
			return b.String()
		}
		rebuilt := escape(it.Key) + string(it.Sep) + escape(it.Value)
		again, err := ParseItem(rebuilt)
		if err != nil || again.Key != it.Key || again.Sep != it.Sep || again.Value != it.Value {
			t.Fatalf("ParseItem(%q) = %+v, but rebuilt %q gives %+v, %v", arg, it, rebuilt, again, err)
		}
	})
}

// FuzzNestedJSON applies two nested JSON keys and checks that the path
// parser never panics, errors are *PathError with positions inside the
// key, and the body is valid JSON that reparses to itself.
func FuzzNestedJSON(f *testing.F) {
	for _, s := range [][2]string{
		{"a[b]", "a[c][]"}, {"[]", "[]"}, {"[1]", "[0][x]"}, {"a", "a[b]"}, {"a[-1]", "b"}, {"a[b", "x"},
		{`a[\1]`, `a\[b\]`}, {"01", "+5"}, {"a[1_0]", "a[ 2 ]"}, {"", "[]"}, {"a]", "[x]"}, {`\`, `a\`},
		{"a[][][]", "a[0][0][0]"}, {"ü[é]", "[٣]"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, k1, k2 string) {
		var root *jsonValue
		padded := 0
		for _, k := range []string{k1, k2} {
			r, err := interpretPath(root, k, jsonStr("v"), &padded)
			if err != nil {
				var pe *PathError
				if !errors.As(err, &pe) {
					t.Fatalf("key %q: error %v is not a *PathError", k, err)
				}
				n := utf8.RuneCountInString(k)
				if pe.Start != -1 && (pe.Start < 0 || pe.End <= pe.Start || pe.End > n+1) {
					t.Fatalf("key %q: error span %d-%d outside the key (%d runes)", k, pe.Start, pe.End, n)
				}
				return
			}
			root = r
		}
		var b strings.Builder
		encodeJSON(&b, root)
		if !json.Valid([]byte(b.String())) {
			t.Fatalf("keys %q, %q: invalid JSON %s", k1, k2, b.String())
		}
		v, err := parseJSON(b.String())
		if err != nil {
			t.Fatalf("keys %q, %q: own output %s does not parse: %v", k1, k2, b.String(), err)
		}
		var again strings.Builder
		encodeJSON(&again, v)
		if again.String() != b.String() {
			t.Fatalf("round trip changed %s into %s", b.String(), again.String())
		}
	})
}

// FuzzParseJSON compares the raw JSON parser with encoding/json: both
// accept the same documents (limpet's limits aside), and what limpet
// accepts it writes back as valid JSON that reparses to itself.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e3,-0,true,false,null,"\u00e9\ud83d\ude00"]}`, `[1`, `"\ud800"`, `01`, `NaN`, ` 1 `, `{"a":1,}`, "\"\x01\"", `"\/"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseJSON(s)
		if err != nil {
			var je *JSONError
			if !errors.As(err, &je) {
				t.Fatalf("parseJSON(%q): %v is not a *JSONError", s, err)
			}
			if json.Valid([]byte(s)) && !strings.Contains(je.Message, "Nesting") {
				t.Fatalf("parseJSON(%q) rejects valid JSON: %v", s, err)
			}
			return
		}
		if !json.Valid([]byte(s)) && utf8.ValidString(s) {
			t.Fatalf("parseJSON(%q) accepts invalid JSON", s)
		}
		var b strings.Builder
		encodeJSON(&b, v)
		if !json.Valid([]byte(b.String())) {
			t.Fatalf("parseJSON(%q) re-encodes to invalid JSON %s", s, b.String())
		}
		w, err := parseJSON(b.String())
		if err != nil {
			t.Fatal(err)
		}
		var again strings.Builder
		encodeJSON(&again, w)
		if again.String() != b.String() {
			t.Fatalf("round trip changed %s into %s", b.String(), again.String())
		}
	})
}

// FuzzParse runs whole command lines (split on NUL) and checks that Parse
// never panics and that whatever it accepts can be turned into an
// *http.Request.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		":/\x00a=1", "POST\x00:3000/x\x00a[b]=1\x00X:y", "example.org\x00q==1", ":/\x00@f.txt", "--form\x00:/\x00f@f.txt\x00a:=1",
		"--multipart\x00:/\x00a=1", "localhost\x00a=b", "http://[::1]:8/\x00H;", "\x00", ":\x00User-Agent:", "ü.example/%zz?x y#f",
	} {
		f.Add(s)
	}
	files := map[string]string{"f.txt": "text\n", "f.json": `{"a": 1}`, "bin": "\xff"}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		opts := Options{Boundary: "b", ReadFile: func(name string) ([]byte, error) {
			if c, ok := files[name]; ok {
				return []byte(c), nil
			}
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}}
		switch args[0] {
		case "--form":
			opts.Mode, args = ModeForm, args[1:]
		case "--multipart":
			opts.Mode, args = ModeMultipart, args[1:]
		}
		r, err := Parse(args, opts)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "items: ") {
				t.Fatalf("Parse(%q): error without prefix: %v", args, err)
			}
			return
		}
		if _, err := r.HTTPRequest(context.Background()); err != nil {
			t.Fatalf("Parse(%q) accepted a request net/http rejects: %v", args, err)
		}
		for _, h := range r.Header {
			if h.Name == "" {
				t.Fatalf("Parse(%q): empty header name", args)
			}
		}
	})
}
