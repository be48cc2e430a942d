package items

import (
	"errors"
	"testing"
)

func TestParseItem(t *testing.T) {
	tests := []struct {
		name string
		arg  string
		key  string
		sep  Separator
		val  string
	}{
		{"header", "X-A:b c", "X-A", SepHeader, "b c"},
		{"unset header", "Accept:", "Accept", SepHeader, ""},
		{"empty header", "X;", "X", SepEmptyHeader, ""},
		{"header from file", "X:@f.txt", "X", SepHeaderFile, "f.txt"},
		{"query", "q==v", "q", SepQuery, "v"},
		{"query from file", "q==@f", "q", SepQueryFile, "f"},
		{"data", "a=b", "a", SepData, "b"},
		{"data from file", "a=@f", "a", SepDataFile, "f"},
		{"raw json", "a:=1", "a", SepJSON, "1"},
		{"raw json from file", "a:=@f.json", "a", SepJSONFile, "f.json"},
		{"file upload", "f@/tmp/x;type=text/plain", "f", SepFile, "/tmp/x;type=text/plain"},
		{"body file", "@x", "", SepFile, "x"},
		{"longest at same position", "url==x=y", "url", SepQuery, "x=y"},
		{"earliest wins over longer", "a=b:=c", "a", SepData, "b:=c"},
		{"colon before equals", "a:b=c", "a", SepHeader, "b=c"},
		{"header embed beats header", "h:@=", "h", SepHeaderFile, "="},
		{"raw json file keeps separator-like value", "a:=@:=", "a", SepJSONFile, ":="},
		{"escaped equals in key", `a\=b=c`, "a=b", SepData, "c"},
		{"escaped then separator", `foo\==bar`, "foo=", SepData, "bar"},
		{"escaped colon", `a\:b:c`, "a:b", SepHeader, "c"},
		{"escaped at start", `\:a=1`, ":a", SepData, "1"},
		{"escaped at in key", `\@x=1`, "@x", SepData, "1"},
		{"escaped in value", `a=b\=c`, "a", SepData, "b=c"},
		{"backslash pair kept", `a\\=b`, `a\\`, SepData, "b"},
		{"backslash before other kept", `a\x=1`, `a\x`, SepData, "1"},
		{"trailing backslash kept", `a=b\`, "a", SepData, `b\`},
		{"escaped separator then value separator", `a\:=1`, "a:", SepData, "1"},
		{"empty key", "=x", "", SepData, "x"},
		{"empty everything", "==", "", SepQuery, ""},
		{"semicolon with text", "a;b", "a", SepEmptyHeader, "b"},
		{"unicode", "ü:ö€", "ü", SepHeader, "ö€"},
		{"brackets are not special", `a\[b]=1`, `a\[b]`, SepData, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it, err := ParseItem(tt.arg)
			if err != nil {
				t.Fatal(err)
			}
			want := Item{Key: tt.key, Sep: tt.sep, Value: tt.val, Arg: tt.arg}
			if it != want {
				t.Errorf("ParseItem(%q) = %+v, want %+v", tt.arg, it, want)
			}
		})
	}
}

func TestParseItemErrors(t *testing.T) {
	tests := []struct {
		name, arg, msg string
	}{
		{"plain word", "foo", `items: 'foo': not a request item: no separator such as ':', '==', '=', ':=' or '@'`},
		{"only escaped separator", `a\=b`, `items: 'a\\=b': not a request item: no separator such as ':', '==', '=', ':=' or '@'`},
		{"empty", "", `items: '': not a request item: no separator such as ':', '==', '=', ':=' or '@'`},
		{"quote in item", "it's", `items: "it's": not a request item: no separator such as ':', '==', '=', ':=' or '@'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseItem(tt.arg)
			if !errors.Is(err, ErrNoSeparator) {
				t.Fatalf("err = %v, want ErrNoSeparator", err)
			}
			var ae *ArgError
			if !errors.As(err, &ae) || ae.Arg != tt.arg {
				t.Errorf("err = %#v, want *ArgError for %q", err, tt.arg)
			}
			if err.Error() != tt.msg {
				t.Errorf("message\n got %s\nwant %s", err, tt.msg)
			}
		})
	}
}

func TestSeparatorGroups(t *testing.T) {
	data := map[Separator]bool{SepData: true, SepDataFile: true, SepJSON: true, SepJSONFile: true, SepFile: true}
	nested := map[Separator]bool{SepData: true, SepDataFile: true, SepJSON: true, SepJSONFile: true}
	for _, s := range separators {
		if s.IsData() != data[s] {
			t.Errorf("%q.IsData() = %v", s, s.IsData())
		}
		if s.IsNestedJSON() != nested[s] {
			t.Errorf("%q.IsNestedJSON() = %v", s, s.IsNestedJSON())
		}
	}
}

func TestPyInt(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", "42", "42", true},
		{"leading zeros", "007", "7", true},
		{"plus sign", "+5", "5", true},
		{"negative", "-12", "-12", true},
		{"negative zero", "-0", "0", true},
		{"spaces", " 7\t", "7", true},
		{"underscores", "1_000", "1000", true},
		{"arabic-indic digit", "\u0663", "3", true},
		{"math bold nine", "\U0001d7d7", "9", true},
		{"math double-struck zero", "\U0001d7d8", "0", true},
		{"leading underscore", "_1", "", false},
		{"trailing underscore", "1_", "", false},
		{"double underscore", "1__0", "", false},
		{"superscript", "²", "", false},
		{"exponent", "1e3", "", false},
		{"sign only", "+", "", false},
		{"empty", "", "", false},
		{"inner space", "1 2", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := pyInt(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("pyInt(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestPyRepr(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "a=b", "'a=b'"},
		{"single quote", "it's", `"it's"`},
		{"double quote", `a"b`, `'a"b'`},
		{"both quotes", `'"`, `'\'"'`},
		{"escapes", "x\ty\x00\u00a0é\U0001F600\u200b", `'x\ty\x00\xa0é😀\u200b'`},
		{"backslash", `a\b`, `'a\\b'`},
		{"invalid utf-8", "\xff", `'\xff'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pyRepr(tt.in); got != tt.want {
				t.Errorf("pyRepr(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
