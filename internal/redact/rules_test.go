package redact

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
)

// leak returns a part (three characters or more) of secret that out
// shows, or "".
func leak(out, secret string) string {
	for i := 0; i+3 <= len(secret); i++ {
		if strings.Contains(out, secret[i:i+3]) {
			return secret[i : i+3]
		}
	}
	return ""
}

// noLeak fails t when out shows three characters of a secret or of the
// Base64 encodings a secret travels in.
func noLeak(t *testing.T, what, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, form := range []string{s, base64.StdEncoding.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString([]byte("alice:" + s))} {
			if p := leak(out, form); p != "" {
				t.Errorf("%s: %q shows %q, part of %q", what, out, p, form)
			}
		}
	}
}

func TestValueAndIdentifier(t *testing.T) {
	for _, s := range []string{"", "x", "hunter2", "0123456789abcdef0123"} {
		if got := Value(s); got != Mask {
			t.Errorf("Value(%q) = %q, want %q", s, got, Mask)
		}
	}
	if got := Identifier("F00DCAFE"); got != Mask {
		t.Errorf("a short identifier shows %q, want %q", got, Mask)
	}
	a, b := "F00DCAFEF00DCAFE1234", "F00DCAFEF00DCAFE1235"
	ia, ib := Identifier(a), Identifier(b)
	if !strings.HasPrefix(ia, Mask+"~") || len(ia) != len(Mask)+7 {
		t.Errorf("Identifier(%q) = %q, want ****~ and six hex digits", a, ia)
	}
	if ia == ib {
		t.Errorf("two identifiers look the same: %q", ia)
	}
	if ia != Identifier(a) {
		t.Errorf("Identifier is not stable")
	}
	if p := leak(ia[len(Mask):], a); p != "" {
		t.Errorf("Identifier(%q) = %q shows %q", a, ia, p)
	}
	// The README's example.
	if got := Identifier("F00DCAFEF00DCAFE1234"); got != "****~"+fingerprint("F00DCAFEF00DCAFE1234") {
		t.Errorf("Identifier = %q", got)
	}
}

func fingerprint(s string) string {
	return Identifier(s)[len(Mask)+1:]
}

func TestIsSensitiveName(t *testing.T) {
	tests := map[string]bool{
		"password": true, "j_password": true, "user_pwd": true, "pwdHash": true, "newPasswd": true,
		"pin": true, "PIN": true, "user_pin": true, "pinCode": true, "card-pin": true,
		"ssn": true, "customer_ssn": true, "SSN": true,
		"jwt": true, "id_jwt": true, "jwtToken": true,
		"access_token": true, "refresh_token": true, "id_token": true, "client_secret": true, "api_key": true,
		"X-CSRF-TOKEN": true, "_csrf": true, "JSESSIONID": true, "session_id": true, "SESSION": true,
		"code": true, "auth": true, "remember-me": true, "Authorization": true, "otp": true, "cvv": true,
		// Not secrets: words that only contain the letters, and names that
		// describe a secret without holding one.
		"shipping": false, "mapping": false, "spinner": false, "classname": false, "pins": false,
		"token_type": false, "tokenType": false, "expires_in": false, "refresh_token_expires_in": false,
		"_csrf_header": false, "_csrf_parameter": false, "token_url": false, "session_timeout": false, "id_token_hint": true,
		"zip_code": false, "username": false, "email": false, "state": false, "name": false, "": false,
	}
	for name, want := range tests {
		if got := IsSensitiveName(name); got != want {
			t.Errorf("IsSensitiveName(%q) = %v, want %v", name, got, want)
		}
	}
}

const jwtSample = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.Zq7xVw9Kp2Zq7xVw9Kp2Zq7xVw9Kp2Zq7xVw9Kp2Q"

