package token_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/token"
)

// An API with a JWT login endpoint: the Session logs in when the API first
// answers 401, sends the token as a bearer token, and renews it before it
// expires.
func ExampleJWTLogin() {
	key := []byte("example-key-0123456789abcdef0123")
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/login":
			var creds struct{ Username, Password string }
			json.NewDecoder(r.Body).Decode(&creds)
			if creds.Password != "s3cret" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
				"sub": creds.Username, "exp": time.Now().Add(time.Hour).Unix(),
			}).SignedString(key)
			json.NewEncoder(w).Encode(map[string]string{"token": tok})
		case "/api/me":
			raw, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			t, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return key, nil })
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			sub, _ := t.Claims.GetSubject()
			fmt.Fprint(w, sub)
		}
	}))
	defer api.Close()

	a := token.JWTLogin("/api/login", "alice", "s3cret", token.JWTOptions{})
	s, err := limpet.New(limpet.Options{BaseURL: api.URL, Authenticator: a})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	resp, err := s.Get(context.Background(), "/api/me")
	if err != nil {
		panic(err)
	}
	me, _ := resp.Text()
	fmt.Println(resp.StatusCode, me)
	fmt.Println("logged in on the way:", len(resp.Recoveries) == 1 && resp.Recoveries[0].Replayed)
	fmt.Println("expires in about an hour:", time.Until(a.Token().Expiry).Round(time.Hour))
	// Output:
	// 200 alice
	// logged in on the way: true
	// expires in about an hour: 1h0m0s
}

// A service account of an OAuth 2.0 authorization server: the client id
// and secret are form-encoded into the Basic credentials, as the server
// decodes them.
func ExampleClientCredentials() {
	as := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth2/token" {
			id, secret, _ := r.BasicAuth()
			fmt.Printf("the server got %s:%s\n", id, secret)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token":"at-1","token_type":"Bearer","expires_in":299}`)
			return
		}
		fmt.Fprint(w, r.Header.Get("Authorization"))
	}))
	defer as.Close()

	a := token.ClientCredentials(&clientcredentials.Config{
		ClientID: "c1", ClientSecret: "a+b:c", TokenURL: as.URL + "/oauth2/token", Scopes: []string{"api"},
	}, token.Options{})
	s, err := limpet.New(limpet.Options{BaseURL: as.URL, Authenticator: a})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	if err := s.Login(context.Background()); err != nil {
		panic(err)
	}
	resp, err := s.Get(context.Background(), "/api/whoami")
	if err != nil {
		panic(err)
	}
	sent, _ := resp.Text()
	fmt.Println("sent:", sent)
	// Output:
	// the server got c1:a%2Bb%3Ac
	// sent: Bearer at-1
}

func ExampleParseChallenges() {
	cs, err := token.ParseChallenges([]string{
		`Bearer error="invalid_token", error_description="Jwt expired at 2025-06-01T10:00:00Z"`,
	})
	if err != nil {
		panic(err)
	}
	c, _ := token.Find(cs, "bearer")
	fmt.Println(c.Params["error"], "/", c.Params["error_description"])
	// Output: invalid_token / Jwt expired at 2025-06-01T10:00:00Z
}
