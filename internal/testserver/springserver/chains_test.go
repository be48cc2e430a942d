package springserver_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/springserver"
)

// TestChains checks the custom security chains of the shared "chains" JVM, one connector per set-up
// (scenarios S6, S9, S10, S11 second variant, S14-S18 of interop/spring/README.md, and the custom login page).
func TestChains(t *testing.T) {
	for _, version := range springserver.Versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			// start is called inside each subtest with that subtest's t, so a missing fixture skips (or, under
			// LIMPET_INTEROP=require, fails) the subtest that needs it, never the parent from a subtest.
			start := func(t *testing.T, profile string) *springserver.Server {
				t.Helper()
				return springserver.Start(t, version, profile)
			}
			t.Run("S6 formLogin only", func(t *testing.T) { testS6(t, start(t, "form")) })
			t.Run("custom login page", func(t *testing.T) { testCustomPage(t, start(t, "page")) })
			t.Run("S9 cookie CSRF with masking", func(t *testing.T) { testS9(t, start(t, "cookie")) })
			t.Run("S9 cookie CSRF with HTTP Basic", func(t *testing.T) { testS9Basic(t, start(t, "cookie")) })
			t.Run("S10 SPA CSRF", func(t *testing.T) { testS10(t, start(t, "spa")) })
			t.Run("S11 logout deletes JSESSIONID", func(t *testing.T) { testS11DeleteCookie(t, start(t, "delcookie")) })
			t.Run("S14 invalidSessionUrl", func(t *testing.T) { testS14(t, start(t, "invalid")) })
			t.Run("S15 maximumSessions expires the first", func(t *testing.T) { testS15(t, start(t, "max")) })
			t.Run("S16 maximumSessions prevents login", func(t *testing.T) { testS16(t, start(t, "maxprevent")) })
			t.Run("S17 remember-me", func(t *testing.T) { testS17(t, start(t, "remember")) })
			t.Run("S18 STATELESS form login", func(t *testing.T) { testS18(t, start(t, "stateless")) })
		})
	}
}

func testS6(t *testing.T, srv *springserver.Server) {
	tests := []struct {
		name   string
		header http.Header
	}{
		{"no Accept", nil},
		{"Accept json", jsonAccept},
		{"XHR", xhr},
		{"browser Accept", htmlAccept},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newClient(t, srv.URL).get("/api/me", tt.header)
			if r.Status != http.StatusFound || r.Header.Get("Location") != srv.URL+"/login" {
				t.Fatalf("want 302 to /login, got %v", r)
			}
		})
	}
	c := newClient(t, srv.URL)
	c.mustLogin("user", "password", nil)
	if me := c.get("/api/me", jsonAccept); me.Status != http.StatusOK || me.Body != "user" {
		t.Fatalf("probe: %v", me)
	}
}

func testCustomPage(t *testing.T, srv *springserver.Server) {
	c := newClient(t, srv.URL)
	if r := c.get("/api/me", jsonAccept); r.Status != http.StatusFound || r.Header.Get("Location") != srv.URL+"/signin" {
		t.Fatalf("want 302 to /signin, got %v", r)
	}
	r := c.get("/signin", htmlAccept)
	page, err := parseCSRF(strings.NewReader(r.Body))
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("GET /signin: %v %v", err, r)
	}
	if _, ok := page.Hidden["_csrf"]; ok {
		t.Fatalf("the custom page should carry the token in meta tags only: %v", r)
	}
	token := page.Meta["_csrf"]
	if !maskedTokenPattern.MatchString(token) || page.Meta["_csrf_header"] != "X-CSRF-TOKEN" ||
		page.Meta["_csrf_parameter"] != "_csrf" || len(page.Forms) != 1 || page.Forms[0] != "/auth" {
		t.Fatalf("meta tags / form: %+v", page)
	}
	bad := c.do(http.MethodPost, "/auth", http.Header{"X-CSRF-TOKEN": {token}},
		url.Values{"email": {"user"}, "pw": {"wrong"}})
	if bad.Status != http.StatusFound || bad.Header.Get("Location") != srv.URL+"/signin?error" {
		t.Fatalf("bad credentials: want 302 to /signin?error, got %v", bad)
	}
	r = c.do(http.MethodPost, "/auth", http.Header{"X-CSRF-TOKEN": {token}},
		url.Values{"email": {"user"}, "pw": {"password"}})
	if r.Status != http.StatusFound || r.Header.Get("Location") != srv.URL+"/" {
		t.Fatalf("login with header token: want 302 to /, got %v", r)
	}
	if me := c.get("/api/me", jsonAccept); me.Status != http.StatusOK || me.Body != "user" {
		t.Fatalf("probe: %v", me)
	}
}

