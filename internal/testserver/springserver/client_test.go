package springserver_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// client is a cookie-keeping HTTP client that never follows redirects, as a session client's login step does.
type client struct {
	t    testing.TB
	base string
	jar  *cookiejar.Jar
	hc   *http.Client
	auth string // Authorization sent with every request that sets none (Basic or Bearer credentials)
}

func newClient(t testing.TB, base string) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{
		t:    t,
		base: base,
		jar:  jar,
		hc: &http.Client{
			Jar:           jar,
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// newClientAs is newClient for the server at base, addressed by another host name: the URL (and so the cookie jar)
// sees host, while connections still go to base's loopback address.
func newClientAs(t testing.TB, base, host string) *client {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	addr := u.Host
	c := newClient(t, "http://"+net.JoinHostPort(host, u.Port()))
	var d net.Dialer
	c.hc.Transport = &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(c.hc.CloseIdleConnections)
	return c
}

// result is a response with its body read.
type result struct {
	Status int
	Header http.Header
	Body   string
}

// setCookie returns the response's last Set-Cookie for name (the one a jar keeps), or nil.
func (r result) setCookie(name string) *http.Cookie {
	resp := http.Response{Header: r.Header}
	var last *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == name {
			last = c
		}
	}
	return last
}

// deletes reports whether the response's first Set-Cookie for name deletes the cookie: an empty value with
// Max-Age=0 (Tomcat 10.1) or only an Expires date in the past (Tomcat 11).
func (r result) deletes(name string) bool {
	resp := http.Response{Header: r.Header}
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c.Value == "" && (c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Unix(1, 0).AddDate(1, 0, 0))))
		}
	}
	return false
}

// rawSetCookie returns the response's first Set-Cookie header line for name, or "".
func (r result) rawSetCookie(name string) string {
	for _, line := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, name+"=") {
			return line
		}
	}
	return ""
}

func (r result) String() string {
	body := r.Body
	if len(body) > 300 {
		body = body[:300] + "..."
	}
	return fmt.Sprintf("%d Location=%q WWW-Authenticate=%q Set-Cookie=%q body=%q", r.Status,
		r.Header.Get("Location"), r.Header.Values("WWW-Authenticate"), r.Header.Values("Set-Cookie"), body)
}

// do sends a request; form, when not nil, is sent as an urlencoded body. header values replace defaults.
func (c *client) do(method, path string, header http.Header, form url.Values) result {
	c.t.Helper()
	if form != nil {
		return c.send(method, path, header, "application/x-www-form-urlencoded", form.Encode())
	}
	return c.send(method, path, header, "", "")
}

// send sends a request with a body of the content type (none when contentType is ""). header values replace
// defaults; the client's auth, when set and header has no Authorization, is sent as Authorization.
func (c *client) send(method, path string, header http.Header, contentType, body string) result {
	c.t.Helper()
	var rd io.Reader
	if contentType != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return result{Status: resp.StatusCode, Header: resp.Header, Body: string(data)}
}

func (c *client) get(path string, header http.Header) result {
	return c.do(http.MethodGet, path, header, nil)
}

// cookie returns the jar's value of the named cookie for the base URL, or "".
func (c *client) cookie(name string) string {
	u, err := url.Parse(c.base)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// setJarCookie stores a cookie in the jar as if the server had set it (path /).
func (c *client) setJarCookie(name, value string) {
	u, err := url.Parse(c.base)
	if err != nil {
		c.t.Fatal(err)
	}
	c.jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

var (
	htmlAccept = http.Header{"Accept": {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}}
	jsonAccept = http.Header{"Accept": {"application/json"}}
	xhr        = http.Header{"X-Requested-With": {"XMLHttpRequest"}}
)

// loginPage fetches a login (or any) page as a browser would and returns the CSRF token it renders.
func (c *client) pageToken(path string) (string, result) {
	c.t.Helper()
	r := c.get(path, htmlAccept)
	if r.Status != http.StatusOK {
		c.t.Fatalf("GET %s: want 200, got %v", path, r)
	}
	page, err := parseCSRF(strings.NewReader(r.Body))
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	token := page.Hidden["_csrf"]
	if token == "" {
		token = page.Meta["_csrf"]
	}
	if token == "" {
		c.t.Fatalf("GET %s: no _csrf token in the page: %v", path, r)
	}
	return token, r
}

// formLogin does Spring Security's default form login: GET /login, then POST /login with the rendered token.
func (c *client) formLogin(user, password string, extra url.Values) result {
	c.t.Helper()
	token, _ := c.pageToken("/login")
	form := url.Values{"username": {user}, "password": {password}, "_csrf": {token}}
	for k, v := range extra {
		form[k] = v
	}
	return c.do(http.MethodPost, "/login", nil, form)
}

// mustLogin logs in and checks Spring's success answer: 302 to the context root.
func (c *client) mustLogin(user, password string, extra url.Values) result {
	c.t.Helper()
	return c.loginTo(user, password, extra, "/")
}

// loginTo logs in and checks that the answer is a 302 to the given path (and query) on the server.
func (c *client) loginTo(user, password string, extra url.Values, location string) result {
	c.t.Helper()
	r := c.formLogin(user, password, extra)
	if r.Status != http.StatusFound || r.Header.Get("Location") != c.base+location {
		c.t.Fatalf("login as %s: want 302 to %s%s, got %v", user, c.base, location, r)
	}
	return r
}

// csrfPage is what a client discovers in an HTML page: hidden inputs and meta tags, by name.
type csrfPage struct {
	Hidden map[string]string // <input type="hidden" name=... value=...>
	Meta   map[string]string // <meta name=... content=...>
	Forms  []string          // form actions, in order
}

// parseCSRF reads an HTML page with a real HTML tokenizer (attribute order and quoting do not matter).
func parseCSRF(r io.Reader) (csrfPage, error) {
	page := csrfPage{Hidden: map[string]string{}, Meta: map[string]string{}}
	z := html.NewTokenizer(r)
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return page, nil
			}
			return page, fmt.Errorf("parse html: %w", z.Err())
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			attrs := map[string]string{}
			for _, a := range tok.Attr {
				attrs[strings.ToLower(a.Key)] = a.Val
			}
			switch tok.DataAtom.String() {
			case "input":
				if strings.EqualFold(attrs["type"], "hidden") && attrs["name"] != "" {
					page.Hidden[attrs["name"]] = attrs["value"]
				}
			case "meta":
				if attrs["name"] != "" {
					page.Meta[attrs["name"]] = attrs["content"]
				}
			case "form":
				page.Forms = append(page.Forms, attrs["action"])
			}
		}
	}
}

var (
	maskedTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{96}$`)
	uuidPattern        = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// unmask reverses Spring Security's XorCsrfTokenRequestAttributeHandler masking: base64url(R || R^T) -> T.
func unmask(masked string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(masked, "="))
	if err != nil {
		return "", fmt.Errorf("unmask: %w", err)
	}
	if len(b)%2 != 0 || len(b) == 0 {
		return "", fmt.Errorf("unmask: odd length %d", len(b))
	}
	n := len(b) / 2
	out := make([]byte, n)
	for i := range out {
		out[i] = b[i] ^ b[n+i]
	}
	return string(out), nil
}

// mask masks a raw token the way Spring Security's XorCsrfTokenRequestAttributeHandler does.
func mask(raw string) string {
	t := []byte(raw)
	out := make([]byte, 2*len(t))
	_, _ = rand.Read(out[:len(t)]) // never fails since Go 1.24
	for i := range t {
		out[len(t)+i] = t[i] ^ out[i]
	}
	return base64.URLEncoding.EncodeToString(out)
}
