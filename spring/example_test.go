package spring_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/spring"
)

// exampleApp stands in for a Spring Boot application with Spring Security's defaults, as far as a client sees
// them: the login page at /login renders a masked CSRF token kept in the server session; POST /login rotates the
// session and sends the user to / (or to /login?error); the home page renders the new token as meta tags; the
// API answers 401 to anonymous callers; POST needs the token; POST /logout answers 204.
func exampleApp() *httptest.Server {
	type session struct {
		user, token string
	}
	var mu sync.Mutex
	sessions := map[string]*session{}
	newID := func() string {
		b := make([]byte, 16)
		rand.Read(b)
		return hex.EncodeToString(b)
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var sess *session
		if c, err := r.Cookie("JSESSIONID"); err == nil {
			sess = sessions[c.Value]
		}
		start := func() *session {
			id := newID()
			sessions[id] = &session{token: newID()}
			http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: id, Path: "/", HttpOnly: true})
			return sessions[id]
		}
		tokenOK := func() bool {
			v := r.Header.Get("X-CSRF-TOKEN")
			if v == "" {
				v = r.PostFormValue("_csrf")
			}
			raw, err := spring.UnmaskCSRF(v)
			return sess != nil && err == nil && raw == sess.token
		}
		switch {
		case r.URL.Path == "/login" && r.Method == http.MethodGet:
			if sess == nil {
				sess = start()
			}
			fmt.Fprintf(w, `<form method="post" action="/login"><input name="username"><input type="password" name="password">`+
				`<input name="_csrf" type="hidden" value="%s"></form>`, spring.MaskCSRF(sess.token))
		case r.URL.Path == "/login":
			switch {
			case !tokenOK():
				http.Redirect(w, r, "/login", http.StatusFound)
			case r.PostFormValue("username") != "alice" || r.PostFormValue("password") != "s3cret":
				http.Redirect(w, r, "/login?error", http.StatusFound)
			default:
				user := r.PostFormValue("username")
				start().user = user
				http.Redirect(w, r, "/", http.StatusFound)
			}
		case sess == nil || sess.user == "":
			w.Header().Set("WWW-Authenticate", `Basic realm="Realm"`)
			w.WriteHeader(http.StatusUnauthorized)
		case r.URL.Path == "/":
			fmt.Fprintf(w, `<meta name="_csrf" content="%s"><meta name="_csrf_header" content="X-CSRF-TOKEN">`, spring.MaskCSRF(sess.token))
		case r.Method == http.MethodGet && r.URL.Path == "/api/me":
			io.WriteString(w, sess.user)
		case !tokenOK():
			w.WriteHeader(http.StatusForbidden)
		case r.URL.Path == "/logout":
			for id, s := range sessions {
				if s == sess {
					delete(sessions, id)
				}
			}
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusCreated)
		}
	}))
}

// A Session with a form login: the first request the server refuses logs in, POSTs carry the CSRF token, and
// Logout ends the server session.
func Example() {
	app := exampleApp()
	defer app.Close()
	ctx := context.Background()

	login := spring.FormLogin("alice", "s3cret", spring.Options{Probe: "/api/me"})
	s, err := limpet.New(limpet.Options{BaseURL: app.URL, Authenticator: login})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	resp, err := s.Get(ctx, "/api/me")
	if err != nil {
		log.Fatal(err)
	}
	me, _ := resp.Text()
	fmt.Printf("GET /api/me: %d %s (%s, then replayed)\n", resp.StatusCode, me, resp.Recoveries[0].Verdict.Kind)

	resp, err = s.Post(ctx, "/api/orders", limpet.JSON(map[string]string{"item": "limpet"}))
	if err != nil {
		log.Fatal(err)
	}
	resp.Close()
	fmt.Println("POST /api/orders:", resp.StatusCode)

	if err := login.Logout(ctx, s); err != nil {
		log.Fatal(err)
	}
	fmt.Println("logged out")
	// Output:
	// GET /api/me: 200 alice (session expired, then replayed)
	// POST /api/orders: 201
	// logged out
}

// A wrong password is a *spring.LoginError; errors.Is tells the reasons apart.
func ExampleFormLogin_badCredentials() {
	app := exampleApp()
	defer app.Close()

	s, err := limpet.New(limpet.Options{BaseURL: app.URL,
		Authenticator: spring.FormLogin("alice", "wrong", spring.Options{})})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	err = s.Login(context.Background())
	var le *spring.LoginError
	if errors.Is(err, spring.ErrBadCredentials) && errors.As(err, &le) {
		fmt.Println("bad credentials:", le.Status, le.Location)
	}
	// Output: bad credentials: 302 /login?error
}
