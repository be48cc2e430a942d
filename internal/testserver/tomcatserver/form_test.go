package tomcatserver_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/tomcatserver"
)

// The tests below check, against the real server, the facts the client's
// Tomcat support relies on (scenarios T1-T8 of interop/tomcat/README.md). None of
// them runs in parallel: several expire every session of a context.

// keySeq makes session attribute names unique within the test binary.
var keySeq atomic.Int64

// T1 and T8: the login form, the 303 with a relative Location and a rotated
// cookie, then the protected page.
func TestFormLogin(t *testing.T) {
	srv := tomcatserver.Start(t)
	tests := []struct {
		name        string
		contextPath string
		user        string
		password    string
		wantRewrite bool // ;jsessionid= in the form action
		role1       bool // the user has role role1
	}{
		{name: "T1 examples tomcat", contextPath: tomcatserver.ExamplesPath,
			user: tomcatserver.ExamplesUser, password: tomcatserver.ExamplesPassword, wantRewrite: true},
		{name: "T1 examples both roles", contextPath: tomcatserver.ExamplesPath,
			user: tomcatserver.BothUser, password: tomcatserver.BothPassword, wantRewrite: true, role1: true},
		{name: "T1 examples role1 only", contextPath: tomcatserver.ExamplesPath,
			user: tomcatserver.Role1User, password: tomcatserver.Role1Password, wantRewrite: true, role1: true},
		{name: "T1 examples password needing form encoding", contextPath: tomcatserver.ExamplesPath,
			user: tomcatserver.SpecialUser, password: tomcatserver.SpecialPassword, wantRewrite: true},
		{name: "T8 cookie-only tracking", contextPath: tomcatserver.CookieExamplesPath,
			user: tomcatserver.ExamplesUser, password: tomcatserver.ExamplesPassword, wantRewrite: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			protected := srv.URL + tt.contextPath + tomcatserver.ProtectedPage

			// A protected page, without a session: the login page itself
			// (a server-side forward, no redirect) and a new session.
			p := b.get(protected)
			if p.status != http.StatusOK {
				t.Fatalf("GET protected page: status %d, want 200", p.status)
			}
			if got := p.title(t); got != "Login Page for Examples" {
				t.Errorf("title %q, want the login page", got)
			}
			first := p.sessionCookie()
			if first == nil {
				t.Fatalf("GET protected page set no JSESSIONID (Set-Cookie %q)", p.header.Values("Set-Cookie"))
			}
			if first.Path != tt.contextPath || !first.HttpOnly || first.Secure || first.SameSite != 0 {
				t.Errorf("JSESSIONID attributes: Path=%q HttpOnly=%v Secure=%v SameSite=%v; want Path=%s, HttpOnly only",
					first.Path, first.HttpOnly, first.Secure, first.SameSite, tt.contextPath)
			}
			action := mustLoginForm(t, p)
			wantAction := "j_security_check"
			if tt.wantRewrite {
				wantAction += ";jsessionid=" + first.Value
			}
			if action != wantAction {
				t.Errorf("form action %q, want %q", action, wantAction)
			}

			// The login: 303 to the saved request, relative, new session id.
			p = b.post(p.resolve(t, action), credentials(tt.user, tt.password))
			if p.status != http.StatusSeeOther {
				t.Fatalf("POST %s: status %d, want 303", action, p.status)
			}
			loc := p.header.Get("Location")
			if loc != tt.contextPath+tomcatserver.ProtectedPage {
				t.Errorf("Location %q, want the relative %q", loc, tt.contextPath+tomcatserver.ProtectedPage)
			}
			rotated := p.sessionCookie()
			if rotated == nil || rotated.Value == first.Value || rotated.Path != tt.contextPath {
				t.Fatalf("login response JSESSIONID %v, want a new id with Path=%s (was %s)", rotated, tt.contextPath, first.Value)
			}

			// Following it: the protected page, in the rotated session.
			p = b.get(p.resolve(t, loc))
			user, session, ok := remoteUser(p)
			if p.status != http.StatusOK || !ok || user != tt.user || session != rotated.Value {
				t.Fatalf("protected page: status %d, user %q, session %q (found %v); want 200, %q, %q",
					p.status, user, session, ok, tt.user, rotated.Value)
			}
			if c := p.sessionCookie(); c != nil {
				t.Errorf("protected page set JSESSIONID again: %v", c)
			}

			// Roles are the ones tomcat-users.xml gives.
			p = b.get(protected + "?role=role1")
			granted := strings.Contains(p.body, "You have been granted role")
			if granted != tt.role1 {
				t.Errorf("role1 granted = %v, want %v", granted, tt.role1)
			}
		})
	}
}

