package token_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/testserver/springserver"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/token"
)

func TestMain(m *testing.M) { os.Exit(springserver.Main(m)) }

// offsetClock is the wall clock moved by a settable offset: the Spring
// fixture issues tokens on the wall clock, and the client's view of time
// is moved past their expiry without sleeping.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *offsetClock) Add(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// tokenRequests counts a Session's requests to a path, as seen on the way
// out.
type tokenRequests struct {
	path  string
	n     atomic.Int32
	mu    sync.Mutex
	basic []string // the Authorization headers sent
}

func (tr *tokenRequests) hook(r *http.Request) error {
	if r.URL.Path == tr.path {
		tr.n.Add(1)
		tr.mu.Lock()
		tr.basic = append(tr.basic, r.Header.Get("Authorization"))
		tr.mu.Unlock()
	}
	return nil
}

// TestSpring runs S21-S23 of interop/spring/README.md against the real Spring
// fixture, on both Boot versions.
func TestSpring(t *testing.T) {
	for _, version := range springserver.Versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			t.Run("S21 JWT login against the resource server", func(t *testing.T) { testS21(t, springserver.Start(t, version, "jwt")) })
			t.Run("S22 client credentials and the secret's encoding", func(t *testing.T) { testS22(t, springserver.Start(t, version, "as")) })
			t.Run("S23 authorization code with PKCE, refresh and invalid_grant", func(t *testing.T) { testS23(t, springserver.Start(t, version, "as")) })
		})
	}
}

// testKey reads the private half of the key the fixture's resource server
// trusts.
func testKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "interop", "spring", "testdata", "jwt-private.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("jwt-private.pem: no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key.(*rsa.PrivateKey)
}

// loginEndpoint is a loopback JWT login endpoint that signs with the key
// the fixture trusts; next says which token each login gets.
type loginEndpoint struct {
	*httptest.Server
	logins atomic.Int32
	mu     sync.Mutex
	next   []string // tokens handed out in order; the last one repeats
}

