package curlcmd_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/limpet-http/limpet/curlcmd"
)

// received is what the test server saw of one request.
type received struct {
	Method     string
	RequestURI string
	Host       string
	Header     http.Header
	Body       []byte
}

// sink is a loopback server that remembers the last request it received.
type sink struct {
	*httptest.Server
	mu   sync.Mutex // guards last
	last *received
}

func newSink(t *testing.T) *sink {
	s := &sink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.last = &received{Method: r.Method, RequestURI: r.RequestURI, Host: r.Host, Header: r.Header.Clone(), Body: body}
		s.mu.Unlock()
		io.WriteString(w, "ok\n")
	}))
	t.Cleanup(s.Close)
	return s
}

// take returns the last request and forgets it.
func (s *sink) take(t *testing.T) *received {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.last
	s.last = nil
	if r == nil {
		t.Fatal("the server received no request")
	}
	return r
}

// interopMissing skips the test, or fails it when LIMPET_INTEROP=require.
func interopMissing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("LIMPET_INTEROP") == "require" {
		t.Fatalf(format+" (LIMPET_INTEROP=require)", args...)
	}
	t.Skipf(format, args...)
}

// shells returns the POSIX shells to run commands with: sh always, bash
// and zsh where installed.
func shells(t *testing.T) []string {
	var out []string
	for _, name := range []string{"sh", "bash", "zsh"} {
		if p, err := exec.LookPath(name); err == nil {
			out = append(out, p)
		} else if name == "sh" {
			interopMissing(t, "sh not found: %v", err)
		}
	}
	return out
}

// cleanEnv keeps curl away from the user's configuration and proxies.
func cleanEnv(t *testing.T) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "LC_ALL=C.UTF-8"}
}

