package items

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// seen is one request as a loopback server received it.
type seen struct {
	method, uri, host string
	header            http.Header
	body              string
	contentLength     int64
}

// capture starts a server that records requests; /redirect answers 307
// to /target so that clients must replay the body.
func capture(t *testing.T) (*httptest.Server, func() []seen) {
	t.Helper()
	var (
		mu  sync.Mutex // guards got
		got []seen
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, seen{r.Method, r.RequestURI, r.Host, r.Header.Clone(), string(b), r.ContentLength})
		mu.Unlock()
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/target", http.StatusTemporaryRedirect)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), got...)
	}
}

func TestHTTPRequestReplaysBody(t *testing.T) {
	srv, got := capture(t)
	tests := []struct {
		name string
		opts Options
		args []string
		body string
	}{
		{"json", Options{}, []string{srv.URL + "/redirect", "a=1"}, `{"a": "1"}`},
		{"form", Options{Mode: ModeForm}, []string{srv.URL + "/redirect", "a=1", "b=2"}, "a=1&b=2"},
		{"multipart", Options{Mode: ModeMultipart, Boundary: "xyz"}, []string{srv.URL + "/redirect", "a=1"},
			"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--xyz--\r\n"},
		{"raw", Options{Raw: []byte("raw body")}, []string{srv.URL + "/redirect"}, "raw body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(got())
			r, err := Parse(tt.args, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			hreq, err := r.HTTPRequest(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(hreq)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			reqs := got()[before:]
			if len(reqs) != 2 {
				t.Fatalf("server saw %d requests, want 2 (original and redirected)", len(reqs))
			}
			for i, s := range reqs {
				if s.body != tt.body || s.contentLength != int64(len(tt.body)) {
					t.Errorf("request %d (%s): body %q (Content-Length %d), want %q", i, s.uri, s.body, s.contentLength, tt.body)
				}
			}
			if reqs[1].uri != "/target" {
				t.Errorf("second request went to %s, want /target", reqs[1].uri)
			}
		})
	}
}

func TestHTTPRequestHeaders(t *testing.T) {
	srv, got := capture(t)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		ua    string
		items []string
		check func(t *testing.T, s seen)
	}{
		{"user agent option", "limpet/9", nil, func(t *testing.T, s seen) {
			if got := s.header.Values("User-Agent"); len(got) != 1 || got[0] != "limpet/9" {
				t.Errorf("User-Agent = %q", got)
			}
		}},
		{"unset user agent sends none", "limpet/9", []string{"User-Agent:"}, func(t *testing.T, s seen) {
			if got, ok := s.header["User-Agent"]; ok {
				t.Errorf("User-Agent sent: %q", got)
			}
		}},
		{"unset accept sends none", "", []string{"Accept:"}, func(t *testing.T, s seen) {
			if got, ok := s.header["Accept"]; ok {
				t.Errorf("Accept sent: %q", got)
			}
		}},
		{"repeated and empty headers, canonical names", "", []string{"x-a:1", "X-A:2", "x-e;"}, func(t *testing.T, s seen) {
			if got := s.header.Values("X-A"); strings.Join(got, ",") != "1,2" {
				t.Errorf("X-A = %q, want [1 2]", got)
			}
			if got, ok := s.header["X-E"]; !ok || len(got) != 1 || got[0] != "" {
				t.Errorf("X-E = %q, want one empty value", got)
			}
		}},
		{"host header sets Host", "", []string{"Host:example.com"}, func(t *testing.T, s seen) {
			if s.host != "example.com" {
				t.Errorf("Host = %q, want example.com", s.host)
			}
		}},
		{"query items", "", []string{"q==a b", "q==c"}, func(t *testing.T, s seen) {
			if s.uri != "/p?q=a+b&q=c" {
				t.Errorf("request URI = %q", s.uri)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(got())
			r, err := Parse(append([]string{"GET", "http://" + u.Host + "/p"}, tt.items...), Options{UserAgent: tt.ua})
			if err != nil {
				t.Fatal(err)
			}
			hreq, err := r.HTTPRequest(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(hreq)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			reqs := got()[before:]
			if len(reqs) != 1 {
				t.Fatalf("server saw %d requests", len(reqs))
			}
			tt.check(t, reqs[0])
		})
	}
}

func TestHTTPRequestEmptyPost(t *testing.T) {
	srv, got := capture(t)
	r, err := Parse([]string{"POST", srv.URL}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hreq, err := r.HTTPRequest(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	s := got()[0]
	if s.method != "POST" || s.header.Get("Content-Length") != "0" || s.body != "" {
		t.Errorf("got %s with Content-Length %q and body %q, want POST with Content-Length 0", s.method, s.header.Get("Content-Length"), s.body)
	}
	if hreq.GetBody == nil {
		t.Fatal("GetBody is nil")
	}
	b, err := hreq.GetBody()
	if err != nil || b != http.NoBody {
		t.Errorf("GetBody() = %v, %v; want http.NoBody", b, err)
	}
}

func TestHTTPRequestDoesNotShareState(t *testing.T) {
	r, err := Parse([]string{"http://u:p@example.org/x", "a=1"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.HTTPRequest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.HTTPRequest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a.URL.Path = "/changed"
	a.Header.Set("Accept", "changed")
	if b.URL.Path != "/x" || r.URL.Path != "/x" || b.Header.Get("Accept") != JSONAccept {
		t.Errorf("requests share state: %s %s %q", b.URL.Path, r.URL.Path, b.Header.Get("Accept"))
	}
	ba, _ := io.ReadAll(a.Body)
	bb, _ := io.ReadAll(b.Body)
	if !bytes.Equal(ba, bb) || string(ba) != `{"a": "1"}` {
		t.Errorf("bodies %q and %q", ba, bb)
	}
	if u := b.URL.User; u == nil || u.Username() != "u" {
		t.Errorf("userinfo lost: %v", b.URL.User)
	}
}

func TestHTTPRequestErrors(t *testing.T) {
	if _, err := (&Request{Method: "GET"}).HTTPRequest(context.Background()); err == nil || !strings.HasPrefix(err.Error(), "items: ") {
		t.Errorf("no URL: err = %v", err)
	}
	r, err := Parse([]string{":/"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r.Method = "BAD METHOD"
	if _, err := r.HTTPRequest(context.Background()); err == nil {
		t.Error("invalid method accepted")
	}
}
