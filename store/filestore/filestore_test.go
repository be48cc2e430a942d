package filestore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func cookie(name, value string, updated time.Time) store.Cookie {
	return store.Cookie{Cookie: jar.Cookie{Name: name, Value: value, Domain: "localhost", Path: "/", HostOnly: true,
		Created: updated, Updated: updated}}
}

func persistent(name, value string, updated time.Time) store.Cookie {
	c := cookie(name, value, updated)
	c.Persistent, c.Expires = true, updated.Add(24*time.Hour)
	return c
}

func names(s store.Snapshot) string {
	var out []string
	for _, c := range s.Cookies {
		out = append(out, c.Name+"="+c.Value)
	}
	return strings.Join(out, " ")
}

func newStore(t *testing.T, opts filestore.Options) *filestore.Store {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.Clock == nil {
		opts.Clock = func() time.Time { return t0.Add(time.Hour) }
	}
	s, err := filestore.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSaveLoad(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, filestore.Options{})
	const name = "localhost_8080/shop"
	if _, err := st.Load(ctx, name); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Load before Save: %v", err)
	}
	in := store.Snapshot{
		Cookies: []store.Cookie{cookie("JSESSIONID", "abc", t0), persistent("remember-me", "x", t0)},
		Headers: &store.Headers{Updated: t0, List: []store.Header{{Name: "X-Client", Value: "demo"}}},
		State:   map[string]store.State{"cli": {Version: 1, Updated: t0, Data: json.RawMessage(`{"user":"alice"}`)}},
	}
	saved, err := st.Save(ctx, name, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(saved); got != "JSESSIONID=abc remember-me=x" {
		t.Errorf("Save returned %q", got)
	}
	if !saved.Meta.Updated.Equal(t0.Add(time.Hour)) || !saved.Meta.Created.Equal(t0.Add(time.Hour)) || saved.Meta.Limpet == "" {
		t.Errorf("meta %+v", saved.Meta)
	}
	loaded, err := st.Load(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := store.Marshal(saved)
	b, _ := store.Marshal(loaded)
	if string(a) != string(b) {
		t.Errorf("Load differs from Save's result:\n%s\n%s", a, b)
	}

	// Layout and permissions.
	p, _ := st.Path(name)
	if want := filepath.Join(st.Dir(), "sessions", "localhost_8080", "shop.json"); p != want {
		t.Errorf("path %s, want %s", p, want)
	}
	for _, c := range []struct {
		path string
		mode fs.FileMode
	}{
		{p, 0o600},
		{filepath.Join(filepath.Dir(p), ".shop.json.lock"), 0o600},
		{filepath.Dir(p), 0o700 | fs.ModeDir},
		{filepath.Join(st.Dir(), "sessions"), 0o700 | fs.ModeDir},
	} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != c.mode {
			t.Errorf("%s: mode %v, want %v", c.path, fi.Mode(), c.mode)
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(p))
	var files []string
	for _, e := range ents {
		files = append(files, e.Name())
	}
	if want := []string{".shop.json.lock", "shop.json"}; !slices.Equal(files, want) {
		t.Errorf("directory holds %v, want %v", files, want)
	}
	raw, _ := os.ReadFile(p)
	if loaded2, err := store.Parse(raw); err != nil || names(loaded2) != names(in) {
		t.Errorf("file is not the snapshot format: %v", err)
	}

	// Save merges with what is there.
	other := newStoreAt(t, st.Dir())
	got, err := other.Save(ctx, name, store.Snapshot{Cookies: []store.Cookie{cookie("XSRF-TOKEN", "t", t0)}})
	if err != nil {
		t.Fatal(err)
	}
	if n := names(got); n != "JSESSIONID=abc XSRF-TOKEN=t remember-me=x" {
		t.Errorf("merged %q", n)
	}
	if st, ok := got.LookupState("cli"); !ok || string(st.Data) != `{"user":"alice"}` {
		t.Errorf("state lost in merge: %+v", got.State)
	}
}

func newStoreAt(t *testing.T, dir string) *filestore.Store {
	return newStore(t, filestore.Options{Dir: dir})
}

func TestNames(t *testing.T) {
	tests := []struct {
		name    string
		host    string // for Key; "" tests ValidName(name) alone
		want    string
		wantErr string
	}{
		{name: "shop", want: "shop"},
		{name: "a-b_c.1", want: "a-b_c.1"},
		{name: "", wantErr: "want a name"},
		{name: "..", wantErr: "want a name"},
		{name: "a/b/c", wantErr: "character '/'"},
		{name: "sp ace", wantErr: "character ' '"},
		{name: "ü", wantErr: "not allowed"},
		{name: "../x", wantErr: "host directory \"..\""},
		{name: "localhost_8080/shop", want: "localhost_8080/shop"},
		{name: "shop", host: "localhost:8080", want: "localhost_8080/shop"},
		{name: "shop", host: "example.com", want: "example.com/shop"},
		{name: "shop", host: "alice@example.com:443", want: "example.com_443/shop"},
		{name: "shop", host: "[::1]:8080", want: "[__1]_8080/shop"},
		{name: "shop", host: "a/b", wantErr: "character '/'"},
		{name: "s/p", host: "example.com", wantErr: "character '/'"},
	}
	for _, tt := range tests {
		t.Run(tt.host+" "+tt.name, func(t *testing.T) {
			var got string
			var err error
			if tt.host != "" {
				got, err = filestore.Key(tt.host, tt.name)
			} else {
				got, err = tt.name, filestore.ValidName(tt.name)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "filestore: ") {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDefaultDir(t *testing.T) {
	tests := []struct {
		name                  string
		limpet, xdg, home     string
		want                  string
		wantErr               bool
		skipUnlessUnixConfigs bool
	}{
		{name: "override", limpet: "/srv/limpet", xdg: "/x", home: "/h", want: "/srv/limpet"},
		{name: "xdg", xdg: "/x", home: "/h", want: "/x/limpet"},
		{name: "home", home: "/h", want: "/h/.config/limpet"},
		{name: "relative xdg is ignored", xdg: "rel", home: "/h", want: "/h/.config/limpet"},
		{name: "nothing", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("LIMPET_CONFIG_DIR", tt.limpet)
			t.Setenv("XDG_CONFIG_HOME", tt.xdg)
			t.Setenv("HOME", tt.home)
			got, err := filestore.DefaultDir()
			if tt.wantErr {
				if err == nil {
					t.Fatalf("DefaultDir = %q, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("DefaultDir = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	t.Run("New uses it", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("LIMPET_CONFIG_DIR", dir)
		st, err := filestore.New(filestore.Options{})
		if err != nil || st.Dir() != dir {
			t.Fatalf("Dir = %q, %v; want %q", st.Dir(), err, dir)
		}
	})
}

func TestList(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, filestore.Options{})
	if got, err := st.List(ctx); err != nil || len(got) != 0 {
		t.Fatalf("List of empty store = %v, %v", got, err)
	}
	for _, n := range []string{"shop", "localhost_8080/shop", "localhost_8080/admin", "example.com/x"} {
		if _, err := st.Save(ctx, n, store.Snapshot{}); err != nil {
			t.Fatal(err)
		}
	}
	// Things List must skip.
	sessions := filepath.Join(st.Dir(), "sessions")
	must(t, os.WriteFile(filepath.Join(sessions, "notes.txt"), nil, 0o600))
	must(t, os.WriteFile(filepath.Join(sessions, "localhost_8080", "bad name.json"), nil, 0o600))
	must(t, os.Mkdir(filepath.Join(sessions, "dir.json"), 0o700))
	if _, err := st.Reset(ctx, "example.com/x"); err != nil {
		t.Fatal(err)
	}
	got, err := st.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"localhost_8080/admin", "localhost_8080/shop", "shop"}; !slices.Equal(got, want) {
		t.Errorf("List = %v, want %v", got, want)
	}
	if err := st.Delete(ctx, "shop"); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, "shop"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second Delete: %v", err)
	}
	if err := st.Delete(ctx, "nohost/none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete in a missing directory: %v", err)
	}
	if got, _ := st.List(ctx); slices.Contains(got, "shop") {
		t.Errorf("deleted session still listed: %v", got)
	}
	if _, err := st.Load(ctx, "bad/name/x"); err == nil {
		t.Error("Load of an invalid name succeeded")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCorruptFile(t *testing.T) {
	ctx := context.Background()
	valid, err := store.Marshal(store.Snapshot{Cookies: []store.Cookie{cookie("a", "1", t0)}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte
		want    string
	}{
		{"empty", nil, "unexpected end of JSON input"},
		{"truncated", valid[:len(valid)/2], "line "},
		{"garbage", []byte("\x00\x01binary"), "invalid character"},
		{"httpie file", []byte(`{"__meta__": {"about": "HTTPie session file"}, "cookies": []}` + "\n"), "HTTPie session file"},
		{"future version", []byte(`{"format": "limpet-session", "version": 7}`), "format version 7 is not supported"},
		{"bad member", []byte(`{"format": "limpet-session", "version": 1, "cookies": [{"name": "a"}]}`), "cookies[0].domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t, filestore.Options{})
			p, _ := st.Path("shop")
			must(t, os.MkdirAll(filepath.Dir(p), 0o700))
			must(t, os.WriteFile(p, tt.content, 0o600))

			check := func(op string, err error) {
				t.Helper()
				var fe *filestore.FileError
				if !errors.As(err, &fe) || fe.Path != p || fe.Op != op {
					t.Fatalf("%s: err = %#v, want a *FileError for %s", op, err, p)
				}
				if !errors.Is(err, store.ErrCorrupt) {
					t.Errorf("%s: %v does not wrap ErrCorrupt", op, err)
				}
				if msg := err.Error(); !strings.Contains(msg, p) || !strings.Contains(msg, tt.want) || !strings.HasPrefix(msg, "filestore: ") {
					t.Errorf("%s: message %q lacks the path or %q", op, msg, tt.want)
				}
			}
			_, err := st.Load(ctx, "shop")
			check("load", err)
			_, err = st.Save(ctx, "shop", store.Snapshot{Cookies: []store.Cookie{cookie("b", "2", t0)}})
			check("save", err)
			_, err = st.Update(ctx, "shop", func(*store.Snapshot) error { return nil })
			check("update", err)
			if got, _ := os.ReadFile(p); string(got) != string(tt.content) {
				t.Fatal("the corrupt file was changed")
			}

			aside, err := st.Reset(ctx, "shop")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := os.ReadFile(aside); err != nil || string(got) != string(tt.content) {
				t.Fatalf("Reset lost the file: %v", err)
			}
			if !strings.HasPrefix(aside, p+".reset-") {
				t.Errorf("moved to %s", aside)
			}
			got, err := st.Save(ctx, "shop", store.Snapshot{Cookies: []store.Cookie{cookie("b", "2", t0)}})
			if err != nil || names(got) != "b=2" {
				t.Fatalf("Save after Reset = %q, %v", names(got), err)
			}
		})
	}
	t.Run("unreadable", func(t *testing.T) {
		st := newStore(t, filestore.Options{})
		p, _ := st.Path("shop")
		must(t, os.MkdirAll(p, 0o700)) // a directory where the file should be
		_, err := st.Load(ctx, "shop")
		var fe *filestore.FileError
		if !errors.As(err, &fe) || fe.Path != p || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrCorrupt) {
			t.Fatalf("err = %v", err)
		}
		if _, err := st.Save(ctx, "shop", store.Snapshot{}); err == nil {
			t.Fatal("Save over a directory succeeded")
		}
	})
	t.Run("reset of nothing", func(t *testing.T) {
		st := newStore(t, filestore.Options{})
		if _, err := st.Reset(ctx, "shop"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestSessionCookiesAndPasswords(t *testing.T) {
	ctx := context.Background()
	in := store.Snapshot{
		Cookies: []store.Cookie{cookie("JSESSIONID", "s", t0), persistent("remember-me", "p", t0)},
		State: map[string]store.State{
			"cli":   {Version: 1, Updated: t0, Data: json.RawMessage(`{"user":"alice"}`), Secret: json.RawMessage(`{"password":"s3cret"}`)},
			"login": {Version: 1, Updated: t0, Data: json.RawMessage(`{"url":"http://localhost/login"}`), Secret: json.RawMessage(`"s3cret"`)},
		},
	}
	tests := []struct {
		name          string
		opts          filestore.Options
		wantFile      string
		wantPasswords bool
	}{
		{"defaults", filestore.Options{}, "JSESSIONID=s remember-me=p", false},
		{"drop session cookies", filestore.Options{DropSessionCookies: true}, "remember-me=p", false},
		{"save passwords", filestore.Options{SavePasswords: true}, "JSESSIONID=s remember-me=p", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t, tt.opts)
			got, err := st.Save(ctx, "shop", in)
			if err != nil {
				t.Fatal(err)
			}
			if names(got) != "JSESSIONID=s remember-me=p" || string(got.State["cli"].Secret) != `{"password":"s3cret"}` {
				t.Errorf("Save's result lost the caller's state: %q %+v", names(got), got.State)
			}
			p, _ := st.Path("shop")
			raw, _ := os.ReadFile(p)
			onDisk, err := store.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if n := names(onDisk); n != tt.wantFile {
				t.Errorf("file holds %q, want %q", n, tt.wantFile)
			}
			if has := strings.Contains(string(raw), "s3cret"); has != tt.wantPasswords {
				t.Errorf("password in file = %v, want %v:\n%s", has, tt.wantPasswords, raw)
			}
			if string(onDisk.State["cli"].Data) != `{"user":"alice"}` || string(onDisk.State["login"].Data) != `{"url":"http://localhost/login"}` {
				t.Errorf("state lost: %+v", onDisk.State)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, filestore.Options{})
	add := func(name string) func(*store.Snapshot) error {
		return func(s *store.Snapshot) error {
			s.Cookies = append(s.Cookies, cookie(name, "v", t0))
			return nil
		}
	}
	if _, err := st.Update(ctx, "u", add("a")); err != nil {
		t.Fatal(err)
	}
	got, err := st.Update(ctx, "u", add("b"))
	if err != nil || names(got) != "a=v b=v" {
		t.Fatalf("Update = %q, %v", names(got), err)
	}
	boom := errors.New("boom")
	if _, err := st.Update(ctx, "u", func(s *store.Snapshot) error {
		s.Cookies = nil
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if got, _ := st.Load(ctx, "u"); names(got) != "a=v b=v" {
		t.Fatalf("failed Update wrote: %q", names(got))
	}
	// A value Extra cannot encode is reported, and nothing is written.
	_, err = st.Update(ctx, "u", func(s *store.Snapshot) error {
		s.Extra = map[string]json.RawMessage{"bad": json.RawMessage("{")}
		return nil
	})
	if err == nil {
		t.Fatal("Update with invalid Extra succeeded")
	}
}

func TestStaleTempFilesRemoved(t *testing.T) {
	ctx := context.Background()
	st := newStore(t, filestore.Options{})
	p, _ := st.Path("shop")
	must(t, os.MkdirAll(filepath.Dir(p), 0o700))
	stale := filepath.Join(filepath.Dir(p), ".shop.json.tmp-12345")
	other := filepath.Join(filepath.Dir(p), ".shopping.json.tmp-12345")
	must(t, os.WriteFile(stale, []byte("half"), 0o600))
	must(t, os.WriteFile(other, []byte("half"), 0o600))
	if _, err := st.Save(ctx, "shop", store.Snapshot{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temp file kept: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another session's temp file removed: %v", err)
	}
}

func TestExplicitPath(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "deep", "dir", "my session.json")
	f := filestore.Open(p, filestore.Options{})
	if f.Path() != p {
		t.Errorf("Path = %s", f.Path())
	}
	if _, err := f.Save(ctx, store.Snapshot{Cookies: []store.Cookie{cookie("a", "1", t0)}}); err != nil {
		t.Fatal(err)
	}
	got, err := filestore.Open(p, filestore.Options{}).Load(ctx)
	if err != nil || names(got) != "a=1" {
		t.Fatalf("Load = %q, %v", names(got), err)
	}
	if err := f.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Load(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Load after Delete: %v", err)
	}
}

// TestConcurrentStores saves from many goroutines, each through its own
// Store (so its own descriptors and cache), as separate processes would.
func TestConcurrentStores(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const workers, saves = 8, 20
	var wg sync.WaitGroup
	for w := range workers {
		st, err := filestore.New(filestore.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for i := range saves {
				snap, err := st.Load(ctx, "shared")
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Error(err)
					return
				}
				snap.Cookies = append(snap.Cookies, cookie(fmt.Sprintf("w%d_%d", w, i), "v", time.Now()))
				if _, err := st.Save(ctx, "shared", snap); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	st := newStoreAt(t, dir)
	got, err := st.Load(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Cookies) != workers*saves {
		t.Fatalf("%d cookies, want %d", len(got.Cookies), workers*saves)
	}
}

func TestContextCanceledWhileWaiting(t *testing.T) {
	dir := t.TempDir()
	holder := newStoreAt(t, dir)
	waiter := newStoreAt(t, dir)
	locked := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := holder.Update(context.Background(), "shop", func(*store.Snapshot) error {
			close(locked)
			<-release
			return nil
		})
		done <- err
	}()
	<-locked
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(5 * time.Millisecond) // let the waiter start polling; the result does not depend on it
		cancel()
	}()
	_, err := waiter.Save(ctx, "shop", store.Snapshot{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Save while locked elsewhere, context canceled: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
