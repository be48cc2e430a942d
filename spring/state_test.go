package spring_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/spring"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
)

// testX2: a session saved by one Session (a process that ended) is taken up by a new Session on the same file: no
// login while the server session lives, and the saved CSRF token works at once.
func testX2(t *testing.T, f *fixture) {
	key := "x2-" + f.Version
	f.resetEchoes(key)
	path := filepath.Join(t.TempDir(), "session.json")
	first := f.newSession(spring.FormLogin("user", "password", spring.Options{}),
		limpet.Options{Store: filestore.Open(path, filestore.Options{})})
	mustLogin(t, first)
	if resp, _ := send(t, first, &limpet.Request{Method: http.MethodPost, URL: "/api/echo?key=" + key}); resp.StatusCode != 200 {
		t.Fatalf("first POST: %d", resp.StatusCode)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	snap, err := filestore.Open(path, filestore.Options{}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if saved := springState(t, snap); saved.CSRF == nil || saved.CSRF.Token == "" || saved.Login == nil || saved.Login.Flow != spring.FlowForm ||
		saved.Login.User != "user" || saved.Login.Password != "" || len(snap.Extra) != 0 {
		t.Fatalf("saved state: CSRF %+v Login %+v, other members %v; want the token and the recipe without the password",
			saved.CSRF, saved.Login, snap.Extra)
	}

	before := f.logins("user")
	post := &captured{method: http.MethodPost, path: "/login"}
	o := limpet.Options{Store: filestore.Open(path, filestore.Options{})}
	post.hook(&o)
	second := f.newSession(spring.FormLogin("user", "password", spring.Options{}), o)
	if resp, body := get(t, second, "/api/me", nil); resp.StatusCode != 200 || body != "user" || len(resp.Recoveries) != 0 {
		t.Fatalf("GET in the new Session: %d %q %+v", resp.StatusCode, body, resp.Recoveries)
	}
	resp, body := send(t, second, &limpet.Request{Method: http.MethodPost, URL: "/api/echo?key=" + key})
	if resp.StatusCode != 200 || !strings.Contains(body, `"count":2`) || len(resp.Recoveries) != 0 {
		t.Fatalf("POST in the new Session with the saved token: %d %q %+v", resp.StatusCode, body, resp.Recoveries)
	}
	if n := len(post.bodies); n != 0 {
		t.Errorf("%d login POSTs in the new Session, want none", n)
	}
	if n := f.logins("user") - before; n != 0 {
		t.Errorf("the server counted %d logins, want none", n)
	}
}

// testS7: a session restored without a CSRF token (its first process never needed one) sends a POST. The Session
// hands itself to the Authenticator at New, so the token is found before the POST goes out: Spring's 403 for a POST
// without a token (proven by the fixture's own tests) never happens, and the POST runs once. A refused token's
// recovery and replay is S8's.
func testS7(t *testing.T, f *fixture) {
	key := "s7-" + f.Version
	f.resetEchoes(key)
	path := filepath.Join(t.TempDir(), "session.json")
	opts := spring.Options{Probe: "/api/me"} // a text probe: no token is learned at the login
	first := f.newSession(spring.FormLogin("user", "password", opts), limpet.Options{Store: filestore.Open(path, filestore.Options{})})
	mustLogin(t, first)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	sent := &captured{method: http.MethodPost, path: "/api/echo"}
	o := limpet.Options{Store: filestore.Open(path, filestore.Options{})}
	sent.hook(&o)
	second := f.newSession(spring.FormLogin("user", "password", opts), o)
	resp, body := send(t, second, &limpet.Request{Method: http.MethodPost, URL: "/api/echo?key=" + key})
	if resp.StatusCode != 200 || !strings.Contains(body, `"count":1`) {
		t.Fatalf("want 200 count 1, got %d %q", resp.StatusCode, body)
	}
	if len(resp.Recoveries) != 0 || len(sent.responses) != 1 || sent.responses[0].StatusCode != 200 {
		t.Fatalf("want the token found before the POST, one POST answered 200; recoveries %+v, %d POSTs", resp.Recoveries, len(sent.responses))
	}
	if n := f.echoes(key); n != 1 {
		t.Fatalf("echo ran %d times, want 1", n)
	}
}

func testBasic(t *testing.T, f *fixture) {
	key := "basic-" + f.Version
	f.resetEchoes(key)
	before := f.logins("user")
	s := f.newSession(spring.Basic("user", "password", spring.Options{}), limpet.Options{})
	if resp, body := get(t, s, "/api/me", nil); resp.StatusCode != 200 || body != "user" || len(resp.Recoveries) != 0 {
		t.Fatalf("GET with Basic: %d %q %+v", resp.StatusCode, body, resp.Recoveries)
	}
	// CSRF still applies to unsafe methods with Basic: the token is found (with the Basic credentials) before the
	// first POST goes out.
	resp, body := send(t, s, &limpet.Request{Method: http.MethodPost, URL: "/api/echo?key=" + key, Body: limpet.JSON(1)})
	if resp.StatusCode != 200 || !strings.Contains(body, `"user":"user"`) || len(resp.Recoveries) != 0 {
		t.Fatalf("POST with Basic: %d %q %+v", resp.StatusCode, body, resp.Recoveries)
	}
	resp, _ = send(t, s, &limpet.Request{Method: http.MethodPost, URL: "/api/echo?key=" + key, Body: limpet.JSON(2)})
	if resp.StatusCode != 200 || len(resp.Recoveries) != 0 {
		t.Fatalf("second POST: %d %+v", resp.StatusCode, resp.Recoveries)
	}
	if n := f.echoes(key); n != 2 {
		t.Fatalf("echo ran %d times, want 2", n)
	}
	if n := f.logins("user") - before; n < 4 {
		t.Fatalf("%d authentications: Basic authenticates every request", n)
	}
}

func testBasicWrongPassword(t *testing.T, f *fixture) {
	s := f.newSession(spring.Basic("user", "wrong", spring.Options{}), limpet.Options{})
	_, err := s.Get(context.Background(), "/api/me")
	var le *spring.LoginError
	if !errors.Is(err, spring.ErrBadCredentials) || !errors.As(err, &le) || le.Status != 401 {
		t.Fatalf("err = %v, want ErrBadCredentials with status 401", err)
	}
}

func testCSRFOnly(t *testing.T, f *fixture) {
	key := "csrfonly-" + f.Version
	f.resetEchoes(key)
	s := f.newSession(spring.CSRF(spring.Options{}), limpet.Options{Auth: limpet.BasicAuth("user", "password")})
	mustLogin(t, s) // looks for the token
	resp, body := send(t, s, &limpet.Request{Method: http.MethodPost, URL: "/api/echo?key=" + key,
		Body: limpet.Form(map[string][]string{"a": {"1"}})})
	if resp.StatusCode != 200 || !strings.Contains(body, `"count":1`) || len(resp.Recoveries) != 0 {
		t.Fatalf("POST: %d %q %+v", resp.StatusCode, body, resp.Recoveries)
	}
	// Without the Session's credentials the server refuses the request (401); no token can fix that, and the
	// answer is handed back as it is after one look for a fresh token.
	resp, _ = send(t, s, &limpet.Request{Method: http.MethodGet, URL: "/api/me", Auth: limpet.NoAuth})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET without credentials: %d, want the 401 itself", resp.StatusCode)
	}
}

func testCSRFEndpoint(t *testing.T, f *fixture) {
	key := "endpoint-" + f.Version
	f.resetEchoes(key)
	a := spring.FormLogin("user", "password", spring.Options{Probe: "/api/me", CSRF: spring.CSRFOptions{Endpoint: "/csrf"}})
	s := f.newSession(a, limpet.Options{})
	mustLogin(t, s)
	resp, _ := send(t, s, &limpet.Request{Method: http.MethodPost, URL: "/api/echo?key=" + key})
	if resp.StatusCode != 200 || len(resp.Recoveries) != 0 {
		t.Fatalf("POST: %d %+v", resp.StatusCode, resp.Recoveries)
	}
	var snap store.Snapshot
	a.SaveState(&snap)
	if c := springState(t, snap).CSRF; c == nil || c.Source != "endpoint:/csrf" || c.Header != "X-CSRF-TOKEN" {
		t.Fatalf("CSRF state %+v, want the token from the endpoint", c)
	}
}