// T2: a wrong password shows the error page and keeps the login open.
func TestWrongPasswordThenRight(t *testing.T) {
	srv := tomcatserver.Start(t)
	b := newBrowser(t)
	p := b.get(srv.URL + tomcatserver.ExamplesPath + tomcatserver.ProtectedPage)
	action := p.resolve(t, mustLoginForm(t, p))
	first := p.sessionCookie()

	for attempt := 1; attempt <= 2; attempt++ {
		p = b.post(action, credentials(tomcatserver.ExamplesUser, "wrong"))
		if p.status != http.StatusOK || p.title(t) != "Error Page For Examples" ||
			!strings.Contains(p.body, "Invalid user name and/or password") {
			t.Fatalf("wrong password, attempt %d: status %d, title %q; want 200 and the error page", attempt, p.status, p.title(t))
		}
		if c := p.sessionCookie(); c != nil {
			t.Errorf("wrong password, attempt %d: set JSESSIONID %v, want the session kept", attempt, c)
		}
	}

	p = b.post(action, credentials(tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword))
	if p.status != http.StatusSeeOther {
		t.Fatalf("right password after wrong ones: status %d, want 303", p.status)
	}
	if c := p.sessionCookie(); c == nil || c.Value == first.Value {
		t.Errorf("right password: JSESSIONID %v, want a new id", c)
	}
	p = b.get(p.resolve(t, p.header.Get("Location")))
	if user, _, ok := remoteUser(p); !ok || user != tomcatserver.ExamplesUser {
		t.Fatalf("after retry: user %q (page found %v), want %q", user, ok, tomcatserver.ExamplesUser)
	}
}

// T3: a POST to j_security_check that no protected request started.
func TestLoginNotStarted(t *testing.T) {
	srv := tomcatserver.Start(t)
	examples := srv.URL + tomcatserver.ExamplesPath
	tests := []struct {
		name     string
		prepare  func(t *testing.T, b *browser)
		password string
		want     int
	}{
		{
			name:     "fresh jar",
			prepare:  func(*testing.T, *browser) {},
			password: tomcatserver.ExamplesPassword,
			want:     http.StatusRequestTimeout,
		},
		{
			name: "session from an unprotected page",
			prepare: func(t *testing.T, b *browser) {
				if p := b.get(examples + "/servlets/servlet/SessionExample"); p.sessionCookie() == nil {
					t.Fatalf("SessionExample set no JSESSIONID (status %d)", p.status)
				}
			},
			password: tomcatserver.ExamplesPassword,
			want:     http.StatusRequestTimeout,
		},
		{
			name: "login page's session expired by the manager",
			prepare: func(t *testing.T, b *browser) {
				b.get(examples + tomcatserver.ProtectedPage)
				if n, err := srv.ExpireSessions(t.Context(), tomcatserver.ExamplesPath); err != nil || n < 1 {
					t.Fatalf("ExpireSessions = %d, %v; want at least 1", n, err)
				}
			},
			password: tomcatserver.ExamplesPassword,
			want:     http.StatusRequestTimeout,
		},
		{
			// The credentials are checked before the session.
			name:     "fresh jar, wrong password",
			prepare:  func(*testing.T, *browser) {},
			password: "wrong",
			want:     http.StatusOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			tt.prepare(t, b)
			p := b.post(examples+"/jsp/security/protected/j_security_check", credentials(tomcatserver.ExamplesUser, tt.password))
			if p.status != tt.want {
				t.Fatalf("POST j_security_check: status %d, want %d", p.status, tt.want)
			}
			switch tt.want {
			case http.StatusRequestTimeout:
				if !strings.Contains(p.body, "The time allowed for the login process has been exceeded") {
					t.Errorf("408 body lacks Tomcat's message: %.300s", p.body)
				}
			case http.StatusOK:
				if !strings.Contains(p.body, "Invalid user name and/or password") {
					t.Errorf("200 body is not the error page: %.300s", p.body)
				}
			}
			// Recovery: starting from the protected page works.
			if s := login(t, srv, b, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword); s == "" {
				t.Fatal("no session after recovery")
			}
		})
	}

	t.Run("j_security_check anywhere in the context", func(t *testing.T) {
		b := newBrowser(t)
		b.get(examples + tomcatserver.ProtectedPage)
		p := b.post(examples+"/j_security_check", credentials(tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword))
		if p.status != http.StatusSeeOther || p.header.Get("Location") != tomcatserver.ExamplesPath+tomcatserver.ProtectedPage {
			t.Fatalf("POST /examples/j_security_check: status %d, Location %q; want 303 to the protected page",
				p.status, p.header.Get("Location"))
		}
	})
}

