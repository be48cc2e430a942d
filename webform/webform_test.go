package webform_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/webform"
)

// app is a small web application with a Laravel-like login: a page with
// several forms, a hidden _token bound to the session, a new session and
// token at login, 419 for a refused token, and a redirect to /login for an
// anonymous visitor.
type app struct {
	mu         sync.Mutex
	sessions   map[string]*sess
	count      int
	loginPosts int
	logins     int
	wrongAgain bool   // a wrong password answers the form again (200) instead of a redirect to /login
	postTo     string // the login form's action, when not the default
	staleLogin int    // this many login POSTs are refused for their token (419), as if the session had ended in between
}

type sess struct{ user, token string }

func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (a *app) session(w http.ResponseWriter, r *http.Request) *sess {
	if c, err := r.Cookie("sid"); err == nil {
		if s, ok := a.sessions[c.Value]; ok {
			return s
		}
	}
	return a.newSession(w, "")
}

func (a *app) newSession(w http.ResponseWriter, user string) *sess {
	id := newID()
	s := &sess{user: user, token: newID()}
	a.sessions[id] = s
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: id, Path: "/", HttpOnly: true})
	return s
}

func (a *app) loginPage(w http.ResponseWriter, s *sess, status int) {
	action := a.postTo
	if action == "" {
		action = "/login?x=1&amp;y=2"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html><title>Sign in</title>
<form action="/search"><input name="q"><input type="submit"></form>
<form id="signup" method="post" action="/signup"><input name="name"><input type="password" name="p1"><input type="password" name="p2"></form>
<form id="login" method="post" action="%s">
<input type="hidden" name="_token" value="%s">
<input type="text" name="nickname">
<input type="email" name="email" autocomplete="username">
<input type="password" name="pw">
<input type="checkbox" name="remember"><button name="go" value="in">Sign in</button><button name="go" value="reset">Forgot</button></form>`, action, s.token)
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.session(w, r)
	tokenOK := func() bool {
		_ = r.ParseForm()
		t := r.PostForm.Get("_token")
		if t == "" {
			t = r.Header.Get("X-CSRF-TOKEN")
		}
		return t != "" && t == s.token
	}
	switch {
	case r.URL.Path == "/login" && r.Method == http.MethodGet:
		a.loginPage(w, s, 200)
	case r.URL.Path == "/api/session" && r.Method != http.MethodPost:
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
	case (r.URL.Path == "/login" || r.URL.Path == "/api/session") && r.Method == http.MethodPost:
		a.loginPosts++
		if r.URL.Query().Get("x") != "1" || r.URL.Query().Get("y") != "2" {
			http.Error(w, "bad action", 400)
			return
		}
		if !tokenOK() || a.staleLogin > 0 {
			a.staleLogin--
			http.Error(w, "Page Expired", 419)
			return
		}
		if r.PostForm.Get("go") != "in" {
			http.Error(w, "which button?", http.StatusBadRequest)
			return
		}
		if r.PostForm.Get("email") != "alice@example.com" || r.PostForm.Get("pw") != "pw&1" || r.PostForm.Get("nickname") != "" {
			if a.wrongAgain {
				a.loginPage(w, s, 200)
				return
			}
			http.Redirect(w, r, "/login", http.StatusFound)
			return
		}
		a.logins++
		a.newSession(w, "alice")
		if r.URL.Path == "/api/session" {
			fmt.Fprint(w, `{"ok":true}`) // a login API answering the form with JSON
			return
		}
		http.Redirect(w, r, "/home", http.StatusFound)
	case s.user == "":
		if r.Header.Get("Accept") == "application/json" {
			http.Error(w, "{}", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, "/login", http.StatusFound)
	case r.URL.Path == "/home":
		fmt.Fprintf(w, `<html><head><meta name="csrf-token" content="%s"></head><body>Hello %s</body></html>`, s.token, s.user)
	case r.URL.Path == "/account":
		fmt.Fprint(w, `<html><form method="post" action="/account/password"><input name="user" value="alice"><input type="password" name="old"><input type="password" name="new"></form>`)
	case r.URL.Path == "/forward":
		a.loginPage(w, s, 200) // the login form served in place of the page, as a server-side forward does
	case r.URL.Path == "/forbidden" && r.Method == http.MethodPost:
		if !tokenOK() {
			http.Error(w, "Page Expired", 419)
			return
		}
		a.count++
		http.Error(w, `{"error":"not yours"}`, http.StatusForbidden)
	case r.URL.Path == "/count" && r.Method == http.MethodPost:
		if !tokenOK() {
			http.Error(w, "Page Expired", 419)
			return
		}
		a.count++
		fmt.Fprintf(w, `{"count":%d}`, a.count)
	default:
		http.NotFound(w, r)
	}
}

func (a *app) expireAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sessions = map[string]*sess{}
}

func (a *app) counts() (count, posts, logins int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.count, a.loginPosts, a.logins
}

func startApp(t *testing.T) (*app, *httptest.Server) {
	a := &app{sessions: map[string]*sess{}}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return a, srv
}

func session(t *testing.T, auth limpet.Authenticator) *limpet.Session {
	s, err := limpet.New(limpet.Options{Authenticator: auth})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestLoginPicksTheFormAndKeepsTheToken(t *testing.T) {
	a, srv := startApp(t)
	s := session(t, webform.Login(srv.URL+"/home", "alice@example.com", "pw&1", webform.Options{}))
	if err := s.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, err := s.Get(context.Background(), srv.URL+"/home")
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := resp.Text(); !strings.Contains(body, "Hello alice") {
		t.Fatalf("GET /home after login: %d %s", resp.StatusCode, body)
	}
	if _, posts, logins := a.counts(); posts != 1 || logins != 1 {
		t.Fatalf("%d login POSTs, %d logins; want 1 and 1", posts, logins)
	}
	// The token rotated at login: the page's new one goes with a form and a JSON POST.
	for _, body := range []limpet.Body{limpet.Form(url.Values{"n": {"1"}}), limpet.JSON(map[string]int{"n": 1})} {
		resp, err := s.Post(context.Background(), srv.URL+"/count", body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Close()
		if resp.StatusCode != 200 || len(resp.Recoveries) != 0 {
			t.Fatalf("POST /count: %d, recoveries %v", resp.StatusCode, resp.Recoveries)
		}
	}
}

func TestWrongPasswordAfterOnePost(t *testing.T) {
	for _, again := range []bool{false, true} {
		t.Run(fmt.Sprintf("form-again=%v", again), func(t *testing.T) {
			a, srv := startApp(t)
			a.wrongAgain = again
			s := session(t, webform.Login(srv.URL+"/login", "alice@example.com", "wrong", webform.Options{}))
			err := s.Login(context.Background())
			if !errors.Is(err, webform.ErrBadCredentials) || !strings.Contains(err.Error(), srv.URL+"/login") {
				t.Fatalf("login with a wrong password: %v, want ErrBadCredentials naming the login page", err)
			}
			if strings.Contains(err.Error(), "wrong") {
				t.Errorf("the error shows the password: %v", err)
			}
			if _, posts, _ := a.counts(); posts != 1 {
				t.Fatalf("%d login POSTs, want 1", posts)
			}
		})
	}
}

func TestExpiryReplaysThePostOnce(t *testing.T) {
	a, srv := startApp(t)
	s := session(t, webform.Login(srv.URL+"/login", "alice@example.com", "pw&1", webform.Options{}))
	ctx := context.Background()
	if err := s.Login(ctx); err != nil {
		t.Fatal(err)
	}
	a.expireAll()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := s.Post(ctx, srv.URL+"/count", limpet.Form(url.Values{"n": {"1"}}))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Close()
			if resp.StatusCode != 200 {
				t.Errorf("POST /count after expiry: %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if count, _, logins := a.counts(); count != 4 || logins != 2 {
		t.Fatalf("count %d, logins %d; want 4 POSTs run once each and one new login", count, logins)
	}
}

func TestPasswordStaysAtItsOrigin(t *testing.T) {
	var posted sync.Map
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posted.Store(r.Method+" "+r.URL.Path, true)
	}))
	defer other.Close()
	a, srv := startApp(t)
	a.postTo = other.URL + "/collect"
	s := session(t, webform.Login(srv.URL+"/login", "alice@example.com", "pw&1", webform.Options{}))
	err := s.Login(context.Background())
	if err == nil || !strings.Contains(err.Error(), "another origin") {
		t.Fatalf("login whose form posts elsewhere: %v, want a refusal", err)
	}
	if _, ok := posted.Load("POST /collect"); ok {
		t.Fatal("the password was posted to another origin")
	}
}

// provider is an identity provider's authorization endpoint with a login
// form; app redirects anonymous visitors to it and takes the code back.
func TestSingleSignOn(t *testing.T) {
	var mu sync.Mutex
	providerSessions, appSessions := map[string]bool{}, map[string]bool{}
	passwordPosts, codes := 0, map[string]bool{}
	var appURL string
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		q := r.URL.Query()
		back := func() {
			c := newID()
			codes[c] = true
			http.Redirect(w, r, q.Get("redirect_uri")+"?code="+c+"&state="+q.Get("state"), http.StatusFound)
		}
		switch {
		case r.URL.Path == "/auth" && r.Method == http.MethodGet:
			if c, err := r.Cookie("idp"); err == nil && providerSessions[c.Value] {
				back()
				return
			}
			fmt.Fprintf(w, `<html><form id="kc-form-login" method="post" action="/authenticate?%s"><input name="username"><input type="password" name="password"></form>`,
				strings.ReplaceAll(r.URL.RawQuery, "&", "&amp;"))
		case r.URL.Path == "/authenticate":
			passwordPosts++
			_ = r.ParseForm()
			if r.PostForm.Get("username") != "alice" || r.PostForm.Get("password") != "pw" || q.Get("client_id") != "app" {
				fmt.Fprint(w, `<html><form method="post" action="/authenticate"><input name="username"><input type="password" name="password"></form>`)
				return
			}
			id := newID()
			providerSessions[id] = true
			http.SetCookie(w, &http.Cookie{Name: "idp", Value: id, Path: "/"})
			back()
		}
	}))
	defer provider.Close()
	appSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/callback":
			if !codes[r.URL.Query().Get("code")] {
				http.Error(w, "bad code", 400)
				return
			}
			id := newID()
			appSessions[id] = true
			http.SetCookie(w, &http.Cookie{Name: "app", Value: id, Path: "/"})
			http.Redirect(w, r, "/", http.StatusFound)
		case "/":
			if c, err := r.Cookie("app"); err == nil && appSessions[c.Value] {
				fmt.Fprint(w, "<html>Hello alice</html>")
				return
			}
			http.Redirect(w, r, provider.URL+"/auth?"+url.Values{"client_id": {"app"}, "response_type": {"code"},
				"state": {"s"}, "redirect_uri": {appURL + "/callback"}}.Encode(), http.StatusFound)
		}
	}))
	defer appSrv.Close()
	appURL = appSrv.URL

	for _, follow := range []bool{true, false} {
		t.Run(fmt.Sprintf("follow=%v", follow), func(t *testing.T) {
			mu.Lock()
			clear(appSessions)
			clear(providerSessions)
			passwordPosts = 0
			mu.Unlock()
			o := limpet.Options{Authenticator: webform.Login(appSrv.URL+"/", "alice", "pw", webform.Options{})}
			if !follow {
				o.MaxRedirects = limpet.NoRedirects // as the command line sends
			}
			s, err := limpet.New(o)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ssoSteps(t, s, appSrv.URL, &mu, appSessions, providerSessions, &passwordPosts)
		})
	}
}

func ssoSteps(t *testing.T, s *limpet.Session, appURL string, mu *sync.Mutex, appSessions, providerSessions map[string]bool, passwordPosts *int) {
	ctx := context.Background()
	appSrv := struct{ URL string }{appURL}
	get := func() string {
		t.Helper()
		resp, err := s.Get(ctx, appSrv.URL+"/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := resp.Text()
		return body
	}
	posts := func() int {
		mu.Lock()
		defer mu.Unlock()
		return *passwordPosts
	}
	if err := s.Login(ctx); err != nil {
		t.Fatal(err)
	}
	if body := get(); body != "<html>Hello alice</html>" {
		t.Fatalf("after the login: %q", body)
	}
	mu.Lock()
	clear(appSessions)
	mu.Unlock()
	if body := get(); body != "<html>Hello alice</html>" || posts() != 1 {
		t.Fatalf("after the application's session ended: %q, %d password posts (want 1: the provider's session lives)", body, posts())
	}
	mu.Lock()
	clear(appSessions)
	clear(providerSessions)
	mu.Unlock()
	if body := get(); body != "<html>Hello alice</html>" || posts() != 2 {
		t.Fatalf("after both sessions ended: %q, %d password posts (want 2)", body, posts())
	}

}

func TestRefusedLoginTokenIsReadAgainOnce(t *testing.T) {
	for _, stale := range []int{1, 2} {
		t.Run(fmt.Sprint(stale), func(t *testing.T) {
			a, srv := startApp(t)
			a.staleLogin = stale
			s := session(t, webform.Login(srv.URL+"/login", "alice@example.com", "pw&1", webform.Options{}))
			err := s.Login(context.Background())
			_, posts, logins := a.counts()
			if stale == 1 && (err != nil || posts != 2 || logins != 1) {
				t.Fatalf("one refused token: %v, %d POSTs, %d logins; want a login on the second POST", err, posts, logins)
			}
			if stale == 2 && (err == nil || errors.Is(err, webform.ErrBadCredentials) || posts != 2) {
				t.Fatalf("two refused tokens: %v after %d POSTs; want a CSRF error after 2", err, posts)
			}
		})
	}
}

func TestForbiddenWithTheCurrentTokenIsNotReplayed(t *testing.T) {
	a, srv := startApp(t)
	s := session(t, webform.Login(srv.URL+"/login", "alice@example.com", "pw&1", webform.Options{}))
	if err := s.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, err := s.Post(context.Background(), srv.URL+"/forbidden", limpet.Form(url.Values{"n": {"1"}}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	if count, _, logins := a.counts(); resp.StatusCode != http.StatusForbidden || count != 1 || logins != 1 || len(resp.Recoveries) != 0 {
		t.Fatalf("403 of the application: %d, ran %d times, %d logins, recoveries %v; want it returned as it is",
			resp.StatusCode, count, logins, resp.Recoveries)
	}
}

func TestNoPasswordToAProviderTheApplicationDidNotSendUsTo(t *testing.T) {
	var posts int
	var mu sync.Mutex
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPost {
			posts++
			return
		}
		fmt.Fprint(w, `<html><form method="post" action="/authenticate"><input name="username"><input type="password" name="password"></form>`)
	}))
	defer provider.Close()
	for name, redirectURI := range map[string]string{
		"redirect_uri elsewhere": "http://127.0.0.1:1/callback",
		"no authorization":       "",
	} {
		t.Run(name, func(t *testing.T) {
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				q := url.Values{}
				if redirectURI != "" {
					q = url.Values{"client_id": {"app"}, "response_type": {"code"}, "redirect_uri": {redirectURI}}
				}
				http.Redirect(w, r, provider.URL+"/auth?"+q.Encode(), http.StatusFound)
			}))
			defer app.Close()
			s := session(t, webform.Login(app.URL+"/", "alice", "pw", webform.Options{}))
			if err := s.Login(context.Background()); err == nil || !strings.Contains(err.Error(), "another origin") {
				t.Fatalf("login: %v, want a refusal", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if posts != 0 {
				t.Fatalf("the password went to the provider %d times", posts)
			}
		})
	}
}

func TestLoginFormInPlaceOfThePage(t *testing.T) {
	a, srv := startApp(t)
	s := session(t, webform.Login(srv.URL+"/login", "alice@example.com", "pw&1", webform.Options{}))
	ctx := context.Background()
	if err := s.Login(ctx); err != nil {
		t.Fatal(err)
	}
	// A page with a password form of its own is not the login form.
	resp, err := s.Get(ctx, srv.URL+"/account")
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	if _, _, logins := a.counts(); resp.StatusCode != 200 || len(resp.Recoveries) != 0 || logins != 1 {
		t.Fatalf("GET /account: %d, recoveries %v, %d logins; want no new login", resp.StatusCode, resp.Recoveries, logins)
	}
	// The login form itself, served with 200 in place of a page, is: the session is gone.
	_, err = s.Get(ctx, srv.URL+"/forward")
	var ae *limpet.AuthError
	if !errors.As(err, &ae) || !errors.Is(err, limpet.ErrNotRecovered) {
		t.Fatalf("GET /forward: %v, want a recovery that did not help (the page always shows the login form)", err)
	}
	if _, _, logins := a.counts(); logins != 2 {
		t.Fatalf("%d logins, want 2", logins)
	}
}

func TestLoginAnsweredWithJSON(t *testing.T) {
	a, srv := startApp(t)
	a.postTo = "/api/session?x=1&amp;y=2"
	s := session(t, webform.Login(srv.URL+"/login", "alice@example.com", "pw&1", webform.Options{}))
	ctx := context.Background()
	if err := s.Login(ctx); err != nil {
		t.Fatal(err)
	}
	// The token is read from a page (the login page, now with the new session's token), not from the login API.
	resp, err := s.Post(ctx, srv.URL+"/count", limpet.Form(url.Values{"n": {"1"}}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	if count, _, logins := a.counts(); resp.StatusCode != 200 || count != 1 || logins != 1 {
		t.Fatalf("POST /count: %d, count %d, logins %d", resp.StatusCode, count, logins)
	}
}
