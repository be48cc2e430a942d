package jar

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var parseNow = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func TestParseSetCookie(t *testing.T) {
	type want struct {
		name, value string
		persistent  bool
		expires     time.Time
		hasDomain   bool
		domain      string
		hasPath     bool
		path        string
		secure      bool
		httpOnly    bool
		sameSite    SameSite
		partitioned bool
	}
	day := 24 * time.Hour
	tests := []struct {
		name     string
		line     string
		nameless bool // RFC 6265bis mode
		want     want
		err      error
	}{
		{"plain", "a=b", true, want{name: "a", value: "b"}, nil},
		{"white space trimmed", " a \t= \tb c\t ", true, want{name: "a", value: "b c"}, nil},
		{"first equals splits", "a==b=c", true, want{name: "a", value: "=b=c"}, nil},
		{"quotes kept", `a="b c"`, true, want{name: "a", value: `"b c"`}, nil},
		{"empty value", "a=", true, want{name: "a"}, nil},
		{"nameless without equals", "foo", true, want{value: "foo"}, nil},
		{"nameless with empty name", "=foo", true, want{value: "foo"}, nil},
		{"nameless rejected in RFC 6265 mode", "foo", false, want{}, errNameless},
		{"empty name rejected in RFC 6265 mode", "=foo", false, want{}, errNameless},
		{"empty line", "", true, want{}, errEmpty},
		{"only equals", " = ", true, want{}, errEmpty},
		{"only attributes", "; Secure", true, want{}, errEmpty},
		{"NUL rejects the line", "a=b\x00c", true, want{}, errCTL},
		{"CR rejects the line", "a=b\rc", true, want{}, errCTL},
		{"DEL rejects the line", "a=b; Path=/\x7f", true, want{}, errCTL},
		{"tab allowed", "a=b\tc", true, want{name: "a", value: "b\tc"}, nil},
		{"4096 bytes accepted", "a=" + strings.Repeat("x", 4095), true, want{name: "a", value: strings.Repeat("x", 4095)}, nil},
		{"4097 bytes rejected", "a=" + strings.Repeat("x", 4096), true, want{}, errTooLarge},
		{"attributes case-insensitive", "a=b; sEcUrE; HTTPONLY; samesite=strict; PARTITIONED", true,
			want{name: "a", value: "b", secure: true, httpOnly: true, sameSite: SameSiteStrict, partitioned: true}, nil},
		{"Secure with a value still counts", "a=b; Secure=no", true, want{name: "a", value: "b", secure: true}, nil},
		{"quoted attribute name is unknown", `a=b; "Secure"`, true, want{name: "a", value: "b"}, nil},
		{"unknown SameSite is Default", "a=b; SameSite=Lax; SameSite=bogus", true, want{name: "a", value: "b"}, nil},
		{"SameSite None", "a=b; SameSite=none", true, want{name: "a", value: "b", sameSite: SameSiteNone}, nil},
		{"Max-Age", "a=b; Max-Age=60", true, want{name: "a", value: "b", persistent: true, expires: parseNow.Add(time.Minute)}, nil},
		{"Max-Age zero is the earliest date", "a=b; Max-Age=0", true, want{name: "a", value: "b", persistent: true, expires: earliest}, nil},
		{"Max-Age negative", "a=b; Max-Age=-5", true, want{name: "a", value: "b", persistent: true, expires: earliest}, nil},
		{"Max-Age invalid ignored", "a=b; Max-Age=1.5", true, want{name: "a", value: "b"}, nil},
		{"Max-Age plus sign ignored", "a=b; Max-Age=+5", true, want{name: "a", value: "b"}, nil},
		{"Max-Age lone minus ignored", "a=b; Max-Age=-", true, want{name: "a", value: "b"}, nil},
		{"Max-Age capped at 400 days", "a=b; Max-Age=999999999999999999999", true,
			want{name: "a", value: "b", persistent: true, expires: parseNow.Add(400 * day)}, nil},
		{"Max-Age wins over a later Expires", "a=b; Max-Age=60; Expires=Wed, 01 Jan 2020 10:00:00 GMT", true,
			want{name: "a", value: "b", persistent: true, expires: parseNow.Add(time.Minute)}, nil},
		{"last valid Max-Age wins", "a=b; Max-Age=60; Max-Age=x; Max-Age=120", true,
			want{name: "a", value: "b", persistent: true, expires: parseNow.Add(2 * time.Minute)}, nil},
		{"Expires", "a=b; Expires=Wed, 01 Jan 2020 10:00:00 GMT", true,
			want{name: "a", value: "b", persistent: true, expires: parseNow.Add(10 * time.Hour)}, nil},
		{"Expires invalid ignored", "a=b; Expires=tomorrow", true, want{name: "a", value: "b"}, nil},
		{"Expires capped at 400 days", "a=b; Expires=Fri, 01 Jan 2038 00:00:00 GMT", true,
			want{name: "a", value: "b", persistent: true, expires: parseNow.Add(400 * day)}, nil},
		{"Domain leading dot and case", "a=b; Domain=.Example.COM", true,
			want{name: "a", value: "b", hasDomain: true, domain: "example.com"}, nil},
		{"empty Domain ignored", "a=b; Domain=example.com; Domain=", true,
			want{name: "a", value: "b", hasDomain: true, domain: "example.com"}, nil},
		{"Path", "a=b; Path=/x/y", true, want{name: "a", value: "b", hasPath: true, path: "/x/y"}, nil},
		{"empty Path is the default-path", "a=b; Path=/x; Path=", true, want{name: "a", value: "b", hasPath: true, path: "/dir"}, nil},
		{"relative Path is the default-path", "a=b; Path=x", true, want{name: "a", value: "b", hasPath: true, path: "/dir"}, nil},
		{"attribute over 1024 bytes ignored", "a=b; Path=/" + strings.Repeat("p", 1024), true, want{name: "a", value: "b"}, nil},
		{"attribute of 1024 bytes kept", "a=b; Path=/" + strings.Repeat("p", 1023), true,
			want{name: "a", value: "b", hasPath: true, path: "/" + strings.Repeat("p", 1023)}, nil},
		{"empty attributes skipped", "a=b;;; ;Secure;", true, want{name: "a", value: "b", secure: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseSetCookie(tt.line, "/dir/page", parseNow, DefaultMaxLifetime, tt.nameless)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			persistent, expires := p.expiry()
			got := want{p.name, p.value, persistent, expires, p.hasDomain, p.domain, p.hasPath, p.path,
				p.secure, p.httpOnly, p.sameSite, p.partitioned}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseCookieDate(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 1123 in GMT, "" when invalid
	}{
		{"Wed, 09 Jun 2021 10:18:14 GMT", "Wed, 09 Jun 2021 10:18:14 GMT"},
		{"Wednesday, 09-Jun-21 10:18:14 GMT", "Wed, 09 Jun 2021 10:18:14 GMT"},
		{"Wed Jun  9 10:18:14 2021", "Wed, 09 Jun 2021 10:18:14 GMT"},
		{"9 jUNE 1999 1:2:3", "Wed, 09 Jun 1999 01:02:03 GMT"},
		{"Thu, 01 Jan 70 00:00:00 GMT", "Thu, 01 Jan 1970 00:00:00 GMT"},
		{"Sat, 01 Jan 69 00:00:00 GMT", "Tue, 01 Jan 2069 00:00:00 GMT"},
		{"Sat, 01 Jan 1601 00:00:00 GMT", "Mon, 01 Jan 1601 00:00:00 GMT"},
		{"Fri, 31 Dec 1600 23:59:59 GMT", ""},
		{"Wed, 31 Apr 2021 10:18:14 GMT", ""},
		{"Tue, 29 Feb 2022 00:00:00 GMT", ""},
		{"Thu, 29 Feb 2024 00:00:00 GMT", "Thu, 29 Feb 2024 00:00:00 GMT"},
		{"Wed, 09 Jun 2021 24:00:00 GMT", ""},
		{"Wed, 09 Jun 2021 10:60:00 GMT", ""},
		{"Wed, 09 Jun 2021 10:18:60 GMT", ""},
		{"Wed, 00 Jun 2021 10:18:14 GMT", ""},
		{"Wed, 09 Jun 2021", ""},
		{"Wed, 09 Jun 10:18:14 GMT", ""},
		{"Wed, 09 2021 10:18:14 GMT", ""},
		{"Wed, 123 Jun 2021 10:18:14 GMT", ""},
		{"Wed, 09 Ju 2021 10:18:14 GMT", ""},
		{"Wed, 09 Jun 20210 10:18:14 GMT", ""},
		{"Wed, 09 Jun 2021 100:18:14 GMT", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseCookieDate(tt.in)
			s := ""
			if ok {
				s = got.Format(http.TimeFormat)
			}
			if s != tt.want {
				t.Errorf("parseCookieDate(%q) = %q, want %q", tt.in, s, tt.want)
			}
		})
	}
}

// TestParseCookieDateSuite runs the http-state suite's date examples
// (testdata/conformance/http-state/dates).
func TestParseCookieDateSuite(t *testing.T) {
	dates := filepath.Join("testdata", "conformance", "http-state", "dates")
	n := 0
	for _, f := range []string{"examples.json", "bsd-examples.json"} {
		b, err := os.ReadFile(filepath.Join(dates, f))
		if err != nil {
			t.Fatal(err)
		}
		// bsd-examples.json opens with a // comment block.
		if i := strings.IndexByte(string(b), '['); i > 0 {
			b = b[i:]
		}
		var cases []struct {
			Test     string  `json:"test"`
			Expected *string `json:"expected"`
		}
		if err := json.Unmarshal(b, &cases); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, c := range cases {
			n++
			got, ok := parseCookieDate(c.Test)
			switch {
			case c.Expected == nil && ok:
				t.Errorf("%s: %q parsed as %s, want invalid", f, c.Test, got.Format(http.TimeFormat))
			case c.Expected != nil && !ok:
				t.Errorf("%s: %q invalid, want %s", f, c.Test, *c.Expected)
			case c.Expected != nil && got.Format(http.TimeFormat) != *c.Expected:
				t.Errorf("%s: %q = %s, want %s", f, c.Test, got.Format(http.TimeFormat), *c.Expected)
			}
		}
	}
	if n < 60 {
		t.Fatalf("only %d date examples read", n)
	}
}

func TestMatchRules(t *testing.T) {
	t.Run("domain-match", func(t *testing.T) {
		tests := []struct {
			host   string
			ip     bool
			domain string
			want   bool
		}{
			{"example.com", false, "example.com", true},
			{"www.example.com", false, "example.com", true},
			{"wwwexample.com", false, "example.com", false},
			{"example.com", false, "www.example.com", false},
			{"a.b.example.com", false, "example.com", true},
			{"127.0.0.1", true, "127.0.0.1", true},
			{"127.0.0.1", true, "0.0.1", false},
			{"::1", true, "::1", true},
		}
		for _, tt := range tests {
			if got := domainMatch(tt.host, tt.ip, tt.domain); got != tt.want {
				t.Errorf("domainMatch(%q, %q) = %v, want %v", tt.host, tt.domain, got, tt.want)
			}
		}
	})
	t.Run("path-match", func(t *testing.T) {
		tests := []struct {
			req, cookie string
			want        bool
		}{
			{"/", "/", true},
			{"/a", "/", true},
			{"/a", "/a", true},
			{"/a/b", "/a", true},
			{"/a/", "/a", true},
			{"/ab", "/a", false},
			{"/a/b", "/a/", true},
			{"/a", "/a/", false},
			{"/A", "/a", false},
		}
		for _, tt := range tests {
			if got := pathMatch(tt.req, tt.cookie); got != tt.want {
				t.Errorf("pathMatch(%q, %q) = %v, want %v", tt.req, tt.cookie, got, tt.want)
			}
		}
	})
	t.Run("default-path", func(t *testing.T) {
		tests := []struct{ in, want string }{
			{"", "/"}, {"x", "/"}, {"/", "/"}, {"/a", "/"}, {"/a/", "/a"}, {"/a/b", "/a"}, {"/a/b/c", "/a/b"},
		}
		for _, tt := range tests {
			if got := defaultPath(tt.in); got != tt.want {
				t.Errorf("defaultPath(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
	})
	t.Run("canonical host", func(t *testing.T) {
		tests := []struct {
			in, want string
			ip, ok   bool
		}{
			{"Example.COM", "example.com", false, true},
			{"bücher.example", "xn--bcher-kva.example", false, true},
			{"127.0.0.1", "127.0.0.1", true, true},
			{"::1", "::1", true, true},
			{"fe80::1%eth0", "fe80::1", true, true},
			{"0:0:0:0:0:0:0:1", "::1", true, true},
			{"::FFFF:127.0.0.1", "::ffff:127.0.0.1", true, true},
			{"2001:DB8::1", "2001:db8::1", true, true},
			{"home.example.org.", "home.example.org.", false, true},
			{"a..b", "", false, false},
			{".a", "", false, false},
			{"a b", "", false, false},
			{"", "", false, false},
		}
		for _, tt := range tests {
			got, ip, err := canonicalHost(tt.in)
			if (err == nil) != tt.ok || got != tt.want || ip != tt.ip {
				t.Errorf("canonicalHost(%q) = %q, %v, %v; want %q, %v, ok=%v", tt.in, got, ip, err, tt.want, tt.ip, tt.ok)
			}
		}
	})
}
