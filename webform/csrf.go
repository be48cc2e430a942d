package webform

import (
	"net/http"
	"net/url"
	"strings"
)

// Token is a CSRF token and where a request carries it.
type Token struct {
	// Value is the token as the request sends it.
	Value string
	// Header is the request header that carries it; empty for none.
	Header string
	// Field is the form field that carries it in a url-encoded body;
	// empty for none.
	Field string
	// Source says where it was found, for logs and errors:
	// "cookie:csrftoken", "meta:csrf-token", "field:_token".
	Source string
}

// FromCookie reports whether the token was read from a cookie: such a token
// is read again from the cookie jar for every request, so that it follows
// the server's rotations.
func (t Token) FromCookie() bool { return strings.HasPrefix(t.Source, "cookie:") }

// Source is what a Strategy looks at: the cookies the client holds for a
// URL and, when a page was fetched, what the page shows.
type Source struct {
	// URL is the request's or the page's URL.
	URL *url.URL
	// Cookies are the cookies the jar sends to URL.
	Cookies []*http.Cookie
	// Page is true when Meta and Hidden come from an HTML page; false when
	// the strategy is asked for a request about to be sent (then only
	// Cookies count).
	Page bool
	// Meta maps the page's <meta name> to its content.
	Meta map[string]string
	// Hidden maps the names of the hidden inputs of the page's forms to
	// their first value.
	Hidden map[string]string
}

// Strategy finds a CSRF token. Strategies that read cookies answer for
// every request (Source.Page false); those that read pages answer only
// for a page, and the token they find is kept for the page's origin until
// the next login. Implementations must be safe for concurrent use.
type Strategy interface {
	Find(src Source) (Token, bool)
}

// StrategyFunc makes a function a Strategy.
type StrategyFunc func(Source) (Token, bool)

// Find implements Strategy.
func (f StrategyFunc) Find(src Source) (Token, bool) { return f(src) }

// CookieToken is a token the server sets in a cookie and wants back in a
// header: Django's csrftoken in X-CSRFToken, Laravel's and Angular's
// XSRF-TOKEN (URL-encoded) in X-XSRF-TOKEN.
type CookieToken struct {
	// Cookie is the cookie's name.
	Cookie string
	// Header is the request header that carries it.
	Header string
	// URLDecode sends the cookie's value URL-decoded (Laravel encodes it).
	URLDecode bool
}

// Find implements Strategy.
func (c CookieToken) Find(src Source) (Token, bool) {
	for _, ck := range src.Cookies {
		if ck.Name != c.Cookie || ck.Value == "" {
			continue
		}
		v := ck.Value
		if c.URLDecode {
			if d, err := url.QueryUnescape(v); err == nil {
				v = d
			}
		}
		return Token{Value: v, Header: c.Header, Source: "cookie:" + c.Cookie}, true
	}
	return Token{}, false
}

// DoubleSubmitCookie finds a double-submit cookie by its name: one that
// says "csrf" or "xsrf" (csrf-csrf's psifi.x-csrf-token, its __Host-
// variant, a _csrf cookie). Its value goes in the header the name spells
// when the name ends in one ("x-csrf-token"), else in X-CSRF-Token.
type DoubleSubmitCookie struct{}

// Find implements Strategy.
func (DoubleSubmitCookie) Find(src Source) (Token, bool) {
	for _, ck := range src.Cookies {
		n := strings.ToLower(ck.Name)
		if ck.Value == "" || !(strings.Contains(n, "csrf") || strings.Contains(n, "xsrf")) {
			continue
		}
		header := "X-CSRF-Token"
		if i := strings.LastIndex(n, "x-"); i >= 0 && validHeaderName(n[i:]) && len(n[i:]) > 2 {
			header = http.CanonicalHeaderKey(n[i:])
		}
		return Token{Value: ck.Value, Header: header, Source: "cookie:" + ck.Name}, true
	}
	return Token{}, false
}

// validHeaderName reports whether a lower-case cookie name's tail spells
// a header name.
func validHeaderName(s string) bool {
	return strings.Trim(s, "-abcdefghijklmnopqrstuvwxyz0123456789") == ""
}

// MetaToken is a token in a page's <meta name=Name>, as Rails, Laravel and
// Express templates and Spring Security's pages put it for scripts. The
// header is the content of <meta name=HeaderMeta> when the page has one
// (Spring's _csrf_header), else Header.
type MetaToken struct {
	Name, HeaderMeta, Header string
	// Field is the form field a url-encoded body carries it in, if any.
	Field string
}

// Find implements Strategy.
func (m MetaToken) Find(src Source) (Token, bool) {
	if !src.Page {
		return Token{}, false
	}
	v := src.Meta[m.Name]
	if v == "" {
		return Token{}, false
	}
	h := m.Header
	if m.HeaderMeta != "" && validHeader(src.Meta[m.HeaderMeta]) {
		h = src.Meta[m.HeaderMeta]
	}
	field := m.Field
	if p := src.Meta["csrf-param"]; p != "" && m.Name == "csrf-token" {
		field = p // Rails names its field in <meta name="csrf-param">
	}
	return Token{Value: v, Header: h, Field: field, Source: "meta:" + m.Name}, true
}

// validHeader reports whether a page names a usable header: letters,
// digits, '-' and '_', at most 100 of them.
func validHeader(h string) bool {
	return h != "" && len(h) <= 100 && strings.Trim(strings.ToLower(h), "-_abcdefghijklmnopqrstuvwxyz0123456789") == ""
}

// FieldToken is a token in a hidden input called Field of one of a page's
// forms; requests without a url-encoded body carry it in Header.
type FieldToken struct {
	Field, Header string
}

// Find implements Strategy.
func (f FieldToken) Find(src Source) (Token, bool) {
	if !src.Page {
		return Token{}, false
	}
	v := src.Hidden[f.Field]
	if v == "" {
		return Token{}, false
	}
	return Token{Value: v, Header: f.Header, Field: f.Field, Source: "field:" + f.Field}, true
}

// DefaultStrategies returns the strategies Login uses when Options.CSRF is
// nil, in the order they are tried: the cookies (Django's csrftoken,
// XSRF-TOKEN, double-submit cookies), then the page's meta tags
// (csrf-token; Spring's _csrf with _csrf_header), then hidden fields
// (csrfmiddlewaretoken, authenticity_token, _token, csrf_token, _csrf,
// __RequestVerificationToken). Append to it to add one of your own.
func DefaultStrategies() []Strategy {
	return []Strategy{
		CookieToken{Cookie: "csrftoken", Header: "X-CSRFToken"},
		CookieToken{Cookie: "XSRF-TOKEN", Header: "X-XSRF-TOKEN", URLDecode: true},
		DoubleSubmitCookie{},
		MetaToken{Name: "csrf-token", Header: "X-CSRF-Token"},
		MetaToken{Name: "_csrf", HeaderMeta: "_csrf_header", Header: "X-CSRF-TOKEN", Field: "_csrf"},
		FieldToken{Field: "csrfmiddlewaretoken", Header: "X-CSRFToken"},
		FieldToken{Field: "authenticity_token", Header: "X-CSRF-Token"},
		FieldToken{Field: "_token", Header: "X-CSRF-TOKEN"},
		FieldToken{Field: "csrf_token", Header: "X-CSRFToken"},
		FieldToken{Field: "_csrf", Header: "X-CSRF-Token"},
		FieldToken{Field: "__RequestVerificationToken", Header: "RequestVerificationToken"},
	}
}
