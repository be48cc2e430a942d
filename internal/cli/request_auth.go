package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cli/items"
	"github.com/limpet-http/limpet/internal/netrc"
	"github.com/limpet-http/limpet/internal/sessionauth"
)

// Where a password comes from, as a session keeps it (in its -a settings
// and its login recipe).
const (
	fromPrompt = sessionauth.FromPrompt // typed: at a prompt, or in -a USER:PASS
	fromNetrc  = sessionauth.FromNetrc  // ~/.netrc
	fromStored = sessionauth.FromStored // the session file holds it (--save-password)
)

// authKinds are the -A values.
var authKinds = map[string]bool{"basic": true, "digest": true, "bearer": true}

// authNames name the -A values in messages.
var authNames = map[string]string{"basic": "Basic", "digest": "Digest", "bearer": "bearer"}

// applyAuth chooses the request's credentials: -a/-A (prompting for a
// missing password on a terminal), else those a session kept from an
// earlier -a, else ~/.netrc's for the request's host (unless
// --ignore-netrc). Credentials go to the request's origin only, never to
// another host a redirect leads to.
func (o *RequestOptions) applyAuth(lo *limpet.Options, ireq *items.Request, sess *cliSession) error {
	kind := strings.ToLower(o.AuthType)
	if !authKinds[kind] {
		return fmt.Errorf("--auth-type %q: want basic, digest or bearer", o.AuthType)
	}
	if o.Auth == "" {
		if sess != nil && sess.hasAuth && !sess.hasRecipe() {
			if done, err := o.sessionAuth(lo, ireq, sess); done || err != nil {
				return err
			}
		}
		if _, set := ireq.Get("Authorization"); !set && !o.IgnoreNetrc {
			if e, ok := o.netrcEntry(ireq.URL.Hostname()); ok {
				lo.Auth = limpet.BasicAuth(e.Login, e.Password)
			}
		}
		return nil
	}
	if kind == "bearer" {
		lo.Auth = limpet.BearerAuth(o.Auth)
		if sess != nil {
			sess.recordAuth(sessionauth.Settings{Kind: "bearer", Token: o.Auth}, o.Now())
		}
		return nil
	}
	user, pass, hasPass := strings.Cut(o.Auth, ":")
	from := fromPrompt
	if !hasPass {
		if e, ok := o.netrcEntry(ireq.URL.Hostname()); ok && e.Login == user && !o.IgnoreNetrc {
			pass, from = e.Password, fromNetrc
		} else {
			p, err := promptPassword(o.IO, fmt.Sprintf("password for %s@%s: ", user, ireq.URL.Host))
			if err != nil {
				return err
			}
			pass = p
		}
	}
	lo.Auth = authFor(kind, user, pass)
	if sess != nil {
		sess.recordAuth(sessionauth.Settings{Kind: kind, User: user, PasswordFrom: from}, o.Now())
	}
	return nil
}

// authFor returns the Auth of a kind with a user and password.
func authFor(kind, user, pass string) limpet.Auth {
	switch kind {
	case "digest":
		return limpet.DigestAuth(user, pass)
	case "bearer":
		return limpet.BearerAuth(pass)
	}
	return limpet.BasicAuth(user, pass)
}

// sessionAuth applies the credentials a session kept from an earlier -a:
// the password from where it came (the session file, ~/.netrc) or, for a
// password that was typed, one asked for when the server answers 401 (see
// retryAuth). done is false when the session keeps none.
func (o *RequestOptions) sessionAuth(lo *limpet.Options, ireq *items.Request, sess *cliSession) (done bool, err error) {
	a := sess.auth
	kind := strings.ToLower(a.Kind)
	if !authKinds[kind] {
		return false, nil
	}
	if kind == "bearer" {
		if a.Token != "" {
			lo.Auth = limpet.BearerAuth(a.Token)
			return true, nil
		}
	} else if a.Password != "" {
		lo.Auth = authFor(kind, a.User, a.Password)
		return true, nil
	} else if a.PasswordFrom == fromNetrc && !o.IgnoreNetrc {
		if e, ok := o.netrcEntry(ireq.URL.Hostname()); ok && e.Login == a.User {
			lo.Auth = authFor(kind, a.User, e.Password)
			return true, nil
		}
	}
	la := &lateAuth{kind: kind, user: a.User, session: sess.arg, host: ireq.URL.Host}
	lo.Auth = la
	o.lateAuth = la
	return true, nil
}

