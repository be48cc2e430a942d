package spring

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/jar"
)

// Logout logs the Session out: it posts to
// Options.LogoutURL with the CSRF token (fetching one first if it has
// none, and once more after a 403), and takes 204, a redirect, or an
// answer showing that the server session was already gone, as success.
//
// Whatever the server answers, it then clears the local state: the
// server's session cookies (every session cookie of its host, or
// Options.SessionCookie with a jar other than limpet's), the CSRF and
// remember-me cookies, and the CSRF token, and marks the state changed
// so that a store saves it. A request sent afterwards logs in again when
// the server asks for it, as after an expiry.
//
// It runs as the Session's Exclusive (limpet.Session.Exclusive): requests
// started meanwhile wait for it, then log in again when the server asks.
// A request already in flight when it starts may also log the session in
// again, when its answer shows the session gone.
func (a *Authenticator) Logout(ctx context.Context, s *limpet.Session) error {
	a.bind(s)
	return s.Exclusive(ctx, func(ctx context.Context) error {
		a.ioMu.Lock()
		defer a.ioMu.Unlock()
		return a.logout(ctx, s)
	})
}

// logout is Logout's exchange with the server; it runs as the Session's
// Exclusive, with ioMu held.
func (a *Authenticator) logout(ctx context.Context, s limpet.Env) error {
	base, err := a.baseURL(s)
	if err != nil {
		return err
	}
	defer a.clearLocal(s, base)
	target, err := resolveRef(base, a.o.LogoutURL)
	if err != nil {
		return err
	}
	ctx = internal(ctx)
	for attempt := 1; attempt <= 2; attempt++ {
		t, have := token{}, false
		if !a.o.CSRF.Disabled {
			if t, have = a.current(target); !have {
				t, have, _, err = a.discover(ctx, s)
				if err != nil {
					return err
				}
			}
		}
		status, sent, err := a.postLogout(ctx, s, target, t, have)
		if err != nil {
			return err
		}
		switch {
		case status/100 == 2, isRedirect(status):
			return nil // 204, 302 to the logout success URL, or the login page for a session already gone
		case status == http.StatusUnauthorized:
			return nil // nobody was logged in any more
		case status == http.StatusForbidden && attempt == 1 && !a.o.CSRF.Disabled:
			if have {
				a.mu.Lock()
				a.suspect = &suspect{value: t.value, cookie: t.fromCookie()}
				a.mu.Unlock()
			}
			gone, err := a.refreshCSRF(ctx, s)
			if err != nil {
				return err
			}
			if gone {
				return nil // the session ended meanwhile: nothing to log out
			}
			continue
		default:
			return fmt.Errorf("spring: logout: POST %s answered %d%s", target.Path, status, sent)
		}
	}
	return fmt.Errorf("spring: logout: POST %s refused twice with 403, the second time with a fresh CSRF token", target.Path)
}

// postLogout sends the logout POST with t; it returns the status and, for
// messages, a note on the token sent.
func (a *Authenticator) postLogout(ctx context.Context, s limpet.Env, target *url.URL, t token, have bool) (int, string, error) {
	header := a.withCredentials(http.Header{})
	values := url.Values{}
	note := " (no CSRF token sent)"
	if have {
		a.mu.Lock()
		masked, inQuery := a.cookieMasked, a.pageInQuery
		a.mu.Unlock()
		switch {
		case t.fromCookie() && masked:
			header.Set(t.header, MaskCSRF(t.value))
		case t.fromCookie():
			header.Set(t.header, t.value)
		case inQuery:
			u := *target
			u.RawQuery = replaceParam(u.RawQuery, t.param, t.value)
			target = &u
		default:
			values.Set(t.param, t.value)
		}
		note = ""
	}
	resp, err := s.Send(ctx, &limpet.Request{Method: http.MethodPost, URL: target.String(), Header: header,
		Body: limpet.Form(values), MaxRedirects: limpet.NoRedirects})
	if err != nil {
		return 0, "", fmt.Errorf("spring: logout: POST %s: %w", target.Path, err)
	}
	resp.Close()
	return resp.StatusCode, note, nil
}

// clearLocal drops what a logged-in session holds for the server: its
// session cookies, the CSRF and remember-me cookies and the CSRF token.
func (a *Authenticator) clearLocal(s limpet.Env, base *url.URL) {
	a.resetCSRF()
	host := strings.ToLower(base.Hostname())
	named := map[string]bool{a.o.CSRF.Cookie: true, a.o.RememberMeParam: true, a.o.SessionCookie: true}
	if j, ok := s.Jar().(*jar.Jar); ok {
		for _, c := range j.All() {
			if domainMatch(host, c) && (!c.Persistent || named[c.Name]) {
				j.Delete(c.Key())
			}
		}
	} else if cj := s.Jar(); cj != nil {
		var gone []*http.Cookie
		for name := range named {
			gone = append(gone, &http.Cookie{Name: name, Path: "/", MaxAge: -1})
		}
		cj.SetCookies(&url.URL{Scheme: base.Scheme, Host: base.Host, Path: "/"}, gone)
	}
	s.StateChanged()
}

// domainMatch reports whether the jar sends c to host.
func domainMatch(host string, c jar.Cookie) bool {
	if c.Domain == host {
		return true
	}
	return !c.HostOnly && strings.HasSuffix(host, "."+c.Domain)
}
