package springserver_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/springserver"
)

// TestSecureCookieAndRestart checks S19 (a Secure; SameSite=Strict session cookie served over plain http) and
// Server.Restart (S13's server restart: same URL, every session lost), on a JVM of its own.
func TestSecureCookieAndRestart(t *testing.T) {
	for _, version := range springserver.Versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			srv := springserver.Start(t, version, "secure", springserver.Dedicated())

			c := newClient(t, srv.URL)
			_, page := c.pageToken("/login")
			ck := page.setCookie("JSESSIONID")
			if ck == nil || !ck.Secure || ck.SameSite != http.SameSiteStrictMode || !ck.HttpOnly {
				t.Fatalf("JSESSIONID should be Secure, HttpOnly, SameSite=Strict: %v", page)
			}
			wantLine := "JSESSIONID=" + ck.Value + "; Path=/; Secure; HttpOnly; SameSite=Strict"
			if line := page.rawSetCookie("JSESSIONID"); line != wantLine {
				t.Errorf("Set-Cookie %q, want %q", line, wantLine)
			}
			// Go's cookie jar treats loopback as a secure origin (like browsers), so over http://127.0.0.1 the
			// Secure cookie is sent and the login works.
			if got := c.cookie("JSESSIONID"); got != ck.Value {
				t.Fatalf("the jar should send the Secure cookie to a loopback address, got %q", got)
			}
			c.mustLogin("user", "password", nil)
			if me := c.get("/api/me", jsonAccept); me.Status != http.StatusOK {
				t.Fatalf("probe through the jar: %v", me)
			}

			// Under any other host name the jar withholds the Secure cookie over http: the login POST arrives
			// without a session, hence without the stored token, and is rejected as CSRF (masked as 401).
			named := newClientAs(t, srv.URL, "fixture.test")
			token, page := named.pageToken("/login")
			if page.setCookie("JSESSIONID") == nil || named.cookie("JSESSIONID") != "" {
				t.Fatalf("the jar should keep but withhold the Secure cookie for http://fixture.test: %v", page)
			}
			form := url.Values{"username": {"user"}, "password": {"password"}, "_csrf": {token}}
			if r := named.do(http.MethodPost, "/login", nil, form); r.Status != http.StatusUnauthorized {
				t.Fatalf("login through the jar over http to a named host: want the masked 401, got %v", r)
			}

			// Sending the cookie by hand (as a client that ignores Secure would) logs in.
			manual := named
			token, page = manual.pageToken("/login")
			session := page.setCookie("JSESSIONID").Value
			r := manual.do(http.MethodPost, "/login", http.Header{"Cookie": {"JSESSIONID=" + session}}, url.Values{
				"username": {"user"}, "password": {"password"}, "_csrf": {token}})
			rotated := r.setCookie("JSESSIONID")
			if r.Status != http.StatusFound || rotated == nil || rotated.Value == session ||
				!strings.Contains(r.rawSetCookie("JSESSIONID"), "; Secure; HttpOnly; SameSite=Strict") {
				t.Fatalf("login with the cookie sent by hand: %v", r)
			}
			probe := func() result {
				return manual.get("/api/me", http.Header{"Cookie": {"JSESSIONID=" + rotated.Value}})
			}
			if me := probe(); me.Status != http.StatusOK || me.Body != "user" {
				t.Fatalf("probe: %v", me)
			}

			before := srv.Info()
			srv.Restart(t)
			after := srv.Info()
			if after.Port != before.Port || after.PID == before.PID {
				t.Fatalf("restart: port %d -> %d, pid %d -> %d; want the same port and a new process",
					before.Port, after.Port, before.PID, after.PID)
			}
			if me := probe(); me.Status != http.StatusUnauthorized {
				t.Fatalf("probe after restart: the session should be gone (401), got %v", me)
			}
		})
	}
}

// TestSessionTimeout checks the server-wide session settings of the Boot-default JVMs: "timeout" sets Spring Boot's
// server.servlet.session.timeout=1m (S20), "default" keeps Boot's 30 minutes, and /test/session-ttl shortens one
// session.
func TestSessionTimeout(t *testing.T) {
	for _, version := range springserver.Versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			tests := []struct {
				profile string
				want    string
			}{
				{"default", "1800"},
				{"timeout", "60"},
			}
			for _, tt := range tests {
				t.Run(tt.profile, func(t *testing.T) {
					srv := springserver.Start(t, version, tt.profile)
					c := newClient(t, srv.URL)
					if r := c.get("/test/session-ttl", nil); r.Status != http.StatusNotFound {
						t.Fatalf("no session yet: want 404, got %v", r)
					}
					c.mustLogin("user", "password", nil)
					if r := c.get("/test/session-ttl", nil); r.Status != http.StatusOK || r.Body != tt.want {
						t.Fatalf("session timeout: want %s s, got %v", tt.want, r)
					}
					if r := c.do(http.MethodPost, "/test/session-ttl?s=7", nil, nil); r.Status != http.StatusNoContent {
						t.Fatalf("set the session timeout: %v", r)
					}
					if r := c.get("/test/session-ttl", nil); r.Body != "7" {
						t.Fatalf("session timeout after setting 7 s: %v", r)
					}
				})
			}
		})
	}
}
