package token_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/token"
)

// oauthServer is a loopback OAuth 2.0 token endpoint that rotates refresh
// tokens (every refresh spends the old one), as some providers do, with a
// resource under /api/ that accepts its opaque access tokens until they
// expire on the shared clock.
type oauthServer struct {
	*httptest.Server
	clock *clock

	mu      sync.Mutex
	access  map[string]time.Time // access token -> expiry
	refresh map[string]bool      // live refresh tokens
	n       int

	grants atomic.Int32 // token endpoint requests
}

func newOAuthServer(t *testing.T, c *clock) *oauthServer {
	o := &oauthServer{clock: c, access: map[string]time.Time{}, refresh: map[string]bool{}}
	o.Server = httptest.NewServer(http.HandlerFunc(o.serve))
	t.Cleanup(o.Close)
	return o
}

// issue makes a token pair; withRefresh adds a refresh token.
func (o *oauthServer) issue(withRefresh bool) map[string]any {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n++
	at := fmt.Sprintf("at-%d", o.n)
	o.access[at] = o.clock.Now().Add(time.Minute)
	out := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": 60}
	if withRefresh {
		rt := fmt.Sprintf("rt-%d", o.n)
		o.refresh[rt] = true
		out["refresh_token"] = rt
	}
	return out
}

func (o *oauthServer) serve(w http.ResponseWriter, r *http.Request) {
	writeJSON := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	switch {
	case r.URL.Path == "/token":
		o.grants.Add(1)
		id, secret, ok := r.BasicAuth()
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		if !ok || id != "cli" || secret != "cli-secret" {
			writeJSON(401, map[string]string{"error": "invalid_client"})
			return
		}
		switch r.PostFormValue("grant_type") {
		case "client_credentials":
			writeJSON(200, o.issue(false))
		case "refresh_token":
			rt := r.PostFormValue("refresh_token")
			o.mu.Lock()
			live := o.refresh[rt]
			delete(o.refresh, rt)
			o.mu.Unlock()
			if !live {
				writeJSON(400, map[string]string{"error": "invalid_grant"})
				return
			}
			writeJSON(200, o.issue(true))
		default:
			writeJSON(400, map[string]string{"error": "unsupported_grant_type"})
		}
	case strings.HasPrefix(r.URL.Path, "/api/"):
		at, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		o.mu.Lock()
		exp, ok := o.access[at]
		o.mu.Unlock()
		if !ok || !o.clock.Now().Before(exp) {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(401)
			return
		}
		fmt.Fprint(w, "ok")
	default:
		http.NotFound(w, r)
	}
}

// revokeAll forgets every refresh token.
func (o *oauthServer) revokeAll() {
	o.mu.Lock()
	clear(o.refresh)
	o.mu.Unlock()
}

func (o *oauthServer) config() *oauth2.Config {
	return &oauth2.Config{ClientID: "cli", ClientSecret: "cli-secret", Endpoint: oauth2.Endpoint{TokenURL: o.URL + "/token"}}
}