// T4: after the manager expired the session, the protected page answers 200
// with the login page (no 401, no redirect) and a new cookie.
func TestExpiredSessionGivesLoginPage(t *testing.T) {
	srv := tomcatserver.Start(t)
	for _, contextPath := range []string{tomcatserver.ExamplesPath, tomcatserver.CookieExamplesPath} {
		t.Run(contextPath, func(t *testing.T) {
			b := newBrowser(t)
			old := login(t, srv, b, contextPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword)
			n, err := srv.ExpireSessions(t.Context(), contextPath)
			if err != nil || n < 1 {
				t.Fatalf("ExpireSessions = %d, %v; want at least 1", n, err)
			}

			p := b.get(srv.URL + contextPath + tomcatserver.ProtectedPage)
			if p.status != http.StatusOK || p.header.Get("Location") != "" {
				t.Fatalf("expired session: status %d, Location %q; want 200 without a redirect", p.status, p.header.Get("Location"))
			}
			action := mustLoginForm(t, p)
			if action != "j_security_check" {
				t.Errorf("form action %q, want j_security_check (the stale id came in a cookie, so no rewriting)", action)
			}
			if _, _, ok := remoteUser(p); ok {
				t.Error("expired session still sees the protected page")
			}
			fresh := p.sessionCookie()
			if fresh == nil || fresh.Value == old {
				t.Fatalf("expired session: JSESSIONID %v, want a new id (old %s)", fresh, old)
			}

			p = b.post(p.resolve(t, action), credentials(tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword))
			if p.status != http.StatusSeeOther {
				t.Fatalf("re-login: status %d, want 303", p.status)
			}
			p = b.get(p.resolve(t, p.header.Get("Location")))
			if user, _, ok := remoteUser(p); !ok || user != tomcatserver.ExamplesUser {
				t.Fatalf("after re-login: user %q (found %v)", user, ok)
			}
		})
	}
}

