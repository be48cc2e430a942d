package springcheck_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/login"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
)

// newLibrarySession is the library column's whole knowledge of a server: its base URL, the login URL when the base
// URL does not lead to a login page (else ""), a user and a password, given to the one login entry of issue 11,
// login.Auto. Everything else in o (the store, hooks) is the harness's.
//
// An application under a context path (http://host/app) gets the base URL with a final slash, and the column's
// requests use paths relative to it ("api/me"): a Session resolves request URLs against its BaseURL as links are
// (RFC 3986), so "/api/me" would leave the application.
func newLibrarySession(baseURL, loginURL, user, password string, o limpet.Options) (*limpet.Session, error) {
	o.BaseURL = baseURL
	o.Authenticator = login.Auto(limpet.StaticCredentials(user, password), login.Options{LoginURL: loginURL})
	return limpet.New(o)
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