// lateAuth is the Auth of a session whose password is not kept: it sends
// no credentials until the password is known (set), which retryAuth asks
// for when the server answers 401. Safe for concurrent use.
type lateAuth struct {
	kind, user    string
	session, host string

	mu    sync.Mutex
	inner limpet.Auth
}

// RoundTrip implements limpet.Auth.
func (a *lateAuth) RoundTrip(req *http.Request, next http.RoundTripper) (*http.Response, error) {
	a.mu.Lock()
	inner := a.inner
	a.mu.Unlock()
	if inner == nil {
		return next.RoundTrip(req)
	}
	return inner.RoundTrip(req, next)
}

func (a *lateAuth) set(secret string) {
	a.mu.Lock()
	a.inner = authFor(a.kind, a.user, secret)
	a.mu.Unlock()
}

// retryAuth handles a 401 answer to a request sent without the password of
// a session that does not keep it: on a terminal it asks for the password
// and reports that the request is to be sent again; otherwise it warns that
// the credentials could not be sent, and how to send them.
func (o *RequestOptions) retryAuth(resp *http.Response) (bool, error) {
	a := o.lateAuth
	if a == nil || resp.StatusCode != http.StatusUnauthorized {
		return false, nil
	}
	o.lateAuth = nil // once
	what := "password for " + a.user + "@" + a.host
	if a.kind == "bearer" {
		what = "bearer token for " + a.host
	}
	if o.IO.IsStdinTTY() && o.IO.readPassword != nil {
		secret, err := promptPassword(o.IO, fmt.Sprintf("%s (session %s): ", what, a.session))
		if err != nil {
			return false, err
		}
		a.set(secret)
		return true, nil
	}
	if a.kind == "bearer" {
		fmt.Fprintf(o.warnOut(), "limpet: warning: session %s sends a bearer token, but it holds none, and this is not a terminal to ask for it: the request went without it. Give -A bearer -a TOKEN\n", a.session)
		return false, nil
	}
	give := "-a " + a.user + ":PASSWORD"
	if a.kind != "basic" {
		give = "-A " + a.kind + " " + give
	}
	fmt.Fprintf(o.warnOut(), "limpet: warning: session %s sends %s credentials for %q, but it does not keep the password, and this is not a terminal to ask for it: the request went without them. Give %s, or put the password in ~/.netrc\n",
		a.session, authNames[a.kind], a.user, give)
	return false, nil
}

// netrcEntry returns the ~/.netrc ($NETRC when set) credentials for host:
// its machine entry, else the default entry, as requests does. A file
// that others may read is not used (and said so), as Python's netrc
// module refuses it; a file that cannot be parsed is warned about.
func (o *RequestOptions) netrcEntry(host string) (netrc.Entry, bool) {
	if o.netrcFile == nil {
		o.netrcFile = &netrc.File{}
		path := o.Getenv("NETRC")
		if path == "" {
			home, err := o.HomeDir()
			if err != nil {
				return netrc.Entry{}, false
			}
			path = filepath.Join(home, ".netrc")
		}
		f, err := os.Open(path)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				fmt.Fprintf(o.warnOut(), "limpet: warning: %s not used: %v\n", path, unwrapPathError(err))
			}
			return netrc.Entry{}, false
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return netrc.Entry{}, false
		}
		if fi.Mode().Perm()&0o077 != 0 {
			fmt.Fprintf(o.warnOut(), "limpet: warning: %s not used: others may read it (mode %04o); run: chmod 600 %s\n", path, fi.Mode().Perm(), path)
			return netrc.Entry{}, false
		}
		b, err := io.ReadAll(io.LimitReader(f, maxNetrc))
		if err != nil {
			return netrc.Entry{}, false
		}
		parsed, err := netrc.Parse(b)
		if err != nil {
			fmt.Fprintf(o.warnOut(), "limpet: warning: %s not used: %v\n", path, strings.TrimPrefix(err.Error(), "netrc: "))
			return netrc.Entry{}, false
		}
		o.netrcFile = parsed
	}
	return o.netrcFile.Find(host)
}

// maxNetrc bounds how much of a .netrc file is read.
const maxNetrc = 1 << 20

// promptPassword reads a password without echo from the terminal.
func promptPassword(io *IOStreams, prompt string) (string, error) {
	if !io.IsStdinTTY() || io.readPassword == nil {
		return "", errors.New("a password is needed and standard input is not a terminal (give USER:PASS, or use limpet login with --password-env or --password-file)")
	}
	fmt.Fprint(io.ErrOut, prompt)
	b, err := io.readPassword()
	fmt.Fprintln(io.ErrOut)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return string(b), nil
}
