package spring

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/htmlform"
)

// springLoginPage is Spring Security's generated login page (DefaultLoginPageGeneratingFilter), trimmed.
const springLoginPage = `<!DOCTYPE html><html lang="en"><head><title>Please sign in</title></head><body>
<div class="content"><form class="login-form" method="post" action="/login"><h2>Please sign in</h2>
<p><label for="username" class="screenreader">Username</label>
<input type="text" id="username" name="username" placeholder="Username" required autofocus></p>
<p><label for="password" class="screenreader">Password</label>
<input type="password" id="password" name="password" placeholder="Password" required></p>
<input name="_csrf" type="hidden" value="Qm9vdA-masked_token" />
<button type="submit" class="primary">Sign in</button></form></div></body></html>`

func testPaths(t testing.TB, o Options) paths {
	t.Helper()
	a := FormLogin("u", "p", o)
	base, _ := url.Parse("http://127.0.0.1:8080/")
	return a.pathsFor(base)
}

func TestClassifyLogin(t *testing.T) {
	post, _ := url.Parse("http://127.0.0.1:8080/login")
	def := testPaths(t, Options{})
	custom := testPaths(t, Options{LoginPage: "/signin", LoginURL: "/auth", ExpiredURLs: []string{"/invalid"}})
	tests := []struct {
		name      string
		p         paths
		status    int
		location  string
		challenge string
		loginPage bool
		want      loginOutcome
		wantLoc   string
	}{
		{"failure URL", def, 302, "http://127.0.0.1:8080/login?error", "", false, loginFailed, "/login?error"},
		{"failure URL, relative", def, 302, "/login?error", "", false, loginFailed, "/login?error"},
		{"failure URL, other host (proxy)", def, 302, "http://proxy.example/login?error", "", false, loginFailed, "/login?error"},
		{"failure URL with more parameters", def, 303, "/login?error&lang=en", "", false, loginFailed, "/login?error&lang=en"},
		{"failure URL relative to the POST", def, 302, "login?error", "", false, loginFailed, "/login?error"},
		{"login page without error: CSRF", def, 302, "http://127.0.0.1:8080/login", "", false, loginRejected, "/login"},
		{"default target", def, 302, "http://127.0.0.1:8080/", "", false, loginSucceeded, "/"},
		{"saved request", def, 302, "/api/orders?x=1&continue", "", false, loginSucceeded, "/api/orders?x=1&continue"},
		{"saved error dispatch", def, 302, "/error?continue", "", false, loginSucceeded, "/error?continue"},
		{"redirect without Location", def, 302, "", "", false, loginUnexpected, ""},
		{"unparsable Location", def, 302, "http://[::1", "", false, loginUnexpected, ""},
		{"JSON success handler", def, 200, "", "", false, loginSucceeded, ""},
		{"forward back to the form", def, 200, "", "", true, loginFailed, ""},
		{"entry point answered: masked CSRF", def, 401, "", `Basic realm="Realm"`, false, loginRejected, ""},
		{"failure handler without URL", def, 401, "", "", false, loginFailed, ""},
		{"403: CSRF, not masked", def, 403, "", "", false, loginRejected, ""},
		{"server error", def, 500, "", "", false, loginUnexpected, ""},
		{"not found", def, 404, "", "", false, loginUnexpected, ""},
		{"custom failure URL", custom, 302, "/signin?error", "", false, loginFailed, "/signin?error"},
		{"custom login page: CSRF", custom, 302, "/signin", "", false, loginRejected, "/signin"},
		{"invalidSessionUrl: CSRF token missing", custom, 302, "/invalid", "", false, loginRejected, "/invalid"},
		{"a failure query on another page", custom, 302, "/login?error", "", false, loginFailed, "/login?error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, loc := classifyLogin(tt.status, tt.location, tt.challenge, post, tt.p, tt.loginPage)
			gotLoc := ""
			if loc != nil {
				gotLoc = loc.Path
				if loc.RawQuery != "" {
					gotLoc += "?" + loc.RawQuery
				}
			}
			if got != tt.want || gotLoc != tt.wantLoc {
				t.Fatalf("got %s %q, want %s %q", got, gotLoc, tt.want, tt.wantLoc)
			}
		})
	}
}

