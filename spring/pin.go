package spring

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/jar"
)

// maxSuperseded bounds the session cookie values a login remembers as
// replaced.
const maxSuperseded = 8

// sessionValue returns the session cookie the jar of s sends to u.
func (a *Authenticator) sessionValue(s *limpet.Session, u *url.URL) string {
	return cookieValue(s.Jar(), u, a.o.SessionCookie)
}

// supersedeLocked records v as a session cookie value a login replaced;
// a.mu is held.
func (a *Authenticator) supersedeLocked(v string) {
	if v == "" || slices.Contains(a.superseded, v) {
		return
	}
	a.superseded = append(a.superseded, v)
	if len(a.superseded) > maxSuperseded {
		a.superseded = slices.Delete(a.superseded, 0, len(a.superseded)-maxSuperseded)
	}
}

// unpin starts a login: the session cookie held so far, and the one the
// jar holds now, are being replaced.
func (a *Authenticator) unpin(s *limpet.Session, u *url.URL) {
	cur := a.sessionValue(s, u)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pin != nil {
		a.supersedeLocked(a.pin.value)
	}
	a.supersedeLocked(cur)
	a.pin = nil
}

// pinFrom records the session cookie an answer from u set (its header
// h) as the one to keep; when it set none, the one the jar of s holds for
// u. A previous pin with another value is superseded.
func (a *Authenticator) pinFrom(s *limpet.Session, u *url.URL, h http.Header) {
	var p *pinnedCookie
	for _, line := range h.Values("Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == a.o.SessionCookie {
			p = nil
			if c.Value != "" && c.MaxAge >= 0 {
				p = &pinnedCookie{value: c.Value, line: line, url: u}
			}
		}
	}
	if p == nil {
		v := a.sessionValue(s, u)
		if v == "" {
			return
		}
		p = &pinnedCookie{value: v, url: u}
		if j, ok := s.Jar().(*jar.Jar); ok {
			for _, c := range j.CookiesFor(u) {
				if c.Name == a.o.SessionCookie && c.Value == v {
					c := c
					p.jar = &c
					break
				}
			}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pin != nil && a.pin.value != p.value {
		a.supersedeLocked(a.pin.value)
	}
	a.pin = p
}

// restorePin puts the pinned session cookie back into the jar of s if
// another value replaced it.
func (a *Authenticator) restorePin(s *limpet.Session) {
	a.mu.Lock()
	p := a.pin
	a.mu.Unlock()
	if p == nil || a.sessionValue(s, p.url) == p.value {
		return
	}
	j, isLimpet := s.Jar().(*jar.Jar)
	switch {
	case isLimpet && p.line != "":
		j.SetCookieHeaders(p.url, []string{p.line})
	case isLimpet && p.jar != nil:
		c := *p.jar
		c.Updated, c.LastAccess = time.Time{}, time.Time{} // now: the newest copy, for stores that merge
		_ = j.Put(c)                                       // fails only for an expired cookie, which a session cookie is not
	case p.line != "":
		if c, err := http.ParseSetCookie(p.line); err == nil {
			s.Jar().SetCookies(p.url, []*http.Cookie{c})
		}
	default:
		s.Jar().SetCookies(p.url, []*http.Cookie{{Name: a.o.SessionCookie, Value: p.value, Path: "/", HttpOnly: true}})
	}
}

// guardPin is Check's part: when the answer to a request that carried a
// superseded session cookie sets a new one, the pinned cookie goes back.
func (a *Authenticator) guardPin(req *http.Request, resp *limpet.Response) {
	a.mu.Lock()
	p, s := a.pin, a.sess
	stale := len(a.superseded) > 0
	a.mu.Unlock()
	if p == nil || s == nil || !stale {
		return
	}
	sent := requestCookie(req, a.o.SessionCookie)
	if sent == "" || sent == p.value {
		return
	}
	a.mu.Lock()
	stale = slices.Contains(a.superseded, sent)
	a.mu.Unlock()
	if !stale {
		return
	}
	for _, r := range chain(resp) {
		if setsCookie(r.Header, a.o.SessionCookie) {
			a.restorePin(s)
			return
		}
	}
}

// requestCookie returns the value of the cookie name that req carried (the
// Session's transport adds the jar's cookies to the request in place).
func requestCookie(req *http.Request, name string) string {
	for _, c := range req.Cookies() {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}
