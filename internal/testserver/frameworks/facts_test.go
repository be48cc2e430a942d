package frameworks_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/frameworks"
)

// wrongPassword is what a framework answers to a login POST with a wrong password.
type wrongPassword int

const (
	formAgain       wrongPassword = iota // the login form again, with the status in fact.wrongStatus
	redirectToLogin                      // a redirect to the login page
)

// fact is what one framework does, by its own documentation and as these tests check it against the real thing.
// Only these server-fact tests use this knowledge: limpet's login must find it out by itself.
type fact struct {
	userField, passField string
	// tokenField is the hidden input with the CSRF token, in the login form and the protected page's forms.
	tokenField string
	// tokenHeader carries the token of a JSON request, read from the cookie tokenCookie (URL-decoded when
	// cookieURLEncoded) or, without one, from <meta name=tokenMeta> of the protected page.
	tokenHeader, tokenCookie, tokenMeta string
	cookieURLEncoded                    bool
	// refusal is the status of a POST without a valid token.
	refusal int
	// rotates reports that logging in makes the token of the login page unusable.
	rotates bool
	// wrong is the answer to a wrong password; wrongStatus its status when it is formAgain.
	wrong       wrongPassword
	wrongStatus int
}

var facts = map[string]fact{
	frameworks.Django: {
		userField: "username", passField: "password", tokenField: "csrfmiddlewaretoken",
		tokenHeader: "X-CSRFToken", tokenCookie: "csrftoken",
		refusal: http.StatusForbidden, rotates: true, wrong: formAgain, wrongStatus: http.StatusOK,
	},
	frameworks.Flask: {
		userField: "username", passField: "password", tokenField: "csrf_token",
		tokenHeader: "X-CSRFToken", tokenMeta: "csrf-token",
		refusal: http.StatusBadRequest, rotates: false, wrong: formAgain, wrongStatus: http.StatusOK,
	},
	frameworks.ExpressSync: {
		userField: "username", passField: "password", tokenField: "_csrf",
		tokenHeader: "X-CSRF-Token", tokenMeta: "csrf-token",
		refusal: http.StatusForbidden, rotates: true, wrong: redirectToLogin,
	},
	frameworks.ExpressCSRF: {
		userField: "username", passField: "password", tokenField: "_csrf",
		tokenHeader: "X-CSRF-Token", tokenCookie: "psifi.x-csrf-token",
		refusal: http.StatusForbidden, rotates: true, wrong: formAgain, wrongStatus: http.StatusUnauthorized,
	},
	frameworks.Rails: {
		userField: "user[email]", passField: "user[password]", tokenField: "authenticity_token",
		tokenHeader: "X-CSRF-Token", tokenMeta: "csrf-token",
		refusal: http.StatusUnprocessableEntity, rotates: true, wrong: formAgain, wrongStatus: http.StatusOK,
	},
	frameworks.Laravel: {
		userField: "email", passField: "password", tokenField: "_token",
		tokenHeader: "X-XSRF-TOKEN", tokenCookie: "XSRF-TOKEN", cookieURLEncoded: true,
		refusal: 419, rotates: true, wrong: redirectToLogin,
	},
}

func users(t testing.TB) (alice, bob, carol frameworks.User) {
	t.Helper()
	all, err := frameworks.LoadUsers()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 3 {
		t.Fatalf("users.txt lists %d users, the tests need 3", len(all))
	}
	return all[0], all[1], all[2]
}

// login logs u in the framework's way: the login page's form, its hidden inputs (the CSRF token among them), the
// framework's field names, posted to the form's action. It returns the answer to the POST and the form as the
// page had it.
func (b *browser) login(app string, u frameworks.User, password string) (reply, form) {
	b.t.Helper()
	f := facts[app]
	page := b.get(frameworks.LoginPath(app))
	if page.status != http.StatusOK {
		b.t.Fatalf("GET %s: %d, want 200", frameworks.LoginPath(app), page.status)
	}
	lf := formWith(b.t, page.body, f.passField)
	if lf.types[f.passField] != "password" {
		b.t.Fatalf("the login form's %s is of type %q", f.passField, lf.types[f.passField])
	}
	if lf.values.Get(f.tokenField) == "" {
		b.t.Fatalf("the login form has no %s: %v", f.tokenField, lf.values)
	}
	vals := url.Values{}
	for k, v := range lf.values {
		vals[k] = append([]string(nil), v...)
	}
	vals.Set(f.userField, u.Login(app))
	vals.Set(f.passField, password)
	action := lf.action
	if action == "" {
		action = frameworks.LoginPath(app)
	}
	return b.postForm(action, vals), lf
}