func TestMatchesFailure(t *testing.T) {
	u := func(s string) *url.URL {
		v, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name         string
		loc, failure string
		want         bool
	}{
		{"same", "/login?error", "/login?error", true},
		{"extra parameter", "/login?error&x=1", "/login?error", true},
		{"no query", "/login", "/login?error", false},
		{"other path", "/signin?error", "/login?error", false},
		{"valued parameter", "/fail?code=bad", "/fail?code=bad", true},
		{"other value", "/fail?code=locked", "/fail?code=bad", false},
		{"failure without query", "/failed?x", "/failed", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchesFailure(u(tt.loc), u(tt.failure)); got != tt.want {
				t.Fatalf("matchesFailure(%q, %q) = %v", tt.loc, tt.failure, got)
			}
		})
	}
}

func TestReplaceParam(t *testing.T) {
	tests := []struct {
		name, raw, param, value, want string
	}{
		{"empty", "", "_csrf", "t", "_csrf=t"},
		{"appended", "a=1&b=2", "_csrf", "t", "a=1&b=2&_csrf=t"},
		{"replaced, order and encoding kept", "a=%41&_csrf=old&b=x+y", "_csrf", "new", "a=%41&b=x+y&_csrf=new"},
		{"every copy replaced", "_csrf=1&_csrf=2", "_csrf", "3", "_csrf=3"},
		{"encoded name", "%5Fcsrf=old", "_csrf", "new", "_csrf=new"},
		{"value escaped", "a=1", "_csrf", "a+b/c=", "a=1&_csrf=a%2Bb%2Fc%3D"},
		{"empty pairs dropped", "a=1&&b=2&", "_csrf", "t", "a=1&b=2&_csrf=t"},
		{"broken escape kept", "%zz=1", "_csrf", "t", "%zz=1&_csrf=t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := replaceParam(tt.raw, tt.param, tt.value)
			if got != tt.want {
				t.Fatalf("replaceParam(%q) = %q, want %q", tt.raw, got, tt.want)
			}
			if v := paramValue(got, tt.param); v != tt.value {
				t.Fatalf("paramValue of the result = %q, want %q", v, tt.value)
			}
		})
	}
}

func TestSetsCookie(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  bool
	}{
		{"new token", []string{"XSRF-TOKEN=6d1c; Path=/"}, true},
		{"deletion with Max-Age", []string{"XSRF-TOKEN=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:10 GMT; Path=/"}, false},
		{"empty value", []string{"XSRF-TOKEN=; Path=/"}, false},
		{"other cookie", []string{"JSESSIONID=ABC; Path=/; HttpOnly"}, false},
		{"prefix of another name", []string{"XSRF-TOKEN2=x; Path=/"}, false},
		{"deleted then set", []string{"XSRF-TOKEN=; Max-Age=0; Path=/", "XSRF-TOKEN=new; Path=/"}, true},
		{"none", nil, false},
		{"malformed", []string{"XSRF-TOKEN"}, false},
	}
	a := FormLogin("user", "password", Options{CSRF: CSRFOptions{Cookie: "XSRF-TOKEN"}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.setsCSRFCookie(http.Header{"Set-Cookie": tt.lines}); got != tt.want {
				t.Fatalf("setsCSRFCookie(%q) = %v", tt.lines, got)
			}
		})
	}
}

