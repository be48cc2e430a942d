package webform_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/webform"
)

// TestTokensInAChain uses the CSRF piece alone (limpet.Chain without a
// login) against an application whose token lives in the session and is
// shown in a meta tag, as csrf-sync and Rails do: the token is read before
// the first POST, and read again, with one replay, after the server
// replaced it.
func TestTokensInAChain(t *testing.T) {
	var mu sync.Mutex
	tokens := map[string]string{} // session id -> token
	runs := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		sid := ""
		if c, err := r.Cookie("sid"); err == nil && tokens[c.Value] != "" {
			sid = c.Value
		} else {
			sid = newID()
			tokens[sid] = newID()
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/"})
		}
		switch {
		case r.URL.Path == "/form":
			fmt.Fprintf(w, `<html><head><meta name="csrf-token" content="%s"></head></html>`, tokens[sid])
		case r.URL.Path == "/rotate":
			tokens[sid] = newID()
		case r.URL.Path == "/submit" && r.Method == http.MethodPost:
			if r.Header.Get("X-CSRF-Token") != tokens[sid] {
				http.Error(w, "invalid csrf token", http.StatusForbidden)
				return
			}
			runs++
		}
	}))
	defer srv.Close()
	s, err := limpet.New(limpet.Options{Authenticator: limpet.Chain(nil, webform.CSRF(srv.URL+"/form", nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	post := func() *limpet.Response {
		t.Helper()
		resp, err := s.Post(ctx, srv.URL+"/submit", limpet.Form(url.Values{"a": {"1"}}))
		if err != nil {
			t.Fatal(err)
		}
		resp.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST /submit: %d", resp.StatusCode)
		}
		return resp
	}
	if resp := post(); len(resp.Recoveries) != 0 {
		t.Fatalf("the first POST needed a recovery: %v", resp.Recoveries)
	}
	if _, err := s.Get(ctx, srv.URL+"/rotate"); err != nil {
		t.Fatal(err)
	}
	if resp := post(); len(resp.Recoveries) != 1 || !resp.Recoveries[0].Replayed {
		t.Fatalf("after the server replaced the token: recoveries %v, want one replay", resp.Recoveries)
	}
	mu.Lock()
	defer mu.Unlock()
	if runs != 2 {
		t.Fatalf("the POSTs ran %d times, want 2", runs)
	}
}
