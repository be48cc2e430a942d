package limpet_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/limpet-http/limpet"
)

// leakLab is a pair of loopback servers (plain and TLS) that answer for
// example.com and other.example.com on several ports, through a dialer that
// maps those names to them.
type leakLab struct {
	plain, tls *httptest.Server
	dial       func(ctx context.Context, network, addr string) (net.Conn, error)
	tlsConf    *tls.Config

	mu   sync.Mutex
	seen map[string]http.Header // final URL → request headers
}

func newLeakLab(t *testing.T) *leakLab {
	lab := &leakLab{seen: map[string]http.Header{}}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hop":
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
		case "/set":
			http.SetCookie(w, &http.Cookie{Name: "jar_plain", Value: "p1", Path: "/"})
			if r.TLS != nil {
				http.SetCookie(w, &http.Cookie{Name: "jar_secure", Value: "s1", Path: "/", Secure: true})
			}
		case "/final":
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			lab.mu.Lock()
			lab.seen[scheme+"://"+r.Host+r.URL.Path] = r.Header.Clone()
			lab.mu.Unlock()
		}
	})
	lab.plain = httptest.NewServer(h)
	lab.tls = httptest.NewTLSServer(h)
	t.Cleanup(lab.plain.Close)
	t.Cleanup(lab.tls.Close)
	pool := x509.NewCertPool()
	pool.AddCert(lab.tls.Certificate())
	lab.tlsConf = &tls.Config{RootCAs: pool}
	targets := map[string]string{
		"example.com:80":        lab.plain.Listener.Addr().String(),
		"example.com:8080":      lab.plain.Listener.Addr().String(),
		"other.example.com:80":  lab.plain.Listener.Addr().String(),
		"example.com:443":       lab.tls.Listener.Addr().String(),
		"example.com:8443":      lab.tls.Listener.Addr().String(),
		"other.example.com:443": lab.tls.Listener.Addr().String(),
	}
	var d net.Dialer
	lab.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := targets[addr]
		if !ok {
			t.Errorf("unexpected dial to %s", addr)
			to = "127.0.0.1:1"
		}
		return d.DialContext(ctx, network, to)
	}
	return lab
}

func (lab *leakLab) headers(u string) http.Header {
	lab.mu.Lock()
	defer lab.mu.Unlock()
	return lab.seen[u]
}

// TestRedirectCredentialMatrix checks, for every kind of origin change, which
// credentials follow a redirect: hand-set Authorization and Cookie headers
// and the Session's Auth follow requests' rule (kept on the same origin and
// on an http→https upgrade on default ports, dropped otherwise, and dropped
// for good once dropped), while jar cookies go wherever the jar's domain,
// path and Secure rules send them.
func TestRedirectCredentialMatrix(t *testing.T) {
	lab := newLeakLab(t)
	rows := []struct {
		name      string
		chain     []string // start URL, then each hop's target; last is the final URL
		keepCreds bool
		jarPlain  bool
		jarSecure bool
	}{
		{"same origin", []string{"http://example.com", "http://example.com/final"}, true, true, false},
		{"other host", []string{"http://example.com", "http://other.example.com/final"}, false, false, false},
		{"port change", []string{"http://example.com", "http://example.com:8080/final"}, false, true, false},
		{"http to https default ports", []string{"http://example.com", "https://example.com/final"}, true, true, true},
		{"https to http", []string{"https://example.com", "http://example.com/final"}, false, true, false},
		{"http to https other ports", []string{"http://example.com:8080", "https://example.com:8443/final"}, false, true, true},
		{"explicit default port", []string{"https://example.com", "https://example.com:443/final"}, true, true, true},
		{"away and back", []string{"http://example.com", "http://other.example.com/hop", "http://example.com/final"}, false, true, false},
		{"https other host", []string{"https://example.com", "https://other.example.com/final"}, false, false, false},
	}
	modes := []struct {
		name   string
		header http.Header
		auth   limpet.Auth
		check  func(h http.Header) bool // reports whether the credential arrived
	}{
		{"hand-set Authorization", http.Header{"Authorization": {"Bearer hand-set"}}, nil,
			func(h http.Header) bool { return h.Get("Authorization") == "Bearer hand-set" }},
		{"session Auth", nil, limpet.BasicAuth("alice", "pw"),
			func(h http.Header) bool { return strings.HasPrefix(h.Get("Authorization"), "Basic ") }},
		{"hand-set Cookie", http.Header{"Cookie": {"hand=made"}}, nil,
			func(h http.Header) bool { return strings.Contains(h.Get("Cookie"), "hand=made") }},
	}
	for _, row := range rows {
		for _, mode := range modes {
			t.Run(row.name+"/"+mode.name, func(t *testing.T) {
				s := newSession(t, limpet.Options{DialContext: lab.dial, Auth: mode.auth, TLS: limpet.TLSOptions{Config: lab.tlsConf}})
				ctx := context.Background()
				for _, set := range []string{"http://example.com/set", "https://example.com/set"} {
					resp, err := s.Do(ctx, &limpet.Request{URL: set, Auth: limpet.NoAuth})
					if err != nil {
						t.Fatal(err)
					}
					resp.Close()
				}
				// Build the chain inside out: start/hop?to=(hop?to=final).
				target := row.chain[len(row.chain)-1]
				for i := len(row.chain) - 2; i >= 1; i-- {
					target = row.chain[i] + "?to=" + url.QueryEscape(target)
				}
				start := row.chain[0] + "/hop?to=" + url.QueryEscape(target)
				resp, err := s.Do(ctx, &limpet.Request{URL: start, Header: mode.header.Clone()})
				if err != nil {
					t.Fatal(err)
				}
				resp.Close()
				final, _ := url.Parse(row.chain[len(row.chain)-1])
				key := final.Scheme + "://" + final.Host + final.Path
				h := lab.headers(key)
				if h == nil {
					t.Fatalf("final URL %s was not reached", key)
				}
				if got := mode.check(h); got != row.keepCreds {
					t.Errorf("%s arrived at %s: %v, want %v", mode.name, key, got, row.keepCreds)
				}
				cookie := h.Get("Cookie")
				if got := strings.Contains(cookie, "jar_plain=p1"); got != row.jarPlain {
					t.Errorf("jar cookie arrived: %v, want %v (Cookie: %q)", got, row.jarPlain, cookie)
				}
				if got := strings.Contains(cookie, "jar_secure=s1"); got != row.jarSecure {
					t.Errorf("Secure jar cookie arrived: %v, want %v (Cookie: %q)", got, row.jarSecure, cookie)
				}
				if h.Get("Referer") != "" {
					t.Errorf("Referer %q sent; limpet sends none unless asked", h.Get("Referer"))
				}
			})
		}
	}
}
