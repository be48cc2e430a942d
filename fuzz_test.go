package limpet

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParseDigestChallenge checks the WWW-Authenticate parser that Digest
// authentication reads server input with: never a panic, and every
// parameter it returns has a lower-case name.
func FuzzParseDigestChallenge(f *testing.F) {
	f.Add(`Digest realm="r", nonce="n1", qop="auth,auth-int", algorithm=SHA-256, opaque="o"`)
	f.Add(`Basic realm="x", Digest realm="a\"b", nonce=abc`)
	f.Add(`Digest realm="unterminated`)
	f.Add(`Digest ,,, =x, a=`)
	f.Fuzz(func(t *testing.T, v string) {
		params := parseDigestChallenge([]string{v})
		for k := range params {
			if k != strings.ToLower(k) {
				t.Errorf("parameter name %q is not lower case", k)
			}
		}
		if params != nil {
			req := &url.URL{Scheme: "http", Host: "h", Path: "/p"}
			d := &digestAuth{username: "u", password: "p"}
			r := newTestRequest(req)
			d.authorize(r, params)
		}
	})
}

// FuzzRetryAfter checks the Retry-After parser: never a panic, never a
// negative wait.
func FuzzRetryAfter(f *testing.F) {
	f.Add("120")
	f.Add("-5")
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT")
	f.Add("99999999999999999999")
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := retryAfter(v, time.Unix(1_700_000_000, 0))
		if ok && d < 0 {
			t.Errorf("retryAfter(%q) = %v", v, d)
		}
	})
}
