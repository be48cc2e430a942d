package store_test

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

// FuzzParse checks that Parse never panics, that every error wraps
// ErrCorrupt, that its one-pass decoding gives what its slow path (unknown
// members, error location) gives, and that whatever it accepts marshals to
// a document it reads back to the same bytes.
func FuzzParse(f *testing.F) {
	full, err := store.Marshal(fullSnapshot())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	f.Add([]byte(`{"format": "limpet-session", "version": 1, "state": {"a": {"version": 2, "data": {"x": [1]}, "new": 1}, "b": null, "c": {"data": null}}}`))
	f.Add([]byte(`{"FORMAT": "limpet-session", "Version": 1, "Cookies": [{"NAME": "a", "domain": "d", "path": "/", "Name": "b"}], "meta": {"Created": ""}}`))
	f.Add([]byte(`{"format": "limpet-session", "version": 1, "login": {"params": {"a": "b"}, "x": 1}, "headers": {"list": [{"name": "a", "x": 1}]}}`))
	f.Add([]byte(`{"format": "limpet-session", "version": 1}`))
	f.Add([]byte(`{"format": "limpet-session", "version": 1, "cookies": [{"name": "a", "domain": "d", "path": "/", "x": [1, {"y": "}"}]}], "z": null}`))
	f.Add([]byte(`{"format": "limpet-session", "version": 1, "cookies": [{"name": "a\u0000\"", "domain": "d", "path": "/", "value_b64": "gA=="}]}`))
	f.Add([]byte(`{"format": "limpet-session", "version": 1, "tombstones": [{"domain": "d", "path": "/", "name": "a", "deleted": "2026-01-01T00:00:00+02:00"}]}`))
	f.Add([]byte(`{"__meta__": {}}`))
	f.Add([]byte("{\"format\": \"limpet-session\", \"version\": 1, \"\xff\": null, \"cookies\": [{\"name\": \"a\", \"domain\": \"d\", \"path\": \"/\", \"\xfe\": 1}]}"))
	f.Add([]byte(`{"format": "limpet-session", "version": 1, "state": {"cli": {"version": 1, "data": {"user": "a"}, "secret": {"password": "p"}}, "x": {"secret": null}}}`))
	// Files of the earlier release, with their "auth", "login", "csrf" and
	// "tokens" members (unknown members now).
	legacy, _ := filepath.Glob("../testdata/legacy/*.json")
	seeds, _ := filepath.Glob("testdata/*.json")
	seeds = append(seeds, legacy...)
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := store.Parse(data)
		slow, slowErr := store.ParseSlowly(data)
		if fmt.Sprint(err) != fmt.Sprint(slowErr) || !reflect.DeepEqual(s, slow) {
			t.Fatalf("Parse and its slow path differ:\n%v %#v\n%v %#v", err, s, slowErr, slow)
		}
		if err != nil {
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		b1, err := store.Marshal(s)
		if err != nil {
			t.Fatalf("Marshal of parsed snapshot: %v", err)
		}
		s2, err := store.Parse(b1)
		if err != nil {
			t.Fatalf("Parse of marshalled snapshot: %v\n%s", err, b1)
		}
		b2, err := store.Marshal(s2)
		if err != nil {
			t.Fatal(err)
		}
		if string(b1) != string(b2) {
			t.Fatalf("not stable:\n%s\n%s", b1, b2)
		}
	})
}

// FuzzSaveRestore checks, for arbitrary Set-Cookie lines received from
// arbitrary URLs, that whatever a jar stores survives the way to a session
// file and back: Snapshot, Marshal, Parse and Restore give the same cookies
// without an error. A cookie the jar accepts but cannot restore would make
// the session unloadable for every process sharing it.
func FuzzSaveRestore(f *testing.F) {
	for _, s := range []struct{ url, line string }{
		{"http://localhost:8080/app/x", "JSESSIONID=6F1C; Path=/app; HttpOnly"},
		{"http://h.test/app;jsessionid=ABC/page", "a=b"},
		{"http://0/;/", "0"},
		{"https://www.example.com/", "__Host-sid=1; Secure; Path=/; SameSite=Strict; Max-Age=60"},
		{"http://h.test/%ff/x", "\xff=\xfe; Domain=h.test"},
		{"http://[::1]:9/", "nameless"},
	} {
		f.Add(s.url, s.line)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	f.Fuzz(func(t *testing.T, rawURL, line string) {
		u, err := url.Parse(rawURL)
		if err != nil {
			return
		}
		j := jar.New(jar.Options{Clock: clock})
		j.SetCookieHeaders(u, []string{line})
		snap := j.Snapshot()
		if len(snap) == 0 {
			return
		}
		raw, err := store.Marshal(store.Snapshot{Cookies: store.CookiesFromJar(snap)})
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := store.Parse(raw)
		if err != nil {
			t.Fatalf("Parse of a saved jar: %v\n%s", err, raw)
		}
		r := jar.New(jar.Options{Clock: clock})
		if err := r.Restore(back.JarCookies()); err != nil {
			t.Fatalf("Restore of a saved jar: %v\n%s", err, raw)
		}
		if got := r.Snapshot(); !slices.Equal(got, snap) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, snap)
		}
	})
}
