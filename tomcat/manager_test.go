package tomcat_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/testserver/tomcatserver"
	"github.com/limpet-http/limpet/tomcat"
)

// expireAction lists the sessions of /examples without expiring any (no
// idle parameter), so other tests' sessions live on.
const expireAction = "/manager/html/expire?path=/examples"

// T7: the manager's HTML interface refuses POSTs without the session's
// nonce; the strategy adds it, and recovers from a nonce that aged out of
// the server's cache of five.
func TestManagerNonce(t *testing.T) {
	srv := tomcatserver.Start(t)
	newManager := func(t *testing.T, withNonce bool) (*limpet.Session, *tomcat.Nonce) {
		o := limpet.Options{BaseURL: srv.URL, Auth: limpet.BasicAuth(tomcatserver.ManagerGUIUser, tomcatserver.ManagerGUIPassword)}
		var n *tomcat.Nonce
		if withNonce {
			n = tomcat.ManagerCSRF(tomcat.NonceOptions{})
			o.Authenticator = n
		}
		s, err := limpet.New(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, n
	}
	post := func(t *testing.T, s *limpet.Session) *limpet.Response {
		t.Helper()
		resp, err := s.Post(t.Context(), expireAction, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := resp.Bytes(); err != nil {
			t.Fatal(err)
		}
		return resp
	}

	t.Run("without the nonce", func(t *testing.T) {
		s, _ := newManager(t, false)
		resp := post(t, s)
		body, _ := resp.Text()
		if resp.StatusCode != 403 || !strings.Contains(body, "CSRF") {
			t.Fatalf("want 403 naming CSRF, got %d", resp.StatusCode)
		}
	})
	t.Run("nonce from the entry point", func(t *testing.T) {
		s, n := newManager(t, true)
		if err := s.Login(t.Context()); err != nil {
			t.Fatal(err)
		}
		first := n.Current()
		resp := post(t, s)
		if resp.StatusCode != 200 || len(resp.Recoveries) != 0 || !strings.Contains(resp.Request.URL.RawQuery, tomcat.NonceParam+"="+first) {
			t.Fatalf("status %d, recoveries %+v, URL %s", resp.StatusCode, resp.Recoveries, resp.Request.URL)
		}
		if n.Current() == first || n.Current() == "" {
			t.Fatal("the nonce of the response was not learned")
		}
		// The learned nonce serves the next POST.
		if resp := post(t, s); resp.StatusCode != 200 || len(resp.Recoveries) != 0 {
			t.Fatalf("second POST: %d, recoveries %+v", resp.StatusCode, resp.Recoveries)
		}
	})
	t.Run("first request without a nonce recovers", func(t *testing.T) {
		s, _ := newManager(t, true)
		resp := post(t, s)
		r := resp.Recoveries
		if resp.StatusCode != 200 || len(r) != 1 || r[0].Verdict.Kind != limpet.CSRFRejected || !r[0].Replayed {
			t.Fatalf("status %d, recoveries %+v", resp.StatusCode, r)
		}
	})
	t.Run("nonce older than five responses", func(t *testing.T) {
		s, n := newManager(t, true)
		if err := s.Login(t.Context()); err != nil {
			t.Fatal(err)
		}
		stale := n.Current()
		// Five pages the strategy does not see push the nonce out.
		for range 5 {
			resp, err := s.BareClient().Get(srv.URL + "/manager/html/list")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("GET /manager/html/list: %s", resp.Status)
			}
		}
		resp := post(t, s)
		r := resp.Recoveries
		if resp.StatusCode != 200 || len(r) != 1 || r[0].Verdict.Kind != limpet.CSRFRejected || !r[0].Replayed || n.Current() == stale {
			t.Fatalf("status %d, recoveries %+v", resp.StatusCode, r)
		}
	})
	t.Run("nonce without the session cookie", func(t *testing.T) {
		s, n := newManager(t, true)
		if err := s.Login(t.Context()); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+expireAction+"&"+tomcat.NonceParam+"="+n.Current(), nil)
		req.SetBasicAuth(tomcatserver.ManagerGUIUser, tomcatserver.ManagerGUIPassword)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Fatalf("want 403, got %s", resp.Status)
		}
	})
}
