package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/htmlform"
)

const loginFormPage = `<html><form method="post" action="/login"><input type="hidden" name="%s" value="t"><input name="username"><input type="password" name="password"></form>`

// TestDetectWeb checks which login pages the web form login takes from
// the Spring flow.
func TestDetectWeb(t *testing.T) {
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><form method="post" action="/authenticate?session_code=1&amp;tab_id=2"><input name="username"><input type="password" name="password"></form>`)
	}))
	defer provider.Close()
	var appURL string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/spring":
			http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "x", Path: "/"})
			fmt.Fprintf(w, loginFormPage, "_csrf")
		case "/express":
			http.SetCookie(w, &http.Cookie{Name: "connect.sid", Value: "x", Path: "/"})
			fmt.Fprintf(w, loginFormPage, "_csrf")
		case "/django":
			fmt.Fprintf(w, loginFormPage, "csrfmiddlewaretoken")
		case "/plain":
			fmt.Fprintf(w, loginFormPage, "_csrf")
		case "/sso":
			http.Redirect(w, r, provider.URL+"/auth?"+url.Values{"client_id": {"app"}, "response_type": {"code"},
				"redirect_uri": {appURL + "/callback"}}.Encode(), http.StatusFound)
		case "/elsewhere":
			http.Redirect(w, r, provider.URL+"/auth?"+url.Values{"client_id": {"app"}, "response_type": {"code"},
				"redirect_uri": {"http://127.0.0.1:1/callback"}}.Encode(), http.StatusFound)
		}
	}))
	defer app.Close()
	appURL = app.URL
	for path, want := range map[string]bool{"/spring": false, "/express": true, "/django": true, "/plain": false, "/sso": true, "/elsewhere": false} {
		t.Run(path, func(t *testing.T) {
			s, err := limpet.New(limpet.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			target, _ := url.Parse(app.URL + path)
			resp, err := s.Get(context.Background(), target.String())
			if err != nil {
				t.Fatal(err)
			}
			body, _ := resp.Text()
			p, _ := htmlform.Parse(strings.NewReader(body))
			form, ok := p.LoginForm()
			if !ok {
				t.Fatalf("no form at %s", path)
			}
			allowed := origins{}
			allowed.add(target.String())
			params, got := detectWeb(s, target, resp, p, form, allowed)
			if got != want {
				t.Fatalf("detectWeb: %v, want %v", got, want)
			}
			pu, _ := url.Parse(provider.URL)
			if path == "/sso" {
				if !allowed[origin(pu)] || !strings.HasPrefix(params["login_url"], provider.URL+"/authenticate") {
					t.Fatalf("single sign-on: allowed %v, params %v; want the provider's origin allowed", allowed, params)
				}
			} else if allowed[origin(pu)] {
				t.Fatalf("the provider's origin was allowed for %s", path)
			}
		})
	}
}
