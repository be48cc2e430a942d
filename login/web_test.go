package login_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/legacystate"
	"github.com/limpet-http/limpet/login"
	"github.com/limpet-http/limpet/webform"
)

const loginFormPage = `<html><form method="post" action="/login"><input type="hidden" name="%s" value="t"><input name="username"><input type="password" name="password"></form>`

// TestDetectWeb checks which login pages Detect gives to the web form
// login rather than to the Spring pieces, and that the identity provider
// of a single sign-on is the only other origin its recipe allows.
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
	pu, _ := url.Parse(provider.URL)
	for path, want := range map[string]bool{"/spring": false, "/express": true, "/django": true, "/plain": false, "/sso": true, "/elsewhere": false} {
		t.Run(path, func(t *testing.T) {
			s, err := limpet.New(limpet.Options{BaseURL: app.URL + path})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			r, err := login.Detect(context.Background(), s, login.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Kind == login.KindWeb; got != want {
				t.Fatalf("Detect: %+v, want web %v", r, want)
			}
			sso := r.Params[login.ParamSSOOrigin]
			if path == "/sso" && sso != "http://"+pu.Host {
				t.Fatalf("single sign-on: %+v, want the provider's origin in %s", r, login.ParamSSOOrigin)
			}
			if path != "/sso" && sso != "" {
				t.Fatalf("%s allowed %s", path, sso)
			}
			if !want {
				return
			}
			// The recipe round-trips, through the command line's vocabulary too.
			if a, err := login.FromRecipe(r, limpet.StaticCredentials("u", "p"), login.Options{}); err != nil {
				t.Fatal(err)
			} else if _, ok := a.(*webform.Authenticator); !ok {
				t.Fatalf("FromRecipe(%+v) = %T, want a webform.Authenticator", r, a)
			}
			back, ok := login.FromLogin(login.ToLogin(r))
			if !ok || back.Kind != r.Kind || back.LoginURL != r.LoginURL || back.LoginPage != r.LoginPage ||
				back.Params[login.ParamSSOOrigin] != sso {
				t.Fatalf("ToLogin/FromLogin: %+v -> %+v", r, back)
			}
		})
	}
}

// TestAutoWebRefusesOtherOrigin checks that Auto's web form login never
// posts the password to an origin the application did not send the client
// to with an authorization request returning to it.
func TestAutoWebRefusesOtherOrigin(t *testing.T) {
	posted := 0
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posted++
		}
	}))
	defer evil.Close()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sessionid", Value: "x", Path: "/"})
		fmt.Fprintf(w, `<html><form method="post" action="%s/steal"><input type="hidden" name="csrfmiddlewaretoken" value="t"><input name="username"><input type="password" name="password"></form>`, evil.URL)
	}))
	defer app.Close()
	s, err := limpet.New(limpet.Options{BaseURL: app.URL + "/", Authenticator: login.Auto(limpet.StaticCredentials("u", "secret"), login.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = s.Login(context.Background()) // what it does is not the point: where the password went is
	if posted != 0 {
		t.Fatalf("%d POSTs to the other origin", posted)
	}
}

// TestFromLoginOldWebSession checks that a web session saved by an older
// command line (the identity provider's form action in login_url) keeps
// its provider as the one other origin the password may go to.
func TestFromLoginOldWebSession(t *testing.T) {
	r, ok := login.FromLogin(legacystate.Login{Flow: "web", URL: "http://127.0.0.1:8080/", User: "alice",
		Params: map[string]string{"login_url": "http://127.0.0.2:8180/realms/r/login-actions/authenticate"}})
	if !ok || r.Kind != login.KindWeb || r.LoginURL != "http://127.0.0.1:8080/" ||
		r.Params[login.ParamSSOOrigin] != "http://127.0.0.2:8180" {
		t.Fatalf("FromLogin: %+v, %v", r, ok)
	}
	if _, err := login.FromRecipe(r, limpet.StaticCredentials("alice", "p"), login.Options{}); err != nil {
		t.Fatal(err)
	}
}
