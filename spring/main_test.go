package spring_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/testserver/springserver"
	"github.com/limpet-http/limpet/spring"
)

// TestMain shares one fixture JVM per (version, JVM) between the tests of this package.
func TestMain(m *testing.M) { os.Exit(springserver.Main(m)) }

// fixture wraps a running Spring fixture with its test-only control endpoints.
type fixture struct {
	*springserver.Server
	t testing.TB
}

func start(t testing.TB, version, profile string, opts ...springserver.Option) *fixture {
	t.Helper()
	return &fixture{Server: springserver.Start(t, version, profile, opts...), t: t}
}

// control sends a request to a /test/ endpoint, with the cookies of s when s is not nil, and returns status and body.
func (f *fixture) control(method, path string, s *limpet.Session) (int, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if s != nil {
		for _, c := range s.Jar().Cookies(req.URL) {
			req.AddCookie(c)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, string(b)
}

func (f *fixture) count(path string) int {
	f.t.Helper()
	status, body := f.control(http.MethodGet, path, nil)
	n, err := strconv.Atoi(strings.TrimSpace(body))
	if status != http.StatusOK || err != nil {
		f.t.Fatalf("GET %s: %d %q", path, status, body)
	}
	return n
}

// echoes returns the executions of POST /api/echo?key=key; logins the successful authentications of user.
func (f *fixture) echoes(key string) int {
	return f.count("/test/echo-count?key=" + url.QueryEscape(key))
}
func (f *fixture) logins(user string) int {
	return f.count("/test/auth-count?user=" + url.QueryEscape(user))
}

func (f *fixture) resetEchoes(key string) {
	f.t.Helper()
	if status, body := f.control(http.MethodPost, "/test/echo-reset?key="+url.QueryEscape(key), nil); status != http.StatusNoContent {
		f.t.Fatalf("echo-reset: %d %q", status, body)
	}
}

// expire invalidates the server session of s.
func (f *fixture) expire(s *limpet.Session) {
	f.t.Helper()
	if status, body := f.control(http.MethodPost, "/test/expire-session", s); status != http.StatusNoContent {
		f.t.Fatalf("expire-session: %d %q", status, body)
	}
}

// loginCounter counts the login POSTs a Session sends, as a transport middleware sees them.
type loginCounter struct{ n atomic.Int32 }

func (c *loginCounter) middleware(path string) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if req.Method == http.MethodPost && req.URL.Path == path {
				c.n.Add(1)
			}
			return next.RoundTrip(req)
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// newSession returns a Session on f with the authenticator a, closed by t.Cleanup.
func (f *fixture) newSession(a limpet.Authenticator, o limpet.Options) *limpet.Session {
	f.t.Helper()
	o.BaseURL = f.URL
	o.Authenticator = a
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Second
	}
	s, err := limpet.New(o)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { s.Close() })
	return s
}

// get sends GET path and returns the response with its body read.
func get(t testing.TB, s *limpet.Session, path string, header http.Header) (*limpet.Response, string) {
	t.Helper()
	resp, err := s.Do(context.Background(), &limpet.Request{URL: path, Header: header})
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	body, err := resp.Text()
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp, body
}

// send sends r and returns the response with its body read.
func send(t testing.TB, s *limpet.Session, r *limpet.Request) (*limpet.Response, string) {
	t.Helper()
	resp, err := s.Do(context.Background(), r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	body, err := resp.Text()
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	return resp, body
}

var _ = spring.FormLogin

func readAll(r io.Reader) string {
	b, _ := io.ReadAll(r)
	return string(b)
}

// paramOf returns a field of a url-encoded body.
func paramOf(t testing.TB, body, name string) string {
	t.Helper()
	v, err := url.ParseQuery(body)
	if err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	return v.Get(name)
}

// bodiesHeader returns a header of the i-th captured request.
func (c *captured) bodiesHeader(i int, name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i >= len(c.headers) {
		return ""
	}
	return c.headers[i].Get(name)
}
