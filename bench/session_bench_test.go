// Package bench compares limpet with net/http on the same loopback server
// in the same run, as go test benchmarks in one process. bench/run
// (bench/cmd/compare) makes the full comparison with every peer, each
// client in a process of its own.
package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/limpet-http/limpet"
)

// newServer is a keep-alive loopback server that sets a session cookie on
// the first request of a client and checks it on later ones, as a
// session-keeping backend does.
func newServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("JSESSIONID"); err != nil {
			http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "6F1C2A9E0B6F1C2A9E0B", Path: "/", HttpOnly: true})
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkGet sends sequential keep-alive GETs with a cookie jar: raw
// net/http with the standard library's jar, and a limpet Session with its
// defaults (RFC 6265bis jar, default headers, 30 s timeout).
func BenchmarkGet(b *testing.B) {
	srv := newServer(b)
	url := srv.URL + "/api/items?page=1"
	ctx := context.Background()

	rawLoop := func(b *testing.B, timeout time.Duration) {
		j, _ := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
		c := &http.Client{Jar: j, Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
		defer c.CloseIdleConnections()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				b.Fatal(err)
			}
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	sessionLoop := func(b *testing.B, timeout time.Duration) {
		s, err := limpet.New(limpet.Options{Timeout: timeout})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			resp, err := s.Get(ctx, url)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	// Pairs: no timeout on either side, then a 30 s timeout on both
	// (limpet's default; net/http's Client.Timeout).
	b.Run("nethttp", func(b *testing.B) { rawLoop(b, 0) })
	b.Run("limpet-notimeout", func(b *testing.B) { sessionLoop(b, limpet.NoTimeout) })
	b.Run("nethttp-timeout", func(b *testing.B) { rawLoop(b, 30*time.Second) })
	b.Run("limpet", func(b *testing.B) { sessionLoop(b, 0) })
}
