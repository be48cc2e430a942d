package limpet

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Auth adds credentials to requests. RoundTrip is called for each request
// (each redirect hop to the same origin included) with a request the Auth may
// modify, and the next RoundTripper to send it with; a challenge-response
// scheme such as Digest may send more than one request.
//
// Implementations must be safe for concurrent use.
type Auth interface {
	RoundTrip(req *http.Request, next http.RoundTripper) (*http.Response, error)
}

// BasicAuth returns an Auth that sends HTTP Basic credentials with every
// request (RFC 7617), as Spring Security's httpBasic expects.
func BasicAuth(username, password string) Auth {
	r := &http.Request{Header: make(http.Header)}
	r.SetBasicAuth(username, password)
	return headerAuth(r.Header.Get("Authorization"))
}

// BearerAuth returns an Auth that sends "Authorization: Bearer token".
func BearerAuth(token string) Auth { return headerAuth("Bearer " + token) }

// headerAuth sets a fixed Authorization header.
type headerAuth string

func (h headerAuth) RoundTrip(req *http.Request, next http.RoundTripper) (*http.Response, error) {
	req.Header.Set("Authorization", string(h))
	return next.RoundTrip(req)
}

// String hides the credentials when an Auth is printed.
func (h headerAuth) String() string {
	scheme, _, _ := strings.Cut(string(h), " ")
	return scheme + " [redacted]"
}

// NoAuth, as Request.Auth, sends a request without the Session's credentials.
var NoAuth Auth = noAuth{}

type noAuth struct{}

func (noAuth) RoundTrip(req *http.Request, next http.RoundTripper) (*http.Response, error) {
	return next.RoundTrip(req)
}

// DigestAuth returns an Auth for HTTP Digest authentication (RFC 7616,
// algorithms MD5, MD5-sess, SHA-256 and SHA-256-sess, qop "auth"). The first
// request to a realm is sent without credentials; the server's challenge is
// answered by sending the request again (its body replayed with GetBody), and
// the challenge is remembered for later requests.
func DigestAuth(username, password string) Auth {
	return &digestAuth{username: username, password: password}
}

type digestAuth struct {
	username, password string

	mu        sync.Mutex // guards challenge and nc
	challenge map[string]string
	nc        uint32
}

func (d *digestAuth) String() string { return "Digest " + d.username + " [redacted]" }

func (d *digestAuth) RoundTrip(req *http.Request, next http.RoundTripper) (*http.Response, error) {
	pristine := req.Header.Clone() // the layers below add cookies in place
	d.mu.Lock()
	ch := d.challenge
	d.mu.Unlock()
	if ch != nil {
		h, err := d.authorize(req, ch)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", h)
	}
	resp, err := next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	newCh := parseDigestChallenge(resp.Header.Values("Www-Authenticate"))
	if newCh == nil || (ch != nil && newCh["stale"] != "true" && newCh["nonce"] == ch["nonce"]) {
		return resp, nil // not a digest challenge, or our answer was refused
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil // cannot send the body again
	}
	retry := req.Clone(req.Context())
	retry.Header = pristine
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		retry.Body = body
	}
	d.mu.Lock()
	d.challenge, d.nc = newCh, 0
	d.mu.Unlock()
	h, err := d.authorize(retry, newCh)
	if err != nil {
		return resp, nil
	}
	drain(resp.Body)
	retry.Header.Set("Authorization", h)
	return next.RoundTrip(retry)
}

func (d *digestAuth) authorize(req *http.Request, ch map[string]string) (string, error) {
	algo := ch["algorithm"]
	var newHash func() hash.Hash
	switch strings.ToUpper(algo) {
	case "", "MD5", "MD5-SESS":
		newHash = md5.New
	case "SHA-256", "SHA-256-SESS":
		newHash = sha256.New
	default:
		return "", fmt.Errorf("limpet: digest algorithm %q is not supported", algo)
	}
	h := func(s string) string {
		x := newHash()
		io.WriteString(x, s)
		return hex.EncodeToString(x.Sum(nil))
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("limpet: digest cnonce: %w", err)
	}
	cnonce := hex.EncodeToString(b[:])
	d.mu.Lock()
	d.nc++
	nc := fmt.Sprintf("%08x", d.nc)
	d.mu.Unlock()

	realm, nonce := ch["realm"], ch["nonce"]
	ha1 := h(d.username + ":" + realm + ":" + d.password)
	if strings.HasSuffix(strings.ToUpper(algo), "-SESS") {
		ha1 = h(ha1 + ":" + nonce + ":" + cnonce)
	}
	uri := req.URL.RequestURI()
	ha2 := h(req.Method + ":" + uri)
	qop := ""
	for _, q := range strings.Split(ch["qop"], ",") {
		if strings.TrimSpace(q) == "auth" {
			qop = "auth"
		}
	}
	var response string
	if qop == "" {
		response = h(ha1 + ":" + nonce + ":" + ha2)
	} else {
		response = h(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `Digest username=%q, realm=%q, nonce=%q, uri=%q, response=%q`, d.username, realm, nonce, uri, response)
	if algo != "" {
		fmt.Fprintf(&sb, ", algorithm=%s", algo)
	}
	if o, ok := ch["opaque"]; ok {
		fmt.Fprintf(&sb, ", opaque=%q", o)
	}
	if qop != "" {
		fmt.Fprintf(&sb, ", qop=%s, nc=%s, cnonce=%q", qop, nc, cnonce)
	}
	return sb.String(), nil
}

// parseDigestChallenge returns the parameters of the first Digest challenge
// among the WWW-Authenticate values, or nil.
func parseDigestChallenge(values []string) map[string]string {
	for _, v := range values {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !strings.EqualFold(scheme, "Digest") {
			continue
		}
		return parseAuthParams(rest)
	}
	return nil
}

// parseAuthParams parses a comma-separated list of auth-params
// (name=token or name="quoted string"), lower-casing names.
func parseAuthParams(s string) map[string]string {
	params := make(map[string]string)
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return params
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return params
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var sb strings.Builder
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				sb.WriteByte(s[i])
			}
			val = sb.String()
			if i < len(s) {
				i++
			}
			s = s[i:]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val = strings.TrimSpace(s[:end])
			s = s[end:]
		}
		params[name] = val
	}
}

// drain reads a little of a body and closes it so that its connection can
// be reused.
func drain(body io.ReadCloser) {
	if body == nil {
		return
	}
	io.CopyN(io.Discard, body, 64<<10)
	body.Close()
}
