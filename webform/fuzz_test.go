package webform

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/internal/htmlform"
)

// FuzzPickForm checks the login form picker on any page: never a panic, and
// a picked form has a password field, and a user field it names exists.
func FuzzPickForm(f *testing.F) {
	f.Add(`<form method=post action="/login?a=1&amp;b=2"><input type=hidden name=_token value=t><input name=email autocomplete=username><input type=password name=pw></form>`)
	f.Add(`<form id=signup><input name=n><input type=password name=a><input type=password name=b></form><form id=login><input type=password name=p></form>`)
	f.Add(`<form><input type=password></form><form`)
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := htmlform.Parse(strings.NewReader(doc))
		if err != nil {
			return
		}
		form, ok := pickForm(p, "")
		if !ok {
			return
		}
		if _, ok := form.Password(); !ok {
			t.Fatalf("picked a form without a password field: %+v", form)
		}
		if name, ok := userField(form); ok {
			if _, found := form.Get(name); !found {
				t.Fatalf("user field %q is not in the form", name)
			}
		}
	})
}

// FuzzStrategies checks the default strategies on any cookie, meta and
// hidden value: never a panic, and a header they name is a valid one.
func FuzzStrategies(f *testing.F) {
	f.Add("XSRF-TOKEN", "a%3Db", "_csrf_header", "X-CSRF-TOKEN", "_token", "t")
	f.Add("psifi.x-csrf-token", "v|h", "csrf-param", "authenticity_token", "csrf_token", "x")
	f.Fuzz(func(t *testing.T, cookie, value, meta, content, field, fieldValue string) {
		u, _ := url.Parse("http://127.0.0.1/")
		src := Source{URL: u, Cookies: []*http.Cookie{{Name: cookie, Value: value}}, Page: true,
			Meta: map[string]string{meta: content, "csrf-token": fieldValue, "_csrf": fieldValue}, Hidden: map[string]string{field: fieldValue}}
		for _, s := range DefaultStrategies() {
			tok, ok := s.Find(src)
			if !ok {
				continue
			}
			if tok.Header != "" && !validHeader(tok.Header) {
				t.Fatalf("%T names the header %q", s, tok.Header)
			}
		}
	})
}