// TestRenamedCSRFCookie: with the cookie name left to be found out, a cookie named like a CSRF cookie is the token,
// sent in "X-" + its name; a name set in the options is the only one.
func TestRenamedCSRFCookie(t *testing.T) {
	guess := FormLogin("user", "password", Options{})
	tests := []struct {
		name, header string
		csrf         bool
	}{
		{"XSRF-TOKEN", "X-XSRF-TOKEN", true},
		{"CSRF-TOKEN", "X-CSRF-TOKEN", true},
		{"csrftoken", "X-csrftoken", true},
		{"XSRF-TOKEN2", "X-XSRF-TOKEN2", true},
		{"JSESSIONID", "", false},
		{"remember-me", "", false},
		{"SESSION", "", false},
	}
	for _, tt := range tests {
		if got := guess.isCSRFCookie(tt.name); got != tt.csrf {
			t.Errorf("isCSRFCookie(%q) = %v, want %v", tt.name, got, tt.csrf)
		}
		if tt.csrf {
			if got := guess.cookieHeader(tt.name); got != tt.header {
				t.Errorf("cookieHeader(%q) = %q, want %q", tt.name, got, tt.header)
			}
			if !guess.setsCSRFCookie(http.Header{"Set-Cookie": {tt.name + "=v; Path=/"}}) {
				t.Errorf("setsCSRFCookie(%s=v) = false", tt.name)
			}
		}
	}
	named := FormLogin("user", "password", Options{CSRF: CSRFOptions{Cookie: "MY-TOKEN", CookieHeader: "X-Mine"}})
	if named.isCSRFCookie("XSRF-TOKEN") || !named.isCSRFCookie("MY-TOKEN") {
		t.Error("a configured cookie name must be the only one")
	}
	if got := named.cookieHeader("MY-TOKEN"); got != "X-Mine" {
		t.Errorf("cookieHeader(MY-TOKEN) = %q, want the configured X-Mine", got)
	}
}

func TestPeekKeepsTheBody(t *testing.T) {
	long := strings.Repeat("0123456789", 100)
	tests := []struct {
		name string
		body string
		n    int
	}{
		{"shorter than the peek", "short", 64},
		{"as long as the peek", long[:64], 64},
		{"longer than the peek", long, 64},
		{"empty", "", 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &limpet.Response{Response: &http.Response{Body: io.NopCloser(iotest.OneByteReader(strings.NewReader(tt.body)))}}
			head := peek(resp, tt.n)
			if want := tt.body[:min(tt.n, len(tt.body))]; string(head) != want {
				t.Fatalf("peek = %q, want %q", head, want)
			}
			all, err := io.ReadAll(resp.Body)
			if err != nil || string(all) != tt.body {
				t.Fatalf("body after peek = %q, %v; want %q", all, err, tt.body)
			}
		})
	}
	t.Run("a read error is kept", func(t *testing.T) {
		boom := errors.New("boom")
		resp := &limpet.Response{Response: &http.Response{Body: io.NopCloser(io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(boom)))}}
		if head := peek(resp, 8); string(head) != "ab" {
			t.Fatalf("peek = %q", head)
		}
		all, err := io.ReadAll(resp.Body)
		if string(all) != "ab" || !errors.Is(err, boom) {
			t.Fatalf("body after peek = %q, %v; want ab and the error", all, err)
		}
	})
}

func TestSameToken(t *testing.T) {
	raw := "6d1c8a04-3c2e-4b7e-9f1a-0d2c3b4a5e6f"
	m1, m2 := MaskCSRF(raw), MaskCSRF(raw)
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"equal", raw, raw, true},
		{"raw and masked", raw, m1, true},
		{"masked and raw", m1, raw, true},
		{"two maskings", m1, m2, true},
		{"other token", raw, "0d2c3b4a-3c2e-4b7e-9f1a-6d1c8a045e6f", false},
		{"masking of another", m1, MaskCSRF("other"), false},
		{"empty", "", "", false},
		{"one empty", raw, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameToken(tt.a, tt.b); got != tt.want {
				t.Fatalf("sameToken(%q, %q) = %v", tt.a, tt.b, got)
			}
		})
	}
}

