package springserver_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/springserver"
)

// TestBootDefaultChain checks, on Spring Boot's own default chain, the server-side facts a client relies on in
// the scenarios S1-S5, S7, S8, S11 and S12 of interop/spring/README.md.
func TestBootDefaultChain(t *testing.T) {
	for _, version := range springserver.Versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			srv := springserver.Start(t, version, "default")
			info := srv.Info()
			if len(info.SecurityFilterChains) != 1 || info.SecurityFilterChains[0] != "defaultSecurityFilterChain" {
				t.Fatalf("want only Boot's defaultSecurityFilterChain, got %v", info.SecurityFilterChains)
			}
			wantBoot := map[string]string{springserver.Boot3: "3.5.7", springserver.Boot4: "4.0.7"}[version]
			if info.SpringBoot != wantBoot {
				t.Fatalf("Spring Boot %s, want %s", info.SpringBoot, wantBoot)
			}
			t.Run("S1 login page, masked token, session rotation", func(t *testing.T) { testS1(t, srv) })
			t.Run("S2 entry point by Accept and XHR", func(t *testing.T) { testS2(t, srv) })
			t.Run("S3 saved request gets continue", func(t *testing.T) { testS3(t, srv) })
			t.Run("S3 a 401 saves /error as the request to return to", func(t *testing.T) { testSavedError(t, srv) })
			t.Run("S4 bad credentials", func(t *testing.T) { testS4(t, srv) })
			t.Run("S5 login without token is masked", func(t *testing.T) { testS5(t, srv) })
			t.Run("anonymous browser POST is sent to login;jsessionid", func(t *testing.T) { testJsessionidRedirect(t, srv) })
			t.Run("S7 S8 CSRF on an authenticated POST", func(t *testing.T) { testS7S8(t, srv) })
			t.Run("authentication counter", func(t *testing.T) { testAuthCount(t, srv) })
			t.Run("S11 logout 204 or 302", func(t *testing.T) { testS11(t, srv) })
			t.Run("S12 expired session", func(t *testing.T) { testS12(t, srv) })
		})
	}
}

func testS1(t *testing.T, srv *springserver.Server) {
	c := newClient(t, srv.URL)
	first, r := c.pageToken("/login")
	if ct := r.Header.Get("Content-Type"); ct != "text/html;charset=UTF-8" {
		t.Errorf("login page Content-Type %q, want text/html;charset=UTF-8", ct)
	}
	if !strings.Contains(r.Body, "<title>Please sign in</title>") {
		t.Errorf("login page lacks the default title: %v", r)
	}
	sessionCookie := r.setCookie("JSESSIONID")
	if sessionCookie == nil {
		t.Fatalf("GET /login set no JSESSIONID: %v", r)
	}
	if line := r.rawSetCookie("JSESSIONID"); !strings.HasSuffix(line, "; Path=/; HttpOnly") {
		t.Errorf("JSESSIONID attributes: %q, want Path=/; HttpOnly and nothing else", line)
	}
	second, _ := c.pageToken("/login")
	for _, tok := range []string{first, second} {
		if !maskedTokenPattern.MatchString(tok) {
			t.Fatalf("token %q is not 96 base64url characters", tok)
		}
	}
	if first == second {
		t.Fatalf("two renders gave the same masked token %q", first)
	}
	raw1, err1 := unmask(first)
	raw2, err2 := unmask(second)
	if err1 != nil || err2 != nil || raw1 != raw2 || !uuidPattern.MatchString(raw1) {
		t.Fatalf("masked tokens should unmask to one UUID: %q %v, %q %v", raw1, err1, raw2, err2)
	}

	login := c.mustLogin("user", "password", nil)
	rotated := login.setCookie("JSESSIONID")
	if rotated == nil || rotated.Value == sessionCookie.Value {
		t.Fatalf("login did not rotate JSESSIONID (was %s): %v", sessionCookie.Value, login)
	}
	if login.Body != "" {
		t.Errorf("login response body %q, want empty", login.Body)
	}
	if me := c.get("/api/me", nil); me.Status != http.StatusOK || me.Body != "user" {
		t.Fatalf("probe after login: want 200 user, got %v", me)
	}
}