func TestHeaderValue(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:secret"))
	long := "F00DCAFEF00DCAFE1234"
	tests := []struct{ name, value, want string }{
		{"Authorization", basic, "Basic ****"},
		{"Authorization", "Bearer " + jwtSample, "Bearer ****"},
		{"authorization", "bearer abc", "bearer ****"},
		{"Authorization", `Digest username="alice", realm="r", nonce="n", uri="/", response="6629fae49393a05397450978507c4ef1"`, "Digest ****"},
		{"Authorization", "c2VjcmV0", "****"},
		{"Authorization", "", ""},
		{"Proxy-Authorization", basic, "Basic ****"},
		{"X-Forwarded-Authorization", "Bearer Pw3Rt8Ly5Gd1", "Bearer ****"},
		{"X-Upstream", "Bearer Pw3Rt8Ly5Gd1", "Bearer ****"},
		{"X-Upstream", basic, "Basic ****"},
		{"X-Upstream", "Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1MIIGcaADAgEFoQMCAQ6iBwMFACAAAACj", "Negotiate ****"},
		{"X-Reason", "Token expired", "Token expired"},
		{"X-Note", "Basic", "Basic"},
		{"X-Id", jwtSample, "****"},
		{"X-Api-Key", "k-12345", "****"},
		{"X-Auth-Token", "Bearer abc", "Bearer ****"},
		{"X-User-Pin", "4711", "****"},
		{"Cookie", "JSESSIONID=" + long + "; theme=dark", "JSESSIONID=" + Identifier(long) + "; theme=****"},
		{"Cookie", `a="` + long + `"`, "a=" + Identifier(long)},
		{"Set-Cookie", "SESSION=" + long + "; Path=/; HttpOnly", "SESSION=" + Identifier(long) + "; Path=/; HttpOnly"},
		{"Set-Cookie", "SESSION=; Max-Age=0", "SESSION=; Max-Age=0"},
		{"Location", "http://h:1/cb?access_token=Rd7Yq3Kx9Vw2&state=ok", "http://h:1/cb?access_token=****&state=ok"},
		{"Location", "/cb?code=Rd7Yq3Kx9Vw2", "/cb?code=****"},
		{"Location", "http://h/cb#access_token=Rd7Yq3Kx9Vw2&token_type=Bearer", "http://h/cb#access_token=****&token_type=Bearer"},
		{"Location", "http://h/a b?token=x y", "http://h/a b?token=****"},
		{"Referer", "https://alice:Zq7xVw9Kp2@h/", "https://alice:****@h/"},
		{"Content-Location", "/app;jsessionid=" + long + "/page", "/app;jsessionid=" + Identifier(long) + "/page"},
		{"Link", `<https://h/items?page=2&access_token=Rd7Yq3Kx9Vw2>; rel="next"`, `<https://h/items?page=2&access_token=****>; rel="next"`},
		{"X-Original-Url", "/reset?token=Rd7Yq3Kx9Vw2", "/reset?token=****"},
		{"Www-Authenticate", `Bearer realm="api", error="invalid_token"`, `Bearer realm="api", error="invalid_token"`},
		{"Accept", "*/*", "*/*"},
		{"Content-Type", "multipart/form-data; boundary=x", "multipart/form-data; boundary=x"},
		{"Cache-Control", "max-age=60", "max-age=60"},
	}
	for _, tc := range tests {
		if got := HeaderValue(tc.name, tc.value); got != tc.want {
			t.Errorf("HeaderValue(%q, %q) = %q, want %q", tc.name, tc.value, got, tc.want)
		}
	}
}

