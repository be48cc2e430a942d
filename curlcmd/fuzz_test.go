package curlcmd

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// FuzzBuild builds commands from arbitrary request parts and checks that
// the shell text, one-line and multi-line, parses back to exactly Args
// (and, with a body on standard input, a printf of exactly that body).
func FuzzBuild(f *testing.F) {
	f.Add("POST", "/p", "q=1&token=x", "X-Test", "it's $HOME", "SESSION", "abc", "application/json", []byte(`{"password":"x"}`), false)
	f.Add("GET", "/a/../b", "arr[]=1", "Cookie", "a=b", "c", "", "", []byte(nil), true)
	f.Add("PUT", "/", "", "X-Empty", "", "n", "v w", "", []byte("@\x00-\r\n"), true)
	f.Fuzz(func(t *testing.T, method, path, rawQuery, hname, hvalue, cname, cvalue, ctype string, body []byte, secrets bool) {
		u := &url.URL{Scheme: "http", Host: "127.0.0.1:8080", Path: path, RawQuery: rawQuery}
		req := &http.Request{Method: method, URL: u, Header: http.Header{hname: {hvalue}}}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if body != nil {
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
			req.Body, _ = req.GetBody()
		}
		cmd, err := Build(req, []*http.Cookie{{Name: cname, Value: cvalue}}, Options{IncludeSecrets: secrets})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "curlcmd: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		if cmd.Args[0] != "curl" {
			t.Fatalf("Args[0] = %q", cmd.Args[0])
		}
		for _, text := range []string{cmd.String(), cmd.Multiline()} {
			if cmd.Stdin != nil {
				// "|" is an operator, which shellWords refuses: split
				// the pipeline first.
				pre, rest, ok := strings.Cut(text, " | ")
				if !ok {
					t.Fatalf("no pipeline in %s", text)
				}
				pw, err := shellWords(pre)
				if err != nil || len(pw) != 2 || pw[0] != "printf" {
					t.Fatalf("printf part %q parses as %q (%v)", pre, pw, err)
				}
				if got, err := decodePrintf(pw[1]); err != nil || !bytes.Equal(got, cmd.Stdin) {
					t.Fatalf("printf prints %q (%v), want %q", got, err, cmd.Stdin)
				}
				text = rest
			}
			words, err := shellWords(text)
			if err != nil {
				t.Fatalf("command does not parse: %v\n%s", err, text)
			}
			if !slices.Equal(words, cmd.Args) {
				t.Fatalf("shell text parses as %q, Args are %q", words, cmd.Args)
			}
		}
	})
}