// mustLogin logs u in and checks that the framework took it: a redirect away from the login page, and the JSON
// endpoint answering with the user.
func (b *browser) mustLogin(app string, u frameworks.User) {
	b.t.Helper()
	r, _ := b.login(app, u, u.Password)
	if r.status != http.StatusFound && r.status != http.StatusSeeOther {
		b.t.Fatalf("login of %s: %d, want a redirect\n%.2000s", u.Name, r.status, r.body)
	}
	if p := b.locationPath(r); p == frameworks.LoginPath(app) {
		b.t.Fatalf("login of %s redirected back to the login page %s", u.Name, r.header.Get("Location"))
	}
	me := b.get(frameworks.MePath, "Accept", "application/json")
	if me.status != http.StatusOK || !strings.Contains(me.body, u.Login(app)) {
		b.t.Fatalf("after the login GET %s: %d %s, want 200 with %s", frameworks.MePath, me.status, me.body, u.Login(app))
	}
}

// pageToken returns the CSRF token of the protected page's form, and the token a JSON request sends in the
// framework's header (from its cookie or meta tag). It fails when the page is not served.
func (b *browser) pageToken(app string) (field, header string) {
	b.t.Helper()
	f := facts[app]
	page := b.get(frameworks.PagePath)
	if page.status != http.StatusOK {
		b.t.Fatalf("GET %s: %d, want 200", frameworks.PagePath, page.status)
	}
	field = formWith(b.t, page.body, f.tokenField).values.Get(f.tokenField)
	switch {
	case f.tokenCookie != "":
		header = b.cookie(f.tokenCookie)
		if f.cookieURLEncoded {
			var err error
			if header, err = url.QueryUnescape(header); err != nil {
				b.t.Fatalf("cookie %s: %v", f.tokenCookie, err)
			}
		}
	default:
		header = metaContent(page.body, f.tokenMeta)
	}
	if field == "" || header == "" {
		b.t.Fatalf("no token on %s: field %q, header %q", frameworks.PagePath, field, header)
	}
	return field, header
}

func countPath(key string) string { return frameworks.CountPath + "?key=" + url.QueryEscape(key) }

// TestFacts checks, against each real framework, what its login and CSRF protection do, with hand-written HTTP.
func TestFacts(t *testing.T) {
	t.Parallel()
	for _, app := range frameworks.Apps() {
		t.Run(app, func(t *testing.T) {
			t.Parallel()
			srv := frameworks.Start(t, app)
			t.Run("sessions", func(t *testing.T) { testSessions(t, srv) })
			// Sequential, after every test of the group: it ends every session of the server.
			t.Run("ExpireAll", func(t *testing.T) { testExpireAll(t, srv) })
		})
	}
}

