// Package redact hides secrets in what limpet shows: debug logs, HAR files,
// curl commands, error messages, `session show` and the command line's
// output all go through this one package, so a secret hidden in one place
// is hidden in every place.
//
// # What a mask shows
//
// A mask never shows a part of the secret, nor of any encoding of it: no
// tail, no head, no length. A tail of "Basic YWxpY2U6c2VjcmV0" would be the
// Base64 of the password's end, and a tail of a JWT is its signature.
//
//   - Credentials are masked whole: passwords, Authorization and
//     Proxy-Authorization values (the scheme stays: "Basic ****"), tokens,
//     API keys, CSRF tokens, and every value of a sensitive field, query
//     parameter or header. They show as [Mask], "****".
//   - Session identifiers (cookie values and ;jsessionid= path parameters)
//     show a fingerprint when they are long enough to be random:
//     "****~3fa2c1", the first six hex digits of the value's SHA-256 (see
//     [Identifier]). It tells two sessions apart, and reveals nothing of a
//     random value; it would let someone confirm a guess of a short or
//     guessable value, which is why values under 16 characters, and
//     credentials of any length, get none.
//
// # What counts as a secret
//
// A value is a secret when its name says so ([IsSensitiveName]: password,
// token, secret, session, pin, ssn, jwt and the like, in header names,
// query parameters, form and multipart fields, JSON keys and HTML inputs),
// or when the value itself says so, whatever its name: "Bearer ..." and
// the other HTTP authentication schemes in any header, and JWTs anywhere.
// Free text (error messages, log lines) is scanned for URLs, name=value
// pairs, JSON members and credentials ([Text]).
//
// Redaction is for showing: it may mask more than a secret, and what it
// returns is not meant to be sent. Every function is safe for concurrent
// use.
package redact

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// Mask is what stands in place of a hidden value.
const Mask = "****"

// Value masks a secret whole: it returns [Mask] whatever s is.
func Value(s string) string { return Mask }

// minIdentifier is the shortest value that gets a fingerprint.
const minIdentifier = 16

// Identifier masks a session identifier (a cookie value, a ;jsessionid=
// path parameter) and, when it has 16 characters or more, adds a
// fingerprint that tells values apart: "****~" and the first six hex
// digits of its SHA-256. Shorter values, which could be guessed and
// confirmed by their fingerprint, are masked whole.
//
// A value that is already a mask ("****" or "****~" and six hex digits) is
// returned as it is, so that masking twice gives what masking once gave.
func Identifier(s string) string {
	if isIdentifierMask(s) {
		return s
	}
	if len(s) < minIdentifier {
		return Mask
	}
	sum := sha256.Sum256([]byte(s))
	return Mask + "~" + hex.EncodeToString(sum[:3])
}

