package token_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cputime"
	"github.com/limpet-http/limpet/token"
)

// benchBatch is how many requests a client sends in a row in BenchmarkBearer.
const benchBatch = 50

// BenchmarkBearer compares a GET through a Session whose token comes from
// the Authenticator with one whose token is a fixed limpet.BearerAuth, on
// the same loopback server in the same run, in interleaved rounds of
// benchBatch requests per client: the ratio of the two is the
// Authenticator's overhead per request (Prepare and Check), in wall-clock
// time ("jwt/static") and in the process's CPU time ("jwt/static-cpu"; the
// server's share, the same for each, included), which other processes
// loading the machine do not inflate.
func BenchmarkBearer(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"token":"opaque-token","expires_in":3600}`))
			return
		}
		if r.Header.Get("Authorization") != "Bearer opaque-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	open := func(o limpet.Options) *limpet.Session {
		o.BaseURL = srv.URL
		s, err := limpet.New(o)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		if err := s.Login(context.Background()); err != nil {
			b.Fatal(err)
		}
		return s
	}
	static := open(limpet.Options{Auth: limpet.BearerAuth("opaque-token")})
	jwt := open(limpet.Options{Authenticator: token.JWTLogin("/login", "u", "p", token.JWTOptions{})})
	type times struct{ wall, cpu time.Duration }
	// batch sends n requests through s, adding their time to t.
	batch := func(s *limpet.Session, n int, t *times) {
		start, cpu := time.Now(), cputime.Process()
		for range n {
			resp, err := s.Get(context.Background(), "/api")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := resp.Bytes(); err != nil || resp.StatusCode != 200 {
				b.Fatal(resp.Status, err)
			}
		}
		t.cpu += cputime.Process() - cpu
		t.wall += time.Since(start)
	}
	var tStatic, tJWT times
	b.ReportAllocs()
	b.ResetTimer()
	// Rounds of benchBatch requests per client, each round starting with
	// the other client.
	n := b.N
	for i, round := 0, 0; i < b.N; round++ {
		k := min(benchBatch, b.N-i)
		if round%2 == 0 {
			batch(static, k, &tStatic)
			batch(jwt, k, &tJWT)
		} else {
			batch(jwt, k, &tJWT)
			batch(static, k, &tStatic)
		}
		i += k
	}
	b.ReportMetric(float64(tStatic.wall.Nanoseconds())/float64(n), "static-ns/req")
	b.ReportMetric(float64(tJWT.wall.Nanoseconds())/float64(n), "jwt-ns/req")
	b.ReportMetric(float64(tJWT.wall)/float64(tStatic.wall), "jwt/static")
	if cputime.Supported {
		b.ReportMetric(float64(tJWT.cpu)/float64(tStatic.cpu), "jwt/static-cpu")
	}
}
