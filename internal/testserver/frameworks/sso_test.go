package frameworks_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/frameworks"
)

// ssoBrowser is a browser for the single sign-on fixture: one jar for the relying party and Keycloak. Keycloak
// marks its cookies Secure even on plain http; Go's jar, like browsers, treats loopback hosts as secure and sends
// them (TestSSO/sessions/Login checks both).
func ssoBrowser(t testing.TB, sso *frameworks.SSO) *browser {
	t.Helper()
	return newBrowser(t, sso.App)
}

// follow GETs location and the redirects after it, up to limit, and returns the last answer and the URLs visited.
func (b *browser) follow(location string, limit int) (reply, []string) {
	b.t.Helper()
	var visited []string
	for range limit {
		visited = append(visited, location)
		r := b.get(location)
		if r.status < 300 || r.status > 399 {
			return r, visited
		}
		next, err := url.Parse(b.resolve(location))
		if err != nil {
			b.t.Fatal(err)
		}
		loc, err := next.Parse(r.header.Get("Location"))
		if err != nil {
			b.t.Fatalf("redirect from %s: %v", location, err)
		}
		location = loc.String()
	}
	b.t.Fatalf("more than %d redirects: %v", limit, visited)
	return reply{}, nil
}

var formActionRE = regexp.MustCompile(`<form[^>]*id="kc-form-login"[^>]*action="([^"]*)"`)

// keycloakForm returns the login form of a Keycloak page: the raw action attribute (HTML-escaped) and the form.
func keycloakForm(t testing.TB, page string) (rawAction string, f form) {
	t.Helper()
	m := formActionRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no kc-form-login in the page:\n%.3000s", page)
	}
	return m[1], formWith(t, page, "password")
}

// providerLogin answers Keycloak's login page with u's name and password and returns the answer to the POST.
func (b *browser) providerLogin(page string, u frameworks.User, password string) reply {
	b.t.Helper()
	_, f := keycloakForm(b.t, page)
	f.values.Set("username", u.Name)
	f.values.Set("password", password)
	return b.postForm(f.action, f.values)
}