// A rotated refresh token is saved, so that the next process refreshes
// with it: the one the program started with was spent.
func TestRefreshingRotationSurvivesTheProcess(t *testing.T) {
	c := newClock()
	o := newOAuthServer(t, c)
	seed := o.issue(true)
	initial := &oauth2.Token{AccessToken: seed["access_token"].(string), RefreshToken: seed["refresh_token"].(string),
		TokenType: "Bearer", Expiry: c.Now().Add(time.Minute)}
	path := filepath.Join(t.TempDir(), "session.json")
	open := func() (*limpet.Session, *token.Authenticator) {
		a := token.Refreshing(o.config(), initial, token.Options{Now: c.Now})
		s, err := limpet.New(limpet.Options{BaseURL: o.URL, Authenticator: a, Store: filestore.Open(path, filestore.Options{})})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, a
	}
	s1, a1 := open()
	if status, _, _ := get(t, s1, "/api/me"); status != 200 || o.grants.Load() != 0 {
		t.Fatalf("the initial token: status %d, grants %d", status, o.grants.Load())
	}
	c.Add(2 * time.Minute)
	// The Session bound itself to the Authenticator at New: the expired
	// token is refreshed before the request, not after a refusal.
	status, _, resp := get(t, s1, "/api/me")
	if status != 200 || o.grants.Load() != 1 || len(resp.Recoveries) != 0 {
		t.Fatalf("first refresh: status %d, grants %d, recoveries %+v", status, o.grants.Load(), resp.Recoveries)
	}
	rotated := a1.Token()
	if rotated.RefreshToken == initial.RefreshToken {
		t.Fatal("the server did not rotate the refresh token")
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	// The next process starts from the same initial token, spent by now.
	s2, a2 := open()
	if got := a2.Token(); got.RefreshToken != rotated.RefreshToken {
		t.Fatalf("restored refresh token %q, want the rotated %q", got.RefreshToken, rotated.RefreshToken)
	}
	if err := s2.Login(t.Context()); err != nil { // valid: no request
		t.Fatal(err)
	}
	c.Add(2 * time.Minute)
	if status, _, resp := get(t, s2, "/api/me"); status != 200 || o.grants.Load() != 2 || len(resp.Recoveries) != 0 {
		t.Fatalf("refresh ahead of the request: status %d, grants %d, recoveries %+v", status, o.grants.Load(), resp.Recoveries)
	}

	// Refresh tokens revoked: nothing else to do but ask for a new login.
	o.revokeAll()
	c.Add(2 * time.Minute)
	_, err := s2.Get(t.Context(), "/api/me")
	var re *oauth2.RetrieveError
	if !errors.Is(err, token.ErrReauthenticate) || !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("want ErrReauthenticate and the invalid_grant RetrieveError, got %v", err)
	}
}

func TestClientCredentialsRenewal(t *testing.T) {
	c := newClock()
	o := newOAuthServer(t, c)
	var seen []string
	var mu sync.Mutex
	hook := func(r *http.Request) error {
		if r.URL.Path == "/token" {
			mu.Lock()
			seen = append(seen, r.Header.Get("Authorization"))
			mu.Unlock()
		}
		return nil
	}
	cfg := &clientcredentials.Config{ClientID: "cli", ClientSecret: "cli-secret", TokenURL: o.URL + "/token", Scopes: []string{"api"}}
	a := token.ClientCredentials(cfg, token.Options{Now: c.Now})
	s := newSession(t, limpet.Options{BaseURL: o.URL, Authenticator: a, OnRequest: []func(*http.Request) error{hook}})
	if status, _, _ := get(t, s, "/api/x"); status != 200 || o.grants.Load() != 1 {
		t.Fatalf("status %d, grants %d", status, o.grants.Load())
	}
	c.Add(45 * time.Second) // inside the 30-second skew of the 60-second token
	if status, _, resp := get(t, s, "/api/x"); status != 200 || o.grants.Load() != 2 || len(resp.Recoveries) != 0 {
		t.Fatalf("status %d, grants %d, recoveries %+v", status, o.grants.Load(), resp.Recoveries)
	}
	if len(seen) != 2 || !strings.HasPrefix(seen[0], "Basic ") {
		t.Fatalf("token requests' Authorization: %q", seen)
	}

	wrong := token.ClientCredentials(&clientcredentials.Config{ClientID: "cli", ClientSecret: "nope", TokenURL: o.URL + "/token"}, token.Options{Now: c.Now})
	s2 := newSession(t, limpet.Options{BaseURL: o.URL, Authenticator: wrong})
	before := o.grants.Load()
	_, err := s2.Get(t.Context(), "/api/x")
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
		t.Fatalf("want invalid_client, got %v", err)
	}
	if o.grants.Load()-before != 1 {
		t.Fatalf("a wrong secret cost %d token requests; want 1 (no second try in the body)", o.grants.Load()-before)
	}
}
