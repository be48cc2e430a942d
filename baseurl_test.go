package limpet_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/limpet-http/limpet"
)

// TestBaseURLPathIsAPrefix checks that a base URL's path prefixes every
// relative request path, whether the reference starts with a slash or not,
// and whether the base URL ends with one.
func TestBaseURLPathIsAPrefix(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.URL.RequestURI()))
	}))
	defer srv.Close()
	cases := []struct{ base, ref, want string }{
		{"", "/api/me", "/api/me"},
		{"", "api/me", "/api/me"},
		{"/", "/api/me", "/api/me"},
		{"/app", "/api/me", "/app/api/me"},
		{"/app", "api/me", "/app/api/me"},
		{"/app/", "/api/me", "/app/api/me"},
		{"/app/", "api/me?x=1", "/app/api/me?x=1"},
		{"/app/v1", "../v2/items", "/app/v2/items"},
		{"/app", "/", "/app/"},
		{"/app/a%2Fb", "/c", "/app/a%2Fb/c"},
		{"/app?lang=en", "?page=2", "/app?page=2"},
	}
	for _, c := range cases {
		s, err := limpet.New(limpet.Options{BaseURL: srv.URL + c.base})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := s.Do(context.Background(), &limpet.Request{URL: c.ref})
		if err != nil {
			t.Fatalf("base %q, %q: %v", c.base, c.ref, err)
		}
		got, err := resp.Text()
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("base %q, %q: server saw %q, want %q", c.base, c.ref, got, c.want)
		}
		s.Close()
	}
	// A URL with its own host ignores the base URL's path.
	s, err := limpet.New(limpet.Options{BaseURL: srv.URL + "/app"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, err := s.Do(context.Background(), &limpet.Request{URL: srv.URL + "/root"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := resp.Text(); got != "/root" {
		t.Errorf("absolute URL: server saw %q", got)
	}
}
