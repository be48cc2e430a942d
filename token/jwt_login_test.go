package token_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/token"
)

func TestJWTLoginOnFirstNeed(t *testing.T) {
	c := newClock()
	api := newJWTAPI(t, c)
	s := newSession(t, limpet.Options{BaseURL: api.URL,
		Authenticator: token.JWTLogin("/login", "alice", api.password, token.JWTOptions{Options: token.Options{Now: c.Now}})})
	status, body, resp := get(t, s, "/api/me")
	if status != 200 || body != "alice" {
		t.Fatalf("GET /api/me: %d %q", status, body)
	}
	if len(resp.Recoveries) != 1 || !resp.Recoveries[0].Replayed || resp.Recoveries[0].Verdict.Kind != limpet.TokenExpired ||
		resp.Recoveries[0].Verdict.Reason != "401 without a usable token" {
		t.Fatalf("recoveries %+v", resp.Recoveries)
	}
	if api.logins.Load() != 1 || api.refusals.Load() != 1 {
		t.Fatalf("logins %d, refusals %d; want 1 and 1", api.logins.Load(), api.refusals.Load())
	}
	if _, _, resp := get(t, s, "/api/me"); len(resp.Recoveries) != 0 || api.logins.Load() != 1 {
		t.Fatalf("the second request logged in again")
	}
}

func TestJWTRenewAheadOfExpiry(t *testing.T) {
	tests := []struct {
		name       string
		skew       time.Duration
		at         time.Duration // after the login; the token lives 5 minutes
		wantLogins int32
	}{
		{"before the default skew", 0, 5*time.Minute - token.DefaultSkew - time.Second, 1},
		{"inside the default skew", 0, 5*time.Minute - token.DefaultSkew + time.Second, 2},
		{"at expiry", 0, 5 * time.Minute, 2},
		{"long after expiry", 0, time.Hour, 2},
		{"before a two-minute skew", 2 * time.Minute, 3*time.Minute - time.Second, 1},
		{"inside a two-minute skew", 2 * time.Minute, 3*time.Minute + time.Second, 2},
		{"negative skew: still valid one second before expiry", -1, 5*time.Minute - time.Second, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			api := newJWTAPI(t, c)
			a := token.JWTLogin("/login", "alice", api.password, token.JWTOptions{Options: token.Options{Now: c.Now, Skew: tt.skew}})
			s := newSession(t, limpet.Options{BaseURL: api.URL, Authenticator: a})
			if err := s.Login(t.Context()); err != nil {
				t.Fatal(err)
			}
			first := a.Token()
			if want := c.Now().Add(5 * time.Minute).Truncate(time.Second); !first.Expiry.Equal(want) {
				t.Fatalf("expiry %v, want the exp claim %v", first.Expiry, want)
			}
			c.Add(tt.at)
			status, _, resp := get(t, s, "/api/me")
			if status != 200 || len(resp.Recoveries) != 0 {
				t.Fatalf("status %d, recoveries %+v", status, resp.Recoveries)
			}
			if got := api.logins.Load(); got != tt.wantLogins {
				t.Fatalf("logins %d, want %d", got, tt.wantLogins)
			}
			if api.refusals.Load() != 0 {
				t.Fatalf("the server refused %d requests; renewal should come first", api.refusals.Load())
			}
			if renewed := a.Token().AccessToken != first.AccessToken; renewed != (tt.wantLogins == 2) {
				t.Fatalf("token renewed: %v", renewed)
			}
		})
	}
}