func multipartBody(t *testing.T) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.SetBoundary("XyZ-boundary-123")
	w.WriteField("title", "Grüße, 'friends'")
	w.WriteField("password", "multipart-secret-0001")
	fw, _ := w.CreateFormFile("file", "notes.txt")
	io.WriteString(fw, "line one\r\nline two\n% and \\ too\x00\x01")
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// allBytes is every byte value, twice.
var allBytes = func() []byte {
	b := make([]byte, 512)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

type requestCase struct {
	name    string
	method  string
	path    string // appended to the server's URL
	header  http.Header
	body    []byte
	cookies []*http.Cookie
	host    string
	// wantStdin says whether the body must go through standard input.
	wantStdin bool
}

func requestCases(t *testing.T) []requestCase {
	mpType, mpBody := multipartBody(t)
	ua := http.Header{"User-Agent": {"limpet/0.1.0"}}
	with := func(kv ...string) http.Header {
		h := ua.Clone()
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	big := bytes.Repeat([]byte("a line of text that goes on\n"), 2900)
	return []requestCase{
		{name: "GET with special query", method: "GET",
			path:   "/search/caf%C3%A9?q=a%20b&amp=%26%3D&emoji=%F0%9F%98%80&plus=a+b&empty=&flag&arr[]=1&brace={x}&tilde=~&q2='quoted'",
			header: with("Accept", "application/json")},
		{name: "POST JSON", method: "POST", path: "/api/items",
			header: with("Content-Type", "application/json", "Accept", "application/json"),
			body:   []byte(`{"name":"Ünïcode ✓","quote":"it's","n":1,"password":"json-secret-0002"}`)},
		{name: "POST form", method: "POST", path: "/login",
			header: with("Content-Type", "application/x-www-form-urlencoded"),
			body:   []byte(url.Values{"username": {"alice"}, "password": {"p@ss w'ord&=%"}, "_csrf": {"abc"}}.Encode())},
		{name: "PUT multipart raw body", method: "PUT", path: "/upload",
			header: with("Content-Type", mpType), body: mpBody, wantStdin: true},
		{name: "headers with quotes, spaces, unicode and shell characters", method: "GET", path: "/h",
			header: with(
				"X-Quote", `it's "quoted"`,
				"X-Space", "a  b  c",
				"X-Unicode", "héllo ✓ 日本",
				"X-Shell", "$HOME `id` $(id) \\ ! * ? [a] {b,c} ~ # ; & | < >",
				"X-Empty", "",
				"X-Multi", "first",
				"X-Multi", "second",
				"Authorization", "Bearer bearer-secret-0003")},
		{name: "cookies from the header and the jar", method: "GET", path: "/c",
			header: with("Cookie", "pre=1"),
			cookies: []*http.Cookie{
				{Name: "SESSION", Value: "cookie-secret-0004"},
				{Name: "theme", Value: "dark mode"},
				{Name: "empty", Value: ""},
			}},
		{name: "cookie with no value", method: "GET", path: "/c", header: with("Cookie", "flag")},
		{name: "binary body", method: "POST", path: "/bin",
			header: with("Content-Type", "application/octet-stream"), body: allBytes, wantStdin: true},
		{name: "body without Content-Type", method: "POST", path: "/raw", header: ua.Clone(), body: []byte("just text")},
		{name: "body starting with @", method: "POST", path: "/at",
			header: with("Content-Type", "text/plain"), body: []byte("@/etc/passwd"), wantStdin: true},
		{name: "body starting with a dash", method: "POST", path: "/dash",
			header: with("Content-Type", "text/plain"), body: []byte("--data\r\n-x"), wantStdin: true},
		{name: "text with quotes, percent and trailing newlines", method: "POST", path: "/t",
			header: with("Content-Type", "text/plain"), body: []byte("it's 'quoted' 100% \\n $x\n\n")},
		{name: "large text body", method: "POST", path: "/big",
			header: with("Content-Type", "text/plain"), body: big, wantStdin: true},
		{name: "DELETE", method: "DELETE", path: "/items/1", header: ua.Clone()},
		{name: "PATCH with body", method: "PATCH", path: "/items/1",
			header: with("Content-Type", "application/merge-patch+json"), body: []byte(`{"qty":3}`)},
		{name: "POST without body", method: "POST", path: "/empty", header: ua.Clone()},
		{name: "HEAD", method: "HEAD", path: "/head", header: ua.Clone()},
		{name: "dot segments kept", method: "GET", path: "/a/./b/../c/..", header: ua.Clone()},
		{name: "Host override", method: "GET", path: "/vhost", header: ua.Clone(), host: "virtual.example:8080"},
		{name: "explicit Accept-Encoding", method: "GET", path: "/ae", header: with("Accept-Encoding", "identity")},
		{name: "no User-Agent", method: "GET", path: "/noua", header: http.Header{"X-A": {"1"}}},
	}
}

// newRequest builds the case's request, with GetBody, against base.
func (c requestCase) newRequest(t *testing.T, base string) *http.Request {
	t.Helper()
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = c.header.Clone()
	if c.host != "" {
		req.Host = c.host
	}
	return req
}

// compare checks that curl sent what Go sent: method, request target,
// Host, every header but those each client sets its own way, and body.
func compare(t *testing.T, req *http.Request, want, got *received) {
	t.Helper()
	if got.Method != want.Method || got.RequestURI != want.RequestURI || got.Host != want.Host {
		t.Errorf("curl sent %s %s (Host %s), Go sent %s %s (Host %s)", got.Method, got.RequestURI, got.Host, want.Method, want.RequestURI, want.Host)
	}
	if !bytes.Equal(got.Body, want.Body) {
		t.Errorf("curl sent body %q, Go sent %q", got.Body, want.Body)
	}
	skip := map[string]bool{"Content-Length": true, "Accept-Encoding": true}
	if _, set := req.Header["User-Agent"]; !set {
		skip["User-Agent"] = true
	}
	if _, set := req.Header["Accept"]; !set {
		skip["Accept"] = true
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range want.Header {
			yield(k)
		}
		for k := range got.Header {
			if _, dup := want.Header[k]; !dup {
				yield(k)
			}
		}
	})
	for _, k := range keys {
		if skip[k] {
			continue
		}
		if !slices.Equal(got.Header[k], want.Header[k]) {
			t.Errorf("header %s: curl sent %q, Go sent %q", k, got.Header[k], want.Header[k])
		}
	}
	wantAE, gotAE := want.Header.Get("Accept-Encoding"), got.Header.Get("Accept-Encoding")
	if _, set := req.Header["Accept-Encoding"]; set || req.Method == http.MethodHead {
		if gotAE != wantAE {
			t.Errorf("Accept-Encoding: curl sent %q, Go sent %q", gotAE, wantAE)
		}
	} else if wantAE != "gzip" || !strings.Contains(gotAE, "gzip") {
		t.Errorf("Accept-Encoding: curl sent %q, Go sent %q; both should ask for gzip", gotAE, wantAE)
	}
}

// TestCurlSendsTheSameRequest runs the generated commands with the real
// curl, through every installed POSIX shell, one-line and multi-line, and
// directly from Args; the server must see what Go's client sent.
func TestCurlSendsTheSameRequest(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		interopMissing(t, "curl not found: %v", err)
	}
	srv := newSink(t)
	env := cleanEnv(t)
	shs := shells(t)
	goClient := &http.Client{Transport: &http.Transport{}} // no proxy from the environment
	for _, tc := range requestCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.newRequest(t, srv.URL)
			cmd, err := curlcmd.Build(req, tc.cookies, curlcmd.Options{IncludeSecrets: true})
			if err != nil {
				t.Fatal(err)
			}
			if (cmd.Stdin != nil) != tc.wantStdin {
				t.Errorf("body on standard input: %v, want %v", cmd.Stdin != nil, tc.wantStdin)
			}

			// What Go's client sends for the same request.
			goReq := req.Clone(context.Background())
			for _, c := range tc.cookies {
				goReq.AddCookie(c)
			}
			resp, err := goClient.Do(goReq)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			want := srv.take(t)

			run := func(name string, c *exec.Cmd) {
				t.Helper()
				c.Env = env
				var stderr bytes.Buffer
				c.Stderr = &stderr
				if err := c.Run(); err != nil {
					t.Fatalf("%s: %v\n%s\ncommand:\n%s", name, err, stderr.Bytes(), cmd.Multiline())
				}
				compare(t, req, want, srv.take(t))
			}
			for _, sh := range shs {
				run(filepath.Base(sh)+" one line", exec.Command(sh, "-c", cmd.String()))
				run(filepath.Base(sh)+" multi-line", exec.Command(sh, "-c", cmd.Multiline()))
			}
			direct := exec.Command(cmd.Args[0], cmd.Args[1:]...)
			if cmd.Stdin != nil {
				direct.Stdin = bytes.NewReader(cmd.Stdin)
			}
			run("exec", direct)

			if tc.body != nil {
				path := filepath.Join(t.TempDir(), "body with space's.bin")
				fcmd, err := curlcmd.Build(req, tc.cookies, curlcmd.Options{IncludeSecrets: true, BodyFile: path})
				if err != nil {
					t.Fatal(err)
				}
				if fcmd.Stdin != nil || !bytes.Equal(fcmd.FileBody, tc.body) {
					t.Fatalf("file command: stdin %v, file body %d bytes", fcmd.Stdin != nil, len(fcmd.FileBody))
				}
				if err := fcmd.WriteBodyFile(); err != nil {
					t.Fatal(err)
				}
				if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
					t.Fatalf("body file: %v, %v", fi.Mode(), err)
				}
				run("sh with body file", exec.Command(shs[0], "-c", fcmd.String()))
			}
		})
	}
}

