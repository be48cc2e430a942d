package cli

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDownloadName: whatever the server sends (Content-Disposition,
// Content-Type, the URL's path), -d saves to a plain name in the current
// directory: no separator, not hidden, not empty, short enough for a file
// system with room for a -N suffix, and valid UTF-8 when the input was.
func FuzzDownloadName(f *testing.F) {
	for _, s := range [][3]string{
		{`attachment; filename="../../report.bin"`, "application/octet-stream", "/file.bin"},
		{"", "image/png", "/image/png"},
		{"", "application/octet-stream", "/bytes/100/"},
		{"", "text/html; charset=utf-8", "/"},
		{`attachment; filename=".hidden"`, "", "/%2e%2e/x"},
		{`attachment; filename="a\\b"`, "text/plain", "/a%2Fb"},
		{"", "application/json", "/" + strings.Repeat("é", 200)},
		{"inline", "bogus/type;;", "/..%2f..%2fetc%2fpasswd"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, disposition, contentType, path string) {
		u := &url.URL{Scheme: "http", Host: "localhost", Path: path}
		resp := &http.Response{Header: http.Header{}, Request: &http.Request{URL: u}}
		if disposition != "" {
			resp.Header.Set("Content-Disposition", disposition)
		}
		if contentType != "" {
			resp.Header.Set("Content-Type", contentType)
		}
		name := downloadName(resp)
		switch {
		case name == "" || name == "." || name == "..":
			t.Fatalf("name %q", name)
		case strings.ContainsAny(name, `/\`):
			t.Fatalf("name %q has a separator", name)
		case strings.HasPrefix(name, "."):
			t.Fatalf("name %q is hidden", name)
		case len(name) > maxName+16:
			t.Fatalf("name of %d bytes", len(name))
		case utf8.ValidString(disposition+path) && !utf8.ValidString(name):
			t.Fatalf("name %q is not valid UTF-8", name)
		}
	})
}

// FuzzContentRange: the parser of a server's Content-Range never panics,
// and what it accepts is a consistent range.
func FuzzContentRange(f *testing.F) {
	for _, s := range []string{"bytes 300-999/1000", "bytes */1000", "bytes 0-0/*", "bytes -1-2/3", "bytes 1-2", "", "bytes 9223372036854775808-/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		start, total, ok := contentRange(v)
		if !ok {
			return
		}
		if start < -1 || total < -1 {
			t.Fatalf("%q: start %d, total %d", v, start, total)
		}
	})
}

func TestContentRange(t *testing.T) {
	tests := []struct {
		in           string
		start, total int64
		ok           bool
	}{
		{"bytes 300-999/1000", 300, 1000, true},
		{"bytes */1000", -1, 1000, true},
		{"bytes 0-9/*", 0, -1, true},
		{"items 0-9/10", 0, 0, false},
		{"bytes 5-9", 0, 0, false},
		{"bytes x-9/10", 0, 0, false},
	}
	for _, tt := range tests {
		start, total, ok := contentRange(tt.in)
		if start != tt.start || total != tt.total || ok != tt.ok {
			t.Errorf("contentRange(%q) = %d, %d, %v; want %d, %d, %v", tt.in, start, total, ok, tt.start, tt.total, tt.ok)
		}
	}
}

// FuzzResponseBody: printing a body from a server never panics; piped and
// unformatted it is passed through byte for byte, and formatted it is
// either passed through or, for JSON, reindented without losing a byte of
// its content.
func FuzzResponseBody(f *testing.F) {
	for _, s := range [][2]string{
		{"application/json", `{"a": [1, 2, {"b": null}]}`},
		{"text/plain", "[not json"},
		{"", "  [1,2]  "},
		{"application/octet-stream", "\x00\x01\x02"},
		{"text/html", "<html>\xff</html>"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, contentType, body string) {
		for _, tty := range []bool{false, true} {
			for _, format := range []bool{false, true} {
				var out strings.Builder
				p := &printer{w: &out, tty: tty, format: format}
				if err := p.responseBody(contentType, strings.NewReader(body), false); err != nil {
					t.Fatal(err)
				}
				got := out.String()
				if !tty && !format && got != body {
					t.Fatalf("piped body changed: %q became %q", body, got)
				}
				if format && !tty && got != body && strings.Join(strings.Fields(got), "") != strings.Join(strings.Fields(body), "") {
					t.Fatalf("formatting %q lost content: %q", body, got)
				}
			}
		}
	})
}
