package limpet_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/limpet-http/limpet"
)

// apiAuth sends requests under /api/ with their own credentials and
// without the jar (SendWithoutJar); it never recovers.
type apiAuth struct{}

func (apiAuth) Prepare(_ limpet.Env, req *http.Request) error {
	if strings.HasPrefix(req.URL.Path, "/api/") {
		req.Header.Set("Authorization", "Basic dTpw")
		limpet.SendWithoutJar(req)
	}
	return nil
}

func (apiAuth) Check(*http.Request, *limpet.Response) limpet.Verdict { return limpet.Verdict{} }

func (apiAuth) Recover(context.Context, limpet.Env, limpet.Verdict) error { return nil }

// TestSendWithoutJar checks that a request marked by SendWithoutJar leaves
// without the jar's cookies, its redirect too, and that the cookies of its
// answers stay out of the jar, while other requests keep the session.
func TestSendWithoutJar(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			http.SetCookie(w, &http.Cookie{Name: "SESSION", Value: "form", Path: "/"})
		case "/api/old":
			http.SetCookie(w, &http.Cookie{Name: "SESSION", Value: "api-redirect", Path: "/"})
			http.Redirect(w, r, "/api/new", http.StatusFound)
			return
		case "/api/new":
			http.SetCookie(w, &http.Cookie{Name: "SESSION", Value: "api", Path: "/"})
		}
		w.Write([]byte("cookie=" + r.Header.Get("Cookie")))
	}))
	defer srv.Close()
	s := newSession(t, limpet.Options{BaseURL: srv.URL, Authenticator: apiAuth{}})
	ctx := context.Background()
	get := func(path string) string {
		t.Helper()
		resp, err := s.Get(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		text, err := resp.Text()
		if err != nil {
			t.Fatal(err)
		}
		return text
	}
	get("/login")
	if got := get("/api/old"); got != "cookie=" {
		t.Errorf("a request under /api/ (after a redirect) carried %q, want no cookie", got)
	}
	if got := get("/page"); got != "cookie=SESSION=form" {
		t.Errorf("the session's request carried %q, want the login's cookie, untouched by the /api/ answers", got)
	}
}
