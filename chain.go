package limpet

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/limpet-http/limpet/store"
)

// CSRFStrategy is the CSRF piece of a Chain: it finds a CSRF token (in a
// cookie, a page, an endpoint), adds it to the requests that need one, and
// tells a rejection of the token from other refusals.
//
// Its methods may be called from many goroutines at once, except Refresh,
// which the Chain calls from one recovery at a time.
type CSRFStrategy interface {
	// Prepare adds the token to req when req needs one.
	Prepare(env Env, req *http.Request) error
	// Check returns a CSRFRejected verdict when resp is the server
	// refusing req's token, else one of kind OK.
	Check(req *http.Request, resp *Response) Verdict
	// Refresh gets a new token: after a login (v.Kind NoSession or
	// SessionExpired: the old token died with the session), or after the
	// server refused the token (CSRFRejected). It returns an error
	// wrapping ErrSessionNotEstablished when what it saw shows that the
	// server session is gone: the Chain then logs in and refreshes again.
	Refresh(ctx context.Context, env Env, v Verdict) error
}

// Chain returns an Authenticator made of a login piece (nil for none: a
// Session that authenticates some other way) and CSRF strategies. Prepare
// runs the login's Prepare, then each strategy's; Check returns the first
// verdict that is not OK (the login's first); Recover logs in for
// NoSession, SessionExpired and TokenExpired and then lets each strategy
// refresh its token, and for CSRFRejected lets the strategies refresh,
// logging in first when one of them finds the session gone (a CSRF filter
// answers before the authentication check, so a request with an expired
// session and its dead token gets a 403, not a login redirect).
//
// The chain saves the state of the pieces that implement StateSaver, and
// hands its Env to those that implement SessionBinder.
func Chain(login Authenticator, csrf ...CSRFStrategy) Authenticator {
	return &chain{login: login, csrf: csrf}
}

type chain struct {
	login Authenticator
	csrf  []CSRFStrategy
}

func (c *chain) String() string {
	s := "Chain("
	if c.login != nil {
		s += fmt.Sprint(c.login)
	} else {
		s += "nil"
	}
	for _, p := range c.csrf {
		s += ", " + fmt.Sprint(p)
	}
	return s + ")"
}

// Prepare implements Authenticator.
func (c *chain) Prepare(env Env, req *http.Request) error {
	if c.login != nil {
		if err := c.login.Prepare(env, req); err != nil {
			return err
		}
	}
	for _, p := range c.csrf {
		if err := p.Prepare(env, req); err != nil {
			return err
		}
	}
	return nil
}

// Check implements Authenticator.
func (c *chain) Check(req *http.Request, resp *Response) Verdict {
	if c.login != nil {
		if v := c.login.Check(req, resp); v.Kind != OK {
			return v
		}
	}
	for _, p := range c.csrf {
		if v := p.Check(req, resp); v.Kind != OK {
			return v
		}
	}
	return Verdict{}
}

// Recover implements Authenticator.
func (c *chain) Recover(ctx context.Context, env Env, v Verdict) error {
	if v.Kind == CSRFRejected {
		err := c.refresh(ctx, env, v)
		if err == nil || !errors.Is(err, ErrSessionNotEstablished) {
			return err
		}
		v = Verdict{Kind: SessionExpired, NotExecuted: v.NotExecuted, Reason: v.Reason + "; " + err.Error()}
	}
	if c.login == nil {
		if v.Kind == NoSession {
			return c.refresh(ctx, env, v)
		}
		return fmt.Errorf("limpet: the session needs a login, and the chain has no login piece (%s)", v.Reason)
	}
	if err := c.login.Recover(ctx, env, v); err != nil {
		return err
	}
	if v.Kind == TokenExpired {
		return nil
	}
	return c.refresh(ctx, env, v)
}

func (c *chain) refresh(ctx context.Context, env Env, v Verdict) error {
	for _, p := range c.csrf {
		if err := p.Refresh(ctx, env, v); err != nil {
			return err
		}
	}
	return nil
}

// SaveState implements StateSaver for the pieces that do.
func (c *chain) SaveState(s *store.Snapshot) {
	for _, p := range c.pieces() {
		if ss, ok := p.(StateSaver); ok {
			ss.SaveState(s)
		}
	}
}

// LoadState implements StateSaver for the pieces that do.
func (c *chain) LoadState(s store.Snapshot) {
	for _, p := range c.pieces() {
		if ss, ok := p.(StateSaver); ok {
			ss.LoadState(s)
		}
	}
}

// BindSession implements SessionBinder for the pieces that do.
func (c *chain) BindSession(env Env) {
	for _, p := range c.pieces() {
		if b, ok := p.(SessionBinder); ok {
			b.BindSession(env)
		}
	}
}

func (c *chain) pieces() []any {
	var ps []any
	if c.login != nil {
		ps = append(ps, c.login)
	}
	for _, p := range c.csrf {
		ps = append(ps, p)
	}
	return ps
}
