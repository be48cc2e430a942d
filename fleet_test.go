package limpet_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/testserver/redisserver"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/store/redisstore"
)

// fleetSessions returns n Sessions of the session file at path, each with
// a File of its own (as n processes have).
func fleetSessions(t *testing.T, ss *sessionServer, path string, n int, o limpet.Options) []*limpet.Session {
	t.Helper()
	return fleetOf(t, ss, n, o, func() limpet.SessionStore { return filestore.Open(path, filestore.Options{}) })
}

// fleetOf returns n Sessions of ss, each with the store newStore makes.
func fleetOf(t *testing.T, ss *sessionServer, n int, o limpet.Options, newStore func() limpet.SessionStore) []*limpet.Session {
	t.Helper()
	var out []*limpet.Session
	for range n {
		o := o
		o.BaseURL, o.Authenticator = ss.URL, &formAuth{password: ss.password}
		o.Store = newStore()
		s := newSession(t, o)
		out = append(out, s)
	}
	return out
}

// Sessions with Files of their own (processes, as far as the locks go)
// sharing a session file that meet an expired server session make one login:
// the first logs in under the recovery lock, the others adopt its session
// and replay; every POST runs once.
func TestFleetFileOneLogin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.json")
	testFleetOneLogin(t, func() limpet.SessionStore { return filestore.Open(path, filestore.Options{}) })
}

// The same with Redis: each Session has a client and Store of its own.
func TestFleetRedisOneLogin(t *testing.T) {
	srv := redisserver.Start(t)
	testFleetOneLogin(t, func() limpet.SessionStore {
		st, err := redisstore.OpenStore(srv.URL(0), redisstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		ss, err := st.Session("shared")
		if err != nil {
			t.Fatal(err)
		}
		return ss
	})
}

// And with a Redis Cluster of 3 masters.
func TestFleetRedisClusterOneLogin(t *testing.T) {
	cl := redisserver.StartCluster(t, 3)
	testFleetOneLogin(t, func() limpet.SessionStore {
		st, err := redisstore.OpenStore(cl.URL(), redisstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		ss, err := st.Session("localhost_8080/shared")
		if err != nil {
			t.Fatal(err)
		}
		return ss
	})
}

// With autosave soon after each change: the anonymous session cookies
// that answers to requests with the expired session set must not replace
// the new login's in the store.
func TestFleetFileAutosave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.json")
	testFleetOneLoginWith(t, limpet.Options{SaveDelay: time.Microsecond}, func() limpet.SessionStore {
		return filestore.Open(path, filestore.Options{})
	})
}

func testFleetOneLogin(t *testing.T, newStore func() limpet.SessionStore) {
	testFleetOneLoginWith(t, limpet.Options{ManualSave: true}, newStore)
}

func testFleetOneLoginWith(t *testing.T, o limpet.Options, newStore func() limpet.SessionStore) {
	ss := newSessionServer(t)
	const n = 8
	ctx := context.Background()
	for round := range 3 {
		sessions := fleetOf(t, ss, n, o, newStore)
		if round > 0 {
			resp, err := sessions[0].Post(ctx, "/expire", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Close()
		}
		before, echoes := ss.logins.Load(), ss.echoes.Load()
		var wg sync.WaitGroup
		for i, s := range sessions {
			wg.Go(func() {
				resp, err := s.Post(ctx, "/api/echo", limpet.Bytes([]byte("x"), "text/plain"))
				if err != nil {
					t.Errorf("round %d, session %d: %v", round, i, err)
					return
				}
				resp.Close()
				if resp.StatusCode != 200 {
					t.Errorf("round %d, session %d: status %d", round, i, resp.StatusCode)
				}
			})
		}
		wg.Wait()
		if got := ss.logins.Load() - before; got != 1 {
			t.Errorf("round %d: %d logins, want 1", round, got)
		}
		if got := ss.echoes.Load() - echoes; got != n {
			t.Errorf("round %d: %d POSTs ran, want %d", round, got, n)
		}
		for _, s := range sessions {
			if err := s.Close(); err != nil {
				t.Errorf("round %d: Close: %v", round, err)
			}
		}
	}
}

// A recovery lock held longer than RecoveryWait fails the request with a
// *RecoveryWaitError naming the lock, and logs nothing in.
func TestFleetFileBoundedWait(t *testing.T) {
	ss := newSessionServer(t)
	path := filepath.Join(t.TempDir(), "held.json")
	f := filestore.Open(path, filestore.Options{})
	unlock, err := f.LockRecovery(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	s := fleetSessions(t, ss, path, 1, limpet.Options{RecoveryWait: 200 * time.Millisecond, ManualSave: true})[0]
	_, err = s.Get(context.Background(), "/api/me")
	var we *limpet.RecoveryWaitError
	if !errors.As(err, &we) || !errors.Is(err, filestore.ErrLocked) {
		t.Fatalf("error %v (%T); want a *RecoveryWaitError wrapping filestore.ErrLocked", err, err)
	}
	if ss.logins.Load() != 0 {
		t.Errorf("%d logins while another held the lock", ss.logins.Load())
	}
	t.Log(err)
}

// A process whose login another process has replaced does not save its
// cookies over the new login's: here its request to a public page got a
// new, anonymous session cookie (newer than the login's), after the other
// process logged in. A process starting afterwards finds the new login's
// session and needs no login of its own.
func TestFleetStaleProcessSavesNothing(t *testing.T) {
	ss := newSessionServer(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/public", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "anonymous-public", Path: "/", HttpOnly: true})
		fmt.Fprint(w, "public")
	})
	mux.HandleFunc("/", ss.serve)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "shared.json")
	open := func() *limpet.Session {
		return newSession(t, limpet.Options{BaseURL: srv.URL, Authenticator: &formAuth{password: ss.password},
			Store: filestore.Open(path, filestore.Options{}), ManualSave: true})
	}
	ctx := context.Background()
	get := func(s *limpet.Session, p string) *limpet.Response {
		t.Helper()
		resp, err := s.Get(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Close()
		return resp
	}
	a := open()
	get(a, "/api/me") // the first login (a recovery from no session)
	if err := a.Save(ctx); err != nil {
		t.Fatal(err)
	}
	stale := open()
	if r := get(stale, "/api/me"); len(r.Recoveries) != 0 {
		t.Fatalf("the second process logged in: %+v", r.Recoveries)
	}
	resp, err := a.Post(ctx, "/expire", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	get(a, "/api/me") // a logs in again; stale does not know
	logins := ss.logins.Load()
	get(stale, "/public")
	if err := stale.Save(ctx); err != nil {
		t.Fatal(err)
	}
	later := open()
	if r := get(later, "/api/me"); r.StatusCode != 200 || len(r.Recoveries) != 0 || ss.logins.Load() != logins {
		t.Errorf("a process starting after the stale one saved: status %d, recoveries %+v, %d more logins; want the new login's session",
			r.StatusCode, r.Recoveries, ss.logins.Load()-logins)
	}
}
