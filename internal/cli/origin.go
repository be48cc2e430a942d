package cli

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// origin returns the origin of u as a URL prefix: scheme://host[:port],
// lower case, the default port left out.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if port == "" || scheme == "http" && port == "80" || scheme == "https" && port == "443" {
		return scheme + "://" + host
	}
	return scheme + "://" + host + ":" + port
}

// parseOrigin reads an --allow-origin value: an absolute http or https URL,
// of which only the origin counts.
func parseOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--allow-origin %q: want an origin such as https://sso.example.com", s)
	}
	return origin(u), nil
}

// origins is a set of origins that may receive a password.
type origins map[string]bool

// add adds the origin of an absolute URL; other strings are ignored.
func (o origins) add(raw string) {
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" && u.Host != "" {
		o[origin(u)] = true
	}
}

func (o origins) String() string {
	list := make([]string, 0, len(o))
	for k := range o {
		list = append(list, k)
	}
	sort.Strings(list)
	return strings.Join(list, ", ")
}

// crossOriginError refuses to send a password to an origin the user did
// not name.
type crossOriginError struct {
	what    string   // what would send it: "the login form at URL"
	to      *url.URL // where the password would go
	allowed origins
	relogin bool // found while logging in again for a request
}

func (e *crossOriginError) Error() string {
	to := origin(e.to)
	next := "add --allow-origin=" + to
	if e.relogin {
		next = "log in again with limpet login and --allow-origin=" + to
	}
	return fmt.Sprintf("%s would send the password to %s, another origin than %s; nothing was sent. If you trust %s with the password, %s",
		e.what, to, e.allowed, to, next)
}

// passwordGuard returns an OnRequest hook that stops, while active says so,
// any request that may carry the password (one with a body or an
// Authorization header) to an origin that is not allowed. what names the
// login for the error.
func passwordGuard(allowed origins, what string, relogin bool, active func() bool) func(*http.Request) error {
	return func(r *http.Request) error {
		if active != nil && !active() {
			return nil
		}
		carries := r.Header.Get("Authorization") != "" || (r.Body != nil && r.Body != http.NoBody) || r.ContentLength > 0
		if !carries || allowed[origin(r.URL)] {
			return nil
		}
		return &crossOriginError{what: what, to: r.URL, allowed: allowed, relogin: relogin}
	}
}
