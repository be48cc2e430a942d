package limpet_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/limpet-http/limpet"
)

// exampleServer is a tiny session-keeping backend: POST /login with the
// right form sets a session cookie; /api/* needs it.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			if r.PostFormValue("username") == "alice" && r.PostFormValue("password") == "s3cret" {
				http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "F00D", Path: "/", HttpOnly: true})
				http.Redirect(w, r, "/", http.StatusFound)
				return
			}
			http.Redirect(w, r, "/login?error", http.StatusFound)
		case "/api/items":
			if c, err := r.Cookie("JSESSIONID"); err != nil || c.Value != "F00D" {
				http.Error(w, "login first", http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			if r.Method == http.MethodPost {
				w.WriteHeader(http.StatusCreated)
				io.Copy(w, r.Body)
				return
			}
			fmt.Fprint(w, `[{"name":"book","qty":2}]`)
		default:
			fmt.Fprint(w, "home")
		}
	}))
}

// Create a session and send a request; the zero Options is useful.
func ExampleNew() {
	srv := exampleServer()
	defer srv.Close()

	s, err := limpet.New(limpet.Options{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	resp, err := s.Get(context.Background(), "/api/items")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Close()
	fmt.Println(resp.StatusCode)
	// Output: 401
}

// Log in with a form: the session keeps the cookie the server sets, and
// later requests carry it.
func ExampleSession_Post_formLogin() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()

	s, err := limpet.New(limpet.Options{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	resp, err := s.Post(ctx, "/login", limpet.Form(url.Values{"username": {"alice"}, "password": {"s3cret"}}))
	if err != nil {
		log.Fatal(err)
	}
	resp.Close()

	var items []struct {
		Name string `json:"name"`
		Qty  int    `json:"qty"`
	}
	resp, err = s.Get(ctx, "/api/items")
	if err == nil {
		err = resp.CheckStatus()
	}
	if err == nil {
		err = resp.JSON(&items)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d item(s): %s x%d\n", len(items), items[0].Name, items[0].Qty)
	// Output: 1 item(s): book x2
}

// Post JSON and decode the JSON answer.
func ExampleJSON() {
	srv := exampleServer()
	defer srv.Close()
	ctx := context.Background()
	s, err := limpet.New(limpet.Options{BaseURL: srv.URL})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	login, err := s.Post(ctx, "/login", limpet.Form(url.Values{"username": {"alice"}, "password": {"s3cret"}}))
	if err != nil {
		log.Fatal(err)
	}
	login.Close()

	resp, err := s.Post(ctx, "/api/items", limpet.JSON(map[string]any{"name": "pen", "qty": 3}))
	if err != nil {
		log.Fatal(err)
	}
	var created map[string]any
	if err := resp.JSON(&created); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, created["name"], created["qty"])
	// Output: 201 pen 3
}

// A non-2xx status is not an error until CheckStatus makes it one.
func ExampleResponse_CheckStatus() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "login first", http.StatusUnauthorized)
	}))
	defer srv.Close()

	s, err := limpet.New(limpet.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	resp, err := s.Get(context.Background(), srv.URL+"/api/items")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Close()
	if err := resp.CheckStatus(); err != nil {
		var se *limpet.StatusError
		if errors.As(err, &se) {
			fmt.Println(se.StatusCode, string(se.Body))
		}
	}
	// Output: 401 login first
}