// testS9: session login, then the cookie repository's deferred token: no cookie on GETs, a rejected POST brings it,
// the raw value is refused by the masking handler and the client-masked value is accepted.
func testS9(t *testing.T, srv *springserver.Server) {
	key := "s9-" + srv.Version
	c := newClient(t, srv.URL)
	c.do(http.MethodPost, "/test/echo-reset?key="+key, nil, nil)
	token, page := c.pageToken("/login")
	if line := page.rawSetCookie("XSRF-TOKEN"); line == "" {
		t.Fatalf("rendering the login page should write the XSRF-TOKEN cookie: %v", page)
	}
	if raw, err := unmask(token); err != nil || raw != c.cookie("XSRF-TOKEN") {
		t.Fatalf("the page token should be the masked cookie value: %q %v, cookie %q", raw, err, c.cookie("XSRF-TOKEN"))
	}
	login := c.do(http.MethodPost, "/login", nil,
		url.Values{"username": {"user"}, "password": {"password"}, "_csrf": {token}})
	if login.Status != http.StatusFound {
		t.Fatalf("login: %v", login)
	}
	if !login.deletes("XSRF-TOKEN") || login.setCookie("XSRF-TOKEN").Value != "" {
		t.Fatalf("login should clear XSRF-TOKEN and write no new one (deferred): %v", login)
	}
	wantDeletion := byVersion(srv, "XSRF-TOKEN=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:10 GMT; Path=/",
		"XSRF-TOKEN=; Expires=Thu, 01 Jan 1970 00:00:10 GMT; Path=/")
	if line := login.rawSetCookie("XSRF-TOKEN"); line != wantDeletion {
		t.Errorf("XSRF-TOKEN deletion %q, want %q", line, wantDeletion)
	}
	if r := c.get("/api/orders", jsonAccept); r.Status != http.StatusOK || r.setCookie("XSRF-TOKEN") != nil {
		t.Fatalf("GET after login: want 200 without XSRF-TOKEN (deferred token), got %v", r)
	}
	r := c.do(http.MethodPost, "/api/echo?key="+key, jsonAccept, nil)
	ck := r.setCookie("XSRF-TOKEN")
	if r.Status != http.StatusForbidden || ck == nil || !uuidPattern.MatchString(ck.Value) {
		t.Fatalf("POST without a token: want 403 with a fresh XSRF-TOKEN cookie, got %v", r)
	}
	if line := r.rawSetCookie("XSRF-TOKEN"); line != "XSRF-TOKEN="+ck.Value+"; Path=/" {
		t.Errorf("XSRF-TOKEN attributes: %q, want only Path=/ (no HttpOnly, no Max-Age, no SameSite)", line)
	}
	raw := c.cookie("XSRF-TOKEN")
	if r := c.do(http.MethodPost, "/api/echo?key="+key, http.Header{"X-XSRF-TOKEN": {raw}}, nil); r.Status != http.StatusForbidden {
		t.Fatalf("the raw cookie value in X-XSRF-TOKEN should be refused by the masking handler: %v", r)
	}
	r = c.do(http.MethodPost, "/api/echo?key="+key, http.Header{"X-XSRF-TOKEN": {mask(raw)}}, nil)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"count":1`) {
		t.Fatalf("the client-masked value should be accepted: %v", r)
	}
}

// testS9Basic: with HTTP Basic the CSRF filter runs before authentication, so every CSRF rejection is answered by
// the Basic entry point (401), like bad credentials, and still brings the fresh XSRF-TOKEN cookie.
func testS9Basic(t *testing.T, srv *springserver.Server) {
	key := "s9b-" + srv.Version
	c := newClient(t, srv.URL)
	c.do(http.MethodPost, "/test/echo-reset?key="+key, nil, nil)
	basic := func(extra http.Header) http.Header {
		h := http.Header{"Authorization": {"Basic dXNlcjpwYXNzd29yZA=="}} // user:password
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	if r := c.get("/api/orders", basic(nil)); r.Status != http.StatusOK || r.setCookie("XSRF-TOKEN") != nil {
		t.Fatalf("GET with Basic: want 200 and no XSRF-TOKEN, got %v", r)
	}
	r := c.do(http.MethodPost, "/api/echo?key="+key, basic(nil), nil)
	if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != `Basic realm="Realm"` ||
		r.setCookie("XSRF-TOKEN") == nil {
		t.Fatalf("Basic POST without a token: want 401 Basic with a fresh XSRF-TOKEN, got %v", r)
	}
	raw := c.cookie("XSRF-TOKEN")
	if r := c.do(http.MethodPost, "/api/echo?key="+key, basic(http.Header{"X-XSRF-TOKEN": {raw}}), nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("Basic POST with the raw token: want 401, got %v", r)
	}
	if r := c.do(http.MethodPost, "/api/echo?key="+key, basic(http.Header{"X-XSRF-TOKEN": {mask(raw)}}), nil); r.Status != http.StatusOK {
		t.Fatalf("Basic POST with the masked token: want 200, got %v", r)
	}
	if n := c.get("/test/echo-count?key="+key, nil).Body; n != "1" {
		t.Fatalf("echo count %s, want 1", n)
	}
}

// testS10: both 6.5's documented SPA handler and 7.0.6's csrf.spa() load the token on every request, so the
// XSRF-TOKEN cookie arrives with the first GET and again with the login response. The header takes the raw value,
// the _csrf parameter the masked one.
func testS10(t *testing.T, srv *springserver.Server) {
	key := "s10-" + srv.Version
	c := newClient(t, srv.URL)
	c.do(http.MethodPost, "/test/echo-reset?key="+key, nil, nil)
	first := newClient(t, srv.URL).get("/api/orders", http.Header{"Authorization": {"Basic dXNlcjpwYXNzd29yZA=="}})
	if ck := first.setCookie("XSRF-TOKEN"); first.Status != http.StatusOK || ck == nil || !uuidPattern.MatchString(ck.Value) {
		t.Fatalf("first GET (Basic): want 200 with an XSRF-TOKEN cookie, got %v", first)
	}
	login := c.formLogin("user", "password", nil)
	if fresh := login.setCookie("XSRF-TOKEN"); login.Status != http.StatusFound || !login.deletes("XSRF-TOKEN") ||
		fresh == nil || !uuidPattern.MatchString(fresh.Value) {
		t.Fatalf("login: want 302 that clears XSRF-TOKEN and writes a new one, got %v", login)
	}
	raw := c.cookie("XSRF-TOKEN")
	if !uuidPattern.MatchString(raw) {
		t.Fatalf("XSRF-TOKEN %q is not a UUID", raw)
	}
	r := c.do(http.MethodPost, "/api/echo?key="+key, http.Header{"X-XSRF-TOKEN": {raw}}, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("the raw cookie value in X-XSRF-TOKEN: want 200, got %v", r)
	}
	masked, _ := c.pageToken("/")
	if r := c.do(http.MethodPost, "/api/echo?key="+key, http.Header{"X-XSRF-TOKEN": {masked}}, nil); r.Status != http.StatusForbidden {
		t.Fatalf("a masked page token in the header should be compared raw and refused: %v", r)
	}
	if r := c.do(http.MethodPost, "/api/echo?key="+key, nil, url.Values{"_csrf": {masked}}); r.Status != http.StatusOK {
		t.Fatalf("a masked page token as _csrf should be accepted: %v", r)
	}
	if r := c.do(http.MethodPost, "/api/echo?key="+key, nil, url.Values{"_csrf": {raw}}); r.Status != http.StatusForbidden {
		t.Fatalf("the raw cookie value as _csrf goes through the unmasking and should be refused: %v", r)
	}
	if n := c.get("/test/echo-count?key="+key, nil).Body; n != "2" {
		t.Fatalf("echo count %s, want 2", n)
	}
}

func testS11DeleteCookie(t *testing.T, srv *springserver.Server) {
	c := newClient(t, srv.URL)
	c.mustLogin("user", "password", nil)
	token, _ := c.pageToken("/")
	r := c.do(http.MethodPost, "/logout", nil, url.Values{"_csrf": {token}})
	if r.Status != http.StatusNoContent || !r.deletes("JSESSIONID") {
		t.Fatalf("want 204 with JSESSIONID deleted, got %v", r)
	}
	want := byVersion(srv, "JSESSIONID=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:10 GMT; Path=/",
		"JSESSIONID=; Expires=Thu, 01 Jan 1970 00:00:10 GMT; Path=/")
	if line := r.rawSetCookie("JSESSIONID"); line != want {
		t.Fatalf("JSESSIONID deletion %q, want %q", line, want)
	}
}

func testS14(t *testing.T, srv *springserver.Server) {
	c := newClient(t, srv.URL)
	c.mustLogin("user", "password", nil)
	old := c.cookie("JSESSIONID")
	if r := c.do(http.MethodPost, "/test/expire-session", nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("expire-session: %v", r)
	}
	r := c.get("/api/me", jsonAccept)
	ck := r.setCookie("JSESSIONID")
	if r.Status != http.StatusFound || r.Header.Get("Location") != srv.URL+"/invalid" || ck == nil || ck.Value == old {
		t.Fatalf("want 302 to /invalid with a new JSESSIONID, got %v", r)
	}
	if r := c.get("/invalid", nil); r.Status != http.StatusOK {
		t.Fatalf("GET /invalid: %v", r)
	}
}

const concurrentExpiredBody = "This session has been expired (possibly due to multiple concurrent logins being " +
	"attempted as the same user)."

func testS15(t *testing.T, srv *springserver.Server) {
	a, b := newClient(t, srv.URL), newClient(t, srv.URL)
	a.mustLogin("alice", "password", nil)
	if me := a.get("/api/me", jsonAccept); me.Status != http.StatusOK || me.Body != "alice" {
		t.Fatalf("A's probe before B logs in: %v", me)
	}
	b.mustLogin("alice", "password", nil)
	r := a.get("/api/me", jsonAccept)
	if r.Status != http.StatusOK || r.Body != concurrentExpiredBody {
		t.Fatalf("A after B's login: want 200 with the expiry text, got %v", r)
	}
	if me := a.get("/api/me", jsonAccept); me.Status != http.StatusUnauthorized {
		t.Fatalf("A's session is gone after the expiry answer: want 401, got %v", me)
	}
	if me := b.get("/api/me", jsonAccept); me.Status != http.StatusOK || me.Body != "alice" {
		t.Fatalf("B's probe: %v", me)
	}
	// A logs in again, which expires B's session in turn.
	a.mustLogin("alice", "password", nil)
	if r := b.get("/api/me", jsonAccept); r.Body != concurrentExpiredBody {
		t.Fatalf("B after A's new login: %v", r)
	}
}

func testS16(t *testing.T, srv *springserver.Server) {
	a, b := newClient(t, srv.URL), newClient(t, srv.URL)
	a.mustLogin("bob", "password", nil)
	r := b.formLogin("bob", "password", nil)
	if r.Status != http.StatusFound || r.Header.Get("Location") != srv.URL+"/login?error" {
		t.Fatalf("second login: want 302 to /login?error, got %v", r)
	}
	if me := b.get("/api/me", jsonAccept); me.Status == http.StatusOK {
		t.Fatalf("the refused login authenticated B: %v", me)
	}
	token, _ := a.pageToken("/")
	if r := a.do(http.MethodPost, "/logout", nil, url.Values{"_csrf": {token}}); r.Status != http.StatusNoContent {
		t.Fatalf("A's logout: %v", r)
	}
	b.mustLogin("bob", "password", nil)
	// Leave no session of bob behind for other runs against this JVM.
	token, _ = b.pageToken("/")
	b.do(http.MethodPost, "/logout", nil, url.Values{"_csrf": {token}})
}

func testS17(t *testing.T, srv *springserver.Server) {
	c := newClient(t, srv.URL)
	login := c.mustLogin("carol", "password", url.Values{"remember-me": {"on"}})
	rm := login.setCookie("remember-me")
	if rm == nil || rm.MaxAge != 1209600 || !rm.HttpOnly || rm.Path != "/" {
		t.Fatalf("login should set remember-me (Max-Age=1209600, HttpOnly, Path=/): %v", login)
	}
	// A new jar holding only remember-me: the session cookie is gone, as after expiry.
	d := newClient(t, srv.URL)
	d.setJarCookie("remember-me", rm.Value)
	r := d.get("/api/me", jsonAccept)
	if r.Status != http.StatusOK || r.Body != "carol" || r.setCookie("JSESSIONID") == nil {
		t.Fatalf("remember-me login: want 200 carol with a new JSESSIONID, got %v", r)
	}
	token, _ := d.pageToken("/")
	out := d.do(http.MethodPost, "/logout", nil, url.Values{"_csrf": {token}})
	if out.Status != http.StatusNoContent || !out.deletes("remember-me") {
		t.Fatalf("logout should cancel remember-me: %v", out)
	}
	// Without the login form's checkbox there is no remember-me cookie.
	if plain := newClient(t, srv.URL).mustLogin("carol", "password", nil); plain.setCookie("remember-me") != nil {
		t.Fatalf("remember-me set without being asked for: %v", plain)
	}
}

func testS18(t *testing.T, srv *springserver.Server) {
	c := newClient(t, srv.URL)
	c.mustLogin("user", "password", nil)
	if me := c.get("/api/me", jsonAccept); me.Status != http.StatusFound || me.Header.Get("Location") != srv.URL+"/login" {
		t.Fatalf("probe after a STATELESS login: want 302 to /login (nothing persisted), got %v", me)
	}
}