// TestSSO checks what the single sign-on fixture does: Spring Security's oauth2Login() in front, Keycloak's login
// form behind, the code coming back, and Keycloak's own session making a second login password-free.
func TestSSO(t *testing.T) {
	t.Parallel()
	sso := frameworks.StartSSO(t)
	alice, bob, carol := users(t)
	issuer, err := url.Parse(sso.Issuer())
	if err != nil {
		t.Fatal(err)
	}

	t.Run("sessions", func(t *testing.T) {
		t.Run("AnonymousPageRedirectsToProvider", func(t *testing.T) {
			t.Parallel()
			b := ssoBrowser(t, sso)
			r := b.get(frameworks.PagePath)
			if r.status != http.StatusFound || b.locationPath(r) != "/oauth2/authorization/keycloak" {
				t.Fatalf("GET %s: %d Location %q, want 302 to /oauth2/authorization/keycloak", frameworks.PagePath,
					r.status, r.header.Get("Location"))
			}
			r = b.get(r.header.Get("Location"))
			loc, err := url.Parse(r.header.Get("Location"))
			if r.status != http.StatusFound || err != nil || loc.Host != issuer.Host ||
				loc.Path != issuer.Path+"/protocol/openid-connect/auth" {
				t.Fatalf("GET /oauth2/authorization/keycloak: %d Location %q, want 302 to the realm's auth endpoint",
					r.status, r.header.Get("Location"))
			}
			q := loc.Query()
			if q.Get("client_id") != frameworks.RPClientID || q.Get("response_type") != "code" ||
				q.Get("state") == "" || q.Get("nonce") == "" ||
				q.Get("redirect_uri") != sso.App.URL+"/login/oauth2/code/keycloak" {
				t.Fatalf("authorization request %v", q)
			}
		})

		t.Run("AnonymousJSONIs401", func(t *testing.T) {
			t.Parallel()
			b := ssoBrowser(t, sso)
			if r := b.get(frameworks.MePath, "Accept", "application/json"); r.status != http.StatusUnauthorized {
				t.Fatalf("GET %s: %d, want 401", frameworks.MePath, r.status)
			}
		})

		t.Run("Login", func(t *testing.T) {
			t.Parallel()
			b := ssoBrowser(t, sso)
			before := sso.App.Counters(t)
			page, visited := b.follow(frameworks.PagePath, 5)
			if page.status != http.StatusOK || !hasPasswordForm(page.body) {
				t.Fatalf("GET %s through %v: %d, want Keycloak's login form", frameworks.PagePath, visited, page.status)
			}
			for _, c := range page.header.Values("Set-Cookie") {
				if strings.HasPrefix(c, "AUTH_SESSION_ID=") && !strings.Contains(c, ";Secure") {
					t.Errorf("Keycloak's AUTH_SESSION_ID is not Secure on http: %s", c)
				}
			}
			raw, f := keycloakForm(t, page.body)
			// The action is HTML-escaped and carries the login's state in its query.
			if !strings.Contains(raw, "&amp;") {
				t.Errorf("the raw action %q is not HTML-escaped", raw)
			}
			action, err := url.Parse(f.action)
			if err != nil || action.Host != issuer.Host || action.Path != issuer.Path+"/login-actions/authenticate" {
				t.Fatalf("form action %q", f.action)
			}
			for _, p := range []string{"session_code", "execution", "client_id", "tab_id"} {
				if action.Query().Get(p) == "" {
					t.Errorf("the form action has no %s: %s", p, f.action)
				}
			}
			if f.types["username"] != "text" && f.types["username"] != "" || f.types["password"] != "password" {
				t.Errorf("login inputs: %v", f.types)
			}
			r := b.providerLogin(page.body, bob, bob.Password)
			code, err := url.Parse(r.header.Get("Location"))
			if r.status != http.StatusFound || err != nil || code.Path != "/login/oauth2/code/keycloak" ||
				code.Query().Get("code") == "" || code.Query().Get("state") == "" || code.Query().Get("iss") != sso.Issuer() {
				t.Fatalf("login at Keycloak: %d Location %q, want 302 to the relying party with code, state, iss",
					r.status, r.header.Get("Location"))
			}
			if cookie := b.cookieAt(sso.Issuer()+"/", "KEYCLOAK_IDENTITY"); cookie == "" {
				t.Errorf("no KEYCLOAK_IDENTITY cookie after the login")
			}
			final, visited := b.follow(r.header.Get("Location"), 5)
			if final.status != http.StatusOK || !strings.Contains(final.body, "Hello "+bob.Name) {
				t.Fatalf("back at the relying party through %v: %d, want the protected page", visited, final.status)
			}
			if me := b.get(frameworks.MePath, "Accept", "application/json"); me.status != http.StatusOK ||
				!strings.Contains(me.body, `"`+bob.Name+`"`) {
				t.Fatalf("GET %s: %d %s", frameworks.MePath, me.status, me.body)
			}
			after := sso.App.Counters(t)
			if d := after.LoginsOK[bob.Name] - before.LoginsOK[bob.Name]; d != 1 {
				t.Errorf("logins of %s at the relying party: +%d, want +1", bob.Name, d)
			}
		})

		t.Run("WrongPassword", func(t *testing.T) {
			t.Parallel()
			b := ssoBrowser(t, sso)
			page, _ := b.follow(frameworks.PagePath, 5)
			r := b.providerLogin(page.body, carol, carol.Password+"-wrong")
			if r.status != http.StatusOK || !hasPasswordForm(r.body) || !strings.Contains(r.body, "Invalid username or password") {
				t.Fatalf("wrong password at Keycloak: %d, want 200 with the form and \"Invalid username or password\"", r.status)
			}
			if me := b.get(frameworks.MePath, "Accept", "application/json"); me.status != http.StatusUnauthorized {
				t.Fatalf("GET %s after a wrong password: %d, want 401", frameworks.MePath, me.status)
			}
			// The form of the answer works: the right password now logs in.
			r = b.providerLogin(r.body, carol, carol.Password)
			if final, visited := b.follow(r.header.Get("Location"), 5); final.status != http.StatusOK {
				t.Fatalf("login after a wrong password, through %v: %d", visited, final.status)
			}
		})

		t.Run("CSRFPosts", func(t *testing.T) {
			t.Parallel()
			b := ssoBrowser(t, sso)
			page, _ := b.follow(frameworks.PagePath, 5)
			r := b.providerLogin(page.body, alice, alice.Password)
			page, _ = b.follow(r.header.Get("Location"), 5)
			field := formWith(t, page.body, "_csrf").values.Get("_csrf")
			header, headerName := metaContent(page.body, "_csrf"), metaContent(page.body, "_csrf_header")
			if field == "" || header == "" || headerName != "X-CSRF-TOKEN" {
				t.Fatalf("tokens on the page: field %q, meta %q, header name %q", field, header, headerName)
			}
			key := t.Name()
			if r := b.postForm(countPath(key), url.Values{"note": {"x"}}); r.status != http.StatusForbidden {
				t.Fatalf("form POST without _csrf: %d, want 403", r.status)
			}
			if r := b.postJSON(countPath(key), map[string]string{"note": "x"}); r.status != http.StatusForbidden {
				t.Fatalf("JSON POST without %s: %d, want 403", headerName, r.status)
			}
			if r := b.postForm(countPath(key), url.Values{"_csrf": {field}}); r.status != http.StatusOK {
				t.Fatalf("form POST with _csrf: %d, want 200", r.status)
			}
			if r := b.postJSON(countPath(key), map[string]string{"note": "x"}, headerName, header); r.status != http.StatusOK {
				t.Fatalf("JSON POST with %s: %d, want 200", headerName, r.status)
			}
			if n := sso.App.Counters(t).Counts[key]; n != 2 {
				t.Fatalf("counter %s = %d, want 2", key, n)
			}
		})

		t.Run("PublicClientPKCE", func(t *testing.T) {
			t.Parallel()
			testPKCE(t, sso, alice)
		})
	})

	// Sequential, after the group: they end sessions of every user.
	t.Run("AppSessionEnds", func(t *testing.T) {
		b := ssoBrowser(t, sso)
		page, _ := b.follow(frameworks.PagePath, 5)
		r := b.providerLogin(page.body, alice, alice.Password)
		if page, _ = b.follow(r.header.Get("Location"), 5); page.status != http.StatusOK {
			t.Fatalf("login: %d", page.status)
		}
		sso.App.ExpireAll(t)
		// Keycloak's session lives on: the way through it comes straight back with a code, no form.
		page, visited := b.follow(frameworks.PagePath, 6)
		if page.status != http.StatusOK || hasPasswordForm(page.body) || !strings.Contains(page.body, "Hello "+alice.Name) {
			t.Fatalf("GET %s after the relying party's sessions ended, through %v: %d (login form: %v), want the page "+
				"without a password", frameworks.PagePath, visited, page.status, hasPasswordForm(page.body))
		}
		if len(visited) != 5 {
			t.Errorf("visited %v, want page, /oauth2/authorization, Keycloak, the code, page", visited)
		}
	})

	t.Run("BothSessionsEnd", func(t *testing.T) {
		b := ssoBrowser(t, sso)
		page, _ := b.follow(frameworks.PagePath, 5)
		r := b.providerLogin(page.body, alice, alice.Password)
		if page, _ = b.follow(r.header.Get("Location"), 5); page.status != http.StatusOK {
			t.Fatalf("login: %d", page.status)
		}
		sso.EndProviderSessions(t)
		sso.App.ExpireAll(t)
		page, visited := b.follow(frameworks.PagePath, 5)
		if page.status != http.StatusOK || !hasPasswordForm(page.body) {
			t.Fatalf("GET %s after both sessions ended, through %v: %d, want Keycloak's login form", frameworks.PagePath,
				visited, page.status)
		}
		r = b.providerLogin(page.body, alice, alice.Password)
		if page, _ = b.follow(r.header.Get("Location"), 5); page.status != http.StatusOK || !strings.Contains(page.body, "Hello") {
			t.Fatalf("login again: %d", page.status)
		}
	})
}

