package token_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/token"
)

// BenchmarkBearer compares a GET through a Session whose token comes from
// the Authenticator with one whose token is a fixed limpet.BearerAuth, on
// the same loopback server in the same run: the ratio of the two is the
// Authenticator's overhead per request (Prepare and Check).
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
	run := func(b *testing.B, o limpet.Options) {
		o.BaseURL = srv.URL
		s, err := limpet.New(o)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if err := s.Login(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			resp, err := s.Get(context.Background(), "/api")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := resp.Bytes(); err != nil || resp.StatusCode != 200 {
				b.Fatal(resp.Status, err)
			}
		}
	}
	b.Run("static BearerAuth", func(b *testing.B) { run(b, limpet.Options{Auth: limpet.BearerAuth("opaque-token")}) })
	b.Run("JWTLogin Authenticator", func(b *testing.B) {
		run(b, limpet.Options{Authenticator: token.JWTLogin("/login", "u", "p", token.JWTOptions{})})
	})
}