func testS2(t *testing.T, srv *springserver.Server) {
	tests := []struct {
		name       string
		header     http.Header
		wantStatus int
		wantAuth   string // WWW-Authenticate; "" means absent
		wantLoc    string // Location path; "" means absent
	}{
		{"no Accept", nil, 401, `Basic realm="Realm"`, ""},
		{"Accept */*", http.Header{"Accept": {"*/*"}}, 401, `Basic realm="Realm"`, ""},
		{"Accept json", jsonAccept, 401, `Basic realm="Realm"`, ""},
		{"browser Accept", htmlAccept, 302, "", "/login"},
		{"Accept pdf matches nothing", http.Header{"Accept": {"application/pdf"}}, 302, "", "/login"},
		{"XHR", xhr, 401, "", ""},
		{"XHR with browser Accept", http.Header{"X-Requested-With": {"XMLHttpRequest"}, "Accept": htmlAccept["Accept"]}, 401, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newClient(t, srv.URL).get("/api/me", tt.header)
			if r.Status != tt.wantStatus || r.Header.Get("WWW-Authenticate") != tt.wantAuth {
				t.Fatalf("want %d WWW-Authenticate=%q, got %v", tt.wantStatus, tt.wantAuth, r)
			}
			if tt.wantLoc == "" && r.Header.Get("Location") != "" {
				t.Fatalf("unexpected redirect: %v", r)
			}
			if tt.wantLoc != "" && r.Header.Get("Location") != srv.URL+tt.wantLoc {
				t.Fatalf("want Location %s%s, got %v", srv.URL, tt.wantLoc, r)
			}
		})
	}
}

func testS3(t *testing.T, srv *springserver.Server) {
	c := newClient(t, srv.URL)
	if r := c.get("/api/orders?x=1", htmlAccept); r.Status != http.StatusFound {
		t.Fatalf("want 302 to the login page, got %v", r)
	}
	r := c.formLogin("user", "password", nil)
	if want := srv.URL + "/api/orders?x=1&continue"; r.Status != http.StatusFound || r.Header.Get("Location") != want {
		t.Fatalf("want 302 to %s, got %v", want, r)
	}
}

// testSavedError: with a session, a 401 from the Basic entry point (no Accept, as Go sends) is a sendError whose
// error dispatch to /error is itself unauthenticated; that dispatch is saved as the request to return to, so the next
// login redirects to /error?...&continue, which answers 500 (status 999). A JSON Accept or XHR saves nothing, a
// browser Accept saves the real URL.
func testSavedError(t *testing.T, srv *springserver.Server) {
	tests := []struct {
		name     string
		header   http.Header
		wantCode int
		wantLoc  string
	}{
		{"no Accept", nil, 401, "/error?x=1&continue"},
		{"Accept json", jsonAccept, 401, "/"},
		{"XHR", xhr, 401, "/"},
		{"browser Accept", htmlAccept, 302, "/api/me?x=1&continue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, srv.URL)
			c.pageToken("/login")
			if r := c.get("/api/me?x=1", tt.header); r.Status != tt.wantCode {
				t.Fatalf("GET /api/me?x=1: want %d, got %v", tt.wantCode, r)
			}
			c.loginTo("user", "password", nil, tt.wantLoc)
			if tt.wantLoc == "/error?x=1&continue" {
				r := c.get(tt.wantLoc, nil)
				if r.Status != http.StatusInternalServerError || !strings.Contains(r.Body, `"status":999`) {
					t.Fatalf("following the login redirect: want 500 status 999, got %v", r)
				}
			}
		})
	}
}

// byVersion picks the expectation for the server's Spring Security version.
func byVersion[T any](srv *springserver.Server, boot3, boot4 T) T {
	if srv.Version == springserver.Boot3 {
		return boot3
	}
	return boot4
}

func testS4(t *testing.T, srv *springserver.Server) {
	c := newClient(t, srv.URL)
	r := c.formLogin("user", "wrong", nil)
	if r.Status != http.StatusFound || r.Header.Get("Location") != srv.URL+"/login?error" {
		t.Fatalf("want 302 to /login?error, got %v", r)
	}
	page := c.get("/login?error", htmlAccept)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Invalid credentials") {
		t.Fatalf("GET /login?error should say Invalid credentials: %v", page)
	}
	if me := c.get("/api/me", nil); me.Status != http.StatusUnauthorized {
		t.Fatalf("probe after a failed login: want 401, got %v", me)
	}
}