func testSessions(t *testing.T, srv *frameworks.Server) {
	app := srv.App
	f := facts[app]
	alice, bob, carol := users(t)

	if app == frameworks.Django {
		t.Run("Admin", func(t *testing.T) {
			t.Parallel()
			testDjangoAdmin(t, srv)
		})
	}

	t.Run("AnonymousPageRedirectsToLogin", func(t *testing.T) {
		t.Parallel()
		b := newBrowser(t, srv)
		r := b.get(frameworks.PagePath)
		if r.status != http.StatusFound || b.locationPath(r) != frameworks.LoginPath(app) {
			t.Fatalf("GET %s: %d Location %q, want 302 to %s", frameworks.PagePath, r.status,
				r.header.Get("Location"), frameworks.LoginPath(app))
		}
	})

	t.Run("AnonymousJSONIs401", func(t *testing.T) {
		t.Parallel()
		b := newBrowser(t, srv)
		if r := b.get(frameworks.MePath, "Accept", "application/json"); r.status != http.StatusUnauthorized {
			t.Fatalf("GET %s: %d, want 401", frameworks.MePath, r.status)
		}
	})

	t.Run("Login", func(t *testing.T) {
		t.Parallel()
		b := newBrowser(t, srv)
		before := srv.Counters(t)
		b.mustLogin(app, bob)
		after := srv.Counters(t)
		login := bob.Login(app)
		if d := after.LoginPosts[login] - before.LoginPosts[login]; d != 1 {
			t.Errorf("login POSTs of %s: +%d, want +1", login, d)
		}
		if d := after.LoginsOK[login] - before.LoginsOK[login]; d != 1 {
			t.Errorf("successful logins of %s: +%d, want +1", login, d)
		}
		if d := after.LoginsFailed[login] - before.LoginsFailed[login]; d != 0 {
			t.Errorf("failed logins of %s: +%d, want 0", login, d)
		}
		if r := b.get(frameworks.PagePath); r.status != http.StatusOK || hasPasswordForm(r.body) {
			t.Errorf("GET %s after the login: %d, want 200 without a login form", frameworks.PagePath, r.status)
		}
	})

	t.Run("WrongPassword", func(t *testing.T) {
		t.Parallel()
		b := newBrowser(t, srv)
		login := carol.Login(app)
		before := srv.Counters(t)
		r, _ := b.login(app, carol, carol.Password+"-wrong")
		switch f.wrong {
		case formAgain:
			if r.status != f.wrongStatus || !hasPasswordForm(r.body) {
				t.Fatalf("wrong password: %d (login form: %v), want %d with the login form", r.status,
					hasPasswordForm(r.body), f.wrongStatus)
			}
		case redirectToLogin:
			if r.status != http.StatusFound || b.locationPath(r) != frameworks.LoginPath(app) {
				t.Fatalf("wrong password: %d Location %q, want 302 to %s", r.status, r.header.Get("Location"),
					frameworks.LoginPath(app))
			}
			if page := b.get(r.header.Get("Location")); page.status != http.StatusOK || !hasPasswordForm(page.body) {
				t.Fatalf("the redirect after a wrong password: %d, want 200 with the login form", page.status)
			}
		}
		after := srv.Counters(t)
		if d := after.LoginPosts[login] - before.LoginPosts[login]; d != 1 {
			t.Errorf("login POSTs of %s: +%d, want +1", login, d)
		}
		if d := after.LoginsFailed[login] - before.LoginsFailed[login]; d != 1 {
			t.Errorf("failed logins of %s: +%d, want +1", login, d)
		}
		if d := after.LoginsOK[login] - before.LoginsOK[login]; d != 0 {
			t.Errorf("successful logins of %s: +%d, want 0", login, d)
		}
		if me := b.get(frameworks.MePath, "Accept", "application/json"); me.status != http.StatusUnauthorized {
			t.Errorf("GET %s after a wrong password: %d, want 401", frameworks.MePath, me.status)
		}
	})

	t.Run("LoginWithoutTokenIsRefused", func(t *testing.T) {
		t.Parallel()
		b := newBrowser(t, srv)
		// A user no other test logs in as: the counters of this login are this test's alone.
		nobody := frameworks.User{Name: "mallory", Email: "mallory@example.com", Password: "x"}
		login := nobody.Login(app)
		before := srv.Counters(t)
		b.get(frameworks.LoginPath(app)) // the session (and token cookie) a browser would have
		r := b.postForm(frameworks.LoginPath(app), url.Values{f.userField: {login}, f.passField: {nobody.Password}})
		if r.status != f.refusal {
			t.Fatalf("login POST without a token: %d, want %d", r.status, f.refusal)
		}
		after := srv.Counters(t)
		if d := after.LoginPosts[login] - before.LoginPosts[login]; d != 1 {
			t.Errorf("login POSTs of %s: +%d, want +1", login, d)
		}
		if d := after.LoginsFailed[login] - before.LoginsFailed[login]; d != 0 {
			t.Errorf("failed logins of %s: +%d, want 0 (the token check comes first)", login, d)
		}
	})

	t.Run("FormPost", func(t *testing.T) {
		t.Parallel()
		b := newBrowser(t, srv)
		b.mustLogin(app, alice)
		field, _ := b.pageToken(app)
		key := t.Name()
		if r := b.postForm(countPath(key), url.Values{"note": {"no token"}}); r.status != f.refusal {
			t.Fatalf("form POST without a token: %d, want %d", r.status, f.refusal)
		}
		if r := b.postForm(countPath(key), url.Values{f.tokenField: {"not-the-token"}, "note": {"bad"}}); r.status != f.refusal {
			t.Fatalf("form POST with a wrong token: %d, want %d", r.status, f.refusal)
		}
		if n := srv.Counters(t).Counts[key]; n != 0 {
			t.Fatalf("refused POSTs ran %d times", n)
		}
		r := b.postForm(countPath(key), url.Values{f.tokenField: {field}, "note": {"a b&c"}})
		if r.status != http.StatusOK || !strings.Contains(r.body, `"count":1`) && !strings.Contains(r.body, `"count": 1`) {
			t.Fatalf("form POST with %s: %d %s, want 200 with count 1", f.tokenField, r.status, r.body)
		}
		if n := srv.Counters(t).Counts[key]; n != 1 {
			t.Fatalf("counter %s = %d, want 1", key, n)
		}
	})

	t.Run("JSONPost", func(t *testing.T) {
		t.Parallel()
		b := newBrowser(t, srv)
		b.mustLogin(app, alice)
		_, header := b.pageToken(app)
		key := t.Name()
		body := map[string]any{"note": "json"}
		if r := b.postJSON(countPath(key), body); r.status != f.refusal {
			t.Fatalf("JSON POST without %s: %d, want %d", f.tokenHeader, r.status, f.refusal)
		}
		if r := b.postJSON(countPath(key), body, f.tokenHeader, "not-the-token"); r.status != f.refusal {
			t.Fatalf("JSON POST with a wrong %s: %d, want %d", f.tokenHeader, r.status, f.refusal)
		}
		if n := srv.Counters(t).Counts[key]; n != 0 {
			t.Fatalf("refused POSTs ran %d times", n)
		}
		r := b.postJSON(countPath(key), body, f.tokenHeader, header)
		if r.status != http.StatusOK || !strings.Contains(r.body, `"note"`) {
			t.Fatalf("JSON POST with %s: %d %s, want 200 echoing the body", f.tokenHeader, r.status, r.body)
		}
		if n := srv.Counters(t).Counts[key]; n != 1 {
			t.Fatalf("counter %s = %d, want 1", key, n)
		}
	})

	t.Run("TokenAtLogin", func(t *testing.T) {
		t.Parallel()
		b := newBrowser(t, srv)
		_, lf := b.login(app, alice, alice.Password)
		old := lf.values.Get(f.tokenField)
		key := t.Name()
		r := b.postForm(countPath(key), url.Values{f.tokenField: {old}})
		switch {
		case f.rotates && r.status != f.refusal:
			t.Fatalf("POST with the login page's token after the login: %d, want %d (the token rotates)", r.status, f.refusal)
		case !f.rotates && r.status != http.StatusOK:
			t.Fatalf("POST with the login page's token after the login: %d, want 200 (the token is kept)", r.status)
		}
		field, _ := b.pageToken(app)
		if r := b.postForm(countPath(key), url.Values{f.tokenField: {field}}); r.status != http.StatusOK {
			t.Fatalf("POST with the new page's token: %d, want 200", r.status)
		}
		want := 1
		if !f.rotates {
			want = 2
		}
		if n := srv.Counters(t).Counts[key]; n != want {
			t.Fatalf("counter %s = %d, want %d", key, n, want)
		}
	})
}