// testPKCE runs the authorization code flow with PKCE for the public client by hand, then the refresh flow:
// the server facts the token package's flows meet.
func testPKCE(t *testing.T, sso *frameworks.SSO, u frameworks.User) {
	b := ssoBrowser(t, sso)
	verifierBytes := make([]byte, 32)
	if _, err := rand.Read(verifierBytes); err != nil {
		t.Fatal(err)
	}
	verifier := base64.RawURLEncoding.EncodeToString(verifierBytes)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	redirect := "http://127.0.0.1:1" + frameworks.PublicRedirectPath // any port: nothing needs to listen there
	auth := sso.Issuer() + "/protocol/openid-connect/auth?" + url.Values{
		"client_id": {frameworks.PublicClientID}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {redirect}, "state": {"st"}}.Encode()

	// Without a code challenge the client is refused (PKCE is required): back to the redirect URI with an error.
	r := b.get(auth)
	if loc, _ := url.Parse(r.header.Get("Location")); r.status != http.StatusFound || loc == nil ||
		loc.Query().Get("error") != "invalid_request" {
		t.Fatalf("authorization request without PKCE: %d Location %q, want a redirect with error=invalid_request",
			r.status, r.header.Get("Location"))
	}

	page := b.get(auth + "&" + url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}.Encode())
	if page.status != http.StatusOK || !hasPasswordForm(page.body) {
		t.Fatalf("authorization request with PKCE: %d, want the login form", page.status)
	}
	r = b.providerLogin(page.body, u, u.Password)
	loc, err := url.Parse(r.header.Get("Location"))
	if r.status != http.StatusFound || err != nil || loc.Host != "127.0.0.1:1" || loc.Query().Get("code") == "" ||
		loc.Query().Get("state") != "st" {
		t.Fatalf("login: %d Location %q, want the redirect URI with a code", r.status, r.header.Get("Location"))
	}
	token := func(form url.Values) (int, map[string]any) {
		r := b.postForm(sso.Issuer()+"/protocol/openid-connect/token", form)
		var out map[string]any
		_ = json.Unmarshal([]byte(r.body), &out)
		return r.status, out
	}
	codeForm := url.Values{"grant_type": {"authorization_code"}, "client_id": {frameworks.PublicClientID},
		"code": {loc.Query().Get("code")}, "redirect_uri": {redirect}}
	wrong := url.Values{}
	for k, v := range codeForm {
		wrong[k] = v
	}
	wrong.Set("code_verifier", verifier+"x")
	if status, out := token(wrong); status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("token request with a wrong code_verifier: %d %v, want 400 invalid_grant", status, out)
	}
	// A failed exchange uses the code up: the right verifier no longer gets a token for it.
	codeForm.Set("code_verifier", verifier)
	if status, out := token(codeForm); status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("the code again, with the right verifier after a wrong one: %d %v, want 400 invalid_grant", status, out)
	}
	// Keycloak's session is there: a new authorization request comes back with a new code at once.
	page = b.get(auth + "&" + url.Values{"code_challenge": {challenge}, "code_challenge_method": {"S256"}}.Encode())
	loc, err = url.Parse(page.header.Get("Location"))
	if page.status != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("second authorization request with Keycloak's session: %d Location %q, want a code without the form",
			page.status, page.header.Get("Location"))
	}
	codeForm.Set("code", loc.Query().Get("code"))
	status, out := token(codeForm)
	refresh, _ := out["refresh_token"].(string)
	if status != http.StatusOK || out["access_token"] == nil || refresh == "" || out["token_type"] != "Bearer" {
		t.Fatalf("token request: %d %v, want access and refresh tokens", status, out)
	}
	status, out = token(url.Values{"grant_type": {"refresh_token"}, "client_id": {frameworks.PublicClientID},
		"refresh_token": {refresh}})
	if status != http.StatusOK || out["access_token"] == nil {
		t.Fatalf("refresh: %d %v, want a new access token", status, out)
	}
}