func testS5(t *testing.T, srv *springserver.Server) {
	tests := []struct {
		name       string
		header     http.Header
		wantStatus int
		wantAuth   string
		wantLoc    string
	}{
		{"no Accept", nil, 401, `Basic realm="Realm"`, ""},
		{"browser Accept", htmlAccept, 302, "", "/login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, srv.URL)
			c.pageToken("/login") // a session exists, its token is not sent
			form := url.Values{"username": {"user"}, "password": {"password"}}
			r := c.do(http.MethodPost, "/login", tt.header, form)
			if r.Status != tt.wantStatus || r.Header.Get("WWW-Authenticate") != tt.wantAuth {
				t.Fatalf("want %d WWW-Authenticate=%q, got %v", tt.wantStatus, tt.wantAuth, r)
			}
			if tt.wantLoc != "" && r.Header.Get("Location") != srv.URL+tt.wantLoc {
				t.Fatalf("want Location %s%s, got %v", srv.URL, tt.wantLoc, r)
			}
			if me := c.get("/api/me", jsonAccept); me.Status != http.StatusUnauthorized {
				t.Fatalf("the rejected login authenticated the session: %v", me)
			}
			// The client's recovery: fetch a fresh token and log in once more. Spring Security 7 on Tomcat 11 has
			// saved the error dispatch of the rejected POST, so the login "returns" to /error.
			c.loginTo("user", "password", nil, byVersion(srv, "/", "/error?continue"))
		})
	}
}

// testJsessionidRedirect: a browser-like POST without a session is rejected for CSRF; in the error dispatch the
// request cache creates a session and Tomcat encodes it into the login redirect (Spring's DisableEncodeUrlFilter
// does not cover that dispatch). Following it with the cookie leads to the plain login page.
func testJsessionidRedirect(t *testing.T, srv *springserver.Server) {
	c := newClient(t, srv.URL)
	r := c.do(http.MethodPost, "/api/echo", htmlAccept, nil)
	session := r.setCookie("JSESSIONID")
	if r.Status != http.StatusFound || session == nil || r.Header.Get("Location") != srv.URL+"/login;jsessionid="+session.Value {
		t.Fatalf("want 302 to /login;jsessionid=<new session>, got %v", r)
	}
	follow := c.get("/login;jsessionid="+session.Value, htmlAccept)
	if follow.Status != http.StatusFound || follow.Header.Get("Location") != srv.URL+"/login" {
		t.Fatalf("following it: want 302 to /login, got %v", follow)
	}
}

func testS7S8(t *testing.T, srv *springserver.Server) {
	key := "s7-" + srv.Version
	c := newClient(t, srv.URL)
	c.do(http.MethodPost, "/test/echo-reset?key="+key, nil, nil)
	before, _ := c.pageToken("/login")
	c.mustLogin("user", "password", nil)

	r := c.do(http.MethodPost, "/api/echo?key="+key, nil, nil)
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, `"status":403`) ||
		!strings.Contains(r.Body, `"error":"Forbidden"`) {
		t.Fatalf("S7: POST without a token: want 403 with Boot's error JSON, got %v", r)
	}
	r = c.do(http.MethodPost, "/api/echo?key="+key, http.Header{"X-CSRF-TOKEN": {before}}, nil)
	if r.Status != http.StatusForbidden {
		t.Fatalf("S8: the token from before login should be stale: %v", r)
	}
	if n := c.get("/test/echo-count?key="+key, nil).Body; n != "0" {
		t.Fatalf("rejected POSTs reached the controller: count %s", n)
	}
	after, _ := c.pageToken("/")
	r = c.do(http.MethodPost, "/api/echo?key="+key, http.Header{"X-CSRF-TOKEN": {after}}, nil)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"count":1`) {
		t.Fatalf("POST with the fresh token in X-CSRF-TOKEN: want 200 count 1, got %v", r)
	}
	r = c.do(http.MethodPost, "/api/echo?key="+key, nil, url.Values{"_csrf": {after}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"count":2`) {
		t.Fatalf("POST with the fresh token as _csrf: want 200 count 2, got %v", r)
	}
	if n := c.get("/test/echo-count?key="+key, nil).Body; n != "2" {
		t.Fatalf("echo count %s, want 2", n)
	}
}

