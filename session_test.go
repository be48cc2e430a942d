package limpet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/limpet-http/limpet"
)

// newBin starts go-httpbin on loopback.
func newBin(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(httpbin.New())
	t.Cleanup(srv.Close)
	return srv
}

func newSession(t *testing.T, o limpet.Options) *limpet.Session {
	t.Helper()
	s, err := limpet.New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// binEcho is what httpbin's /anything, /get and /post answer.
type binEcho struct {
	Args    map[string][]string `json:"args"`
	Headers map[string][]string `json:"headers"`
	Method  string              `json:"method"`
	Data    string              `json:"data"`
	Form    map[string][]string `json:"form"`
	Files   map[string][]string `json:"files"`
	JSON    any                 `json:"json"`
	URL     string              `json:"url"`
}

func mustEcho(t *testing.T) func(*limpet.Response, error) binEcho {
	return func(resp *limpet.Response, err error) binEcho { return echo(t, resp, err) }
}

func echo(t *testing.T, resp *limpet.Response, err error) binEcho {
	t.Helper()
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	if err := resp.CheckStatus(); err != nil {
		t.Fatalf("status: %v", err)
	}
	var e binEcho
	if err := resp.JSON(&e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestZeroOptionsDefaults(t *testing.T) {
	bin := newBin(t)
	s := newSession(t, limpet.Options{})
	e := mustEcho(t)(s.Get(context.Background(), bin.URL+"/get"))
	if got := e.Headers["User-Agent"]; len(got) != 1 || got[0] != limpet.DefaultUserAgent {
		t.Errorf("User-Agent = %v, want %q", got, limpet.DefaultUserAgent)
	}
	if e.Method != "GET" {
		t.Errorf("method = %q", e.Method)
	}
}

func TestDefaultsAndOverrides(t *testing.T) {
	bin := newBin(t)
	s := newSession(t, limpet.Options{
		BaseURL:   bin.URL + "/anything/",
		Header:    http.Header{"x-team": {"blue"}, "X-Drop": {"me"}, "Accept": {"application/json"}},
		Query:     url.Values{"lang": {"en"}, "page": {"1"}},
		UserAgent: "custom/1",
	})
	e := mustEcho(t)(s.Do(context.Background(), &limpet.Request{
		URL:    "items?page=3",
		Header: http.Header{"X-Drop": nil, "Accept": {"text/plain"}, "X-Extra": {"1"}},
		Query:  url.Values{"q": {"a b"}},
	}))
	checks := []struct{ name, got, want string }{
		{"X-Team", strings.Join(e.Headers["X-Team"], ","), "blue"},
		{"X-Drop removed", strings.Join(e.Headers["X-Drop"], ","), ""},
		{"Accept overridden", strings.Join(e.Headers["Accept"], ","), "text/plain"},
		{"X-Extra", strings.Join(e.Headers["X-Extra"], ","), "1"},
		{"User-Agent", strings.Join(e.Headers["User-Agent"], ","), "custom/1"},
		{"lang from session", strings.Join(e.Args["lang"], ","), "en"},
		{"page from URL wins", strings.Join(e.Args["page"], ","), "3"},
		{"q from request", strings.Join(e.Args["q"], ","), "a b"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if !strings.Contains(e.URL, "/anything/items") {
		t.Errorf("URL %q not resolved against BaseURL", e.URL)
	}
}

func TestCookiesKeptAcrossRequests(t *testing.T) {
	bin := newBin(t)
	s := newSession(t, limpet.Options{})
	ctx := context.Background()
	resp, err := s.Get(ctx, bin.URL+"/cookies/set?JSESSIONID=abc123&theme=dark")
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	if len(resp.History) != 1 || resp.History[0].StatusCode != http.StatusFound {
		t.Fatalf("history = %d entries, want the 302 from /cookies/set", len(resp.History))
	}
	var got struct{ Cookies map[string]string }
	resp, err = s.Get(ctx, bin.URL+"/cookies")
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.JSON(&got); err != nil {
		t.Fatal(err)
	}
	if got.Cookies["JSESSIONID"] != "abc123" || got.Cookies["theme"] != "dark" {
		t.Errorf("server saw cookies %v", got.Cookies)
	}
	// The same cookies through Client(), for libraries that take an *http.Client.
	hresp, err := s.Client().Get(bin.URL + "/cookies")
	if err != nil {
		t.Fatal(err)
	}
	defer hresp.Body.Close()
	got.Cookies = nil
	if err := json.NewDecoder(hresp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Cookies["JSESSIONID"] != "abc123" {
		t.Errorf("Client() did not send the session's cookies: %v", got)
	}
	u, _ := url.Parse(bin.URL)
	if n := len(s.Jar().Cookies(u)); n != 2 {
		t.Errorf("jar holds %d cookies for the server, want 2", n)
	}
}

func TestAuthSchemes(t *testing.T) {
	bin := newBin(t)
	ctx := context.Background()
	cases := []struct {
		name string
		auth limpet.Auth
		path string
		want int
	}{
		{"basic", limpet.BasicAuth("alice", "s3cret"), "/basic-auth/alice/s3cret", 200},
		{"basic wrong password", limpet.BasicAuth("alice", "nope"), "/basic-auth/alice/s3cret", 401},
		{"bearer", limpet.BearerAuth("tok-123"), "/bearer", 200},
		{"digest md5", limpet.DigestAuth("alice", "s3cret"), "/digest-auth/auth/alice/s3cret/MD5", 200},
		{"digest sha-256", limpet.DigestAuth("alice", "s3cret"), "/digest-auth/auth/alice/s3cret/SHA-256", 200},
		{"digest wrong password", limpet.DigestAuth("alice", "nope"), "/digest-auth/auth/alice/s3cret/MD5", 401},
		{"no auth", nil, "/basic-auth/alice/s3cret", 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSession(t, limpet.Options{Auth: c.auth})
			resp, err := s.Get(ctx, bin.URL+c.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Close()
			if resp.StatusCode != c.want {
				t.Errorf("status %d, want %d", resp.StatusCode, c.want)
			}
		})
	}
	t.Run("per-request override", func(t *testing.T) {
		s := newSession(t, limpet.Options{Auth: limpet.BasicAuth("alice", "s3cret")})
		resp, err := s.Do(ctx, &limpet.Request{URL: bin.URL + "/basic-auth/alice/s3cret", Auth: limpet.NoAuth})
		if err != nil {
			t.Fatal(err)
		}
		resp.Close()
		if resp.StatusCode != 401 {
			t.Errorf("NoAuth: status %d, want 401", resp.StatusCode)
		}
		resp, err = s.Do(ctx, &limpet.Request{URL: bin.URL + "/basic-auth/bob/pw", Auth: limpet.BasicAuth("bob", "pw")})
		if err != nil {
			t.Fatal(err)
		}
		resp.Close()
		if resp.StatusCode != 200 {
			t.Errorf("override: status %d, want 200", resp.StatusCode)
		}
	})
}

func TestBodies(t *testing.T) {
	bin := newBin(t)
	s := newSession(t, limpet.Options{})
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "report.csv")
	if err := os.WriteFile(file, []byte("a,b\n1,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("json", func(t *testing.T) {
		e := mustEcho(t)(s.Post(ctx, bin.URL+"/post", limpet.JSON(map[string]any{"name": "x", "qty": 2})))
		m, _ := e.JSON.(map[string]any)
		if m["name"] != "x" || m["qty"] != float64(2) {
			t.Errorf("json = %v", e.JSON)
		}
		if ct := e.Headers["Content-Type"]; len(ct) != 1 || ct[0] != "application/json" {
			t.Errorf("Content-Type %v", ct)
		}
	})
	t.Run("form", func(t *testing.T) {
		e := mustEcho(t)(s.Post(ctx, bin.URL+"/post", limpet.Form(url.Values{"username": {"alice"}, "_csrf": {"t0k"}})))
		if e.Form["username"][0] != "alice" || e.Form["_csrf"][0] != "t0k" {
			t.Errorf("form = %v", e.Form)
		}
	})
	t.Run("multipart", func(t *testing.T) {
		e := mustEcho(t)(s.Post(ctx, bin.URL+"/post", limpet.Multipart(
			limpet.Part{Name: "title", Value: "Q3"},
			limpet.Part{Name: "report", Path: file, ContentType: "text/csv"},
			limpet.Part{Name: "note", FileName: "n.txt", Content: []byte("hello")},
		)))
		if e.Form["title"][0] != "Q3" {
			t.Errorf("form = %v", e.Form)
		}
		if len(e.Files["report"]) != 1 || !strings.Contains(e.Files["report"][0], "1,2") {
			t.Errorf("files = %v", e.Files)
		}
		if len(e.Files["note"]) != 1 || !strings.Contains(e.Files["note"][0], "hello") {
			t.Errorf("files = %v", e.Files)
		}
	})
	t.Run("bytes and reader", func(t *testing.T) {
		e := mustEcho(t)(s.Put(ctx, bin.URL+"/put", limpet.Bytes([]byte("raw!"), "text/plain")))
		if e.Data != "raw!" {
			t.Errorf("data = %q", e.Data)
		}
		e = mustEcho(t)(s.Patch(ctx, bin.URL+"/patch", limpet.Reader(strings.NewReader("seek me"), "text/plain")))
		if e.Data != "seek me" {
			t.Errorf("data = %q", e.Data)
		}
		e = mustEcho(t)(s.Post(ctx, bin.URL+"/post", limpet.Reader(io.MultiReader(strings.NewReader("stream")), "text/plain")))
		if e.Data != "stream" {
			t.Errorf("data = %q", e.Data)
		}
	})
	t.Run("replayed on 307 and 308", func(t *testing.T) {
		for _, code := range []string{"307", "308"} {
			for _, body := range []limpet.Body{
				limpet.JSON(map[string]int{"n": 1}),
				limpet.Reader(io.MultiReader(strings.NewReader(`{"n":1}`)), "application/json"),
				limpet.Multipart(limpet.Part{Name: "f", Path: file}),
			} {
				target := url.QueryEscape(bin.URL + "/post")
				resp, err := s.Post(ctx, bin.URL+"/redirect-to?status_code="+code+"&url="+target, body)
				e := echo(t, resp, err)
				if e.Method != "POST" || (e.Data == "" && len(e.Files) == 0) {
					t.Errorf("%s: method %s, data %q, files %v: body not replayed", code, e.Method, e.Data, e.Files)
				}
			}
		}
	})
	t.Run("post becomes get on 302 and 303", func(t *testing.T) {
		for _, code := range []string{"301", "302", "303"} {
			target := url.QueryEscape(bin.URL + "/anything")
			e := mustEcho(t)(s.Post(ctx, bin.URL+"/redirect-to?status_code="+code+"&url="+target, limpet.JSON(1)))
			if e.Method != "GET" || e.Data != "" {
				t.Errorf("%s: method %s data %q, want GET with no body", code, e.Method, e.Data)
			}
		}
	})
}

func TestGzipAndStatus(t *testing.T) {
	bin := newBin(t)
	s := newSession(t, limpet.Options{})
	ctx := context.Background()
	var gz struct {
		Gzipped bool `json:"gzipped"`
	}
	resp, err := s.Get(ctx, bin.URL+"/gzip")
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.JSON(&gz); err != nil || !gz.Gzipped {
		t.Fatalf("gzip body not decoded: %v %+v", err, gz)
	}
	for _, code := range []int{204, 400, 404, 418, 500, 503} {
		resp, err := s.Get(ctx, bin.URL+"/status/"+itoa(code))
		if err != nil {
			t.Fatalf("status %d returned an error: %v (a non-2xx response is not an error)", code, err)
		}
		err = resp.CheckStatus()
		resp.Close()
		var se *limpet.StatusError
		if code < 300 {
			if err != nil {
				t.Errorf("CheckStatus(%d) = %v", code, err)
			}
			continue
		}
		if !errors.As(err, &se) || se.StatusCode != code || se.Method != "GET" || !strings.Contains(se.URL, "/status/") {
			t.Errorf("CheckStatus(%d) = %#v", code, err)
		}
	}
}

func TestStatusErrorKeepsBodyReadable(t *testing.T) {
	body := strings.Repeat("x", 3000) + "END"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, body)
	}))
	defer srv.Close()
	s := newSession(t, limpet.Options{})
	resp, err := s.Get(context.Background(), srv.URL+"/?access_token=supersecretvalue123")
	if err != nil {
		t.Fatal(err)
	}
	var se *limpet.StatusError
	if !errors.As(resp.CheckStatus(), &se) {
		t.Fatal("want a StatusError")
	}
	if len(se.Body) != limpet.MaxErrorBody {
		t.Errorf("excerpt %d bytes, want %d", len(se.Body), limpet.MaxErrorBody)
	}
	if strings.Contains(se.Error(), "supersecretvalue123") {
		t.Errorf("error leaks the token: %s", se.Error())
	}
	all, err := resp.Bytes()
	if err != nil || string(all) != body {
		t.Errorf("body after CheckStatus: %d bytes, err %v", len(all), err)
	}
}

func TestRedirectLimits(t *testing.T) {
	bin := newBin(t)
	ctx := context.Background()
	s := newSession(t, limpet.Options{MaxRedirects: 2})
	resp, err := s.Get(ctx, bin.URL+"/redirect/2")
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	if resp.StatusCode != 200 || len(resp.History) != 2 {
		t.Errorf("2 redirects: status %d history %d", resp.StatusCode, len(resp.History))
	}
	_, err = s.Get(ctx, bin.URL+"/redirect/3")
	if !errors.Is(err, limpet.ErrTooManyRedirects) {
		t.Errorf("3 redirects with max 2: err %v, want ErrTooManyRedirects", err)
	}
	resp, err = s.Do(ctx, &limpet.Request{URL: bin.URL + "/redirect/1", MaxRedirects: limpet.NoRedirects})
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") == "" {
		t.Errorf("NoRedirects: status %d", resp.StatusCode)
	}
}