func TestParseTokenJSON(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    token
		wantErr bool
	}{
		{"Spring's CsrfToken", `{"token":"abc","headerName":"X-CSRF-TOKEN","parameterName":"_csrf"}`,
			token{value: "abc", header: "X-CSRF-TOKEN", param: "_csrf"}, false},
		{"token only", `{"token":"abc"}`, token{value: "abc"}, false},
		{"unusable header name dropped", `{"token":"abc","headerName":"bad header"}`, token{value: "abc"}, false},
		{"no token", `{"headerName":"X"}`, token{}, true},
		{"not JSON", `<html>`, token{}, true},
		{"wrong type", `{"token":1}`, token{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTokenJSON([]byte(tt.data))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("parseTokenJSON = %+v, %v; want %+v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestTokenFromPage(t *testing.T) {
	tests := []struct {
		name string
		html string
		want token
		ok   bool
	}{
		{"hidden input", springLoginPage,
			token{value: "Qm9vdA-masked_token", header: "X-CSRF-TOKEN", param: "_csrf", source: "form:_csrf"}, true},
		{"meta tags", `<meta name="_csrf" content="m"/><meta name="_csrf_header" content="X-MY-CSRF"/><meta name="_csrf_parameter" content="tok"/>`,
			token{value: "m", header: "X-MY-CSRF", param: "tok", source: "meta:_csrf"}, true},
		{"meta parameter names the hidden input", `<meta name="_csrf_parameter" content="tok"><form><input type="hidden" name="tok" value="h"></form>`,
			token{value: "h", header: "X-CSRF-TOKEN", param: "tok", source: "form:tok"}, true},
		{"unusable header name", `<meta name="_csrf" content="m"><meta name="_csrf_header" content="a b">`,
			token{value: "m", header: "X-CSRF-TOKEN", param: "_csrf", source: "meta:_csrf"}, true},
		{"visible input is no token", `<form><input type="text" name="_csrf" value="v"></form>`, token{}, false},
		{"no token", `<html><body>hello</body></html>`, token{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pg, err := htmlform.Parse(strings.NewReader(tt.html))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := tokenFromPage(pg, DefaultCSRFHeader, DefaultCSRFParam)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("tokenFromPage = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestIsLoginPage(t *testing.T) {
	pageURL, _ := url.Parse("http://127.0.0.1:8080/api/me")
	def := testPaths(t, Options{})
	custom := testPaths(t, Options{LoginPage: "/signin", LoginURL: "/auth"})
	tests := []struct {
		name string
		p    paths
		body string
		want bool
	}{
		{"Spring's page", def, springLoginPage, true},
		{"custom page posting to the processing URL", custom, `<form method=post action="/auth"><input name=email><input type=password name=pw></form>`, true},
		{"a password form posting elsewhere", def, `<form method=post action="/account/password"><input type=password name=p></form>`, false},
		{"a form without a password", def, `<form method=post action="/login"><input name=q></form>`, false},
		{"no form", def, `<p>password</p>`, false},
		{"not HTML", def, "\x00\x01password", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.isLoginPage([]byte(tt.body), pageURL); got != tt.want {
				t.Fatalf("isLoginPage = %v", got)
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		name        string
		o           Options
		wantFailure string
		wantPage    string
	}{
		{"zero", Options{}, "/login?error", "/login"},
		{"custom page", Options{LoginPage: "/signin"}, "/signin?error", "/signin"},
		{"page with a query", Options{LoginPage: "/auth?realm=x"}, "/auth?realm=x&error", "/auth?realm=x"},
		{"explicit failure URL", Options{FailureURL: "/failed"}, "/failed", "/login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o.withDefaults()
			if o.FailureURL != tt.wantFailure || o.LoginPage != tt.wantPage || o.Probe != "/" || o.CSRF.Cookie != "XSRF-TOKEN" ||
				o.CSRF.CookieHeader != "X-XSRF-TOKEN" || o.CSRF.Header != "X-CSRF-TOKEN" || o.CSRF.Param != "_csrf" ||
				o.SessionCookie != "JSESSIONID" || len(o.ExpiredMarkers) != 1 {
				t.Fatalf("withDefaults = %+v", o)
			}
		})
	}
}

func TestValidHeaderName(t *testing.T) {
	for name, want := range map[string]bool{"X-CSRF-TOKEN": true, "x_csrf": true, "": false, "a b": false, "a:b": false, "é": false} {
		if got := validHeaderName(name); got != want {
			t.Errorf("validHeaderName(%q) = %v", name, got)
		}
	}
}

// FuzzClassifyLogin: any login answer is classified without a panic, and a redirect to the failure URL always
// reads as a failure.
func FuzzClassifyLogin(f *testing.F) {
	f.Add(302, "http://127.0.0.1:8080/login?error", "", false)
	f.Add(302, "/login", "", false)
	f.Add(303, "login?error&x", "", false)
	f.Add(401, "", `Basic realm="Realm"`, false)
	f.Add(200, "", "", true)
	f.Add(302, "%zz", "", false)
	f.Add(307, "//other.example/login?error", "", false)
	post, _ := url.Parse("http://127.0.0.1:8080/login")
	p := testPaths(f, Options{ExpiredURLs: []string{"/invalid"}})
	f.Fuzz(func(t *testing.T, status int, location, challenge string, loginPage bool) {
		out, loc := classifyLogin(status, location, challenge, post, p, loginPage)
		if out < loginSucceeded || out > loginUnexpected {
			t.Fatalf("outcome %d", out)
		}
		if loc != nil && isRedirect(status) && matchesFailure(loc, p.failure) && out != loginFailed {
			t.Fatalf("a redirect to %s classified %s", loc, out)
		}
		if !isRedirect(status) && loc != nil {
			t.Fatalf("a %d answer gave a location %s", status, loc)
		}
	})
}

// FuzzParseTokenJSON: an endpoint's answer either gives a token with a sendable header name or an error.
func FuzzParseTokenJSON(f *testing.F) {
	f.Add([]byte(`{"token":"abc","headerName":"X-CSRF-TOKEN","parameterName":"_csrf"}`))
	f.Add([]byte(`{"token":""}`))
	f.Add([]byte(`{"token":"a","headerName":"\r\nX: y"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := parseTokenJSON(data)
		if err != nil {
			if tok != (token{}) {
				t.Fatalf("error %v with token %+v", err, tok)
			}
			return
		}
		if tok.value == "" || (tok.header != "" && !validHeaderName(tok.header)) {
			t.Fatalf("token %+v", tok)
		}
	})
}

// FuzzReplaceParam: the parameter reads back as set, whatever the body held before.
func FuzzReplaceParam(f *testing.F) {
	f.Add("a=1&_csrf=old", "_csrf", "new")
	f.Add("%zz&&=x", "_csrf", "a+b")
	f.Add("", "p q", "v&w")
	f.Fuzz(func(t *testing.T, raw, name, value string) {
		if name == "" {
			return
		}
		got := replaceParam(raw, name, value)
		if v := paramValue(got, name); v != value {
			t.Fatalf("replaceParam(%q, %q, %q) = %q reads back %q", raw, name, value, got, v)
		}
		if bytes.Count([]byte(got), []byte("&"+url.QueryEscape(name)+"=")) > 1 {
			t.Fatalf("%q has the parameter twice", got)
		}
	})
}

// TestSaysBadCredentials: a failure handler's answer says the credentials were wrong; the CSRF filter's and the
// error page's do not.
func TestSaysBadCredentials(t *testing.T) {
	for body, want := range map[string]bool{
		`{"status":403,"error":"Forbidden","message":"Bad credentials"}`:                   true,
		`{"error":"invalid_grant","error_description":"Invalid username or password"}`:     true,
		`<div class="alert">Wrong password</div>`:                                          true,
		`{"timestamp":"2026-12-07T06:00:00.000+00:00","status":403,"error":"Forbidden"}`:   false,
		`Could not verify the provided CSRF token because no token was found to compare.`:  false,
		`{"message":"Invalid CSRF Token 'x' was found on the request parameter '_csrf'."}`: false,
		``: false,
	} {
		if got := saysBadCredentials([]byte(body)); got != want {
			t.Errorf("saysBadCredentials(%q) = %v, want %v", body, got, want)
		}
	}
}

// TestTokenFromHeaders: a token handed out in a response header goes back in that header.
func TestTokenFromHeaders(t *testing.T) {
	a := FormLogin("user", "password", Options{})
	tests := []struct {
		h          http.Header
		ok         bool
		header, tk string
	}{
		{http.Header{"X-Csrf-Token": {"abc"}}, true, "X-Csrf-Token", "abc"},
		{http.Header{"X-Xsrf-Token": {"def"}}, true, "X-Xsrf-Token", "def"},
		{http.Header{"Csrf-Token": {"ghi"}}, true, "Csrf-Token", "ghi"},
		{http.Header{"X-Csrf-Header": {"X-CSRF-TOKEN"}}, false, "", ""},
		{http.Header{"X-Csrf-Token": {"a b"}}, false, "", ""},
		{http.Header{"Content-Type": {"text/html"}}, false, "", ""},
	}
	for _, tt := range tests {
		got, ok := a.tokenFromHeaders(tt.h)
		if ok != tt.ok || ok && (got.header != tt.header || got.value != tt.tk) {
			t.Errorf("tokenFromHeaders(%v) = %+v, %v; want %s: %s, %v", tt.h, got, ok, tt.header, tt.tk, tt.ok)
		}
	}
}

// FuzzTokenFromHeaders: a token taken from response headers goes back in a sendable header, with a value that
// needs no quoting.
func FuzzTokenFromHeaders(f *testing.F) {
	f.Add("X-CSRF-TOKEN", "abc")
	f.Add("X-Xsrf-Token", "a b")
	f.Add("Csrf-Token", "")
	f.Add("X-CSRF-HEADER", "X-CSRF-TOKEN")
	f.Add("x-csrf-token\r\n", "v")
	a := FormLogin("user", "password", Options{})
	f.Fuzz(func(t *testing.T, name, value string) {
		tok, ok := a.tokenFromHeaders(http.Header{name: {value}})
		if !ok {
			return
		}
		if !validHeaderName(tok.header) || tok.value == "" || strings.ContainsAny(tok.value, " ,;\"") {
			t.Fatalf("header %q: %q gave token %+v", name, value, tok)
		}
	})
}

// FuzzSetsCSRFCookie: a Set-Cookie line counts only when it names a CSRF cookie and sets a value.
func FuzzSetsCSRFCookie(f *testing.F) {
	f.Add("XSRF-TOKEN=abc; Path=/")
	f.Add("CSRF-TOKEN=; Max-Age=0")
	f.Add("JSESSIONID=x")
	f.Add("=x")
	a := FormLogin("user", "password", Options{})
	f.Fuzz(func(t *testing.T, line string) {
		if !a.setsCSRFCookie(http.Header{"Set-Cookie": {line}}) {
			return
		}
		c, err := http.ParseSetCookie(line)
		if err != nil || c.Value == "" || !a.isCSRFCookie(c.Name) {
			t.Fatalf("setsCSRFCookie(%q) with cookie %+v, %v", line, c, err)
		}
	})
}

// FuzzSaysBadCredentials: any body is read without a panic, and a body that says "Bad credentials" is a failure.
func FuzzSaysBadCredentials(f *testing.F) {
	f.Add([]byte(`{"message":"Bad credentials"}`))
	f.Add([]byte(`{"status":403,"error":"Forbidden"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		saysBadCredentials(body)
		if len(body) < 4000 && !saysBadCredentials(append(append([]byte{}, body...), "Bad Credentials"...)) {
			t.Fatal("a body ending in Bad Credentials is not a failure")
		}
	})
}