func TestJWTRefusedTokenRenewedOnceThenReplayed(t *testing.T) {
	c := newClock()
	api := newJWTAPI(t, c)
	s := newSession(t, limpet.Options{BaseURL: api.URL,
		Authenticator: token.JWTLogin("/login", "alice", api.password, token.JWTOptions{Options: token.Options{Now: c.Now}})})
	if err := s.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	api.gen.Add(1) // the server revokes every token it issued
	resp, err := s.Post(t.Context(), "/api/echo", limpet.JSON(map[string]int{"n": 1}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	if resp.StatusCode != 200 || api.echoes.Load() != 1 || api.logins.Load() != 2 {
		t.Fatalf("status %d, echoes %d, logins %d; want 200, 1, 2", resp.StatusCode, api.echoes.Load(), api.logins.Load())
	}
	r := resp.Recoveries
	if len(r) != 1 || !r[0].Recovered || !r[0].Replayed || r[0].Verdict.Kind != limpet.TokenExpired ||
		!r[0].Verdict.NotExecuted || r[0].Verdict.Reason != "401 invalid_token: revoked" {
		t.Fatalf("recoveries %+v", r)
	}
}

func TestJWTStillRefusedAfterRenewal(t *testing.T) {
	c := newClock()
	api := newJWTAPI(t, c)
	api.respond = func(string) any { return map[string]string{"token": "not-a-jwt"} }
	s := newSession(t, limpet.Options{BaseURL: api.URL,
		Authenticator: token.JWTLogin("/login", "alice", api.password, token.JWTOptions{Options: token.Options{Now: c.Now}})})
	_, err := s.Get(t.Context(), "/api/me")
	var ae *limpet.AuthError
	if !errors.As(err, &ae) || !errors.Is(err, limpet.ErrNotRecovered) {
		t.Fatalf("want an AuthError wrapping ErrNotRecovered, got %v", err)
	}
	if api.logins.Load() != 1 || api.refusals.Load() != 2 {
		t.Fatalf("logins %d, refusals %d; want 1 and 2 (one replay, no loop)", api.logins.Load(), api.refusals.Load())
	}
}

func TestJWTConcurrentRenewal(t *testing.T) {
	tests := []struct {
		name   string
		before func(api *jwtAPI, c *clock)
		// refusals the server may answer: every goroutine that sent the
		// revoked token
		maxRefusals int32
	}{
		{"server revoked the token", func(api *jwtAPI, c *clock) { api.gen.Add(1) }, 32},
		{"token inside the skew", func(api *jwtAPI, c *clock) { c.Add(5*time.Minute - 10*time.Second) }, 0},
		{"token expired by the clock", func(api *jwtAPI, c *clock) { c.Add(6 * time.Minute) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			api := newJWTAPI(t, c)
			s := newSession(t, limpet.Options{BaseURL: api.URL,
				Authenticator: token.JWTLogin("/login", "alice", api.password, token.JWTOptions{Options: token.Options{Now: c.Now}})})
			if err := s.Login(t.Context()); err != nil {
				t.Fatal(err)
			}
			tt.before(api, c)
			const n = 32
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for range n {
				wg.Go(func() {
					resp, err := s.Post(t.Context(), "/api/echo", limpet.JSON(map[string]int{"n": 1}))
					if err != nil {
						errs <- err
						return
					}
					resp.Close()
					if resp.StatusCode != 200 {
						errs <- errors.New(resp.Status)
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if api.logins.Load() != 2 || api.echoes.Load() != n || api.refusals.Load() > tt.maxRefusals {
				t.Fatalf("logins %d (want 2), echoes %d (want %d), refusals %d (at most %d)",
					api.logins.Load(), api.echoes.Load(), n, api.refusals.Load(), tt.maxRefusals)
			}
		})
	}
}

func TestJWTBadCredentials(t *testing.T) {
	c := newClock()
	api := newJWTAPI(t, c)
	s := newSession(t, limpet.Options{BaseURL: api.URL,
		Authenticator: token.JWTLogin("/login", "alice", "wrong", token.JWTOptions{Options: token.Options{Now: c.Now}})})
	for i := range 2 {
		_, err := s.Get(t.Context(), "/api/me")
		var ae *limpet.AuthError
		if !errors.As(err, &ae) || !errors.Is(err, token.ErrLoginRefused) || !strings.Contains(err.Error(), "bad credentials") {
			t.Fatalf("request %d: want an AuthError wrapping ErrLoginRefused, got %v", i, err)
		}
	}
	if api.logins.Load() != 1 {
		t.Fatalf("logins %d; the failed login must not be retried at once", api.logins.Load())
	}
	if err := s.Login(t.Context()); !errors.Is(err, token.ErrLoginRefused) {
		t.Fatalf("Session.Login: %v", err)
	}
}

func TestJWTLoginShapes(t *testing.T) {
	tests := []struct {
		name       string
		opts       token.JWTOptions
		respond    func(tok string) any
		wantErr    error
		wantExpiry time.Duration // from the login; 0: the JWT's 5 minutes
	}{
		{"json", token.JWTOptions{}, nil, nil, 0},
		{"form", token.JWTOptions{Form: true}, nil, nil, 0},
		{"custom fields", token.JWTOptions{UserField: "login", PasswordField: "secret"}, nil, nil, 0},
		{"access_token member", token.JWTOptions{}, func(tok string) any { return map[string]any{"access_token": tok, "token_type": "bearer"} }, nil, 0},
		{"nested member", token.JWTOptions{TokenField: "data.accessToken"},
			func(tok string) any { return map[string]any{"data": map[string]any{"accessToken": tok}} }, nil, 0},
		{"expires_in before the exp claim", token.JWTOptions{},
			func(tok string) any { return map[string]any{"token": tok, "expires_in": 60} }, nil, time.Minute},
		{"expires_in after the exp claim", token.JWTOptions{},
			func(tok string) any { return map[string]any{"token": tok, "expires_in": "3600"} }, nil, 0},
		{"no token member", token.JWTOptions{}, func(string) any { return map[string]any{"jwt_token": "x"} }, token.ErrNoToken, 0},
		{"token not a string", token.JWTOptions{}, func(string) any { return map[string]any{"token": 42} }, token.ErrNoToken, 0},
		{"nested member missing", token.JWTOptions{TokenField: "data.accessToken"},
			func(tok string) any { return map[string]any{"data": "flat"} }, token.ErrNoToken, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			api := newJWTAPI(t, c)
			api.respond = tt.respond
			tt.opts.Now = c.Now
			a := token.JWTLogin("/login", "alice", api.password, tt.opts)
			s := newSession(t, limpet.Options{BaseURL: api.URL, Authenticator: a})
			err := s.Login(t.Context())
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("want %v, got %v", tt.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.wantExpiry
			if want == 0 {
				want = 5 * time.Minute
			}
			if got := a.Token().Expiry.Sub(c.Now()); got != want {
				t.Fatalf("expiry in %v, want %v", got, want)
			}
			if status, body, _ := get(t, s, "/api/me"); status != 200 || body != "alice" {
				t.Fatalf("GET /api/me: %d %q", status, body)
			}
		})
	}
}

func TestJWTOrigins(t *testing.T) {
	c := newClock()
	api := newJWTAPI(t, c)
	other := newJWTAPI(t, c)
	a := token.JWTLogin(api.URL+"/login", "alice", api.password, token.JWTOptions{Options: token.Options{Now: c.Now, Origins: []string{api.URL + "/"}}})
	s := newSession(t, limpet.Options{Authenticator: a})
	if err := s.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := get(t, s, api.URL+"/api/me"); status != 200 {
		t.Fatalf("the listed origin: %d", status)
	}
	// The other server would accept the token (same key): it must not get it.
	status, _, resp := get(t, s, other.URL+"/api/me")
	if status != 401 || resp.Request.Header.Get("Authorization") != "" {
		t.Fatalf("another origin got status %d, Authorization %q", status, resp.Request.Header.Get("Authorization"))
	}
}

// X2 for tokens: a token, and its renewal, survive the process through the
// session store, and the next process logs in no more.
func TestJWTPersistedAcrossSessions(t *testing.T) {
	c := newClock()
	api := newJWTAPI(t, c)
	path := filepath.Join(t.TempDir(), "session.json")
	open := func() (*limpet.Session, *token.Authenticator) {
		a := token.JWTLogin("/login", "alice", api.password, token.JWTOptions{Options: token.Options{Now: c.Now}})
		s, err := limpet.New(limpet.Options{BaseURL: api.URL, Authenticator: a, Store: filestore.Open(path, filestore.Options{})})
		if err != nil {
			t.Fatal(err)
		}
		return s, a
	}
	s1, a1 := open()
	if err := s1.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), a1.Token().AccessToken) || !strings.Contains(string(data), `"jwt"`) {
		t.Fatalf("the file lacks the token or the recipe:\n%s", data)
	}
	if strings.Contains(string(data), api.password) {
		t.Fatalf("the file holds the password:\n%s", data)
	}

	s2, a2 := open()
	if got := a2.Token(); got == nil || got.AccessToken != a1.Token().AccessToken || !got.Expiry.Equal(a1.Token().Expiry) {
		t.Fatalf("restored token %+v, want %+v", got, a1.Token())
	}
	if status, _, resp := get(t, s2, "/api/me"); status != 200 || len(resp.Recoveries) != 0 || api.logins.Load() != 1 {
		t.Fatalf("the restored session: status %d, recoveries %+v, logins %d", status, resp.Recoveries, api.logins.Load())
	}
	// A renewal in the second process is saved too.
	if err := s2.Login(t.Context()); err != nil { // binds the Session, so the clock can trigger renewal
		t.Fatal(err)
	}
	c.Add(10 * time.Minute)
	if status, _, _ := get(t, s2, "/api/me"); status != 200 || api.logins.Load() != 2 {
		t.Fatalf("renewal: status %d, logins %d", status, api.logins.Load())
	}
	renewed := a2.Token()
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	s3, a3 := open()
	defer s3.Close()
	if got := a3.Token(); got == nil || got.AccessToken != renewed.AccessToken {
		t.Fatalf("the third process restored %v, want the renewed token", got)
	}
	if status, _, _ := get(t, s3, "/api/me"); status != 200 || api.logins.Load() != 2 {
		t.Fatalf("third process: status %d, logins %d", status, api.logins.Load())
	}
}

// A token restored from the store but already expired is renewed before
// the first request (the Session binds itself to the Authenticator at New),
// without a refusal from the server.
func TestJWTRestoredExpiredToken(t *testing.T) {
	c := newClock()
	api := newJWTAPI(t, c)
	path := filepath.Join(t.TempDir(), "session.json")
	open := func() *limpet.Session {
		a := token.JWTLogin("/login", "alice", api.password, token.JWTOptions{Options: token.Options{Now: c.Now}})
		s, err := limpet.New(limpet.Options{BaseURL: api.URL, Authenticator: a, Store: filestore.Open(path, filestore.Options{})})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s1 := open()
	if err := s1.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	s1.Close()
	c.Add(time.Hour)
	s2 := open()
	status, _, resp := get(t, s2, "/api/me")
	if status != 200 || len(resp.Recoveries) != 0 || api.logins.Load() != 2 {
		t.Fatalf("status %d, recoveries %+v, logins %d", status, resp.Recoveries, api.logins.Load())
	}
}

func TestCheckClassification(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		challenge []string
		want      limpet.VerdictKind
		reason    string
	}{
		{"200", 200, nil, limpet.OK, ""},
		{"401 without challenge", 401, nil, limpet.TokenExpired, "401"},
		{"401 bare Bearer", 401, []string{"Bearer"}, limpet.TokenExpired, "401 without a usable token"},
		{"401 Spring 7 bare Bearer", 401, []string{`Bearer resource_metadata="http://127.0.0.1:1/.well-known/oauth-protected-resource"`}, limpet.TokenExpired, "401 without a usable token"},
		{"401 expired", 401, []string{`Bearer error="invalid_token", error_description="An error occurred while attempting to decode the Jwt: Jwt expired at 2025-06-01T10:00:00Z", error_uri="https://tools.ietf.org/html/rfc6750#section-3.1"`},
			limpet.TokenExpired, "401 invalid_token: An error occurred while attempting to decode the Jwt: Jwt expired at 2025-06-01T10:00:00Z"},
		{"401 Basic and Bearer lines", 401, []string{`Basic realm="x"`, `Bearer error="invalid_token"`}, limpet.TokenExpired, "401 invalid_token"},
		{"401 insufficient_scope", 401, []string{`Bearer error="insufficient_scope"`}, limpet.OK, ""},
		{"403 insufficient_scope", 403, []string{`Bearer error="insufficient_scope"`}, limpet.OK, ""},
		{"401 malformed header", 401, []string{`Bearer error="invalid_token`}, limpet.TokenExpired, "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &limpet.Response{Response: &http.Response{StatusCode: tt.status, Header: http.Header{"Www-Authenticate": tt.challenge}}}
			v := token.DefaultCheck(nil, resp)
			if v.Kind != tt.want || v.Reason != tt.reason || (v.Kind != limpet.OK) != v.NotExecuted {
				t.Fatalf("got %+v, want %v %q", v, tt.want, tt.reason)
			}
		})
	}
}