func TestTimeouts(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s := newSession(t, limpet.Options{})
	_, err := s.Do(context.Background(), &limpet.Request{URL: srv.URL, Timeout: 50 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a deadline error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Get(ctx, srv.URL); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: err = %v", err)
	}
}

func TestBadInputFailsBeforeSending(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	ctx := context.Background()
	s := newSession(t, limpet.Options{})
	cases := []struct {
		name string
		req  limpet.Request
		want string
	}{
		{"malformed URL", limpet.Request{URL: "http://[::1"}, "invalid URL"},
		{"relative without base", limpet.Request{URL: "/api/items"}, "no scheme"},
		{"unsupported scheme", limpet.Request{URL: "ftp://127.0.0.1/x"}, "unsupported scheme"},
		{"no host", limpet.Request{URL: "http:///x"}, "no host"},
		{"unencodable JSON", limpet.Request{URL: srv.URL, Method: "POST", Body: limpet.JSON(make(chan int))}, "encoding JSON body"},
		{"missing upload file", limpet.Request{URL: srv.URL, Method: "POST", Body: limpet.Multipart(limpet.Part{Name: "f", Path: "/nonexistent/file"})}, "multipart part"},
		{"bad method", limpet.Request{URL: srv.URL, Method: "GE T"}, "invalid method"},
		{"bad request proxy", limpet.Request{URL: srv.URL, Proxy: "ftp://proxy:21"}, "unsupported proxy scheme"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Do(ctx, &c.req)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
	optCases := []struct {
		name string
		o    limpet.Options
		want string
	}{
		{"relative base", limpet.Options{BaseURL: "/api"}, "not absolute"},
		{"proxy scheme", limpet.Options{Proxy: limpet.ProxyOptions{URLs: map[string]string{"http": "ftp://p:21"}}}, "unsupported proxy scheme"},
		{"proxy key", limpet.Options{Proxy: limpet.ProxyOptions{URLs: map[string]string{"ftp": "http://p:3128"}}}, "Proxy.URLs key"},
		{"unreadable CA", limpet.Options{TLS: limpet.TLSOptions{CAFile: "/nonexistent/ca.pem"}}, "reading CA file"},
		{"CA without PEM", limpet.Options{TLS: limpet.TLSOptions{CAPEM: []byte("junk")}}, "no PEM certificate"},
		{"cert without key", limpet.Options{TLS: limpet.TLSOptions{CertFile: "c.pem"}}, "both CertFile and KeyFile"},
	}
	for _, c := range optCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := limpet.New(c.o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("New: err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server received %d requests; bad input must fail before sending", n)
	}
}

func TestHooksAndMiddleware(t *testing.T) {
	bin := newBin(t)
	ctx := context.Background()
	var order []string
	var mu sync.Mutex
	note := func(s string) {
		mu.Lock()
		order = append(order, s)
		mu.Unlock()
	}
	mw := func(name string) func(http.RoundTripper) http.RoundTripper {
		return func(next http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				note(name)
				return next.RoundTrip(r)
			})
		}
	}
	s := newSession(t, limpet.Options{
		OnRequest: []func(*http.Request) error{func(r *http.Request) error {
			r.Header.Set("X-Hooked", "yes")
			note("request hook")
			return nil
		}},
		OnResponse: []func(*http.Response) error{func(r *http.Response) error {
			note("response hook " + itoa(r.StatusCode))
			return nil
		}},
		Middleware: []func(http.RoundTripper) http.RoundTripper{mw("inner"), mw("outer")},
	})
	e := mustEcho(t)(s.Get(ctx, bin.URL+"/redirect-to?url=/get"))
	if e.Headers["X-Hooked"][0] != "yes" {
		t.Errorf("request hook did not set the header")
	}
	want := "request hook,outer,inner,response hook 302,request hook,outer,inner,response hook 200"
	if got := strings.Join(order, ","); got != want {
		t.Errorf("order:\n got %s\nwant %s", got, want)
	}

	failing := newSession(t, limpet.Options{OnRequest: []func(*http.Request) error{func(*http.Request) error {
		return errors.New("no requests today")
	}}})
	if _, err := failing.Get(ctx, bin.URL+"/get"); err == nil || !strings.Contains(err.Error(), "no requests today") {
		t.Errorf("failing hook: err = %v", err)
	}
}

func TestTextCharset(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.URL.Query().Get("ct"))
		w.Write([]byte{'c', 'a', 'f', 0xe9}) // "café" in ISO-8859-1
	}))
	defer srv.Close()
	s := newSession(t, limpet.Options{})
	resp, err := s.Get(context.Background(), srv.URL+"?ct="+url.QueryEscape("text/plain; charset=ISO-8859-1"))
	if err != nil {
		t.Fatal(err)
	}
	if txt, err := resp.Text(); err != nil || txt != "café" {
		t.Errorf("Text() = %q, %v", txt, err)
	}
	resp, err = s.Get(context.Background(), srv.URL+"?ct="+url.QueryEscape("text/plain; charset=x-unknown-42"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resp.Text(); err == nil || !strings.Contains(err.Error(), "unknown charset") {
		t.Errorf("unknown charset: err = %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	bin := newBin(t)
	s := newSession(t, limpet.Options{Header: http.Header{"X-Shared": {"1"}}})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := s.Get(ctx, bin.URL+"/cookies/set?c"+itoa(i)+"=v")
			if err != nil {
				errs <- err
				return
			}
			resp.Close()
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	u, _ := url.Parse(bin.URL)
	if n := len(s.Jar().Cookies(u)); n != 32 {
		t.Errorf("jar holds %d cookies after 32 concurrent requests, want 32", n)
	}
}

func TestDebugLogIsRedacted(t *testing.T) {
	bin := newBin(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newSession(t, limpet.Options{Logger: logger, Auth: limpet.BasicAuth("alice", "hunter2hunter2")})
	ctx := context.Background()
	resp, err := s.Do(ctx, &limpet.Request{
		URL:    bin.URL + "/cookies/set?JSESSIONID=F00DF00DF00DF00DCAFE&token=abcdefabcdefabcdef",
		Header: http.Header{"X-Xsrf-Token": {"csrf-secret-value-123"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	log := buf.String()
	for _, secret := range []string{"F00DF00DF00DF00DCAFE", "abcdefabcdefabcdef", "csrf-secret-value-123", "YWxpY2U6aHVudGVyMmh1bnRlcjI="} {
		if strings.Contains(log, secret) {
			t.Errorf("log leaks %q:\n%s", secret, log)
		}
	}
	if !strings.Contains(log, "JSESSIONID") || !strings.Contains(log, "limpet: response") {
		t.Errorf("log lacks the cookie name or the response record:\n%s", log)
	}
}

func TestMultipartContentType(t *testing.T) {
	var got string
	var parts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Content-Type")
		_, params, _ := mime.ParseMediaType(got)
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			parts = append(parts, p.FormName()+"="+string(b))
		}
	}))
	defer srv.Close()
	s := newSession(t, limpet.Options{})
	resp, err := s.Post(context.Background(), srv.URL, limpet.MultipartWithBoundary("XyZ", limpet.Part{Name: "a", Value: "1"}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	if got != "multipart/form-data; boundary=XyZ" || strings.Join(parts, ",") != "a=1" {
		t.Errorf("Content-Type %q, parts %v", got, parts)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func itoa(i int) string { return strconvItoa(i) }

func TestDigestRetryDoesNotDuplicateCookies(t *testing.T) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Cookie"))
		if r.URL.Path == "/set" {
			http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
			return
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Digest ") {
			http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
			w.Header().Set("WWW-Authenticate", `Digest realm="r", nonce="n1", qop="auth"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}))
	defer srv.Close()
	s := newSession(t, limpet.Options{Auth: limpet.DigestAuth("u", "p")})
	ctx := context.Background()
	for _, path := range []string{"/set", "/private"} {
		resp, err := s.Post(ctx, srv.URL+path, limpet.Bytes([]byte("x"), "text/plain"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Close()
	}
	want := []string{"", "b=2", "b=2; a=1"}
	if strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Errorf("Cookie headers %q, want %q", seen, want)
	}
}

// A request built with a Multipart body and never sent leaves nothing
// running behind it (goleak-style: the goroutines' stacks are searched for
// the body's writer, polling a bounded number of times).
func TestUnsentMultipartLeaksNothing(t *testing.T) {
	s := newSession(t, limpet.Options{})
	writers := func() int {
		buf := make([]byte, 1<<20)
		for {
			n := runtime.Stack(buf, true)
			if n < len(buf) {
				return strings.Count(string(buf[:n]), "limpet.multipartBody.write")
			}
			buf = make([]byte, 2*len(buf))
		}
	}
	for i := 0; i < 20; i++ {
		req, err := s.NewRequest(context.Background(), &limpet.Request{Method: http.MethodPost, URL: "http://127.0.0.1:9/",
			Body: limpet.Multipart(limpet.Part{Name: "a", Value: "1"}, limpet.Part{Name: "f", Content: []byte("data")})})
		if err != nil {
			t.Fatal(err)
		}
		_ = req
	}
	n := writers()
	for i := 0; i < 100 && n > 0; i++ { // up to about 2 s for writers to end
		time.Sleep(20 * time.Millisecond)
		n = writers()
	}
	if n > 0 {
		t.Fatalf("%d multipart writers still running for 20 requests that were never sent", n)
	}
}