// No mask shows a tail (or any part) of a credential, nor of its Base64.
func TestNoPartOfACredential(t *testing.T) {
	for _, pw := range []string{"secret", "Zq7xVw9Kp2", "correct horse battery staple", "ünïcödé-Ωmega-9"} {
		b := base64.StdEncoding.EncodeToString([]byte("alice:" + pw))
		outs := map[string]string{
			"Authorization":       HeaderValue("Authorization", "Basic "+b),
			"Proxy-Authorization": HeaderValue("Proxy-Authorization", "Basic "+b),
			"Bearer":              HeaderValue("Authorization", "Bearer "+pw),
			"X-Api-Key":           HeaderValue("X-Api-Key", pw),
			"URL":                 URLString("http://alice:" + url.QueryEscape(pw) + "@h/?password=" + url.QueryEscape(pw)),
			"form":                string(Body("application/x-www-form-urlencoded", []byte("user=alice&password="+url.QueryEscape(pw)))),
			"JSON":                string(Body("application/json", []byte(`{"user":"alice","password":`+quote(pw)+`}`))),
			"HTML":                string(Body("text/html", []byte(`<input type=password name=p value="`+pw+`">`))),
			"text":                Text("login with Basic " + b + " failed"),
		}
		for what, out := range outs {
			noLeak(t, what, out, pw)
		}
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestURLString(t *testing.T) {
	long := "F00DCAFEF00DCAFE1234"
	tests := []struct{ in, want string }{
		{"http://h/p?a=1&b=2", "http://h/p?a=1&b=2"},
		{"HTTP://H/%7e/?x=%41#frag", "HTTP://H/%7e/?x=%41#frag"},
		{"http://alice:pw@h/", "http://alice:****@h/"},
		{"https://ghp_Zq7xVw9Kp2@github.com/x.git", "https://****@github.com/x.git"},
		{"http://h/?token=abc&x=1", "http://h/?token=****&x=1"},
		{"http://h/?access%5Ftoken=abc", "http://h/?access%5Ftoken=****"},
		{"http://h/?pin=1234&ssn=123-45-6789&pwd=x&jwt=y", "http://h/?pin=****&ssn=****&pwd=****&jwt=****"},
		{"http://h/?id=" + jwtSample, "http://h/?id=****"},
		{"http://h/?" + jwtSample, "http://h/?****"},
		{"http://h/?a=1;token=abc&b=2", "http://h/?a=1;token=****&b=2"},
		{"http://h/?token_type=bearer", "http://h/?token_type=bearer"},
		{"http://h/cb#access_token=abc&expires_in=60", "http://h/cb#access_token=****&expires_in=60"},
		{"http://h/app;jsessionid=" + long + "?x=1", "http://h/app;jsessionid=" + Identifier(long) + "?x=1"},
		{"http://h/app;JSESSIONID=abc/p", "http://h/app;JSESSIONID=****/p"},
		{"http://h/a;token=abc;v=1/b", "http://h/a;token=****;v=1/b"},
		{"http://h/a;v=1/b", "http://h/a;v=1/b"},
		{"/cb?code=abc&state=s", "/cb?code=****&state=s"},
		{"http://[::1]:8080/x?password=p", "http://[::1]:8080/x?password=****"},
		{"not a url ?token=x", "not a url ?token=****"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := URLString(tc.in); got != tc.want {
			t.Errorf("URLString(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	u, _ := url.Parse("http://alice:pw@h/p;jsessionid=abc?token=t&a=b#x")
	if got, want := URL(u), "http://alice:****@h/p;jsessionid=****?token=****&a=b#x"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if got, want := RequestURI(u), "/p;jsessionid=****?token=****&a=b"; got != want {
		t.Errorf("RequestURI = %q, want %q", got, want)
	}
	if URL(nil) != "" || RequestURI(nil) != "" {
		t.Error("a nil URL is not empty")
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Get "http://127.0.0.1:1/x?token=Xk9Qz2Vb7Wm4": dial tcp 127.0.0.1:1: connect: connection refused`,
			`Get "http://127.0.0.1:1/x?token=****": dial tcp 127.0.0.1:1: connect: connection refused`},
		{`Get "http://h/slow?token=Xk9Qz2Vb7Wm4": context deadline exceeded (timed out; see --timeout)`,
			`Get "http://h/slow?token=****": context deadline exceeded (timed out; see --timeout)`},
		{`Get "http://alice:***@h/": EOF`, `Get "http://alice:****@h/": EOF`},
		{`redirect to /login?error&token=abc`, `redirect to /login?error&token=****`},
		{`POST http://h/token: 400 Bad Request: {"error":"invalid_grant","refresh_token":"rt-Jc5Nv1Bx7Ld3","n":1}`,
			`POST http://h/token: 400 Bad Request: {"error":"invalid_grant","refresh_token":"****","n":1}`},
		{`body "{\"access_token\":\"at-Ht4Mw8Qs2Fz6\",\"x\":1}"`, `body "{\"access_token\":\"****\",\"x\":1}"`},
		{`server said: invalid Bearer Pw3Rt8Ly5Gd1`, `server said: invalid Bearer ****`},
		{`no login form or Basic challenge found`, `no login form or Basic challenge found`},
		{`id ` + jwtSample + ` refused`, `id **** refused`},
		{`run: limpet login --session=app :8080 -a alice`, `run: limpet login --session=app :8080 -a alice`},
		{`password=hunter2 pin=1234 user=alice`, `password=**** pin=**** user=alice`},
		{`map[Authorization:[Basic ****] Accept:[*/*]]`, `map[Authorization:[Basic ****] Accept:[*/*]]`},
		{`Get "http://[::1]:8080/x": dial tcp [::1]:8080: connect: connection refused`, `Get "http://[::1]:8080/x": dial tcp [::1]:8080: connect: connection refused`},
		{`{"password": 1234, "user": "alice", "ok": true}`, `{"password": "****", "user": "alice", "ok": true}`},
		{"", ""},
	}
	for _, tc := range tests {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// timeoutErr is a net.Error that timed out.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestError(t *testing.T) {
	if Error(nil) != nil {
		t.Error("Error(nil) is not nil")
	}
	plain := errors.New("connection refused")
	if Error(plain) != plain {
		t.Error("an error with nothing to mask was replaced")
	}
	clean := &url.Error{Op: "Get", URL: "http://h/x", Err: plain}
	if Error(clean) != error(clean) {
		t.Error("a *url.Error with nothing to mask was replaced")
	}

	ue := &url.Error{Op: "Get", URL: "http://h/slow?token=Xk9Qz2Vb7Wm4", Err: fmt.Errorf("reading: %w", context.DeadlineExceeded)}
	err := Error(ue)
	if strings.Contains(err.Error(), "Xk9Qz2Vb7Wm4") || !strings.Contains(err.Error(), "token=****") {
		t.Errorf("Error() = %q", err)
	}
	var got *url.Error
	if !errors.As(err, &got) || got.Op != "Get" {
		t.Errorf("the result is not a *url.Error: %T", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("errors.Is(DeadlineExceeded) lost")
	}

	// A cause that names a secret itself (the client's "failed to parse
	// Location header") is masked, and still answers Timeout.
	tu := &url.Error{Op: "Get", URL: "http://h/", Err: &maskedCause{timeoutErr{}, `bad Location "/x?access_token=Rd7Yq3Kx9Vw2"`}}
	err = Error(tu)
	if strings.Contains(err.Error(), "Rd7Yq3Kx9Vw2") {
		t.Errorf("Error() = %q", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Error("Timeout() lost")
	}
	if !errors.As(err, &got) || !got.Timeout() {
		t.Error("the *url.Error does not time out any more")
	}
	var te timeoutErr
	if !errors.As(err, &te) {
		t.Error("errors.As cannot find the cause")
	}

	other := fmt.Errorf("spring: login: %w", errors.New("redirect to /login?password=hunter2"))
	err = Error(other)
	if strings.Contains(err.Error(), "hunter2") || !errors.Is(err, other) {
		t.Errorf("Error() = %q", err)
	}
}

// maskedCause is a cause whose message names a secret.
type maskedCause struct {
	timeoutErr
	msg string
}

func (e *maskedCause) Error() string { return e.msg }
func (e *maskedCause) Unwrap() error { return e.timeoutErr }

func TestBodyJSON(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"tokens masked, the rest byte for byte",
			`{"access_token":"at-Ht4Mw8Qs2Fz6", "token_type" : "Bearer","expires_in":3600,"refresh_token":"rt-Jc5Nv1Bx7Ld3"}`,
			`{"access_token":"****", "token_type" : "Bearer","expires_in":3600,"refresh_token":"****"}`},
		{"nested, numbers and arrays under sensitive names",
			"{\n  \"user\": {\"name\": \"alice\", \"pin\": 4711, \"ssn\": \"123-45-6789\"},\n  \"tokens\": [\"a\", {\"k\": \"b\", \"on\": true}, 12.5e3, null]\n}",
			"{\n  \"user\": {\"name\": \"alice\", \"pin\": \"****\", \"ssn\": \"****\"},\n  \"tokens\": [\"****\", {\"k\": \"****\", \"on\": true}, \"****\", null]\n}"},
		{"an Authorization echo", `{"headers":{"Authorization":["Basic YWxpY2U6c2VjcmV0"]}}`, `{"headers":{"Authorization":["****"]}}`},
		{"a JWT under any name", `{"id":"` + jwtSample + `","n":12345678901234567890}`, `{"id":"****","n":12345678901234567890}`},
		{"escaped key", `{"access\u005ftoken":"abc"}`, `{"access\u005ftoken":"****"}`},
		{"cut inside the secret", `{"a":1,"password":"hunt`, `{"a":1,"password":"****"`},
		{"cut after the colon", `{"password": `, `{"password": `},
		{"malformed: trailing comma", `{"password":"hunter2",}`, `{"password":"****",}`},
		{"bare word", `{"password": hunter2}`, `{"password": "****"}`},
		{"NDJSON", "{\"token\":\"a\"}\n{\"token\":\"b\"}\n", "{\"token\":\"****\"}\n{\"token\":\"****\"}\n"},
		{"nothing to mask", `{"a":[1,2,{"b":"c"}]}`, `{"a":[1,2,{"b":"c"}]}`},
		{"already masked", `{"password":"****"}`, `{"password":"****"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(Body("application/json", []byte(tc.in))); got != tc.want {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// A JSON body cut at any point shows no part of its secrets.
func TestBodyJSONCut(t *testing.T) {
	doc := `{"user":"alice","password":"Zq7xVw9Kp2","list":[{"access_token":"Ht4Mw8Qs2Fz6"}],"id":"` + jwtSample + `"}`
	for n := 0; n <= len(doc); n++ {
		out := string(Body("application/json", []byte(doc[:n])))
		noLeak(t, fmt.Sprintf("cut at %d", n), out, "Zq7xVw9Kp2", "Ht4Mw8Qs2Fz6")
		if p := leak(out, jwtSample[len(jwtSample)-20:]); p != "" {
			t.Errorf("cut at %d: %q shows the JWT's %q", n, out, p)
		}
	}
}

func TestBodyForms(t *testing.T) {
	tests := []struct{ ctype, in, want string }{
		{"application/x-www-form-urlencoded", "username=alice&password=p%26w&_csrf=x", "username=alice&password=****&_csrf=****"},
		{"application/x-www-form-urlencoded; charset=UTF-8", "pin=1234&remember-me=on", "pin=****&remember-me=****"},
		{"", `{"password":"x"}`, `{"password":"****"}`},
		{"text/plain", "username=alice&password=x", "username=alice&password=****"},
		{"text/plain", "the token=abc was refused", "the token=**** was refused"},
		{"text/plain", "hello, world", "hello, world"},
		{"image/png", "password=x", "password=x"},
		{"application/octet-stream", `{"password":"x"}`, `{"password":"x"}`},
		{"application/vnd.api+json", `{"password":"x"}`, `{"password":"****"}`},
		{"application/x-ndjson", `{"password":"x"}`, `{"password":"****"}`},
	}
	for _, tc := range tests {
		if got := string(Body(tc.ctype, []byte(tc.in))); got != tc.want {
			t.Errorf("Body(%q, %q) = %q, want %q", tc.ctype, tc.in, got, tc.want)
		}
	}
}

// A multipart body cut at any point shows no part of its secret, and a
// boundary that only appears inside a value does not end the part.
func TestBodyMultipartCut(t *testing.T) {
	const secret = "Zq7xVw9Kp2-Ht4Mw8Qs2Fz6"
	doc := "--b0\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nalice\r\n" +
		"--b0\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n" + secret + "\r\n--b0--\r\n"
	for n := 0; n <= len(doc); n++ {
		for _, ctype := range []string{"multipart/form-data; boundary=b0", "multipart/form-data"} {
			out := string(Body(ctype, []byte(doc[:n])))
			noLeak(t, fmt.Sprintf("%s cut at %d", ctype, n), out, secret)
		}
	}
	inner := "--b0\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nZq7xVw9Kp2--b0Ht4Mw8Qs2Fz6\r\n--b0--\r\n"
	out := string(Body("multipart/form-data; boundary=b0", []byte(inner)))
	noLeak(t, "boundary inside the value", out, "Zq7xVw9Kp2", "Ht4Mw8Qs2Fz6")
}

// An HTML page cut at any point shows no part of its secrets; links keep
// their other parameters.
func TestBodyHTMLCut(t *testing.T) {
	doc := `<p>Hi</p><form><input type="hidden" name="_csrf" value="Ht4Mw8Qs2Fz6"/><input type=password value='Zq7xVw9Kp2'></form>` +
		`<a href="/reset?token=Rd7Yq3Kx9Vw2&amp;lang=en">reset</a><meta http-equiv="refresh" content="0; url=/x?access_token=Xk9Qz2Vb7Wm4">`
	for n := 0; n <= len(doc); n++ {
		out := string(Body("text/html", []byte(doc[:n])))
		noLeak(t, fmt.Sprintf("cut at %d", n), out, "Ht4Mw8Qs2Fz6", "Zq7xVw9Kp2", "Rd7Yq3Kx9Vw2", "Xk9Qz2Vb7Wm4")
	}
	out := string(Body("text/html", []byte(doc)))
	for _, kept := range []string{"<p>Hi</p>", `lang=en`, `name="_csrf"`, ">reset</a>"} {
		if !strings.Contains(out, kept) {
			t.Errorf("the page lost %q: %s", kept, out)
		}
	}
}

// Values are credentials by their shape only when they look like some.
func TestParamByShape(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"plan", "Basic plan", "Basic plan"},
		{"note", "Bearer with me", "Bearer with me"},
		{"upstream", "Bearer Pw3Rt8Ly5Gd1", Mask},
		{"echo", "Basic YWxpY2U6c2VjcmV0", Mask},
		{"echo", `Digest username="a", response="6629fae4"`, Mask},
		{"id", jwtSample, Mask},
		{"id", "eyJ-not-a-jwt", "eyJ-not-a-jwt"},
		{"password", "", ""},
		{"password", "x", Mask},
		{"redirect_uri", "http://h/cb", "http://h/cb"},
	}
	for _, tc := range tests {
		if got := Param(tc.name, tc.value); got != tc.want {
			t.Errorf("Param(%q, %q) = %q, want %q", tc.name, tc.value, got, tc.want)
		}
	}
	if got, want := Query("redirect_uri=http%3A%2F%2Fh%2Fcb%3Ftoken%3Dx&state=s"), "redirect_uri=****&state=s"; got != want {
		t.Errorf("a URL with a token in a parameter: %q, want %q", got, want)
	}
}
