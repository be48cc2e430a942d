package limpet_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
)

// cookieServer sets the cookies named in ?set=a,b (session cookies) and
// deletes those named in ?del=; GET /show lists what the client sent.
func cookieServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, n := range strings.Split(r.URL.Query().Get("set"), ",") {
			if n != "" {
				http.SetCookie(w, &http.Cookie{Name: n, Value: "v-" + n, Path: "/", HttpOnly: true})
			}
		}
		for _, n := range strings.Split(r.URL.Query().Get("del"), ",") {
			if n != "" {
				http.SetCookie(w, &http.Cookie{Name: n, Value: "", Path: "/", MaxAge: -1})
			}
		}
		var names []string
		for _, c := range r.Cookies() {
			names = append(names, c.Name)
		}
		sort.Strings(names)
		fmt.Fprint(w, strings.Join(names, ","))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func hit(t *testing.T, s *limpet.Session, url string) string {
	t.Helper()
	resp, err := s.Get(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	b, err := resp.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSessionSurvivesTheProcess(t *testing.T) {
	srv := cookieServer(t)
	path := filepath.Join(t.TempDir(), "sessions", "app.json")
	for _, manual := range []bool{false, true} {
		t.Run(fmt.Sprintf("manual=%v", manual), func(t *testing.T) {
			os.Remove(path)
			s1, err := limpet.New(limpet.Options{Store: filestore.Open(path, filestore.Options{}), ManualSave: manual})
			if err != nil {
				t.Fatal(err)
			}
			hit(t, s1, srv.URL+"/?set=JSESSIONID,XSRF-TOKEN")
			if err := s1.Close(); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("session file mode %v, want 0600", fi.Mode().Perm())
			}
			s2, err := limpet.New(limpet.Options{Store: filestore.Open(path, filestore.Options{})})
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			if got := hit(t, s2, srv.URL+"/show"); got != "JSESSIONID,XSRF-TOKEN" {
				t.Errorf("second process sent %q, want the session cookies of the first", got)
			}
			all := s2.Jar().(*jar.Jar).All()
			for _, c := range all {
				if c.Name == "JSESSIONID" && (!c.HttpOnly || c.Persistent) {
					t.Errorf("restored JSESSIONID lost attributes: %+v", c)
				}
			}
		})
	}
}

func TestConcurrentSessionsShareOneFile(t *testing.T) {
	srv := cookieServer(t)
	path := filepath.Join(t.TempDir(), "shared.json")
	const sessions, perSession = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for i := 0; i < sessions; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, err := limpet.New(limpet.Options{Store: filestore.Open(path, filestore.Options{}), SaveDelay: 1})
			if err != nil {
				errs <- err
				return
			}
			for j := 0; j < perSession; j++ {
				resp, err := s.Get(context.Background(), fmt.Sprintf("%s/?set=c%d_%d", srv.URL, i, j))
				if err != nil {
					errs <- err
					return
				}
				resp.Close()
			}
			errs <- s.Close()
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	snap, err := filestore.Open(path, filestore.Options{}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(snap.Cookies); n != sessions*perSession {
		t.Errorf("file holds %d cookies, want %d", n, sessions*perSession)
	}
}

func TestDeletionIsNotUndoneByAnotherWriter(t *testing.T) {
	srv := cookieServer(t)
	path := filepath.Join(t.TempDir(), "s.json")
	open := func() *limpet.Session {
		s, err := limpet.New(limpet.Options{Store: filestore.Open(path, filestore.Options{}), ManualSave: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := open()
	hit(t, a, srv.URL+"/?set=keep,gone")
	if err := a.Save(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := open() // has keep and gone
	hit(t, a, srv.URL+"/?del=gone")
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	hit(t, b, srv.URL+"/?set=more") // b still holds "gone", saves later
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := hit(t, b, srv.URL+"/show"); got != "keep,more" {
		t.Errorf("after merging, b sends %q; want the deletion adopted", got)
	}
	c := open()
	defer c.Close()
	if got := hit(t, c, srv.URL+"/show"); got != "keep,more" {
		t.Errorf("a new session sends %q, want keep,more", got)
	}
}

func TestCorruptSessionFileIsKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.json")
	junk := []byte(`{"format":"limpet-session","version":1,"cookies":[{"name":`)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := limpet.New(limpet.Options{Store: filestore.Open(path, filestore.Options{})})
	if err == nil || !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), path) {
		t.Fatalf("New = %v; want an ErrCorrupt error naming %s", err, path)
	}
	if got, _ := os.ReadFile(path); string(got) != string(junk) {
		t.Errorf("the corrupt file was changed")
	}
}

// countingStore counts saves.
type countingStore struct {
	limpet.SessionStore
	saves atomic.Int32
}

func (c *countingStore) Save(ctx context.Context, s store.Snapshot) (store.Snapshot, error) {
	c.saves.Add(1)
	return c.SessionStore.Save(ctx, s)
}

// gatedStore makes its first Save wait: it reports on entered that the save
// has begun (the session's state is already taken then) and returns only
// after release is closed.
type gatedStore struct {
	*countingStore
	entered  chan struct{}
	release  chan struct{}
	gateUsed atomic.Bool
}

func (g *gatedStore) Save(ctx context.Context, s store.Snapshot) (store.Snapshot, error) {
	if g.gateUsed.CompareAndSwap(false, true) {
		close(g.entered)
		<-g.release
	}
	return g.countingStore.Save(ctx, s)
}

func TestAutosaveCoalescesAndFlushesOnClose(t *testing.T) {
	const n = 50
	// loadAll checks that the store holds the n cookies k0...k(n-1).
	loadAll := func(t *testing.T, st limpet.SessionStore) {
		t.Helper()
		snap, err := st.Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Cookies) != n {
			t.Errorf("after Close the store holds %d cookies, want %d", len(snap.Cookies), n)
		}
	}

	// Changes made while a save is being written gather into one more save.
	t.Run("during a save", func(t *testing.T) {
		srv := cookieServer(t)
		cs := &countingStore{SessionStore: filestore.Open(filepath.Join(t.TempDir(), "auto.json"), filestore.Options{})}
		g := &gatedStore{countingStore: cs, entered: make(chan struct{}), release: make(chan struct{})}
		s, err := limpet.New(limpet.Options{Store: g, SaveDelay: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		hit(t, s, srv.URL+"/?set=k0")
		<-g.entered // the first autosave has taken the state with k0 and waits
		for i := 1; i < n; i++ {
			hit(t, s, fmt.Sprintf("%s/?set=k%d", srv.URL, i))
		}
		close(g.release)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		// The first save, then exactly one for the other n-1 changes (by
		// autosave or by Close, whichever comes first; the other finds
		// nothing to write).
		if saves := cs.saves.Load(); saves != 2 {
			t.Errorf("%d saves for %d changes, %d of them made during the first save: want 2", saves, n, n-1)
		}
		loadAll(t, cs)
	})

	// With autosave's delay far away, Close writes every change, once.
	t.Run("on Close", func(t *testing.T) {
		srv := cookieServer(t)
		cs := &countingStore{SessionStore: filestore.Open(filepath.Join(t.TempDir(), "auto.json"), filestore.Options{})}
		s, err := limpet.New(limpet.Options{Store: cs, SaveDelay: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			hit(t, s, fmt.Sprintf("%s/?set=k%d", srv.URL, i))
		}
		if saves := cs.saves.Load(); saves != 0 {
			t.Errorf("%d saves before Close, with autosave an hour away", saves)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if saves := cs.saves.Load(); saves != 1 {
			t.Errorf("%d saves for %d changes and Close: want 1", saves, n)
		}
		loadAll(t, cs)

		// A session that changes nothing writes nothing, at Close either.
		s, err = limpet.New(limpet.Options{Store: cs, SaveDelay: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if saves := cs.saves.Load(); saves != 1 {
			t.Errorf("a session without changes saved %d times", saves-1)
		}
	})

	cs := &countingStore{SessionStore: filestore.Open(filepath.Join(t.TempDir(), "auto.json"), filestore.Options{})}
	if _, err := limpet.New(limpet.Options{Store: cs, Jar: jar.New(jar.Options{})}); err == nil {
		t.Error("Store with a caller's Jar: want an error")
	}
}

// Close may be called from several goroutines at once (a signal handler
// and a deferred Close, say): each returns, none panics.
func TestConcurrentClose(t *testing.T) {
	for i := 0; i < 300; i++ {
		s, err := limpet.New(limpet.Options{Store: filestore.Open(filepath.Join(t.TempDir(), "s.json"), filestore.Options{})})
		if err != nil {
			t.Fatal(err)
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for j := 0; j < 32; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if err := s.Close(); err != nil {
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
	}
}