// T5: Tomcat saves a POST that met the login page and runs it itself after
// the login; a body over maxSavePostSize (4096 bytes) is refused instead.
func TestSavedPostReplay(t *testing.T) {
	srv := tomcatserver.Start(t)
	protected := srv.URL + tomcatserver.ExamplesPath + tomcatserver.ProtectedPage
	// Keys are t5-NNNN, so every body starts with a prefix of this length.
	const prefix = "dataName=t5-0000&dataValue="
	tests := []struct {
		name       string
		value      string
		bodySize   int // 0: any
		wantStatus int // answer to the POST on the expired session
		wantStored int // rows naming the key after the login
	}{
		{name: "small body replayed by Tomcat", value: "v", wantStatus: http.StatusOK, wantStored: 1},
		{name: "body of maxSavePostSize replayed", value: strings.Repeat("x", 4096-len(prefix)), bodySize: 4096,
			wantStatus: http.StatusOK, wantStored: 1},
		{name: "body one byte over maxSavePostSize refused", value: strings.Repeat("x", 4097-len(prefix)), bodySize: 4097,
			wantStatus: http.StatusForbidden, wantStored: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := fmt.Sprintf("t5-%04d", keySeq.Add(1))
			b := newBrowser(t)
			login(t, srv, b, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword)
			if n, err := srv.ExpireSessions(t.Context(), tomcatserver.ExamplesPath); err != nil || n < 1 {
				t.Fatalf("ExpireSessions = %d, %v; want at least 1", n, err)
			}

			form := url.Values{"dataName": {key}, "dataValue": {tt.value}}
			if size := len(form.Encode()); tt.bodySize != 0 && size != tt.bodySize {
				t.Fatalf("body of %d bytes, want %d", size, tt.bodySize)
			}
			p := b.post(protected, form)
			if p.status != tt.wantStatus {
				t.Fatalf("POST on the expired session (%d bytes): status %d, want %d", len(form.Encode()), p.status, tt.wantStatus)
			}
			if tt.wantStatus == http.StatusForbidden {
				if p.title(t) != "403 Access Denied" {
					t.Errorf("403 title %q, want the examples' 403 page", p.title(t))
				}
				// The refused request started no login: begin at the page.
				p = b.get(protected)
			}
			action := mustLoginForm(t, p)

			p = b.post(p.resolve(t, action), credentials(tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword))
			if p.status != http.StatusSeeOther || p.header.Get("Location") != tomcatserver.ExamplesPath+tomcatserver.ProtectedPage {
				t.Fatalf("login: status %d, Location %q; want 303 to the protected page", p.status, p.header.Get("Location"))
			}
			// A GET without data: whatever the page stores comes from the
			// POST that Tomcat saved and now restores.
			p = b.get(p.resolve(t, p.header.Get("Location")))
			if _, _, ok := remoteUser(p); !ok {
				t.Fatalf("after login: not the protected page (status %d)", p.status)
			}
			got := sessionAttributes(t, p, key)
			if len(got) != tt.wantStored {
				t.Fatalf("key %s appears %d times after the login, want %d", key, len(got), tt.wantStored)
			}
			if tt.wantStored == 1 && got[0] != tt.value {
				t.Errorf("stored value %.40q, want %.40q", got[0], tt.value)
			}

			// The next GET is a plain GET again: nothing is restored twice.
			p = b.get(protected)
			if got := sessionAttributes(t, p, key); len(got) != tt.wantStored {
				t.Errorf("key %s appears %d times on the next GET, want %d", key, len(got), tt.wantStored)
			}
		})
	}
}

// T6: ?logoff=true invalidates the session and redirects, relative to the
// page, to the protected page, which is the login page again.
func TestLogoff(t *testing.T) {
	srv := tomcatserver.Start(t)
	b := newBrowser(t)
	session := login(t, srv, b, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword)

	p := b.get(srv.URL + tomcatserver.ExamplesPath + tomcatserver.ProtectedPage + "?logoff=true")
	if p.status != http.StatusFound || p.header.Get("Location") != "index.jsp" {
		t.Fatalf("logoff: status %d, Location %q; want 302 to index.jsp", p.status, p.header.Get("Location"))
	}
	p = b.get(p.resolve(t, p.header.Get("Location")))
	if p.status != http.StatusOK {
		t.Fatalf("after logoff: status %d, want 200", p.status)
	}
	mustLoginForm(t, p)
	if c := p.sessionCookie(); c == nil || c.Value == session {
		t.Errorf("after logoff: JSESSIONID %v, want a new id (old %s)", c, session)
	}
}