func newLoginEndpoint(t *testing.T, tokens ...string) *loginEndpoint {
	e := &loginEndpoint{next: tokens}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var creds map[string]string
		if err := json.NewDecoder(r.Body).Decode(&creds); err != nil || creds["username"] != "alice" || creds["password"] != "pw" {
			http.Error(w, `{"error":"bad credentials"}`, http.StatusUnauthorized)
			return
		}
		n := int(e.logins.Add(1)) - 1
		e.mu.Lock()
		tok := e.next[min(n, len(e.next)-1)]
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if tok == "" {
			io.WriteString(w, `{"message":"welcome"}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"token": tok})
	}))
	t.Cleanup(e.Close)
	return e
}

func mintRS256(t *testing.T, key *rsa.PrivateKey, exp time.Time) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": "alice", "iat": exp.Add(-5 * time.Minute).Unix(), "exp": exp.Unix()}).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testS21(t *testing.T, srv *springserver.Server) {
	key := testKey(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	valid := mintRS256(t, key, now.Add(5*time.Minute))
	expired := mintRS256(t, key, now.Add(-120*time.Second)) // beyond the server's 60-second skew
	forged := mintRS256(t, other, now.Add(5*time.Minute))
	tests := []struct {
		name       string
		tokens     []string // what the login endpoint hands out, in order
		clockBack  time.Duration
		wantLogins int32
		wantReason string // prefix of the recovery's reason; "" for none
		wantErr    error
	}{
		{"valid", []string{valid}, 0, 1, "", nil},
		// The client's clock is behind, so it takes the expired token for
		// valid and sends it: the server's refusal brings one new login.
		{"expired", []string{expired, valid}, 10 * time.Minute, 2,
			"401 invalid_token: An error occurred while attempting to decode the Jwt: Jwt expired at ", nil},
		{"malformed", []string{"not a token!", valid}, 0, 2, "401 invalid_token: Bearer token is malformed", nil},
		{"signed by another key", []string{forged}, 0, 2, "", limpet.ErrNotRecovered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLoginEndpoint(t, tt.tokens...)
			c := &offsetClock{offset: -tt.clockBack}
			a := token.JWTLogin(e.URL+"/login", "alice", "pw", token.JWTOptions{Options: token.Options{Now: c.Now, Origins: []string{srv.URL}}})
			s := newSession(t, limpet.Options{BaseURL: srv.URL, Authenticator: a})
			if err := s.Login(t.Context()); err != nil {
				t.Fatal(err)
			}
			resp, err := s.Get(t.Context(), "/api/me")
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("want %v, got %v", tt.wantErr, err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				body, _ := resp.Text()
				r := resp.Recoveries
				if resp.StatusCode != 200 || body != "alice" || (tt.wantReason == "") != (len(r) == 0) ||
					len(r) > 0 && (!r[0].Replayed || !strings.HasPrefix(r[0].Verdict.Reason, tt.wantReason)) {
					t.Fatalf("status %d, recoveries %+v; want 200 and reason %q", resp.StatusCode, r, tt.wantReason)
				}
			}
			if e.logins.Load() != tt.wantLogins {
				t.Fatalf("logins %d, want %d", e.logins.Load(), tt.wantLogins)
			}
		})
	}

	// A bearer POST needs no CSRF token; refused as expired, it is replayed
	// after the new login and runs once. (A malformed token is not
	// resolved, so Spring applies CSRF to that POST and answers a plain
	// "Bearer" 401: still a refusal, still replayed once.)
	for _, tc := range []struct {
		name   string
		tokens []string
		back   time.Duration
	}{{"expired", []string{expired, valid}, 10 * time.Minute}, {"malformed", []string{"not a token!", valid}, 0}} {
		t.Run(tc.name+" POST runs once", func(t *testing.T) {
			e := newLoginEndpoint(t, tc.tokens...)
			c := &offsetClock{offset: -tc.back}
			s := newSession(t, limpet.Options{BaseURL: srv.URL, Authenticator: token.JWTLogin(e.URL+"/login", "alice", "pw", token.JWTOptions{Options: token.Options{Now: c.Now}})})
			if err := s.Login(t.Context()); err != nil {
				t.Fatal(err)
			}
			b := make([]byte, 6)
			rand.Read(b)
			key := "s21-" + srv.Version + "-" + tc.name + "-" + base64.RawURLEncoding.EncodeToString(b) // fresh in a shared JVM
			resp, err := s.Post(t.Context(), "/api/echo?key="+key, limpet.JSON(map[string]int{"n": 1}))
			if err != nil {
				t.Fatal(err)
			}
			resp.Close()
			if resp.StatusCode != 200 || len(resp.Recoveries) != 1 || !resp.Recoveries[0].Replayed || e.logins.Load() != 2 {
				t.Fatalf("status %d, recoveries %+v, logins %d", resp.StatusCode, resp.Recoveries, e.logins.Load())
			}
			if n := echoCount(t, srv, key); n != "1" {
				t.Fatalf("POST /api/echo ran %s times, want once", n)
			}
		})
	}

	t.Run("missing: no token yet", func(t *testing.T) {
		e := newLoginEndpoint(t, valid)
		s := newSession(t, limpet.Options{BaseURL: srv.URL, Authenticator: token.JWTLogin(e.URL+"/login", "alice", "pw", token.JWTOptions{})})
		status, body, resp := get(t, s, "/api/me")
		r := resp.Recoveries
		// Spring Security 6.5 answers "Bearer", 7.0 adds resource_metadata.
		if status != 200 || body != "alice" || len(r) != 1 || !r[0].Replayed || r[0].Verdict.Reason != "401 without a usable token" {
			t.Fatalf("status %d %q, recoveries %+v", status, body, r)
		}
	})
	t.Run("missing from the login response", func(t *testing.T) {
		e := newLoginEndpoint(t, "")
		s := newSession(t, limpet.Options{BaseURL: srv.URL, Authenticator: token.JWTLogin(e.URL+"/login", "alice", "pw", token.JWTOptions{})})
		if err := s.Login(t.Context()); !errors.Is(err, token.ErrNoToken) {
			t.Fatalf("want ErrNoToken, got %v", err)
		}
	})
}

func echoCount(t *testing.T, srv *springserver.Server, key string) string {
	t.Helper()
	resp, err := http.Get(srv.URL + "/test/echo-count?key=" + url.QueryEscape(key))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}

func testS22(t *testing.T, srv *springserver.Server) {
	tokenURL := srv.URL + "/oauth2/token"
	t.Run("secret with + and : is form-encoded in Basic", func(t *testing.T) {
		tr := &tokenRequests{path: "/oauth2/token"}
		c := &offsetClock{}
		path := filepath.Join(t.TempDir(), "session.json")
		cfg := &clientcredentials.Config{ClientID: "c1", ClientSecret: "a+b:c", TokenURL: tokenURL, Scopes: []string{"api"}}
		open := func() (*limpet.Session, *token.Authenticator) {
			a := token.ClientCredentials(cfg, token.Options{Now: c.Now})
			s, err := limpet.New(limpet.Options{BaseURL: srv.URL, Authenticator: a, Store: filestore.Open(path, filestore.Options{}),
				OnRequest: []func(*http.Request) error{tr.hook}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s, a
		}
		s, a := open()
		if status, body, _ := get(t, s, "/api/me"); status != 200 || body != "c1" {
			t.Fatalf("GET /api/me: %d %q", status, body)
		}
		if tr.n.Load() != 1 {
			t.Fatalf("token requests %d, want 1", tr.n.Load())
		}
		raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(tr.basic[0], "Basic "))
		if string(raw) != "c1:a%2Bb%3Ac" {
			t.Fatalf("Basic credentials on the wire %q, want c1:a%%2Bb%%3Ac", raw)
		}
		tok := a.Token()
		if left := time.Until(tok.Expiry); tok.RefreshToken != "" || left < 280*time.Second || left > 300*time.Second {
			t.Fatalf("token: refresh token %q, expires in %v; want none and about 299 s", tok.RefreshToken, left)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		// The next process uses the saved token: no token request.
		s2, a2 := open()
		if status, body, _ := get(t, s2, "/api/me"); status != 200 || body != "c1" || tr.n.Load() != 1 {
			t.Fatalf("restored session: %d %q, token requests %d", status, body, tr.n.Load())
		}
		if a2.Token().AccessToken != tok.AccessToken {
			t.Fatal("the restored token differs from the saved one")
		}
		// Near its expiry the token is replaced before the request.
		if err := s2.Login(t.Context()); err != nil {
			t.Fatal(err)
		}
		c.Add(290 * time.Second)
		status, body, resp := get(t, s2, "/api/me")
		if status != 200 || body != "c1" || tr.n.Load() != 2 || len(resp.Recoveries) != 0 || a2.Token().AccessToken == tok.AccessToken {
			t.Fatalf("renewal: %d %q, token requests %d, recoveries %+v", status, body, tr.n.Load(), resp.Recoveries)
		}
	})

	tests := []struct {
		name     string
		secret   string
		wantCode string
	}{
		{"wrong secret", "nope", "invalid_client"},
		// A raw "a%b" in Basic makes Spring's URL-decoding fail (400
		// invalid_request, see the raw request below); encoded it decodes
		// to "a%b", merely the wrong secret.
		{"lone percent is encoded", "a%b", "invalid_client"},
		// Not encoded, "a+b:c" would reach the server as "a b:c".
		{"secret as the server would decode a raw a+b:c", "a b:c", "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &tokenRequests{path: "/oauth2/token"}
			a := token.ClientCredentials(&clientcredentials.Config{ClientID: "c1", ClientSecret: tt.secret, TokenURL: tokenURL, Scopes: []string{"api"}}, token.Options{})
			s := newSession(t, limpet.Options{BaseURL: srv.URL, Authenticator: a, OnRequest: []func(*http.Request) error{tr.hook}})
			err := s.Login(t.Context())
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.ErrorCode != tt.wantCode || re.Response.StatusCode != 401 {
				t.Fatalf("want 401 %s, got %v", tt.wantCode, err)
			}
			if tr.n.Load() != 1 {
				t.Fatalf("token requests %d, want 1", tr.n.Load())
			}
		})
	}
	// For contrast, the same secrets sent raw, as a client that does not
	// form-encode would send them.
	for _, raw := range []struct {
		secret, want string
		status       int
	}{{"a+b:c", "invalid_client", 401}, {"a%b", "invalid_request", 400}} {
		t.Run("raw "+raw.secret+" for contrast", func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader("grant_type=client_credentials&scope=api"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("c1", raw.secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != raw.status || !strings.Contains(string(b), raw.want) {
				t.Fatalf("raw %s: %d %s; want %d %s", raw.secret, resp.StatusCode, b, raw.status, raw.want)
			}
		})
	}
}

func testS23(t *testing.T, srv *springserver.Server) {
	cfg := &oauth2.Config{
		ClientID: "c2", ClientSecret: "c2-secret",
		Endpoint:    oauth2.Endpoint{AuthURL: srv.URL + "/oauth2/authorize", TokenURL: srv.URL + "/oauth2/token"},
		RedirectURL: "http://127.0.0.1/callback", // never requested: the code is read from the redirect
		Scopes:      []string{"api"},
	}
	t.Run("form login, code, refresh, invalid_grant", func(t *testing.T) {
		tr := &tokenRequests{path: "/oauth2/token"}
		logins := &tokenRequests{path: "/login"}
		c := &offsetClock{}
		path := filepath.Join(t.TempDir(), "session.json")
		open := func() (*limpet.Session, *token.Authenticator) {
			a := token.AuthorizationCode(cfg, "user", "password", token.AuthCodeOptions{Options: token.Options{Now: c.Now}})
			s, err := limpet.New(limpet.Options{BaseURL: srv.URL, Authenticator: a, Store: filestore.Open(path, filestore.Options{}),
				OnRequest: []func(*http.Request) error{tr.hook, logins.hook}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s, a
		}
		s, a := open()
		status, body, resp := get(t, s, "/api/me")
		if status != 200 || body != "user" || len(resp.Recoveries) != 1 {
			t.Fatalf("GET /api/me: %d %q, recoveries %+v", status, body, resp.Recoveries)
		}
		first := a.Token()
		if first.RefreshToken == "" || tr.n.Load() != 1 {
			t.Fatalf("code exchange: refresh token %q, token requests %d", first.RefreshToken, tr.n.Load())
		}
		if left := time.Until(first.Expiry); left < 50*time.Second || left > 60*time.Second {
			t.Fatalf("access token expires in %v, want about a minute", left)
		}
		if logins.n.Load() < 1 {
			t.Fatal("the flow did not go through the login form")
		}

		// The access token lives one minute: past it, the refresh token
		// renews it before the request, and the server reuses the refresh
		// token.
		c.Add(2 * time.Minute)
		status, body, resp = get(t, s, "/api/me")
		second := a.Token()
		if status != 200 || body != "user" || len(resp.Recoveries) != 0 || tr.n.Load() != 2 ||
			second.AccessToken == first.AccessToken || second.RefreshToken != first.RefreshToken {
			t.Fatalf("refresh: %d %q, recoveries %+v, token requests %d, refresh token reused %v",
				status, body, resp.Recoveries, tr.n.Load(), second.RefreshToken == first.RefreshToken)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		// Another process: the saved token serves without a token request.
		// The Session hands itself to the Authenticator at New, so a token
		// that looks expired would be renewed at once: put the test clock
		// back on the server's, which wrote the token's exp claim.
		c.Add(-2 * time.Minute)
		s2, a2 := open()
		if a2.Token().AccessToken != second.AccessToken {
			t.Fatal("the restored token is not the refreshed one")
		}
		if status, body, _ := get(t, s2, "/api/me"); status != 200 || body != "user" || tr.n.Load() != 2 {
			t.Fatalf("restored: %d %q, token requests %d", status, body, tr.n.Load())
		}

		// Revoked refresh token: the refresh gets 400 invalid_grant, and the
		// whole flow runs again (the authorization server's login session
		// lives in the restored jar, so no form post is needed).
		revoke, _ := http.NewRequest(http.MethodPost, srv.URL+"/oauth2/revoke",
			strings.NewReader(url.Values{"token": {second.RefreshToken}, "token_type_hint": {"refresh_token"}}.Encode()))
		revoke.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		revoke.SetBasicAuth("c2", "c2-secret")
		rr, err := http.DefaultClient.Do(revoke)
		if err != nil {
			t.Fatal(err)
		}
		rr.Body.Close()
		if rr.StatusCode != 200 {
			t.Fatalf("revoke: %s", rr.Status)
		}
		if err := s2.Login(t.Context()); err != nil {
			t.Fatal(err)
		}
		c.Add(2 * time.Minute)
		status, body, _ = get(t, s2, "/api/me")
		third := a2.Token()
		if status != 200 || body != "user" || tr.n.Load() != 4 || third.RefreshToken == second.RefreshToken {
			t.Fatalf("after invalid_grant: %d %q, token requests %d (want 4: refused refresh, code exchange), new refresh token %v",
				status, body, tr.n.Load(), third.RefreshToken != second.RefreshToken)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		a := token.AuthorizationCode(cfg, "user", "nope", token.AuthCodeOptions{})
		s := newSession(t, limpet.Options{BaseURL: srv.URL, Authenticator: a})
		if err := s.Login(t.Context()); !errors.Is(err, token.ErrAuthorization) || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("want ErrAuthorization for a refused login, got %v", err)
		}
	})
	t.Run("a login hook replaces the form", func(t *testing.T) {
		called := 0
		a := token.AuthorizationCode(cfg, "", "", token.AuthCodeOptions{Login: func(ctx context.Context, s limpet.Env) error {
			called++
			return formLogin(ctx, s, "alice", "password")
		}})
		s := newSession(t, limpet.Options{BaseURL: srv.URL, Authenticator: a})
		if status, body, _ := get(t, s, "/api/me"); status != 200 || body != "alice" || called != 1 {
			t.Fatalf("%d %q, hook called %d times", status, body, called)
		}
	})
}

// formLogin logs in to Spring's default login page, as a login hook would
// (with the spring package, for example).
func formLogin(ctx context.Context, s limpet.Env, user, password string) error {
	resp, err := s.Send(ctx, &limpet.Request{URL: "/login"})
	if err != nil {
		return err
	}
	page, err := resp.Text()
	if err != nil {
		return err
	}
	i := strings.Index(page, `name="_csrf" type="hidden" value="`)
	if i < 0 {
		return errors.New("no _csrf input on the login page")
	}
	rest := page[i+len(`name="_csrf" type="hidden" value="`):]
	csrf := rest[:strings.IndexByte(rest, '"')]
	resp, err = s.Send(ctx, &limpet.Request{Method: http.MethodPost, URL: "/login", MaxRedirects: limpet.NoRedirects,
		Body: limpet.Form(url.Values{"username": {user}, "password": {password}, "_csrf": {csrf}})})
	if err != nil {
		return err
	}
	resp.Close()
	if resp.StatusCode != http.StatusFound || strings.Contains(resp.Header.Get("Location"), "error") {
		return errors.New("login refused: " + resp.Status + " " + resp.Header.Get("Location"))
	}
	return nil
}
