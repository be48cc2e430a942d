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

// BenchmarkBearer compares a GET through a Session whose token comes from
// the Authenticator with one whose token is a fixed limpet.BearerAuth, on
// the same loopback server in the same run, the two interleaved: the ratio
// of the two is the Authenticator's overhead per request (Prepare and
// Check), in wall-clock time ("jwt/static") and in the process's CPU time
// ("jwt/static-cpu"; the server's share, the same for each, included), which
// other processes loading the machine do not inflate.
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
	one := func(s *limpet.Session, t *times) {
		start, cpu := time.Now(), cputime.Process()
		resp, err := s.Get(context.Background(), "/api")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := resp.Bytes(); err != nil || resp.StatusCode != 200 {
			b.Fatal(resp.Status, err)
		}
		t.cpu += cputime.Process() - cpu
		t.wall += time.Since(start)
	}
	var tStatic, tJWT times
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n%2 == 0 { // each round starts with the other client
			one(static, &tStatic)
			one(jwt, &tJWT)
		} else {
			one(jwt, &tJWT)
			one(static, &tStatic)
		}
		n++
	}
	b.ReportMetric(float64(tStatic.wall.Nanoseconds())/float64(n), "static-ns/req")
	b.ReportMetric(float64(tJWT.wall.Nanoseconds())/float64(n), "jwt-ns/req")
	b.ReportMetric(float64(tJWT.wall)/float64(tStatic.wall), "jwt/static")
	if cputime.Supported {
		b.ReportMetric(float64(tJWT.cpu)/float64(tStatic.cpu), "jwt/static-cpu")
	}
}
