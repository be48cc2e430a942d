package storetest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

// CookieServer starts a loopback server for many-writer tests of a store:
// GET /set?c=NAME sets the cookie NAME=v-NAME (Path=/), and
// doomed=set&d=NAME or doomed=del&d=NAME also sets or deletes the cookie
// NAME, with Path=/doomed: requests to /set do not carry it, so it is the
// least recently used cookie of a jar, the first a jar over its limit
// evicts. It counts the requests it serves. It is closed when the test
// ends.
func CookieServer(tb testing.TB) (*httptest.Server, *atomic.Int64) {
	requests := new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		q := r.URL.Query()
		c := q.Get("c")
		if c == "" {
			http.Error(w, "no cookie name", http.StatusBadRequest)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: c, Value: "v-" + c, Path: "/"})
		switch q.Get("doomed") {
		case "set":
			http.SetCookie(w, &http.Cookie{Name: q.Get("d"), Value: "x", Path: "/doomed"})
		case "del":
			http.SetCookie(w, &http.Cookie{Name: q.Get("d"), Value: "", Path: "/doomed", MaxAge: -1})
		}
	}))
	tb.Cleanup(srv.Close)
	return srv, requests
}

// Writer is one writer's work in a many-writer test: a limpet Session on
// st, autosaving, sends n requests to a CookieServer at base, each setting
// the distinct cookie KIND+ID_I (the first request also sets, and the last
// deletes, "doomed_"+KIND+ID), then closes, which saves what autosave has
// not. kind tells writers of different sorts apart ("p" for processes, "g"
// for goroutines). The Session's jar keeps every cookie (no limits); st
// must too, for CheckWriters to find them all.
func Writer(ctx context.Context, st limpet.SessionStore, base, kind string, id, n int) error {
	return WriterWith(ctx, st, WriterOptions{Jar: jar.Options{MaxCookiesPerDomain: jar.NoLimit, MaxCookies: jar.NoLimit}},
		base, kind, id, n)
}

// WriterOptions vary a writer's work.
type WriterOptions struct {
	// Jar configures the Sessions' jars. With the default limits, writers
	// that together set more cookies than a jar keeps evict some, and the
	// server deletes cookies their jars may have evicted; check the
	// result with CheckLimitedWriters.
	Jar jar.Options
	// SessionPerRequest opens a new Session for each request and closes
	// it after, as one command-line run per request does: each loads the
	// stored session (its jar evicting what it does not keep) and saves.
	SessionPerRequest bool
}

// WriterWith is Writer configured by o.
func WriterWith(ctx context.Context, st limpet.SessionStore, o WriterOptions, base, kind string, id, n int) error {
	open := func() (*limpet.Session, error) {
		return limpet.New(limpet.Options{Store: st, SaveDelay: time.Millisecond, JarOptions: o.Jar})
	}
	s, err := open()
	if err != nil {
		return err
	}
	for i := range n {
		if o.SessionPerRequest && i > 0 {
			if err := s.Close(); err != nil {
				return err
			}
			if s, err = open(); err != nil {
				return err
			}
		}
		u := fmt.Sprintf("%s/set?c=%s%02d_%02d", base, kind, id, i)
		switch i {
		case 0:
			u += fmt.Sprintf("&doomed=set&d=doomed_%s%02d", kind, id)
		case n - 1:
			u += fmt.Sprintf("&doomed=del&d=doomed_%s%02d", kind, id)
		}
		resp, err := s.Get(ctx, u)
		if err != nil {
			s.Close()
			return err
		}
		resp.Close()
		if resp.StatusCode != http.StatusOK {
			s.Close()
			return fmt.Errorf("request %d: %s", i, resp.Status)
		}
	}
	return s.Close()
}

// CheckWriters checks what many Writers of the given kinds, writers of
// each kind with n requests each, left in got: every cookie any of them set,
// none that the server deleted, and a tombstone for each deletion.
func CheckWriters(t testing.TB, got store.Snapshot, kinds []string, writers, n int) {
	t.Helper()
	have := map[string]string{}
	var doomed []string
	for _, c := range got.Cookies {
		have[c.Name] = c.Value
		if strings.HasPrefix(c.Name, "doomed_") {
			doomed = append(doomed, c.Name)
		}
	}
	if len(doomed) > 0 {
		t.Errorf("cookies the server deleted came back: %v", doomed)
	}
	all := len(kinds) * writers
	if n > 1 && len(got.Tombstones) != all {
		t.Errorf("%d tombstones, want %d", len(got.Tombstones), all)
	}
	var missing []string
	for _, kind := range kinds {
		for w := range writers {
			for i := range n {
				name := fmt.Sprintf("%s%02d_%02d", kind, w, i)
				if have[name] != "v-"+name {
					missing = append(missing, name)
				}
			}
		}
	}
	if want := all * n; len(missing) > 0 || len(got.Cookies) != want {
		t.Fatalf("%d cookies stored, want %d; missing %d: %v", len(got.Cookies), want, len(missing), missing)
	}
}

// CheckLimitedWriters checks what many WriterWith writers, whose jars keep
// at most perDomain cookies for the server's host, left in got: no cookie
// the server deleted, a tombstone for each deletion, no more than
// perDomain cookies, and only cookies the writers set, with their values.
func CheckLimitedWriters(t testing.TB, got store.Snapshot, kinds []string, writers, n, perDomain int) {
	t.Helper()
	var doomed, foreign []string
	for _, c := range got.Cookies {
		switch {
		case strings.HasPrefix(c.Name, "doomed_"):
			doomed = append(doomed, c.Name)
		case c.Value != "v-"+c.Name:
			foreign = append(foreign, c.Name+"="+c.Value)
		}
	}
	if len(doomed) > 0 {
		t.Errorf("%d cookies the server deleted came back: %v", len(doomed), doomed)
	}
	if len(foreign) > 0 {
		t.Errorf("cookies no writer set: %v", foreign)
	}
	tombs := map[string]bool{}
	for _, ts := range got.Tombstones {
		tombs[ts.Key.Name] = true
	}
	if n > 1 {
		for _, kind := range kinds {
			for w := range writers {
				if name := fmt.Sprintf("doomed_%s%02d", kind, w); !tombs[name] {
					t.Errorf("no tombstone for %s", name)
				}
			}
		}
	}
	if len(got.Cookies) > perDomain {
		t.Errorf("%d cookies stored for one host, over the limit of %d", len(got.Cookies), perDomain)
	}
}