// testAuthCount: /test/auth-count counts successful authentications (the X1 scenario counts re-logins with it):
// one per form login, none for requests riding on the session, one per HTTP Basic request.
func testAuthCount(t *testing.T, srv *springserver.Server) {
	c := newClient(t, srv.URL)
	count := func() string { return c.get("/test/auth-count?user=user", nil).Body }
	if r := c.do(http.MethodPost, "/test/auth-reset?user=user", nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("auth-reset: %v", r)
	}
	c.formLogin("user", "wrong", nil)
	if n := count(); n != "0" {
		t.Fatalf("after a failed login: count %s, want 0", n)
	}
	c.mustLogin("user", "password", nil)
	c.get("/api/me", nil)
	c.get("/api/me", nil)
	if n := count(); n != "1" {
		t.Fatalf("after one login and two session requests: count %s, want 1", n)
	}
	basic := newClient(t, srv.URL).get("/api/me", http.Header{"Authorization": {"Basic dXNlcjpwYXNzd29yZA=="}})
	if basic.Status != http.StatusOK {
		t.Fatalf("Basic request: %v", basic)
	}
	if n := count(); n != "2" {
		t.Fatalf("after a Basic request: count %s, want 2", n)
	}
}

func testS11(t *testing.T, srv *springserver.Server) {
	tests := []struct {
		name       string
		header     http.Header
		wantStatus int
		wantLoc    string
	}{
		{"no Accept", nil, http.StatusNoContent, ""},
		{"browser Accept", htmlAccept, http.StatusFound, "/login?logout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, srv.URL)
			c.mustLogin("user", "password", nil)
			token, _ := c.pageToken("/")
			r := c.do(http.MethodPost, "/logout", tt.header, url.Values{"_csrf": {token}})
			if r.Status != tt.wantStatus {
				t.Fatalf("want %d, got %v", tt.wantStatus, r)
			}
			if tt.wantLoc != "" && r.Header.Get("Location") != srv.URL+tt.wantLoc {
				t.Fatalf("want Location %s%s, got %v", srv.URL, tt.wantLoc, r)
			}
			if line := r.rawSetCookie("JSESSIONID"); line != "" {
				t.Fatalf("logout touched JSESSIONID without deleteCookies: %q", line)
			}
			if me := c.get("/api/me", nil); me.Status != http.StatusUnauthorized {
				t.Fatalf("probe after logout: want 401, got %v", me)
			}
		})
	}
}

func testS12(t *testing.T, srv *springserver.Server) {
	key := "s12-" + srv.Version
	c := newClient(t, srv.URL)
	c.do(http.MethodPost, "/test/echo-reset?key="+key, nil, nil)
	c.mustLogin("user", "password", nil)
	token, _ := c.pageToken("/")
	if r := c.do(http.MethodPost, "/test/expire-session", nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("expire-session: %v", r)
	}
	r := c.do(http.MethodPost, "/api/echo?key="+key, http.Header{"X-CSRF-TOKEN": {token}}, nil)
	if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != `Basic realm="Realm"` {
		t.Fatalf("POST on an expired session: want the masked 401, got %v", r)
	}
	r = c.do(http.MethodPost, "/api/echo?key="+key, htmlAccept, url.Values{"_csrf": {token}})
	if r.Status != http.StatusFound || r.Header.Get("Location") != srv.URL+"/login" {
		t.Fatalf("browser POST on an expired session: want 302 to /login, got %v", r)
	}
	// Re-login and replay once: the counter shows exactly one execution. As in S5, 7.0 saved the error dispatch.
	c.loginTo("user", "password", nil, byVersion(srv, "/", "/error?key="+key+"&continue"))
	token, _ = c.pageToken("/")
	if r := c.do(http.MethodPost, "/api/echo?key="+key, http.Header{"X-CSRF-TOKEN": {token}}, nil); r.Status != 200 {
		t.Fatalf("replay after re-login: %v", r)
	}
	if n := c.get("/test/echo-count?key="+key, nil).Body; n != "1" {
		t.Fatalf("echo count %s, want 1", n)
	}
}
