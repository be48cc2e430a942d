package netrc

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	data := `# credentials
machine api.example.com login alice password "s3 cret\"x"
machine Other.Example.com
  login bob
  password #b#b
  account acct

macdef init
cd /pub
get file

default login anonymous password guest@
`
	f, err := Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host            string
		login, password string
		ok              bool
	}{
		{"api.example.com", "alice", `s3 cret"x`, true},
		{"other.example.com", "bob", "#b#b", true},
		{"elsewhere", "anonymous", "guest@", true},
	}
	for _, tt := range tests {
		e, ok := f.Find(tt.host)
		if ok != tt.ok || e.Login != tt.login || e.Password != tt.password {
			t.Errorf("Find(%q) = %+v, %v", tt.host, e, ok)
		}
	}
	if e, _ := f.Find("other.example.com"); e.Account != "acct" {
		t.Errorf("account %q", e.Account)
	}
	f, err = Parse([]byte("machine a login x password y\nmachine a login z password w"))
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := f.Find("a"); e.Login != "x" {
		t.Errorf("first entry wins: %+v", e)
	}
	if _, ok := f.Find("b"); ok {
		t.Error("no default: no entry for b")
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"machine",
		"machine a login",
		"machine a frobnicate x",
		"login x",
		`machine a password "open`,
		"default login a\ndefault login b",
	} {
		_, err := Parse([]byte(in))
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q): %v, want ErrSyntax", in, err)
		}
		if err != nil && !strings.Contains(err.Error(), "line ") {
			t.Errorf("Parse(%q): %v names no line", in, err)
		}
	}
}

// FuzzParse: any file parses or fails with ErrSyntax, never panics; what
// it parses is found again by its machine name.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"machine a login b password c",
		"default login x password y",
		"macdef m\nline\n\nmachine a login b",
		`machine "a b" login "c\"d" password e\ f`,
		"# only a comment",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		nf, err := Parse([]byte(data))
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v is not ErrSyntax", err)
			}
			return
		}
		for _, e := range nf.Entries {
			got, ok := nf.Find(e.Machine)
			if !ok || !strings.EqualFold(got.Machine, e.Machine) {
				t.Fatalf("Find(%q) = %+v, %v", e.Machine, got, ok)
			}
		}
	})
}
