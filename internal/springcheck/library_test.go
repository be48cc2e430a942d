package springcheck_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/spring"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/token"
)

// newLibrarySession is the library column's whole knowledge of a server: its base URL, the login URL when the
// application has no login page (else ""), a user and a password. Everything else in o (the store, hooks) is the
// harness's.
//
// The login engine of issue 11 (login.Auto) is meant to need nothing more. Until it lands this picks today's
// closest public constructor from what an anonymous request to the base URL answers, as a user reading the
// package documentation would.
func newLibrarySession(baseURL, loginURL, user, password string, o limpet.Options) (*limpet.Session, error) {
	auth, err := probeAuthenticator(baseURL, loginURL, user, password)
	if err != nil {
		return nil, err
	}
	o.BaseURL = baseURL
	o.Authenticator = auth
	return limpet.New(o)
}

// probeAuthenticator chooses an authenticator from the anonymous answer to the base URL: a Basic challenge, a
// Bearer challenge (a token endpoint at loginURL), a redirect to a login page, or a 401 (a login URL without a
// page).
func probeAuthenticator(baseURL, loginURL, user, password string) (limpet.Authenticator, error) {
	c := &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Get(baseURL + "/")
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	resp.Body.Close()
	www := strings.ToLower(resp.Header.Get("WWW-Authenticate"))
	switch {
	case strings.HasPrefix(www, "basic"):
		return spring.Basic(user, password, spring.Options{}), nil
	case strings.HasPrefix(www, "bearer"):
		o := token.JWTOptions{}
		if strings.HasSuffix(loginURL, "/oauth/token") {
			// OAuth 2's password grant: a form.
			o.Form, o.Extra = true, map[string]string{"grant_type": "password"}
		}
		return token.JWTLogin(loginURL, user, password, o), nil
	case resp.StatusCode/100 == 3:
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			return nil, fmt.Errorf("probe: %w", err)
		}
		return spring.FormLogin(user, password, spring.Options{LoginPage: loc.Path}), nil
	case loginURL != "":
		return spring.FormLogin(user, password, spring.Options{LoginPage: loginURL, LoginURL: loginURL}), nil
	default:
		return spring.FormLogin(user, password, spring.Options{}), nil
	}
}

// libClient is the library column's client: a Session saved to a file, as a program would keep it.
type libClient struct {
	base, loginURL string
	user, password string
	path           string // the session file
	s              *limpet.Session
	refused        atomic.Int64 // 401 and 403 answers seen, intermediate ones included
}

func newLibClient(base, loginURL, user, password, path string) (*libClient, error) {
	c := &libClient{base: base, loginURL: loginURL, user: user, password: password, path: path}
	s, err := newLibrarySession(base, loginURL, user, password, limpet.Options{
		Store:   filestore.Open(path, filestore.Options{}),
		Timeout: time.Minute,
		OnResponse: []func(*http.Response) error{func(r *http.Response) error {
			if r.StatusCode == http.StatusUnauthorized || r.StatusCode == http.StatusForbidden {
				c.refused.Add(1)
			}
			return nil
		}},
	})
	if err != nil {
		return nil, err
	}
	c.s = s
	return c, nil
}

func (c *libClient) Login(ctx context.Context) error { return c.s.Login(ctx) }

func (c *libClient) BadCredentials(err error) bool { return errors.Is(err, limpet.ErrBadCredentials) }

func (c *libClient) Send(ctx context.Context, method, path, kind string, fields map[string]string) (answer, error) {
	before := c.refused.Load()
	var body limpet.Body
	switch kind {
	case "form":
		v := url.Values{}
		for k, f := range fields {
			v.Set(k, f)
		}
		body = limpet.Form(v)
	case "json":
		body = limpet.JSON(fields)
	}
	resp, err := c.s.Do(ctx, &limpet.Request{Method: method, URL: path, Body: body})
	if err != nil {
		return answer{}, err
	}
	text, err := resp.Text()
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, body: text, refused: int(c.refused.Load() - before)}, nil
}

// Second is a new Session on the same file, after this one saved what it has (as a process does when it ends).
func (c *libClient) Second() (client, error) {
	if err := c.s.Save(context.Background()); err != nil {
		return nil, fmt.Errorf("saving the first session: %w", err)
	}
	return newLibClient(c.base, c.loginURL, c.user, c.password, c.path)
}

func (c *libClient) Saved(ctx context.Context) (store.Snapshot, bool, error) {
	if _, err := os.Stat(c.path); errors.Is(err, os.ErrNotExist) {
		return store.Snapshot{}, false, nil
	}
	snap, err := filestore.Open(c.path, filestore.Options{}).Load(ctx)
	return snap, err == nil, err
}

func (c *libClient) Close() error { return c.s.Close() }