// TestRedactedCommand checks that the default command hides every secret
// and still runs, sending the same method and path.
func TestRedactedCommand(t *testing.T) {
	secrets := []string{"multipart-secret-0001", "json-secret-0002", "bearer-secret-0003", "cookie-secret-0004",
		"p%40ss+w%27ord", "query-secret-0005", "basic-secret-0006", "csrf-secret-0007"}
	srv := newSink(t)
	for _, tc := range requestCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.newRequest(t, srv.URL)
			q := req.URL.Query()
			q.Set("access_token", "query-secret-0005")
			req.URL.RawQuery = q.Encode()
			req.URL.User = url.UserPassword("alice", "basic-secret-0006")
			req.Header.Set("X-XSRF-TOKEN", "csrf-secret-0007")
			cmd, err := curlcmd.Build(req, tc.cookies, curlcmd.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range []string{cmd.String(), cmd.Multiline(), strings.Join(cmd.Args, " "), string(cmd.Stdin)} {
				for _, s := range secrets {
					if strings.Contains(text, s) {
						t.Errorf("command shows %q:\n%s", s, text)
					}
				}
			}
			if _, err := exec.LookPath("curl"); err != nil {
				return
			}
			c := exec.Command("sh", "-c", cmd.String())
			c.Env = cleanEnv(t)
			if out, err := c.CombinedOutput(); err != nil {
				t.Fatalf("redacted command fails: %v\n%s", err, out)
			}
			got := srv.take(t)
			if got.Method != req.Method || !strings.HasPrefix(got.RequestURI, req.URL.EscapedPath()) {
				t.Errorf("redacted command sent %s %s", got.Method, got.RequestURI)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	good := func() *http.Request {
		r, _ := http.NewRequest("GET", "http://127.0.0.1/", nil)
		return r
	}
	tests := []struct {
		name    string
		req     func() *http.Request
		cookies []*http.Cookie
		want    string
	}{
		{"nil request", func() *http.Request { return nil }, nil, "no URL"},
		{"nil URL", func() *http.Request { r := good(); r.URL = nil; return r }, nil, "no URL"},
		{"ftp scheme", func() *http.Request { r := good(); r.URL.Scheme = "ftp"; return r }, nil, "scheme"},
		{"no host", func() *http.Request { r := good(); r.URL.Host = ""; return r }, nil, "no host"},
		{"bad method", func() *http.Request { r := good(); r.Method = "GE T"; return r }, nil, "method"},
		{"bad header name", func() *http.Request { r := good(); r.Header["X Bad"] = []string{"1"}; return r }, nil, "header name"},
		{"header value with newline", func() *http.Request { r := good(); r.Header.Set("X-Inject", "a\r\nEvil: 1"); return r }, nil, "value"},
		{"bad Host", func() *http.Request { r := good(); r.Host = "a b"; return r }, nil, "Host"},
		{"bad cookie name", good, []*http.Cookie{{Name: "a;b", Value: "1"}}, "cookie"},
		{"body without GetBody", func() *http.Request {
			r := good()
			r.Method = "POST"
			r.Body = io.NopCloser(strings.NewReader("x"))
			return r
		}, nil, "GetBody"},
		{"GetBody fails", func() *http.Request {
			r := good()
			r.GetBody = func() (io.ReadCloser, error) { return nil, fmt.Errorf("gone") }
			return r
		}, nil, "gone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd, err := curlcmd.Build(tc.req(), tc.cookies, curlcmd.Options{})
			if err == nil || !strings.HasPrefix(err.Error(), "curlcmd: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Build = %v, %v; want an error about %q", cmd, err, tc.want)
			}
		})
	}
}

func TestWriteBodyFileErrors(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://127.0.0.1/", strings.NewReader("x"))
	cmd, err := curlcmd.Build(req, nil, curlcmd.Options{BodyFile: filepath.Join(t.TempDir(), "missing", "dir", "body")})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.WriteBodyFile(); err == nil || !strings.HasPrefix(err.Error(), "curlcmd: ") {
		t.Errorf("WriteBodyFile = %v", err)
	}
	inline, _ := curlcmd.Build(req, nil, curlcmd.Options{})
	if err := inline.WriteBodyFile(); err != nil {
		t.Errorf("WriteBodyFile without a body file = %v", err)
	}
}