// isIdentifierMask reports whether s is what Identifier returns for some
// value: Mask, or Mask, "~" and six lower-case hex digits.
func isIdentifierMask(s string) bool {
	if s == Mask {
		return true
	}
	fp, ok := strings.CutPrefix(s, Mask+"~")
	if !ok || len(fp) != 6 {
		return false
	}
	for i := 0; i < len(fp); i++ {
		if c := fp[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// sensitiveParts are the name parts that make a name sensitive wherever
// they occur in it.
var sensitiveParts = []string{
	"password", "passwd", "pwd", "secret", "token", "csrf", "xsrf", "api_key", "apikey", "api-key",
	"authorization", "credential", "session", "jsessionid", "signature", "private", "jwt", "bearer",
}

// sensitiveWords are the words that make a name sensitive when they are a
// whole word of it ("user_pin", "pinCode", "SSN"; not "shipping").
var sensitiveWords = map[string]bool{"pin": true, "ssn": true, "passcode": true, "cvv": true, "cvc": true}

// sensitiveNames are the names that are sensitive only as a whole.
var sensitiveNames = map[string]bool{
	"pw": true, "pass": true, "code": true, "key": true, "sig": true, "sid": true, "ticket": true, "nonce": true,
	"otp": true, "j_password": true, "remember-me": true, "code_verifier": true, "assertion": true, "auth": true,
}

// describingWords end names that speak about a secret without holding
// one: "token_type", "csrf_header_name", "expires_in", "token_url".
var describingWords = map[string]bool{
	"type": true, "name": true, "header": true, "parameter": true, "param": true, "expires": true, "expiry": true,
	"expiration": true, "in": true, "at": true, "length": true, "count": true, "timeout": true, "policy": true,
	"url": true, "uri": true, "endpoint": true,
}

// IsSensitiveName reports whether a header, query parameter, form field or
// JSON key name usually holds a secret: names that speak of passwords,
// tokens, secrets, sessions, keys, PINs and the like (Authorization,
// X-CSRF-Token and X-Api-Key among them), but not those that only describe
// one ("token_type", "expires_in").
func IsSensitiveName(name string) bool {
	if name == "" {
		return false
	}
	var buf [64]byte
	n := lower(name, buf[:0])
	for _, p := range sensitiveParts {
		if bytes.Contains(n, []byte(p)) {
			return !describing(name, n)
		}
	}
	if sensitiveNames[string(n)] {
		return true
	}
	if camel := camelWords(name); camel != nil {
		for _, x := range camel {
			if sensitiveWords[x] {
				return !describing(name, n)
			}
		}
		return false
	}
	var ws [8][2]int
	for _, x := range words(n, ws[:0]) {
		if sensitiveWords[string(n[x[0]:x[1]])] {
			return !describing(name, n)
		}
	}
	return false
}

// describing reports whether a name of several words ends with one that
// only describes a secret ("token_type", "tokenType"); n is the name in
// lower case.
func describing(name string, n []byte) bool {
	if camel := camelWords(name); camel != nil {
		return len(camel) > 1 && describingWords[camel[len(camel)-1]]
	}
	var ws [8][2]int
	w := words(n, ws[:0])
	if len(w) < 2 {
		return false
	}
	last := w[len(w)-1]
	return describingWords[string(n[last[0]:last[1]])]
}

// lower appends the ASCII lower case of s to buf.
func lower(s string, buf []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// words appends to ws the bounds of the words of a lower-case name: runs
// of letters and digits.
func words(n []byte, ws [][2]int) [][2]int {
	start := -1
	for i := 0; i <= len(n); i++ {
		alnum := i < len(n) && isAlnum(n[i])
		if !alnum && start >= 0 {
			ws = append(ws, [2]int{start, i})
			start = -1
		}
		if alnum && start < 0 {
			start = i
		}
	}
	return ws
}

// camelWords splits a name with lower-to-upper case changes into
// lower-case words ("userPin" is "user" and "pin"), or returns nil when it
// has none.
func camelWords(name string) []string {
	camel := false
	for i := 1; i < len(name); i++ {
		if name[i] >= 'A' && name[i] <= 'Z' && name[i-1] >= 'a' && name[i-1] <= 'z' {
			camel = true
			break
		}
	}
	if !camel {
		return nil
	}
	var out []string
	start := -1
	for i := 0; i <= len(name); i++ {
		var c byte
		if i < len(name) {
			c = name[i]
		}
		alnum := isAlnum(c)
		boundary := !alnum || (i > 0 && c >= 'A' && c <= 'Z' && name[i-1] >= 'a' && name[i-1] <= 'z')
		if boundary && start >= 0 {
			out = append(out, strings.ToLower(name[start:i]))
			start = -1
		}
		if alnum && start < 0 {
			start = i
		}
	}
	return out
}

// Param masks the value of a query parameter, form field or JSON member
// given its name: whole when the name is sensitive or the value is a
// credential by its shape (a JWT, "Bearer ..."); as it is otherwise.
func Param(name, value string) string {
	if value == "" {
		return value
	}
	if IsSensitiveName(name) || isCredential(value) {
		return Mask
	}
	return value
}

// isCredential reports whether a field's value is a credential by its
// shape, whatever its name: a JWT, or an HTTP authentication scheme and
// credentials that look like some ("Bearer Pw3Rt8Ly5Gd1", not "Basic
// plan", which a header would mask: see HeaderValue).
func isCredential(v string) bool {
	if isJWT(v) {
		return true
	}
	scheme, ok := authScheme(v)
	if !ok {
		return false
	}
	switch strings.ToLower(scheme) {
	case "digest", "aws4-hmac-sha256":
		return true
	}
	_, cred, _ := strings.Cut(strings.TrimLeft(v, " \t"), " ")
	cred = strings.TrimSpace(cred)
	return isToken68(cred) && looksSecret(cred)
}

// isJWT reports whether s is shaped like a JWT (or JWS, JWE): base64url
// parts separated by dots, the first the encoding of a JSON object.
func isJWT(s string) bool {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "eyJ") || strings.Count(s, ".") < 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBase64URL(s[i]) && s[i] != '.' {
			return false
		}
	}
	return true
}

func isBase64URL(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// authScheme returns the scheme of a value shaped like HTTP credentials,
// and whether it is one: "Bearer" or "Basic" and anything; "Digest" or
// "AWS4-HMAC-SHA256" and parameters; "Token", "Negotiate", "NTLM" or
// "DPoP" and one long token ("Token expired" is not credentials).
func authScheme(v string) (string, bool) {
	v = strings.TrimLeft(v, " \t")
	scheme, cred, ok := strings.Cut(v, " ")
	cred = strings.TrimSpace(cred)
	if !ok || cred == "" {
		return "", false
	}
	switch strings.ToLower(scheme) {
	case "bearer", "basic":
		return scheme, true
	case "digest", "aws4-hmac-sha256":
		return scheme, strings.Contains(cred, "=")
	case "token", "negotiate", "ntlm", "dpop":
		return scheme, len(cred) >= minIdentifier && isToken68(cred)
	}
	return "", false
}

// isToken68 reports whether s is an RFC 9110 token68: the credentials of
// Bearer, Basic and the like.
func isToken68(s string) bool {
	t := strings.TrimRight(s, "=")
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !isBase64URL(c) && c != '.' && c != '~' && c != '+' && c != '/' {
			return false
		}
	}
	return true
}

// HeaderValue redacts one header value given the header's name.
func HeaderValue(name, value string) string {
	switch http.CanonicalHeaderKey(name) {
	case "Cookie":
		return Cookie(value)
	case "Set-Cookie":
		return SetCookie(value)
	case "Authorization", "Proxy-Authorization":
		return credentials(value)
	case "Www-Authenticate", "Proxy-Authenticate":
		// Challenges: a scheme and its parameters, no secret.
		return value
	case "Referer", "Location", "Content-Location", "Origin":
		return URLString(value)
	case "Link", "Refresh":
		return Text(value)
	}
	if IsSensitiveName(name) {
		if value == "" {
			return value
		}
		if scheme, ok := authScheme(value); ok {
			return scheme + " " + Mask
		}
		return Mask
	}
	if scheme, ok := authScheme(value); ok {
		return scheme + " " + Mask
	}
	if isJWT(value) {
		return Mask
	}
	if strings.Contains(value, "=") || strings.Contains(value, "://") {
		// URLs, parameter lists: mask what names a secret.
		return Text(value)
	}
	return value
}

// credentials masks an Authorization value whole, keeping the scheme when
// it is a token of letters: "Basic ****".
func credentials(value string) string {
	if value == "" {
		return value
	}
	v := strings.TrimLeft(value, " \t")
	scheme, _, ok := strings.Cut(v, " ")
	if !ok || !isSchemeName(scheme) {
		return Mask
	}
	return scheme + " " + Mask
}

// isSchemeName reports whether s can be an auth scheme name worth keeping:
// a short token of letters, digits and dashes starting with a letter.
func isSchemeName(s string) bool {
	if s == "" || len(s) > 20 || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Header returns a copy of h with secrets masked: credentials, cookie
// values, CSRF tokens and API keys. Names and cookie names stay visible.
func Header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		c := make([]string, len(vs))
		for i, v := range vs {
			c[i] = HeaderValue(k, v)
		}
		out[k] = c
	}
	return out
}

// Cookie masks the values in a Cookie request header, keeping the names;
// each value shows as an [Identifier].
func Cookie(header string) string {
	parts := strings.Split(header, ";")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		name, val, ok := strings.Cut(p, "=")
		if !ok {
			if p != "" {
				p = Mask
			}
			parts[i] = p
			continue
		}
		parts[i] = name + "=" + cookieValue(val)
	}
	return strings.Join(parts, "; ")
}

// cookieValue masks a cookie value as an Identifier; a quoted value is
// fingerprinted without its quotes, and an empty value stays empty.
func cookieValue(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || v == `""` {
		return v
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return Identifier(v)
}

// SetCookie masks the value in a Set-Cookie header, keeping the name and
// the attributes; the value shows as an [Identifier].
func SetCookie(line string) string {
	pair, attrs, hasAttrs := strings.Cut(line, ";")
	name, val, ok := strings.Cut(pair, "=")
	var out string
	if ok {
		out = name + "=" + cookieValue(val)
	} else if strings.TrimSpace(pair) != "" {
		out = Mask
	}
	if hasAttrs {
		out += ";" + attrs
	}
	return out
}
