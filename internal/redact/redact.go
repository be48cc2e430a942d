// Package redact hides secrets in what limpet shows: debug logs, HAR files,
// curl commands, error messages and the command line's output all go
// through this one package, so a secret hidden in one place is hidden in
// every place.
//
// A masked value keeps its last four characters when it is long enough for
// that to identify it without revealing it ("****B7A1"), so that a person
// can still tell two sessions apart.
package redact

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// Mask is what stands in place of a hidden value.
const Mask = "****"

// Value masks a secret value, keeping the last four characters of values of
// 16 characters or more.
func Value(s string) string {
	if len(s) >= 16 {
		return Mask + s[len(s)-4:]
	}
	return Mask
}

// sensitiveHeaders are masked whole (but for an auth scheme).
var sensitiveHeaders = map[string]bool{
	"Authorization":        true,
	"Proxy-Authorization":  true,
	"X-Csrf-Token":         true,
	"X-Xsrf-Token":         true,
	"X-Api-Key":            true,
	"X-Auth-Token":         true,
	"Api-Key":              true,
	"X-Amz-Security-Token": true,
}

// IsSensitiveName reports whether a header, query parameter, form field or
// JSON key name usually holds a secret.
func IsSensitiveName(name string) bool {
	if sensitiveHeaders[http.CanonicalHeaderKey(name)] {
		return true
	}
	n := strings.ToLower(name)
	for _, w := range []string{"password", "passwd", "secret", "token", "csrf", "xsrf", "api_key", "apikey", "api-key", "authorization", "credential", "session", "jsessionid", "signature", "private"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	switch n {
	case "pw", "pass", "code", "key", "sig", "sid", "ticket", "nonce", "otp", "j_password", "remember-me", "code_verifier", "assertion":
		return true
	}
	return false
}

// HeaderValue redacts one header value given the header's name.
func HeaderValue(name, value string) string {
	switch http.CanonicalHeaderKey(name) {
	case "Cookie":
		return Cookie(value)
	case "Set-Cookie":
		return SetCookie(value)
	case "Authorization", "Proxy-Authorization":
		scheme, cred, ok := strings.Cut(value, " ")
		if !ok {
			return Value(value)
		}
		return scheme + " " + Value(strings.TrimSpace(cred))
	case "Www-Authenticate", "Proxy-Authenticate":
		return value
	case "Referer", "Location", "Content-Location", "Origin":
		if u, err := url.Parse(value); err == nil {
			return URL(u)
		}
		return value
	}
	if isSensitiveHeader(name) {
		return Value(value)
	}
	return value
}

// isSensitiveHeader reports whether a header's value is a secret: the
// well-known ones, and names that speak of tokens, secrets, passwords, API
// keys or sessions.
func isSensitiveHeader(name string) bool {
	if sensitiveHeaders[http.CanonicalHeaderKey(name)] {
		return true
	}
	n := strings.ToLower(name)
	for _, w := range []string{"token", "secret", "password", "api-key", "apikey", "session", "csrf", "xsrf"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
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

// Cookie masks the values in a Cookie request header, keeping the names.
func Cookie(header string) string {
	parts := strings.Split(header, ";")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		name, val, ok := strings.Cut(p, "=")
		if !ok {
			parts[i] = Value(p)
			continue
		}
		parts[i] = name + "=" + Value(val)
	}
	return strings.Join(parts, "; ")
}

// SetCookie masks the value in a Set-Cookie header, keeping the name and
// the attributes.
func SetCookie(line string) string {
	pair, attrs, hasAttrs := strings.Cut(line, ";")
	name, val, ok := strings.Cut(pair, "=")
	var out string
	if ok {
		out = name + "=" + Value(strings.TrimSpace(val))
	} else {
		out = Value(strings.TrimSpace(pair))
	}
	if hasAttrs {
		out += ";" + attrs
	}
	return out
}

// URL returns u as a string with the password in its user information and
// the values of sensitive query parameters (and ;jsessionid= path
// parameters) masked.
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		if _, has := c.User.Password(); has {
			c.User = url.UserPassword(c.User.Username(), Mask)
		}
	}
	if c.RawQuery != "" {
		c.RawQuery = Query(c.RawQuery)
	}
	s := c.String()
	if i := strings.Index(strings.ToLower(s), ";jsessionid="); i >= 0 {
		end := i + len(";jsessionid=")
		j := end
		for j < len(s) && s[j] != '?' && s[j] != '#' && s[j] != '/' && s[j] != ';' {
			j++
		}
		s = s[:end] + Value(s[end:j]) + s[j:]
	}
	return s
}

// Query masks the values of sensitive parameters in a raw query string,
// keeping the order and the encoding of the rest.
func Query(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil && IsSensitiveName(n) {
			parts[i] = name + "=" + url.QueryEscape(Mask)
		}
	}
	return strings.Join(parts, "&")
}

// Body redacts a request or response body for display, given its
// Content-Type: sensitive fields of url-encoded forms, JSON objects and
// multipart/form-data bodies (fields, not files) are masked. Other bodies,
// and bodies that do not parse as their Content-Type says, are returned
// unchanged.
func Body(contentType string, body []byte) []byte {
	ct := strings.ToLower(contentType)
	switch {
	case strings.Contains(ct, "application/x-www-form-urlencoded"):
		return []byte(Query(string(body)))
	case strings.Contains(ct, "json"):
		var v any
		if json.Unmarshal(body, &v) != nil {
			return body
		}
		if !redactJSON(v) {
			return body
		}
		out, err := json.Marshal(v)
		if err != nil {
			return body
		}
		return out
	case strings.Contains(ct, "multipart/form-data"):
		return multipartBody(contentType, body)
	case strings.Contains(ct, "html"):
		return htmlBody(body)
	}
	return body
}

// multipartBody masks the values of sensitive fields (not files) of a
// multipart/form-data body, keeping its boundary and the other parts.
func multipartBody(contentType string, body []byte) []byte {
	_, params, err := mime.ParseMediaType(contentType)
	boundary := params["boundary"]
	if err != nil || boundary == "" {
		return body
	}
	var out bytes.Buffer
	w := multipart.NewWriter(&out)
	if w.SetBoundary(boundary) != nil {
		return body
	}
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	changed := false
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return body
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return body
		}
		if p.FileName() == "" && IsSensitiveName(p.FormName()) {
			data = []byte(Value(string(data)))
			changed = true
		}
		pw, err := w.CreatePart(p.Header)
		if err != nil {
			return body
		}
		if _, err := pw.Write(data); err != nil {
			return body
		}
	}
	if !changed || w.Close() != nil {
		return body
	}
	return out.Bytes()
}

// redactJSON masks sensitive keys in place and reports whether it changed
// anything.
func redactJSON(v any) bool {
	changed := false
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); ok && IsSensitiveName(k) {
				t[k] = Value(s)
				changed = true
				continue
			}
			if redactJSON(x) {
				changed = true
			}
		}
	case []any:
		for _, x := range t {
			if redactJSON(x) {
				changed = true
			}
		}
	}
	return changed
}
