package login_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/testserver/springserver"
	"github.com/limpet-http/limpet/login"
	"github.com/limpet-http/limpet/store/filestore"
)

// refusals counts the 401 and 403 answers a Session sees.
func refusals(n *atomic.Int64) []func(*http.Response) error {
	return []func(*http.Response) error{func(r *http.Response) error {
		if r.StatusCode == 401 || r.StatusCode == 403 {
			n.Add(1)
		}
		return nil
	}}
}

func postTo(t *testing.T, s *limpet.Session, path, key string) {
	t.Helper()
	resp, err := s.Post(context.Background(), path, limpet.JSON(map[string]string{"name": "limpet", "key": key}))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	body, _ := resp.Text()
	if resp.StatusCode != 200 || !strings.Contains(body, `"keyCount":1`) {
		t.Fatalf("POST %s: %d %q", path, resp.StatusCode, body)
	}
}

func home(t *testing.T, s *limpet.Session) {
	t.Helper()
	resp, err := s.Get(context.Background(), "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := resp.Text()
	if resp.StatusCode != 200 || !strings.Contains(body, `<p id="user">user</p>`) {
		t.Fatalf("GET /: %d %q", resp.StatusCode, body)
	}
}

// Two filter chains (/api/** with HTTP Basic, stateless, ordered first; form login for the rest): Auto logs in with
// the form found at the base URL, answers the API's Basic challenge with the same credentials (a POST replayed
// once), keeps the form login's session for the pages, and a second process sends Basic up front.
func TestAutoAPIBasicChain(t *testing.T) {
	c := variant(t, springserver.VariantAPIBasic)
	path := filepath.Join(t.TempDir(), "s.json")
	var refused atomic.Int64
	open := func() *limpet.Session {
		s, err := limpet.New(limpet.Options{BaseURL: c.URL, Store: filestore.Open(path, filestore.Options{}),
			Authenticator: login.Auto(limpet.StaticCredentials(user, password), login.Options{}),
			OnResponse:    refusals(&refused)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	s := open()
	if err := s.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := c.Counters(t)
	k := unique("api-basic")
	postTo(t, s, "/api/items", k) // challenged, then replayed with Basic
	if n := c.Posts(t, k); n != 1 {
		t.Fatalf("POST /api/items ran %d times, want 1", n)
	}
	me(t, s)
	home(t, s)
	postTo(t, s, "/items", unique("page"))
	after := c.Counters(t)
	if logins := (after.AuthSuccess - after.BasicAuth) - (before.AuthSuccess - before.BasicAuth); logins != 0 {
		t.Fatalf("%d new form logins, want none", logins)
	}
	if after.AuthFailure != before.AuthFailure || after.BasicAuth == before.BasicAuth {
		t.Fatalf("counters %+v -> %+v: want Basic authentications and no failure", before, after)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	refused.Store(0)
	s2 := open()
	me(t, s2)
	postTo(t, s2, "/api/items", unique("second"))
	home(t, s2)
	if n := refused.Load(); n != 0 {
		t.Fatalf("the second process saw %d refusals, want none", n)
	}

	// After the server ended the sessions, the API still answers to Basic, and the pages after one login.
	c.ExpireAll(t)
	before = c.Counters(t)
	me(t, s2)
	home(t, s2)
	after = c.Counters(t)
	if logins := (after.AuthSuccess - after.BasicAuth) - (before.AuthSuccess - before.BasicAuth); logins != 1 {
		t.Fatalf("%d form logins after the expiry, want 1", logins)
	}
}

// A password the API's chain refuses (here: the credentials change after the form login): ErrBadCredentials
// naming the URL, after one Basic attempt.
func TestAutoAPIBasicBadCredentials(t *testing.T) {
	c := variant(t, springserver.VariantAPIBasic)
	var calls atomic.Int64
	creds := limpet.Credentials(func(context.Context) (string, string, error) {
		if calls.Add(1) == 1 {
			return user, password, nil
		}
		return user, "wrong-password", nil
	})
	s, err := limpet.New(limpet.Options{BaseURL: c.URL, Authenticator: login.Auto(creds, login.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := c.Counters(t)
	_, err = s.Get(context.Background(), "/api/me")
	after := c.Counters(t)
	if !errors.Is(err, limpet.ErrBadCredentials) || !strings.Contains(err.Error(), c.URL+"/api/me") {
		t.Fatalf("GET /api/me: want a bad-credentials error naming %s/api/me, got %v", c.URL, err)
	}
	if n := after.AuthFailure - before.AuthFailure; n != 1 {
		t.Fatalf("%d failed authentications, want 1", n)
	}
}

// Basic is answered only on the credentials' origin: a challenge of another origin stays a 401.
func TestAnswerBasicOtherOrigin(t *testing.T) {
	c := variant(t, springserver.VariantAPIBasic)
	other := variant(t, springserver.VariantFormAndBasic) // another port: another origin
	s, err := limpet.New(limpet.Options{BaseURL: c.URL,
		Authenticator: login.Auto(limpet.StaticCredentials(user, password), login.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := other.Counters(t)
	resp, err := s.Do(context.Background(), &limpet.Request{URL: other.URL + "/api/me",
		Header: http.Header{"Accept": {"application/json"}}})
	if err == nil {
		resp.Close()
	}
	if n := other.Counters(t).AuthSuccess - before.AuthSuccess; n != 0 {
		t.Fatalf("another origin got %d authentications, want none (err %v)", n, err)
	}
}