func testExpireAll(t *testing.T, srv *frameworks.Server) {
	app := srv.App
	alice, _, _ := users(t)
	b := newBrowser(t, srv)
	b.mustLogin(app, alice)
	if r := b.get(frameworks.PagePath); r.status != http.StatusOK {
		t.Fatalf("GET %s: %d, want 200", frameworks.PagePath, r.status)
	}
	n := srv.ExpireAll(t)
	if n == 0 {
		t.Errorf("ExpireAll ended no session, want at least the one of this test (or -1: unknown)")
	}
	r := b.get(frameworks.PagePath)
	if r.status != http.StatusFound || b.locationPath(r) != frameworks.LoginPath(app) {
		t.Fatalf("GET %s after ExpireAll: %d Location %q, want 302 to %s", frameworks.PagePath, r.status,
			r.header.Get("Location"), frameworks.LoginPath(app))
	}
	if me := b.get(frameworks.MePath, "Accept", "application/json"); me.status != http.StatusUnauthorized {
		t.Fatalf("GET %s after ExpireAll: %d, want 401", frameworks.MePath, me.status)
	}
	// A new login works at once.
	b.mustLogin(app, alice)
	t.Logf("%s: ExpireAll ended %d sessions", app, n)
}

// testDjangoAdmin logs in to Django's own admin site: its login form (username, password, csrfmiddlewaretoken and a
// hidden next) at /admin/login/, and the admin index after it.
func testDjangoAdmin(t *testing.T, srv *frameworks.Server) {
	alice, _, _ := users(t)
	b := newBrowser(t, srv)
	r := b.get("/admin/")
	if r.status != http.StatusFound || b.locationPath(r) != "/admin/login/" {
		t.Fatalf("GET /admin/: %d Location %q, want 302 to /admin/login/", r.status, r.header.Get("Location"))
	}
	page := b.get(r.header.Get("Location"))
	lf := formWith(t, page.body, "password")
	if lf.values.Get("csrfmiddlewaretoken") == "" || lf.values.Get("next") != "/admin/" {
		t.Fatalf("the admin login form: %v, want csrfmiddlewaretoken and next=/admin/", lf.values)
	}
	lf.values.Set("username", alice.Name)
	lf.values.Set("password", alice.Password)
	r = b.postForm(lf.action, lf.values)
	if r.status != http.StatusFound || b.locationPath(r) != "/admin/" {
		t.Fatalf("admin login: %d Location %q, want 302 to /admin/", r.status, r.header.Get("Location"))
	}
	if r := b.get("/admin/"); r.status != http.StatusOK || hasPasswordForm(r.body) {
		t.Fatalf("GET /admin/ after the login: %d, want the admin index", r.status)
	}
}
