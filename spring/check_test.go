package spring_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/spring"
)

const springPage = `<html><head><title>Please sign in</title></head><body><form class="login-form" method="post" action="/login">
<input type="text" id="username" name="username"><input type="password" id="password" name="password">
<input name="_csrf" type="hidden" value="dG9rZW4" /></form></body></html>`

const expiredText = "This session has been expired (possibly due to multiple concurrent logins being attempted as the same user)."

// exchange builds the response Check sees: a chain of redirects (each "STATUS LOCATION") ending in a final answer.
type exchange struct {
	method    string
	path      string
	header    http.Header // request header
	redirects []string
	status    int
	ctype     string
	setCookie string
	location  string // of the final answer, a redirect not followed
	body      string
}

func (e exchange) build(t testing.TB) (*http.Request, *limpet.Response) {
	t.Helper()
	req, err := http.NewRequest(e.method, "http://127.0.0.1:8080"+e.path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range e.header {
		req.Header[k] = v
	}
	resp := &limpet.Response{}
	cur := req
	for _, r := range e.redirects {
		code, loc, _ := strings.Cut(r, " ")
		status := map[string]int{"302": 302, "303": 303, "301": 301}[code]
		hop := &http.Response{StatusCode: status, Header: http.Header{"Location": {loc}}, Request: cur, Body: http.NoBody}
		resp.History = append(resp.History, hop)
		u, err := cur.URL.Parse(loc)
		if err != nil {
			t.Fatal(err)
		}
		next, _ := http.NewRequest(http.MethodGet, u.String(), nil)
		next.Response = hop
		cur = next
	}
	h := http.Header{}
	if e.ctype != "" {
		h.Set("Content-Type", e.ctype)
	}
	if e.setCookie != "" {
		h.Add("Set-Cookie", e.setCookie)
	}
	if e.location != "" {
		h.Set("Location", e.location)
	}
	resp.Response = &http.Response{StatusCode: e.status, Header: h, Request: cur, Body: io.NopCloser(strings.NewReader(e.body))}
	return req, resp
}

func TestCheck(t *testing.T) {
	form := func() *spring.Authenticator {
		return spring.FormLogin("u", "p", spring.Options{ExpiredURLs: []string{"/invalid"}})
	}
	expiredQuery := func() *spring.Authenticator {
		return spring.FormLogin("u", "p", spring.Options{ExpiredURLs: []string{"/login?expired"}})
	}
	basic := func() *spring.Authenticator { return spring.Basic("u", "p", spring.Options{}) }
	csrf := func() *spring.Authenticator { return spring.CSRF(spring.Options{}) }
	withToken := http.Header{"X-Csrf-Token": {"dG9rZW4"}}
	tests := []struct {
		name         string
		a            func() *spring.Authenticator
		ex           exchange
		want         limpet.VerdictKind
		wantExecuted bool // the verdict does not prove the request never ran
		reason       string
	}{
		{"200 JSON", form, exchange{method: "GET", path: "/api/me", status: 200, ctype: "application/json", body: `{}`}, limpet.OK, false, ""},
		{"401", form, exchange{method: "GET", path: "/api/me", status: 401}, limpet.SessionExpired, false, "401 to GET /api/me"},
		{"redirect to the login page, followed", form, exchange{method: "GET", path: "/api/me",
			redirects: []string{"302 http://127.0.0.1:8080/login"}, status: 200, ctype: "text/html", body: springPage},
			limpet.SessionExpired, false, "redirect to /login"},
		{"POST redirected to the login page", form, exchange{method: "POST", path: "/api/echo", header: withToken,
			redirects: []string{"302 /login"}, status: 200, ctype: "text/html", body: springPage},
			limpet.SessionExpired, false, "redirect to /login"},
		{"redirect to the login page after the handler's own", form, exchange{method: "POST", path: "/api/orders", header: withToken,
			redirects: []string{"303 /orders/7", "302 /login"}, status: 200, ctype: "text/html", body: springPage},
			limpet.SessionExpired, true, "redirect to /login"},
		{"401 after the handler's redirect", form, exchange{method: "POST", path: "/api/orders", header: withToken,
			redirects: []string{"303 /orders/7"}, status: 401}, limpet.SessionExpired, true, "401 to GET /orders/7"},
		{"POST answered by the logout success URL: it ran and ended the session", form, exchange{method: "POST",
			path: "/api/checkout", header: withToken, redirects: []string{"302 http://127.0.0.1:8080/login?logout"}, status: 200,
			ctype: "text/html", body: springPage}, limpet.OK, false, ""},
		{"POST redirected to the login page with a query", form, exchange{method: "POST", path: "/api/echo", header: withToken,
			redirects: []string{"302 /login?timeout"}, status: 200, ctype: "text/html", body: springPage},
			limpet.SessionExpired, true, "redirect to /login?timeout"},
		{"POST redirected to the login page with a session id in the path", form, exchange{method: "POST", path: "/api/echo",
			header: withToken, redirects: []string{"302 /login;jsessionid=0A1B", "302 /login"}, status: 200, ctype: "text/html",
			body: springPage}, limpet.SessionExpired, false, "redirect to /login"},
		{"POST redirected to an expired URL with a query", expiredQuery, exchange{method: "POST", path: "/api/echo", header: withToken,
			redirects: []string{"302 /login?expired"}, status: 200, ctype: "text/html", body: springPage},
			limpet.SessionExpired, false, "redirect to /login?expired"},
		{"Basic: POST answered by the logout success URL", basic, exchange{method: "POST", path: "/api/checkout", header: withToken,
			redirects: []string{"302 /login?logout"}, status: 200, ctype: "text/html", body: springPage}, limpet.OK, false, ""},
		{"redirect to invalidSessionUrl", form, exchange{method: "GET", path: "/api/me",
			redirects: []string{"302 /invalid"}, status: 200, ctype: "text/plain", body: "session invalid"},
			limpet.SessionExpired, false, "redirect to /invalid"},
		{"invalidSessionUrl's redirect with a new session, not followed", func() *spring.Authenticator {
			return spring.FormLogin("u", "p", spring.Options{})
		}, exchange{method: "GET", path: "/api/me", header: http.Header{"Cookie": {"JSESSIONID=OLD"}}, status: 302,
			location: "/invalid", setCookie: "JSESSIONID=NEW; Path=/; HttpOnly"},
			limpet.SessionExpired, false, "302 to /invalid with a new session: the server did not know the session sent"},
		{"invalidSessionUrl's redirect with a new session, followed", func() *spring.Authenticator {
			return spring.FormLogin("u", "p", spring.Options{})
		}, exchange{method: "POST", path: "/api/items", header: http.Header{"Cookie": {"JSESSIONID=OLD"}, "X-Csrf-Token": {"dG9rZW4"}},
			redirects: []string{"302 /invalid"}, status: 200, ctype: "text/plain", body: "session invalid"},
			limpet.OK, false, ""},
		{"concurrent login expired the session", form, exchange{method: "GET", path: "/api/me", status: 200, body: expiredText},
			limpet.SessionExpired, false, `200 saying "This session has been expired"`},
		{"the expiry text inside a page is no expiry", form, exchange{method: "GET", path: "/doc", status: 200, ctype: "text/plain",
			body: "Spring says: " + expiredText}, limpet.OK, false, ""},
		{"login form forwarded in place of the page", form, exchange{method: "GET", path: "/reports", status: 200,
			ctype: "text/html;charset=UTF-8", body: springPage}, limpet.SessionExpired, false, "200 with the login form"},
		{"the login page asked for", form, exchange{method: "GET", path: "/login", status: 200, ctype: "text/html", body: springPage},
			limpet.OK, false, ""},
		{"403 to a GET: authorization", form, exchange{method: "GET", path: "/admin", status: 403}, limpet.OK, false, ""},
		{"403 to a POST without a token", form, exchange{method: "POST", path: "/api/echo", status: 403},
			limpet.CSRFRejected, false, "403 to POST /api/echo: no CSRF token known"},
		{"403 with a new CSRF cookie", form, exchange{method: "POST", path: "/api/echo", header: withToken, status: 403,
			setCookie: "XSRF-TOKEN=6d1c; Path=/"}, limpet.CSRFRejected, false, "403 to POST /api/echo: the server set a new CSRF cookie"},
		{"500 to a POST", form, exchange{method: "POST", path: "/api/echo", header: withToken, status: 500}, limpet.OK, false, ""},
		{"Basic: 401 to a GET", basic, exchange{method: "GET", path: "/api/me", status: 401}, limpet.SessionExpired, false, "401 to GET /api/me"},
		{"Basic: 401 to a POST without a token", basic, exchange{method: "POST", path: "/api/echo", status: 401,
			setCookie: "XSRF-TOKEN=6d1c; Path=/"}, limpet.CSRFRejected, false, "401 to POST /api/echo: the server set a new CSRF cookie"},
		{"CSRF only: 401 to a GET is handed back", csrf, exchange{method: "GET", path: "/api/me", status: 401}, limpet.OK, false, ""},
		{"CSRF only: redirect to the login page is handed back", csrf, exchange{method: "GET", path: "/api/me",
			redirects: []string{"302 /login"}, status: 200, ctype: "text/html", body: springPage}, limpet.OK, false, ""},
		{"CSRF only: 403 to a DELETE without a token", csrf, exchange{method: "DELETE", path: "/api/x", status: 403},
			limpet.CSRFRejected, false, "403 to DELETE /api/x: no CSRF token known"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, resp := tt.ex.build(t)
			v := tt.a().Check(req, resp)
			if v.Kind != tt.want || v.NotExecuted == tt.wantExecuted && v.Kind != limpet.OK || v.Reason != tt.reason {
				t.Fatalf("Check = %+v, want %s (not executed: %v) %q", v, tt.want, !tt.wantExecuted, tt.reason)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil || string(body) != tt.ex.body {
				t.Fatalf("the body after Check: %q, %v; want it whole", body, err)
			}
		})
	}
}

func TestMaskCSRF(t *testing.T) {
	for _, raw := range []string{"6d1c8a04-3c2e-4b7e-9f1a-0d2c3b4a5e6f", "a", "tøken with spaces", strings.Repeat("x", 1000)} {
		m1, m2 := spring.MaskCSRF(raw), spring.MaskCSRF(raw)
		if m1 == m2 {
			t.Errorf("two maskings of %q are equal", raw)
		}
		for _, m := range []string{m1, m2, strings.TrimRight(m1, "=")} {
			got, err := spring.UnmaskCSRF(m)
			if err != nil || got != raw {
				t.Errorf("UnmaskCSRF(MaskCSRF(%q)) = %q, %v", raw, got, err)
			}
		}
	}
	for _, bad := range []string{"", "not base64!", "YWJj", "YQ"} {
		if got, err := spring.UnmaskCSRF(bad); err == nil {
			t.Errorf("UnmaskCSRF(%q) = %q, want an error", bad, got)
		}
	}
}

// FuzzUnmaskCSRF: any value either unmasks to half its decoded length or fails; masking then unmasking gives the
// token back.
func FuzzUnmaskCSRF(f *testing.F) {
	f.Add("6d1c8a04-3c2e-4b7e-9f1a-0d2c3b4a5e6f")
	f.Add(spring.MaskCSRF("6d1c8a04-3c2e-4b7e-9f1a-0d2c3b4a5e6f"))
	f.Add("YQ==")
	f.Add("====")
	f.Add("-_-_")
	f.Fuzz(func(t *testing.T, s string) {
		if raw, err := spring.UnmaskCSRF(s); err == nil && (len(raw) == 0 || len(raw)*4 > len(s)*3/2+3) {
			t.Fatalf("UnmaskCSRF(%q) = %q", s, raw)
		}
		if s == "" {
			return
		}
		if got, err := spring.UnmaskCSRF(spring.MaskCSRF(s)); err != nil || got != s {
			t.Fatalf("round trip of %q: %q, %v", s, got, err)
		}
	})
}

// FuzzCheck: Check classifies any answer without a panic, with a valid kind, and leaves the body whole for the
// caller.
func FuzzCheck(f *testing.F) {
	f.Add("GET", 200, "text/html", "", "", []byte(springPage))
	f.Add("POST", 302, "", "/login", "", []byte(""))
	f.Add("POST", 403, "application/json", "", "XSRF-TOKEN=abc; Path=/", []byte(`{"status":403}`))
	f.Add("GET", 200, "", "", "", []byte(expiredText))
	f.Add("DELETE", 401, "", "", "XSRF-TOKEN=; Max-Age=0", []byte{})
	f.Add("GET", 302, "text/html", "http://[::1", "", []byte("<form action=\"%zz\"><input type=password>"))
	authenticators := []*spring.Authenticator{
		spring.FormLogin("u", "p", spring.Options{ExpiredURLs: []string{"/invalid"}}),
		spring.Basic("u", "p", spring.Options{}),
		spring.CSRF(spring.Options{}),
	}
	f.Fuzz(func(t *testing.T, method string, status int, ctype, location, setCookie string, body []byte) {
		req, err := http.NewRequest(method, "http://127.0.0.1:8080/api/x", nil)
		if err != nil {
			return
		}
		for _, a := range authenticators {
			h := http.Header{"Content-Type": {ctype}, "Set-Cookie": {setCookie}, "Location": {location}}
			resp := &limpet.Response{Response: &http.Response{StatusCode: status, Header: h, Request: req,
				Body: io.NopCloser(bytes.NewReader(body))}}
			if u, err := url.Parse(location); err == nil && status/100 == 3 {
				resp.History = []*http.Response{{StatusCode: status, Header: h, Request: req, Body: http.NoBody}}
				next, err := http.NewRequest(http.MethodGet, req.URL.ResolveReference(u).String(), nil)
				if err != nil {
					continue
				}
				resp.Response = &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {ctype}}, Request: next,
					Body: io.NopCloser(bytes.NewReader(body))}
			}
			v := a.Check(req, resp)
			switch v.Kind {
			case limpet.OK, limpet.SessionExpired, limpet.CSRFRejected:
			default:
				t.Fatalf("%s: verdict %+v", a, v)
			}
			got, err := io.ReadAll(resp.Body)
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("%s: body after Check %q, %v; want %q", a, got, err, body)
			}
		}
	})
}
